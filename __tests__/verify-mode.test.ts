// mode: verify and mode: monitor at the module level, on backup sets the bundled action wrote (dist run against the
// simulated Oracle, AES-256 archives): a folder destination and an SFTP one (real OpenSSH sshd). Verify passes a
// good set and fails, naming the file, for an archive altered by one byte; monitor reads manifests only.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { chown, cp, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFromSftp } from '../src/deliver/sftp-download.js';
import { sha256File } from '../src/hash.js';
import { runMonitorMode } from '../src/modes/monitor.js';
import { renderModeSummary } from '../src/modes/summary.js';
import { runVerifyMode, type VerifyModeResult } from '../src/modes/verify.js';
import type { SftpSettings } from '../src/settings/sftp-settings.js';
import { ARCHIVE_PASSWORD, run, scenario, type Scenario } from './helpers/scenario.js';
import { sshdUnavailableReason, startSshd, type TestSshd } from './helpers/sshd.js';
import { skipMeta } from './helpers/skip-reasons.js';

const HOUR = 3600_000;

/** A backup made by the bundled action: the share folder holds one AES-256 archive and its manifest. */
let made: Scenario;
let archiveName: string;
let manifestName: string;
let createdAt: string;
let dumpNames: string[];
const temps: string[] = [];

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A copy of the made set in a fresh folder. */
async function copyOfSet(): Promise<string> {
  const dir = await temp('oba-verify-');
  await cp(made.shareDir, dir, { recursive: true });
  return dir;
}

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] = b[0]! ^ 0x01;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  made = await scenario({
    HR: { tables: 4, bytes: 2 * 1024 * 1024 },
    SALES: { tables: 2, bytes: 512 * 1024 },
  });
  const result = await run(made);
  expect(result.outputs.status).toBe('success');
  const names = await readdir(made.shareDir);
  archiveName = names.find((n) => n.endsWith('.zip'))!;
  manifestName = `${archiveName}.manifest.json`;
  expect(names.sort()).toEqual([archiveName, manifestName]);
  const manifest = JSON.parse(await readFile(path.join(made.shareDir, manifestName), 'utf8'));
  createdAt = manifest.set.createdAt;
  dumpNames = manifest.schemas.flatMap((s: { dumpFiles: Array<{ name: string }> }) =>
    s.dumpFiles.map((f) => f.name),
  );
  expect(dumpNames).toHaveLength(2);
}, 120_000);

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
  if (made) await rm(made.root, { recursive: true, force: true });
});

function expectVerified(result: VerifyModeResult) {
  expect(result.problems).toEqual([]);
  expect(result.warnings).toEqual([]);
  expect(result.status).toBe('success');
  expect(result.sets).toHaveLength(1);
  const [set] = result.sets;
  expect(set).toMatchObject({
    manifest: manifestName,
    createdAt,
    database: 'dbhost:1521/ORCLPDB1',
    ok: true,
  });
  expect(set!.schemas).toEqual(['HR', 'SALES']);
  const archive = set!.archives[0]!;
  expect(archive).toMatchObject({ name: archiveName, ok: true, encrypted: true, failedFiles: [] });
  const dumps = archive.entries.filter((e) => e.kind === 'dump');
  expect(dumps.map((e) => e.name).sort()).toEqual([...dumpNames].sort());
  for (const d of dumps) expect(d.sha256).toBe(d.expectedSha256);
  expect(archive.entries.some((e) => e.kind === 'manifest')).toBe(true);
  expect(archive.entries.some((e) => e.kind === 'log')).toBe(true);
  expect(result.failedFiles).toEqual([]);
}

