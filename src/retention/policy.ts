// The retention decision, pure: which of the backup sets found at one place to keep and which to delete, each
// with its reasons. No clock, no file system; the caller passes `now` and the sets read from their manifests.
import type { RetentionPolicy } from '../settings/retention-settings.js';
import type { BackupSetInfo } from './sets.js';

const DAY_MS = 86_400_000;
/**
 * A set dated more than this after `now` is "in the future". Small on purpose: such a set is only ever kept and
 * left out of the counts, so treating a merely skewed clock as future costs nothing.
 */
export const FUTURE_TOLERANCE_MS = 3_600_000;

export interface PlanOptions {
  now: Date;
  /** False when this run produced no good backup: then nothing is deleted anywhere. */
  runProducedGoodBackup: boolean;
  /** Set ids written by this run; always kept. When any is given, one must be a good set here to delete. */
  thisRunSetIds: readonly string[];
  /** Calendar of keep-daily/-weekly/-monthly: UTC (default) or the process's local time, like file names. */
  calendar?: 'utc' | 'local';
  /**
   * This run's connect string. When given, sets of other databases (another job sharing the folder) are left
   * alone; when not, each database at the place is handled on its own with this policy.
   */
  database?: string;
}

export interface SetDecision {
  set: BackupSetInfo;
  action: 'keep' | 'delete';
  /** Why, in words: every keep rule that holds, or the rule that deletes. */
  reasons: string[];
  /** Verified and status success or partial: only these count toward keep-min, keep-max and the calendar. */
  good: boolean;
  /** Dated more than FUTURE_TOLERANCE_MS after now (kept, not counted). */
  future: boolean;
  /**
   * For a set to delete: per schema whose data it holds, a newer good set that stays (the proof deletion.ts asks
   * for). A schema without one keeps the set.
   */
  keptNewer?: Record<string, string>;
}

export interface RetentionPlan {
  /** One per set, newest first (by manifest time, then manifest name). */
  decisions: SetDecision[];
  /** Why nothing is deleted at all, when that is so. */
  blocked?: string;
  /** Things worth showing that are not failures (future-dated sets). */
  notes: string[];
}

export const REASONS = {
  thisRun: 'written by this run',
  future: (createdAt: string) =>
    `dated in the future (${createdAt}); kept and not counted until the clock passes it`,
  floor: (n: number) => (n === 1 ? 'newest good backup' : `newest ${n} good backups`),
  newestComplete: 'newest complete set',
  noNewer: (schemas: string[]) => `no newer backup of ${schemas.join(', ')} is kept`,
  day: (key: string) => `newest of day ${key}`,
  week: (key: string) => `newest of week ${key}`,
  month: (key: string) => `newest of month ${key}`,
  within: (days: number) => `within ${days} day${days === 1 ? '' : 's'}`,
  noAgeLimit: 'no age limit',
  older: (days: number) => `older than ${days} day${days === 1 ? '' : 's'}`,
  overMax: (n: number) => `over the maximum of ${n}`,
  otherDatabase: (database: string) =>
    `a backup of another database (${database || 'unnamed'}); left to that database's own runs`,
  noGoodBackup: 'this run produced no good backup, so nothing is deleted',
  notHere: 'no backup of this run is verified at this place, so nothing is deleted here',
} as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

interface CalendarKeys {
  day: string;
  week: string;
  month: string;
}

/** Day `YYYY-MM-DD`, ISO week `YYYY-Www` (Monday first; the week-year may differ from the date's year), month. */
export function calendarKeys(time: Date, calendar: 'utc' | 'local' = 'utc'): CalendarKeys {
  const y = calendar === 'utc' ? time.getUTCFullYear() : time.getFullYear();
  const m = calendar === 'utc' ? time.getUTCMonth() : time.getMonth();
  const d = calendar === 'utc' ? time.getUTCDate() : time.getDate();
  // ISO week: the week holding the Thursday of this date's week belongs to that Thursday's year.
  const civil = new Date(Date.UTC(y, m, d));
  const weekday = (civil.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(civil.getTime() + (3 - weekday) * DAY_MS);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * DAY_MS)) + 1;
  return {
    day: `${pad(y, 4)}-${pad(m + 1)}-${pad(d)}`,
    week: `${pad(weekYear, 4)}-W${pad(week)}`,
    month: `${pad(y, 4)}-${pad(m + 1)}`,
  };
}

