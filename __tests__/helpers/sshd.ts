// A real OpenSSH server for the SFTP tests and the benchmark: /usr/sbin/sshd on two free loopback ports with
// generated host keys, a dedicated local user (tests run as root, and root must not be the one tested: permission
// errors would not happen), password and public-key login. The second port forces internal-sftp, so an exec
// channel (remote sha256sum) is refused there and the read-back path can be tested.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AS_ROOT_COMMAND, PREPARE_COMMAND } from './skip-reasons.js';

export const SSHD = '/usr/sbin/sshd';
/**
 * The local user the tests log in as. Several checkouts testing on one machine must not share it: startSshd
 * resets its password and killSessions kills its processes. OBA_TEST_SSH_USER gives each its own.
 */
export const TEST_USER = process.env.OBA_TEST_SSH_USER || 'obatest';
if (!/^[a-z_][a-z0-9_-]{0,30}$/.test(TEST_USER))
  throw new Error(`OBA_TEST_SSH_USER: not a user name: ${TEST_USER}`);

export interface TestKeys {
  /** OpenSSH format, no passphrase. */
  ed25519: string;
  /** OpenSSH format, encrypted with `passphrase`. */
  ed25519Encrypted: string;
  /** PEM (`BEGIN RSA PRIVATE KEY`), no passphrase. */
  rsaPem: string;
  /** PEM (`BEGIN RSA PRIVATE KEY`, `Proc-Type: 4,ENCRYPTED`), encrypted with `passphrase`. */
  rsaPemEncrypted: string;
  /** PEM (`BEGIN EC PRIVATE KEY`), no passphrase. */
  ecdsaPem: string;
  /** OpenSSH format, no passphrase. */
  ecdsa: string;
  passphrase: string;
  /** Paths of the key files (for OpenSSH's own client). */
  files: { ed25519: string };
}

export interface TestSshd {
  host: string;
  /** Port where exec is allowed (remote sha256sum works). */
  port: number;
  /** Port with `ForceCommand internal-sftp`: exec channels never run a command. */
  sftpOnlyPort: number;
  /** `SHA256:...` of the ED25519 host key, the one ssh2 and OpenSSH negotiate first. */
  fingerprint: string;
  fingerprints: { ed25519: string; ecdsa: string; rsa: string };
  user: string;
  uid: number;
  gid: number;
  password: string;
  keys: TestKeys;
  /** A folder owned by the test user, removed by stop(). */
  root: string;
  /** sshd's log (stderr) so far. */
  log(): string;
  /** Connections sshd accepted on `port` (or the given port) so far. */
  connections(port?: number): number;
  /** Kills the test user's processes: the per-connection sshd children, which drops every open connection. */
  killSessions(): number;
  stop(): Promise<void>;
}

/** Why sshd cannot run here, or undefined when it can. In CI a reason is a failure, not a skip. */
export function sshdUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'the SFTP tests need Linux (OpenSSH sshd and useradd)';
  if (!existsSync(SSHD)) return `the SFTP tests need ${SSHD} (OpenSSH server) — run: ${PREPARE_COMMAND}`;
  if (process.getuid?.() !== 0)
    return `the SFTP tests need root (they create a local user and start sshd) — run: ${AS_ROOT_COMMAND}`;
  return undefined;
}

/**
 * The file that says this machine's test user was created by the tests (not there before them): written by
 * ensureUser after useradd, read by removeCreatedTestUser at the end of the run.
 */
export function createdUserMarker(user: string = TEST_USER): string {
  return path.join(os.tmpdir(), `oba-test-user-${user}.created`);
}

/**
 * Deletes the test user with its home folder (`userdel -r`) when the tests created it, so a run leaves no account
 * behind; a user that existed before the tests is kept. Returns what it did, for the end-of-run line.
 */
