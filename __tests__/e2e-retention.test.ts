// Retention end to end: folders pre-filled with old sets of this action, foreign look-alikes, a failed set and a
// set dated in the future; the bundled action then runs for real. Exactly the expected sets go, and nothing at all
// goes after a failed run.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBackupSet } from './helpers/backup-sets.js';
import { run, scenario } from './helpers/scenario.js';

const DAY = 86_400_000;

/** Old good sets aged 1.5 … 12.5 days, a recent and an old failed set, a future set and foreign files. */
async function prefill(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const now = Date.now();
  for (const age of [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 8.5, 9.5, 11.5, 12.5]) {
    await writeBackupSet(dir, `good-${age}d.zip`, new Date(now - age * DAY), 'success');
  }
  await writeBackupSet(dir, 'failed-3d.zip', new Date(now - 3 * DAY), 'failure');
  await writeBackupSet(dir, 'failed-15d.zip', new Date(now - 15 * DAY), 'failure');
  await writeBackupSet(dir, 'future-30d.zip', new Date(now + 30 * DAY), 'success');
  // Look-alikes this action did not write: never touched, whatever their names.
  await writeFile(path.join(dir, 'oracle-backup_2020-01-01_000000.zip'), 'not ours');
  await writeFile(path.join(dir, 'notes.txt'), 'a DBA note');
}

const EXPECTED_GONE = [
  'good-8.5d.zip',
  'good-9.5d.zip',
  'good-11.5d.zip',
  'good-12.5d.zip',
  'failed-15d.zip',
];

/** The backup files in a folder (not the run's own logs folder, not hidden lock or temporary files). */
async function remaining(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.') && n !== 'logs').sort();
}

describe('retention end to end (default policy: 10 days, keep-min 2, keep-max 7)', () => {
  it('after a good run removes exactly the expired sets, whole, in the work dir and the folder copy', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { 'archive-password': '' },
    );
    await prefill(s.workDir);
    await prefill(s.shareDir);
    const before = await remaining(s.shareDir);
    const result = await run(s);
    expect(result.outputs.status).toBe('success');
    const newArchive = path.basename(result.outputs.archives!);
    for (const dir of [s.workDir, s.shareDir]) {
      const after = await remaining(dir);
      const gone = before.filter((n) => !after.includes(n));
      expect(gone.sort()).toEqual(EXPECTED_GONE.flatMap((n) => [n, `${n}.manifest.json`]).sort());
      expect(after).toContain('oracle-backup_2020-01-01_000000.zip');
      expect(after).toContain('notes.txt');
      expect(after).toContain('future-30d.zip');
      expect(after).toContain(newArchive);
    }
    expect(result.summary).toContain('### Retention');
    expect(result.summary).toMatch(/over the maximum of 7/);
    expect(result.summary).toMatch(/older than 10 days/);
  });

  it('after a failed run deletes nothing anywhere and says why', async () => {
    const s = await scenario({ HR: { behavior: 'directory-invalid' } });
    await prefill(s.workDir);
    await prefill(s.shareDir);
    const before = [await remaining(s.workDir), await remaining(s.shareDir)];
    const result = await run(s);
    expect(result.outputs.status).toBe('failure');
    expect([await remaining(s.workDir), await remaining(s.shareDir)]).toEqual(before);
    expect(result.summary).toContain('this run produced no good backup, so nothing is deleted');
  });

  it('a dry run shows what it would delete and deletes nothing', async () => {
    const s = await scenario({ HR: { behavior: 'success' } }, { 'dry-run': 'true' });
    await prefill(s.workDir);
    const before = await remaining(s.workDir);
    const result = await run(s);
    expect(result.outputs.status).toBe('success');
    expect(await remaining(s.workDir)).toEqual(before);
    expect(result.summary).toContain('Would delete');
    expect(result.summary).toContain('good-12.5d.zip');
  });

  it('keeps fewer sets where an override says so (copy-to keep-max 3)', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { 'archive-password': '', 'retention-overrides': 'copy-to: {keep-max: 3}' },
    );
    await prefill(s.shareDir);
    await run(s);
    const kept = (await remaining(s.shareDir)).filter((n) => n.startsWith('good-') && n.endsWith('.zip'));
    expect(kept).toEqual(['good-1.5d.zip', 'good-2.5d.zip']);
  });
});