describe('mode: verify on a folder', () => {
  it('passes the newest good set: archive SHA-256 and size, every entry, every dump hash', async () => {
    const folder = await copyOfSet();
    const lines: string[] = [];
    const result = await runVerifyMode({
      source: { kind: 'folder', folder },
      archivePassword: ARCHIVE_PASSWORD,
      log: (l) => lines.push(l),
    });
    expectVerified(result);
    expect(result.sets[0]!.archives[0]!.how).toBe('read in place');
    expect(result.destination).toBe(`folder ${folder}`);
    expect(lines.join('\n')).toContain(`verifying ${manifestName}`);
    expect(renderModeSummary(result)).toContain('## ✅ Oracle backup verify: success');
  });

  it('fails for an archive altered by one byte, naming the archive and the damaged dump file', async () => {
    const folder = await copyOfSet();
    const archive = path.join(folder, archiveName);
    const { bytes } = await sha256File(archive);
    flipByte(archive, Math.floor(bytes / 3));
    const result = await runVerifyMode({
      source: { kind: 'folder', folder },
      archivePassword: ARCHIVE_PASSWORD,
    });
    expect(result.status).toBe('failure');
    expect(result.failedFiles[0]).toBe(archiveName);
    expect(result.failedFiles.some((f) => dumpNames.includes(f))).toBe(true);
    expect(result.problems[0]).toMatch(
      new RegExp(
        `^${archiveName.replace(/\./g, '\\.')} is altered: SHA-256 [0-9a-f]{64}, its manifest records [0-9a-f]{64}$`,
      ),
    );
    expect(result.problems.join('\n')).toMatch(
      /is corrupt: (AES authentication code|CRC-32) mismatch|cannot be read/,
    );
    expect(result.statusReason).toContain(archiveName);
    const summary = renderModeSummary(result);
    expect(summary).toContain('## ❌ Oracle backup verify: failure');
    expect(summary).toContain('### Problems');
  });

  it('fails for a truncated archive and for the wrong or a missing archive password', async () => {
    const folder = await copyOfSet();
    const truncated = await copyOfSet();
    await truncate(path.join(truncated, archiveName), 1000);
    const short = await runVerifyMode({
      source: { kind: 'folder', folder: truncated },
      archivePassword: ARCHIVE_PASSWORD,
    });
    expect(short.status).toBe('failure');
    // The listing already shows the wrong size: the set is not good, so there is nothing to verify.
    expect(short.problems[0]).toMatch(
      /no good backup set of dbhost:1521\/ORCLPDB1 .*has 1000 bytes; its manifest records/,
    );

    const wrong = await runVerifyMode({
      source: { kind: 'folder', folder },
      archivePassword: 'not-the-password',
    });
    expect(wrong.status).toBe('failure');
    expect(wrong.problems).toContain(`${archiveName}: wrong archive password`);
    const missing = await runVerifyMode({ source: { kind: 'folder', folder }, archivePassword: '' });
    expect(missing.problems).toEqual([
      `${archiveName} is encrypted (AES-256) and archive-password is not set: its entries cannot be checked`,
    ]);
  });

  it('verifies the newest good set when a newer one is not good (partial), and fails where there is none', async () => {
    const folder = await copyOfSet();
    const manifest = JSON.parse(await readFile(path.join(folder, manifestName), 'utf8'));
    const later = 'oracle-backup_later.zip';
    await writeFile(path.join(folder, later), randomBytes(1000));
    manifest.set = {
      ...manifest.set,
      id: 'later',
      status: 'failure',
      createdAt: new Date(Date.parse(createdAt) + HOUR).toISOString(),
    };
    manifest.archives = [{ name: later, bytes: 1000, sha256: '0'.repeat(64), encrypted: true }];
    await writeFile(path.join(folder, `${later}.manifest.json`), JSON.stringify(manifest));
    const result = await runVerifyMode({
      source: { kind: 'folder', folder },
      archivePassword: ARCHIVE_PASSWORD,
    });
    expect(result.status).toBe('partial');
    expect(result.sets[0]!.manifest).toBe(manifestName);
    expect(result.warnings[0]).toMatch(
      /^the newest set, oracle-backup_later\.zip\.manifest\.json .* is not good \(status failure\)/,
    );

    const empty = await temp('oba-verify-empty-');
    const nothing = await runVerifyMode({ source: { kind: 'folder', folder: empty }, archivePassword: '' });
    expect(nothing).toMatchObject({
      status: 'failure',
      problems: [`no backup set of this action at folder ${empty}`],
    });
  });
});

describe('mode: monitor on a folder (manifests only, destination settings only)', () => {
  it('passes while the newest good backup is younger than max-age, fails once it is older', async () => {
    const folder = await copyOfSet();
    const at = (ms: number) => () => new Date(Date.parse(createdAt) + ms);
    const fresh = await runMonitorMode({
      places: [{ kind: 'folder', folder }],
      maxAgeMs: 26 * HOUR,
      now: at(25 * HOUR),
    });
    expect(fresh.status).toBe('success');
    expect(fresh.destinations[0]!.databases[0]!.newestGood).toMatchObject({
      manifest: manifestName,
      ageMs: 25 * HOUR,
    });

    const stale = await runMonitorMode({
      places: [{ kind: 'folder', folder }],
      maxAgeMs: 26 * HOUR,
      now: at(27 * HOUR),
    });
    expect(stale.status).toBe('failure');
    expect(stale.problems).toEqual([
      `folder ${folder}: the newest good backup of dbhost:1521/ORCLPDB1 is 27h old (${createdAt}, ${manifestName}), more than max-age 26h`,
    ]);
    expect(renderModeSummary(stale)).toContain('## ❌ Oracle backup monitor: failure');
  });

  it('a missing folder is a failure, not an exception', async () => {
    const result = await runMonitorMode({
      places: [{ kind: 'folder', folder: '/nonexistent/oba' }],
      maxAgeMs: HOUR,
    });
    expect(result.status).toBe('failure');
    expect(result.problems).toEqual([
      'folder /nonexistent/oba: cannot be read: folder not found: /nonexistent/oba (ENOENT)',
    ]);
  });
});

