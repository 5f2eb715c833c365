// Pure parsers for the value formats of the action's inputs (durations, sizes, lists, booleans).
// They return a Result instead of throwing so that the caller can collect every problem of a run at once.

/**
 * `error` is a clause that fits after `<input>: "<value>" is not allowed; ` (no input name, no value, no
 * final period), so that callers can build messages in the house style.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Node's timers overflow above 2^31-1 ms (and then fire at once), so no duration may be longer. */
export const MAX_DURATION_MS = 2_147_483_647;

const DURATION_HINT = 'use whole numbers with h, m and s, e.g. 90s, 45m, 3h or 1h30m';
const DURATION_RE = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/i;

/** `90s`, `45m`, `3h`, `1h30m`, `1h30m15s` → ms. Zero, negatives, fractions and bare numbers are errors. */
export function parseDuration(text: string): Result<number> {
  const value = text.trim();
  const match = DURATION_RE.exec(value);
  if (value === '' || !match) {
    const days = /^(\d+)d$/i.exec(value);
    if (days) return fail(`days are not supported; use hours (${Number(days[1]) * 24}h)`);
    if (/^\d+(?:\.\d+)?[hms]/i.test(value) && value.includes('.'))
      return fail(`fractions are not supported; ${DURATION_HINT}`);
    if (/^\d+$/.test(value)) {
      if (Number(value) === 0) return fail(`a duration must be longer than zero; ${DURATION_HINT}`);
      return fail(`a unit is required; ${DURATION_HINT}`);
    }
    return fail(DURATION_HINT);
  }
  const [, h = '0', m = '0', s = '0'] = match;
  const ms = Number(h) * HOUR + Number(m) * MINUTE + Number(s) * SECOND;
  if (ms === 0) return fail(`a duration must be longer than zero; ${DURATION_HINT}`);
  if (ms > MAX_DURATION_MS)
    return fail(`the longest duration supported is ${formatDuration(MAX_DURATION_MS)}`);
  return ok(ms);
}

/** Milliseconds → `1h30m`, `45s`, `2h0m5s` style (rounded to whole seconds; `0s` for zero or less). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / SECOND));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (total === 0) return '0s';
  let out = '';
  if (h > 0) out += `${h}h`;
  if (m > 0 || (h > 0 && s > 0)) out += `${m}m`;
  if (s > 0) out += `${s}s`;
  return out;
}

/**
 * How long something took, as every report shows it (run log, job summary, e-mail, text report): whole seconds in
 * the `1h30m5s` style of formatDuration, rounded to the nearest second, and `<1s` below one second, so 714 ms reads
 * `<1s` in the table and in the log alike instead of `714 ms` in one and `1s` in the other.
 */
export function formatElapsed(ms: number): string {
  return ms < SECOND ? '<1s' : formatDuration(ms);
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(I?B)?$/i;
const SIZE_HINT = 'use a number with K, M, G or T (binary units), e.g. 500M or 10G';

/**
 * `500M`, `10G`, `1.5G`, `10GiB`, `2048B` → bytes (binary units, rounded down to whole bytes).
 * A bare number is refused: bytes or megabytes would be a guess.
 */
export function parseSize(text: string): Result<number> {
  const value = text.trim();
  const match = SIZE_RE.exec(value);
  if (!match) return fail(SIZE_HINT);
  const [, amount = '', unit = '', suffix] = match;
  if (unit === '' && suffix === undefined) return fail(`a unit is required; ${SIZE_HINT}`);
  if (unit === '' && suffix?.toUpperCase() === 'IB') return fail(SIZE_HINT);
  const bytes = Math.floor(Number(amount) * (SIZE_UNITS[unit.toUpperCase()] ?? 1));
  if (bytes <= 0) return fail(`a size must be larger than zero; ${SIZE_HINT}`);
  if (!Number.isSafeInteger(bytes)) return fail(`that is too large; ${SIZE_HINT}`);
  return ok(bytes);
}

/**
 * A list input: one item per line or comma-separated, trimmed, blank items dropped. A `#` that starts an
 * item or follows a space comments out the rest of its line; a `#` inside a word is kept, since Oracle names
 * may contain it (`FIN#2`). Commas always separate, so an item cannot contain one.
 */
export function parseList(text: string): string[] {
  const items: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const comment = line.search(/(?:^|[\s,])#/);
    const content = comment < 0 ? line : line.slice(0, comment);
    for (const part of content.split(',')) {
      const item = part.trim();
      if (item !== '') items.push(item);
    }
  }
  return items;
}

const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/** true/false, yes/no, 1/0 in any case. Unlike core.getBooleanInput it does not throw. */
export function parseBoolean(text: string): Result<boolean> {
  const value = text.trim().toLowerCase();
  if (TRUE_WORDS.has(value)) return ok(true);
  if (FALSE_WORDS.has(value)) return ok(false);
  return fail('use true or false (yes/no and 1/0 are accepted too)');
}
