// `mode: monitor`: the alarm for backups that stopped. Reads only the manifests at the destinations (every copy-to
// folder and the SFTP folder; no database, no Oracle client, no archive download) and fails when a database's newest
// good backup is older than max-age, or smaller than expected.
//
// Definitions (also in the README):
// - A good backup set: this action's manifest, every archive it names present at that size, status success or
//   partial (what retention counts). Sets are grouped per database (the manifest's connect string).
// - Age: now − the newest good set's `set.createdAt`. A set dated more than 1 h in the future is ignored (clock).
// - Smaller than expected: for each list of schemas still being backed up (its newest good set within max-age), the
//   newest good set's archive bytes are below `minSizeRatio` (50%) of the median of up to `sizeHistory` (7) earlier
//   good sets of the same schemas and database at that destination. With no earlier set there is nothing to compare.
// - Status: `success` when every destination is readable and every database there is fresh and of normal size;
//   `failure` when some database has no destination where it is (or no destination can be read, or none holds a
//   backup); `partial` when each database is fine somewhere but a destination lags, is unreadable or holds a
//   too-small set.
import { FUTURE_TOLERANCE_MS } from '../retention/policy.js';
import { readInventory, type BackupSetInfo } from '../retention/sets.js';
import { formatBytes } from '../report/format.js';
import { formatDuration } from '../settings/parse.js';
import type { RunStatus } from '../types.js';
import { modePlaceLabel, openModePlace, type ModePlace, type OpenModePlaceOptions } from './places.js';

export const MONITOR_DEFAULTS = {
  /** The newest good set must hold at least this share of the median size of the earlier ones. */
  minSizeRatio: 0.5,
  /** How many earlier good sets the median is taken over. */
  sizeHistory: 7,
} as const;

export interface MonitorOptions {
  minSizeRatio?: number;
  sizeHistory?: number;
}

export interface MonitorModeOptions extends OpenModePlaceOptions, MonitorOptions {
  places: ModePlace[];
  maxAgeMs: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface MonitoredSet {
  id: string;
  manifest: string;
  createdAt: string;
  ageMs: number;
  status: RunStatus;
  good: boolean;
  schemas: string[];
  archiveBytes: number;
}

export interface SizeCheck {
  schemas: string[];
  manifest: string;
  bytes: number;
  /** Median archive bytes of the earlier good sets of the same schemas. */
  medianBytes: number;
  /** How many earlier sets the median is over. */
  previous: number;
  ok: boolean;
}

export interface MonitoredDatabase {
  /** The manifests' connect string ('' when a manifest has none). */
  database: string;
  ok: boolean;
  newestGood?: MonitoredSet;
  /** The newest set whatever its state, when it is not the newest good one. */
  newerNotGood?: MonitoredSet;
  goodSets: number;
  sizeChecks: SizeCheck[];
  problems: string[];
  warnings: string[];
}

export interface MonitoredDestination {
  label: string;
  kind: 'folder' | 'sftp';
  ok: boolean;
  /** Why the destination could not be read. */
  error?: string;
  databases: MonitoredDatabase[];
  problems: string[];
  warnings: string[];
}

export interface MonitorModeResult {
  mode: 'monitor';
  status: RunStatus;
  statusReason: string;
  startedAt: string;
  durationMs: number;
  maxAgeMs: number;
  minSizeRatio: number;
  destinations: MonitoredDestination[];
  /** Every problem, prefixed with its destination. */
  problems: string[];
  warnings: string[];
}

/** What was read at one destination: its sets, or why it could not be read. */
export interface DestinationInventory {
  label: string;
  kind: 'folder' | 'sftp';
  sets?: BackupSetInfo[];
  error?: string;
  /** Manifests that could not be read (maybe ours). */
  unreadable?: Array<{ name: string; error: string }>;
}

const isGood = (set: BackupSetInfo) => set.verified && set.status !== 'failure';
const bytesOf = (set: BackupSetInfo) => set.archives.reduce((n, a) => n + a.expectedBytes, 0);
const newestFirst = (a: BackupSetInfo, b: BackupSetInfo) =>
  Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.manifest < b.manifest ? 1 : -1);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function describeSet(set: BackupSetInfo, now: number): MonitoredSet {
  return {
    id: set.id,
    manifest: set.manifest,
    createdAt: set.createdAt,
    ageMs: now - Date.parse(set.createdAt),
    status: set.status,
    good: isGood(set),
    schemas: set.schemas,
    archiveBytes: bytesOf(set),
  };
}

