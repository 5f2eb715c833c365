// SFTP end to end: the bundled action uploads to OpenSSH's sshd, verified, and applies retention there; a wrong
// host key makes the run partial while the other copies still count.
import { readdir, readFile, writeFile, chown } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBackupSet } from './helpers/backup-sets.js';
import { sshdUnavailableReason, startSshd, type TestSshd } from './helpers/sshd.js';
import { ARCHIVE_PASSWORD, PASSWORD, run, scenario, sha256 } from './helpers/scenario.js';
import { skipMeta } from './helpers/skip-reasons.js';

const unavailable = sshdUnavailableReason();
const DAY = 86_400_000;

/** An old set of this action, as retention recognises it (archive + manifest), owned by the SFTP user. */
async function writeOldSet(dir: string, name: string, ageDays: number, sshd: TestSshd): Promise<void> {
  await writeBackupSet(dir, name, new Date(Date.now() - ageDays * DAY), 'success', {
    owner: { uid: sshd.uid, gid: sshd.gid },
  });
}

// Locally without sshd or root this is skipped with the reason; in CI (root, sshd installed by .ci/run) it runs.
describe.skipIf(unavailable !== undefined && !process.env.CI)(
  'SFTP destination of the bundled action',
  skipMeta(unavailable),
  () => {
    let sshd: TestSshd;
    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    function sftpInputs(extra: Record<string, string> = {}): Record<string, string> {
      return {
        'sftp-host': sshd.host,
        'sftp-port': String(sshd.port),
        'sftp-username': sshd.user,
        'sftp-private-key': sshd.keys.ed25519,
        'sftp-fingerprint': sshd.fingerprint,
        'sftp-dir': path.join(sshd.root, 'oracle', 'nightly'),
        ...extra,
      };
    }

    it('uploads the archive and manifest, verified on the server, and applies retention there', async () => {
      const remote = path.join(sshd.root, 'oracle', 'nightly');
      const s = await scenario({ HR: { behavior: 'success', tables: 3, bytes: 512 * 1024 } }, sftpInputs());
      // The remote folder holds old sets and a foreign file before the run.
      await import('node:fs/promises').then((fs) => fs.mkdir(remote, { recursive: true }));
      await chown(path.dirname(remote), sshd.uid, sshd.gid);
      await chown(remote, sshd.uid, sshd.gid);
      for (const age of [1.5, 2.5, 11.5]) await writeOldSet(remote, `old-${age}d.zip`, age, sshd);
      await writeFile(path.join(remote, 'notes.txt'), 'not ours');

      const result = await run(s);
      expect(result.outputs.status).toBe('success');
      const name = path.basename(result.outputs.archives!);
      expect(await sha256(path.join(remote, name))).toBe(result.outputs['archive-sha256']);
      const beside = JSON.parse(await readFile(path.join(remote, `${name}.manifest.json`), 'utf8'));
      expect(beside.archives[0].sha256).toBe(result.outputs['archive-sha256']);
      const files = await readdir(remote);
      expect(files.filter((f) => f.includes('partial') || f.startsWith('.'))).toEqual([]);
      // Retention on the SFTP folder: the set older than 10 days is gone, the rest and the foreign file stay.
      expect(files.sort()).toEqual(
        [
          name,
          `${name}.manifest.json`,
          'notes.txt',
          'old-1.5d.zip',
          'old-1.5d.zip.manifest.json',
          'old-2.5d.zip',
          'old-2.5d.zip.manifest.json',
        ].sort(),
      );
      expect(result.summary).toMatch(/\| SFTP `.*nightly.*` \| ✅ copied \| SHA-256 computed on the server/);
      // The bytes went through OpenSSH's client (installed beside sshd), and the report says so.
      const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
      const sftpCopy = report.archives[0].destinations.find((d: { kind: string }) => d.kind === 'sftp');
      expect(sftpCopy.transfer).toMatch(/^OpenSSH \(OpenSSH_\d+\.\d+\S*, ssh -s sftp\)$/);
      expect(result.summary).toMatch(/\| \d+(\.\d)? [KMG]?i?B\/s \|/);
      for (const secret of [
        PASSWORD,
        ARCHIVE_PASSWORD,
        ...sshd.keys.ed25519.split('\n').filter((l) => l.length > 20),
      ]) {
        expect(result.summary).not.toContain(secret);
        expect(
          result.stdout
            .split('\n')
            .filter((l) => !l.startsWith('::add-mask::'))
            .join('\n'),
        ).not.toContain(secret);
      }
    });

    it('refuses a wrong host key, says which key the server has, and makes the run partial', async () => {
      const wrong = 'SHA256:' + 'A'.repeat(43);
      const s = await scenario(
        { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
        sftpInputs({ 'sftp-fingerprint': wrong }),
      );
      const result = await run(s);
      expect(result.outputs.status).toBe('partial');
      expect(result.summary).toContain('host key mismatch');
      expect(result.summary).toContain(sshd.fingerprint);
      // The folder copy still counts.
      expect(await sha256(path.join(s.shareDir, path.basename(result.outputs.archives!)))).toBe(
        result.outputs['archive-sha256'],
      );
    });
  },
);
