// The SFTP destination, with the folder destination's semantics (folder.ts): each file is written under a hidden
// temporary name, its size and SHA-256 are checked on the server, and only then is it renamed to its final name.
// A file already there with the same content counts as delivered; one with other content is never overwritten.
// Connection drops and timeouts are retried (resuming where the server acknowledged); a host key or login failure
// never is.
import path from 'node:path';
import { removeFile } from '../deletion.js';
import { sha256File } from '../hash.js';
import { temporaryName } from '../temporary-names.js';
import { formatBytes } from '../report/format.js';
import { formatElapsed } from '../settings/parse.js';
import type { BackupPlace, PlaceEntry } from '../retention/place.js';
import type { SftpSettings } from '../settings/sftp-settings.js';
import type { FolderDeliveredFile, FolderDeliveryResult, FolderSourceFile } from './folder.js';
import { findOpenSsh, OpenSshSftp, openSshUnusableReason, type OpenSshClient } from './sftp-openssh.js';
import {
  connectSftp,
  hostPort,
  scrubSecrets,
  SftpError,
  type ConnectOptions,
  type PipelineOptions,
  type SftpSession,
} from './sftp-session.js';

export { SftpError, sshFingerprint } from './sftp-session.js';

export type SftpVerification = 'remote sha256sum' | 'read back';

/**
 * How the bytes travelled: `openssh` through OpenSSH's own client (`ssh -s sftp`, its C cryptography; faster),
 * `built-in` through ssh2 in this process (no OpenSSH client usable, or asked for).
 */
export type SftpTransfer = 'openssh' | 'built-in';

export interface SftpDeliveredFile extends FolderDeliveredFile {
  /** `path` is the file's absolute path on the server. */
  verification: SftpVerification;
}

export interface SftpDeliveryResult extends FolderDeliveryResult {
  /** `folder` is sftp-dir as configured; `remotePath` the folder's absolute path on the server ('' if not reached). */
  files: SftpDeliveredFile[];
  remotePath: string;
  /** Bytes sent ÷ time spent sending them (verification not included); 0 when nothing had to be sent. */
  throughputBytesPerSec: number;
  /** How the copies were checked: 'read back' when any file had to be read back (no exec channel). */
  verification: SftpVerification;
  /** Connections used for the upload: 1 without a retry. */
  attempts: number;
  /** The server-side command behind 'remote sha256sum' (OpenSSL where present: faster). */
  remoteHashCommand?: RemoteHashTool;
  /** How the last file sent travelled (when nothing had to be sent: the transfer that would have been used). */
  transfer: SftpTransfer;
  /** The same in words, with the OpenSSH version or why the built-in transfer was used. */
  transferDetail: string;
}

export interface SftpUploadOptions {
  /** Further connections after a dropped connection or a timeout (default 2: at most 3 attempts). */
  retries?: number;
  /** Wait before retry number `attempt` (1-based); default 5 s, 15 s, 45 s, at most 60 s. */
  backoffMs?: (attempt: number) => number;
  /** Progress lines, already free of secrets. */
  log?: (line: string) => void;
  /** Requests in flight (default 64). */
  concurrency?: number;
  /** Bytes per request (default 256 KiB, capped at what the server accepts: 255 KiB for OpenSSH). */
  chunkSize?: number;
  readyTimeoutMs?: number;
  /** No acknowledgement for this long during a transfer drops the connection and retries (default 120 s). */
  stallTimeoutMs?: number;
  /** Compare free space (statvfs@openssh.com) with each file's size before sending it (default true). */
  checkFreeSpace?: boolean;
  /**
   * `auto` (default): send through OpenSSH's `ssh` when a usable one is found, else the built-in ssh2 transfer;
   * `built-in`: always ssh2. Connection, host key check, verification and rename are ssh2's either way.
   */
  transfer?: 'auto' | 'built-in';
  /** The OpenSSH client to run (default `ssh`, looked up on PATH). */
  sshCommand?: string;
  /** Where the OpenSSH transfer's private folder (known_hosts, key until login) is made (RUNNER_TEMP; default the OS's). */
  tempRoot?: string;
  /** Told each such folder, so that it is removed even if this process is killed before it can. */
  onTempDir?: (dir: string) => void;
}

export const SFTP_TRANSFER_DEFAULTS = {
  retries: 2,
  concurrency: 64,
  chunkSize: 256 * 1024,
  readyTimeoutMs: 20_000,
  stallTimeoutMs: 120_000,
} as const;

export function defaultBackoffMs(attempt: number): number {
  return Math.min(60_000, 5_000 * 3 ** (attempt - 1));
}

