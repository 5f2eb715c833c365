// Name templates for dump files and archives: `{schema}_{date}_{time}` and the like.
import type { NameTokens } from '../types.js';

export const NAME_TOKENS = ['schema', 'date', 'time', 'weekday', 'run'] as const;
export type NameToken = (typeof NAME_TOKENS)[number];

/** Leaves room for `.dmp`/`.zip`, `%U` and a folder within the 255-character file name limits. */
export const MAX_NAME_LENGTH = 200;

export interface NameTemplateOptions {
  /** Whether the name is made once per schema, so that `{schema}` has a value. */
  allowSchema: boolean;
  /** Per-schema names must contain `{schema}` so that schemas never collide; defaults to `allowSchema`. */
  requireSchema?: boolean;
}

const TOKEN_RE = /\{([^{}]*)\}/g;
const WINDOWS_INVALID = ['<', '>', ':', '"', '|', '?', '*'];
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * Problems of a name template, each a clause such as `it contains ".."` (empty when the template is fine).
 * The literal text is checked, tokens expand to safe values (letters, digits, `-`, `_`, `$`, `#`).
 */
export function validateNameTemplate(template: string, options: NameTemplateOptions): string[] {
  const requireSchema = options.requireSchema ?? options.allowSchema;
  if (template === '') return ['it is empty'];
  const problems: string[] = [];

  if (template.length > MAX_NAME_LENGTH)
    problems.push(`it is ${template.length} characters long; the limit is ${MAX_NAME_LENGTH}`);

  const tokens = [...template.matchAll(TOKEN_RE)].map((m) => m[1] ?? '');
  const unknown = [...new Set(tokens.filter((t) => !(NAME_TOKENS as readonly string[]).includes(t)))];
  if (unknown.length > 0) {
    const verb = unknown.length === 1 ? 'is not a token' : 'are not tokens';
    problems.push(`${unknown.map((t) => `{${t}}`).join(', ')} ${verb}`);
  }
  const literal = template.replace(TOKEN_RE, '');
  if (/[{}]/.test(literal)) problems.push('it has a "{" or "}" that does not belong to a token');

  const separators = ['/', '\\'].filter((c) => template.includes(c));
  if (separators.length > 0)
    problems.push(`it contains a path separator (${separators.map((c) => JSON.stringify(c)).join(', ')})`);
  if (template.includes('..')) problems.push('it contains ".."');
  const invalid = WINDOWS_INVALID.filter((c) => literal.includes(c));
  if (invalid.length > 0)
    problems.push(`it contains characters that Windows does not allow in file names (${invalid.join(' ')})`);
  if (CONTROL_RE.test(template)) problems.push('it contains control characters');
  if (template.startsWith('-') || template.startsWith('.'))
    problems.push(`it starts with "${template[0]}", which tools mistake for an option or a hidden file`);

  const hasSchema = tokens.includes('schema');
  if (hasSchema && !options.allowSchema)
    problems.push('{schema} cannot be used here, since the name is not made per schema');
  if (!hasSchema && requireSchema)
    problems.push('it must contain {schema} so that every schema gets its own name');
  return problems;
}

/** Fills a template validated by validateNameTemplate; a token without a value is a programming error. */
export function expandName(template: string, tokens: NameTokens): string {
  return template.replace(TOKEN_RE, (whole, name: string) => {
    const value = (NAME_TOKENS as readonly string[]).includes(name) ? tokens[name as NameToken] : undefined;
    if (value === undefined) throw new Error(`No value for ${whole} in name template "${template}"`);
    return value;
  });
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Token values for a run started at `date`. `{date}`, `{time}` and `{weekday}` use the runner's local
 * time zone (the TZ of the process): DBAs read file names in the server's local time, and on GitHub-hosted
 * runners that is UTC anyway. `{run}` is the run id, or a `YYYYMMDDHHmmss` timestamp when there is none
 * (outside Actions).
 */
export function makeNameTokens(date: Date, runId: string): NameTokens {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  // The run id goes into file names: keep it to safe characters whatever the environment holds.
  const run = runId.trim().replace(/[^A-Za-z0-9_-]/g, '_') || `${day.replace(/-/g, '')}${time}`;
  return { date: day, time, weekday: WEEKDAYS[date.getDay()] ?? 'sunday', run };
}