/** Verified, and a success or partial backup: restorable as far as this place can tell. */
export function isGood(set: BackupSetInfo): boolean {
  return set.verified && (set.status === 'success' || set.status === 'partial');
}

/** Newest first: manifest time, then manifest name, so the order never depends on the listing's order. */
export function newestFirst(a: BackupSetInfo, b: BackupSetInfo): number {
  const dt = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (dt !== 0) return dt;
  return a.manifest < b.manifest ? 1 : a.manifest > b.manifest ? -1 : 0;
}

/** Databases compare by connect string, ignoring case and spaces around it. */
const databaseKey = (database: string): string => database.trim().toLowerCase();

/**
 * Decides every set's fate. Sets of different databases never count against each other, and every count is
 * kept per schema (a set counts for each schema it holds), so that with archive-per: schema, or after nights on
 * which one schema failed, each schema keeps its own newest backups. Rules, in order of strength:
 * 1. Nothing is deleted when this run produced no good backup, or (when `thisRunSetIds` is given) when none of
 *    this run's sets is a good set at this place; every set is then kept with that reason.
 * 2. Kept always: this run's sets; sets dated in the future (left out of every count, so a wrong date can
 *    never push real sets out of keep-min, keep-max or the calendar); per schema, its newest complete set (the
 *    schema exported without errors: however many partial runs follow, it survives whatever keep-max says), the
 *    keep-min newest good sets and the newest good set of each of the last keep-daily days / keep-weekly ISO
 *    weeks / keep-monthly months that have one; with `database` given, the sets of other databases.
 * 3. Any other set older than retention-days (now − createdAt, from the manifest) is deleted.
 * 4. The rest are kept by the age window, newest first, while one of their schemas has fewer than keep-max good
 *    sets kept; beyond that they are deleted "over the maximum". Failed and unverified sets never count: they
 *    stay only inside the window and above the keep-max-th kept good set.
 * 5. A set is deleted only while every schema whose data it holds keeps a newer good set (`keptNewer`); else it
 *    is kept, saying which schema has no newer backup.
 * A reason that holds for only some of a set's schemas names them: `newest 2 good backups (APP)`.
 */
export function planRetention(
  sets: readonly BackupSetInfo[],
  policy: RetentionPolicy,
  options: PlanOptions,
): RetentionPlan {
  const nowMs = options.now.getTime();
  const thisRun = new Set(options.thisRunSetIds);
  const sorted = [...sets].sort(newestFirst);
  const decisions: SetDecision[] = sorted.map((set) => ({
    set,
    action: 'keep',
    reasons: [],
    good: isGood(set),
    future: !thisRun.has(set.id) && Date.parse(set.createdAt) > nowMs + FUTURE_TOLERANCE_MS,
  }));
  const notes = decisions
    .filter((d) => d.future)
    .map(
      (d) =>
        `${d.set.manifest}: set ${d.set.id} is dated ${d.set.createdAt}, after this run's clock ` +
        `(${options.now.toISOString()}); it is kept and not counted. Check the clock of the runner that wrote it.`,
    );

  let blocked: string | undefined;
  if (!options.runProducedGoodBackup) blocked = REASONS.noGoodBackup;
  else if (thisRun.size > 0 && !decisions.some((d) => d.good && thisRun.has(d.set.id)))
    blocked = REASONS.notHere;
  if (blocked !== undefined) {
    for (const d of decisions) d.reasons.push(blocked);
    return { decisions, blocked, notes };
  }

  const groups = new Map<string, SetDecision[]>();
  for (const d of decisions) {
    const key = databaseKey(d.set.database);
    const group = groups.get(key);
    if (group) group.push(d);
    else groups.set(key, [d]);
  }
  const only = options.database === undefined ? undefined : databaseKey(options.database);
  for (const [key, group] of groups) {
    if (only !== undefined && key !== only) {
      for (const d of group) d.reasons.push(REASONS.otherDatabase(d.set.database));
      continue;
    }
    planDatabase(group, policy, options, thisRun);
  }
  return { decisions, notes };
}

/** A set counts for each of its schemas; sets that name none count together (NUL is in no schema name). */
const seriesOf = (d: SetDecision): string[] => (d.set.schemas.length > 0 ? d.set.schemas : ['\0']);

