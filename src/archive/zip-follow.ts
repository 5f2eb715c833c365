import { open, type FileHandle } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { readAt } from '../read-at.js';
import { describeError } from './errors.js';
import { GrowingFile, GrowingFileStopped, MIN_READ, READ_SIZE } from './growing-file.js';
import { WinZipAesDecryptor } from './winzip-aes.js';
import type { EntrySpan } from './zip-engine.js';
import { ContentDigest, encryptionProblems, type EntryCheck } from './zip-verify.js';
import type { ArchiveObserver } from './zip-writer.js';
import {
  AES_EXTRA,
  DATA_DESCRIPTOR,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  LOCAL_HEADER,
  LOCAL_HEADER_SIZE,
  METHOD_AES,
  METHOD_DEFLATED,
  METHOD_STORED,
  ZIP64_MAGIC,
} from './zip-format.js';

export interface ZipFollowerOptions {
  /** '' when the archive is not encrypted. */
  password: string;
  /** Stops reading (the archive is being abandoned). */
  signal?: AbortSignal;
  /** Called as each entry's check is done, while later entries may still be written. */
  onChecked?: (check: EntryCheck) => void;
}

/** An entry the writer started, and where it ended once it did. */
interface Job {
  name: string;
  headerOffset: number;
  span?: EntrySpan;
}

/**
 * Reads each entry of a zip archive back from disk while the archive is being written, as a restore would: the
 * bytes are decrypted (WinZip AES-256: password verifier, then the authentication code at the end) and inflated as
 * they land, into the SHA-256, CRC-32 and size of the content, and the entry's local header and data descriptor on
 * disk are compared with what the writer reports. The last entry is thus checked moments after its last byte is
 * written, instead of in a pass over the finished archive.
 *
 * Only where each entry starts and where its data ends come from the writer (an encrypted entry's end cannot be
 * found in its bytes); everything else is read from the file, and the writer's figures are compared with it. The
 * finished archive's central directory is then read by zip.js (`verifyZipArchive` with these checks).
 * Problems are collected per entry, never thrown.
 */
export class ZipFollower implements ArchiveObserver {
  readonly #password: Buffer;
  readonly #onChecked?: (check: EntryCheck) => void;
  readonly #jobs: Job[] = [];
  readonly #checks = new Map<string, EntryCheck>();
  readonly #progress = new GrowingFile();
  readonly #signal?: AbortSignal;
  readonly #onAbort = (): void => this.#progress.stop('aborted');
  #running: Promise<void> = Promise.resolve();

  constructor(opts: ZipFollowerOptions) {
    this.#password = Buffer.from(opts.password, 'utf8');
    this.#onChecked = opts.onChecked;
    this.#signal = opts.signal;
    if (this.#signal?.aborted) this.#progress.stop('aborted');
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  async opened(file: string, bytesOnDisk: () => number): Promise<void> {
    this.#progress.opened(file, bytesOnDisk);
    // Without a handle nothing is checked early: the final pass then decodes every entry itself.
    const handle = await open(file, 'r').catch(() => undefined);
    if (handle) this.#running = this.#run(handle);
    else this.#detach();
  }

  entryStarted(name: string, headerOffset: number): void {
    this.#jobs.push({ name, headerOffset });
    this.#progress.entryStarted();
  }

  entryEnded(span: EntrySpan): void {
    const job = this.#jobs.findLast((j) => j.headerOffset === span.headerOffset);
    if (job) job.span = span;
    this.#progress.entryEnded();
  }

  /** On failure, resolves once the file is closed, so that the writer can remove it. */
  async closed(error?: Error): Promise<void> {
    this.#progress.closed(error);
    if (error) await this.#running.catch(() => undefined);
    if (error) this.#detach();
  }

  #detach(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }

  /** The checks of every entry read back, once the writer closed the archive and the reading is done. */
  async checks(): Promise<ReadonlyMap<string, EntryCheck>> {
    // Should the reading itself fail, the entries it did not check are decoded by the final pass instead.
    await this.#running.catch(() => undefined);
    return this.#checks;
  }

  async #run(handle: FileHandle): Promise<void> {
    const progress = this.#progress;
    try {
      for (let i = 0; ; i++) {
        await progress.until(() => this.#jobs[i] !== undefined || progress.complete, false);
        const job = this.#jobs[i];
        if (!job) return;
        const check = await this.#check(new EntryReader(handle, job, progress)).catch((err: unknown) => {
          if (err instanceof GrowingFileStopped) throw err;
          // An I/O error (EIO, a file removed from under us): the final pass reads the entry once more.
          return { problems: [`entry ${job.name} cannot be read back: ${describeError(err)}`] };
        });
        this.#checks.set(job.name, check);
        this.#onChecked?.(check);
      }
    } catch (err) {
      if (!(err instanceof GrowingFileStopped)) throw err;
    } finally {
      this.#detach();
      await handle.close().catch(() => undefined);
    }
  }

