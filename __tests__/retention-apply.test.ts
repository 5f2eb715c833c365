import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildManifest, manifestJson } from '../src/manifest.js';
import { applyRetention, type PlaceRetentionResult } from '../src/retention/apply.js';
import { dumpNamePattern, removeLeftoverDumps } from '../src/retention/dumps.js';
import { createFolderPlace } from '../src/retention/folder-place.js';
import type { BackupPlace, PlaceEntry } from '../src/retention/place.js';
import { purgeRunLogs, runLogTime } from '../src/retention/run-logs.js';
import type { SchemaReport } from '../src/run-report.js';
import type { RetentionPolicy } from '../src/settings/retention-settings.js';
import { makeNameTokens } from '../src/settings/names.js';
import type { RunStatus } from '../src/types.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-21T01:30:00.000Z');
const SEED: RetentionPolicy = {
  retentionDays: 10,
  keepMin: 2,
  keepMax: 7,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
};
const TOOL = { name: 'oracle-backup-action', version: '0.1.0' };
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'retention-apply-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let folderCount = 0;
async function freshFolder(name: string): Promise<string> {
  const dir = path.join(root, `${name}-${++folderCount}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

function schema(name: string, dump: { name: string; content: string }): SchemaReport {
  return {
    name,
    outcome: 'success',
    reason: 'exported without errors',
    findings: [],
    jobName: `OBA_${name}`,
    startedAt: NOW.toISOString(),
    durationMs: 1000,
    exitCode: 0,
    dumpFiles: [
      { name: dump.name, path: `/dp/${dump.name}`, bytes: dump.content.length, sha256: sha256(dump.content) },
    ],
    tables: 1,
    rows: 1,
    rowCounts: [],
    skippedTables: [],
    dumpBytes: dump.content.length,
  };
}

interface SetSpec {
  archive: string;
  createdAt: Date;
  status?: RunStatus;
  id?: string;
  /** Content of the archive written; `missing` writes none; `size` writes one of another size than recorded. */
  archiveState?: 'ok' | 'missing' | 'wrong-size' | 'symlink';
  dump?: { name: string; content: string };
}

/** Writes an archive and, beside it, its manifest as the pipeline does (buildManifest + archives filled in). */
async function writeSet(folder: string, spec: SetSpec): Promise<{ id: string; files: string[] }> {
  const content = `zip bytes of ${spec.archive}`;
  const id = spec.id ?? `id-${spec.archive}`;
  const manifest = buildManifest({
    tool: TOOL,
    setId: id,
    createdAt: spec.createdAt.toISOString(),
    runId: '42',
    status: spec.status ?? 'success',
    connectString: 'db:1521/ORCL',
    schemas: spec.dump ? [schema('HR', spec.dump)] : [],
  });
  manifest.archives = [
    { name: spec.archive, bytes: content.length, sha256: sha256(content), encrypted: false },
  ];
  const archivePath = path.join(folder, spec.archive);
  const state = spec.archiveState ?? 'ok';
  if (state === 'ok') await writeFile(archivePath, content);
  if (state === 'wrong-size') await writeFile(archivePath, content.slice(0, -3));
  if (state === 'symlink') await symlink(path.join(folder, 'notes.txt'), archivePath);
  await writeFile(`${archivePath}.manifest.json`, manifestJson(manifest));
  return { id, files: [spec.archive, `${spec.archive}.manifest.json`] };
}

const ago = (days: number): Date => new Date(NOW.getTime() - days * DAY);
const name = (days: number): string => {
  const t = makeNameTokens(ago(days), '');
  return `oracle-backup_${t.date}_${t.time}.zip`;
};

/** Everything in a folder with its content (symlinks as `-> target`), for before/after comparisons. */
async function snapshot(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isSymbolicLink()) out[entry.name] = '-> link';
    else if (entry.isDirectory()) out[entry.name] = `dir: ${(await readdir(full)).join(',')}`;
    else out[entry.name] = sha256(await readFile(full));
  }
  return out;
}

interface Fixture {
  folder: string;
  thisRun: string;
  kept: string[];
  gone: string[];
}

/**
 * A work-dir after months of use: sets of this action of every kind, and things that are not ours with names
 * that look like ours.
 */
async function fixture(): Promise<Fixture> {
  const folder = await freshFolder('work');
  await writeFile(path.join(folder, 'notes.txt'), 'the DBA keeps notes here');
  await writeFile(path.join(folder, 'oracle-backup_2020-01-01_000000.zip'), 'a zip without a manifest');
  await writeFile(path.join(folder, 'HR_2026-01-01_013000.dmp'), 'a dump file');
  await writeFile(path.join(folder, 'other.zip.manifest.json'), '{"format":"someone-else/manifest@1"}');
  await writeFile(path.join(folder, 'broken.zip.manifest.json'), '{ not json');
  await mkdir(path.join(folder, 'old'));
  await writeFile(path.join(folder, 'old', 'oracle-backup_2019-01-01_000000.zip'), 'in a sub-folder');

  const thisRun = await writeSet(folder, { archive: name(0), createdAt: NOW, id: 'this-run' });
  const keep = [
    thisRun,
    await writeSet(folder, { archive: name(1), createdAt: ago(1) }),
    await writeSet(folder, { archive: name(2), createdAt: ago(2) }),
    // Unverified (truncated) but within the age window: kept, not counted as good.
    await writeSet(folder, { archive: name(3), createdAt: ago(3), archiveState: 'wrong-size' }),
    // Written by a runner whose clock was decades ahead.
    await writeSet(folder, {
      archive: 'oracle-backup_2099-01-01_000000.zip',
      createdAt: new Date('2099-01-01'),
    }),
  ];
  const gone = [
    await writeSet(folder, { archive: name(12), createdAt: ago(12) }),
    await writeSet(folder, { archive: name(15), createdAt: ago(15), status: 'failure' }),
    await writeSet(folder, { archive: name(20), createdAt: ago(20), status: 'partial' }),
    await writeSet(folder, { archive: name(30), createdAt: ago(30) }),
  ];
  // Unverified and old: the manifest goes; there is no archive to remove.
  await writeSet(folder, { archive: name(25), createdAt: ago(25), archiveState: 'missing' });
  // An "archive" that is a symbolic link: its manifest goes, the link is never touched.
  await writeSet(folder, { archive: name(51), createdAt: ago(51), archiveState: 'symlink' });
  return {
    folder,
    thisRun: thisRun.id,
    kept: [
      ...keep.flatMap((s) => s.files),
      'notes.txt',
      'oracle-backup_2020-01-01_000000.zip',
      'HR_2026-01-01_013000.dmp',
      'other.zip.manifest.json',
      'broken.zip.manifest.json',
      'old',
      name(51),
    ].sort(),
    gone: [...gone.flatMap((s) => s.files), `${name(25)}.manifest.json`, `${name(51)}.manifest.json`].sort(),
  };
}

const options = (fx: Fixture, extra: Partial<Parameters<typeof applyRetention>[2]> = {}) => ({
  now: NOW,
  dryRun: false,
  runProducedGoodBackup: true,
  thisRunSetIds: [fx.thisRun],
  database: 'DB:1521/orcl', // the manifests say db:1521/ORCL: the same database
  ...extra,
});

const plan = (r: PlaceRetentionResult) =>
  r.sets.map((s) => ({ manifest: s.manifest, action: s.action, reasons: s.reasons }));

describe('applyRetention on a real folder', () => {
  it('after a successful run removes exactly the expected sets, whole, and nothing else', async () => {
    const fx = await fixture();
    const before = await snapshot(fx.folder);
    const result = await applyRetention(createFolderPlace(fx.folder, 'local'), SEED, options(fx));

    const after = await snapshot(fx.folder);
    expect(Object.keys(after).sort()).toEqual(fx.kept);
    for (const file of fx.kept) expect(after[file]).toBe(before[file]);
    expect(Object.keys(before).sort()).toEqual([...fx.kept, ...fx.gone].sort());
    expect((await lstat(path.join(fx.folder, name(51)))).isSymbolicLink()).toBe(true);

    expect(result.warnings).toEqual([]);
    expect(result.blocked).toBeUndefined();
    expect(result.setsKept).toBe(5);
    expect(result.setsDeleted).toBe(6);
    expect(result.setsFailed).toBe(0);
    expect(result.newestKept?.createdAt).toBe('2099-01-01T00:00:00.000Z');
    expect(result.oldestKept?.createdAt).toBe(ago(3).toISOString());
    expect(result.ignored).toEqual([
      { name: 'broken.zip.manifest.json', reason: 'not JSON' },
      {
        name: 'other.zip.manifest.json',
        reason: 'not a manifest of this action (format is not oracle-backup-action/manifest@1)',
      },
    ]);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatch(
      /^oracle-backup_2099-01-01_000000\.zip\.manifest\.json: set .* is dated 2099/,
    );
    expect(
      result.sets.map((s) => `${s.createdAt.slice(0, 10)} ${s.outcome}: ${s.reasons.join('; ')}`),
    ).toEqual([
      '2099-01-01 kept: dated in the future (2099-01-01T00:00:00.000Z); kept and not counted until the clock passes it',
      '2026-11-21 kept: written by this run; newest 2 good backups',
      '2026-11-20 kept: newest 2 good backups',
      '2026-11-19 kept: within 10 days',
      '2026-11-18 kept: within 10 days',
      '2026-11-09 deleted: older than 10 days',
      '2026-11-06 deleted: older than 10 days',
      '2026-11-01 deleted: older than 10 days',
      '2026-10-27 deleted: older than 10 days',
      '2026-10-22 deleted: older than 10 days',
      '2026-10-01 deleted: older than 10 days',
    ]);
    const unverified = result.sets.find((s) => s.createdAt === ago(3).toISOString());
    expect(unverified?.verified).toBe(false);
    expect(unverified?.problems[0]).toMatch(/^archive .* has \d+ bytes; its manifest records \d+$/);
    expect(result.sets.find((s) => s.createdAt === ago(25).toISOString())?.problems).toEqual([
      `archive ${name(25)} is missing`,
    ]);
  });

  it('reports the bytes it freed: the files removed, nothing more', async () => {
    const fx = await fixture();
    const sizes = new Map<string, number>();
    for (const f of fx.gone) sizes.set(f, (await lstat(path.join(fx.folder, f))).size);
    const result = await applyRetention(createFolderPlace(fx.folder, 'local'), SEED, options(fx));
    expect(result.bytesFreed).toBe([...sizes.values()].reduce((a, b) => a + b, 0));
  });

  it('after a failed run removes nothing at all, and says why', async () => {
    const fx = await fixture();
    const before = await snapshot(fx.folder);
    const result = await applyRetention(
      createFolderPlace(fx.folder, 'local'),
      SEED,
      options(fx, { runProducedGoodBackup: false, thisRunSetIds: [] }),
    );
    expect(await snapshot(fx.folder)).toEqual(before);
    expect(result.blocked).toBe('this run produced no good backup, so nothing is deleted');
    expect(result.setsDeleted).toBe(0);
    expect(result.bytesFreed).toBe(0);
    expect(result.sets.every((s) => s.outcome === 'kept')).toBe(true);
  });

  it("removes nothing at a place where this run's backup is not (its copy failed)", async () => {
    const fx = await fixture();
    const before = await snapshot(fx.folder);
    const result = await applyRetention(createFolderPlace(fx.folder, 'copy-to'), SEED, {
      ...options(fx),
      thisRunSetIds: ['a-set-that-is-not-here'],
    });
    expect(await snapshot(fx.folder)).toEqual(before);
    expect(result.blocked).toBe(
      'no backup of this run is verified at this place, so nothing is deleted here',
    );
  });

  it('a dry run deletes nothing and reports the same plan as the real run', async () => {
    const dry = await fixture();
    const before = await snapshot(dry.folder);
    const planned = await applyRetention(
      createFolderPlace(dry.folder, 'local'),
      SEED,
      options(dry, { dryRun: true }),
    );
    expect(await snapshot(dry.folder)).toEqual(before);

    const real = await fixture();
    const done = await applyRetention(createFolderPlace(real.folder, 'local'), SEED, options(real));
    const strip = (p: ReturnType<typeof plan>) =>
      p.map(({ manifest, ...rest }) => ({ ...rest, manifest: manifest.length }));
    expect(strip(plan(planned))).toEqual(strip(plan(done)));
    expect(planned.dryRun).toBe(true);
    expect(planned.sets.filter((s) => s.action === 'delete').every((s) => s.outcome === 'planned')).toBe(
      true,
    );
    expect([planned.setsKept, planned.setsDeleted, planned.bytesFreed]).toEqual([
      done.setsKept,
      done.setsDeleted,
      done.bytesFreed,
    ]);
  });

  it('labels the place by kind', () => {
    expect(createFolderPlace('/backups', 'local').label).toBe('work-dir /backups');
    expect(createFolderPlace('//nas/oracle', 'copy-to').label).toBe('folder //nas/oracle');
  });
});

// ---- place doubles ----------------------------------------------------------------------------------------

interface MemoryFile {
  content: string;
  isFile?: boolean;
  modifiedMs?: number;
}

/** An in-memory place that records every call and can be told to fail. */
function memoryPlace(
  files: Map<string, MemoryFile>,
  fail: { remove?: (name: string) => boolean; read?: (name: string) => boolean; list?: boolean } = {},
) {
  const calls: string[] = [];
  const place: BackupPlace = {
    label: 'memory',
    kind: 'sftp',
    async list(): Promise<PlaceEntry[]> {
      calls.push('list');
      if (fail.list) throw new Error('connection reset');
      return [...files].map(([n, f]) => ({
        name: n,
        bytes: Buffer.byteLength(f.content),
        modifiedMs: f.modifiedMs ?? 0,
        isFile: f.isFile ?? true,
      }));
    },
    async readText(n: string): Promise<string> {
      calls.push(`read ${n}`);
      if (fail.read?.(n)) throw new Error('permission denied');
      const f = files.get(n);
      if (!f) throw new Error('no such file');
      return f.content;
    },
    async remove(n: string): Promise<void> {
      calls.push(`remove ${n}`);
      if (fail.remove?.(n)) throw new Error('operation not permitted');
      files.delete(n);
    },
  };
  return { place, calls, files };
}

/** Archives and manifest of one set, as a place would hold them. */
function memorySet(
  files: Map<string, MemoryFile>,
  spec: { archives: string[]; createdAt: Date; id: string; status?: RunStatus; sizes?: number[] },
): void {
  const manifest = buildManifest({
    tool: TOOL,
    setId: spec.id,
    createdAt: spec.createdAt.toISOString(),
    runId: '1',
    status: spec.status ?? 'success',
    connectString: 'db/ORCL',
    schemas: [],
  });
  manifest.archives = spec.archives.map((a, i) => {
    const content = `content of ${a}`;
    files.set(a, { content: spec.sizes?.[i] === undefined ? content : 'x'.repeat(spec.sizes[i]!) });
    return { name: a, bytes: Buffer.byteLength(content), sha256: sha256(content), encrypted: false };
  });
  files.set(`${spec.archives[0]}.manifest.json`, { content: manifestJson(manifest) });
}

describe('applyRetention with place doubles', () => {
  it('removes each set archives first and its manifest last', async () => {
    const files = new Map<string, MemoryFile>();
    memorySet(files, { archives: ['a.zip'], createdAt: NOW, id: 'now' });
    memorySet(files, { archives: ['b.zip'], createdAt: ago(1), id: 'b' });
    memorySet(files, { archives: ['c1.zip', 'c2.zip'], createdAt: ago(20), id: 'c' });
    memorySet(files, { archives: ['d.zip'], createdAt: ago(40), id: 'd' });
    const { place, calls } = memoryPlace(files);
    const result = await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['now'],
    });
    expect(calls.filter((c) => c.startsWith('remove'))).toEqual([
      'remove d.zip',
      'remove d.zip.manifest.json',
      'remove c1.zip',
      'remove c2.zip',
      'remove c1.zip.manifest.json',
    ]);
    expect(result.setsDeleted).toBe(2);
    expect([...files.keys()].sort()).toEqual([
      'a.zip',
      'a.zip.manifest.json',
      'b.zip',
      'b.zip.manifest.json',
    ]);
  });

  it('a delete that fails becomes a warning; the manifest of that set stays so the next run retries', async () => {
    const files = new Map<string, MemoryFile>();
    memorySet(files, { archives: ['a.zip'], createdAt: NOW, id: 'now' });
    memorySet(files, { archives: ['b.zip'], createdAt: ago(1), id: 'b' });
    memorySet(files, { archives: ['c.zip'], createdAt: ago(20), id: 'c' });
    memorySet(files, { archives: ['d.zip'], createdAt: ago(30), id: 'd' });
    memorySet(files, { archives: ['e.zip'], createdAt: ago(40), id: 'e' });
    const { place } = memoryPlace(files, {
      remove: (n) => n === 'c.zip' || n === 'e.zip.manifest.json',
    });
    const result = await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['now'],
    });
    expect(result.warnings).toEqual([
      'retention at memory: could not delete e.zip.manifest.json of set e: operation not permitted; the next run tries again',
      'retention at memory: could not delete c.zip of set c (older than 10 days): operation not permitted; ' +
        'its manifest is kept, the next run tries again',
    ]);
    expect(files.has('c.zip.manifest.json')).toBe(true);
    expect(files.has('d.zip')).toBe(false);
    expect(result.sets.map((s) => `${s.id} ${s.outcome}`)).toEqual([
      'now kept',
      'b kept',
      'c failed',
      'd deleted',
      'e failed',
    ]);
    expect([result.setsKept, result.setsDeleted, result.setsFailed]).toEqual([2, 1, 2]);
  });

  it('a place that cannot be listed is a warning and nothing is deleted', async () => {
    const { place, calls } = memoryPlace(new Map(), { list: true });
    const result = await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: [],
    });
    expect(result.warnings).toEqual(['retention at memory: cannot list it: connection reset']);
    expect(result.blocked).toBe('memory could not be listed, so nothing is deleted here');
    expect(calls).toEqual(['list']);
  });

  it('a manifest that cannot be read is a warning, and its archive is left alone', async () => {
    const files = new Map<string, MemoryFile>();
    memorySet(files, { archives: ['a.zip'], createdAt: NOW, id: 'now' });
    memorySet(files, { archives: ['b.zip'], createdAt: ago(1), id: 'b' });
    memorySet(files, { archives: ['c.zip'], createdAt: ago(30), id: 'c' });
    memorySet(files, { archives: ['d.zip'], createdAt: ago(30), id: 'd' });
    // An old set that also claims c.zip: c.zip stays, since its own manifest could not be read.
    memorySet(files, { archives: ['e.zip', 'c.zip'], createdAt: ago(30), id: 'e' });
    const { place } = memoryPlace(files, { read: (n) => n === 'c.zip.manifest.json' });
    const result = await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['now'],
    });
    expect(result.warnings).toEqual([
      'retention at memory: cannot read c.zip.manifest.json (left alone): permission denied',
    ]);
    expect([...files.keys()].sort()).toEqual([
      'a.zip',
      'a.zip.manifest.json',
      'b.zip',
      'b.zip.manifest.json',
      'c.zip',
      'c.zip.manifest.json',
    ]);
  });

  it('never removes an archive that a kept set names too', async () => {
    const files = new Map<string, MemoryFile>();
    memorySet(files, { archives: ['a.zip'], createdAt: NOW, id: 'now' });
    memorySet(files, { archives: ['b.zip'], createdAt: ago(1), id: 'b' });
    // An old manifest (named after its own archive) that also claims b.zip.
    memorySet(files, { archives: ['old.zip', 'b.zip'], createdAt: ago(30), id: 'old' });
    const { place, calls } = memoryPlace(files);
    await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['now'],
    });
    expect(calls.filter((c) => c.startsWith('remove'))).toEqual([
      'remove old.zip',
      'remove old.zip.manifest.json',
    ]);
  });

  it('does not recognise manifests that name other files or are not named after their archive', async () => {
    const files = new Map<string, MemoryFile>();
    memorySet(files, { archives: ['a.zip'], createdAt: NOW, id: 'now' });
    memorySet(files, { archives: ['b.zip'], createdAt: ago(1), id: 'b' });
    const forged = (archives: unknown[]) =>
      manifestJson({
        ...buildManifest({
          tool: TOOL,
          setId: 'x',
          createdAt: ago(40).toISOString(),
          runId: '1',
          status: 'success',
          connectString: 'd',
          schemas: [],
        }),
        archives: archives as never,
      });
    files.set('notes.txt', { content: 'notes' });
    files.set('notes.txt.manifest.json', { content: forged([{ name: 'notes.txt', bytes: 5 }]) });
    files.set('x.zip.manifest.json', { content: forged([{ name: '../x.zip', bytes: 5 }]) });
    files.set('y.zip.manifest.json', { content: forged([{ name: 'z.zip', bytes: 5 }]) });
    files.set('z.zip', { content: 'zzzzz' });
    files.set('w.zip.manifest.json', { content: forged([]) });
    const bad = JSON.parse(forged([{ name: 'v.zip', bytes: 5 }])) as { set: { createdAt: string } };
    bad.set.createdAt = 'yesterday';
    files.set('v.zip.manifest.json', { content: JSON.stringify(bad) });
    files.set('v.zip', { content: 'vvvvv' });
    const { place, calls } = memoryPlace(files);
    const result = await applyRetention(place, SEED, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['now'],
    });
    expect(calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(result.ignored).toEqual([
      { name: 'notes.txt.manifest.json', reason: 'archive name "notes.txt" is not a plain .zip file name' },
      { name: 'v.zip.manifest.json', reason: 'set.createdAt is not a valid date and time' },
      { name: 'w.zip.manifest.json', reason: 'no archives listed' },
      { name: 'x.zip.manifest.json', reason: 'archive name "../x.zip" is not a plain .zip file name' },
      {
        name: 'y.zip.manifest.json',
        reason: 'its file name is not <archive>.manifest.json for an archive it lists',
      },
    ]);
  });
});

// ---- properties over random places ------------------------------------------------------------------------

const FOREIGN = [
  'notes.txt',
  'oracle-backup_2020-01-01_000000.zip',
  'oracle-backup_2021-05-05_010101.zip',
  'HR_2026-11-01_013000.dmp',
  'readme.md',
  'oracle-backup_2020-01-01_000000.log',
  'unrelated.zip.manifest.json',
];

const placeArb = fc.record({
  sets: fc.array(
    fc.record({
      days: fc.integer({ min: -90, max: 90 }),
      status: fc.constantFrom<RunStatus>('success', 'partial', 'failure'),
      archives: fc.integer({ min: 1, max: 3 }),
      damage: fc.constantFrom('none', 'none', 'none', 'missing', 'size'),
    }),
    { maxLength: 40 },
  ),
  foreign: fc.subarray(FOREIGN),
  mtimes: fc.array(fc.integer({ min: 0, max: 2_000_000_000_000 }), { minLength: 1, maxLength: 10 }),
  failing: fc.array(fc.nat(), { maxLength: 4 }),
  dryRun: fc.boolean(),
  runProducedGoodBackup: fc.constantFrom(true, true, false),
  policy: fc.oneof(
    fc.constant(SEED),
    fc.record({
      retentionDays: fc.integer({ min: 0, max: 30 }),
      keepMin: fc.integer({ min: 1, max: 4 }),
      keepMax: fc.constantFrom(0, 4, 6),
      keepDaily: fc.integer({ min: 0, max: 3 }),
      keepWeekly: fc.integer({ min: 0, max: 3 }),
      keepMonthly: fc.integer({ min: 0, max: 2 }),
    }),
  ),
});

type PlaceInput = typeof placeArb extends fc.Arbitrary<infer T> ? T : never;

function buildPlace(input: PlaceInput) {
  const files = new Map<string, MemoryFile>();
  const owned = new Map<string, string[]>(); // manifest → archives
  input.sets.forEach((s, i) => {
    const archives = Array.from({ length: s.archives }, (_, k) => `oracle-backup_set${i}_part${k}.zip`);
    memorySet(files, {
      archives,
      createdAt: new Date(NOW.getTime() - s.days * DAY),
      id: `s${i}`,
      status: s.status,
    });
    if (s.damage === 'missing') files.delete(archives[0]!);
    if (s.damage === 'size') files.set(archives[0]!, { content: 'truncated' });
    owned.set(`${archives[0]}.manifest.json`, archives);
  });
  for (const f of input.foreign) files.set(f, { content: `foreign ${f}` });
  [...files.values()].forEach((f, i) => (f.modifiedMs = input.mtimes[i % input.mtimes.length]));
  const names = [...files.keys()].sort();
  const failing = new Set(input.failing.map((n) => names[n % Math.max(1, names.length)]));
  const thisRun = input.sets.length > 0 && input.runProducedGoodBackup ? [`s${input.sets.length - 1}`] : [];
  return { files, owned, failing, thisRun };
}

describe('applyRetention: properties over random places', () => {
  it('never removes a file it did not write, removes manifests last and only after their archives', async () => {
    await fc.assert(
      fc.asyncProperty(placeArb, async (input) => {
        const { files, owned, failing, thisRun } = buildPlace(input);
        const foreign = new Set(input.foreign);
        const { place, calls } = memoryPlace(files, { remove: (n) => failing.has(n) });
        const result = await applyRetention(place, input.policy, {
          now: NOW,
          dryRun: input.dryRun,
          runProducedGoodBackup: input.runProducedGoodBackup,
          thisRunSetIds: thisRun,
        });
        const removes = calls.filter((c) => c.startsWith('remove ')).map((c) => c.slice(7));
        if (input.dryRun || !input.runProducedGoodBackup) expect(removes).toEqual([]);
        for (const n of removes) expect(foreign.has(n)).toBe(false);
        for (const f of input.foreign) expect(files.has(f)).toBe(true);
        for (const [manifest, archives] of owned) {
          const at = removes.indexOf(manifest);
          if (at < 0) continue;
          // The manifest goes last, and only once every archive of the set that was there is gone.
          for (const a of archives) {
            expect(files.has(a)).toBe(false);
            expect(removes.indexOf(a)).toBeLessThan(at);
          }
        }
        // An archive never outlives its manifest through retention.
        for (const [manifest, archives] of owned)
          if (!files.has(manifest)) for (const a of archives) expect(files.has(a)).toBe(false);
        expect(result.warnings.length).toBe(removes.filter((n) => failing.has(n)).length);
        expect(result.setsDeleted + result.setsKept + result.setsFailed).toBe(result.sets.length);
      }),
      { numRuns: 300 },
    );
  });

  it('decides the same whatever the files’ modification times, and a dry run plans what a real run does', async () => {
    await fc.assert(
      fc.asyncProperty(
        placeArb,
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        async (input, mtimes) => {
          const opts = {
            now: NOW,
            runProducedGoodBackup: input.runProducedGoodBackup,
            thisRunSetIds: buildPlace(input).thisRun,
          };
          const real = await applyRetention(memoryPlace(buildPlace(input).files).place, input.policy, {
            ...opts,
            dryRun: false,
          });
          const dry = await applyRetention(
            memoryPlace(buildPlace({ ...input, mtimes }).files).place,
            input.policy,
            {
              ...opts,
              dryRun: true,
            },
          );
          expect(plan(dry)).toEqual(plan(real));
          expect(dry.bytesFreed).toBe(real.bytesFreed);
          expect(dry.setsDeleted).toBe(real.setsDeleted);
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ---- run logs -----------------------------------------------------------------------------------------------

const logName = (days: number, ext = 'log', tag = '', prefix = 'oracle-backup'): string => {
  const t = makeNameTokens(ago(days), '');
  return `${prefix}_${t.date}_${t.time}${tag}.${ext}`;
};

describe('purgeRunLogs', () => {
  async function logDir(): Promise<{ dir: string; old: string[]; kept: string[] }> {
    const dir = await freshFolder('logs');
    const old = [
      logName(31),
      logName(31, 'report.json'),
      logName(60),
      logName(400, 'report.json'),
      // Named per run: the workflow run and attempt, a suffix when the name was taken, or this process outside
      // Actions; verify and monitor runs too.
      logName(45, 'log', '_run4242-1'),
      logName(45, 'report.json', '_run4242-1'),
      logName(45, 'log', '_run4242-1_2'),
      logName(45, 'report.json', '_run4242-1_2'),
      logName(50, 'log', '_local31337-a1b2c3'),
      logName(50, 'report.json', '_local31337-a1b2c3_3'),
      logName(55, 'log', '_run4242-2', 'oracle-backup-verify'),
      logName(55, 'report.json', '_run4242-2', 'oracle-backup-monitor'),
    ];
    const kept = [
      logName(0),
      logName(0, 'report.json'),
      logName(0, 'log', '_run4243-1'),
      logName(29),
      logName(-3), // dated in the future: not old
      'notes.log',
      'HR_2026-01-01_013000.log', // an Oracle log: not a run log
      'oracle-backup_2020-13-45_000000.log', // not a date
      'oracle-backup_2020-01-01_000000.log.bak',
      'oracle-backup_2020-01-01_000000.txt',
      // Names like this action's that it never gives: another tool's, a user's copy, a temporary file.
      logName(45, 'log', '_backup-copy'),
      logName(45, 'log', '_run4242'),
      logName(45, 'log', '_run4242-1_0'),
      logName(45, 'log', '_run4242-1_copy'),
      logName(45, 'log', '_local-a1b2c3'),
      logName(45, 'log', '', 'oracle-backup-restore'),
      logName(45, 'log', '', 'my-oracle-backup'),
      `.${logName(45, 'log', '_run4242-1')}.123-abc.tmp`,
      `${logName(45, 'report.json', '_run4242-1')}.tmp`,
    ];
    for (const f of [...old, ...kept]) await writeFile(path.join(dir, f), `log ${f}`);
    await mkdir(path.join(dir, 'oracle-backup_2020-01-01_000000.log.d'));
    await symlink(path.join(dir, 'notes.log'), path.join(dir, 'oracle-backup_2020-01-02_000000.log'));
    kept.push('oracle-backup_2020-01-01_000000.log.d', 'oracle-backup_2020-01-02_000000.log');
    return { dir, old: old.sort(), kept: kept.sort() };
  }

  it('removes run logs older than log-retention-days by their name, and nothing else', async () => {
    const { dir, old, kept } = await logDir();
    const result = await purgeRunLogs(createFolderPlace(dir, 'local', `log-dir ${dir}`), 30, {
      now: NOW,
      dryRun: false,
      runProducedGoodBackup: true,
    });
    expect((await readdir(dir)).sort()).toEqual(kept);
    expect([...result.removed].sort()).toEqual(old);
    expect(result.kept).toBe(5);
    expect(result.warnings).toEqual([]);
    expect(result.bytesFreed).toBe(old.reduce((sum, f) => sum + `log ${f}`.length, 0));
  });

  it('removes nothing after a failed run, in a dry run, or with log-retention-days 0', async () => {
    for (const [opts, days] of [
      [{ dryRun: false, runProducedGoodBackup: false }, 30],
      [{ dryRun: true, runProducedGoodBackup: true }, 30],
      [{ dryRun: false, runProducedGoodBackup: true }, 0],
    ] as const) {
      const { dir, old, kept } = await logDir();
      const result = await purgeRunLogs(createFolderPlace(dir, 'local'), days, { now: NOW, ...opts });
      expect((await readdir(dir)).sort()).toEqual([...old, ...kept].sort());
      if (opts.dryRun) expect([...result.removed].sort()).toEqual(old);
      else expect(result.removed).toEqual([]);
    }
  });

  it('reads the time from the name in local time and refuses impossible dates', () => {
    expect(runLogTime('oracle-backup_2026-11-21_013000.log')).toEqual(new Date(2026, 10, 21, 1, 30, 0));
    expect(runLogTime('oracle-backup_2026-02-30_013000.log')).toBeUndefined();
    expect(runLogTime('oracle-backup_2026-11-21_246000.report.json')).toBeUndefined();
    expect(runLogTime('oracle-backup_2026-11-21_013000.zip')).toBeUndefined();
    expect(runLogTime('oracle-backup_2026-11-21_013000_run4242-1_2.report.json')).toEqual(
      new Date(2026, 10, 21, 1, 30, 0),
    );
    expect(runLogTime('oracle-backup_2026-02-30_013000_run4242-1.log')).toBeUndefined();
  });
});

// ---- leftover dump files --------------------------------------------------------------------------------------

describe('removeLeftoverDumps', () => {
  it('matches the names a dump-name template gives, with and without %U', () => {
    const re = dumpNamePattern('{schema}_{date}_{time}');
    expect(re.test('HR_2026-11-21_013000.dmp')).toBe(true);
    expect(re.test('HR_2026-11-21_013000_01.dmp')).toBe(true);
    expect(re.test('HR_2026-11-21_013000.zip')).toBe(false);
    expect(re.test('HR_2026-11-21.dmp')).toBe(false);
    expect(dumpNamePattern('exp.{schema}+{weekday}').test('exp.HR+monday.dmp')).toBe(true);
    expect(dumpNamePattern('exp.{schema}+{weekday}').test('expXHR+monday.dmp')).toBe(false);
  });

  async function setup() {
    const work = await freshFolder('work');
    const dumps = await freshFolder('dpdump');
    await writeFile(path.join(work, 'notes.txt'), 'notes');
    const old = { name: 'HR_2026-11-01_013000.dmp', content: 'old dump' };
    const reused = { name: 'HR_2026-11-02_013000.dmp', content: 'archived content' };
    const unverified = { name: 'HR_2026-11-03_013000.dmp', content: 'dump of a lost archive' };
    const mine = { name: 'HR_2026-11-21_013000.dmp', content: 'this run' };
    const oddName = { name: 'hr-export.dmp', content: 'odd name' };
    await writeSet(work, { archive: name(20), createdAt: ago(20), dump: old });
    await writeSet(work, { archive: name(19), createdAt: ago(19), dump: reused });
    await writeSet(work, {
      archive: name(18),
      createdAt: ago(18),
      dump: unverified,
      archiveState: 'missing',
    });
    await writeSet(work, { archive: name(0), createdAt: NOW, dump: mine, id: 'this-run' });
    await writeSet(work, { archive: name(17), createdAt: ago(17), dump: oddName });
    for (const d of [old, unverified, mine, oddName]) await writeFile(path.join(dumps, d.name), d.content);
    // Same name as an archived dump, other content: a newer export that was never archived.
    await writeFile(path.join(dumps, reused.name), 'NEWER content!!!');
    await writeFile(path.join(dumps, 'SALES_2026-11-01_013000.dmp'), 'listed nowhere');
    return { work, dumps, old };
  }

  const run = (
    s: Awaited<ReturnType<typeof setup>>,
    extra: { dryRun?: boolean; runProducedGoodBackup?: boolean } = {},
  ) =>
    removeLeftoverDumps({
      dumpPath: s.dumps,
      workDir: s.work,
      dumpName: '{schema}_{date}_{time}',
      dryRun: false,
      runProducedGoodBackup: true,
      thisRunSetIds: ['this-run'],
      ...extra,
    });

  it('removes only dumps of good earlier sets whose size and SHA-256 match their manifest', async () => {
    const s = await setup();
    const result = await run(s);
    expect(result.warnings).toEqual([]);
    expect(result.removed.map((r) => r.name)).toEqual([s.old.name]);
    expect(result.bytesFreed).toBe(s.old.content.length);
    expect((await readdir(s.dumps)).sort()).toEqual([
      'HR_2026-11-02_013000.dmp',
      'HR_2026-11-03_013000.dmp',
      'HR_2026-11-21_013000.dmp',
      'SALES_2026-11-01_013000.dmp',
      'hr-export.dmp',
    ]);
  });

  it('removes nothing after a failed run or in a dry run', async () => {
    const failed = await setup();
    const before = await snapshot(failed.dumps);
    expect((await run(failed, { runProducedGoodBackup: false })).blocked).toBe(
      'this run produced no good backup, so nothing is deleted',
    );
    expect(await snapshot(failed.dumps)).toEqual(before);

    const dry = await setup();
    const beforeDry = await snapshot(dry.dumps);
    expect((await run(dry, { dryRun: true })).removed.map((r) => r.name)).toEqual([dry.old.name]);
    expect(await snapshot(dry.dumps)).toEqual(beforeDry);
  });
});

// ---- the folder place itself ----------------------------------------------------------------------------------

describe('createFolderPlace', () => {
  it('lists plain files as files, and links and folders as not files, without following links', async () => {
    const dir = await freshFolder('place');
    await writeFile(path.join(dir, 'a.zip'), '12345');
    await mkdir(path.join(dir, 'sub'));
    await symlink(path.join(dir, 'a.zip'), path.join(dir, 'link.zip'));
    const place = createFolderPlace(dir, 'copy-to');
    const listed = (await place.list()).sort((x, y) => x.name.localeCompare(y.name));
    expect(listed.map((e) => [e.name, e.isFile])).toEqual([
      ['a.zip', true],
      ['link.zip', false],
      ['sub', false],
    ]);
    expect(listed[0]?.bytes).toBe(5);
  });

  it('never reads or removes through a link, and refuses names with a folder part', async () => {
    const dir = await freshFolder('place');
    await writeFile(path.join(dir, 'a.zip'), 'target');
    await symlink(path.join(dir, 'a.zip'), path.join(dir, 'link.zip'));
    const place = createFolderPlace(dir, 'copy-to');
    await expect(place.readText('link.zip', 100)).rejects.toThrow();
    await expect(place.remove('link.zip')).rejects.toThrow('is not a plain file; it was left alone');
    await expect(place.remove('../a.zip')).rejects.toThrow('is not a plain file name');
    await expect(place.readText('a.zip', 3)).rejects.toThrow('more than 3');
    expect(await place.readText('a.zip', 100)).toBe('target');
    await place.remove('missing.zip'); // a missing file is not an error
    await place.remove('a.zip');
    expect((await readdir(dir)).sort()).toEqual(['link.zip']);
  });

  it('lists a folder that does not exist as empty', async () => {
    expect(await createFolderPlace(path.join(root, 'nope'), 'copy-to').list()).toEqual([]);
  });
});
