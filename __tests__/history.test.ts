import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addRun,
  databaseKey,
  HISTORY_FILE,
  HISTORY_MAX_RUNS,
  historyEntry,
  historyPath,
  mergeRuns,
  parseHistory,
  readHistoryFile,
  runsOf,
  serializeHistory,
  sizeChangeMessage,
  sizeChanges,
  withHistoryLock,
  writeHistoryFile,
  type RunHistoryEntry,
} from '../src/report/history.js';
import {
  historyCacheAvailable,
  historyCacheKey,
  historyCacheKeyPrefix,
  loadHistory,
  storeHistory,
  type HistoryCache,
} from '../src/report/history-cache.js';
import type { RunReport } from '../src/run-report.js';
import { sampleReport } from './fixtures/email-report.js';

const ACTIONS_ENV = { ACTIONS_CACHE_URL: 'https://cache.example/', ACTIONS_RUNTIME_TOKEN: 'token' };

function night(day: number, overrides: Partial<RunReport> = {}): RunReport {
  return sampleReport({
    id: `run-${day}`,
    startedAt: `2026-11-${String(day).padStart(2, '0')}T01:30:00.000Z`,
    ...overrides,
  });
}

/** A cache in memory that behaves like @actions/cache: restore by key prefix (newest first), keys never reused. */
class FakeCache implements HistoryCache {
  readonly entries: Array<{ key: string; content: string }> = [];
  readonly calls: string[] = [];
  failSave?: Error;
  failRestore?: Error;

  async restore(file: string, keyPrefix: string): Promise<boolean> {
    this.calls.push(`restore ${keyPrefix}`);
    if (this.failRestore) throw this.failRestore;
    const hit = [...this.entries].reverse().find((e) => e.key.startsWith(keyPrefix));
    if (!hit) return false;
    // Like tar extraction, it creates the folders on the way.
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, hit.content);
    return true;
  }

  async save(file: string, key: string): Promise<void> {
    this.calls.push(`save ${key}`);
    if (this.failSave) throw this.failSave;
    if (this.entries.some((e) => e.key === key)) throw new Error(`Unable to reserve cache with key ${key}`);
    this.entries.push({ key, content: await readFile(file, 'utf8') });
  }
}

const tempDir = (): Promise<string> => mkdtemp(path.join(tmpdir(), 'oba-history-'));

describe('history entries', () => {
  it('keep figures only: no connect string, no paths, no findings, no secrets', () => {
    const report = night(21, {
      findings: [{ severity: 'error', code: 'X', message: 'password s3cret!', advice: '' }],
    });
    const entry = historyEntry(report, '4242');
    expect(entry).toEqual({
      id: 'run-21',
      runId: '4242',
      database: databaseKey('db-prod-01.example.com:1521/ORCLPDB1'),
      startedAt: '2026-11-21T01:30:00.000Z',
      status: 'partial',
      durationMs: 1_005_000,
      archiveBytes: report.bytesArchived,
      schemas: report.schemas.map((s) => ({
        name: s.name,
        status: s.outcome,
        dumpBytes: s.dumpBytes,
        rows: s.rows,
      })),
    });
    const text = serializeHistory([entry]);
    for (const absent of ['db-prod-01', 'ORCLPDB1', '/u01', 's3cret', 'dpdump', '.log'])
      expect(text).not.toContain(absent);
  });

  it('are added once, in time order, at most 60 per database, and dry runs are not added', () => {
    let runs: RunHistoryEntry[] = [];
    for (let day = 1; day <= 70; day++)
      runs = addRun(
        runs,
        sampleReport({ id: `r${day}`, startedAt: new Date(Date.UTC(2026, 0, day)).toISOString() }),
      );
    expect(runs).toHaveLength(HISTORY_MAX_RUNS);
    expect(runs[0]!.id).toBe('r11');
    expect(runs.at(-1)!.id).toBe('r70');
    expect(addRun(runs, sampleReport({ id: 'r70' }))).toHaveLength(HISTORY_MAX_RUNS);
    expect(addRun(runs, sampleReport({ id: 'dry', dryRun: true }))).toEqual(runs);

    // Another database sharing the work-dir keeps its own 60.
    const other = addRun(runs, sampleReport({ id: 'o1', database: { connectString: 'other:1521/DB2' } }));
    expect(other).toHaveLength(HISTORY_MAX_RUNS + 1);
    expect(runsOf(other, 'other:1521/DB2').map((r) => r.id)).toEqual(['o1']);
    expect(runsOf(other, 'db-prod-01.example.com:1521/ORCLPDB1')).toHaveLength(HISTORY_MAX_RUNS);
  });

  it('record a run refused by the work-dir lock as its own refused run, with its attempt', () => {
    const refused = night(21, {
      id: 'refused',
      status: 'failure',
      schemas: [],
      findings: [{ severity: 'error', code: 'LOCKED', message: 'another backup run holds', advice: '' }],
    });
    const running = night(21, { id: 'running', status: 'success' });
    const runs = addRun(addRun([], running, { runId: '4242', attempt: '1' }), refused, {
      runId: '4242',
      attempt: '1',
    });
    expect(runs.map((r) => [r.id, r.status, r.refused])).toEqual([
      ['refused', 'failure', true],
      ['running', 'success', undefined],
    ]);
    expect(runs.every((r) => r.attempt === '1')).toBe(true);
    expect(parseHistory(serializeHistory(runs)).runs).toEqual(runs);
    expect(historyEntry(refused)).not.toHaveProperty('attempt');
  });

  it('merge two copies of the history by run id', () => {
    const a = [historyEntry(night(18)), historyEntry(night(20))];
    const b = [historyEntry(night(19)), historyEntry(night(20))];
    expect(mergeRuns(a, b).map((r) => r.id)).toEqual(['run-18', 'run-19', 'run-20']);
  });
});