/** `sftp user@host:/dir`, with the port when it is not 22; for messages and the report. */
export function sftpLabel(settings: SftpSettings, remotePath?: string): string {
  const port = settings.port === 22 ? '' : ` (port ${settings.port})`;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `sftp ${settings.username}@${host}:${remotePath || settings.dir}${port}`;
}

interface Progress {
  /** Temporary name of the file being sent. */
  temp: string;
  /** Every byte below this offset is acknowledged by the server. */
  acked: number;
}

/** What sends the bytes of a file: the ssh2 session itself, or an OpenSSH process (same operations, same errors). */
type FileWriter = Pick<SftpSession, 'lost' | 'writeFromFile' | 'fsync' | 'closeHandle'> & {
  open(path: string, flags: 'wx' | 'r+'): Promise<Buffer>;
};

interface UploadContext {
  settings: SftpSettings;
  /** The OpenSSH client to use; null once it turned out unusable (`builtInReason` says why). */
  openssh: OpenSshClient | null;
  builtInReason: string;
  sshCommand: string;
  connectTimeoutMs: number;
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
  /** The OpenSSH process of the current attempt, started for the first file that is sent. */
  channel?: OpenSshSftp;
  /** Which transfer sent the last bytes. */
  transferUsed?: SftpTransfer;
  remoteDir: string;
  transfer: PipelineOptions;
  checkFreeSpace: boolean;
  log: (line: string) => void;
  progress: Map<string, Progress>;
  /** The command that hashes files on the server; null: none (read back); undefined until probed. */
  remoteHash?: RemoteHashTool | null;
  sentBytes: number;
  sendMs: number;
  usedReadBack: boolean;
}

/**
 * Uploads files into sftp-dir (created if missing), one after the other and in the given order, each verified on
 * the server before it gets its final name. The first failure stops this destination and removes its temporary
 * file; no file ever appears under a final name unverified.
 */
