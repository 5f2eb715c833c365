import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Archiver, ZipOptions } from 'archiver';
import { HashingPassThrough } from '../hash.js';
import type { ArchiveResult, ArchivedEntry } from '../types.js';
import { AesZipArchive } from './aes-zip.js';
import { BlockPool, PooledFileReader } from './block-pool.js';
import { probeCompressibility } from './compressibility.js';
import { describeError } from './errors.js';
import { localFile, removeFile } from '../deletion.js';
import { temporaryPath } from '../temporary-names.js';
import { checkDeflateTuning, type DeflatedAhead, type ParallelDeflateTuning } from './parallel-deflate.js';
import { ParallelZipArchive, watchEntries, type EntrySpan } from './zip-engine.js';

export interface ZipInputEntry {
  /** Name inside the archive: a plain file name, or a relative path with `/` such as `logs/x.log`. */
  name: string;
  /** File to stream into the entry. */
  file?: string;
  /**
   * Small in-memory content (a manifest), used when `file` is not given. A function is called when the entry's
   * turn comes, with the entries written before it, so a manifest can carry their hashes.
   */
  content?: string | Buffer | ((written: ArchivedEntry[]) => string | Buffer | Promise<string | Buffer>);
  /**
   * Blocks of `file` deflated before its turn (src/archive/deflate-ahead.ts), used where they still match the
   * file. The writer releases them once the entry is written or the archive fails.
   */
  ahead?: DeflatedAhead & { release(): Promise<void> };
}

export interface CreateZipOptions {
  path: string;
  /**
   * The entries, in order. An async iterable lets a caller add entries as they become ready (a schema's dump
   * files as soon as its export ends) while earlier ones are already being compressed.
   */
  entries: Iterable<ZipInputEntry> | AsyncIterable<ZipInputEntry>;
  /** 0..9; 0 stores without compression. */
  level: number;
  /** '' or undefined: no encryption; otherwise AES-256. */
  password?: string;
  /** Total input bytes consumed so far, called for every chunk read (throttle on the caller's side). */
  onProgress?: (bytesIn: number) => void;
  /** Block size and blocks in flight of the multi-threaded deflate; the defaults suit any machine. */
  deflate?: ParallelDeflateTuning;
  /**
   * Stops the archive at once, in the middle of an entry too (a cancelled run has seconds, not the minutes one
   * large dump takes): the partial file is removed and the call rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /** Follow the archive as it is written, e.g. to read each entry back or copy it as its bytes land. */
  observers?: ArchiveObserver[];
  /**
   * Leave the complete archive under its temporary name (the result's `path`) for the caller to publish, once
   * whatever must appear with it (its manifest) is in place.
   */
  hold?: boolean;
}

/**
 * Sees an archive being written: its temporary file, how much of it is on disk, and where each entry starts and
 * ends. Only the promises returned by `opened` and `closed` are awaited; an observer reports its own findings and
 * must not throw.
 */
export interface ArchiveObserver {
  /** The temporary file exists; `bytesOnDisk()` tells how many of its bytes have been written so far. */
  opened(file: string, bytesOnDisk: () => number): Promise<void> | void;
  entryStarted(name: string, headerOffset: number): void;
  /** The entry's data is written up to `span.dataEnd`; its data descriptor follows up to `span.end`. */
  entryEnded(span: EntrySpan): void;
  /**
   * No more entries: the central directory follows (archive complete), or writing failed (`error`). Awaited
   * before the file is renamed or removed.
   */
  closed(error?: Error): Promise<void> | void;
}

/**
 * Writes a zip archive (AES-256 when a password is given), hashing each input and the archive itself
 * while they stream, so no file is read twice and memory stays flat whatever the sizes.
 *
 * Each entry is deflated on several threads (ParallelDeflate, pigz-style blocks); an input file that does not
 * compress (an already-compressed dump) is stored instead, and its entry says so (`incompressible`).
 *
 * The archive is written to a hidden temporary name next to `path` and renamed once complete and closed,
 * so a file at `path` is never a partial archive; on failure the temporary file is removed.
 */
