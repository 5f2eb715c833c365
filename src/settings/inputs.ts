// The only module that reads inputs through @actions/core; everything it decides is in parseSettings.
import * as core from '@actions/core';
import type { SettingSourcesReport } from '../run-report.js';
import type { Settings } from '../types.js';
import { mergeConfig, readConfigFile, type SettingSource } from './config-file.js';
import { INPUT_NAMES } from './input-names.js';
import { settingSources } from './sources.js';
import {
  parseModeRunSettings,
  parseSettings,
  requestedMode,
  type Env,
  type ModeRunSettings,
} from './settings.js';

export { INPUT_DEFAULTS, INPUT_NAMES } from './input-names.js';

/**
 * Inputs action.yml marks as required: none, since connect-string and schemas (without which no backup runs) may
 * come from the config file; parseSettings requires them once the file is merged.
 */
export const REQUIRED_INPUTS: readonly string[] = [];

/** The configuration is invalid; `errors` lists every problem (input, value given, what is allowed). */
export class ConfigurationError extends Error {
  readonly errors: string[];

  constructor(errors: string[]) {
    const count = `${errors.length} problem${errors.length === 1 ? '' : 's'}`;
    super(`Invalid configuration (${count}):\n${errors.map((e) => `- ${e}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.errors = errors;
  }
}

export interface LoadedSettings {
  settings: Settings;
  /** Already registered with core.setSecret; for scrubbing files the runner does not mask (logs, reports). */
  secrets: string[];
  /** Not logged here: the caller logs them with the run. */
  warnings: string[];
  /** Where the settings came from; undefined without a config file. */
  sources?: SettingSourcesReport;
}

/** Trimmed values of every input, '' when not given. getBooleanInput is avoided: it throws on ''. */
export function readRawInputs(): Record<string, string> {
  return Object.fromEntries(INPUT_NAMES.map((name) => [name, core.getInput(name)]));
}

/** Reads and validates the inputs; masks every secret before anything can be printed. */
export interface LoadedModeSettings {
  settings: ModeRunSettings;
  secrets: string[];
  warnings: string[];
}

/** Registers every secret with the runner before anything can be logged. */
function maskSecrets(secrets: string[]): void {
  for (const secret of secrets) {
    core.setSecret(secret);
    // The runner masks line by line, so a multi-line value is only hidden when each line is registered too.
    for (const line of secret.split(/\r?\n/))
      if (line.trim() !== '' && line !== secret) core.setSecret(line.trim());
  }
}

/** Relative paths need a base; outside Actions without PWD (Windows shells) the process's folder is it. */
function withBase(env: Env): Env {
  return env.GITHUB_WORKSPACE || env.PWD ? env : { ...env, PWD: process.cwd() };
}

let announced = false;

/**
 * The workflow's inputs merged over the `config` file's: throws ConfigurationError on a bad file (after masking
 * every secret read through a `-env` key). Logs where the settings came from when the file is used.
 */
export function readInputs(env: Env): {
  raw: Record<string, string>;
  secrets: string[];
  sources?: SettingSourcesReport;
  /** Where each input's value came from; undefined without a config file. */
  origin?: Record<string, SettingSource>;
} {
  const given = readRawInputs();
  const read = readConfigFile(given.config ?? '', env);
  if (read.errors.length > 0) throw new ConfigurationError(read.errors);
  if (read.file === undefined) return { raw: given, secrets: [] };
  const merged = mergeConfig(given, read.file, env);
  maskSecrets(merged.secrets);
  if (merged.errors.length > 0) throw new ConfigurationError(merged.errors);
  const sources = settingSources({
    configPath: given.config ?? '',
    given,
    file: read.file as Record<string, unknown>,
    fromFile: merged.fromFile,
    sources: merged.sources,
  });
  const result = { raw: merged.raw, secrets: merged.secrets, sources, origin: merged.sources };
  if (announced) return result;
  announced = true;
  const from = (source: SettingSource): string[] =>
    Object.entries(merged.sources)
      .filter(([name, s]) => s === source && name !== 'config')
      .map(([name]) => name);
  const overridden = from('workflow').filter(
    (name) =>
      (read.file as Record<string, unknown>)[name] !== undefined ||
      (read.file as Record<string, unknown>)[`${name}-env`] !== undefined,
  );
  const { counts } = sources;
  core.info(
    `Settings from ${given.config}: ${from('config').join(', ') || 'none'}` +
      (overridden.length > 0 ? `; set in the workflow instead of the file: ${overridden.join(', ')}` : '') +
      ` (${counts.config} from the file, ${counts.workflow} from the workflow, ${counts.default} defaults)`,
  );
  for (const o of sources.overrides)
    core.info(
      o.secret
        ? `${o.name}: the workflow input is used, not the file's ${o.fileKey} (a secret: values not shown)`
        : `${o.name}: the workflow input ${JSON.stringify(o.workflowValue)} is used, not the file's ` +
            `${JSON.stringify(o.fileValue)}`,
    );
  return result;
}

/**
 * Problems of settings the config file gave name the file (`compression-level (from backup.yml): "12" is not
 * allowed; ...`), so that the DBA looks in the right place; the others are left as they are.
 */
export function withOrigin(
  errors: string[],
  origin: Record<string, SettingSource> | undefined,
  configPath: string,
): string[] {
  if (!origin) return errors;
  return errors.map((error) => {
    const match = /^([a-z0-9-]+): /.exec(error);
    return match && origin[match[1]!] === 'config'
      ? `${match[1]} (from ${configPath}): ${error.slice(match[0].length)}`
      : error;
  });
}

export function loadSettings(env: Env = process.env): LoadedSettings {
  const base = withBase(env);
  const input = readInputs(base);
  const result = parseSettings(input.raw, base);
  maskSecrets(result.secrets);
  const secrets = [...new Set([...input.secrets, ...result.secrets])];
  if (!result.ok)
    throw new ConfigurationError(withOrigin(result.errors, input.origin, input.sources?.configPath ?? ''));
  return { settings: result.settings, secrets, warnings: result.warnings, sources: input.sources };
}

/** `mode: verify` or `monitor`: undefined in the default backup mode. */
export function loadModeSettings(env: Env = process.env): LoadedModeSettings | undefined {
  const base = withBase(env);
  const input = readInputs(base);
  if (requestedMode(input.raw) === 'backup') return undefined;
  const result = parseModeRunSettings(input.raw, base);
  maskSecrets(result.secrets);
  const secrets = [...new Set([...input.secrets, ...result.secrets])];
  if (!result.ok)
    throw new ConfigurationError(withOrigin(result.errors, input.origin, input.sources?.configPath ?? ''));
  return { settings: result.settings, secrets, warnings: result.warnings };
}