  async #check(reader: EntryReader): Promise<EntryCheck> {
    const { name } = reader.job;
    const frame = await reader.localHeader();
    if (typeof frame === 'string') return reader.failed([frame]);
    const hasPassword = this.#password.length > 0;
    const problems = encryptionProblems(name, frame.encrypted, frame.aes !== undefined, hasPassword);
    const method = frame.aes?.method ?? frame.method;
    const aes256 = frame.aes?.strength === 3;
    const knownMethod = method === METHOD_STORED || method === METHOD_DEFLATED;
    if (frame.aes && !aes256)
      problems.push(`entry ${name} is encrypted with AES-${64 + 64 * frame.aes.strength}, not AES-256`);
    if (!knownMethod)
      problems.push(`entry ${name} uses compression method ${method}, which cannot be read back`);
    // An unencrypted entry where one was expected is still decoded (and reported); anything else is not readable.
    if (!knownMethod || (frame.encrypted && !(aes256 && hasPassword))) return reader.failed(problems);

    const content = new ContentDigest();
    const decoded = await reader.decode(frame, content, this.#password).catch((err: unknown): Decoded => {
      if (err instanceof GrowingFileStopped) throw err;
      const problem = `entry ${name} cannot be read (corrupt or truncated archive): ${describeError(err)}`;
      return { complete: false, problems: [problem] };
    });
    problems.push(...decoded.problems);
    const recorded = await reader.dataDescriptor(frame);
    if (typeof recorded === 'string') problems.push(recorded);
    if (!decoded.complete || typeof recorded === 'string') return { problems, span: reader.job.span };
    // AE-2 entries record no CRC (0): their authentication code covers the data.
    if (frame.aes?.version !== 2 && content.crc !== recorded.crc)
      problems.push(`entry ${name} is corrupt: CRC-32 mismatch`);
    if (content.bytes !== recorded.size)
      problems.push(
        `entry ${name} is corrupt: ${content.bytes} bytes decoded, its header records ${recorded.size}`,
      );
    return { actual: content.result(name), problems, span: reader.job.span };
  }
}

/** What an entry's local header says. */
interface LocalHeader {
  flags: number;
  method: number;
  encrypted: boolean;
  /** The WinZip AES extra field, when there is one. */
  aes?: { version: number; strength: number; method: number };
  dataStart: number;
  /** CRC-32 and sizes, when the header records them (no data descriptor). */
  crc: number;
  compressedSize: number;
  size: number;
}

interface Decoded {
  /** Whether every byte was decoded (and, for AES, authenticated). */
  complete: boolean;
  problems: string[];
}

/** Reads one entry of a growing archive: its header, its data as it lands, its data descriptor. */
class EntryReader {
  readonly job: Job;
  readonly #handle: FileHandle;
  readonly #progress: GrowingFile;
  readonly #where: string;

  constructor(handle: FileHandle, job: Job, progress: GrowingFile) {
    this.job = job;
    this.#handle = handle;
    this.#progress = progress;
    this.#where = `entry ${job.name} at offset ${job.headerOffset}`;
  }