describe('parseHistory', () => {
  it('reads what serializeHistory writes', () => {
    const runs = [historyEntry(night(19), '1'), historyEntry(night(20))];
    expect(parseHistory(serializeHistory(runs))).toEqual({ runs });
  });

  it('never throws on a damaged file: bad JSON, another version, malformed entries', () => {
    expect(parseHistory('{not json').runs).toEqual([]);
    expect(parseHistory('{not json').problem).toMatch(/not valid JSON/);
    expect(parseHistory('{"version":2,"runs":[]}').problem).toMatch(/version 2/);
    expect(parseHistory('[]').problem).toMatch(/no "runs"/);
    const good = historyEntry(night(20));
    const text = JSON.stringify({
      version: 1,
      runs: [
        good,
        { ...good, id: 'bad', status: 'great' },
        { ...good, id: 'neg', durationMs: -1 },
        { ...good, id: 'refused?', refused: 'yes' },
        null,
      ],
    });
    const parsed = parseHistory(text);
    expect(parsed.runs).toEqual([good]);
    expect(parsed.problem).toBe('4 unreadable run(s) skipped');
  });
});

describe('sizeChanges', () => {
  it('finds a 60% drop against the last good run, and documents what it compared', () => {
    const now = night(21);
    const sales = now.schemas[1]!;
    const before = historyEntry(night(20));
    before.schemas[1] = {
      ...before.schemas[1]!,
      dumpBytes: sales.dumpBytes * 2.5,
      rows: 40_000_000,
      status: 'success',
    };
    const [change, ...rest] = sizeChanges(now, [before]);
    expect(rest).toEqual([]);
    expect(change).toEqual({
      schema: 'SALES',
      direction: 'shrank',
      change: expect.closeTo(-0.6, 6),
      beforeBytes: sales.dumpBytes * 2.5,
      nowBytes: sales.dumpBytes,
      beforeRows: 40_000_000,
      nowRows: sales.rows,
      baseline: { id: 'run-20', startedAt: '2026-11-20T01:30:00.000Z' },
    });
  });

  it('says it in one English line for the log and an annotation', () => {
    const now = night(21);
    const before = historyEntry(night(20));
    before.schemas[1] = {
      ...before.schemas[1]!,
      dumpBytes: now.schemas[1]!.dumpBytes * 2.5,
      status: 'success',
    };
    expect(sizeChangeMessage(sizeChanges(now, [before])[0]!)).toBe(
      'SALES: dump shrank by 60% against the last good run (4.0 GiB on 2026-11-20 → 1.6 GiB, ' +
        'rows 31877120 → 31877120); a dropped or truncated table? Check before relying on this backup.',
    );
  });

  it('ignores runs after this one, this run itself, and dry runs', () => {
    const now = night(21);
    const later = historyEntry(night(22));
    later.schemas = later.schemas.map((s) => ({ ...s, dumpBytes: s.dumpBytes * 10 }));
    const self = { ...later, id: now.id, startedAt: '2026-11-20T00:00:00.000Z' };
    expect(sizeChanges(now, [later, self])).toEqual([]);
    const earlier = { ...later, id: 'x', startedAt: '2026-11-20T00:00:00.000Z' };
    expect(sizeChanges(now, [earlier]).length).toBeGreaterThan(0);
    expect(sizeChanges({ ...now, dryRun: true }, [earlier])).toEqual([]);
  });
});

