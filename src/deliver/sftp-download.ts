// Downloads a file from sftp-dir to this runner (mode: verify), over the same session layer as the upload: the host
// key pinned, pipelined reads (many requests in flight, as OpenSSH's own client does), the SHA-256 computed while
// the bytes are written, never the whole file in memory. A dropped connection or a stall is retried, resuming at
// the last byte written; a host key or login failure never is.
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SftpSettings } from '../settings/sftp-settings.js';
import { connectSftp, hostPort, scrubSecrets, SftpError, type SftpSession } from './sftp-session.js';

export interface SftpDownloadOptions {
  /** Further connections after a dropped connection or a stall (default 2). */
  retries?: number;
  /** Wait before retry number `attempt` (1-based); default 5 s, 15 s, 45 s, at most 60 s. */
  backoffMs?: (attempt: number) => number;
  /** Progress lines, already free of secrets. */
  log?: (line: string) => void;
  /** Read requests in flight (default 64). */
  concurrency?: number;
  /** Bytes per request (default 256 KiB, capped at what the server accepts). */
  chunkSize?: number;
  readyTimeoutMs?: number;
  /** No answer for this long drops the connection and retries (default 120 s). */
  stallTimeoutMs?: number;
}

export interface SftpDownloadResult {
  /** The file's path on the server. */
  remotePath: string;
  localPath: string;
  bytes: number;
  /** SHA-256 of the bytes written to `localPath`. */
  sha256: string;
  /** Connections used: 1 without a retry. */
  attempts: number;
  durationMs: number;
}

const DEFAULTS = {
  retries: 2,
  concurrency: 64,
  chunkSize: 256 * 1024,
  readyTimeoutMs: 20_000,
  stallTimeoutMs: 120_000,
};

function defaultBackoffMs(attempt: number): number {
  return Math.min(60_000, 5_000 * 3 ** (attempt - 1));
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0\r\n]/.test(name))
    throw new TypeError(`downloadFromSftp: ${JSON.stringify(name)} is not a plain file name`);
}

/**
 * Downloads `<sftp-dir>/<name>` to `localPath`, which must not exist yet (it is created with `wx`). On failure the
 * partial local file is removed and an SftpError says what happened (kind `local` for this runner's disk).
 */
export async function downloadFromSftp(
  settings: SftpSettings,
  name: string,
  localPath: string,
  options: SftpDownloadOptions = {},
): Promise<SftpDownloadResult> {
  checkName(name);
  const started = Date.now();
  const retries = options.retries ?? DEFAULTS.retries;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  const log = (line: string) => options.log?.(scrubSecrets(`sftp: ${line}`, settings));
  const transfer = {
    concurrency: Math.max(1, options.concurrency ?? DEFAULTS.concurrency),
    chunkSize: Math.max(1, options.chunkSize ?? DEFAULTS.chunkSize),
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULTS.stallTimeoutMs,
  };
  const remotePath = path.posix.join(settings.dir, name);

  let out: FileHandle;
  try {
    out = await open(localPath, 'wx', 0o600);
  } catch (err) {
    throw new SftpError(`cannot create ${localPath}: ${(err as Error).message}`, 'local');
  }
  const hash = createHash('sha256');
  let written = 0;
  let attempts = 0;
  let ok = false;
  try {
    for (;;) {
      attempts++;
      let session: SftpSession | undefined;
      try {
        session = await connectSftp(settings, {
          readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
        });
        if (attempts > 1)
          log(`reconnected to ${hostPort(settings)} (attempt ${attempts}); resuming at byte ${written}`);
        const stats = await session.stat(remotePath);
        if (!stats)
          throw new SftpError(`${remotePath} not found on ${hostPort(settings)}`, 'remote', 'ENOENT');
        if (!stats.isFile()) throw new SftpError(`${remotePath} is not a regular file`, 'remote');
        const size = stats.size;
        if (size < written)
          throw new SftpError(`${remotePath} shrank to ${size} bytes during the download`, 'remote', 'EOF');
        if (attempts === 1) log(`downloading ${remotePath} (${size} bytes) to ${localPath}`);
        const handle = await session.open(remotePath, 'r');
        try {
          await readPipelined(session, handle, remotePath, written, size, transfer, async (chunk) => {
            try {
              await out.write(chunk, 0, chunk.length, written);
            } catch (err) {
              throw new SftpError(`cannot write ${localPath}: ${(err as Error).message}`, 'local');
            }
            hash.update(chunk);
            written += chunk.length;
          });
        } finally {
          if (!session.lost) await session.closeHandle(handle, remotePath).catch(() => undefined);
        }
        await session.close();
        await out.sync().catch(() => undefined);
        ok = true;
        return {
          remotePath,
          localPath,
          bytes: written,
          sha256: hash.digest('hex'),
          attempts,
          durationMs: Date.now() - started,
        };
      } catch (err) {
        session?.destroy();
        const error =
          err instanceof SftpError ? err : new SftpError(String((err as Error)?.message ?? err), 'remote');
        if (error.retryable && attempts <= retries) {
          const wait = Math.max(0, backoffMs(attempts));
          log(
            `attempt ${attempts} of ${retries + 1} failed: ${error.message}; retrying in ${Math.round(wait / 1000)} s`,
          );
          await new Promise((resolve) => setTimeout(resolve, wait));
          continue;
        }
        const gaveUp = error.retryable && attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
        const final = new SftpError(
          scrubSecrets(`${error.message}${gaveUp}`, settings),
          error.kind,
          error.code,
        );
        throw final;
      }
    }
  } finally {
    await out.close().catch(() => undefined);
    if (!ok) await rm(localPath, { force: true }).catch(() => undefined);
  }
}

/**
 * Reads bytes [from, to) of an open remote file with `concurrency` requests in flight and hands them to `sink` in
 * order. No answer for `stallTimeoutMs` drops the connection (a retryable error).
 */
async function readPipelined(
  session: SftpSession,
  handle: Buffer,
  remotePath: string,
  from: number,
  to: number,
  transfer: { concurrency: number; chunkSize: number; stallTimeoutMs: number },
  sink: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  const chunkSize = Math.max(1, Math.min(transfer.chunkSize, session.maxReadLength));
  const pending: Promise<Buffer>[] = [];
  let next = from;
  const issue = () => {
    const length = Math.min(chunkSize, to - next);
    const read = readExact(session, handle, next, length, remotePath);
    // Handled here so that a later read failing first is not an unhandled rejection; awaited in order below.
    read.catch(() => undefined);
    pending.push(read);
    next += length;
  };
  while (pending.length < transfer.concurrency && next < to) issue();
  while (pending.length > 0) {
    const chunk = await withStallLimit(session, pending.shift()!, transfer.stallTimeoutMs);
    await sink(chunk);
    if (next < to) issue();
  }
}

async function withStallLimit<T>(
  session: SftpSession,
  promise: Promise<T>,
  stallTimeoutMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SftpError(
        `download from ${hostPort(session.settings)} stalled: no answer for ${Math.round(stallTimeoutMs / 1000)} s`,
        'connection',
        'ETIMEDOUT',
      );
      session.destroy(error);
      reject(error);
    }, stallTimeoutMs);
  });
  try {
    return await Promise.race([promise, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

async function readExact(
  session: SftpSession,
  handle: Buffer,
  position: number,
  length: number,
  remotePath: string,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = await session.read(handle, buffer, got, length - got, position + got, remotePath);
    if (!n)
      throw new SftpError(
        `${remotePath} is shorter than expected (${position + got} bytes)`,
        'remote',
        'EOF',
      );
    got += n;
  }
  return buffer;
}
