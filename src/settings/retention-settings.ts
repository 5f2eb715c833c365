// Retention inputs: the policy applied at every place, per-kind overrides and the run-log age limit.
// Pure: the caller hands in the input reader and the Collector, so every problem is reported with the others.
import YAML from 'yaml';
import { Collector, show } from './collector.js';

/** What one place keeps. Counts are whole numbers; 0 means "no limit" for the age and keep-max. */
export interface RetentionPolicy {
  /** Sets older than this may be removed; 0 = no age limit. */
  retentionDays: number;
  /** The newest good sets always kept, whatever their age; at least 1. */
  keepMin: number;
  /** At most this many good sets kept by the age window; 0 = no limit. Never cuts into keep-min or the calendar. */
  keepMax: number;
  /** Also keep the newest good set of each of the last N days / ISO weeks / months that have one (restic). */
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export type PlaceKind = 'local' | 'copy-to' | 'sftp';
export const PLACE_KINDS: readonly PlaceKind[] = ['local', 'copy-to', 'sftp'];

export interface RetentionSettings {
  policy: RetentionPolicy;
  /** Full policies (the base with the override's keys applied) for the kinds that have an override. */
  overrides: Partial<Record<PlaceKind, RetentionPolicy>>;
  /** Run logs in log-dir older than this are removed; 0 = never. */
  logRetentionDays: number;
}

/** Defaults applied when an input is '' (action.yml must state the same ones). */
export const RETENTION_DEFAULTS = {
  'retention-days': '10',
  'keep-min': '2',
  'keep-max': '7',
  'keep-daily': '0',
  'keep-weekly': '0',
  'keep-monthly': '0',
  'log-retention-days': '30',
  'retention-overrides': '',
} as const;

export const RETENTION_INPUT_NAMES = Object.keys(RETENTION_DEFAULTS) as Array<
  keyof typeof RETENTION_DEFAULTS
>;

/** The policy keys, as written in inputs and in retention-overrides, with their field. */
const POLICY_KEYS = {
  'retention-days': 'retentionDays',
  'keep-min': 'keepMin',
  'keep-max': 'keepMax',
  'keep-daily': 'keepDaily',
  'keep-weekly': 'keepWeekly',
  'keep-monthly': 'keepMonthly',
} as const satisfies Record<string, keyof RetentionPolicy>;
type PolicyKey = keyof typeof POLICY_KEYS;
const POLICY_KEY_NAMES = Object.keys(POLICY_KEYS) as PolicyKey[];

/** Large enough for any real schedule, small enough that date arithmetic stays exact. */
const MAX_COUNT = 100_000;

const HINTS: Record<PolicyKey | 'log-retention-days', string> = {
  'retention-days': 'use a whole number of days, e.g. 10 (0 = no age limit)',
  'keep-min': 'use a whole number of at least 1, e.g. 2',
  'keep-max': 'use a whole number, e.g. 7 (0 = no limit)',
  'keep-daily': 'use a whole number of days, e.g. 7 (0 = off)',
  'keep-weekly': 'use a whole number of weeks, e.g. 4 (0 = off)',
  'keep-monthly': 'use a whole number of months, e.g. 12 (0 = off)',
  'log-retention-days': 'use a whole number of days, e.g. 30 (0 = keep run logs forever)',
};

const OVERRIDES_HINT =
  `use a YAML mapping from local, copy-to or sftp to a mapping of ${POLICY_KEY_NAMES.join(', ')}, ` +
  'e.g. "sftp: {keep-max: 3}"';

/** A whole number 0..MAX_COUNT, or undefined. */
function wholeNumber(text: string): number | undefined {
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_COUNT ? n : undefined;
}

/** Checks the rules that bind several keys; `where` names the input(s) in messages. */
function checkPolicy(
  policy: RetentionPolicy,
  where: (key: PolicyKey, value: number) => [input: string, shown: string],
  c: Collector,
): boolean {
  let ok = true;
  if (policy.keepMin < 1) {
    ok = false;
    c.notAllowed(
      ...where('keep-min', policy.keepMin),
      'keep-min must be at least 1, so that the newest good backup is never deleted ' +
        '(a policy that keeps nothing would delete every backup)',
      'use 1 or more (default 2)',
    );
  } else if (policy.keepMax !== 0 && policy.keepMax < policy.keepMin) {
    ok = false;
    c.notAllowed(
      ...where('keep-max', policy.keepMax),
      `it is smaller than keep-min (${policy.keepMin})`,
      `use 0 (no limit) or a number of at least ${policy.keepMin}, or lower keep-min`,
    );
  }
  return ok;
}

function parseOverrides(text: string, base: RetentionPolicy, c: Collector): RetentionSettings['overrides'] {
  const input = 'retention-overrides';
  if (text === '') return {};
  // Failsafe: every scalar stays a string, so `keep-max: 3.5` or `yes` is checked like any input value.
  const doc = YAML.parseDocument(text, { schema: 'failsafe', prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]?.message.split('\n')[0]?.replace(/:$/, '') ?? 'invalid YAML';
    c.notAllowed(input, show(text), `it cannot be read as YAML (${first})`, OVERRIDES_HINT);
    return {};
  }
  const root: unknown = doc.toJS();
  if (root === null || root === '') return {};
  if (typeof root !== 'object' || Array.isArray(root)) {
    c.notAllowed(input, show(text), 'it is not a YAML mapping', OVERRIDES_HINT);
    return {};
  }
  const overrides: RetentionSettings['overrides'] = {};
  for (const [kind, value] of Object.entries(root as Record<string, unknown>)) {
    if (!(PLACE_KINDS as readonly string[]).includes(kind)) {
      const alias = kind === 'work-dir' ? ' (the work-dir is "local")' : '';
      c.notAllowed(input, show(kind), `it is not a kind of place${alias}`, OVERRIDES_HINT);
      continue;
    }
    if (value === null || value === '') continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      c.notAllowed(input, show(`${kind}: ${String(value)}`), `${kind} needs a mapping`, OVERRIDES_HINT);
      continue;
    }
    const policy = { ...base };
    let ok = true;
    for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
      if (!(key in POLICY_KEYS)) {
        const why =
          key === 'log-retention-days'
            ? 'log-retention-days applies to log-dir only; set it as its own input'
            : `it is not a retention setting (${POLICY_KEY_NAMES.join(', ')})`;
        c.notAllowed(input, show(`${kind}: ${key}`), why, OVERRIDES_HINT);
        ok = false;
        continue;
      }
      const policyKey = key as PolicyKey;
      const n = typeof raw === 'string' ? wholeNumber(raw.trim()) : undefined;
      if (n === undefined) {
        const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
        c.notAllowed(input, show(`${kind}: ${key}: ${shown}`), HINTS[policyKey]);
        ok = false;
        continue;
      }
      policy[POLICY_KEYS[policyKey]] = n;
    }
    const where = (key: PolicyKey, n: number): [string, string] => [input, show(`${kind}: ${key}: ${n}`)];
    if (ok && checkPolicy(policy, where, c)) overrides[kind as PlaceKind] = policy;
  }
  return overrides;
}

