// The one rule every removal goes through (src/deletion.ts), the names it reads (src/temporary-names.ts), and the
// sweep of temporary files that killed runs left (src/sweep.ts).
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { groundFails, localFile, RemovalRefused, removeFile, type Ground } from '../src/deletion.js';
import { createFolderPlace } from '../src/retention/folder-place.js';
import { sweepTemporaries } from '../src/sweep.js';
import {
  exportTagOf,
  finalExportName,
  HOST_ID,
  runTag,
  taggedExportName,
  temporaryName,
  temporaryWriter,
} from '../src/temporary-names.js';

/** A pid no process has: past Linux's pid_max limit. */
const DEAD_PID = 4194305;

describe('names that say who wrote a file', () => {
  it('a temporary name carries its final name, its kind, this host and this process', () => {
    const name = temporaryName('oracle-backup_2026-12-08.zip');
    expect(name).toMatch(/^\.oracle-backup_2026-12-08\.zip\.oba-partial-[0-9a-f]{8}-\d+-[0-9a-f]{8}$/);
    expect(temporaryWriter(name)).toEqual({
      finalName: 'oracle-backup_2026-12-08.zip',
      kind: 'partial',
      host: HOST_ID,
      pid: process.pid,
    });
    expect(temporaryWriter(temporaryName('HR.dmp', 'ahead'))?.kind).toBe('ahead');
    for (const other of ['.HR.zip.partial-0123456789ab', 'HR.zip', '.x.oba-partial-zz-1-00000000'])
      expect(temporaryWriter(other), other).toBeUndefined();
  });

  it('an export name carries the run tag until it is kept; %U templates too', () => {
    const tag = runTag('4242', '2');
    expect(tag).toMatch(/^4242-2-[0-9a-f]{6}$/);
    expect(runTag('4242', '2')).not.toBe(tag); // two steps or matrix jobs of one attempt differ
    const dump = taggedExportName('HR_2026-12-08_013000.dmp', tag);
    expect(dump).toBe(`HR_2026-12-08_013000.oba-${tag}.dmp`);
    expect(exportTagOf(dump)).toBe(tag);
    expect(finalExportName(dump)).toBe('HR_2026-12-08_013000.dmp');
    const set = taggedExportName('HR_%U.dmp', tag).replace('%U', '07');
    expect(finalExportName(set)).toBe('HR_07.dmp');
    expect(exportTagOf('HR_2026-12-08_013000.dmp')).toBeUndefined();
    expect(finalExportName('HR.dmp')).toBe('HR.dmp');
  });
});