/** Decides the sets of one database, newest first. */
function planDatabase(
  group: SetDecision[],
  policy: RetentionPolicy,
  options: PlanOptions,
  thisRun: Set<string>,
): void {
  const nowMs = options.now.getTime();
  const counted = group.filter((d) => d.good && !d.future);
  // Per set: each keep rule, in the order found, with the schemas it holds for.
  const kept = new Map<SetDecision, Map<string, Set<string>>>();
  const keep = (d: SetDecision, reason: string, series: string): void => {
    const rules = kept.get(d) ?? new Map<string, Set<string>>();
    kept.set(d, rules);
    rules.set(reason, (rules.get(reason) ?? new Set()).add(series));
  };
  for (const d of group) {
    if (thisRun.has(d.set.id)) for (const x of seriesOf(d)) keep(d, REASONS.thisRun, x);
    if (d.future) for (const x of seriesOf(d)) keep(d, REASONS.future(d.set.createdAt), x);
  }

  const buckets = [
    { count: policy.keepDaily, key: (k: CalendarKeys) => k.day, reason: REASONS.day },
    { count: policy.keepWeekly, key: (k: CalendarKeys) => k.week, reason: REASONS.week },
    { count: policy.keepMonthly, key: (k: CalendarKeys) => k.month, reason: REASONS.month },
  ];
  const allSeries = [...new Set(counted.flatMap(seriesOf))];
  for (const x of allSeries) {
    const series = counted.filter((d) => seriesOf(d).includes(x));
    for (const d of series.slice(0, policy.keepMin)) keep(d, REASONS.floor(policy.keepMin), x);
    for (const bucket of buckets) {
      if (bucket.count <= 0) continue;
      const seen = new Set<string>();
      for (const d of series) {
        const key = bucket.key(calendarKeys(new Date(d.set.createdAt), options.calendar));
        if (seen.has(key)) continue;
        seen.add(key);
        if (seen.size > bucket.count) break;
        keep(d, bucket.reason(key), x);
      }
    }
    // Named only where no other rule keeps it for this schema (after partial runs, keep-max would not).
    const complete = series.find((d) => d.set.completeSchemas.includes(x));
    const keptFor = (d: SetDecision) => [...(kept.get(d)?.values() ?? [])].some((s) => s.has(x));
    if (complete && !keptFor(complete)) keep(complete, REASONS.newestComplete, x);
  }

  const keptGood = new Map<string, number>();
  const count = (d: SetDecision): void => {
    if (d.good && !d.future) for (const x of seriesOf(d)) keptGood.set(x, (keptGood.get(x) ?? 0) + 1);
  };
  for (const d of group) {
    const rules = kept.get(d);
    if (rules) {
      const all = seriesOf(d);
      for (const [reason, series] of rules)
        d.reasons.push(series.size === all.length ? reason : `${reason} (${[...series].join(', ')})`);
      count(d);
      continue;
    }
    const ageMs = nowMs - Date.parse(d.set.createdAt);
    if (policy.retentionDays > 0 && ageMs > policy.retentionDays * DAY_MS) {
      d.action = 'delete';
      d.reasons.push(REASONS.older(policy.retentionDays));
    } else if (policy.keepMax > 0 && seriesOf(d).every((x) => (keptGood.get(x) ?? 0) >= policy.keepMax)) {
      d.action = 'delete';
      d.reasons.push(REASONS.overMax(policy.keepMax));
    } else {
      d.reasons.push(policy.retentionDays > 0 ? REASONS.within(policy.retentionDays) : REASONS.noAgeLimit);
      count(d);
    }
  }
  proveSuperseded(group);
}

/** Gives each set to delete its proof, a newer good set kept per schema it holds data of; keeps it without. */
function proveSuperseded(group: SetDecision[]): void {
  // `group` is newest first: the sets before a decision are newer.
  for (const [i, d] of group.entries()) {
    if (d.action !== 'delete') continue;
    const holds = d.set.verified ? d.set.dataSchemas : [];
    const keptNewer: Record<string, string> = {};
    for (const x of holds) {
      const newer = group
        .slice(0, i)
        .find((n) => n.action === 'keep' && n.good && !n.future && n.set.dataSchemas.includes(x));
      if (newer) keptNewer[x] = newer.set.id;
    }
    const missing = holds.filter((x) => !keptNewer[x]);
    if (missing.length === 0) d.keptNewer = keptNewer;
    else {
      d.action = 'keep';
      d.reasons = [REASONS.noNewer(missing)];
    }
  }
}