describe('the history file', () => {
  it('is written whole and read back; missing means empty, damaged means empty with a problem', async () => {
    const dir = await tempDir();
    const file = historyPath(dir);
    expect(path.basename(file)).toBe(HISTORY_FILE);
    expect(await readHistoryFile(file)).toEqual({ runs: [] });
    const runs = [historyEntry(night(20))];
    await writeHistoryFile(file, runs);
    expect(await readHistoryFile(file)).toEqual({ runs });
    await writeFile(file, 'garbage');
    const damaged = await readHistoryFile(file);
    expect(damaged.runs).toEqual([]);
    expect(damaged.problem).toContain(file);
  });
});

describe('carrying the history with the Actions cache', () => {
  const connectString = 'db-prod-01.example.com:1521/ORCLPDB1';

  it('is available only with the cache service variables', () => {
    expect(historyCacheAvailable({})).toBe(false);
    expect(historyCacheAvailable({ ACTIONS_CACHE_URL: 'u' })).toBe(false);
    expect(historyCacheAvailable(ACTIONS_ENV)).toBe(true);
    expect(historyCacheAvailable({ ...ACTIONS_ENV, ACTIONS_CACHE_SERVICE_V2: 'true' })).toBe(false);
    expect(
      historyCacheAvailable({
        ACTIONS_CACHE_SERVICE_V2: 'true',
        ACTIONS_RESULTS_URL: 'u',
        ACTIONS_RUNTIME_TOKEN: 't',
      }),
    ).toBe(true);
  });

  it('keys: one prefix per database and work-dir, a new key per run', () => {
    const prefix = historyCacheKeyPrefix(connectString, '/backup');
    expect(prefix).toMatch(/^oracle-backup-history-[0-9a-f]{16}-$/);
    expect(historyCacheKeyPrefix(connectString, '/other')).not.toBe(prefix);
    expect(historyCacheKeyPrefix('db2:1521/X', '/backup')).not.toBe(prefix);
    expect(prefix).not.toContain('ORCLPDB1');
    const key = historyCacheKey(prefix, '4242', '2', new Date(0));
    expect(key).toBe(`${prefix}4242-2-0`);
    expect(historyCacheKey(prefix, '4242', '2', new Date(1))).not.toBe(key);
  });

  it('outside Actions uses the work-dir file only, with a notice and no error', async () => {
    const workDir = await tempDir();
    const cache = new FakeCache();
    const loaded = await loadHistory({ workDir, connectString, cache, env: {} });
    expect(loaded).toMatchObject({ runs: [], restored: false, warnings: [] });
    expect(loaded.notices.join()).toMatch(/Actions cache is not available/);
    const stored = await storeHistory({
      workDir,
      connectString,
      cache,
      env: {},
      report: night(21),
      runId: '1',
    });
    expect(stored).toMatchObject({ written: true, saved: false, warnings: [] });
    expect(stored.info.join()).toMatch(/not available/);
    expect(cache.calls).toEqual([]);
    expect((await readHistoryFile(historyPath(workDir))).runs.map((r) => r.id)).toEqual(['run-21']);
  });

  it('travels from one ephemeral runner to the next: restore by prefix, save under a new key per run', async () => {
    const cache = new FakeCache();
    const workDir = path.join(await tempDir(), 'backup');
    const options = { workDir, connectString, cache, env: ACTIONS_ENV };
    const days = [18, 19, 20, 21];
    for (const [i, day] of days.entries()) {
      // A fresh runner every night: the same work-dir path, empty.
      await rm(workDir, { recursive: true, force: true });
      const loaded = await loadHistory(options);
      expect(loaded.runs.map((r) => r.id)).toEqual(days.slice(0, i).map((d) => `run-${d}`));
      expect(loaded.restored).toBe(i > 0);
      expect(loaded.warnings).toEqual([]);
      expect(loaded.notices).toEqual([]);
      expect(loaded.info.join()).toMatch(
        i > 0 ? /restored from the Actions cache/ : /none in the Actions cache yet/,
      );
      const stored = await storeHistory({
        ...options,
        report: night(day),
        runId: String(4000 + i),
        attempt: '1',
        now: new Date(i),
      });
      expect(stored).toMatchObject({ written: true, saved: true, warnings: [] });
    }
    const prefix = historyCacheKeyPrefix(connectString, workDir);
    expect(cache.entries.map((e) => e.key)).toEqual(days.map((_, i) => `${prefix}${4000 + i}-1-${i}`));
    expect(cache.calls.filter((c) => c.startsWith('restore'))).toEqual(days.map(() => `restore ${prefix}`));
  });

  it('restores the newest history of the same database and work-dir, merged with runs only the work-dir has', async () => {
    const cache = new FakeCache();
    const workDir = await tempDir();
    const options = { workDir, connectString, cache, env: ACTIONS_ENV };
    for (const [i, day] of [18, 19].entries())
      await storeHistory({ ...options, report: night(day), runId: String(i), now: new Date(i) });
    // A run the cache never got (its save failed), and a cache entry of another database.
    await writeHistoryFile(historyPath(workDir), [historyEntry(night(20))]);
    cache.entries.push({
      key: `${historyCacheKeyPrefix('db2:1521/X', workDir)}9-1-0`,
      content: serializeHistory([
        historyEntry(night(20, { id: 'other', database: { connectString: 'db2:1521/X' } })),
      ]),
    });
    const loaded = await loadHistory(options);
    expect(loaded.restored).toBe(true);
    expect(loaded.runs.map((r) => r.id)).toEqual(['run-18', 'run-19', 'run-20']);
    expect((await readHistoryFile(historyPath(workDir))).runs.map((r) => r.id)).toEqual([
      'run-18',
      'run-19',
      'run-20',
    ]);
  });

  it('two runs ending at once (one refused by the work-dir lock) both stay in the file, each as its own run', async () => {
    const workDir = await tempDir();
    const options = { workDir, connectString, cache: new FakeCache(), env: {} };
    const refused = night(21, {
      id: 'refused',
      status: 'failure',
      schemas: [],
      findings: [{ severity: 'error', code: 'LOCKED', message: 'another backup run holds', advice: '' }],
    });
    await Promise.all([
      storeHistory({ ...options, report: night(21, { id: 'running' }), runId: '4242' }),
      storeHistory({ ...options, report: refused, runId: '4242' }),
      loadHistory(options),
    ]);
    const runs = (await readHistoryFile(historyPath(workDir))).runs;
    expect(runs.map((r) => [r.id, r.refused ?? false]).sort()).toEqual([
      ['refused', true],
      ['running', false],
    ]);
    expect(existsSync(`${historyPath(workDir)}.lock`)).toBe(false);
  });

  it('a history lock left by a killed run is taken over; a live one is waited for, then gone around', async () => {
    const file = historyPath(await tempDir());
    const lock = `${file}.lock`;
    await writeFile(lock, '1\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect(await withHistoryLock(file, async () => readFile(lock, 'utf8'))).toBe(`${process.pid}\n`);
    expect(existsSync(lock)).toBe(false);
    await writeFile(lock, 'another run\n');
    const started = Date.now();
    expect(await withHistoryLock(file, async () => 'updated', 200)).toBe('updated');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(await readFile(lock, 'utf8')).toBe('another run\n');
  });

  it('a failing cache is a warning, never an error, and a dry run is not recorded', async () => {
    const cache = new FakeCache();
    cache.failRestore = new Error('cache service unavailable');
    cache.failSave = new Error('Unable to reserve cache');
    const workDir = await tempDir();
    const options = { workDir, connectString, cache, env: ACTIONS_ENV };
    const loaded = await loadHistory(options);
    expect(loaded.warnings.join()).toMatch(/not restored.*cache service unavailable/);
    const stored = await storeHistory({ ...options, report: night(21), runId: '1' });
    expect(stored).toMatchObject({ written: true, saved: false });
    expect(stored.warnings.join()).toMatch(/not saved.*Unable to reserve cache.*not affected/);
    const dry = await storeHistory({ ...options, report: night(22, { dryRun: true }), runId: '2' });
    expect(dry.info.join()).toMatch(/dry run is not recorded/);
    expect((await readHistoryFile(historyPath(workDir))).runs.map((r) => r.id)).toEqual(['run-21']);
  });
});
