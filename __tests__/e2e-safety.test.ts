// What the action never loses, end to end: the bundled dist/ against the simulated Oracle, with faults injected
// (a failed rerun under a reused dump name, SIGINT after an export finished, partial runs after a clean one,
// kill -9 during a copy, a full work-dir when the manifest is written). Each test checks that no good data is lost,
// that the status is never `success` when something failed, and that the run says what it kept where.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPost, startAction } from './helpers/action-process.js';
import { NODE24 } from './helpers/run-action.js';
import { PASSWORD, run, scenario, sha256, type Scenario } from './helpers/scenario.js';
import { writeSimConfig, type SimConfig } from './oracle-sim/sim.js';
import { TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The simulator's configuration again, with other schema behaviours (the next run sees them). */
function resimulate(s: Scenario, schemas: SimConfig['schemas']): void {
  writeSimConfig(s.root, {
    directories: { DATA_PUMP_DIR: s.dumpDir },
    users: { BACKUP: PASSWORD },
    record: s.record,
    schemas,
  });
}

const names = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();
const zips = async (dir: string) => (await names(dir)).filter((n) => n.endsWith('.zip'));
const manifests = async (dir: string) => (await names(dir)).filter((n) => n.endsWith('.manifest.json'));
const hidden = async (dir: string) => (await names(dir)).filter((n) => n.startsWith('.'));

/** Every archive at `dir` has its manifest beside it. */
async function expectNoOrphanArchive(dir: string): Promise<void> {
  const all = await names(dir);
  for (const zip of all.filter((n) => n.endsWith('.zip'))) expect(all, dir).toContain(`${zip}.manifest.json`);
}

describe('a dump name that repeats (dump-name: {schema}, keep-dumps: true)', () => {
  it('a failed rerun leaves the kept dump of the run before; the next good run replaces it, and only then', async () => {
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 512 * 1024 } },
      { 'dump-name': '{schema}', 'keep-dumps': 'true', 'archive-password': '' },
    );
    const first = await run(s, NODE24);
    expect(first.outputs.status).toBe('success');
    const kept = path.join(s.dumpDir, 'HORIZONTE.dmp');
    const firstHash = await sha256(kept);
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual(['HORIZONTE.dmp']);

    // The next export fails half-way: the file of the first run is not its to remove.
    resimulate(s, { HORIZONTE: { behavior: 'fatal', tables: 3, bytes: 768 * 1024 } });
    const failed = await run(s, NODE24);
    expect(failed.outputs.status).toBe('failure');
    expect(await sha256(kept)).toBe(firstHash);
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual(['HORIZONTE.dmp']);
    expect(failed.stdout).toMatch(
      /removed partial dump file HORIZONTE\.oba-[\w-]+\.dmp of failed export HORIZONTE/,
    );
    expect(failed.stdout).not.toMatch(/removed partial dump file HORIZONTE\.dmp/);

    // A good run rotates: its own export, checked, takes the name.
    resimulate(s, { HORIZONTE: { behavior: 'success', tables: 3, bytes: 768 * 1024 } });
    const rotated = await run(s, NODE24);
    expect(rotated.outputs.status).toBe('success');
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual(['HORIZONTE.dmp']);
    expect((await stat(kept)).size).toBe(768 * 1024);
    expect(rotated.stdout).toContain(`HORIZONTE: kept dump file ${kept} (keep-dumps)`);
    // Inside the archive the dump has its final name, as in the manifest.
    const manifest = JSON.parse(
      await readFile(path.join(s.workDir, (await manifests(s.workDir)).at(-1)!), 'utf8'),
    );
    expect(manifest.schemas[0].dumpFiles.map((f: { name: string }) => f.name)).toEqual(['HORIZONTE.dmp']);
  });

  it('two runs with their own work-dirs sharing one dump-path never touch each other’s files', async () => {
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 8 * 1024 * 1024, mbPerSecond: 4 } },
      { 'dump-name': '{schema}', 'keep-dumps': 'true', 'archive-password': '' },
    );
    const slow = await startAction(s);
    // Wait until the slow run's export is writing its file.
    for (let i = 0; i < 200 && !(await names(s.dumpDir)).some((n) => n.endsWith('.dmp')); i++)
      await sleep(25);
    const writing = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(writing).toEqual([expect.stringMatching(/^HORIZONTE\.oba-[\w-]+\.dmp$/)]);

    const other = { ...s, workDir: path.join(s.root, 'work2'), inputs: { ...s.inputs } };
    other.inputs['work-dir'] = other.workDir;
    other.inputs['copy-to'] = path.join(s.root, 'share2');
    await mkdir(other.inputs['copy-to'], { recursive: true });
    const secondConfig = path.join(s.root, 'second');
    await mkdir(secondConfig);
    other.config = writeSimConfig(secondConfig, {
      directories: { DATA_PUMP_DIR: s.dumpDir },
      users: { BACKUP: PASSWORD },
      record: path.join(secondConfig, 'calls.jsonl'),
      schemas: { HORIZONTE: { behavior: 'fatal', tables: 3, bytes: 256 * 1024 } },
    });
    const failed = await run(other, NODE24);
    expect(failed.outputs.status).toBe('failure');
    // The slow run's file is still being written, untouched.
    expect(await names(s.dumpDir)).toEqual(expect.arrayContaining(writing));

    const done = await slow.finished();
    expect(done.outputs.status).toBe('success');
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual(['HORIZONTE.dmp']);
    expect((await stat(path.join(s.dumpDir, 'HORIZONTE.dmp'))).size).toBe(8 * 1024 * 1024);
  });
});