export async function uploadToSftp(
  settings: SftpSettings,
  files: FolderSourceFile[],
  options: SftpUploadOptions = {},
): Promise<SftpDeliveryResult> {
  const started = Date.now();
  for (const file of files) checkName(file.name);
  const retries = options.retries ?? SFTP_TRANSFER_DEFAULTS.retries;
  const backoffMs = options.backoffMs ?? defaultBackoffMs;
  const log = (line: string) => options.log?.(scrubSecrets(`sftp: ${line}`, settings));
  const connectOptions: ConnectOptions = {
    readyTimeoutMs: options.readyTimeoutMs ?? SFTP_TRANSFER_DEFAULTS.readyTimeoutMs,
  };
  const delivered: SftpDeliveredFile[] = [];
  const sshCommand = options.sshCommand ?? 'ssh';
  const choice = await chooseTransfer(settings, options.transfer, sshCommand);
  const ctx: UploadContext = {
    settings,
    openssh: typeof choice === 'string' ? null : choice,
    builtInReason: typeof choice === 'string' ? choice : '',
    sshCommand,
    connectTimeoutMs: connectOptions.readyTimeoutMs!,
    tempRoot: options.tempRoot,
    onTempDir: options.onTempDir,
    remoteDir: '',
    transfer: {
      concurrency: options.concurrency ?? SFTP_TRANSFER_DEFAULTS.concurrency,
      chunkSize: options.chunkSize ?? SFTP_TRANSFER_DEFAULTS.chunkSize,
      stallTimeoutMs: options.stallTimeoutMs ?? SFTP_TRANSFER_DEFAULTS.stallTimeoutMs,
    },
    checkFreeSpace: options.checkFreeSpace ?? true,
    log,
    progress: new Map(),
    sentBytes: 0,
    sendMs: 0,
    usedReadBack: false,
  };
  let attempts = 0;
  const result = (error?: string): SftpDeliveryResult => ({
    folder: settings.dir,
    ok: error === undefined,
    files: delivered,
    ...(error === undefined ? {} : { error: scrubSecrets(error, settings) }),
    durationMs: Date.now() - started,
    bytes: delivered.reduce((sum, f) => sum + f.bytes, 0),
    remotePath: ctx.remoteDir,
    throughputBytesPerSec: ctx.sendMs > 0 ? Math.round((ctx.sentBytes * 1000) / ctx.sendMs) : 0,
    verification:
      ctx.usedReadBack || ctx.remoteHash === null || delivered.some((f) => f.verification === 'read back')
        ? 'read back'
        : 'remote sha256sum',
    attempts,
    ...(ctx.remoteHash ? { remoteHashCommand: ctx.remoteHash } : {}),
    ...transferOf(ctx),
  });

  for (;;) {
    attempts++;
    let session: SftpSession | undefined;
    let current: string | undefined;
    try {
      session = await connectSftp(settings, connectOptions);
      if (attempts === 1) {
        log(
          `connected to ${hostPort(settings)} as ${settings.username} ` +
            `(${session.hostKey.type} host key ${session.hostKey.fingerprint} matches sftp-fingerprint)`,
        );
      } else log(`reconnected to ${hostPort(settings)} (attempt ${attempts})`);
      if (!ctx.remoteDir) ctx.remoteDir = await ensureFolder(session, settings.dir);
      for (const file of files.slice(delivered.length)) {
        current = file.name;
        delivered.push(await deliverOne(session, ctx, file));
      }
      current = undefined;
      await closeChannel(ctx);
      await session.close();
      return result();
    } catch (err) {
      const error =
        err instanceof SftpError ? err : new SftpError(String((err as Error)?.message ?? err), 'remote');
      await closeChannel(ctx, true);
      if (error.retryable && attempts <= retries) {
        session?.destroy();
        const wait = Math.max(0, backoffMs(attempts));
        log(
          `attempt ${attempts} of ${retries + 1} failed: ${error.message}; retrying in ${Math.round(wait / 1000)} s`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
        continue;
      }
      await removeTemporaryFiles(settings, ctx, connectOptions, session);
      await session?.close().catch(() => undefined);
      const gaveUp = error.retryable && attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
      return result(`${current ? `${current}: ` : ''}${error.message}${gaveUp}`);
    }
  }
}

/** Creates `dir` (and its parents) where missing; returns its absolute path on the server. */
async function ensureFolder(session: SftpSession, dir: string): Promise<string> {
  const stats = await session.stat(dir);
  if (stats) {
    if (!stats.isDirectory())
      throw new SftpError(`${dir} exists on the server and is not a folder`, 'remote', 'ENOTDIR');
    return session.realpath(dir);
  }
  const parent = path.posix.dirname(dir);
  if (parent !== dir) await ensureFolder(session, parent);
  try {
    await session.mkdir(dir);
  } catch (err) {
    // Created meanwhile by someone else: fine. Otherwise say who may not create it.
    if (!(await session.stat(dir))?.isDirectory()) {
      const e = err as SftpError;
      if (e.code === 'EACCES') {
        throw new SftpError(
          `cannot create folder ${dir}: permission denied for ${session.settings.username} (EACCES); ` +
            'create it on the server or choose another sftp-dir',
          'remote',
          'EACCES',
        );
      }
      throw err;
    }
  }
  return session.realpath(dir);
}

async function deliverOne(
  session: SftpSession,
  ctx: UploadContext,
  file: FolderSourceFile,
): Promise<SftpDeliveredFile> {
  const finalPath = path.posix.join(ctx.remoteDir, file.name);
  const wanted = file.sha256.toLowerCase();
  const delivered = (verification: SftpVerification): SftpDeliveredFile => ({
    name: file.name,
    path: finalPath,
    bytes: file.bytes,
    sha256: wanted,
    verified: true,
    verification,
  });

  const existing = await matchesExisting(session, ctx, finalPath, file.bytes, wanted);
  if (existing) {
    await forgetTemporary(session, ctx, file.name);
    ctx.log(`${file.name} is already at ${finalPath} with the same content`);
    return delivered(existing);
  }

  // A resumed copy that does not match is sent once more from the start before giving up.
  for (let pass = 1; ; pass++) {
    const { tempPath, resumedAt } = await prepareTemporary(session, ctx, file);
    const progress = ctx.progress.get(file.name)!;
    await checkSpace(session, ctx, file, resumedAt);
    const writer = await writerFor(session, ctx);
    const handle = await openTemporary(writer, session, ctx, tempPath, resumedAt > 0);
    const sent = { bytes: 0, ms: 0 };
    try {
      if (resumedAt > 0) {
        ctx.log(`resuming ${file.name} at byte ${resumedAt} of ${file.bytes} (${tempPath})`);
      } else ctx.log(`sending ${file.name} (${formatBytes(file.bytes)}) as ${tempPath}`);
      const sendStarted = Date.now();
      let acked = resumedAt;
      try {
        await writer.writeFromFile(handle, file.source, resumedAt, file.bytes, {
          ...ctx.transfer,
          remotePath: tempPath,
          onAcked: (offset) => {
            acked = offset;
            progress.acked = offset;
          },
        });
      } catch (err) {
        throw await explainWriteFailure(session, ctx, err, file.bytes - acked);
      } finally {
        sent.bytes = acked - resumedAt;
        sent.ms = Date.now() - sendStarted;
        ctx.sentBytes += sent.bytes;
        ctx.sendMs += sent.ms;
      }
      // On the server's disk before it is checked and named, as folder.ts does with fsync.
      await writer.fsync(handle, tempPath).catch(async (err) => {
        throw await explainWriteFailure(session, ctx, err, 0);
      });
    } finally {
      if (!writer.lost) await writer.closeHandle(handle, tempPath).catch(() => undefined);
    }
    ctx.log(`${file.name} sent: ${formatBytes(sent.bytes)} in ${rate(sent.bytes, sent.ms)}; verifying`);

    const check = await verifyRemote(session, ctx, tempPath, file.bytes, wanted);
    if (!check.ok) {
      const local = await sha256File(file.source).catch(() => undefined);
      if (!local || local.bytes !== file.bytes || local.sha256 !== wanted) {
        await removeQuietly(session, tempPath);
        ctx.progress.delete(file.name);
        throw new SftpError(
          `source ${file.source} changed: ${local ? `${local.bytes} bytes, SHA-256 ${local.sha256}` : 'unreadable'}; ` +
            `expected ${file.bytes} bytes, SHA-256 ${wanted}`,
          'local',
        );
      }
      if (resumedAt > 0 && pass === 1) {
        ctx.log(
          `${file.name}: the resumed copy does not match (${check.detail}); sending it again from the start`,
        );
        await removeQuietly(session, tempPath);
        ctx.progress.delete(file.name);
        continue;
      }
      await removeQuietly(session, tempPath);
      ctx.progress.delete(file.name);
      throw new SftpError(
        `copy in ${ctx.remoteDir} does not match: ${check.detail}; expected ${file.bytes} bytes, SHA-256 ${wanted}`,
        'remote',
      );
    }

    // Checked again just before the rename: posix-rename would replace a file that appeared in the meantime.
    const appeared = await matchesExisting(session, ctx, finalPath, file.bytes, wanted).catch(async (err) => {
      await removeQuietly(session, tempPath);
      ctx.progress.delete(file.name);
      throw err;
    });
    if (appeared) {
      await removeQuietly(session, tempPath);
      ctx.progress.delete(file.name);
      return delivered(check.method);
    }
    try {
      await session.rename(tempPath, finalPath);
    } catch (err) {
      if (session.lost) throw session.lost;
      // The plain SFTP rename refuses an existing target: someone else delivered it meanwhile?
      const now = await matchesExisting(session, ctx, finalPath, file.bytes, wanted).catch(() => undefined);
      await removeQuietly(session, tempPath);
      ctx.progress.delete(file.name);
      if (now) return delivered(check.method);
      throw err;
    }
    ctx.progress.delete(file.name);
    ctx.log(`${file.name} verified (${check.method}) and renamed to ${finalPath}`);
    return delivered(check.method);
  }
}

/** The temporary name to write, resuming a previous attempt's file where its acknowledged part is still there. */
async function prepareTemporary(
  session: SftpSession,
  ctx: UploadContext,
  file: FolderSourceFile,
): Promise<{ tempPath: string; resumedAt: number }> {
  const previous = ctx.progress.get(file.name);
  if (previous) {
    const tempPath = path.posix.join(ctx.remoteDir, previous.temp);
    const stats = await session.stat(tempPath);
    if (stats?.isFile() && stats.size >= previous.acked && previous.acked > 0) {
      return { tempPath, resumedAt: previous.acked };
    }
    if (stats) await removeQuietly(session, tempPath);
  }
  const temp = temporaryName(file.name);
  ctx.progress.set(file.name, { temp, acked: 0 });
  return { tempPath: path.posix.join(ctx.remoteDir, temp), resumedAt: 0 };
}

/** The OpenSSH process of this attempt (started on first use), or the ssh2 session where OpenSSH is not usable. */
async function writerFor(session: SftpSession, ctx: UploadContext): Promise<FileWriter> {
  if (ctx.channel) {
    // Gone between two files: a lost connection like any other (the attempt ends, its files are removed).
    if (ctx.channel.lost) throw ctx.channel.lost;
    return ctx.channel;
  }
  if (ctx.openssh && session.hostKey.blob) {
    try {
      ctx.channel = await OpenSshSftp.start(ctx.settings, session.hostKey.blob, {
        command: ctx.sshCommand,
        connectTimeoutMs: ctx.connectTimeoutMs,
        tempRoot: ctx.tempRoot,
        onTempDir: ctx.onTempDir,
      });
      if (ctx.transferUsed !== 'openssh') {
        ctx.log(
          `sending through ${ctx.openssh.version} (ssh -s sftp, pinned to the ${session.hostKey.type} host key checked above)`,
        );
      }
      ctx.transferUsed = 'openssh';
      return ctx.channel;
    } catch (err) {
      const e = err as SftpError;
      // A refused host key is never worked around. A lost connection while ssh2's stays up is most likely a
      // server that allows one connection per user: ssh2 takes over, as for anything else that is OpenSSH's
      // (login, options, subsystem). Only when ssh2's connection is gone too is it the network: retried.
      if (!(e instanceof SftpError) || e.kind === 'host-key') throw err;
      if (e.kind === 'connection' && !(await stillConnected(session))) throw err;
      ctx.openssh = null;
      ctx.builtInReason =
        e.kind === 'connection' ? `${e.message}, while the built-in connection stayed up` : e.message;
      ctx.log(`OpenSSH transfer not possible (${ctx.builtInReason}); using the built-in transfer`);
    }
  } else if (ctx.transferUsed === undefined) {
    ctx.log(`sending with the built-in transfer (${ctx.builtInReason || 'no host key blob'})`);
  }
  ctx.transferUsed = 'built-in';
  return session;
}

/** The session answers a request (a cheap realpath): the server and the network are there. */
async function stillConnected(session: SftpSession): Promise<boolean> {
  if (session.lost) return false;
  return session.realpath('.').then(
    () => true,
    () => !session.lost,
  );
}

/** Ends this attempt's OpenSSH process (at once after a failure) and removes its private folder. */
async function closeChannel(ctx: UploadContext, failed = false): Promise<void> {
  const channel = ctx.channel;
  ctx.channel = undefined;
  if (!channel) return;
  if (failed) {
    channel.destroy();
    await channel.finished();
  } else await channel.close();
}

function transferOf(ctx: UploadContext): { transfer: SftpTransfer; transferDetail: string } {
  const used = ctx.transferUsed ?? (ctx.openssh ? 'openssh' : 'built-in');
  if (used === 'openssh' && ctx.openssh) {
    return { transfer: 'openssh', transferDetail: `OpenSSH (${ctx.openssh.version}, ssh -s sftp)` };
  }
  return {
    transfer: 'built-in',
    transferDetail: `built-in (ssh2)${ctx.builtInReason ? `: ${ctx.builtInReason}` : ''}`,
  };
}

async function openTemporary(
  writer: FileWriter,
  session: SftpSession,
  ctx: UploadContext,
  tempPath: string,
  resume: boolean,
) {
  try {
    return await writer.open(tempPath, resume ? 'r+' : 'wx');
  } catch (err) {
    const e = err as SftpError;
    if (e.code === 'EACCES') {
      throw new SftpError(
        `permission denied: ${ctx.settings.username} cannot create files in ${ctx.remoteDir} (EACCES); ` +
          'give the user write access there or choose another sftp-dir',
        'remote',
        'EACCES',
      );
    }
    if (e.code === 'ENOENT') {
      throw new SftpError(
        `folder not found: ${ctx.remoteDir} (ENOENT); it disappeared during the upload`,
        'remote',
      );
    }
    if (e.code === 'FAILURE') throw await explainWriteFailure(session, ctx, err, 1);
    throw err;
  }
}

async function checkSpace(
  session: SftpSession,
  ctx: UploadContext,
  file: FolderSourceFile,
  resumedAt: number,
) {
  if (!ctx.checkFreeSpace) return;
  const free = await session.freeBytes(ctx.remoteDir);
  const need = file.bytes - resumedAt;
  if (free !== undefined && free < need) {
    throw new SftpError(
      `remote disk full at ${ctx.remoteDir}: ${formatBytes(free)} free, ${file.name} needs ${formatBytes(need)} ` +
        '(ENOSPC; checked before sending, nothing was written)',
      'remote',
      'ENOSPC',
    );
  }
}

/**
 * SFTP v3 reports a full disk as a bare "Failure": free space (where the server tells it) turns that into a
 * reason. `remaining` is what still had to be written.
 */
async function explainWriteFailure(
  session: SftpSession,
  ctx: UploadContext,
  err: unknown,
  remaining: number,
): Promise<unknown> {
  const e = err as SftpError;
  if (!(e instanceof SftpError) || e.code !== 'FAILURE' || session.lost) return err;
  const free = await session.freeBytes(ctx.remoteDir).catch(() => undefined);
  if (free !== undefined && free < Math.max(remaining, 1)) {
    return new SftpError(
      `remote disk full at ${ctx.remoteDir}: ${formatBytes(free)} free, ${formatBytes(remaining)} still to write (ENOSPC)`,
      'remote',
      'ENOSPC',
    );
  }
  const space = free === undefined ? '' : `; ${formatBytes(free)} free there`;
  return new SftpError(
    `${e.message}: the server gives no reason (a full disk, an exceeded quota or an I/O error)${space}`,
    'remote',
    'FAILURE',
  );
}

/** How the file was found: size, then SHA-256 by `sha256sum` on the server or by reading it back. */
async function verifyRemote(
  session: SftpSession,
  ctx: UploadContext,
  remotePath: string,
  bytes: number,
  sha256: string,
): Promise<{ ok: boolean; method: SftpVerification; detail: string }> {
  const stats = await session.stat(remotePath);
  if (!stats) throw new SftpError(`${remotePath} disappeared before it was verified`, 'remote', 'ENOENT');
  if (stats.size !== bytes) {
    return { ok: false, method: 'read back', detail: `${stats.size} bytes` };
  }
  const hashed = await checkedSha256(session, ctx, remotePath, bytes, sha256);
  return {
    ok: hashed.sha256 === sha256,
    method: hashed.method,
    detail: `${bytes} bytes, SHA-256 ${hashed.sha256}`,
  };
}

/** The file's SHA-256; a mismatch found on the server is confirmed by reading back (a chroot may show the shell another file). */
async function checkedSha256(
  session: SftpSession,
  ctx: UploadContext,
  remotePath: string,
  bytes: number,
  expected: string,
): Promise<{ sha256: string; method: SftpVerification }> {
  const hashed = await remoteSha256(session, ctx, remotePath, bytes);
  if (hashed.sha256 === expected || hashed.method === 'read back') return hashed;
  ctx.log(`${ctx.remoteHash} disagrees for ${remotePath}; reading the file back to be sure`);
  return { sha256: await readBackSha256(session, ctx, remotePath, bytes), method: 'read back' };
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type RemoteHashTool = 'openssl dgst -sha256' | 'sha256sum';

/**
 * Commands that hash a file on the server, best first: OpenSSL uses the CPU's SHA instructions (about 4 times
 * faster than coreutils' sha256sum measured here), sha256sum is on almost every Linux server. Single commands only:
 * the login shell may not be a POSIX one.
 */
const REMOTE_HASH_TOOLS: Array<{ tool: RemoteHashTool; command: (file: string) => string }> = [
  { tool: 'openssl dgst -sha256', command: (file) => `openssl dgst -sha256 -r ${shellQuote(file)}` },
  { tool: 'sha256sum', command: (file) => `sha256sum -- ${shellQuote(file)}` },
];

/** Output of either tool: `<hex>  <file>` or `<hex> *<file>`, with a leading `\` for escaped names. */
const HASH_OUTPUT_RE = /^\\?([0-9a-f]{64})[ \t]/m;

async function execQuietly(session: SftpSession, command: string, timeoutMs?: number) {
  return session.exec(command, timeoutMs).catch((err: SftpError) => {
    if (session.lost) throw session.lost;
    return { code: null, stdout: '', stderr: err.message };
  });
}

/** Which hashing command the server runs over an exec channel; null where none does (exec refused, no tool). */
async function probeRemoteHash(session: SftpSession, ctx: UploadContext): Promise<RemoteHashTool | null> {
  const answers: string[] = [];
  for (const { tool, command } of REMOTE_HASH_TOOLS) {
    // /dev/null is cheap to hash and has a known digest: a server forcing internal-sftp answers something else.
    const probe = await execQuietly(session, command('/dev/null'), 15_000);
    const match = HASH_OUTPUT_RE.exec(probe.stdout);
    if (probe.code === 0 && match?.[1] === EMPTY_SHA256) return tool;
    answers.push((probe.stderr || probe.stdout).trim().split('\n')[0] || `exit code ${probe.code}`);
    if (probe.stderr.startsWith('exec refused')) break;
  }
  const why = [...new Set(answers)].join('; ').slice(0, 300);
  ctx.log(`no remote SHA-256 command (${why}); verifying by reading files back`);
  return null;
}

async function remoteSha256(
  session: SftpSession,
  ctx: UploadContext,
  remotePath: string,
  bytes: number,
): Promise<{ sha256: string; method: SftpVerification }> {
  if (ctx.remoteHash === undefined) {
    ctx.remoteHash = await probeRemoteHash(session, ctx);
    if (ctx.remoteHash) ctx.log(`verifying on the server with ${ctx.remoteHash}`);
  }
  const tool = REMOTE_HASH_TOOLS.find((t) => t.tool === ctx.remoteHash);
  if (tool) {
    const run = await execQuietly(session, tool.command(remotePath));
    const match = HASH_OUTPUT_RE.exec(run.stdout);
    if (run.code === 0 && match) return { sha256: match[1]!, method: 'remote sha256sum' };
    ctx.log(
      `${tool.tool} failed for ${remotePath} (${(run.stderr || `exit ${run.code}`).trim()}); reading it back`,
    );
  }
  return { sha256: await readBackSha256(session, ctx, remotePath, bytes), method: 'read back' };
}

async function readBackSha256(session: SftpSession, ctx: UploadContext, remotePath: string, bytes: number) {
  ctx.usedReadBack = true;
  const handle = await session.open(remotePath, 'r');
  try {
    return await session.hashRemote(handle, bytes, remotePath, ctx.transfer);
  } finally {
    if (!session.lost) await session.closeHandle(handle, remotePath).catch(() => undefined);
  }
}

/** How the final name is found: 'absent' → false; same content → how it was checked; else throws. */
async function matchesExisting(
  session: SftpSession,
  ctx: UploadContext,
  finalPath: string,
  bytes: number,
  sha256: string,
): Promise<SftpVerification | false> {
  const stats = await session.stat(finalPath);
  if (!stats) return false;
  const fail = (why: string) =>
    new SftpError(`already exists in ${ctx.remoteDir} ${why}; it was not overwritten`, 'remote', 'EEXIST');
  if (!stats.isFile()) throw fail('and is not a regular file');
  if (stats.size !== bytes) throw fail('with different content');
  const hashed = await checkedSha256(session, ctx, finalPath, bytes, sha256);
  if (hashed.sha256 === sha256) return hashed.method;
  throw fail('with different content');
}

/** Forgets (and removes) a previous attempt's temporary file once the final file is known to be there. */
async function forgetTemporary(session: SftpSession, ctx: UploadContext, name: string): Promise<void> {
  const progress = ctx.progress.get(name);
  if (!progress) return;
  ctx.progress.delete(name);
  await removeQuietly(session, path.posix.join(ctx.remoteDir, progress.temp));
}

/** Removes a temporary file this process wrote (see deletion.ts); a failure leaves it for the next sweep. */
async function removeQuietly(session: SftpSession, remotePath: string): Promise<void> {
  if (session.lost) return;
  await removeOwnTemporary(session, remotePath).catch(() => undefined);
}

function removeOwnTemporary(session: SftpSession, remotePath: string): Promise<void> {
  const file = { name: path.posix.basename(remotePath), where: path.posix.dirname(remotePath) };
  return removeFile({ ...file, unlink: () => session.unlink(remotePath) }, { kind: 'own-temporary' });
}

/** After the last failure: no temporary file may stay behind, even when that needs a new connection. */
async function removeTemporaryFiles(
  settings: SftpSettings,
  ctx: UploadContext,
  connectOptions: ConnectOptions,
  session: SftpSession | undefined,
): Promise<void> {
  if (ctx.progress.size === 0 || !ctx.remoteDir) return;
  let cleaner = session && !session.lost ? session : undefined;
  let own = false;
  try {
    if (!cleaner) {
      cleaner = await connectSftp(settings, connectOptions);
      own = true;
    }
    for (const progress of ctx.progress.values()) {
      const tempPath = path.posix.join(ctx.remoteDir, progress.temp);
      await removeOwnTemporary(cleaner, tempPath).catch((err: SftpError) => {
        if (err.code !== 'ENOENT') ctx.log(`could not remove ${tempPath}: ${err.message}`);
      });
    }
    ctx.progress.clear();
  } catch (err) {
    ctx.log(`could not remove the temporary files: ${(err as Error).message}`);
  } finally {
    if (own) await cleaner?.close();
  }
}

/** `12s (85.3 MiB/s)`: the time as the reports show it (formatElapsed), so the log and the summary agree. */
function rate(bytes: number, ms: number): string {
  return `${formatElapsed(ms)} (${formatBytes(Math.round((bytes * 1000) / Math.max(ms, 1)))}/s)`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function checkName(name: string): void {
  const plain =
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !/[\0\n\r]/.test(name);
  if (!plain) throw new TypeError(`uploadToSftp: ${JSON.stringify(name)} is not a plain file name`);
}

export interface SftpPreflight {
  ok: boolean;
  detail: string;
  freeBytes?: number;
  /** The fingerprint the server presented (also when it did not match). */
  fingerprint?: string;
}

/**
 * Connects (one attempt), checks the host key and the login, creates sftp-dir where missing and proves it
 * writable with a probe file, and reports the free space where the server tells it.
 */
export async function preflightSftp(
  settings: SftpSettings,
  options: { readyTimeoutMs?: number } = {},
): Promise<SftpPreflight> {
  let session: SftpSession | undefined;
  try {
    session = await connectSftp(settings, { readyTimeoutMs: options.readyTimeoutMs });
    const fingerprint = session.hostKey.fingerprint;
    const dir = await ensureFolder(session, settings.dir);
    const probe = path.posix.join(dir, temporaryName('write-probe'));
    try {
      const handle = await session.open(probe, 'wx');
      await session.closeHandle(handle, probe);
    } catch (err) {
      const e = err as SftpError;
      const why =
        e.code === 'EACCES'
          ? `permission denied: ${settings.username} cannot create files in ${dir} (EACCES)`
          : `cannot write in ${dir}: ${e.message}`;
      return { ok: false, detail: scrubSecrets(why, settings), fingerprint };
    }
    await removeOwnTemporary(session, probe);
    const freeBytes = await session.freeBytes(dir);
    const space =
      freeBytes === undefined
        ? 'free space unknown (no statvfs@openssh.com)'
        : `${formatBytes(freeBytes)} free`;
    return {
      ok: true,
      detail:
        `${sftpLabel(settings, dir)}: writable, ${space}; ${session.hostKey.type} host key matches sftp-fingerprint; ` +
        `upload ${await plannedTransfer(settings)}`,
      ...(freeBytes === undefined ? {} : { freeBytes }),
      fingerprint,
    };
  } catch (err) {
    const message = err instanceof SftpError ? err.message : String((err as Error)?.message ?? err);
    const fingerprint =
      (err instanceof SftpError ? err.hostKey?.fingerprint : undefined) ?? session?.hostKey.fingerprint;
    return { ok: false, detail: scrubSecrets(message, settings), ...(fingerprint ? { fingerprint } : {}) };
  } finally {
    await session?.close();
  }
}

/** The OpenSSH client an upload starts with, or why it uses the built-in transfer. */
async function chooseTransfer(
  settings: SftpSettings,
  asked: SftpUploadOptions['transfer'],
  sshCommand = 'ssh',
): Promise<OpenSshClient | string> {
  if (asked === 'built-in') return 'the built-in transfer was asked for';
  const found = await findOpenSsh(sshCommand);
  if (typeof found === 'string') return found;
  return openSshUnusableReason(found, settings) ?? found;
}

/** Which transfer an upload will start with, in words (the upload itself may still fall back, saying why). */
async function plannedTransfer(settings: SftpSettings): Promise<string> {
  const choice = await chooseTransfer(settings, 'auto');
  return typeof choice === 'string'
    ? `through the built-in client (ssh2): ${choice}`
    : `through OpenSSH (${choice.version}, ssh -s sftp)`;
}

/**
 * sftp-dir as a BackupPlace for retention: one connection (no retry) until close(). list() of a folder that
 * does not exist is empty.
 */
export async function openSftpPlace(
  settings: SftpSettings,
  options: { readyTimeoutMs?: number } = {},
): Promise<BackupPlace & { close(): Promise<void> }> {
  const session = await connectSftp(settings, { readyTimeoutMs: options.readyTimeoutMs });
  let dir: string;
  try {
    const stats = await session.stat(settings.dir);
    dir = stats ? await session.realpath(settings.dir) : settings.dir;
  } catch (err) {
    await session.close();
    throw err;
  }
  const label = sftpLabel(settings, dir);
  const full = (name: string) => {
    checkName(name);
    return path.posix.join(dir, name);
  };
  return {
    label,
    kind: 'sftp',
    async list(): Promise<PlaceEntry[]> {
      if (!(await session.stat(dir))) return [];
      const entries = await session.readdir(dir);
      return entries
        .filter((e) => e.filename !== '.' && e.filename !== '..')
        .map((e) => ({
          name: e.filename,
          bytes: e.attrs.size,
          modifiedMs: e.attrs.mtime * 1000,
          isFile: e.attrs.isFile(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    async readText(name: string, maxBytes: number): Promise<string> {
      const remote = full(name);
      const stats = await session.stat(remote);
      if (!stats) throw new SftpError(`${label}: ${name} not found`, 'remote', 'ENOENT');
      if (!stats.isFile()) throw new SftpError(`${label}: ${name} is not a regular file`, 'remote');
      if (stats.size > maxBytes) {
        throw new SftpError(
          `${label}: ${name} is ${stats.size} bytes, more than the ${maxBytes} allowed`,
          'remote',
          'EFBIG',
        );
      }
      const handle = await session.open(remote, 'r');
      try {
        // One byte more than allowed: a file that grew since stat() is refused too.
        const buffer = Buffer.alloc(maxBytes + 1);
        let got = 0;
        while (got < buffer.length) {
          const n = await session.read(handle, buffer, got, buffer.length - got, got, remote);
          if (!n) break;
          got += n;
        }
        if (got > maxBytes) {
          throw new SftpError(
            `${label}: ${name} is more than the ${maxBytes} bytes allowed`,
            'remote',
            'EFBIG',
          );
        }
        return buffer.subarray(0, got).toString('utf8');
      } finally {
        await session.closeHandle(handle, remote).catch(() => undefined);
      }
    },
    async remove(name: string): Promise<void> {
      try {
        await session.unlink(full(name));
      } catch (err) {
        if ((err as SftpError).code !== 'ENOENT') throw err;
      }
    },
    close: () => session.close(),
  };
}