  /** A check that decoded nothing; it still waits for the entry's end, so that the next one can be followed. */
  async failed(problems: string[]): Promise<EntryCheck> {
    const span = await this.ended();
    return { problems: span ? problems : [...problems, this.#unended()], span };
  }

  /** Where the writer says the entry ends, once it does; undefined if the writer closed without saying. */
  async ended(): Promise<EntrySpan | undefined> {
    await this.#progress.until(() => this.job.span !== undefined || this.#progress.complete);
    return this.job.span;
  }

  #unended(): string {
    return `${this.#where}: the writer closed the archive without ending the entry`;
  }

  /** `length` bytes at `position`, once they are on disk; fewer only if the finished file is shorter. */
  async #read(position: number, length: number): Promise<Buffer> {
    const progress = this.#progress;
    await progress.until(() => progress.complete || progress.bytesOnDisk() >= position + length);
    return readAt(this.#handle, position, length);
  }

  async localHeader(): Promise<LocalHeader | string> {
    const { name, headerOffset } = this.job;
    const header = await this.#read(headerOffset, LOCAL_HEADER_SIZE);
    if (header.length < LOCAL_HEADER_SIZE || header.readUInt32LE(0) !== LOCAL_HEADER)
      return `${this.#where}: no local file header on disk`;
    const flags = header.readUInt16LE(6);
    const nameLength = header.readUInt16LE(26);
    const extraLength = header.readUInt16LE(28);
    const rest = await this.#read(headerOffset + LOCAL_HEADER_SIZE, nameLength + extraLength);
    const onDisk = rest.subarray(0, nameLength).toString('utf8');
    if (onDisk !== name) return `${this.#where}: the local header names ${JSON.stringify(onDisk)}`;
    const method = header.readUInt16LE(8);
    const aesField = extraField(rest.subarray(nameLength), AES_EXTRA);
    return {
      flags,
      method,
      encrypted: (flags & FLAG_ENCRYPTED) !== 0,
      ...(method === METHOD_AES && aesField && aesField.length >= 7
        ? {
            aes: {
              version: aesField.readUInt16LE(0),
              strength: aesField.readUInt8(4),
              method: aesField.readUInt16LE(5),
            },
          }
        : {}),
      dataStart: headerOffset + LOCAL_HEADER_SIZE + nameLength + extraLength,
      crc: header.readUInt32LE(14),
      compressedSize: header.readUInt32LE(18),
      size: header.readUInt32LE(22),
    };
  }

  /**
   * Decrypts and inflates the entry's data into `content` as it lands on disk, up to where the writer says it
   * ends. Rejects with zlib's error for data that does not inflate.
   */
  async decode(frame: LocalHeader, content: ContentDigest, password: Buffer): Promise<Decoded> {
    const name = this.job.name;
    const progress = this.#progress;
    let position = frame.dataStart;
    let aes: WinZipAesDecryptor | undefined;
    if (frame.aes) {
      const header = await this.#read(position, WinZipAesDecryptor.HEADER_LENGTH);
      if (header.length < WinZipAesDecryptor.HEADER_LENGTH) return this.#truncated(position);
      aes = new WinZipAesDecryptor(password, header);
      if (!aes.passwordMatches) return { complete: false, problems: ['wrong archive password'] };
      position += header.length;
    }
    const bodyStart = position;
    // An encrypted entry ends with its authentication code: those bytes are held back until the end is known.
    const trailer = aes ? WinZipAesDecryptor.AUTH_CODE_LENGTH : 0;
    const inflate =
      (frame.aes?.method ?? frame.method) === METHOD_DEFLATED ? new Inflater(content) : undefined;
    // Two buffers for every read of the entry, in turn: each is decrypted in place and inflated while the next
    // one is read (the inflater holds at most the last two).
    const buffers = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)];
    let turn = 0;
    try {
      for (;;) {
        const span = this.job.span;
        const dataEnd = span ? span.dataEnd - trailer : Infinity;
        if (position >= dataEnd) break;
        const onDisk = Math.min(dataEnd, progress.bytesOnDisk() - trailer);
        if (onDisk - position < MIN_READ && onDisk < dataEnd && !progress.complete) {
          // Until a full read is there, or all that is left of the entry (the writer may say where it ends meanwhile).
          const wanted = (): number =>
            Math.min(position + MIN_READ, this.job.span ? this.job.span.dataEnd - trailer : Infinity);
          await progress.until(() => progress.complete || progress.bytesOnDisk() - trailer >= wanted());
          continue;
        }
        if (onDisk <= position) return this.#truncated(position);
        const buffer = buffers[(turn ^= 1)]!;
        const data = await readAt(this.#handle, position, Math.min(READ_SIZE, onDisk - position), buffer);
        if (data.length === 0) return this.#truncated(position);
        position += data.length;
        const plain = aes ? aes.decryptInPlace(data) : data;
        if (inflate) await inflate.write(plain);
        else content.update(plain);
      }
      const problems: string[] = [];
      const dataEnd = this.job.span!.dataEnd;
      if (aes) {
        const code = await this.#read(dataEnd - trailer, trailer);
        if (!aes.authenticates(code))
          return {
            complete: false,
            problems: [`entry ${name} is corrupt: AES authentication code mismatch`],
          };
      }
      if (inflate) {
        const consumed = await inflate.end();
        const length = dataEnd - trailer - bodyStart;
        if (consumed !== length)
          problems.push(
            `entry ${name} is corrupt: its deflate data ends ${length - consumed} bytes before the entry`,
          );
      }
      return { complete: true, problems };
    } finally {
      inflate?.destroy();
    }
  }

