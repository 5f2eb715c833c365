// The only module that reads inputs through @actions/core; everything it decides is in parseSettings.
import * as core from '@actions/core';
import type { Settings } from '../types.js';
import { EXPORT_DEFAULTS, EXPORT_INPUT_NAMES } from './export-settings.js';
import { RETENTION_DEFAULTS, RETENTION_INPUT_NAMES } from './retention-settings.js';
import {
  DEFAULTS,
  parseModeRunSettings,
  parseSettings,
  requestedMode,
  type Env,
  type ModeRunSettings,
} from './settings.js';
import { SFTP_DEFAULTS, SFTP_INPUT_NAMES } from './sftp-settings.js';
import { SMTP_INPUTS, SMTP_INPUT_NAMES } from './smtp-settings.js';
import { MODE_DEFAULTS, MODE_INPUT_NAMES } from './mode-settings.js';
import { REPORT_INPUTS, REPORT_INPUT_NAMES } from './report-settings.js';

/** Every input this version reads, as named in action.yml. */
export const INPUT_NAMES = [
  'connect-string',
  'username',
  'password',
  'schemas',
  'directory',
  'dump-path',
  'oracle-home',
  'timeout',
  'dump-name',
  'expdp-parameters',
  'archive-per',
  'archive-name',
  'compression-level',
  'archive-password',
  'work-dir',
  'keep-dumps',
  'copy-to',
  'log-dir',
  'fail-on',
  'dry-run',
  ...EXPORT_INPUT_NAMES,
  ...SFTP_INPUT_NAMES,
  ...RETENTION_INPUT_NAMES,
  ...SMTP_INPUT_NAMES,
  ...REPORT_INPUT_NAMES,
  ...MODE_INPUT_NAMES,
] as const;

/**
 * The default of every input, as the settings module applies it when the input is empty ('' means "computed":
 * archive-name from archive-per, work-dir from dump-path, log-dir from work-dir, oracle-home from ORACLE_HOME,
 * smtp-port from smtp-security, dump-path from the database). action.yml must say the same (a test checks it).
 */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = {
  ...DEFAULTS,
  ...EXPORT_DEFAULTS,
  ...SFTP_DEFAULTS,
  ...RETENTION_DEFAULTS,
  ...Object.fromEntries(Object.entries(SMTP_INPUTS).map(([name, input]) => [name, input.default])),
  ...Object.fromEntries(Object.entries(REPORT_INPUTS).map(([name, input]) => [name, input.default])),
  ...MODE_DEFAULTS,
};

/** Inputs without which no backup can run (verify and monitor need destinations instead, checked there). */
export const REQUIRED_INPUTS = ['connect-string', 'schemas'] as const;

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

export function loadSettings(env: Env = process.env): LoadedSettings {
  const result = parseSettings(readRawInputs(), withBase(env));
  maskSecrets(result.secrets);
  if (!result.ok) throw new ConfigurationError(result.errors);
  return { settings: result.settings, secrets: result.secrets, warnings: result.warnings };
}

/** `mode: verify` or `monitor`: undefined in the default backup mode. */
export function loadModeSettings(env: Env = process.env): LoadedModeSettings | undefined {
  const raw = readRawInputs();
  if (requestedMode(raw) === 'backup') return undefined;
  const result = parseModeRunSettings(raw, withBase(env));
  maskSecrets(result.secrets);
  if (!result.ok) throw new ConfigurationError(result.errors);
  return { settings: result.settings, secrets: result.secrets, warnings: result.warnings };
}
