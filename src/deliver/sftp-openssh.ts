// The bulk transfer of the SFTP destination through OpenSSH's own client: `ssh -s sftp`, with the action speaking
// SFTP over the process's pipes (large pipelined writes). ssh2 does its cryptography in JavaScript, one thread, and
// was measured at 0.84-0.92 times OpenSSH's `sftp`; here the encryption runs in OpenSSH's C code while everything
// else (host key check, folder, verification, rename) stays on the ssh2 session that already checked the server.
//
// The ssh process is pinned to exactly the host key ssh2 verified against sftp-fingerprint (a private known_hosts
// holding only that key, StrictHostKeyChecking=yes, no user or system configuration), and it never sees a secret
// in its argv or environment: the private key is a 0600 file, a password or passphrase reaches it through an
// SSH_ASKPASS script that prints a 0600 file, all in a private folder removed when the transfer ends.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, open as openLocal, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SftpSettings } from '../settings/sftp-settings.js';
import { hostPort, scrubSecrets, SftpError, type PipelineOptions } from './sftp-session.js';

/** The OpenSSH client found for the transfer. */
export interface OpenSshClient {
  /** What was run: a path or a command name looked up on PATH. */
  command: string;
  /** e.g. `OpenSSH_9.2p1` */
  version: string;
  major: number;
  minor: number;
}

/** SSH_ASKPASS_REQUIRE=force (askpass without a terminal or DISPLAY) exists from OpenSSH 8.4. */
const ASKPASS_REQUIRE_SINCE = { major: 8, minor: 4 };

/** Runs `ssh -V`; the client, or why there is none usable (not found, not OpenSSH). */
export async function findOpenSsh(command = 'ssh'): Promise<OpenSshClient | string> {
  return new Promise((resolve) => {
    let output = '';
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(command, ['-V'], { env: cleanEnvironment(), stdio: 'pipe', windowsHide: true });
    } catch (err) {
      resolve(`cannot run ${command}: ${(err as Error).message}`);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdin.end();
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(
        err.code === 'ENOENT'
          ? `no OpenSSH client (${command}) on PATH`
          : `cannot run ${command}: ${err.message}`,
      );
    });
    child.on('close', () => {
      clearTimeout(timer);
      const match = /OpenSSH_(?:for_Windows_)?(\d+)\.(\d+)(p\d+)?/.exec(output);
      if (!match) {
        resolve(
          `${command} -V does not name an OpenSSH client (${output.trim().split('\n')[0] || 'no output'})`,
        );
        return;
      }
      resolve({
        command,
        version: match[0],
        major: Number(match[1]),
        minor: Number(match[2]),
      });
    });
  });
}

/** Why this client cannot do this login, or undefined when it can. */
export function openSshUnusableReason(
  client: OpenSshClient,
  settings: Pick<SftpSettings, 'password' | 'passphrase' | 'privateKey'>,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform === 'win32') {
    return 'on Windows the OpenSSH transfer is not used (key file permissions and SSH_ASKPASS differ there)';
  }
  const secretPrompt = settings.password !== '' || (settings.privateKey !== '' && settings.passphrase !== '');
  const old =
    client.major < ASKPASS_REQUIRE_SINCE.major ||
    (client.major === ASKPASS_REQUIRE_SINCE.major && client.minor < ASKPASS_REQUIRE_SINCE.minor);
  if (secretPrompt && old) {
    return (
      `${client.version} is older than OpenSSH 8.4 and cannot take a ` +
      `${settings.password ? 'password' : 'key passphrase'} without a terminal (SSH_ASKPASS_REQUIRE)`
    );
  }
  return undefined;
}

/**
 * The environment of the ssh process: only what it needs (PATH to find nothing else, a locale for stable
 * messages), never the action's own environment, which holds the INPUT_* values (secrets included).
 */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { LC_ALL: 'C', LANG: 'C' };
  if (process.env.PATH) env.PATH = process.env.PATH;
  return { ...env, ...extra };
}