  #truncated(position: number): Decoded {
    return {
      complete: false,
      problems: [`${this.#where}: the archive file ends at offset ${position}, inside the entry`],
    };
  }

  /** The CRC-32 and sizes recorded after the data (or in the local header), checked against the writer's. */
  async dataDescriptor(frame: LocalHeader): Promise<{ crc: number; size: number } | string> {
    const span = await this.ended();
    if (!span) return this.#unended();
    const where = this.#where;
    if (span.name !== this.job.name) return `${where}: the writer ended it as entry ${span.name}`;
    if (span.dataEnd - frame.dataStart !== span.compressedSize)
      return `${where}: ${span.dataEnd - frame.dataStart} bytes of data on disk, the writer reported ${span.compressedSize}`;
    let { crc, compressedSize, size } = frame;
    if (frame.flags & FLAG_DATA_DESCRIPTOR) {
      const length = span.end - span.dataEnd;
      const descriptor = await this.#read(span.dataEnd, length);
      if (
        (length !== 16 && length !== 24) ||
        descriptor.length !== length ||
        descriptor.readUInt32LE(0) !== DATA_DESCRIPTOR
      )
        return `${where}: no data descriptor after its data`;
      crc = descriptor.readUInt32LE(4);
      compressedSize = length === 24 ? Number(descriptor.readBigUInt64LE(8)) : descriptor.readUInt32LE(8);
      size = length === 24 ? Number(descriptor.readBigUInt64LE(16)) : descriptor.readUInt32LE(12);
    } else if (compressedSize === ZIP64_MAGIC || size === ZIP64_MAGIC) {
      return `${where}: zip64 sizes in the local header are not supported`;
    }
    if (crc !== span.crc >>> 0 || compressedSize !== span.compressedSize || size !== span.size)
      return `${where}: the sizes and CRC-32 on disk (${compressedSize}, ${size}, ${crc}) differ from the writer's (${span.compressedSize}, ${span.size}, ${span.crc >>> 0})`;
    return { crc, size };
  }
}

/** The data of one extra field of an entry, by its id. */
function extraField(extra: Buffer, id: number): Buffer | undefined {
  for (let at = 0; at + 4 <= extra.length;) {
    const length = extra.readUInt16LE(at + 2);
    if (extra.readUInt16LE(at) === id) return extra.subarray(at + 4, at + 4 + length);
    at += 4 + length;
  }
  return undefined;
}

/**
 * Raw inflate into a digest, on zlib's thread pool, at most two chunks in its hands. zlib stops at the end of the
 * deflate stream: `end()` says how many input bytes it used, so data that ends early (or goes on after) is seen.
 */
class Inflater {
  readonly #zlib = createInflateRaw({ chunkSize: 256 * 1024 });
  #pending = Promise.resolve();
  /** Writes zlib has not called back yet: after an error it never does, so the error releases them. */
  readonly #waiting = new Set<() => void>();
  #error?: Error;

  constructor(content: ContentDigest) {
    this.#zlib.on('data', (chunk: Buffer) => content.update(chunk));
    this.#zlib.on('error', (err) => {
      this.#error ??= err;
      for (const release of [...this.#waiting]) release();
    });
  }

  /**
   * Hands `data` to zlib and resolves once the chunk before it is consumed: the caller may then reuse that
   * chunk's buffer, while zlib works on this one. Rejects with zlib's error for data that does not inflate.
   */
  async write(data: Buffer): Promise<void> {
    if (this.#error) throw this.#error;
    const previous = this.#pending;
    this.#pending = new Promise<void>((resolve) => {
      const done = (): void => {
        this.#waiting.delete(done);
        resolve();
      };
      this.#waiting.add(done);
      this.#zlib.write(data, done);
    });
    await previous;
    if (this.#error) throw this.#error;
  }

  /** Ends the input; resolves with the number of input bytes the deflate stream used. */
  async end(): Promise<number> {
    await this.#pending;
    this.#zlib.end();
    await finished(this.#zlib);
    if (this.#error) throw this.#error;
    return this.#zlib.bytesWritten;
  }

  destroy(): void {
    this.#zlib.destroy();
  }
}
