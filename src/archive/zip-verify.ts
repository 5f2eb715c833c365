import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Duplex } from 'node:stream';
import { type ReadableStream, WritableStream } from 'node:stream/web';
import { crc32, createInflateRaw } from 'node:zlib';
import {
  configure,
  ERR_ENCRYPTED,
  ERR_INVALID_AUTHENTICATION_CODE,
  ERR_INVALID_CRC32,
  ERR_INVALID_PASSWORD,
  Reader,
  ZipReader,
  type Entry,
  type FileEntry,
} from '@zip.js/zip.js';
import { sha256File } from '../hash.js';
import type { ArchivedEntry } from '../types.js';
import { describeError } from './errors.js';
import { readAt } from '../read-at.js';
import type { EntrySpan } from './zip-engine.js';

/**
 * Node's own DecompressionStream inflates in 16 KiB steps, each a trip to the thread pool: re-reading a 1 GiB
 * archive spent most of its time waiting on those trips. The same zlib with 256 KiB steps, as a web stream pair
 * (1 GiB re-read in 4.8-5.5 s, peak memory 154-159 MiB; 1 MiB steps: 5.7-5.9 s and 168-176 MiB; 64 KiB: 6.4 s).
 */
class InflateStream {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  constructor(format: string) {
    if (format !== 'deflate-raw') throw new Error(`unsupported compression format ${format}`);
    const pair = Duplex.toWeb(createInflateRaw({ chunkSize: 256 * 1024 }));
    this.readable = pair.readable as ReadableStream<Uint8Array>;
    this.writable = pair.writable as WritableStream<Uint8Array>;
  }
}

// Node has no web workers; zip.js would otherwise try to start some. Its 512 KiB reads are kept: 1 MiB reads were
// ~10 % faster but raised the action's peak memory from 189 to 207 MiB, 4 MiB ones to 260 MiB; 256 KiB and
// 128 KiB reads were slower (6.0 s) and used no less.
configure({ useWebWorkers: false, DecompressionStream: InflateStream });

export interface VerifyZipOptions {
  /** '' or undefined: the archive is expected not to be encrypted. */
  password?: string;
  /** The entries the archive must hold, with their content's size and SHA-256, e.g. `ArchiveResult.entries`. */
  expected: ArchivedEntry[];
  /** When given, the SHA-256 of the whole archive file must match (costs one more read of the archive). */
  expectedSha256?: string;
  /**
   * Entries already decoded from disk as they were written (`ZipFollower`): an entry whose central
   * directory record points at exactly the bytes checked there is not decoded again.
   */
  verified?: ReadonlyMap<string, EntryCheck>;
}

/** What decoding one entry from disk found. */
export interface EntryCheck {
  /** What the entry holds, when it could be decoded. */
  actual?: ArchivedEntry;
  problems: string[];
  /** Where the decoded bytes lie in the archive (an entry checked as it was written). */
  span?: EntrySpan;
}

export interface VerifyZipResult {
  ok: boolean;
  /** What is wrong, in words; empty when ok. */
  problems: string[];
  /** What each readable entry actually holds. */
  entries: ArchivedEntry[];
}

/**
 * Reads the whole archive back as a restore would: every entry is decrypted and decompressed (zip.js checks
 * the CRC-32 and, for AES, the authentication code) into a SHA-256 that is compared with what was archived.
 * Streams from the file, so memory stays flat. A bad archive gives problems, never an exception.
 */
