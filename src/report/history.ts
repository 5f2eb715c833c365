// The figures of the last runs, for the job summary's trend chart and size-change alert. A small JSON file in
// work-dir (`.oracle-backup-history.json`, the last 60 runs per database) that the Actions cache carries between
// ephemeral runners (history-cache.ts).
//
// It holds figures only — never data, never secrets, never the connect string: per run its ids, start, status,
// duration and archive bytes, the free bytes of each backup folder (for the change since the last run), and per
// schema its name, outcome, dump bytes and rows. It is a convenience for the
// reports and nothing else: the manifests beside the archives at each destination remain the source of truth
// about which backups exist and are good (retention reads those, never this file). A lost, stale or corrupt
// history only means a shorter trend and no alert; it is rebuilt from the next runs.
//
// The functions above the fs layer at the end are pure.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReport } from '../run-report.js';
import type { RunStatus, SchemaOutcome } from '../types.js';
import { formatBytes } from './format.js';
import type { SpaceRole } from './free-space.js';

export const HISTORY_FILE = '.oracle-backup-history.json';
/** Runs kept per database: two months of nightly backups. */
export const HISTORY_MAX_RUNS = 60;
const HISTORY_VERSION = 1;

export interface SchemaHistoryEntry {
  name: string;
  status: SchemaOutcome;
  dumpBytes: number;
  rows: number;
}

export interface RunHistoryEntry {
  /** The run report's id (unique per run). */
  id: string;
  /** The workflow run id (GITHUB_RUN_ID), when there is one. */
  runId?: string;
  /** Its attempt (GITHUB_RUN_ATTEMPT): a re-run keeps the run id. */
  attempt?: string;
  /**
   * Set when the run was refused because another run held the work-dir lock: it exported nothing, so it is a
   * record of its own and no point of the trend, never to be read as a failure of the run that held the lock.
   */
  refused?: true;
  /** A hash of the connect string (databaseKey): runs of other databases sharing the work-dir are told apart. */
  database: string;
  startedAt: string;
  status: RunStatus;
  durationMs: number;
  /** Bytes of every archive the run wrote. */
  archiveBytes: number;
  schemas: SchemaHistoryEntry[];
  /** Free bytes at the end of the run per folder (dump-path, work-dir, copy-to); absent in older files. */
  freeSpace?: FreeSpaceHistoryEntry[];
}

export interface FreeSpaceHistoryEntry {
  role: SpaceRole;
  folder: string;
  freeBytes: number;
}

/** A short, stable hash of the connect string: identifies the database without storing how to reach it. */
export function databaseKey(connectString: string): string {
  return createHash('sha256').update(connectString.trim()).digest('hex').slice(0, 16);
}

/** Whether the run was refused by the work-dir lock (another run was using the work-dir). */
export function refusedByLock(report: RunReport): boolean {
  return report.findings.some((f) => f.code === 'LOCKED');
}

/** The figures of one run, as the history keeps them. */
export function historyEntry(report: RunReport, runId?: string, attempt?: string): RunHistoryEntry {
  return {
    id: report.id,
    ...(runId ? { runId } : {}),
    ...(runId && attempt ? { attempt } : {}),
    ...(refusedByLock(report) ? { refused: true as const } : {}),
    database: databaseKey(report.database.connectString),
    startedAt: report.startedAt,
    status: report.status,
    durationMs: Math.max(0, Math.round(report.durationMs)),
    archiveBytes: report.bytesArchived,
    schemas: report.schemas.map((s) => ({
      name: s.name,
      status: s.outcome,
      dumpBytes: s.dumpBytes,
      rows: s.rows,
    })),
    ...(measuredSpace(report).length > 0 ? { freeSpace: measuredSpace(report) } : {}),
  };
}

function measuredSpace(report: RunReport): FreeSpaceHistoryEntry[] {
  return (report.freeSpace ?? []).flatMap((f) =>
    f.freeBytes === undefined ? [] : [{ role: f.role, folder: f.folder, freeBytes: f.freeBytes }],
  );
}

const time = (entry: RunHistoryEntry): number => Date.parse(entry.startedAt) || 0;

/**
 * Every run of both lists once (by id; a later copy wins), oldest first, at most `max` per database. Used to add
 * a run and to merge the file found in work-dir with the one restored from the cache.
 */