describe('the rule', () => {
  const tag = runTag('7', '1');
  const cases: Array<[string, string, Ground, boolean]> = [
    ['own temporary', temporaryName('a.zip'), { kind: 'own-temporary' }, true],
    [
      'another process’s temporary',
      `.a.zip.oba-partial-${HOST_ID}-1-00000000`,
      { kind: 'own-temporary' },
      false,
    ],
    ['own export', taggedExportName('HR.dmp', tag), { kind: 'own-export', runTag: tag }, true],
    [
      'another run’s export',
      taggedExportName('HR.dmp', runTag('7', '1')),
      { kind: 'own-export', runTag: tag },
      false,
    ],
    ['a final dump name', 'HR.dmp', { kind: 'own-export', runTag: tag }, false],
    [
      'a dead writer’s temporary',
      `.a.zip.oba-partial-${HOST_ID}-${DEAD_PID}-00000000`,
      { kind: 'orphaned-temporary' },
      true,
    ],
    [
      'a live writer’s temporary',
      `.a.zip.oba-partial-${HOST_ID}-${process.pid}-00000000`,
      { kind: 'orphaned-temporary' },
      false,
    ],
    [
      'another host’s temporary',
      `.a.zip.oba-partial-00000000-${DEAD_PID}-00000000`,
      { kind: 'orphaned-temporary' },
      false,
    ],
    ['not a temporary at all', 'a.zip', { kind: 'orphaned-temporary' }, false],
    [
      'an earlier version’s partial archive',
      '.a.zip.partial-0a1b2c3d',
      { kind: 'legacy-temporary', workDirLockHeld: true },
      true,
    ],
    ['a user’s hidden file', '.notes.partial', { kind: 'legacy-temporary', workDirLockHeld: true }, false],
    [
      'a set superseded for every schema',
      'a.zip',
      { kind: 'superseded', setId: 's1', schemas: ['HR', 'APP'], keptNewer: { HR: 's2', APP: 's3' } },
      true,
    ],
    [
      'a set one schema of which has no newer backup',
      'a.zip',
      { kind: 'superseded', setId: 's1', schemas: ['HR', 'APP'], keptNewer: { HR: 's2' } },
      false,
    ],
    ['a run log past its retention', 'x.log', { kind: 'expired-log', days: 30 }, true],
    ['a run log without an age limit', 'x.log', { kind: 'expired-log', days: 0 }, false],
    ['a dump proven archived', 'HR.dmp', { kind: 'archived', setId: 's1', sha256: 'a'.repeat(64) }, true],
    ['a dump without a hash', 'HR.dmp', { kind: 'archived', setId: 's1', sha256: '' }, false],
  ];
  it.each(cases)('%s', (_what, name, ground, allowed) => {
    expect(groundFails(name, ground) === undefined).toBe(allowed);
  });

  it('refuses with an error naming the file, and removes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-deletion-'));
    await writeFile(path.join(dir, 'HR.dmp'), 'a good dump');
    const refused = removeFile(localFile(path.join(dir, 'HR.dmp')), { kind: 'own-export', runTag: tag });
    await expect(refused).rejects.toBeInstanceOf(RemovalRefused);
    await expect(refused).rejects.toThrow(
      `HR.dmp in ${dir} was kept: its name does not carry run tag ${tag}`,
    );
    expect(await readdir(dir)).toEqual(['HR.dmp']);
  });

  it('a claimed name goes only while it is still the empty file this run created', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-deletion-'));
    await writeFile(path.join(dir, 'claimed.log'), '');
    await writeFile(path.join(dir, 'written.log'), 'someone wrote here');
    await removeFile(localFile(path.join(dir, 'claimed.log')), { kind: 'own-claim' });
    await expect(removeFile(localFile(path.join(dir, 'written.log')), { kind: 'own-claim' })).rejects.toThrow(
      /no longer the empty file/,
    );
    expect(await readdir(dir)).toEqual(['written.log']);
  });
});

describe('the sweep of temporary files', () => {
  it('removes those of dead writers on this host, names the others it leaves, and touches nothing else', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-sweep-'));
    const dead = `.a.zip.oba-partial-${HOST_ID}-${DEAD_PID}-00000000`;
    const alive = `.b.zip.oba-partial-${HOST_ID}-${process.pid}-00000000`;
    const remote = `.c.zip.oba-partial-00000000-${DEAD_PID}-00000000`;
    const legacy = '.d.zip.partial-0a1b2c3d';
    const others = ['a.zip', 'a.zip.manifest.json', '.notes.partial', '.e.zip.partial-0123456789ab'];
    for (const name of [dead, alive, remote, legacy, ...others]) await writeFile(path.join(dir, name), 'x');

    const result = await sweepTemporaries(createFolderPlace(dir, 'copy-to'));
    expect(result.removed).toEqual([dead]);
    expect(result.kept.map((k) => k.name).sort()).toEqual([alive, remote].sort());
    expect(result.kept.find((k) => k.name === remote)?.why).toMatch(/another host/);
    expect((await readdir(dir)).sort()).toEqual([alive, remote, legacy, ...others].sort());

    // In work-dir, under its lock, the writer-less names of earlier versions are leftovers too.
    const locked = await sweepTemporaries(createFolderPlace(dir, 'local'), { workDirLockHeld: true });
    expect(locked.removed).toEqual([legacy]);
    expect((await readdir(dir)).sort()).toEqual([alive, remote, ...others].sort());
  });
});