/** The algorithm names OpenSSH negotiates for a host key blob of this type. */
export function hostKeyAlgorithms(keyType: string): string {
  if (keyType === 'ssh-rsa') return 'rsa-sha2-512,rsa-sha2-256,ssh-rsa';
  return keyType;
}

/** The key type at the start of a key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`). */
export function keyBlobType(blob: Buffer): string {
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
  const name = blob.subarray(4, 4 + Math.min(length, 64)).toString('latin1');
  if (!/^[a-z0-9@.-]+$/.test(name)) throw new SftpError('the server host key cannot be read', 'config');
  return name;
}

/**
 * OpenSSH's default ciphers, AES-GCM first: with AES instructions it costs ssh and sshd about half the CPU of
 * chacha20-poly1305 (OpenSSH's first choice), and the transfer is CPU-bound. ssh2 orders them the same way.
 */
export const AES_GCM_FIRST =
  'aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr';

/** False where the CPU is known to lack AES instructions (Linux tells in /proc/cpuinfo); true elsewhere. */
export function cpuHasAes(cpuinfo?: string): boolean {
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return true;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return true;
    }
  }
  const flags = /^(?:flags|Features)\s*:(.*)$/m.exec(text)?.[1];
  return flags === undefined || /(?:^|\s)aes(?:\s|$)/.test(flags);
}

/** known_hosts names the pinned key by this alias (HostKeyAlias): no [host]:port or IPv6 quoting to get wrong. */
export const HOST_KEY_ALIAS = 'oracle-backup-action-pinned-host';

