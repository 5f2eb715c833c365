import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../hash.js';

export interface FolderSourceFile {
  /** File to copy. */
  source: string;
  /** Plain file name at the destination (no folders). */
  name: string;
  /** Expected SHA-256 (hex) and size of the source, as computed when it was written. */
  sha256: string;
  bytes: number;
}

export interface FolderDeliveredFile {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  verified: boolean;
}

export interface FolderDeliveryResult {
  folder: string;
  ok: boolean;
  /** Files that are verified at the destination, in order; a failed file is not listed. */
  files: FolderDeliveredFile[];
  /** Why the destination failed, in words. */
  error?: string;
  durationMs: number;
  /** Total size of the verified files at the destination. */
  bytes: number;
}

/**
 * Copies files into a folder (local, mounted or UNC), one after the other and in the given order: each is
 * written under a hidden temporary name, flushed to disk, read back and compared (size and SHA-256) with the
 * expected values, then renamed to its final name. A file already there with the same content counts as
 * delivered; one with other content is never overwritten. The first failure stops this destination.
 */
export async function copyToFolder(opts: {
  folder: string;
  files: FolderSourceFile[];
}): Promise<FolderDeliveryResult> {
  const started = Date.now();
  const { folder } = opts;
  for (const file of opts.files) checkName(file.name);
  const files: FolderDeliveredFile[] = [];
  const result = (error?: string): FolderDeliveryResult => ({
    folder,
    ok: error === undefined,
    files,
    ...(error === undefined ? {} : { error }),
    durationMs: Date.now() - started,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  });

  try {
    await mkdir(folder, { recursive: true });
  } catch (err) {
    return result(`cannot create folder ${folder}: ${describeFolderError(folder, err)}`);
  }
  for (const file of opts.files) {
    try {
      files.push(await copyOne(folder, file));
    } catch (err) {
      const message = err instanceof DeliveryError ? err.message : describeFolderError(folder, err);
      return result(`${file.name}: ${message}`);
    }
  }
  return result();
}

/** A failure already described in words. */
class DeliveryError extends Error {}

async function copyOne(folder: string, file: FolderSourceFile): Promise<FolderDeliveredFile> {
  const finalPath = path.join(folder, file.name);
  const delivered = {
    name: file.name,
    path: finalPath,
    bytes: file.bytes,
    sha256: file.sha256,
    verified: true,
  };
  const wanted = file.sha256.toLowerCase();
  if (await matchesExisting(finalPath, file.bytes, wanted, folder)) return delivered;

  const partial = path.join(folder, `.${file.name}.partial-${randomBytes(6).toString('hex')}`);
  try {
    await writeCopy(file.source, partial);
    // Reading the copy back proves what landed. The source is not hashed on the way (the expected hash is known):
    // only when the copy does not match is the source read again, to say which of the two is wrong.
    const copy = await sha256File(partial);
    if (copy.bytes !== file.bytes || copy.sha256 !== wanted) {
      const source = await sha256File(file.source).catch(() => undefined);
      if (source && (source.bytes !== file.bytes || source.sha256 !== wanted)) {
        throw new DeliveryError(
          `source ${file.source} changed: ${source.bytes} bytes, SHA-256 ${source.sha256}; ` +
            `expected ${file.bytes} bytes, SHA-256 ${wanted}`,
        );
      }
      throw new DeliveryError(
        `copy in ${folder} does not match: ${copy.bytes} bytes, SHA-256 ${copy.sha256}; ` +
          `expected ${file.bytes} bytes, SHA-256 ${wanted}`,
      );
    }
    // Checked again just before the rename, which would replace a file that appeared in the meantime.
    if (await matchesExisting(finalPath, file.bytes, wanted, folder)) {
      await rm(partial, { force: true });
      return delivered;
    }
    await rename(partial, finalPath);
    await syncFolder(folder);
    return delivered;
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Streams `source` into a new file `target` and flushes it to disk. A plain read/write loop keeps source and
 * destination errors apart ("disk full" must not blame the source) and memory flat.
 */
async function writeCopy(source: string, target: string): Promise<void> {
  const handle = await open(target, 'wx');
  const input = createReadStream(source, { highWaterMark: 1024 * 1024 });
  try {
    const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      const next = await chunks.next().catch((err: NodeJS.ErrnoException) => {
        throw new DeliveryError(`cannot read source ${source}: ${err.message}`);
      });
      if (next.done) break;
      const chunk = next.value;
      for (let done = 0; done < chunk.length;) {
        done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
      }
    }
    // On disk before reading back, so the check does not only see what a later crash could lose.
    await handle.sync();
  } finally {
    input.destroy();
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