export async function verifyZipArchive(path: string, opts: VerifyZipOptions): Promise<VerifyZipResult> {
  if (!Array.isArray(opts.expected)) throw new TypeError('verifyZipArchive: opts.expected must be an array');
  const password = opts.password ?? '';
  const problems: string[] = [];
  const addProblem = (problem: string): void => {
    if (!problems.includes(problem)) problems.push(problem);
  };
  const entries: ArchivedEntry[] = [];

  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    return { ok: false, problems: [`cannot open archive ${path}: ${describeError(err)}`], entries };
  }

  try {
    if (opts.expectedSha256 !== undefined) {
      const actual = await sha256File(path);
      if (actual.sha256 !== opts.expectedSha256.toLowerCase()) {
        addProblem(`archive SHA-256 is ${actual.sha256}, expected ${opts.expectedSha256}`);
      }
    }

    const size = (await handle.stat()).size;
    const reader = new ZipReader(new FileHandleReader(handle, size));
    let zipEntries: Entry[];
    try {
      zipEntries = await reader.getEntries();
    } catch (err) {
      addProblem(`archive ${path} is not a readable zip (truncated or corrupt): ${messageOf(err)}`);
      return { ok: false, problems, entries };
    }

    const expected = new Map(opts.expected.map((e) => [e.name, e]));
    const seen = new Set<string>();
    for (const entry of zipEntries) {
      const name = entry.filename;
      if (entry.directory) continue;
      if (seen.has(name)) {
        addProblem(`entry ${name} appears more than once`);
        continue;
      }
      seen.add(name);
      const want = expected.get(name);
      if (!want) addProblem(`unexpected entry ${name}`);

      const early = opts.verified?.get(name);
      // An early check decoded the bytes; what this directory record says about their encryption is checked here.
      const check =
        early && pointsAt(entry, early.span)
          ? { ...early, problems: [...directoryEncryptionProblems(entry, password), ...early.problems] }
          : await checkEntryData(entry, password);
      for (const problem of check.problems) addProblem(problem);
      const actual = check.actual;
      if (!actual) continue;
      entries.push(actual);
      if (!want) continue;
      if (actual.bytes !== want.bytes)
        addProblem(`entry ${name} has ${actual.bytes} bytes, expected ${want.bytes}`);
      else if (actual.sha256 !== want.sha256.toLowerCase()) {
        addProblem(`entry ${name} SHA-256 is ${actual.sha256}, expected ${want.sha256}`);
      }
    }
    for (const name of expected.keys()) {
      if (!seen.has(name)) addProblem(`missing entry ${name}`);
    }
    await reader.close().catch(() => undefined);
  } catch (err) {
    // I/O failures while reading (EIO, file removed on a share...) say something about the archive too.
    addProblem(`cannot read archive ${path}: ${describeError(err)}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { ok: problems.length === 0, problems, entries };
}

/** Whether a central directory record describes exactly the bytes an earlier check decoded. */
function pointsAt(entry: Entry, span: EntrySpan | undefined): boolean {
  return (
    span !== undefined &&
    entry.offset === span.headerOffset &&
    entry.compressedSize === span.compressedSize &&
    entry.uncompressedSize === span.size &&
    (entry.signature ?? 0) >>> 0 === span.crc >>> 0
  );
}

/** What is wrong with an entry's encryption (`aes`: WinZip AES rather than ZipCrypto) for the password given. */
export function encryptionProblems(
  name: string,
  encrypted: boolean,
  aes: boolean,
  hasPassword: boolean,
): string[] {
  if (!hasPassword && encrypted) return [`entry ${name} is encrypted but no password was given`];
  if (hasPassword && !encrypted) return [`entry ${name} is not encrypted`];
  return encrypted && !aes ? [`entry ${name} uses weak ZipCrypto encryption, not AES`] : [];
}

/** What is wrong with an entry's encryption, as its directory record describes it. */
function directoryEncryptionProblems(entry: Entry, password: string): string[] {
  return encryptionProblems(entry.filename, entry.encrypted, !entry.zipCrypto, password !== '');
}

/**
 * Decrypts (zip.js checks the password and the AES authentication code) and decompresses one entry into a
 * SHA-256, and compares its CRC-32 (computed by Node's zlib: zip.js's own, in JavaScript, took a sixth of the time)
 * with the one recorded for it.
 */
async function checkEntryData(entry: FileEntry, password: string): Promise<EntryCheck> {
  const name = entry.filename;
  const problems = directoryEncryptionProblems(entry, password);
  if (!password && entry.encrypted) return { problems };
  const content = new ContentDigest();
  const sink = new WritableStream<Uint8Array>({ write: (chunk) => content.update(chunk) });
  try {
    await entry.getData(sink, {
      password: entry.encrypted ? password : undefined,
      checkCrc32: false,
      checkAuthenticationCode: true,
    });
  } catch (err) {
    problems.push(describeEntryError(name, err));
    return { problems };
  }
  // AE-2 entries record no CRC (0): their authentication code, checked above, covers the data.
  const recordsCrc = !entry.encrypted || entry.extraFieldAES?.vendorVersion !== 2;
  if (recordsCrc && content.crc !== (entry.signature ?? 0) >>> 0)
    problems.push(`entry ${name} is corrupt: CRC-32 mismatch`);
  return { actual: content.result(name), problems };
}

function describeEntryError(name: string, err: unknown): string {
  const message = messageOf(err);
  if (message === ERR_INVALID_PASSWORD) return 'wrong archive password';
  if (message === ERR_ENCRYPTED) return `entry ${name} is encrypted but no password was given`;
  if (message === ERR_INVALID_CRC32) return `entry ${name} is corrupt: CRC-32 mismatch`;
  if (message === ERR_INVALID_AUTHENTICATION_CODE) {
    return `entry ${name} is corrupt: AES authentication code mismatch`;
  }
  return `entry ${name} cannot be read (corrupt or truncated archive): ${message}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Random-access reads over an open file, so zip.js never holds more than the chunk it asked for. */
class FileHandleReader extends Reader<FileHandle> {
  readonly #handle: FileHandle;

  constructor(handle: FileHandle, size: number) {
    super(handle);
    this.#handle = handle;
    this.size = size;
  }

  override readUint8Array(index: number, length: number): Promise<Uint8Array> {
    return readAt(this.#handle, index, Math.max(0, Math.min(length, this.size - index)));
  }
}

/** A running SHA-256, CRC-32 and byte count of an entry's content as it is decoded. */
export class ContentDigest {
  readonly #hash = createHash('sha256');
  bytes = 0;
  crc = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
  }

  result(name: string): ArchivedEntry {
    return { name, bytes: this.bytes, sha256: this.#hash.digest('hex') };
  }
}
