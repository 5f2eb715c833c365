// The `config` input: a YAML or JSON file holding any input under the same name. The file is read here (a small
// fs layer); `mergeConfig` is pure: it validates the file, resolves `<secret>-env` keys from the environment it is
// given and merges the file under the workflow's inputs (a non-empty workflow input wins).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { Collector, MASKED, show } from './collector.js';
import { INPUT_NAMES } from './input-names.js';
import type { Env, RawInputs } from './settings.js';

/** Inputs that hold secrets: never in the file; `<name>-env: VARIABLE` names where to read them instead. */
export const SECRET_INPUTS = [
  'password',
  'archive-password',
  'sftp-password',
  'sftp-private-key',
  'sftp-passphrase',
  'smtp-password',
] as const;

/** Inputs whose value may be a list in the file (joined one item a line). */
export const LIST_INPUTS = new Set(['copy-to', 'email-to', 'ignore-codes', 'expdp-parameters']);

export type SettingSource = 'workflow' | 'config' | 'default';

export interface MergeConfigResult {
  /** Every input, as parseSettings reads them. */
  raw: RawInputs;
  /** Values read through `-env` keys: to be masked. */
  secrets: string[];
  errors: string[];
  /** Where each input's effective value comes from. */
  sources: Record<string, SettingSource>;
  /** Each key of the file as the text of its input (secrets read through `-env` included): never to be shown. */
  fromFile: Record<string, string>;
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const EnvName = z
  .string()
  .regex(ENV_NAME_RE)
  .describe('the name of an environment variable holding the secret');

/** A schema of the `schemas` list: a name, or a mapping with per-schema settings (password through password-env). */
const SchemaItem = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    username: z.string().optional(),
    'password-env': EnvName.optional(),
    timeout: z.string().optional(),
    parallel: z.union([z.string(), z.number().int()]).optional(),
    exclude: z.union([z.string(), z.array(z.string())]).optional(),
  }),
]);
const PolicyMapping = z.record(z.string(), Scalar);

/** The value each key of the file may have. */
function keySchema(name: string): z.ZodType {
  if (name === 'schemas') return z.union([z.string(), z.array(SchemaItem)]);
  if (name === 'retention-overrides') return z.union([z.string(), z.record(z.string(), PolicyMapping)]);
  if (LIST_INPUTS.has(name)) return z.union([Scalar, z.array(Scalar)]);
  return Scalar;
}

/** Inputs the file may hold: all but `config` itself and the secrets. */
const FILE_INPUTS = INPUT_NAMES.filter(
  (name) => name !== 'config' && !(SECRET_INPUTS as readonly string[]).includes(name),
);

/** The shape of the configuration file: the validator mergeConfig uses, and the source of its JSON Schema. */
export const ConfigFileSchema = z.strictObject({
  ...Object.fromEntries(FILE_INPUTS.map((name) => [name, keySchema(name).optional()])),
  ...Object.fromEntries(SECRET_INPUTS.map((name) => [`${name}-env`, EnvName.optional()])),
});

/** The JSON Schema of the configuration file, generated from ConfigFileSchema. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigFileSchema),
    title: 'oracle-backup-action configuration file',
    description:
      'Any input of the action under the same name; secrets only through <secret>-env keys that name an ' +
      'environment variable.',
  };
}

function envHint(key: string): string {
  const variable = key.toUpperCase().replace(/-/g, '_');
  return (
    `secrets never live in the configuration file: write ${key}-env: ${variable} there and set that ` +
    `environment variable from a secret in the workflow (env: ${variable}: \${{ secrets.${variable} }}), ` +
    `or pass ${key} as an input of the step`
  );
}

function scalarText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

/** The variable a `-env` key names, or undefined (with an error) when it is unusable. */
function readEnv(where: string, variable: unknown, env: Env, c: Collector): string | undefined {
  if (typeof variable !== 'string' || !ENV_NAME_RE.test(variable)) {
    c.notAllowed('config', `${show(String(variable))} (${where})`, 'use the name of an environment variable');
    return undefined;
  }
  const value = env[variable];
  if (value === undefined || value === '') {
    c.notAllowed(
      'config',
      `${show(variable)} (${where})`,
      `the environment variable ${variable} is not set or empty`,
      `set it in the workflow from a secret (env: ${variable}: \${{ secrets.${variable} }})`,
    );
    return undefined;
  }
  c.secret(value);
  return value;
}

function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return `${issue?.message ?? 'invalid value'}${at}`;
}

/**
 * The `schemas` list as the YAML text the schemas input takes, with password-env resolved to password. When the
 * workflow gives `schemas` (`overridden`), the list is still checked but its variables are not read: they are not
 * needed, and need not be set.
 */