export function mergeRuns(
  a: readonly RunHistoryEntry[],
  b: readonly RunHistoryEntry[],
  max = HISTORY_MAX_RUNS,
): RunHistoryEntry[] {
  const byId = new Map<string, RunHistoryEntry>();
  for (const entry of [...a, ...b]) byId.set(entry.id, entry);
  const sorted = [...byId.values()].sort((x, y) => time(x) - time(y) || x.id.localeCompare(y.id));
  const perDatabase = new Map<string, number>();
  const kept: RunHistoryEntry[] = [];
  // Newest first, so the cap drops the oldest runs of each database.
  for (const entry of sorted.reverse()) {
    const count = perDatabase.get(entry.database) ?? 0;
    if (count >= max) continue;
    perDatabase.set(entry.database, count + 1);
    kept.push(entry);
  }
  return kept.reverse();
}

/** The history with this run added; a dry run exports nothing, so it is not a run worth a point. */
export function addRun(
  runs: readonly RunHistoryEntry[],
  report: RunReport,
  run: { runId?: string; attempt?: string } = {},
  max = HISTORY_MAX_RUNS,
): RunHistoryEntry[] {
  if (report.dryRun) return [...runs];
  return mergeRuns(runs, [historyEntry(report, run.runId, run.attempt)], max);
}

/** The runs of one database, oldest first. */
export function runsOf(runs: readonly RunHistoryEntry[], connectString: string): RunHistoryEntry[] {
  const key = databaseKey(connectString);
  return runs.filter((r) => r.database === key);
}

const STATUSES: readonly string[] = ['success', 'partial', 'failure'];
const OUTCOMES: readonly string[] = ['success', 'warning', 'failed'];

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isText = (v: unknown, max = 200): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max;

function readSchema(value: unknown): SchemaHistoryEntry | undefined {
  const s = value as Record<string, unknown> | null;
  if (!s || typeof s !== 'object') return undefined;
  if (!isText(s.name, 300) || !OUTCOMES.includes(s.status as string)) return undefined;
  if (!isCount(s.dumpBytes) || !isCount(s.rows)) return undefined;
  return { name: s.name, status: s.status as SchemaOutcome, dumpBytes: s.dumpBytes, rows: s.rows };
}

const ROLES: readonly string[] = ['dump-path', 'work-dir', 'copy-to'];

/** The free space of an entry; a malformed one is dropped, never the run (it only loses the change shown). */
function readFreeSpace(value: unknown): FreeSpaceHistoryEntry[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const entries = value.flatMap((v: unknown) => {
    const f = v as Record<string, unknown> | null;
    if (!f || typeof f !== 'object') return [];
    if (!ROLES.includes(f.role as string) || !isText(f.folder, 1000) || !isCount(f.freeBytes)) return [];
    return [{ role: f.role as SpaceRole, folder: f.folder, freeBytes: f.freeBytes }];
  });
  return entries.length > 0 ? entries : undefined;
}

function readEntry(value: unknown): RunHistoryEntry | undefined {
  const r = value as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return undefined;
  if (!isText(r.id) || !isText(r.database, 64) || !isText(r.startedAt, 40)) return undefined;
  if (Number.isNaN(Date.parse(r.startedAt)) || !STATUSES.includes(r.status as string)) return undefined;
  if (!isCount(r.durationMs) || !isCount(r.archiveBytes) || !Array.isArray(r.schemas)) return undefined;
  if (r.runId !== undefined && !isText(r.runId, 100)) return undefined;
  if (r.attempt !== undefined && !isText(r.attempt, 20)) return undefined;
  if (r.refused !== undefined && r.refused !== true) return undefined;
  const schemas = r.schemas.map(readSchema);
  if (schemas.some((s) => s === undefined)) return undefined;
  return {
    id: r.id,
    ...(r.runId !== undefined ? { runId: r.runId as string } : {}),
    ...(r.attempt !== undefined ? { attempt: r.attempt as string } : {}),
    ...(r.refused === true ? { refused: true as const } : {}),
    database: r.database,
    startedAt: r.startedAt,
    status: r.status as RunStatus,
    durationMs: r.durationMs,
    archiveBytes: r.archiveBytes,
    schemas: schemas as SchemaHistoryEntry[],
    ...(readFreeSpace(r.freeSpace) ? { freeSpace: readFreeSpace(r.freeSpace) } : {}),
  };
}