describe('cancelling keeps finished exports', () => {
  it('SIGINT during the next export after HORIZONTE succeeded: its dump is kept, and the run says where', async () => {
    const s = await scenario(
      {
        HORIZONTE: { behavior: 'success', tables: 3, bytes: 24 * 1024 * 1024 },
        SLOW: { behavior: 'hang', tables: 2, bytes: 1024 * 1024 },
      },
      { 'archive-password': '' },
    );
    const action = await startAction(s);
    const log = () => action.output();
    for (let i = 0; i < 600 && !/SLOW as job/.test(log()); i++) await sleep(25);
    action.child.kill('SIGINT');
    const result = await action.finished();
    expect(result.outputs.status).toBe('failure');
    const dumps = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    // The finished export is data: it stays, under its final name, and the status line says where.
    expect(dumps).toEqual([expect.stringMatching(/^HORIZONTE_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.statusReason).toContain(
      `finished exports kept: HORIZONTE (${path.join(s.dumpDir, dumps[0]!)})`,
    );
    expect(result.stdout).toContain(`HORIZONTE: kept dump file ${path.join(s.dumpDir, dumps[0]!)}`);
    // Nothing half-written under a final name anywhere.
    await expectNoOrphanArchive(s.workDir);
    await expectNoOrphanArchive(s.shareDir);
  });
});

describe('cancelling while the only schema is archived', () => {
  it('SIGINT after HORIZONTE: succeeded keeps the finished export and says where; nothing half-written stays', async () => {
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 4, bytes: 96 * 1024 * 1024 } },
      { 'archive-password': '', 'compression-level': '9' },
    );
    const action = await startAction(s);
    for (let i = 0; i < 2000 && !/HORIZONTE: succeeded/.test(action.output()); i++) await sleep(10);
    action.child.kill('SIGINT');
    const result = await action.finished();
    expect(result.stdout).toMatch(/HORIZONTE: succeeded/);
    expect(result.outputs.status).toBe('failure');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'archiving and delivery' });
    const dumps = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(dumps).toEqual([expect.stringMatching(/^HORIZONTE_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    expect(report.statusReason).toContain(
      `finished exports kept: HORIZONTE (${path.join(s.dumpDir, dumps[0]!)})`,
    );
    for (const dir of [s.workDir, s.shareDir]) {
      expect(await zips(dir), dir).toEqual([]);
      expect(
        (await hidden(dir)).filter((n) => n.includes('.oba-')),
        dir,
      ).toEqual([]);
    }
  });
});

describe('retention after partial runs (keep-min 1, keep-max 1, retention-days 0)', () => {
  it('keeps the newest complete set of each schema in work-dir and copy-to, named as such', async () => {
    const inputs = { 'keep-min': '1', 'keep-max': '1', 'retention-days': '0', 'archive-password': '' };
    const s = await scenario({ HORIZONTE: { behavior: 'success', tables: 3, bytes: 256 * 1024 } }, inputs);
    const clean = await run(s, NODE24);
    expect(clean.outputs.status).toBe('success');
    const cleanSet = (await zips(s.workDir))[0]!;

    resimulate(s, { HORIZONTE: { behavior: 'skipped-tables', tables: 3, bytes: 256 * 1024 } });
    for (let i = 0; i < 2; i++) {
      await sleep(1100); // a new {time} in the archive name
      const partial = await run(s, NODE24);
      expect(partial.outputs.status).toBe('partial');
      expect(partial.stdout).toMatch(/ORA-31693/);
    }
    for (const dir of [s.workDir, s.shareDir]) {
      // The clean set, and the newest partial one (this run's); the partial one in between went.
      expect(await zips(dir), dir).toContain(cleanSet);
      expect((await zips(dir)).length, dir).toBe(2);
      await expectNoOrphanArchive(dir);
    }
    const last = await run(s, NODE24);
    const report = JSON.parse(await readFile(last.outputs.report!, 'utf8'));
    const local = report.retention.places.find((p: { kind: string }) => p.kind === 'local');
    const kept = local.sets.find((x: { archives: string[] }) => x.archives.includes(cleanSet));
    expect(kept.action).toBe('keep');
    expect(kept.reasons).toEqual(['newest complete set']);
  });
});

