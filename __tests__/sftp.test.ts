// The SFTP destination against a real OpenSSH server (helpers/sshd.ts): logins, the pinned host key, the
// temporary-name/verify/rename protocol, retries after a cut connection, and the errors users will see.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, mkdtempSync, openSync, readdirSync, writeSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FolderSourceFile } from '../src/deliver/folder.js';
import {
  openSftpPlace,
  preflightSftp,
  sshFingerprint,
  uploadToSftp,
  type SftpDeliveryResult,
  type SftpTransfer,
  type SftpUploadOptions,
} from '../src/deliver/sftp.js';
import { sha256File } from '../src/hash.js';
import { Collector } from '../src/settings/collector.js';
import { AES_GCM_FIRST, cpuHasAes, OpenSshSftp } from '../src/deliver/sftp-openssh.js';
import { connectSftp } from '../src/deliver/sftp-session.js';
import { keyLines, parseSftpSettings, type SftpSettings } from '../src/settings/sftp-settings.js';
import { AS_ROOT_COMMAND, skipMeta } from './helpers/skip-reasons.js';
import { sshdUnavailableReason, startSshd, type TestSshd } from './helpers/sshd.js';

const unavailable = sshdUnavailableReason();
/** Carries the reason to the skip summary at the end of `npm test`. */
const sshdMeta = skipMeta(unavailable);
const NO_TMPFS = `the remote disk-full tests mount a tmpfs, not permitted here — run: ${AS_ROOT_COMMAND}`;

/** The private folders of OpenSSH transfers (sftp-openssh.ts) that exist now. */
const privateDirs = () => readdir(os.tmpdir()).then((names) => names.filter((n) => n.startsWith('oba-ssh-')));

describe('SFTP test server', () => {
  it('is available (required in CI)', (ctx) => {
    if (unavailable && !process.env.CI) {
      console.warn(`SFTP tests skipped: ${unavailable}`);
      ctx.skip(unavailable);
    }
    expect(unavailable).toBeUndefined();
  });
});

/** Every acceptance test runs with both ways of sending the bytes: OpenSSH's client (the default) and ssh2. */
const TRANSFERS: Array<{ name: string; transfer: 'auto' | 'built-in'; expected: SftpTransfer }> = [
  { name: 'OpenSSH transfer', transfer: 'auto', expected: 'openssh' },
  { name: 'built-in transfer', transfer: 'built-in', expected: 'built-in' },
];

