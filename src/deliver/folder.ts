import { createReadStream } from 'node:fs';
import { lstat, open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { localFile, removeFile } from '../deletion.js';
import { sha256File } from '../hash.js';
import { temporaryName } from '../temporary-names.js';

export interface FolderSourceFile {
  /** File to copy. */
  source: string;
  /** Plain file name at the destination (no folders). */
  name: string;
  /** Expected SHA-256 (hex) and size of the source, as computed when it was written. */
  sha256: string;
  bytes: number;
}

/** A file still being written when its copy starts: its bytes come as they land, its size and hash at the end. */
export interface GrowingSourceFile {
  /** Where the file is once complete (read again only to tell a changed source from a bad copy). */
  source: string;
  /** Plain file name at the destination (no folders). */
  name: string;
  /** Its bytes in order, as they are written; ends when it is complete, throws if writing it fails. */
  chunks: AsyncIterable<Buffer>;
  /** Its size and SHA-256 as computed while it was written; rejects if writing it fails. */
  complete: Promise<{ bytes: number; sha256: string }>;
}

export interface FolderDeliveredFile {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  verified: boolean;
  /** A held copy: verified, still under this temporary path until `publishCopies` gives it its name. */
  pending?: string;
}

export interface FolderDeliveryResult {
  folder: string;
  ok: boolean;
  /** Files that are verified at the destination, in order; a failed file is not listed. */
  files: FolderDeliveredFile[];
  /** Why the destination failed, in words. */
  error?: string;
  /** Time spent copying and checking; waiting for the bytes of a file still being written is not counted. */
  durationMs: number;
  /** Total size of the verified files at the destination. */
  bytes: number;
}

/**
 * Copies files into a folder (local, mounted or UNC), one after the other and in the given order: each is
 * written under a hidden temporary name, flushed to disk, read back and compared (size and SHA-256) with the
 * expected values, then renamed to its final name. A file already there with the same content counts as
 * delivered; one with other content is never overwritten. The first failure stops this destination.
 * A file still being written (GrowingSourceFile) is copied as it grows and checked once it is complete.
 * The folder must already exist: it is never created (see destinationFolderProblem).
 * `hold`: each verified copy keeps its temporary name (`pending`) until `publishCopies`, so that several files can
 * appear in the order that keeps the folder consistent, or be discarded together.
 */
export async function copyToFolder(opts: {
  folder: string;
  files: Array<FolderSourceFile | GrowingSourceFile>;
  hold?: boolean;
}): Promise<FolderDeliveryResult> {
  const started = Date.now();
  const { folder } = opts;
  for (const file of opts.files) checkName(file.name);
  const files: FolderDeliveredFile[] = [];
  // Time spent waiting for a growing file's bytes is the writer's, not the copy's.
  const waiting = { ms: 0 };
  const result = (error?: string): FolderDeliveryResult => ({
    folder,
    ok: error === undefined,
    files,
    ...(error === undefined ? {} : { error }),
    durationMs: Date.now() - started - waiting.ms,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  });

  const missing = await destinationFolderProblem(folder);
  if (missing) return result(missing);
  for (const file of opts.files) {
    try {
      files.push(await copyOne(folder, file, waiting, opts.hold === true));
    } catch (err) {
      const message = err instanceof DeliveryError ? err.message : describeFolderError(folder, err);
      return result(`${file.name}: ${message}`);
    }
  }
  return result();
}

/**
 * Why a destination folder cannot receive copies, or undefined when it is an existing folder. A missing one is
 * never created: a share that is not mounted leaves an empty mount point (or nothing at all), and creating the
 * folder there would put the "off-site" copy on the runner's own disk and report it as delivered.
 */
export async function destinationFolderProblem(folder: string): Promise<string | undefined> {
  try {
    const info = await stat(folder);
    return info.isDirectory() ? undefined : `copy-to ${folder} is not a folder`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT')
      return (
        `copy-to folder ${folder} does not exist (is the share mounted?); ` +
        'the action never creates a destination folder'
      );
    return describeFolderError(folder, err);
  }
}

/** A failure already described in words. */
class DeliveryError extends Error {}

async function copyOne(
  folder: string,
  file: FolderSourceFile | GrowingSourceFile,
  waiting: { ms: number },
  hold: boolean,
): Promise<FolderDeliveredFile> {
  const finalPath = path.join(folder, file.name);
  const delivered = (bytes: number, sha256: string): FolderDeliveredFile => ({
    name: file.name,
    path: finalPath,
    bytes,
    sha256,
    verified: true,
  });
  const growing = 'chunks' in file ? file : undefined;
  const known = 'chunks' in file ? undefined : file;
  // A growing file's content is known only at its end: a file already there is compared then.
  if (known && (await matchesExisting(finalPath, known.bytes, known.sha256.toLowerCase(), folder)))
    return delivered(known.bytes, known.sha256);

  const partial = path.join(folder, temporaryName(file.name));
  try {
    // A growing file's bytes wait on its writer: that time is not the copy's.
    if (growing) await writeCopy(growing.chunks, file.source, partial, waiting);
    else await writeCopy(fileChunks(file.source), file.source, partial);
    const waitedFrom = Date.now();
    const { bytes, sha256 } = known ?? (await growing!.complete);
    waiting.ms += Date.now() - waitedFrom;
    const wanted = sha256.toLowerCase();
    // Reading the copy back proves what landed. The source is not hashed on the way (the expected hash is known):
    // only when the copy does not match is the source read again, to say which of the two is wrong.
    const copy = await sha256File(partial);
    if (copy.bytes !== bytes || copy.sha256 !== wanted) {
      const source = await sha256File(file.source).catch(() => undefined);
      if (source && (source.bytes !== bytes || source.sha256 !== wanted)) {
        throw new DeliveryError(
          `source ${file.source} changed: ${source.bytes} bytes, SHA-256 ${source.sha256}; ` +
            `expected ${bytes} bytes, SHA-256 ${wanted}`,
        );
      }
      throw new DeliveryError(
        `copy in ${folder} does not match: ${copy.bytes} bytes, SHA-256 ${copy.sha256}; ` +
          `expected ${bytes} bytes, SHA-256 ${wanted}`,
      );
    }
    if (hold) return { ...delivered(bytes, sha256), pending: partial };
    await publish(folder, partial, finalPath, bytes, wanted);
    return delivered(bytes, sha256);
  } catch (err) {
    await discard(partial);
    throw err;
  }
}

/** Gives a verified temporary copy its final name, unless that name meanwhile holds the same content. */
async function publish(
  folder: string,
  partial: string,
  finalPath: string,
  bytes: number,
  sha256: string,
): Promise<void> {
  // Checked again just before the rename, which would replace a file that appeared in the meantime.
  if (await matchesExisting(finalPath, bytes, sha256, folder)) {
    await discard(partial);
    return;
  }
  await rename(partial, finalPath);
  await syncFolder(folder);
}

async function discard(partial: string): Promise<void> {
  await removeFile(localFile(partial), { kind: 'own-temporary' }).catch(() => undefined);
}

/**
 * Gives held copies their names, in the order given (a set's manifest before its archive, so that no archive is
 * ever seen without its manifest). On the first failure the copies not yet published are discarded and the error
 * is thrown, described.
 */
export async function publishCopies(folder: string, files: FolderDeliveredFile[]): Promise<void> {
  for (const [i, file] of files.entries()) {
    if (file.pending === undefined) continue;
    try {
      await publish(folder, file.pending, file.path, file.bytes, file.sha256.toLowerCase());
      delete file.pending;
    } catch (err) {
      await discardCopies(files.slice(i));
      const message = err instanceof DeliveryError ? err.message : describeFolderError(folder, err);
      throw new Error(`${file.name}: ${message}`, { cause: err });
    }
  }
}

/** Removes the held copies that were not published (their temporary files are this run's). */
export async function discardCopies(files: FolderDeliveredFile[]): Promise<void> {
  for (const file of files) {
    if (file.pending === undefined) continue;
    await discard(file.pending);
    delete file.pending;
  }
}

/** A file's content in 1 MiB chunks; the file is opened on the first read, when a reader is there for its errors. */
async function* fileChunks(file: string): AsyncGenerator<Buffer> {
  yield* createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
}

/**
 * Writes `chunks` (the content of `source`) into a new file `target` and flushes it to disk. A plain read/write
 * loop keeps source and destination errors apart ("disk full" must not blame the source) and memory flat.
 * `waiting`, when given, counts the time spent waiting for the chunks.
 */
async function writeCopy(
  chunks: AsyncIterable<Buffer>,
  source: string,
  target: string,
  waiting?: { ms: number },
): Promise<void> {
  const handle = await open(target, 'wx');
  const input = chunks[Symbol.asyncIterator]();
  try {
    for (;;) {
      const asked = Date.now();
      const next = await input.next().catch((err: Error) => {
        throw new DeliveryError(`cannot read source ${source}: ${err.message}`);
      });
      if (waiting) waiting.ms += Date.now() - asked;
      if (next.done) break;
      const chunk = next.value;
      for (let done = 0; done < chunk.length;) {
        done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      }
    }
    // On disk before reading back, so the check does not only see what a later crash could lose.
    await handle.sync();
  } finally {
    // Stops the source early on a failure (closes its file).
    await input.return?.().catch(() => undefined);
    await handle.close().catch(() => undefined);
  }
}

/** True when `finalPath` holds the expected content, false when absent; throws when it holds something else. */
async function matchesExisting(
  finalPath: string,
  bytes: number,
  sha256: string,
  folder: string,
): Promise<boolean> {
  const stats = await lstat(finalPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!stats) return false;
  if (!stats.isFile()) throw new DeliveryError(`already exists in ${folder} and is not a regular file`);
  if (stats.size === bytes && (await sha256File(finalPath)).sha256 === sha256) return true;
  throw new DeliveryError(`already exists in ${folder} with different content; it was not overwritten`);
}

/** Makes the rename itself durable on POSIX; Windows cannot open a folder for that and does not need it. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close().catch(() => undefined);
}

function checkName(name: string): void {
  const plain =
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    path.posix.basename(name) === name &&
    path.win32.basename(name) === name &&
    !name.includes(':');
  if (!plain) throw new TypeError(`copyToFolder: ${JSON.stringify(name)} is not a plain file name`);
}

function isUncPath(p: string): boolean {
  return /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+/.test(p);
}

/** The reason in words, naming the folder, for the errors a destination is likely to give. */
export function describeFolderError(folder: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const unreachable = ['ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'UNKNOWN', 'EIO'];
  if (code && isUncPath(folder) && unreachable.includes(code))
    return `folder not reachable: ${folder} (${code})`;
  switch (code) {
    case 'ENOSPC':
      return `disk full at ${folder} (ENOSPC)`;
    case 'EDQUOT':
      return `disk quota exceeded at ${folder} (EDQUOT)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied at ${folder} (${code})`;
    case 'EROFS':
      return `read-only file system at ${folder} (EROFS)`;
    case 'ENOTDIR':
      return `${folder} is not a folder or is under a file (ENOTDIR)`;
    case 'ENOENT':
      return `folder not found: ${folder} (ENOENT)`;
    case 'EIO':
      return `input/output error at ${folder} (EIO)`;
    default:
      return e?.message ?? String(err);
  }
}