export function removeCreatedTestUser(user: string = TEST_USER): 'removed' | 'not created by the tests' {
  const marker = createdUserMarker(user);
  if (!existsSync(marker)) return 'not created by the tests';
  if (spawnSync('id', ['-u', user]).status === 0) {
    // Its sessions would make userdel refuse; startSshd's stop() has ended them, this catches stragglers.
    const uid = Number(run('id', ['-u', user]).trim());
    const home = run('getent', ['passwd', user]).split(':')[5]?.trim();
    killProcessesOf(uid);
    const r = spawnSync('userdel', ['-r', user], { encoding: 'utf8' });
    if (spawnSync('id', ['-u', user]).status === 0) {
      throw new Error(`userdel -r ${user} failed (${r.status}): ${r.stderr}`);
    }
    // userdel exits 12 when it removed the user but not its whole home folder: finish that.
    if (home && home !== '/' && existsSync(home) && statSync(home).uid === uid) {
      rmSync(home, { recursive: true, force: true });
    }
  }
  rmSync(marker, { force: true });
  return 'removed';
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function opensshVersion(): number {
  const r = spawnSync(SSHD, ['-V'], { encoding: 'utf8' });
  const match = /OpenSSH_(\d+)\.(\d+)/.exec(`${r.stdout}${r.stderr}`);
  return match ? Number(match[1]) + Number(match[2]) / 100 : 0;
}

function fingerprintOf(pubFile: string): string {
  const match = /SHA256:[A-Za-z0-9+/]{43}/.exec(run('ssh-keygen', ['-lf', pubFile]));
  if (!match) throw new Error(`no SHA256 fingerprint for ${pubFile}`);
  return match[0];
}

async function keygen(dir: string, name: string, args: string[]): Promise<string> {
  const file = path.join(dir, name);
  run('ssh-keygen', ['-q', '-C', `oba-${name}`, '-f', file, ...args]);
  return file;
}

/** Kills every process of `uid`; /proc rather than pgrep: a fresh Debian container has no procps. */
function killProcessesOf(uid: number): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

/** Creates the test user when missing and gives it a fresh password (sshd with UsePAM no reads /etc/shadow). */
function ensureUser(password: string): { uid: number; gid: number } {
  // Test files run in parallel workers, and each run starts without the user (the teardown removed it): one
  // useradd wins; the others find the user, or /etc/passwd locked, and look again.
  for (let attempt = 1; spawnSync('id', ['-u', TEST_USER]).status !== 0; attempt++) {
    const r = spawnSync('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER], { encoding: 'utf8' });
    if (r.status === 0) {
      writeFileSync(createdUserMarker(), `${process.pid}\n`);
      break;
    }
    if (attempt >= 50) throw new Error(`useradd ${TEST_USER} failed (${r.status}): ${r.stderr}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  run('chpasswd', [], `${TEST_USER}:${password}\n`);
  return {
    uid: Number(run('id', ['-u', TEST_USER]).trim()),
    gid: Number(run('id', ['-g', TEST_USER]).trim()),
  };
}

/** `password`: keep this one (a second server beside a running one must not change the first one's password). */
export async function startSshd(options: { password?: string } = {}): Promise<TestSshd> {
  const reason = sshdUnavailableReason();
  if (reason) throw new Error(reason);

  // Letters and digits only: chpasswd reads `user:password` lines.
  const password = options.password ?? `Pw${randomBytes(12).toString('hex')}`;
  const { uid, gid } = ensureUser(password);

  const conf = await mkdtemp(path.join(os.tmpdir(), 'oba-sshd-'));
  await chmod(conf, 0o755);
  const root = await mkdtemp(path.join(os.tmpdir(), 'oba-sftp-root-'));
  await chown(root, uid, gid);
  await chmod(root, 0o755);
  // Debian's sshd needs its privilege separation folder; a fresh container does not have it until the service runs.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKeys = {
    ed25519: await keygen(conf, 'ssh_host_ed25519_key', ['-t', 'ed25519', '-N', '']),
    ecdsa: await keygen(conf, 'ssh_host_ecdsa_key', ['-t', 'ecdsa', '-N', '']),
    rsa: await keygen(conf, 'ssh_host_rsa_key', ['-t', 'rsa', '-b', '2048', '-N', '']),
  };
  const passphrase = `pass ${randomBytes(6).toString('hex')}`;
  const userKeys = {
    ed25519: await keygen(conf, 'user_ed25519', ['-t', 'ed25519', '-N', '']),
    ed25519Encrypted: await keygen(conf, 'user_ed25519_enc', ['-t', 'ed25519', '-N', passphrase]),
    rsaPem: await keygen(conf, 'user_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '']),
    rsaPemEncrypted: await keygen(conf, 'user_rsa_pem_enc', [
      '-t',
      'rsa',
      '-b',
      '2048',
      '-m',
      'PEM',
      '-N',
      passphrase,
    ]),
    ecdsaPem: await keygen(conf, 'user_ecdsa_pem', ['-t', 'ecdsa', '-m', 'PEM', '-N', '']),
    ecdsa: await keygen(conf, 'user_ecdsa', ['-t', 'ecdsa', '-N', '']),
  };
  const authorized = await Promise.all(Object.values(userKeys).map((f) => readFile(`${f}.pub`, 'utf8')));
  await writeFile(path.join(conf, 'authorized_keys'), authorized.join(''), { mode: 0o644 });
  const read = (f: string) => readFile(f, 'utf8');

  const port = await freePort();
  let sftpOnlyPort = await freePort();
  while (sftpOnlyPort === port) sftpOnlyPort = await freePort();

  const config = [
    `Port ${port}`,
    `Port ${sftpOnlyPort}`,
    'ListenAddress 127.0.0.1',
    ...Object.values(hostKeys).map((k) => `HostKey ${k}`),
    `PidFile ${path.join(conf, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(conf, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Password login without PAM checks /etc/shadow directly: works the same in any Debian container.
    'UsePAM no',
    // The key file lives under /tmp (mode 1777), which StrictModes would refuse.
    'StrictModes no',
    'PermitRootLogin no',
    `AllowUsers ${TEST_USER}`,
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    'MaxStartups 100:30:200',
    'MaxSessions 50',
    'ClientAliveInterval 0',
    // OpenSSH 9.8+ penalises sources that fail to log in or crash their session: the tests do both on purpose.
    ...(opensshVersion() >= 9.08 ? ['PerSourcePenalties no'] : []),
    `Match LocalPort ${sftpOnlyPort}`,
    '    ForceCommand internal-sftp',
    '',
  ].join('\n');
  const configFile = path.join(conf, 'sshd_config');
  await writeFile(configFile, config);

  let log = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configFile], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (log += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log}`)), 10_000);
    const check = () => {
      if (log.includes(`port ${port}.`) && log.includes(`port ${sftpOnlyPort}.`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
    check();
  });

  const killSessions = (): number => killProcessesOf(uid);

  return {
    host: '127.0.0.1',
    port,
    sftpOnlyPort,
    fingerprint: fingerprintOf(`${hostKeys.ed25519}.pub`),
    fingerprints: {
      ed25519: fingerprintOf(`${hostKeys.ed25519}.pub`),
      ecdsa: fingerprintOf(`${hostKeys.ecdsa}.pub`),
      rsa: fingerprintOf(`${hostKeys.rsa}.pub`),
    },
    user: TEST_USER,
    uid,
    gid,
    password,
    keys: {
      ed25519: await read(userKeys.ed25519),
      ed25519Encrypted: await read(userKeys.ed25519Encrypted),
      rsaPem: await read(userKeys.rsaPem),
      rsaPemEncrypted: await read(userKeys.rsaPemEncrypted),
      ecdsaPem: await read(userKeys.ecdsaPem),
      ecdsa: await read(userKeys.ecdsa),
      passphrase,
      files: { ed25519: userKeys.ed25519 },
    },
    root,
    log: () => log,
    connections: (p = port) => log.split('\n').filter((l) => l.includes(`on 127.0.0.1 port ${p} `)).length,
    killSessions,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      killSessions();
      await rm(conf, { recursive: true, force: true });
      await rm(root, { recursive: true, force: true });
    },
  };
}