// Locally without sshd or root: skipped (as in sftp.test.ts). In CI the suite runs.
const unavailable = sshdUnavailableReason();
describe.skipIf(unavailable !== undefined && !process.env.CI)(
  'verify and monitor over SFTP (OpenSSH sshd)',
  skipMeta(unavailable),
  () => {
    let sshd: TestSshd;

    /** The made set (or a damaged copy) in a folder of the SFTP user. */
    async function remoteSet(
      dir: string,
      damage?: (folder: string) => Promise<void> | void,
    ): Promise<SftpSettings> {
      const folder = path.join(sshd.root, dir);
      await mkdir(folder, { recursive: true });
      await cp(made.shareDir, folder, { recursive: true });
      await damage?.(folder);
      for (const name of ['', ...(await readdir(folder))])
        await chown(path.join(folder, name), sshd.uid, sshd.gid);
      return {
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        // Key login: every startSshd() gives the shared test user a new password (other files run in parallel).
        password: '',
        privateKey: sshd.keys.ed25519,
        passphrase: '',
        fingerprint: sshd.fingerprint,
        dir: folder,
      };
    }

    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    it('passes the good set, downloaded to a private temporary folder that is removed', async () => {
      const settings = await remoteSet('good');
      const tempRoot = await temp('oba-verify-tmp-');
      const result = await runVerifyMode({
        source: { kind: 'sftp', settings },
        archivePassword: ARCHIVE_PASSWORD,
        tempRoot,
      });
      expectVerified(result);
      expect(result.sets[0]!.archives[0]!.how).toBe('downloaded');
      expect(result.destination).toBe(`sftp ${sshd.user}@${sshd.host}:${settings.dir} (port ${sshd.port})`);
      expect(await readdir(tempRoot)).toEqual([]);
    });

    it('fails for an archive altered by one byte, naming the files', async () => {
      const settings = await remoteSet('altered', async (folder) => {
        const { bytes } = await sha256File(path.join(folder, archiveName));
        flipByte(path.join(folder, archiveName), Math.floor(bytes / 2));
      });
      const result = await runVerifyMode({
        source: { kind: 'sftp', settings },
        archivePassword: ARCHIVE_PASSWORD,
      });
      expect(result.status).toBe('failure');
      expect(result.failedFiles[0]).toBe(archiveName);
      expect(result.failedFiles.some((f) => dumpNames.includes(f))).toBe(true);
      expect(result.problems[0]).toMatch(/ is altered: SHA-256 /);
    });

    it('a wrong host key fails verify with the reason, never an exception', async () => {
      const settings = { ...(await remoteSet('hostkey')), fingerprint: `SHA256:${'A'.repeat(43)}` };
      const result = await runVerifyMode({
        source: { kind: 'sftp', settings },
        archivePassword: ARCHIVE_PASSWORD,
      });
      expect(result.status).toBe('failure');
      expect(result.problems[0]).toMatch(/^cannot read sftp .*: .*host key/i);
      expect(JSON.stringify(result)).not.toContain(sshd.keys.ed25519.split('\n')[1]!);
    });

    it('monitor reads the manifests over SFTP with only its credentials', async () => {
      const settings = await remoteSet('monitor');
      const now = () => new Date(Date.parse(createdAt) + HOUR);
      const ok = await runMonitorMode({ places: [{ kind: 'sftp', settings }], maxAgeMs: 26 * HOUR, now });
      expect(ok.status).toBe('success');
      const late = await runMonitorMode({ places: [{ kind: 'sftp', settings }], maxAgeMs: 30 * 60_000, now });
      expect(late.status).toBe('failure');
      expect(late.problems[0]).toMatch(/is 1h old .* more than max-age 30m$/);
    });

    it('downloads with small pipelined requests, hashing what it writes; refuses an existing local file', async () => {
      const settings = await remoteSet('download');
      const local = path.join(await temp('oba-dl-'), archiveName);
      const result = await downloadFromSftp(settings, archiveName, local, {
        chunkSize: 7000,
        concurrency: 3,
      });
      const expected = await sha256File(path.join(settings.dir, archiveName));
      expect(result).toMatchObject({ bytes: expected.bytes, sha256: expected.sha256, attempts: 1 });
      expect(await sha256File(local)).toEqual(expected);
      await expect(downloadFromSftp(settings, archiveName, local)).rejects.toThrow(/cannot create/);
      await expect(downloadFromSftp(settings, 'nope.zip', `${local}.2`)).rejects.toThrow(/not found/);
      await expect(readdir(path.dirname(local))).resolves.toEqual([archiveName]);
    });
  },
);
