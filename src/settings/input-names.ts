// Every input of the action and its default, as action.yml declares them (a test checks that they agree). Pure.
import { EXPORT_DEFAULTS, EXPORT_INPUT_NAMES } from './export-settings.js';
import { RETENTION_DEFAULTS, RETENTION_INPUT_NAMES } from './retention-settings.js';
import { DEFAULTS } from './settings.js';
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
  'config',
  'ignore-codes',
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
  config: '',
  'ignore-codes': '',
};