function schemasText(items: unknown[], env: Env, c: Collector, overridden: boolean): string {
  const out: unknown[] = [];
  items.forEach((item, index) => {
    const label = `schemas item ${index + 1}`;
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const mapping = { ...(item as Record<string, unknown>) };
      if ('password' in mapping) {
        c.notAllowed('config', `${MASKED} (password of ${label})`, envHint('password'));
        delete mapping.password;
      }
      const parsed = SchemaItem.safeParse(mapping);
      if (!parsed.success) {
        c.notAllowed(
          'config',
          label,
          zodProblem(parsed.error),
          'use the keys name, username, password-env, timeout, parallel and exclude',
        );
        return;
      }
      const entry: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(mapping)) {
        if (key === 'password-env') {
          if (overridden) continue;
          const secret = readEnv(`password-env of ${label}`, value, env, c);
          if (secret !== undefined) entry.password = secret;
        } else entry[key] = Array.isArray(value) ? value.map(scalarText) : scalarText(value);
      }
      out.push(entry);
    } else if (typeof item === 'string') out.push(item);
    else
      c.notAllowed(
        'config',
        `${show(String(item))} (${label})`,
        'use a schema name or a mapping {name, ...}',
      );
  });
  return YAML.stringify(out);
}

/** One key of the file as the text of its input. */
function inputText(
  name: string,
  value: unknown,
  env: Env,
  c: Collector,
  overridden = false,
): string | undefined {
  // Each schema is checked on its own, so that every bad one is named.
  if (name === 'schemas' && Array.isArray(value)) return schemasText(value, env, c, overridden);
  const parsed = keySchema(name).safeParse(value);
  if (!parsed.success) {
    c.notAllowed('config', `${show(name)} (key)`, `its value is not valid: ${zodProblem(parsed.error)}`);
    return undefined;
  }
  if (name === 'retention-overrides' && typeof value === 'object') return YAML.stringify(value);
  if (Array.isArray(value)) return value.map(scalarText).join('\n');
  return scalarText(value);
}

/**
 * The file's settings under the workflow's: `raw` holds every input the workflow gave (empty ones are "not
 * given"); `file` is the parsed file (undefined without one). Pure; secrets come from `env`.
 */
export function mergeConfig(raw: RawInputs, file: unknown, env: Env): MergeConfigResult {
  const c = new Collector();
  const fromFile: Record<string, string> = {};
  if (file !== undefined && file !== null) {
    if (typeof file !== 'object' || Array.isArray(file)) {
      c.notAllowed('config', 'the file', 'it is not a mapping of input names to values');
    } else {
      const secretNames = SECRET_INPUTS as readonly string[];
      for (const [key, value] of Object.entries(file as Record<string, unknown>)) {
        if (secretNames.includes(key)) {
          c.notAllowed('config', `${MASKED} (key ${key})`, envHint(key));
        } else if (key.endsWith('-env') && secretNames.includes(key.slice(0, -4))) {
          const input = key.slice(0, -4);
          // A secret given in the workflow wins: the variable is not needed then.
          if ((raw[input] ?? '') !== '') continue;
          const secret = readEnv(key, value, env, c);
          if (secret !== undefined) fromFile[input] = secret;
        } else if (key === 'config') {
          c.notAllowed('config', `${show(key)} (key)`, 'a configuration file cannot name another one');
        } else if (!(FILE_INPUTS as readonly string[]).includes(key)) {
          const dashed = key.replace(/_/g, '-').toLowerCase();
          const near = (FILE_INPUTS as readonly string[]).includes(dashed) ? `; did you mean ${dashed}?` : '';
          c.notAllowed('config', `${show(key)} (key)`, `it is not an input of this action${near}`);
        } else {
          const text = inputText(key, value, env, c, (raw[key] ?? '') !== '');
          if (text !== undefined) fromFile[key] = text;
        }
      }
    }
  }
  const merged: RawInputs = {};
  const sources: Record<string, SettingSource> = {};
  for (const name of new Set([...Object.keys(raw), ...Object.keys(fromFile)])) {
    const given = raw[name] ?? '';
    if (given !== '') {
      merged[name] = given;
      sources[name] = 'workflow';
    } else if ((fromFile[name] ?? '') !== '') {
      merged[name] = fromFile[name]!;
      sources[name] = 'config';
    } else {
      merged[name] = '';
      sources[name] = 'default';
    }
  }
  return { raw: merged, secrets: c.secrets, errors: c.errors, sources, fromFile };
}

/** Reads and parses the file the `config` input names (relative to the workspace); undefined without one. */
export function readConfigFile(
  configInput: string,
  env: Env,
): { file?: unknown; errors: string[]; path?: string } {
  if (configInput === '') return { errors: [] };
  const base = env.GITHUB_WORKSPACE || env.PWD || process.cwd();
  const file = path.resolve(base, configInput);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      errors: [
        `config: ${show(configInput)} is not allowed; the file ${file} cannot be read (${code}); give the path of ` +
          'a YAML or JSON file relative to the workspace (check out the repository first).',
      ],
    };
  }
  try {
    const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : YAML.parse(text);
    return { file: parsed ?? {}, errors: [], path: file };
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    return {
      errors: [
        `config: ${show(configInput)} is not allowed; it cannot be read as ${/\.json$/i.test(file) ? 'JSON' : 'YAML'} ` +
          `(${first}); fix the file's syntax.`,
      ],
    };
  }
}