/**
 * The runs in a history file's text. Never throws: unreadable text gives no runs and a `problem`; entries that do
 * not have the expected shape are skipped (and counted in `problem`), the others kept.
 */
export function parseHistory(text: string): { runs: RunHistoryEntry[]; problem?: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { runs: [], problem: `not valid JSON (${(error as Error).message})` };
  }
  const root = doc as { version?: unknown; runs?: unknown } | null;
  if (!root || typeof root !== 'object' || !Array.isArray(root.runs))
    return { runs: [], problem: 'no "runs" list in it' };
  if (root.version !== HISTORY_VERSION)
    return { runs: [], problem: `version ${JSON.stringify(root.version)} is not ${HISTORY_VERSION}` };
  const entries = root.runs.map(readEntry);
  const runs = entries.filter((e): e is RunHistoryEntry => e !== undefined);
  const skipped = entries.length - runs.length;
  return {
    runs: mergeRuns(runs, [], Number.MAX_SAFE_INTEGER),
    ...(skipped > 0 ? { problem: `${skipped} unreadable run(s) skipped` } : {}),
  };
}

export function serializeHistory(runs: readonly RunHistoryEntry[]): string {
  return JSON.stringify({ version: HISTORY_VERSION, runs }, null, 1) + '\n';
}

/** One run of the trend: an earlier run from the history, or this one (`current`). */
export interface TrendPoint {
  id: string;
  startedAt: string;
  status: RunStatus;
  archiveBytes: number;
  durationMs: number;
  current: boolean;
}

/**
 * The last `max` runs, oldest first, this run last: what the summary's charts and the e-mail's trend table draw.
 * A run refused by the work-dir lock measured nothing (drawn, it would look like a failed backup), and a dry run
 * exported nothing: neither is a point.
 */
export function trendPoints(
  report: RunReport,
  history: readonly RunHistoryEntry[],
  max: number,
): TrendPoint[] {
  const earlier = history
    .filter((r) => r.id !== report.id && !r.refused)
    .map((r): TrendPoint => ({
      id: r.id,
      startedAt: r.startedAt,
      status: r.status,
      archiveBytes: r.archiveBytes,
      durationMs: r.durationMs,
      current: false,
    }))
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const current: TrendPoint[] =
    report.dryRun || refusedByLock(report)
      ? []
      : [
          {
            id: report.id,
            startedAt: report.startedAt,
            status: report.status,
            archiveBytes: report.bytesArchived,
            durationMs: report.durationMs,
            current: true,
          },
        ];
  return [...earlier, ...current].slice(-max);
}

// ---------------------------------------------------------------------------------------------------------------
// Size-change alert

/** A dump at least this much smaller or larger (as a share of the last good size) raises the alert: ±50%. */
export const SIZE_ALERT_THRESHOLD = 0.5;
/** Below this on both sides a change is noise (a few KiB of metadata), not a dropped or runaway table. */
export const SIZE_ALERT_MIN_BYTES = 1024 * 1024;

export interface SizeAlertOptions {
  threshold?: number;
  minBytes?: number;
}

export interface SizeChange {
  schema: string;
  direction: 'shrank' | 'grew';
  /** (now − before) / before: −0.6 for a 60% drop, 1.5 for a dump 2.5 times as large. */
  change: number;
  beforeBytes: number;
  nowBytes: number;
  beforeRows: number;
  nowRows: number;
  /** The last good run compared against. */
  baseline: { id: string; runId?: string; startedAt: string };
}

/**
 * Schemas whose dump shrank or grew sharply against their last good run: the newest earlier run in which the
 * schema exported cleanly (outcome `success`) with a non-empty dump. A change counts when it is at least
 * `threshold` of that size either way (default 50%: half the size or less, one and a half times or more) and
 * either size reaches `minBytes` (default 1 MiB). Schemas that failed now, or that have no good run before, are
 * not compared. `history` is this database's earlier runs (this run, if in it, is ignored).
 */