/** `3h12m ago` */
const ago = (ms: number) => `${formatDuration(Math.max(0, ms))} ago`;

/** Judges one database's sets at one destination. Pure. */
export function evaluateDatabase(
  database: string,
  sets: BackupSetInfo[],
  options: { now: number; maxAgeMs: number } & MonitorOptions,
): MonitoredDatabase {
  const ratio = options.minSizeRatio ?? MONITOR_DEFAULTS.minSizeRatio;
  const history = options.sizeHistory ?? MONITOR_DEFAULTS.sizeHistory;
  const name = database || 'the database';
  const sorted = [...sets].sort(newestFirst);
  const good = sorted.filter(isGood);
  const result: MonitoredDatabase = {
    database,
    ok: false,
    goodSets: good.length,
    sizeChecks: [],
    problems: [],
    warnings: [],
  };
  const newest = sorted[0];
  if (newest && !isGood(newest)) {
    result.newerNotGood = describeSet(newest, options.now);
    const why = newest.status === 'failure' ? 'status failure' : newest.problems.join('; ');
    result.warnings.push(
      `the newest backup set of ${name}, ${newest.manifest} (${newest.createdAt}), is not good: ${why}`,
    );
  }
  const newestGood = good[0];
  if (!newestGood) {
    result.problems.push(`no good backup of ${name}`);
    return result;
  }
  result.newestGood = describeSet(newestGood, options.now);
  if (result.newestGood.ageMs > options.maxAgeMs)
    result.problems.push(
      `the newest good backup of ${name} is ${formatDuration(result.newestGood.ageMs)} old ` +
        `(${newestGood.createdAt}, ${newestGood.manifest}), more than max-age ${formatDuration(options.maxAgeMs)}`,
    );

  // Size, per list of schemas still being backed up.
  const groups = new Map<string, BackupSetInfo[]>();
  for (const set of good) {
    const key = set.schemas.join(',');
    groups.set(key, [...(groups.get(key) ?? []), set]);
  }
  for (const [, group] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const [latest, ...earlier] = group;
    if (!latest || options.now - Date.parse(latest.createdAt) > options.maxAgeMs) continue;
    const previous = earlier.slice(0, history);
    if (previous.length === 0) continue;
    const check: SizeCheck = {
      schemas: latest.schemas,
      manifest: latest.manifest,
      bytes: bytesOf(latest),
      medianBytes: median(previous.map(bytesOf)),
      previous: previous.length,
      ok: true,
    };
    check.ok = check.bytes >= ratio * check.medianBytes;
    result.sizeChecks.push(check);
    if (!check.ok)
      result.problems.push(
        `the newest good backup of ${name} (${latest.schemas.join(', ') || 'no schemas'}; ${latest.manifest}) ` +
          `has ${formatBytes(check.bytes)}, less than ${Math.round(ratio * 100)}% of the median ` +
          `${formatBytes(check.medianBytes)} of the ${previous.length} earlier good set(s)`,
      );
  }
  result.ok = result.problems.length === 0;
  return result;
}