/** A shell word in single quotes. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The private folder of one transfer: known_hosts, key, askpass and secret files, all 0600 (the script 0700). */
export interface OpenSshFiles {
  dir: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Removes what only the login needs (key, password, passphrase, askpass); known_hosts stays for rekeying. */
  removeSecrets(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * Writes the files and builds the command line of `ssh -s sftp`. Nothing secret is in `args` or `env`: they hold
 * file names only.
 */
export async function prepareOpenSsh(
  settings: SftpSettings,
  hostKeyBlob: Buffer,
  options: { connectTimeoutMs: number; tempRoot?: string; onTempDir?: (dir: string) => void },
): Promise<OpenSshFiles> {
  const dir = await mkdtemp(path.join(options.tempRoot || os.tmpdir(), 'oba-ssh-'));
  options.onTempDir?.(dir);
  // A process that dies without its finally still leaves no key or password behind.
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  const remove = async () => {
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await chmod(dir, 0o700);
    // ssh runs in this folder and is given the files by their bare names: OpenSSH splits option values at spaces
    // and expands % and ~ in them, which a temporary folder's path may contain.
    const write = (name: string, content: string, mode = 0o600) =>
      writeFile(path.join(dir, name), content, { mode, flag: 'wx' }).then(() => name);
    const type = keyBlobType(hostKeyBlob);
    const knownHosts = await write(
      'known_hosts',
      `${HOST_KEY_ALIAS} ${type} ${hostKeyBlob.toString('base64')}\n`,
    );

    const useKey = settings.privateKey !== '';
    const usePassword = settings.password !== '';
    const env: Record<string, string> = { HOME: dir };
    const args = [
      '-F',
      'none',
      '-T',
      '-x',
      '-a',
      '-p',
      String(settings.port),
      '-l',
      settings.username,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      `HostKeyAlias=${HOST_KEY_ALIAS}`,
      '-o',
      `HostKeyAlgorithms=${hostKeyAlgorithms(type)}`,
      '-o',
      'CheckHostIP=no',
      '-o',
      'UpdateHostKeys=no',
      '-o',
      'VerifyHostKeyDNS=no',
      '-o',
      'ControlMaster=no',
      '-o',
      'ControlPath=none',
      '-o',
      'ClearAllForwardings=yes',
      '-o',
      'ForwardAgent=no',
      '-o',
      'IdentityAgent=none',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'PermitLocalCommand=no',
      '-o',
      'ConnectionAttempts=1',
      '-o',
      `ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutMs / 1000))}`,
      '-o',
      'ServerAliveInterval=15',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'LogLevel=ERROR',
      ...(cpuHasAes() ? ['-o', `Ciphers=${AES_GCM_FIRST}`] : []),
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      `PubkeyAuthentication=${useKey ? 'yes' : 'no'}`,
      '-o',
      `PasswordAuthentication=${usePassword ? 'yes' : 'no'}`,
      '-o',
      `KbdInteractiveAuthentication=${usePassword ? 'yes' : 'no'}`,
      '-o',
      'HostbasedAuthentication=no',
      '-o',
      'GSSAPIAuthentication=no',
      '-o',
      `PreferredAuthentications=${[
        ...(useKey ? ['publickey'] : []),
        ...(usePassword ? ['password', 'keyboard-interactive'] : []),
      ].join(',')}`,
    ];
    if (useKey) {
      const key = await write(
        'id_key',
        settings.privateKey.endsWith('\n') ? settings.privateKey : `${settings.privateKey}\n`,
      );
      args.push('-i', key);
    } else {
      // No default identity files (~/.ssh/id_*) of whoever runs the action.
      args.push('-o', 'IdentityFile=none');
    }
    const passphrase = useKey && settings.passphrase !== '';
    if (usePassword || passphrase) {
      // OpenSSH runs the script with the prompt as its argument: a key passphrase or a password/PIN question.
      const passwordFile = usePassword ? await write('password', settings.password) : undefined;
      const passphraseFile = passphrase ? await write('passphrase', settings.passphrase) : undefined;
      const answer = (file: string | undefined) =>
        file ? `exec cat ${shellQuote(path.join(dir, file))}` : 'exit 1';
      const script = await write(
        'askpass',
        [
          '#!/bin/sh',
          '# Answers ssh for the oracle-backup-action transfer; removed with its folder.',
          'case "$1" in',
          `  *"passphrase for key"*) ${answer(passphraseFile)} ;;`,
          `  *) ${answer(passwordFile)} ;;`,
          'esac',
          '',
        ].join('\n'),
        0o700,
      );
      env.SSH_ASKPASS = `./${script}`;
      env.SSH_ASKPASS_REQUIRE = 'force';
    } else {
      // Key without passphrase: nothing may ever be asked.
      args.push('-o', 'BatchMode=yes');
    }
    args.push('-s', '--', settings.host, 'sftp');
    const removeSecrets = async () => {
      for (const name of ['id_key', 'password', 'passphrase', 'askpass'])
        await rm(path.join(dir, name), { force: true });
    };
    return { dir, args, env: cleanEnvironment(env), removeSecrets, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

// SFTP version 3 (draft-ietf-secsh-filexfer-02), the packets this transfer needs.
const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  WRITE: 6,
  STATUS: 101,
  HANDLE: 102,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;
const FXF = { READ: 0x01, WRITE: 0x02, CREAT: 0x08, TRUNC: 0x10, EXCL: 0x20 } as const;

/** SFTP status codes as the ssh2 session names them (sftp-session.ts), so that errors read the same. */
const STATUS_CODES: Record<number, string> = {
  1: 'EOF',
  2: 'ENOENT',
  3: 'EACCES',
  4: 'FAILURE',
  5: 'EBADMSG',
  6: 'ENOTCONN',
  7: 'ECONNRESET',
  8: 'ENOSYS',
};

type Reply =
  | { type: typeof FXP.STATUS; code: number; message: string }
  | { type: typeof FXP.HANDLE; handle: Buffer }
  | { type: typeof FXP.EXTENDED_REPLY; data: Buffer };

/** What ssh printed, classified: the host key refused (never retried), the connection lost, or anything else. */
export function classifyOpenSshExit(stderr: string, settings: SftpSettings): SftpError {
  const where = hostPort(settings);
  const lines = scrubSecrets(stderr, settings)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\*\*\*|^@+$/.test(l));
  const said = lines.slice(0, 3).join(' / ').slice(0, 400) || 'no message';
  if (
    /host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|no \S+ host key is known/i.test(
      stderr,
    )
  ) {
    const presented = /SHA256:[A-Za-z0-9+/]{43}/.exec(stderr)?.[0];
    return new SftpError(
      `host key refused by OpenSSH: ${where} presented ${presented ? `the key ${presented}` : 'another key'} to ` +
        'OpenSSH, not the one checked against sftp-fingerprint a moment before; nothing was sent. Someone may be ' +
        'intercepting the connection (Host key verification failed).',
      'host-key',
    );
  }
  if (
    /connection (refused|reset|closed|timed out)|broken pipe|timeout, server .* not responding|operation timed out|no route to host|network is unreachable|kex_exchange_identification|connection to .* closed|client_loop: send disconnect|lost connection/i.test(
      stderr,
    )
  ) {
    return new SftpError(`connection to ${where} lost (OpenSSH: ${said})`, 'connection');
  }
  return new SftpError(`OpenSSH (ssh -s sftp) to ${where} failed: ${said}`, 'config', 'OPENSSH');
}

/**
 * One `ssh -s sftp` process speaking SFTP v3: open, pipelined writes, fsync, close. Operations mirror
 * SftpSession's (same error codes and messages), so the destination uses either without caring which.
 */
export class OpenSshSftp {
  /** Set once the process is gone; every later operation fails with it (retryable unless host-key). */
  lost: SftpError | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private readonly waiters = new Set<(error: SftpError) => void>();
  private inbox: Buffer = Buffer.alloc(0);
  private stderr = '';
  private extensions = new Map<string, string>();
  private maxWrite = 32 * 1024;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly settings: SftpSettings,
    private readonly files: OpenSshFiles,
    command: string,
  ) {
    // A process that could not start has no 'close' to wait for.
    this.exited = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => {
        if (child.pid === undefined) resolve();
      });
    });
    child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 16 * 1024) this.stderr += d.toString('utf8');
    });
    child.stdout.on('data', (d: Buffer) => this.receive(d));
    child.stdin.on('error', () => undefined);
    child.on('error', (err) =>
      this.fail(new SftpError(`cannot run ${command}: ${err.message}`, 'config', 'OPENSSH')),
    );
    child.once('close', (code, signal) => {
      // stderr may still be arriving: 'close' comes after every stdio stream ended.
      const why = this.stderr.trim()
        ? classifyOpenSshExit(this.stderr, settings)
        : new SftpError(
            `connection to ${hostPort(settings)} lost (OpenSSH ended with ${signal ? `signal ${signal}` : `exit code ${code}`} and no message)`,
            'connection',
          );
      this.fail(why);
    });
  }

  /**
   * Starts ssh with the files of `prepareOpenSsh` and opens the SFTP session (INIT/VERSION, limits). Rejects with
   * a `host-key` SftpError when OpenSSH refuses the server's key, `connection` when the connection failed, and
   * `config` (code OPENSSH) for anything else: login, options or the subsystem, where the built-in transfer can
   * take over.
   */
  static async start(
    settings: SftpSettings,
    hostKeyBlob: Buffer,
    options: {
      command: string;
      connectTimeoutMs: number;
      tempRoot?: string;
      onTempDir?: (dir: string) => void;
    },
  ): Promise<OpenSshSftp> {
    const files = await prepareOpenSsh(settings, hostKeyBlob, options);
    let channel: OpenSshSftp | undefined;
    try {
      const child = spawn(options.command, files.args, {
        env: files.env,
        cwd: files.dir,
        stdio: 'pipe',
        windowsHide: true,
      });
      channel = new OpenSshSftp(child, settings, files, options.command);
      const timer = setTimeout(
        () =>
          channel!.destroy(
            new SftpError(
              `OpenSSH did not open the SFTP session to ${hostPort(settings)} within ${Math.round(options.connectTimeoutMs / 1000)} s`,
              'connection',
              'ETIMEDOUT',
            ),
          ),
        options.connectTimeoutMs + 5_000,
      );
      try {
        await channel.init();
      } finally {
        clearTimeout(timer);
      }
      // Logged in: the secrets need not stay on disk while the bytes travel.
      await files.removeSecrets();
      return channel;
    } catch (err) {
      if (channel) await channel.close().catch(() => undefined);
      else await files.remove();
      throw err;
    }
  }

  /** The folder of this process's private files (removed when it ends). */
  get privateDir(): string {
    return this.files.dir;
  }

  /** The limits@openssh.com write size, else the 32 KiB every server accepts. */
  get maxWriteLength(): number {
    return this.maxWrite;
  }

  private async init(): Promise<void> {
    const body = Buffer.alloc(4);
    body.writeUInt32BE(3);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const unsubscribe = this.onLost(reject);
      this.pending.set(0, (r) => {
        unsubscribe();
        resolve((r as { type: number; data: Buffer }).data);
      });
      this.send(FXP.INIT, undefined, [body]);
    });
    // VERSION: uint32 version, then (string name, string data)*
    let p = 4;
    while (p + 4 <= reply.length) {
      const name = readString(reply, p);
      if (!name) break;
      const data = readString(reply, name.next);
      if (!data) break;
      this.extensions.set(name.value.toString('utf8'), data.value.toString('utf8'));
      p = data.next;
    }
    if (this.extensions.has('limits@openssh.com')) {
      const limits = await this.request('cannot read the server limits', FXP.EXTENDED, [
        str('limits@openssh.com'),
      ]);
      if (limits.type === FXP.EXTENDED_REPLY && limits.data.length >= 24) {
        const maxWrite = Number(limits.data.readBigUInt64BE(16));
        if (maxWrite > 0) this.maxWrite = Math.min(maxWrite, 4 * 1024 * 1024);
      }
    }
  }

  private send(type: number, id: number | undefined, parts: Buffer[]): boolean {
    const header = Buffer.allocUnsafe(id === undefined ? 5 : 9);
    const length = parts.reduce((n, b) => n + b.length, header.length - 4);
    header.writeUInt32BE(length, 0);
    header.writeUInt8(type, 4);
    if (id !== undefined) header.writeUInt32BE(id, 5);
    const stdin = this.child.stdin;
    stdin.cork();
    let ok = stdin.write(header);
    for (const part of parts) ok = stdin.write(part);
    stdin.uncork();
    return ok;
  }

  private receive(data: Buffer): void {
    this.inbox = this.inbox.length === 0 ? data : Buffer.concat([this.inbox, data]);
    while (this.inbox.length >= 4) {
      const length = this.inbox.readUInt32BE(0);
      if (length > 1024 * 1024) {
        this.destroy(
          new SftpError(`OpenSSH SFTP session to ${hostPort(this.settings)}: malformed reply`, 'connection'),
        );
        return;
      }
      if (this.inbox.length < 4 + length) return;
      const packet = this.inbox.subarray(4, 4 + length);
      this.inbox = this.inbox.subarray(4 + length);
      this.dispatch(packet);
    }
  }

  private dispatch(packet: Buffer): void {
    const type = packet[0];
    if (type === FXP.VERSION) {
      this.pending.get(0)?.({ type: FXP.EXTENDED_REPLY, data: packet.subarray(1) });
      this.pending.delete(0);
      return;
    }
    if (packet.length < 5) return;
    const id = packet.readUInt32BE(1);
    const callback = this.pending.get(id);
    if (!callback) return;
    this.pending.delete(id);
    const body = packet.subarray(5);
    if (type === FXP.STATUS) {
      const code = body.length >= 4 ? body.readUInt32BE(0) : 4;
      const message = readString(body, 4)?.value.toString('utf8') ?? '';
      callback({ type: FXP.STATUS, code, message });
    } else if (type === FXP.HANDLE) {
      callback({ type: FXP.HANDLE, handle: Buffer.from(readString(body, 0)?.value ?? Buffer.alloc(0)) });
    } else if (type === FXP.EXTENDED_REPLY) {
      callback({ type: FXP.EXTENDED_REPLY, data: Buffer.from(body) });
    } else {
      callback({ type: FXP.STATUS, code: 5, message: `unexpected reply type ${type}` });
    }
  }

  private fail(error: SftpError): void {
    if (this.lost) return;
    this.lost = error;
    for (const waiter of this.waiters) waiter(error);
    this.waiters.clear();
  }

  onLost(callback: (error: SftpError) => void): () => void {
    if (this.lost) {
      callback(this.lost);
      return () => undefined;
    }
    this.waiters.add(callback);
    return () => this.waiters.delete(callback);
  }

  private request(what: string, type: number, parts: Buffer[]): Promise<Reply> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<Reply>((resolve, reject) => {
      const id = this.nextId++;
      const unsubscribe = this.onLost((error) => {
        this.pending.delete(id);
        reject(error);
      });
      this.pending.set(id, (reply) => {
        unsubscribe();
        resolve(reply);
      });
      this.send(type, id, parts);
    }).catch((err: unknown) => {
      throw err instanceof SftpError ? err : new SftpError(`${what}: ${String(err)}`, 'remote');
    });
  }

  private statusError(reply: Reply, what: string): SftpError {
    if (reply.type !== FXP.STATUS) return new SftpError(`${what}: unexpected reply`, 'remote', 'EBADMSG');
    const code = STATUS_CODES[reply.code] ?? `SFTP status ${reply.code}`;
    const message = reply.message || code;
    return new SftpError(`${what}: ${scrubSecrets(message, this.settings)} (${code})`, 'remote', code);
  }

  private async expectOk(what: string, type: number, parts: Buffer[]): Promise<void> {
    const reply = await this.request(what, type, parts);
    if (reply.type !== FXP.STATUS || reply.code !== 0) throw this.statusError(reply, what);
  }

  /** Opens a remote file: 'wx' creates it (fails when it exists), 'r+' writes into an existing one. */
  async open(remotePath: string, flags: 'wx' | 'r+'): Promise<Buffer> {
    const what = `cannot write ${remotePath}`;
    const pflags = flags === 'wx' ? FXF.WRITE | FXF.CREAT | FXF.TRUNC | FXF.EXCL : FXF.READ | FXF.WRITE;
    const reply = await this.request(what, FXP.OPEN, [str(remotePath), u32(pflags), u32(0)]);
    if (reply.type === FXP.HANDLE) return reply.handle;
    throw this.statusError(reply, what);
  }

  closeHandle(handle: Buffer, remotePath: string): Promise<void> {
    return this.expectOk(`cannot close ${remotePath}`, FXP.CLOSE, [str(handle)]);
  }

  /** fsync@openssh.com; false where the server does not offer it. */
  async fsync(handle: Buffer, remotePath: string): Promise<boolean> {
    if (!this.extensions.has('fsync@openssh.com')) return false;
    await this.expectOk(`cannot flush ${remotePath}`, FXP.EXTENDED, [str('fsync@openssh.com'), str(handle)]);
    return true;
  }

  /**
   * Writes bytes [from, to) of a local file at the same offsets of the open remote file, `concurrency` requests
   * of up to `chunkSize` in flight; `onAcked` gets the offset below which the server acknowledged every byte.
   */
  async writeFromFile(
    handle: Buffer,
    localPath: string,
    from: number,
    to: number,
    options: PipelineOptions & { remotePath: string; onAcked?: (offset: number) => void },
  ): Promise<void> {
    const chunkSize = Math.max(1, Math.min(options.chunkSize, this.maxWrite));
    const what = `cannot write ${options.remotePath}`;
    const file = await openLocal(localPath, 'r').catch((err: Error) => {
      throw new SftpError(`cannot read source ${localPath}: ${err.message}`, 'local');
    });
    const handleField = str(handle);
    const free: Buffer[] = [];
    const order: Array<{ end: number; done: boolean }> = [];
    let position = from;
    let inFlight = 0;
    // The next chunk is read while the previous ones are written: ssh never waits for the disk. Up to `queued`
    // bytes may wait in this process's pipe buffer (the pipe's own high-water mark is a mere 16 KiB).
    const queued = 4 * chunkSize;
    let readPosition = from;
    let next: Promise<{ buffer: Buffer; length: number; error?: SftpError }> | undefined;
    const readAhead = () => {
      if (next || readPosition >= to) return;
      const length = Math.min(chunkSize, to - readPosition);
      const at = readPosition;
      readPosition += length;
      const buffer = free.pop() ?? Buffer.allocUnsafe(chunkSize);
      next = file.read(buffer, 0, length, at).then(
        ({ bytesRead }) =>
          bytesRead === length
            ? { buffer, length }
            : {
                buffer,
                length,
                error: new SftpError(`source ${localPath} is shorter than expected (changed?)`, 'local'),
              },
        (err: Error) => ({
          buffer,
          length,
          error: new SftpError(`cannot read source ${localPath}: ${err.message}`, 'local'),
        }),
      );
    };
    let failure: SftpError | undefined;
    let lastProgress = Date.now();
    let blocked = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const onDrain = () => {
      blocked = false;
      poke();
    };
    this.child.stdin.on('drain', onDrain);
    const unsubscribe = this.onLost(poke);
    try {
      for (;;) {
        if (this.lost) throw this.lost;
        if (failure && inFlight === 0) throw failure;
        if (!failure && position >= to && inFlight === 0) return;
        if (!failure && !blocked && position < to && inFlight < options.concurrency) {
          readAhead();
          const { buffer, length, error } = await next!;
          next = undefined;
          if (error) {
            free.push(buffer);
            failure = error;
            continue;
          }
          if (this.lost) throw this.lost;
          const chunk = { end: position + length, done: false };
          order.push(chunk);
          inFlight++;
          const id = this.nextId++;
          // The buffer is reused only after the server answered: by then every byte of it left this process.
          this.pending.set(id, (reply) => {
            inFlight--;
            free.push(buffer);
            if (reply.type !== FXP.STATUS || reply.code !== 0) failure ??= this.statusError(reply, what);
            else {
              chunk.done = true;
              lastProgress = Date.now();
              let acked: number | undefined;
              while (order[0]?.done) acked = order.shift()!.end;
              if (acked !== undefined) options.onAcked?.(acked);
            }
            poke();
          });
          const data = length === buffer.length ? buffer : buffer.subarray(0, length);
          this.send(FXP.WRITE, id, [handleField, u64(position), u32(length), data]);
          if (this.child.stdin.writableLength >= queued) blocked = true;
          position += length;
          readAhead();
          continue;
        }
        const waitMs = Math.max(1, options.stallTimeoutMs - (Date.now() - lastProgress));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (inFlight > 0 && Date.now() - lastProgress >= options.stallTimeoutMs) {
          const stalled = new SftpError(
            `upload to ${hostPort(this.settings)} stalled: no answer for ${Math.round(options.stallTimeoutMs / 1000)} s`,
            'connection',
            'ETIMEDOUT',
          );
          this.destroy(stalled);
          throw stalled;
        }
      }
    } finally {
      unsubscribe();
      this.child.stdin.removeListener('drain', onDrain);
      // A read still under way is waited for (and its failure ignored) before the file is closed.
      await next;
      await file.close().catch(() => undefined);
    }
  }

  /** Ends the SFTP session (stdin closed: the server side exits, then ssh), then removes the private folder. */
  async close(): Promise<void> {
    if (!this.lost) this.lost = new SftpError('OpenSSH transfer closed', 'connection');
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
    await this.files.remove();
  }

  /** Kills ssh at once (a stalled or abandoned transfer); the private folder is removed when it has exited. */
  destroy(reason?: SftpError): void {
    this.fail(reason ?? new SftpError('OpenSSH transfer stopped', 'connection'));
    this.child.kill('SIGKILL');
    void this.exited.then(() => this.files.remove());
  }

  /** Resolves when the ssh process has exited and its private folder is removed. */
  async finished(): Promise<void> {
    await this.exited;
    await this.files.remove();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

function u64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

function str(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([u32(data.length), data]);
}

function readString(buffer: Buffer, at: number): { value: Buffer; next: number } | undefined {
  if (at + 4 > buffer.length) return undefined;
  const length = buffer.readUInt32BE(at);
  if (at + 4 + length > buffer.length) return undefined;
  return { value: buffer.subarray(at + 4, at + 4 + length), next: at + 4 + length };
}