// Locally without sshd or root: skipped with the reason above. In CI the suite runs and fails in beforeAll.
describe.skipIf(unavailable !== undefined && !process.env.CI).each(TRANSFERS)(
  'uploadToSftp against OpenSSH sshd ($name)',
  sshdMeta,
  ({ transfer, expected }) => {
    let sshd: TestSshd;
    let local: string;
    let archive: FolderSourceFile;
    let manifest: FolderSourceFile;
    /** Every error message and log line of the failure cases, searched for secrets at the end. */
    const transcript: string[] = [];
    const log = (line: string) => transcript.push(line);
    const noWait: SftpUploadOptions = { backoffMs: () => 0, log };
    const upload = (s: SftpSettings, files: FolderSourceFile[], options: SftpUploadOptions = {}) =>
      uploadToSftp(s, files, { transfer, ...options });

    async function source(name: string, content: Buffer | string): Promise<FolderSourceFile> {
      const file = path.join(local, name);
      await writeFile(file, content);
      return { source: file, name, ...(await sha256File(file)) };
    }

    /** Password login to `dir` under the user's folder. */
    function settings(dir: string, overrides: Partial<SftpSettings> = {}): SftpSettings {
      return {
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        password: sshd.password,
        privateKey: '',
        passphrase: '',
        fingerprint: sshd.fingerprint,
        dir: path.posix.join(sshd.root, dir),
        ...overrides,
      };
    }

    const list = (dir: string) =>
      readdir(path.join(sshd.root, dir))
        .then((names) => names.sort())
        .catch(() => [] as string[]);

    /** Delivered, verified on the server, and nothing else (no temporary file) left in the folder. */
    async function expectDelivered(result: SftpDeliveryResult, dir: string, files: FolderSourceFile[]) {
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.remotePath).toBe(path.join(sshd.root, dir));
      expect(result.files.map((f) => f.name)).toEqual(files.map((f) => f.name));
      for (const file of files) {
        const remote = await sha256File(path.join(sshd.root, dir, file.name));
        expect(remote).toEqual({ sha256: file.sha256, bytes: file.bytes });
      }
      expect(await list(dir)).toEqual(files.map((f) => f.name).sort());
      expect(result.bytes).toBe(files.reduce((sum, f) => sum + f.bytes, 0));
      expect(result.transfer).toBe(expected);
    }

    beforeAll(async () => {
      sshd = await startSshd();
      local = mkdtempSync(path.join(os.tmpdir(), 'oba-sftp-src-'));
      archive = await source('HR_2025-01-01.zip', randomBytes(3 * 1024 * 1024 + 17));
      manifest = await source('HR_2025-01-01.zip.manifest.json', '{"archives":[]}\n');
    });

    afterAll(async () => {
      await sshd?.stop();
      if (local) await rm(local, { recursive: true, force: true });
    });

    it('logs in with a password, creates the missing folder, verifies with a remote SHA-256 and renames', async () => {
      const lines: string[] = [];
      const result = await upload(settings('pw/a/b'), [archive, manifest], { log: (l) => lines.push(l) });
      await expectDelivered(result, 'pw/a/b', [archive, manifest]);
      expect(result.folder).toBe(path.join(sshd.root, 'pw/a/b'));
      expect(result.files[0]).toEqual({
        name: archive.name,
        path: path.join(sshd.root, 'pw/a/b', archive.name),
        bytes: archive.bytes,
        sha256: archive.sha256,
        verified: true,
        verification: 'remote sha256sum',
      });
      expect(result.verification).toBe('remote sha256sum');
      expect(result.remoteHashCommand).toMatch(/^(openssl dgst -sha256|sha256sum)$/);
      expect(result.attempts).toBe(1);
      expect(result.throughputBytesPerSec).toBeGreaterThan(0);
      expect(lines.join('\n')).toContain('matches sftp-fingerprint');
      expect(lines.join('\n')).toMatch(/\.HR_2025-01-01\.zip\.oba-partial-[0-9a-f]{8}-\d+-[0-9a-f]{8}/);
    });

    describe('key login through parseSftpSettings', () => {
      const cases: Array<[string, (s: TestSshd) => { key: string; passphrase: string }]> = [
        ['ed25519, OpenSSH format', (s) => ({ key: s.keys.ed25519, passphrase: '' })],
        [
          'ed25519, OpenSSH format, encrypted',
          (s) => ({ key: s.keys.ed25519Encrypted, passphrase: s.keys.passphrase }),
        ],
        ['RSA, PEM', (s) => ({ key: s.keys.rsaPem, passphrase: '' })],
        ['RSA, PEM, encrypted', (s) => ({ key: s.keys.rsaPemEncrypted, passphrase: s.keys.passphrase })],
        ['ECDSA, PEM', (s) => ({ key: s.keys.ecdsaPem, passphrase: '' })],
        ['ECDSA, OpenSSH format', (s) => ({ key: s.keys.ecdsa, passphrase: '' })],
      ];
      it.each(cases)('%s', async (label, pick) => {
        const { key, passphrase } = pick(sshd);
        const dir = `keys/${label.replace(/\W+/g, '-')}`;
        const inputs: Record<string, string> = {
          'sftp-host': sshd.host,
          'sftp-port': String(sshd.port),
          'sftp-username': sshd.user,
          'sftp-private-key': key,
          'sftp-passphrase': passphrase,
          'sftp-fingerprint': sshd.fingerprint,
          'sftp-dir': path.join(sshd.root, dir),
        };
        const c = new Collector();
        const parsed = parseSftpSettings((name) => inputs[name] ?? '', c);
        expect(c.errors).toEqual([]);
        const result = await upload(parsed!, [manifest]);
        await expectDelivered(result, dir, [manifest]);
        expect(sshd.log()).toContain(`Accepted publickey for ${sshd.user}`);
      });
    });

    it('counts an identical file as delivered and never overwrites a different one', async () => {
      const dir = 'existing';
      await upload(settings(dir), [archive]);
      const again = await upload(settings(dir), [archive, manifest], noWait);
      await expectDelivered(again, dir, [archive, manifest]);

      const otherFile = path.join(local, 'other-content.bin');
      await writeFile(otherFile, 'other content');
      const clash = { source: otherFile, name: archive.name, ...(await sha256File(otherFile)) };
      const before = await sha256File(path.join(sshd.root, dir, archive.name));
      const result = await upload(settings(dir), [clash], noWait);
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.error).toBe(
        `${archive.name}: already exists in ${path.join(sshd.root, dir)} with different content; it was not overwritten`,
      );
      expect(await sha256File(path.join(sshd.root, dir, archive.name))).toEqual(before);
      expect(await list(dir)).toEqual([archive.name, manifest.name].sort());

      // Same size, other bytes: only the hash can tell.
      const sameSize = path.join(local, 'same-size.bin');
      await writeFile(sameSize, randomBytes(archive.bytes));
      const twin = { source: sameSize, name: archive.name, ...(await sha256File(sameSize)) };
      const twinResult = await upload(settings(dir), [twin], noWait);
      expect(twinResult.error).toContain('with different content; it was not overwritten');
      expect(await sha256File(path.join(sshd.root, dir, archive.name))).toEqual(before);
    });

    it('never names a copy that does not match the expected SHA-256 (a source changed after archiving)', async () => {
      const stale = { ...archive, sha256: 'f'.repeat(64) };
      const result = await upload(settings('changed'), [stale, manifest], noWait);
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.files).toEqual([]);
      expect(result.error).toBe(
        `${archive.name}: source ${archive.source} changed: ${archive.bytes} bytes, SHA-256 ${archive.sha256}; ` +
          `expected ${archive.bytes} bytes, SHA-256 ${'f'.repeat(64)}`,
      );
      expect(await list('changed')).toEqual([]);
    });

    it('refuses a wrong host key at once: no retry, the actual fingerprint and how to check it', async () => {
      const backoffMs = vi.fn(() => 0);
      const connectionsBefore = sshd.connections();
      const passwordAttempts = () =>
        sshd
          .log()
          .split('\n')
          .filter((l) => /(Failed|Accepted) password/.test(l)).length;
      const passwordsBefore = passwordAttempts();
      const wrong = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
      const result = await upload(settings('hostkey', { fingerprint: wrong }), [archive], {
        backoffMs,
        log,
      });
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(1);
      expect(backoffMs).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(sshd.connections()).toBe(connectionsBefore + 1));
      expect(result.error).toContain(
        `presented the ED25519 key ${sshd.fingerprint}, but sftp-fingerprint is ${wrong}`,
      );
      expect(result.error).toContain(`ssh-keyscan -p ${sshd.port} ${sshd.host} | ssh-keygen -lf -`);
      expect(result.error).toContain('nothing was sent');
      expect(await list('hostkey')).toEqual([]);
      // Login never started: the password did not reach a server whose key did not match.
      expect(passwordAttempts()).toBe(passwordsBefore);
    });

    it('refuses to trust an unchecked host key when sftp-fingerprint is empty, and shows the actual one', async () => {
      const result = await upload(settings('nofp', { fingerprint: '' }), [archive], noWait);
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(1);
      expect(result.error).toContain(
        `sftp-fingerprint is empty and ${sshd.host}:${sshd.port} presented the ED25519 key ${sshd.fingerprint}`,
      );
      expect(result.error).toContain(`ssh-keyscan -p ${sshd.port} ${sshd.host} | ssh-keygen -lf -`);

      const preflight = await preflightSftp(settings('nofp', { fingerprint: '' }));
      expect(preflight).toMatchObject({ ok: false, fingerprint: sshd.fingerprint });
    });

    it('reports a wrong password clearly and does not retry it', async () => {
      const backoffMs = vi.fn(() => 0);
      const result = await upload(settings('badpw', { password: 'wrong-Password-42' }), [archive], {
        backoffMs,
        log,
      });
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(1);
      expect(backoffMs).not.toHaveBeenCalled();
      expect(result.error).toBe(
        `authentication failed: ${sshd.host}:${sshd.port} refused user "${sshd.user}" (tried password); ` +
          'check sftp-username and sftp-password, and that the server allows this login method',
      );
    });

    it('reports permission denied in a folder the user cannot write, and leaves nothing', async () => {
      const dir = 'readonly';
      await mkdir(path.join(sshd.root, dir));
      await chown(path.join(sshd.root, dir), 0, 0);
      await chmod(path.join(sshd.root, dir), 0o555);
      const result = await upload(settings(dir), [archive, manifest], noWait);
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(1);
      expect(result.error).toBe(
        `${archive.name}: permission denied: ${sshd.user} cannot create files in ${path.join(sshd.root, dir)} (EACCES); ` +
          'give the user write access there or choose another sftp-dir',
      );
      expect(await list(dir)).toEqual([]);

      const preflight = await preflightSftp(settings(dir));
      expect(preflight.ok).toBe(false);
      expect(preflight.detail).toContain('permission denied');

      const nested = await upload(settings(`${dir}/sub`), [archive], noWait);
      transcript.push(nested.error ?? '');
      expect(nested.error).toContain(
        `cannot create folder ${path.join(sshd.root, dir, 'sub')}: permission denied`,
      );
    });

    describe('remote disk full (2 MiB tmpfs)', () => {
      let mounted: string | undefined;
      let big: FolderSourceFile;
      beforeAll(async () => {
        big = await source('BIG_2025.zip', randomBytes(4 * 1024 * 1024));
        const dir = path.join(sshd.root, 'full');
        await mkdir(dir);
        const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
        if (r.status === 0) {
          mounted = dir;
          await chown(dir, sshd.uid, sshd.gid);
        } else console.warn(`disk-full tests skipped: cannot mount a tmpfs here (${r.stderr.trim()})`);
      });
      afterAll(() => {
        if (mounted) spawnSync('umount', [mounted]);
      });

      it('stops before sending when statvfs shows too little space', async (ctx) => {
        if (!mounted) ctx.skip(NO_TMPFS);
        const result = await upload(settings('full'), [big, manifest], noWait);
        transcript.push(result.error ?? '');
        expect(result.ok).toBe(false);
        expect(result.attempts).toBe(1);
        expect(result.error).toMatch(
          /^BIG_2025\.zip: remote disk full at \S+\/full: 2\.0 MiB free, BIG_2025\.zip needs 4\.0 MiB \(ENOSPC; checked before sending, nothing was written\)$/,
        );
        expect(await list('full')).toEqual([]);
      });

      it('recognises a full disk in the middle of a write and removes the temporary file', async (ctx) => {
        if (!mounted) ctx.skip(NO_TMPFS);
        const result = await upload(settings('full'), [big], { ...noWait, checkFreeSpace: false });
        transcript.push(result.error ?? '');
        expect(result.ok).toBe(false);
        expect(result.attempts).toBe(1);
        expect(result.error).toMatch(
          /^BIG_2025\.zip: remote disk full at \S+\/full: 0 B free, [\d.]+ MiB still to write \(ENOSPC\)$/,
        );
        expect(await list('full')).toEqual([]);
      });
    });

    it('retries a connection cut in the middle of an upload, resumes it and verifies the result', async () => {
      const bigFile = path.join(local, 'CUT_2025.zip');
      const out = createWriteStream(bigFile);
      for (let i = 0; i < 96; i++) if (!out.write(randomBytes(1024 * 1024))) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      const big = { source: bigFile, name: 'CUT_2025.zip', ...(await sha256File(bigFile)) };
      const dir = 'cut';
      const dirsBefore = await privateDirs();
      const backoffMs = vi.fn(() => 0);
      const lines: string[] = [];

      const uploading = upload(settings(dir), [big, manifest], {
        backoffMs,
        log: (l) => {
          lines.push(l);
          log(l);
        },
      });
      // Cut once the temporary file on the server holds some data: the sshd child of the session is killed.
      let killed = 0;
      const deadline = Date.now() + 20_000;
      while (!killed && Date.now() < deadline) {
        const names = await list(dir);
        const partial = names.find((n) => n.startsWith('.CUT_2025.zip.oba-partial-'));
        const size = partial
          ? await stat(path.join(sshd.root, dir, partial)).then(
              (s) => s.size,
              () => 0,
            )
          : 0;
        if (size >= 8 * 1024 * 1024) killed = sshd.killSessions();
        else await new Promise((r) => setTimeout(r, 2));
      }
      expect(killed).toBeGreaterThan(0);
      const result = await uploading;
      transcript.push(result.error ?? '');

      await expectDelivered(result, dir, [big, manifest]);
      expect(result.attempts).toBe(2);
      expect(backoffMs).toHaveBeenCalledTimes(1);
      expect(backoffMs).toHaveBeenCalledWith(1);
      const text = lines.join('\n');
      expect(text).toMatch(/attempt 1 of 3 failed: connection to .* (closed unexpectedly|lost|was reset)/);
      expect(text).toMatch(/resuming CUT_2025\.zip at byte [1-9]\d* of 100663296/);
      expect(text).toContain(
        expected === 'openssh' ? 'sending through OpenSSH_' : 'sending with the built-in transfer',
      );
      expect(result.files[0]!.verification).toBe('remote sha256sum');
      // Neither the cut attempt's nor the second one's key/known_hosts folder is left.
      expect(await privateDirs()).toEqual(dirsBefore);
    });

    it('sends a resumed copy again from the start when it does not match (damaged before the cut)', async () => {
      const bigFile = path.join(local, 'DAMAGED_2025.zip');
      const out = createWriteStream(bigFile);
      for (let i = 0; i < 48; i++) if (!out.write(randomBytes(1024 * 1024))) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
      const big = { source: bigFile, name: 'DAMAGED_2025.zip', ...(await sha256File(bigFile)) };
      const dir = 'cut-damaged';
      const folder = path.join(sshd.root, dir);
      const lines: string[] = [];
      // Between the attempts, the part already on the server is damaged: resuming cannot give the right copy.
      let damaged = '';
      const backoffMs = vi.fn(() => {
        damaged = readdirSync(folder).find((n) => n.startsWith('.DAMAGED_2025.zip.oba-partial-')) ?? '';
        if (damaged) {
          const fd = openSync(path.join(folder, damaged), 'r+');
          writeSync(fd, Buffer.from('damaged'), 0, 7, 1024);
          closeSync(fd);
        }
        return 0;
      });
      const uploading = upload(settings(dir), [big], { backoffMs, log: (l) => lines.push(l) });
      let killed = 0;
      const deadline = Date.now() + 20_000;
      while (!killed && Date.now() < deadline) {
        const partial = (await list(dir)).find((n) => n.startsWith('.DAMAGED_2025.zip.oba-partial-'));
        const size = partial
          ? await stat(path.join(folder, partial)).then(
              (st) => st.size,
              () => 0,
            )
          : 0;
        if (size >= 8 * 1024 * 1024) killed = sshd.killSessions();
        else await new Promise((r) => setTimeout(r, 2));
      }
      expect(killed).toBeGreaterThan(0);
      const result = await uploading;
      expect(damaged).not.toBe('');
      await expectDelivered(result, dir, [big]);
      expect(result.attempts).toBe(2);
      const text = lines.join('\n');
      expect(text).toMatch(/resuming DAMAGED_2025\.zip at byte [1-9]\d* of 50331648/);
      expect(text).toContain('DAMAGED_2025.zip: the resumed copy does not match');
      expect(text).toContain('sending it again from the start');
    });

    it('retries a refused connection with backoff, then gives up with a clear error', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, '127.0.0.1', () => {
          const { port: p } = server.address() as net.AddressInfo;
          server.close(() => resolve(p));
        });
      });
      const backoffMs = vi.fn(() => 0);
      const result = await upload(settings('refused', { port }), [archive], {
        backoffMs,
        log,
        retries: 2,
      });
      transcript.push(result.error ?? '');
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(3);
      expect(backoffMs.mock.calls).toEqual([[1], [2]]);
      expect(result.error).toBe(
        `cannot connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED); check sftp-host and sftp-port, ` +
          'and that the SSH server runs (gave up after 3 attempts)',
      );
    });

    it('retries a handshake timeout', async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      try {
        const result = await upload(settings('timeout', { port }), [archive], {
          ...noWait,
          retries: 1,
          readyTimeoutMs: 300,
        });
        transcript.push(result.error ?? '');
        expect(result.attempts).toBe(2);
        expect(sockets).toHaveLength(2);
        expect(result.error).toBe(
          `timed out after 0 s connecting to 127.0.0.1:${port} (no SSH handshake) (gave up after 2 attempts)`,
        );
      } finally {
        for (const s of sockets) s.destroy();
        silent.close();
      }
    });

    it('verifies by reading back where the server refuses exec (ForceCommand internal-sftp)', async () => {
      const lines: string[] = [];
      const result = await upload(settings('readback', { port: sshd.sftpOnlyPort }), [archive, manifest], {
        log: (l) => lines.push(l),
      });
      await expectDelivered(result, 'readback', [archive, manifest]);
      expect(result.verification).toBe('read back');
      expect(result.remoteHashCommand).toBeUndefined();
      expect(result.files.map((f) => f.verification)).toEqual(['read back', 'read back']);
      expect(lines.join('\n')).toContain('verifying by reading files back');
    });

    it('pre-flight: connects, proves the folder writable, reports free space and the fingerprint', async () => {
      const result = await preflightSftp(settings('preflight/new'));
      expect(result.ok).toBe(true);
      expect(result.fingerprint).toBe(sshd.fingerprint);
      expect(result.freeBytes).toBeGreaterThan(0);
      expect(result.detail).toMatch(
        new RegExp(
          `^sftp ${sshd.user}@127\\.0\\.0\\.1:\\S+/preflight/new \\(port \\d+\\): writable, [\\d.]+ \\w+ free;`,
        ),
      );
      // What a dry run tells about the upload to come: this machine has OpenSSH's client.
      expect(result.detail).toMatch(/; upload through OpenSSH \(OpenSSH_[\w.]+, ssh -s sftp\)$/);
      expect(await list('preflight/new')).toEqual([]);

      const wrong = await preflightSftp(settings('preflight', { fingerprint: `SHA256:${'A'.repeat(43)}` }));
      transcript.push(wrong.detail);
      expect(wrong).toMatchObject({ ok: false, fingerprint: sshd.fingerprint });
      expect(wrong.detail).toContain('host key mismatch');
    });

    it('opens the folder as a BackupPlace: list, readText with a cap, remove', async () => {
      const dir = 'place';
      await upload(settings(dir), [archive, manifest]);
      const place = await openSftpPlace(settings(dir));
      try {
        expect(place.kind).toBe('sftp');
        expect(place.label).toBe(
          `sftp ${sshd.user}@127.0.0.1:${path.join(sshd.root, dir)} (port ${sshd.port})`,
        );
        const entries = await place.list();
        expect(entries.map((e) => [e.name, e.bytes, e.isFile])).toEqual(
          [
            [archive.name, archive.bytes, true],
            [manifest.name, manifest.bytes, true],
          ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
        );
        expect(entries[0]!.modifiedMs).toBeGreaterThan(Date.now() - 3_600_000);
        expect(await place.readText(manifest.name, 1024)).toBe('{"archives":[]}\n');
        await expect(place.readText(manifest.name, 4)).rejects.toThrow(
          /is 16 bytes, more than the 4 allowed/,
        );
        await expect(place.readText('../etc/passwd', 1024)).rejects.toThrow(/not a plain file name/);
        await place.remove(manifest.name);
        await place.remove(manifest.name); // missing: not an error
        expect((await place.list()).map((e) => e.name)).toEqual([archive.name]);
      } finally {
        await place.close();
      }
      const missing = await openSftpPlace(settings('place-missing'));
      expect(await missing.list()).toEqual([]);
      await missing.close();
    });

    it('never shows a password, passphrase or key line in any error or log line', async () => {
      // Failure cases with every kind of secret set.
      const keyed = settings('secrets', {
        privateKey: sshd.keys.ed25519Encrypted,
        passphrase: sshd.keys.passphrase,
      });
      for (const s of [
        { ...keyed, fingerprint: `SHA256:${'B'.repeat(43)}` },
        { ...keyed, username: 'nobody-here', password: sshd.password },
        { ...keyed, port: 1 },
      ]) {
        const result = await upload(s, [archive], noWait);
        transcript.push(result.error ?? '');
        const preflight = await preflightSftp(s);
        transcript.push(preflight.detail);
      }
      const secrets = [
        sshd.password,
        'wrong-Password-42',
        sshd.keys.passphrase,
        ...keyLines(sshd.keys.ed25519Encrypted).filter((l) => !l.startsWith('-----')),
      ];
      expect(transcript.length).toBeGreaterThan(15);
      for (const line of transcript) for (const secret of secrets) expect(line).not.toContain(secret);
    });
  },
);