/** Judges what was read at every destination. Pure. */
export function evaluateMonitor(
  inventories: DestinationInventory[],
  options: { now: Date; maxAgeMs: number; startedAt?: Date } & MonitorOptions,
): MonitorModeResult {
  const now = options.now.getTime();
  const result: MonitorModeResult = {
    mode: 'monitor',
    status: 'failure',
    statusReason: '',
    startedAt: (options.startedAt ?? options.now).toISOString(),
    durationMs: 0,
    maxAgeMs: options.maxAgeMs,
    minSizeRatio: options.minSizeRatio ?? MONITOR_DEFAULTS.minSizeRatio,
    destinations: [],
    problems: [],
    warnings: [],
  };
  for (const inventory of inventories) {
    const destination: MonitoredDestination = {
      label: inventory.label,
      kind: inventory.kind,
      ok: false,
      databases: [],
      problems: [],
      warnings: [],
    };
    result.destinations.push(destination);
    if (inventory.error !== undefined || !inventory.sets) {
      destination.error = inventory.error ?? 'not read';
      destination.problems.push(`cannot be read: ${destination.error}`);
    } else {
      for (const u of inventory.unreadable ?? [])
        destination.warnings.push(`manifest ${u.name} could not be read: ${u.error}`);
      const byDatabase = new Map<string, BackupSetInfo[]>();
      for (const set of inventory.sets) {
        if (Date.parse(set.createdAt) > now + FUTURE_TOLERANCE_MS) {
          destination.warnings.push(`${set.manifest} is dated in the future (${set.createdAt}); not counted`);
          continue;
        }
        byDatabase.set(set.database, [...(byDatabase.get(set.database) ?? []), set]);
      }
      if (byDatabase.size === 0) destination.problems.push('no backup set of this action found');
      for (const [database, sets] of [...byDatabase].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const judged = evaluateDatabase(database, sets, { ...options, now });
        destination.databases.push(judged);
        destination.problems.push(...judged.problems);
        destination.warnings.push(...judged.warnings);
      }
    }
    destination.ok = destination.problems.length === 0;
    result.problems.push(...destination.problems.map((p) => `${destination.label}: ${p}`));
    result.warnings.push(...destination.warnings.map((w) => `${destination.label}: ${w}`));
  }

  // Each database must be fine at one destination at least.
  const databases = new Set(result.destinations.flatMap((d) => d.databases.map((db) => db.database)));
  const uncovered = [...databases].filter(
    (db) => !result.destinations.some((d) => d.databases.some((x) => x.database === db && x.ok)),
  );
  const readable = result.destinations.filter((d) => d.error === undefined);
  if (result.destinations.length === 0) {
    result.statusReason = 'no destination to monitor';
  } else if (readable.length === 0) {
    result.statusReason = `no destination could be read: ${result.problems[0]}`;
  } else if (databases.size === 0) {
    result.statusReason = 'no backup set of this action at any destination';
  } else if (uncovered.length > 0) {
    const first = result.problems.find((p) => uncovered.some((db) => p.includes(db || 'the database')));
    result.statusReason = first ?? `no fresh good backup of ${uncovered.join(', ')}`;
  } else if (result.problems.length > 0) {
    result.status = 'partial';
    result.statusReason = `every database has a fresh good backup somewhere, but ${result.problems[0]}`;
  } else {
    result.status = 'success';
    const oldest = Math.max(
      ...result.destinations.flatMap((d) => d.databases.map((db) => db.newestGood?.ageMs ?? 0)),
    );
    result.statusReason =
      `every destination holds a good backup of normal size younger than max-age ` +
      `${formatDuration(options.maxAgeMs)} (the oldest of them was made ${ago(oldest)})`;
  }
  return result;
}

/**
 * Reads the manifests at every destination and judges them. Never throws: an unreachable destination is a
 * problem of that destination.
 */
export async function runMonitorMode(options: MonitorModeOptions): Promise<MonitorModeResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const inventories: DestinationInventory[] = [];
  for (const target of options.places) {
    const label = modePlaceLabel(target);
    options.log?.(`reading the manifests at ${label}`);
    let opened;
    try {
      opened = await openModePlace(target, options);
      const inventory = await readInventory(opened.place);
      inventories.push({ label, kind: target.kind, sets: inventory.sets, unreadable: inventory.unreadable });
      options.log?.(`${label}: ${inventory.sets.length} backup set(s)`);
    } catch (error) {
      inventories.push({ label, kind: target.kind, error: (error as Error).message });
      options.log?.(`${label}: cannot be read: ${(error as Error).message}`);
    } finally {
      await opened?.close().catch(() => undefined);
    }
  }
  const result = evaluateMonitor(inventories, {
    now: now(),
    startedAt: started,
    maxAgeMs: options.maxAgeMs,
    minSizeRatio: options.minSizeRatio,
    sizeHistory: options.sizeHistory,
  });
  result.durationMs = now().getTime() - started.getTime();
  return result;
}