export async function createZipArchive(opts: CreateZipOptions): Promise<ArchiveResult> {
  const started = Date.now();
  const { path, entries, level } = opts;
  const password = opts.password ?? '';
  checkLevel(level);
  // Read in chunks of one deflate block: ParallelDeflate takes such a chunk as a block without copying it, and
  // gives its buffer back for the next read once deflated. Kept: enough for the blocks in flight, the one being
  // filled, the one priming the next, and the chunks waiting in the streams before them.
  const { blockSize, maxBlocksInFlight } = checkDeflateTuning(opts.deflate ?? {});
  const readBuffers = new BlockPool(blockSize, 2 * maxBlocksInFlight + 2);
  const seenNames = new Set<string>();

  // Entries known up front are checked before anything is created: a clear message and nothing to clean up.
  // Entries that arrive later are checked the same way when their turn comes.
  const known = Array.isArray(entries) ? (entries as ZipInputEntry[]) : undefined;
  if (known) for (const entry of known) await checkEntry(entry, seenNames);

  const folder = dirname(path);
  await mkdir(folder, { recursive: true }).catch((err: unknown) => {
    throw new Error(`cannot create folder ${folder} for archive ${path}: ${describeError(err)}`, {
      cause: err,
    });
  });
  const tempPath = temporaryPath(path);

  const zipOptions: ZipOptions = {
    // Without zip64 records, entries or archives over 4 GiB are misread by many tools.
    forceZip64: true,
    // zip-stream only turns level 0 into STORE when forceZip64 is off, so ask for it explicitly.
    store: level === 0,
    zlib: { level },
  };
  // The entry being appended reads its blocks deflated ahead from here.
  const ahead: { current?: DeflatedAhead } = {};
  const compression = { ...opts.deflate, level, ahead, recycle: readBuffers };
  const archive: Archiver = password
    ? new AesZipArchive({ ...zipOptions, password, compression })
    : new ParallelZipArchive({ ...zipOptions, compression });
  const outHash = new HashingPassThrough();
  const out = createWriteStream(tempPath);
  const outClosed = once(out, 'close').catch(() => undefined);
  const observers = opts.observers ?? [];
  // The engine knows each entry's compressed size once its data is written; the central directory records the same.
  const compressedSizes = new Map<string, number>();
  watchEntries(archive, {
    started: (name, offset) => observers.forEach((o) => o.entryStarted(name, offset)),
    ended: (span) => {
      compressedSizes.set(span.name, span.compressedSize);
      observers.forEach((o) => o.entryEnded(span));
    },
  });
  const inputs: Array<{ destroy(): void }> = [];

  let failure: Error | undefined;
  let rejectFailed: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  const fail = (err: Error): void => {
    if (failure) return;
    failure = err;
    rejectFailed(err);
  };

  // Listeners on the endpoints go first, so the root cause wins over the teardown errors that follow it.
  out.on('error', (err) =>
    fail(new Error(`cannot write archive ${path}: ${describeError(err)}`, { cause: err })),
  );
  archive.on('error', (err) =>
    fail(new Error(`cannot build archive ${path}: ${err.message}`, { cause: err })),
  );
  archive.on('warning', (err) =>
    fail(new Error(`cannot build archive ${path}: ${err.message}`, { cause: err })),
  );
  const { signal } = opts;
  const onAbort = (): void => fail(abortReason(signal!, path));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });

  const results: ArchivedEntry[] = [];
  let bytesIn = 0;
  const progress = (n: number): void => {
    bytesIn += n;
    opts.onProgress?.(bytesIn);
  };

  try {
    const written = pipeline(archive, outHash, out);
    written.catch((err: unknown) => fail(asError(err)));
    if (observers.length > 0) {
      // Observers open the file for reading: it must exist first.
      await Promise.race([once(out, 'ready'), failed]);
      await Promise.all(observers.map((o) => o.opened(tempPath, () => out.bytesWritten)));
    }

    // One entry at a time: each input file is opened only when its turn comes.
    for await (const entry of entries) {
      if (!known) await checkEntry(entry, seenNames);
      const entryDone = once(archive, 'entry');
      entryDone.catch(() => undefined);
      if (entry.file !== undefined) {
        const file = entry.file;
        const cannotRead = (err: unknown): Error =>
          new Error(`cannot read input file ${file} (entry ${entry.name}): ${describeError(err)}`, {
            cause: err,
          });
        // Already-compressed data (Data Pump COMPRESSION=ALL) is stored: deflating it would only burn CPU.
        const probe =
          level > 0
            ? await probeCompressibility(file, level).catch((err: unknown) => {
                throw cannotRead(err);
              })
            : undefined;
        const incompressible = probe?.incompressible === true;
        const source = new PooledFileReader(file, readBuffers);
        const hasher = new HashingPassThrough({ onData: progress });
        inputs.push(source, hasher);
        source.on('error', (err) => fail(cannotRead(err)));
        source.pipe(hasher);
        ahead.current = incompressible ? undefined : entry.ahead;
        archive.append(hasher, { name: entry.name, ...(incompressible ? { store: true } : {}) });
        try {
          await Promise.race([entryDone, failed]);
        } finally {
          ahead.current = undefined;
          await entry.ahead?.release();
        }
        results.push({
          name: entry.name,
          bytes: hasher.bytes,
          compressedBytes: compressedSizes.get(entry.name) ?? 0,
          sha256: hasher.digest(),
          ...(incompressible ? { incompressible: true } : {}),
        });
      } else {
        const raw =
          typeof entry.content === 'function' ? await entry.content(results.slice()) : entry.content;
        const content = Buffer.isBuffer(raw) ? raw : Buffer.from(raw ?? '', 'utf8');
        archive.append(content, { name: entry.name });
        await Promise.race([entryDone, failed]);
        progress(content.length);
        results.push({
          name: entry.name,
          bytes: content.length,
          compressedBytes: compressedSizes.get(entry.name) ?? 0,
          sha256: createHash('sha256').update(content).digest('hex'),
        });
      }
    }

    const finalized = archive.finalize();
    finalized.catch((err: unknown) => fail(asError(err)));
    await Promise.race([written, failed]);
    // Resolve only once the file descriptor is closed: the caller may rename, copy or verify it at once.
    await outClosed;
    if (failure) throw failure;
    await Promise.all(observers.map((o) => o.closed()));

    const size = (await stat(tempPath)).size;
    if (size !== outHash.bytes) {
      throw new Error(`archive ${path} has ${size} bytes on disk but ${outHash.bytes} were written`);
    }
    if (!opts.hold) await rename(tempPath, path);
    return {
      path: opts.hold ? tempPath : path,
      name: basename(path),
      bytes: outHash.bytes,
      sha256: outHash.digest(),
      entries: results,
      encrypted: password !== '',
      durationMs: Date.now() - started,
    };
  } catch (err) {
    const error = failure ?? asError(err);
    archive.abort();
    for (const input of inputs) input.destroy();
    out.destroy();
    await outClosed;
    await Promise.all(observers.map((o) => o.closed(error)));
    await removeFile(localFile(tempPath), { kind: 'own-temporary' }).catch(() => undefined);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function abortReason(signal: AbortSignal, path: string): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error(`archive ${path} stopped: ${String(signal.reason ?? 'aborted')}`);
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new Error(`compression level must be an integer from 0 to 9, got ${level}`);
  }
}

/** Checks one entry's name (unique within `seen`, which it extends) and that its input file is readable. */
async function checkEntry(entry: ZipInputEntry, seen: Set<string>): Promise<void> {
  const { name } = entry;
  // archiver silently rewrites such names, which would make the reported entries lie.
  const unsafe =
    name === '' ||
    name.includes('\\') ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    name.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (unsafe) throw new Error(`invalid archive entry name: ${JSON.stringify(name)}`);
  if (seen.has(name)) throw new Error(`duplicate archive entry name: ${name}`);
  seen.add(name);
  if ((entry.file === undefined) === (entry.content === undefined)) {
    throw new Error(`archive entry ${name} needs exactly one of file or content`);
  }
  if (entry.file === undefined) return;
  const st = await stat(entry.file).catch((err: unknown) => {
    throw new Error(`cannot read input file ${entry.file} (entry ${name}): ${describeError(err)}`, {
      cause: err,
    });
  });
  if (!st.isFile()) throw new Error(`input file ${entry.file} (entry ${name}) is not a regular file`);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