// What the OpenSSH transfer adds: the ssh process it starts is pinned to the host key ssh2 verified, gets no secret
// in argv or environment, leaves no private file behind, and is never started for a server that failed the check.
describe.skipIf(unavailable !== undefined && !process.env.CI)('the OpenSSH transfer', sshdMeta, () => {
  let sshd: TestSshd;
  let local: string;
  let archive: FolderSourceFile;
  let manifest: FolderSourceFile;
  /** An `ssh` that records how it was started (argv, environment, its private folder), then runs the real one. */
  let recorder: string;
  let records: string;

  beforeAll(async () => {
    sshd = await startSshd();
    local = mkdtempSync(path.join(os.tmpdir(), 'oba-ossh-src-'));
    const file = async (name: string, content: Buffer | string) => {
      const source = path.join(local, name);
      await writeFile(source, content);
      return { source, name, ...(await sha256File(source)) };
    };
    archive = await file('HR_2025-02-02.zip', randomBytes(2 * 1024 * 1024 + 5));
    manifest = await file('HR_2025-02-02.zip.manifest.json', '{"archives":[]}\n');
    records = path.join(local, 'records');
    await mkdir(records);
    recorder = path.join(local, 'ssh-recorder');
    await writeFile(
      recorder,
      [
        '#!/bin/sh',
        `r=${records}/$$`,
        'if [ "$1" = "-V" ]; then echo -V > "$r.version"; exec ssh "$@"; fi',
        'for a in "$@"; do printf "%s\\n" "$a"; done > "$r.argv"',
        'env > "$r.env"',
        'pwd > "$r.cwd"',
        'stat -c "%a %n" . * > "$r.files"',
        'cat known_hosts > "$r.known_hosts"',
        'exec ssh "$@"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });

  afterAll(async () => {
    await sshd?.stop();
    if (local) await rm(local, { recursive: true, force: true });
  });

  function settings(dir: string, overrides: Partial<SftpSettings> = {}): SftpSettings {
    return {
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      password: sshd.password,
      privateKey: '',
      passphrase: '',
      fingerprint: sshd.fingerprint,
      dir: path.posix.join(sshd.root, dir),
      ...overrides,
    };
  }

  /** What the recorder saw since the last call: one entry per ssh started for a transfer (not `ssh -V`). */
  async function takeRecords() {
    const names = await readdir(records);
    const pids = [...new Set(names.filter((n) => n.endsWith('.argv')).map((n) => n.split('.')[0]!))];
    const read = (pid: string, what: string) => readFile(path.join(records, `${pid}.${what}`), 'utf8');
    const runs = await Promise.all(
      pids.map(async (pid) => ({
        argv: (await read(pid, 'argv')).split('\n').slice(0, -1),
        env: (await read(pid, 'env')).split('\n').filter(Boolean),
        cwd: (await read(pid, 'cwd')).trim(),
        files: (await read(pid, 'files')).split('\n').filter(Boolean),
        knownHosts: await read(pid, 'known_hosts'),
      })),
    );
    const versionChecks = names.filter((n) => n.endsWith('.version')).length;
    for (const name of names) await rm(path.join(records, name));
    return { runs, versionChecks };
  }

  const exists = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );

  it('gives ssh no secret in argv or environment, pins it to the verified key, and removes its files', async () => {
    // What the runner gives the action: its inputs, secrets included, are environment variables.
    const inherited = { 'INPUT_SFTP-PASSWORD': sshd.password, 'INPUT_SFTP-PASSPHRASE': sshd.keys.passphrase };
    Object.assign(process.env, inherited);
    const lines: string[] = [];
    const runnerTemp = path.join(local, 'runner-temp');
    await mkdir(runnerTemp);
    const told: string[] = [];
    let result: SftpDeliveryResult;
    try {
      result = await uploadToSftp(
        settings('secrets-argv', {
          privateKey: sshd.keys.ed25519Encrypted,
          passphrase: sshd.keys.passphrase,
        }),
        [archive, manifest],
        {
          sshCommand: recorder,
          log: (l) => lines.push(l),
          tempRoot: runnerTemp,
          onTempDir: (d) => told.push(d),
        },
      );
    } finally {
      for (const name of Object.keys(inherited)) delete process.env[name];
    }
    expect(result.error).toBeUndefined();
    expect(result.transfer).toBe('openssh');
    expect(result.transferDetail).toMatch(/^OpenSSH \(OpenSSH_\d+\.\d+\S*, ssh -s sftp\)$/);
    expect(await readdir(path.join(sshd.root, 'secrets-argv'))).toEqual([archive.name, manifest.name].sort());
    expect(lines.join('\n')).toMatch(
      /sending through OpenSSH_\S+ \(ssh -s sftp, pinned to the ED25519 host key/,
    );

    const { runs } = await takeRecords();
    expect(runs).toHaveLength(1);
    const [ssh] = runs;
    const secrets = [
      sshd.password,
      sshd.keys.passphrase,
      ...keyLines(sshd.keys.ed25519Encrypted).filter((l) => !l.startsWith('-----')),
    ];
    for (const text of [...ssh!.argv, ...ssh!.env])
      for (const secret of secrets) expect(text).not.toContain(secret);
    expect(ssh!.env.filter((e) => e.startsWith('INPUT_'))).toEqual([]);
    // Pinned to exactly the key ssh2 checked, nothing from any ssh configuration.
    const dir = ssh!.cwd;
    expect(ssh!.argv.slice(0, 2)).toEqual(['-F', 'none']);
    for (const option of [
      'StrictHostKeyChecking=yes',
      'UserKnownHostsFile=known_hosts',
      'GlobalKnownHostsFile=/dev/null',
      'IdentitiesOnly=yes',
      'PreferredAuthentications=publickey,password,keyboard-interactive',
    ])
      expect(ssh!.argv).toContain(option);
    expect(ssh!.argv[ssh!.argv.indexOf('-i') + 1]).toBe('id_key');
    expect(ssh!.argv.includes(`Ciphers=${AES_GCM_FIRST}`)).toBe(cpuHasAes());
    expect(ssh!.argv.slice(-3)).toEqual(['--', sshd.host, 'sftp']);
    expect(ssh!.knownHosts.trim().split('\n')).toHaveLength(1);
    expect(ssh!.knownHosts).toMatch(/^oracle-backup-action-pinned-host ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
    const blob = Buffer.from(ssh!.knownHosts.trim().split(' ')[2]!, 'base64');
    expect(sshFingerprint(blob)).toBe(sshd.fingerprint);
    // The password and passphrase only through askpass; the folder and its files private.
    expect(ssh!.env).toContain('SSH_ASKPASS=./askpass');
    expect(ssh!.env).toContain('SSH_ASKPASS_REQUIRE=force');
    expect(ssh!.files.sort()).toEqual(
      ['700 .', '700 askpass', '600 id_key', '600 known_hosts', '600 passphrase', '600 password'].sort(),
    );
    // In RUNNER_TEMP, told to the caller (the post step removes it if the process is killed), gone once done.
    expect(told).toEqual([dir]);
    expect(path.dirname(dir)).toBe(runnerTemp);
    expect(await exists(dir)).toBe(false);
  });

  it('keeps the key and its passphrase on disk only until ssh has logged in', async () => {
    const keyed = settings('unused', {
      privateKey: sshd.keys.ed25519Encrypted,
      passphrase: sshd.keys.passphrase,
    });
    const session = await connectSftp(keyed);
    try {
      const channel = await OpenSshSftp.start(keyed, session.hostKey.blob!, {
        command: 'ssh',
        connectTimeoutMs: 20_000,
      });
      expect(await readdir(channel.privateDir)).toEqual(['known_hosts']);
      await channel.close();
      expect(await exists(channel.privateDir)).toBe(false);
    } finally {
      await session.close();
    }
  });

  it('works from a temporary folder whose path has spaces, quotes, % and ~ (password login)', async () => {
    const odd = path.join(local, "tmp dir %h ~ 'q'");
    await mkdir(odd);
    const before = process.env.TMPDIR;
    process.env.TMPDIR = odd;
    try {
      const result = await uploadToSftp(settings('odd-tmp'), [archive], { sshCommand: recorder });
      expect(result.error).toBeUndefined();
      expect(result.transfer).toBe('openssh');
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
    const { runs } = await takeRecords();
    expect(runs).toHaveLength(1);
    expect(path.dirname(runs[0]!.cwd)).toBe(odd);
    expect(await readdir(odd)).toEqual([]);
  });

  it('stops with a clear error when the source turns out shorter than expected (changed while sending)', async () => {
    const session = await connectSftp(settings('shorter'));
    const dir = path.join(sshd.root, 'shorter');
    await mkdir(dir);
    await chown(dir, sshd.uid, sshd.gid);
    try {
      const channel = await OpenSshSftp.start(settings('shorter'), session.hostKey.blob!, {
        command: 'ssh',
        connectTimeoutMs: 20_000,
      });
      const remote = path.join(dir, 'x.partial');
      const handle = await channel.open(remote, 'wx');
      const acked: number[] = [];
      await expect(
        channel.writeFromFile(handle, archive.source, 0, archive.bytes + 3 * 1024 * 1024, {
          concurrency: 8,
          chunkSize: 256 * 1024,
          stallTimeoutMs: 30_000,
          remotePath: remote,
          onAcked: (offset) => acked.push(offset),
        }),
      ).rejects.toThrow(`source ${archive.source} is shorter than expected (changed?)`);
      // Everything sent before was acknowledged, in order, and nothing past the end of the source.
      expect(acked.at(-1)).toBeLessThanOrEqual(archive.bytes);
      expect([...acked].sort((a, b) => a - b)).toEqual(acked);
      await channel.closeHandle(handle, remote);
      await channel.close();
    } finally {
      await session.close();
    }
  });

  it('removes its private files after a failure too (permission denied while OpenSSH writes)', async () => {
    const dir = 'ossh-readonly';
    await mkdir(path.join(sshd.root, dir));
    await chmod(path.join(sshd.root, dir), 0o555);
    const result = await uploadToSftp(settings(dir), [archive], { sshCommand: recorder, backoffMs: () => 0 });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('permission denied');
    const { runs } = await takeRecords();
    expect(runs).toHaveLength(1);
    expect(await exists(runs[0]!.cwd)).toBe(false);
    expect(await readdir(path.join(sshd.root, dir))).toEqual([]);
  });

  it('never starts ssh for a server whose key does not match, or for a login ssh2 could not make', async () => {
    const wrong = 'SHA256:' + Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '');
    const mismatch = await uploadToSftp(settings('ossh-wrong-key', { fingerprint: wrong }), [archive], {
      sshCommand: recorder,
    });
    expect(mismatch.ok).toBe(false);
    expect(mismatch.error).toContain('host key mismatch');
    const badLogin = await uploadToSftp(
      settings('ossh-bad-login', { password: 'not-The-password-1' }),
      [archive],
      {
        sshCommand: recorder,
      },
    );
    expect(badLogin.error).toContain('authentication failed');
    const { runs, versionChecks } = await takeRecords();
    expect(versionChecks).toBe(2);
    expect(runs).toEqual([]);
  });

  it('is refused by OpenSSH when the server behind the address changed after the check (no retry, no fallback)', async () => {
    // A relay that sends the first connection (ssh2's check) to the real server and the next ones (ssh's) to an
    // impostor with other host keys: what an attacker taking over the route between the two connections does.
    const impostor = await startSshd({ password: sshd.password });
    const relayed: number[] = [];
    const relay = net.createServer((client) => {
      const target = relayed.length === 0 ? sshd.port : impostor.port;
      relayed.push(target);
      const upstream = net.connect(target, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as net.AddressInfo;
    try {
      const backoffMs = vi.fn(() => 0);
      const lines: string[] = [];
      const result = await uploadToSftp(settings('ossh-impostor', { port }), [archive], {
        sshCommand: recorder,
        backoffMs,
        log: (l) => lines.push(l),
      });
      expect(relayed).toEqual([sshd.port, impostor.port]);
      expect(result.ok).toBe(false);
      expect(result.attempts).toBe(1);
      expect(backoffMs).not.toHaveBeenCalled();
      expect(result.error).toMatch(
        /^HR_2025-02-02\.zip: host key refused by OpenSSH: 127\.0\.0\.1:\d+ presented the key SHA256:/,
      );
      expect(result.error).toContain(`presented the key ${impostor.fingerprint} to OpenSSH`);
      expect(result.error).toContain('Host key verification failed');
      expect(lines.join('\n')).not.toContain('built-in');
      // The impostor never saw a login attempt; nothing was written anywhere.
      expect(impostor.log()).not.toMatch(/Accepted|Failed (password|publickey)/);
      expect(await list(sshd, 'ossh-impostor')).toEqual([]);
      const { runs } = await takeRecords();
      expect(runs).toHaveLength(1);
      expect(await exists(runs[0]!.cwd)).toBe(false);
    } finally {
      relay.close();
      await impostor.stop();
    }
  });

  it('falls back to the built-in transfer, and says why, when OpenSSH cannot be used', async () => {
    const missing = await uploadToSftp(settings('fallback-missing'), [archive], {
      sshCommand: path.join(local, 'no-such-ssh'),
    });
    expect(missing.ok).toBe(true);
    expect(missing.transfer).toBe('built-in');
    expect(missing.transferDetail).toBe(
      `built-in (ssh2): no OpenSSH client (${path.join(local, 'no-such-ssh')}) on PATH`,
    );

    // Too old for a password without a terminal.
    const old = path.join(local, 'ssh-8.2');
    await writeFile(
      old,
      '#!/bin/sh\necho "OpenSSH_8.2p1 Ubuntu-4ubuntu0.11, OpenSSL 1.1.1f  31 Mar 2020" >&2\n',
      {
        mode: 0o755,
      },
    );
    const tooOld = await uploadToSftp(settings('fallback-old'), [archive], { sshCommand: old });
    expect(tooOld.ok).toBe(true);
    expect(tooOld.transferDetail).toBe(
      'built-in (ssh2): OpenSSH_8.2p1 is older than OpenSSH 8.4 and cannot take a password without a terminal (SSH_ASKPASS_REQUIRE)',
    );

    // An OpenSSH that cannot log in where ssh2 could (e.g. askpass cannot run on a noexec /tmp).
    const refused = path.join(local, 'ssh-refused');
    await writeFile(
      refused,
      '#!/bin/sh\nif [ "$1" = "-V" ]; then exec ssh -V; fi\necho "obatest@127.0.0.1: Permission denied (password)." >&2\nexit 255\n',
      { mode: 0o755 },
    );
    const lines: string[] = [];
    const noLogin = await uploadToSftp(settings('fallback-login'), [archive, manifest], {
      sshCommand: refused,
      log: (l) => lines.push(l),
    });
    expect(noLogin.error).toBeUndefined();
    expect(noLogin.transfer).toBe('built-in');
    expect(noLogin.transferDetail).toContain('Permission denied (password)');
    expect(lines.join('\n')).toMatch(
      /OpenSSH transfer not possible \(.*Permission denied.*\); using the built-in transfer/,
    );
    expect(await list(sshd, 'fallback-login')).toEqual([archive.name, manifest.name].sort());

    // A server that takes one connection per user: OpenSSH's is closed while ssh2's stays up.
    const oneConnection = path.join(local, 'ssh-closed');
    await writeFile(
      oneConnection,
      '#!/bin/sh\nif [ "$1" = "-V" ]; then exec ssh -V; fi\necho "Connection closed by 127.0.0.1 port 22" >&2\nexit 255\n',
      { mode: 0o755 },
    );
    const backoffMs = vi.fn(() => 0);
    const single = await uploadToSftp(settings('fallback-single'), [archive], {
      sshCommand: oneConnection,
      backoffMs,
    });
    expect(single.error).toBeUndefined();
    expect(single.attempts).toBe(1);
    expect(backoffMs).not.toHaveBeenCalled();
    expect(single.transferDetail).toBe(
      `built-in (ssh2): connection to ${sshd.host}:${sshd.port} lost (OpenSSH: Connection closed by 127.0.0.1 port 22), ` +
        'while the built-in connection stayed up',
    );
    expect(await list(sshd, 'fallback-single')).toEqual([archive.name]);
  });
});

async function list(sshd: TestSshd, dir: string): Promise<string[]> {
  return readdir(path.join(sshd.root, dir))
    .then((names) => names.sort())
    .catch(() => [] as string[]);
}