export function sizeChanges(
  report: RunReport,
  history: readonly RunHistoryEntry[],
  options: SizeAlertOptions = {},
): SizeChange[] {
  const threshold = options.threshold ?? SIZE_ALERT_THRESHOLD;
  const minBytes = options.minBytes ?? SIZE_ALERT_MIN_BYTES;
  const started = Date.parse(report.startedAt);
  const earlier = history
    .filter((r) => r.id !== report.id && !(time(r) >= started && started > 0))
    .sort((x, y) => time(y) - time(x));
  const changes: SizeChange[] = [];
  for (const schema of report.schemas) {
    if (schema.outcome === 'failed' || report.dryRun) continue;
    let baseline: { run: RunHistoryEntry; entry: SchemaHistoryEntry } | undefined;
    for (const run of earlier) {
      const entry = run.schemas.find((s) => s.name === schema.name);
      if (entry && entry.status === 'success' && entry.dumpBytes > 0) {
        baseline = { run, entry };
        break;
      }
    }
    if (!baseline) continue;
    const before = baseline.entry.dumpBytes;
    const now = schema.dumpBytes;
    if (Math.max(before, now) < minBytes) continue;
    const change = (now - before) / before;
    if (Math.abs(change) < threshold) continue;
    changes.push({
      schema: schema.name,
      direction: change < 0 ? 'shrank' : 'grew',
      change,
      beforeBytes: before,
      nowBytes: now,
      beforeRows: baseline.entry.rows,
      nowRows: schema.rows,
      baseline: {
        id: baseline.run.id,
        ...(baseline.run.runId ? { runId: baseline.run.runId } : {}),
        startedAt: baseline.run.startedAt,
      },
    });
  }
  return changes;
}

/** One line in English for the run log and a workflow annotation (the summary has its own, translated). */
export function sizeChangeMessage(change: SizeChange): string {
  const percent = Math.round(Math.abs(change.change) * 100);
  const cause = change.direction === 'shrank' ? 'a dropped or truncated table?' : 'a runaway (log) table?';
  return (
    `${change.schema}: dump ${change.direction} by ${percent}% against the last good run ` +
    `(${formatBytes(change.beforeBytes)} on ${change.baseline.startedAt.slice(0, 10)} → ${formatBytes(change.nowBytes)}, ` +
    `rows ${change.beforeRows} → ${change.nowRows}); ${cause} Check before relying on this backup.`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The file in work-dir

export function historyPath(workDir: string): string {
  return path.join(workDir, HISTORY_FILE);
}

/** The runs in the file; a missing file is an empty history, an unreadable one too (with the `problem`). */
export async function readHistoryFile(file: string): Promise<{ runs: RunHistoryEntry[]; problem?: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { runs: [] };
    return { runs: [], problem: `cannot read ${file}: ${e.message}` };
  }
  const parsed = parseHistory(text);
  return parsed.problem ? { ...parsed, problem: `${file}: ${parsed.problem}` } : parsed;
}

/** Writes the whole file through a temporary name, so a crash never leaves half a file behind. */
export async function writeHistoryFile(file: string, runs: readonly RunHistoryEntry[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, serializeHistory(runs));
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** How long a run waits for another run's update of the history file to end. */
const HISTORY_LOCK_WAIT_MS = 10_000;
/** A lock this old was left by a killed run (an update takes milliseconds). */
const HISTORY_LOCK_STALE_MS = 60_000;

/**
 * Runs `update` (a read, merge and write of the history file) while holding `<file>.lock`, created exclusively. Runs
 * sharing work-dir can end at the same moment, one of them refused by the work-dir lock the other holds: without
 * this, both read the same file and the later write drops the other's run. A stale lock is taken over; after
 * `waitMs` the update goes ahead without the lock (the history is a convenience: a lost point beats a stuck run),
 * and so it does where the lock cannot be created at all.
 */
export async function withHistoryLock<T>(
  file: string,
  update: () => Promise<T>,
  waitMs = HISTORY_LOCK_WAIT_MS,
): Promise<T> {
  const lock = `${file}.lock`;
  const held = await takeHistoryLock(lock, Date.now() + waitMs);
  try {
    return await update();
  } finally {
    if (held) await rm(lock, { force: true }).catch(() => undefined);
  }
}

async function takeHistoryLock(lock: string, deadline: number): Promise<boolean> {
  await mkdir(path.dirname(lock), { recursive: true }).catch(() => undefined);
  for (;;) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > HISTORY_LOCK_STALE_MS) await rm(lock, { force: true }).catch(() => undefined);
    else if (Date.now() >= deadline) return false;
    else await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
