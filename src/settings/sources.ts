// Where each setting of a run came from when a config file was used: how many from the file, the workflow and the
// defaults, and every setting both gave with different values (the workflow input won). Pure. Secrets are never
// recorded here: only where they came from.
import YAML from 'yaml';
import type { SettingOverride, SettingSourcesReport } from '../run-report.js';
import { LIST_INPUTS, SECRET_INPUTS, type SettingSource } from './config-file.js';
import { INPUT_NAMES } from './input-names.js';
import type { RawInputs } from './settings.js';

/** Longest value shown for one side of an override; the run log and the file have the rest. */
export const SHOWN_VALUE_MAX = 300;

/** A setting whose value is a secret: any `*-password`, the SFTP key and its passphrase, and any `*-env` key. */
export function isSecretSetting(name: string): boolean {
  return (
    (SECRET_INPUTS as readonly string[]).includes(name) ||
    /(^|-)password$/.test(name) ||
    name === 'sftp-private-key' ||
    name === 'sftp-passphrase' ||
    name.endsWith('-env')
  );
}

/** Mapping keys inside a structured value (a `schemas` item) that hold a secret. */
const SECRET_KEY_RE = /password|passphrase|private-key/i;

/** The value with every secret-looking mapping key's value replaced by `***` (a per-schema password). */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY_RE.test(k) && !k.endsWith('-env') ? '***' : redact(v),
      ]),
    );
  return value;
}

/** The items of a list input (one a line or comma-separated; blank lines and `#` comments dropped). */
function listItems(text: string): string[] {
  return text
    .split(/\r?\n|,/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

/** A structured value (YAML list or mapping) parsed, or undefined when the text is a plain value. */
function structured(text: string): unknown {
  try {
    const parsed: unknown = YAML.parse(text, { schema: 'failsafe' });
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** What two texts of one input are compared as: lists by their items, YAML by its data, the rest trimmed. */
function comparable(name: string, text: string): string {
  if (LIST_INPUTS.has(name)) return JSON.stringify(listItems(text));
  const data = structured(text);
  if (name === 'schemas') {
    // `HR, SALES`, a YAML list of names and a list of mappings `{name: HR}` all name the same schemas. Passwords
    // are not compared: the file's are read from variables only when its list is used.
    const items = Array.isArray(data) ? (data as unknown[]) : listItems(text);
    return JSON.stringify(
      items.map((item) => {
        if (typeof item === 'string') return { name: item };
        if (item === null || typeof item !== 'object') return item;
        return Object.fromEntries(
          Object.entries(item as Record<string, unknown>).filter(([key]) => !SECRET_KEY_RE.test(key)),
        );
      }),
    );
  }
  if (data !== undefined) return JSON.stringify(data);
  return text.trim();
}

/** At most SHOWN_VALUE_MAX characters on one line. */
function clipLine(text: string): string {
  const line = text.replace(/\s*\r?\n\s*/g, ' ').trim();
  return line.length > SHOWN_VALUE_MAX ? `${line.slice(0, SHOWN_VALUE_MAX - 1)}…` : line;
}

/** A value as the report shows it: one line, structured values in YAML flow style, per-schema secrets masked. */
function shown(name: string, value: unknown): string {
  if (typeof value === 'string') {
    if (LIST_INPUTS.has(name)) return clipLine(listItems(value).join(', '));
    const data = structured(value);
    if (data === undefined) return clipLine(value);
    value = data;
  }
  if (value !== null && typeof value === 'object')
    return clipLine(YAML.stringify(redact(value), { collectionStyle: 'flow' }));
  return clipLine(String(value));
}

export interface SettingSourcesInput {
  /** The `config` input as given. */
  configPath: string;
  /** The workflow's inputs ('' when not given). */
  given: RawInputs;
  /** The parsed file (a mapping of keys to values). */
  file: Record<string, unknown>;
  /** Each key of the file as the text of its input (mergeConfig's fromFile). */
  fromFile: Record<string, string>;
  /** Where each input's effective value comes from (mergeConfig's sources). */
  sources: Record<string, SettingSource>;
}

/**
 * The sources of a run's settings: counts over every input but `config`, and the settings the file and the workflow
 * both gave with different values. A secret given in both places is listed without either value (its `-env`
 * variable is not even read then, so the values are never compared).
 */
export function settingSources(input: SettingSourcesInput): SettingSourcesReport {
  const counts = { config: 0, workflow: 0, default: 0 };
  const overrides: SettingOverride[] = [];
  for (const name of INPUT_NAMES) {
    if (name === 'config') continue;
    const given = input.given[name] ?? '';
    counts[input.sources[name] ?? (given !== '' ? 'workflow' : 'default')]++;
    if (given === '') continue;
    if (isSecretSetting(name)) {
      const fileKey = `${name}-env`;
      if (input.file[fileKey] !== undefined) overrides.push({ name, fileKey, secret: true });
      continue;
    }
    if (input.file[name] === undefined) continue;
    const fileText = input.fromFile[name] ?? '';
    if (comparable(name, given) === comparable(name, fileText)) continue;
    overrides.push({
      name,
      fileKey: name,
      secret: false,
      workflowValue: shown(name, given),
      fileValue: shown(name, input.file[name]),
    });
  }
  return { configPath: input.configPath, counts, overrides };
}