/**
 * Reads and checks the retention inputs. `get` returns the trimmed input value, '' when not given. On errors
 * (added to `c`) the returned settings hold defaults in place of the bad values; the caller must not use them.
 */
export function parseRetentionSettings(get: (name: string) => string, c: Collector): RetentionSettings {
  const number = (input: PolicyKey | 'log-retention-days'): number => {
    const text = get(input).trim() || RETENTION_DEFAULTS[input];
    const n = wholeNumber(text);
    if (n !== undefined) return n;
    c.notAllowed(input, show(text), HINTS[input]);
    return Number(RETENTION_DEFAULTS[input]);
  };
  const given: Record<PolicyKey, number> = {
    'retention-days': number('retention-days'),
    'keep-min': number('keep-min'),
    'keep-max': number('keep-max'),
    'keep-daily': number('keep-daily'),
    'keep-weekly': number('keep-weekly'),
    'keep-monthly': number('keep-monthly'),
  };
  const policy = Object.fromEntries(
    POLICY_KEY_NAMES.map((key) => [POLICY_KEYS[key], given[key]]),
  ) as unknown as RetentionPolicy;
  const baseOk = checkPolicy(policy, (key) => [key, show(get(key).trim() || RETENTION_DEFAULTS[key])], c);
  if (baseOk && policy.retentionDays === 0 && policy.keepMax === 0)
    c.warnings.push(
      'retention-days and keep-max are both 0, so backups are never removed by retention ' +
        '(keep-daily/-weekly/-monthly only add to what is kept).',
    );
  const logRetentionDays = number('log-retention-days');
  // With a bad base, overrides are still checked for their own mistakes, against a base that passes.
  const overrides = parseOverrides(
    get('retention-overrides').trim(),
    baseOk ? policy : { ...policy, keepMin: Math.max(1, policy.keepMin), keepMax: 0 },
    c,
  );
  return { policy, overrides, logRetentionDays };
}

/** The policy for a place of this kind: its override when there is one, else the base policy. */
export function policyFor(settings: RetentionSettings, kind: PlaceKind): RetentionPolicy {
  return settings.overrides[kind] ?? settings.policy;
}