describe('partial files of killed runs', () => {
  it('kill -9 during the copy to copy-to: the post step and the next run remove its partial copies, and only them', async () => {
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 48 * 1024 * 1024 } },
      { 'archive-password': '', 'compression-level': '0' },
    );
    // Not this action's, or of a writer still alive: left alone.
    const foreign = '.HORIZONTE.zip.partial-0123456789ab';
    await mkdir(s.shareDir, { recursive: true });
    await writeFile(path.join(s.shareDir, foreign), 'someone else');
    const action = await startAction(s);
    let partials: string[] = [];
    for (let i = 0; i < 2000 && partials.length === 0; i++) {
      // The archive's copy, not the write probe pre-flight leaves there for a moment.
      partials = (await hidden(s.shareDir)).filter((n) => /^\.oracle-backup_.*\.oba-partial-/.test(n));
      if (partials.length === 0) await sleep(5);
    }
    action.child.kill('SIGKILL');
    const killed = await action.finished();
    expect(partials.length).toBeGreaterThan(0);
    expect((await hidden(s.shareDir)).filter((n) => n.startsWith('.oracle-backup_')).length).toBeGreaterThan(
      0,
    );

    const post = await runPost(s, killed.state, killed.runnerTemp);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toMatch(
      /removed \.oracle-backup_[\w-]+\.zip\.oba-partial-\S+, a temporary file of an interrupted run/,
    );
    expect(await hidden(s.shareDir)).toEqual([foreign]);
    expect((await hidden(s.workDir)).filter((n) => n.includes('.oba-'))).toEqual([]);
    // The finished export was neither archived nor cleaned up: it stays, and the post step says where.
    const dumps = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(dumps).toEqual([expect.stringMatching(/^HORIZONTE_[\w-]+\.oba-[\w-]+\.dmp$/)]);
    expect(post.stdout).toContain(`kept ${path.join(s.dumpDir, dumps[0]!)}`);
  });

  it('the next run removes the partial copies a killed run left at copy-to', async () => {
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 256 * 1024 } },
      {
        'archive-password': '',
      },
    );
    await mkdir(s.shareDir, { recursive: true });
    // A copy of this host, by a process that is gone (a pid past the kernel's limit never runs).
    const { HOST_ID } = await import('../src/temporary-names.js');
    const dead = `.oracle-backup_x.zip.oba-partial-${HOST_ID}-4194305-00c0ffee`;
    const alive = `.oracle-backup_y.zip.oba-partial-${HOST_ID}-${process.pid}-00c0ffee`;
    const elsewhere = '.oracle-backup_z.zip.oba-partial-00000000-1-00c0ffee';
    for (const name of [dead, alive, elsewhere]) await writeFile(path.join(s.shareDir, name), 'partial');
    const result = await run(s, NODE24);
    expect(result.outputs.status).toBe('success');
    expect(result.stdout).toContain(`removed ${dead}, a temporary file of an interrupted run`);
    expect(await hidden(s.shareDir)).toEqual([alive, elsewhere].sort());
  });
});

describe('publishing a set: never an archive without its manifest', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const dir of mounts) execFileSync('umount', [dir]);
  });

  it('a work-dir with room for the archive but not its manifest keeps no archive under its final name', async (ctx) => {
    if (process.getuid?.() !== 0) {
      if (process.env.CI) throw new Error('this test mounts a tmpfs and must run as root in CI');
      ctx.skip(TMPFS_NEEDS_ROOT);
    }
    const inputs = { 'archive-password': '', 'compression-level': '0' };
    const schemas = { HORIZONTE: { behavior: 'success' as const, tables: 2, bytes: 256 * 1024 } };
    // The archive's size, from a first run with room.
    const roomy = await scenario(schemas, inputs);
    const sized = await run(roomy, NODE24);
    expect(sized.outputs.status).toBe('success');
    const archiveBytes = (await stat(path.join(roomy.workDir, (await zips(roomy.workDir))[0]!))).size;

    const s = await scenario(schemas, inputs);
    const small = await mkdtemp(path.join(tmpdir(), 'oba-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
    mounts.push(small);
    s.workDir = small;
    s.inputs['work-dir'] = small;
    s.inputs['log-dir'] = path.join(s.root, 'logs');
    // Room for the lock file and the archive, in whole pages, and not one page more.
    const page = 4096;
    const pages = (n: number) => Math.ceil(n / page) * page;
    const free = () => {
      const out = execFileSync('df', ['-B1', '--output=avail', small], { encoding: 'utf8' });
      return Number(out.trim().split('\n').pop());
    };
    await writeFile(path.join(small, 'filler'), Buffer.alloc(free() - pages(archiveBytes) - page));
    const result = await run(s, NODE24);
    expect(result.outputs.status).not.toBe('success');
    expect(result.stdout).toMatch(/cannot write the manifest .*disk full/);
    await expectNoOrphanArchive(small);
    await expectNoOrphanArchive(s.shareDir);
    expect(await zips(small)).toEqual([]);
    expect((await hidden(small)).filter((n) => n.includes('.oba-'))).toEqual([]);
    // The dump was not archived, so it stays.
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([
      expect.stringMatching(/^HORIZONTE_.*\.dmp$/),
    ]);
    expect(existsSync(path.join(small, 'filler'))).toBe(true);
  });
});
