// Turns the raw input strings into a validated Settings object. Pure: no @actions/core, no file system, no
// clock; the environment is an argument. Every problem is collected so that users fix everything at once.
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { FailOn, SchemaSettings, Settings } from '../types.js';
import { NAME_TOKENS, validateNameTemplate } from './names.js';
import { Collector, MASKED, show } from './collector.js';
import { parseBoolean, parseDuration, parseList } from './parse.js';
import { checkExclude, parseExportSettings, parseParallel } from './export-settings.js';
import { parseRetentionSettings } from './retention-settings.js';
import type { ReportLanguage } from '../report/i18n.js';
import { parseMode, parseModeSettings, type ActionMode, type ModeSettings } from './mode-settings.js';
import { parseReportSettings, type ReportSettings } from './report-settings.js';
import { parseSftpSettings, type SftpSettings } from './sftp-settings.js';
import { isCredentialCode, describeCode } from '../export/oracle-messages.js';
import { parseReportLanguage, parseSmtpSettings, type SmtpSettings } from './smtp-settings.js';

export type RawInputs = Record<string, string>;
export type Env = Record<string, string | undefined>;

export type ParseSettingsResult =
  | { ok: true; settings: Settings; secrets: string[]; warnings: string[] }
  | { ok: false; errors: string[]; secrets: string[] };

/** Defaults applied when an input is '' (action.yml states the same ones). */
export const DEFAULTS = {
  directory: 'DATA_PUMP_DIR',
  timeout: '1h',
  'dump-name': '{schema}_{date}_{time}',
  'archive-per': 'run',
  'compression-level': '6',
  'keep-dumps': 'false',
  'fail-on': 'partial',
  'dry-run': 'false',
} as const;

export const DEFAULT_ARCHIVE_NAME = {
  run: 'oracle-backup_{date}_{time}',
  schema: '{schema}_{date}_{time}',
} as const;

/** Parfile keys the action sets itself, or that would break it, with the reason shown to the user. */
export const FORBIDDEN_EXPDP_KEYS: Readonly<Record<string, string>> = (() => {
  const mode = 'the action exports in schema mode (use the schemas input)';
  return {
    USERID: 'the login comes from username, password and connect-string',
    PARFILE: 'the action writes the parameter file itself',
    DIRECTORY: 'use the directory input',
    DUMPFILE: 'the action names the dump files (use the dump-name input)',
    FILE: 'it is the legacy name of DUMPFILE, which the action sets (use the dump-name input)',
    LOGFILE: 'the action names and reads the log file',
    LOG: 'it is the legacy name of LOGFILE, which the action sets',
    NOLOGFILE: 'the action reads the log file to judge the export',
    JOB_NAME: 'the action names the job so that it can find and stop it',
    SCHEMAS: mode,
    OWNER: mode,
    FULL: mode,
    TABLES: mode,
    TABLESPACES: mode,
    TRANSPORT_TABLESPACES: mode,
    ATTACH: 'it attaches to an existing job instead of starting an export',
    HELP: 'it prints help instead of exporting',
    ENCRYPTION_PASSWORD:
      'Data Pump echoes it; encrypt the archive with archive-password (from a secret) instead',
    ENCRYPTION_PWD_PROMPT: 'expdp would wait for a password typed on a terminal',
    PARALLEL:
      'use the parallel input (or parallel per schema), which also gives the dump files a %U template',
    FILESIZE: 'use the filesize input, which also gives the dump files a %U template',
    FLASHBACK_SCN: 'the action sets it for a consistent export (use the consistent input)',
    FLASHBACK_TIME: 'the action sets it for a consistent export (use the consistent input)',
    CONSISTENT: 'it is the legacy form of FLASHBACK_TIME (use the consistent input)',
  };
})();

/** Keys whose values are secrets: masked, never shown, and found even where quotes do not match. */
const SECRET_EXPDP_KEY_RE = /(?:^|[\s,])(USERID|ENCRYPTION_PASSWORD)\s*=/gi;

const IDENTIFIER_RE = /^[A-Za-z][A-Za-z0-9_$#]{0,127}$/;
// Quoted names keep their case; their characters stay file-name safe because they end up in `{schema}`.
const QUOTED_IDENTIFIER_RE = /^"([A-Za-z0-9_$#]{1,128})"$/;
const USERNAME_QUOTED_RE = /^"[^"\s/@]{1,128}"$/;
const SYS_PRIVILEGE_RE = /\bas\s+sys(?:dba|oper|backup|dg|km|rac|asm)\b/i;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const HOST = String.raw`(?:[A-Za-z0-9_][A-Za-z0-9_.-]*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?`;
const EASY_CONNECT_RE = new RegExp(
  String.raw`^(?:(?:tcps?:)?//)?${HOST}(?:,${HOST})*(?:/[A-Za-z0-9_.$#-]+)?` +
    String.raw`(?::(?:dedicated|shared|pooled))?` +
    String.raw`(?:/[A-Za-z0-9_.$#-]+)?(?:\?[^\s"'@]*)?$`,
  'i',
);
const TNS_ALIAS_RE = /^[A-Za-z][\w.-]*$/;

const CONNECT_HINT =
  'use Easy Connect host[:port]/service (e.g. dbhost:1521/ORCLPDB1) or a TNS alias (e.g. PROD)';
const SCHEMA_NAME_HINT =
  'use Oracle schema names such as HR or SALES_2024 (letters, digits, _, $ and #, starting with a letter), ' +
  'or "MixedCase" in double quotes to keep its case';
const SCHEMAS_HINT =
  'use schema names separated by commas or one per line (e.g. HR, SALES), ' +
  'or a YAML list whose items are a name or a mapping {name, username, password, timeout, parallel, exclude}';
const USERNAME_HINT = 'use a database user name such as SYSTEM or BACKUP_ADMIN';
const TOKENS_TEXT = NAME_TOKENS.map((t) => `{${t}}`).join(', ');
const SCHEMA_KEYS = 'name, username, password, timeout, parallel and exclude';

const SchemaMapping = z.strictObject({
  name: z.string(),
  username: z.string().optional(),
  password: z.string().optional(),
  timeout: z.string().optional(),
  parallel: z.string().optional(),
  exclude: z.union([z.string(), z.array(z.string())]).optional(),
});
const ArchivePer = z.enum(['run', 'schema']);
const FailOnEnum = z.enum(['partial', 'failure']);
const CompressionLevel = z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(9));

/** Why a user name cannot be used (empty when it can); `masked` when it may hold a password. */
function checkUsername(value: string, c: Collector): { clauses: string[]; masked: boolean } {
  if (value.includes('/')) {
    // `user/password` typed into the user name: treat the whole value and the part after `/` as secrets.
    c.secret(value, value.slice(value.indexOf('/') + 1).split('@')[0]);
    return {
      masked: true,
      clauses: [
        'it contains "/"',
        'put only the user name here and the password in password (from a secret)',
      ],
    };
  }
  if (SYS_PRIVILEGE_RE.test(value))
    return {
      masked: false,
      clauses: [
        'Oracle advises against running Data Pump as SYSDBA (or any AS SYS... privilege)',
        'use a user with the DATAPUMP_EXP_FULL_DATABASE role, or the schema itself, without AS SYSDBA',
      ],
    };
  if (value.includes('@'))
    return {
      masked: false,
      clauses: ['it contains "@"', 'put the database in connect-string and only the user name here'],
    };
  if (value.toUpperCase() === 'SYS')
    return {
      masked: false,
      clauses: [
        'SYS can only log in AS SYSDBA, which Oracle advises against for Data Pump',
        'use SYSTEM or a user with the DATAPUMP_EXP_FULL_DATABASE role',
      ],
    };
  if (!IDENTIFIER_RE.test(value) && !USERNAME_QUOTED_RE.test(value))
    return { masked: false, clauses: [USERNAME_HINT] };
  return { masked: false, clauses: [] };
}

/** Why a password cannot be used: it goes into a parfile line, where a line break starts a new parameter. */
function checkPassword(value: string): string[] {
  if (value.includes('"'))
    return ['Oracle passwords cannot contain double quotes', 'use a password without double quotes'];
  if (CONTROL_RE.test(value))
    return ['it contains a line break or control character', 'use a password on one line'];
  return [];
}

/**
 * Oracle identifier → the name as settings carry it, or undefined when invalid: unquoted names upper-cased,
 * quoted names kept with their quotes (the parfile needs them to keep the case) unless quoting changes
 * nothing (`"HR"` is HR).
 */
function oracleName(text: string): string | undefined {
  if (IDENTIFIER_RE.test(text)) return text.toUpperCase();
  const inner = QUOTED_IDENTIFIER_RE.exec(text)?.[1];
  if (inner === undefined) return undefined;
  return IDENTIFIER_RE.test(inner) && inner === inner.toUpperCase() ? inner : text;
}

/** The name Oracle stores (no quotes), for comparisons. */
const bareName = (name: string): string => name.replace(/^"|"$/g, '');

interface SchemaEntry {
  name: string;
  /** How the user wrote it, for messages. */
  given: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  parallel?: number;
  exclude?: string[];
}

function parseSchemaName(given: string, c: Collector): SchemaEntry | undefined {
  const name = oracleName(given);
  if (name === undefined) {
    c.notAllowed('schemas', show(given), SCHEMA_NAME_HINT);
    return undefined;
  }
  return { name, given };
}

function parseYamlSchemas(text: string, c: Collector): SchemaEntry[] {
  // The failsafe schema keeps every scalar a string: a password like 0123 stays as written.
  const doc = YAML.parseDocument(text, { schema: 'failsafe', prettyErrors: true });
  if (doc.errors.length > 0) {
    // Only the first line of yaml's message: the rest quotes the source, which may hold a password.
    const first = doc.errors[0]?.message.split('\n')[0]?.replace(/:$/, '') ?? 'invalid YAML';
    c.notAllowed('schemas', MASKED, `the YAML list cannot be read (${first})`, SCHEMAS_HINT);
    return [];
  }
  const root: unknown = doc.toJS();
  if (typeof root === 'string') return [parseSchemaName(root, c)].filter((e) => e !== undefined);
  if (!Array.isArray(root)) {
    c.notAllowed('schemas', MASKED, 'it is not a YAML list', SCHEMAS_HINT);
    return [];
  }
  const entries: SchemaEntry[] = [];
  root.forEach((item: unknown, index) => {
    const position = `item ${index + 1}`;
    if (item === null || item === '') return;
    if (typeof item === 'string') {
      const entry = parseSchemaName(item, c);
      if (entry) entries.push(entry);
      return;
    }
    if (typeof item !== 'object' || Array.isArray(item)) {
      c.notAllowed('schemas', position, 'it is a nested list', SCHEMAS_HINT);
      return;
    }
    const entry = parseSchemaMapping(item as Record<string, unknown>, position, c);
    if (entry) entries.push(entry);
  });
  return entries;
}

function parseSchemaMapping(
  item: Record<string, unknown>,
  position: string,
  c: Collector,
): SchemaEntry | undefined {
  // Collect the secrets first, whatever else is wrong with the item.
  for (const [key, value] of Object.entries(item))
    if (/pas+w|pwd|secret/i.test(key) && typeof value === 'string') c.secret(value);

  const label = typeof item.name === 'string' && item.name !== '' ? item.name : position;
  const parsed = SchemaMapping.safeParse(item);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          c.notAllowed(
            'schemas',
            `${show(key)} (in ${label})`,
            'it is not a per-schema setting',
            `use ${SCHEMA_KEYS}`,
          );
        }
      } else {
        const key = String(issue.path[0] ?? '');
        if (key === 'name' && item.name === undefined)
          c.notAllowed('schemas', position, 'it has no name', 'give every mapping a name, e.g. {name: HR}');
        else
          c.notAllowed(
            'schemas',
            `${show(key)} (in ${label})`,
            key === 'exclude' ? 'its value must be text or a list of texts' : 'its value must be text',
            `use ${SCHEMA_KEYS}`,
          );
      }
    }
    return undefined;
  }

  const { name: given, username, password, timeout, parallel, exclude } = parsed.data;
  const entry = given === '' ? undefined : parseSchemaName(given, c);
  if (given === '')
    c.notAllowed('schemas', position, 'its name is empty', 'give every mapping a name, e.g. {name: HR}');
  let valid = entry !== undefined;
  const result: SchemaEntry = { name: entry?.name ?? '', given };

  if (username) {
    const { clauses, masked } = checkUsername(username, c);
    if (clauses.length > 0) {
      c.notAllowed('schemas', `${masked ? MASKED : show(username)} (username of ${label})`, ...clauses);
      valid = false;
    }
    result.username = username;
  }
  if (password) {
    const clauses = checkPassword(password);
    if (clauses.length > 0) {
      c.notAllowed('schemas', `${MASKED} (password of ${label})`, ...clauses);
      valid = false;
    }
    result.password = password;
  }
  if (timeout) {
    const ms = parseDuration(timeout);
    if (ms.ok) result.timeoutMs = ms.value;
    else {
      c.notAllowed('schemas', `${show(timeout)} (timeout of ${label})`, ms.error);
      valid = false;
    }
  }
  if (parallel !== undefined) {
    const n = parseParallel(parallel);
    if (n.ok) result.parallel = n.value;
    else {
      c.notAllowed('schemas', `${show(parallel)} (parallel of ${label})`, n.error);
      valid = false;
    }
  }
  if (exclude !== undefined) {
    const items = (Array.isArray(exclude) ? exclude : [exclude]).map((e) => checkExclude(e, label, c));
    if (items.every((e) => e !== undefined)) result.exclude = items;
    else valid = false;
  }
  return valid ? result : undefined;
}

function parseSchemas(text: string, c: Collector): SchemaEntry[] {
  if (text === '') {
    c.notAllowed('schemas', '""', 'it is required', SCHEMAS_HINT);
    return [];
  }
  const errorsBefore = c.errors.length;
  const isYaml = text.startsWith('-') || text.startsWith('[');
  const entries = isYaml
    ? parseYamlSchemas(text, c)
    : parseList(text)
        .map((given) => parseSchemaName(given, c))
        .filter((e) => e !== undefined);
  if (entries.length === 0 && c.errors.length === errorsBefore)
    c.notAllowed('schemas', isYaml ? MASKED : show(text), 'it lists no schema', SCHEMAS_HINT);

  // Keyed by upper case: "Hr" and HR are different schemas, but their files would collide on Windows.
  const seen = new Map<string, SchemaEntry>();
  const unique: SchemaEntry[] = [];
  for (const entry of entries) {
    const key = bareName(entry.name).toUpperCase();
    const previous = seen.get(key);
    if (previous === undefined) {
      seen.set(key, entry);
      unique.push(entry);
    } else if (previous.name === entry.name)
      c.notAllowed('schemas', show(entry.given), `${entry.name} is listed twice`, 'list each schema once');
    else
      c.notAllowed(
        'schemas',
        show(entry.given),
        `it differs from ${show(previous.given)} only in case, so their files would collide on Windows`,
        'list each schema once',
      );
  }
  return unique;
}

/** One error for all schemas left without a username (or password) once the top-level one is applied. */
function requireCredential(
  field: 'username' | 'password',
  schemas: SchemaSettings[],
  howToSet: string,
  c: Collector,
): void {
  const missing = schemas.filter((s) => s[field] === '').map((s) => s.name);
  if (missing.length === 0) return;
  const [verb, pronoun] = missing.length === 1 ? ['has', 'its'] : ['have', 'their'];
  c.notAllowed(
    field,
    '""',
    `it is required because ${missing.join(', ')} ${verb} no ${field} of ${pronoun} own`,
    `${howToSet} or give each schema a ${field} in a YAML list`,
  );
}

function checkConnectString(value: string, c: Collector): void {
  if (value === '') {
    c.notAllowed('connect-string', '""', 'it is required', CONNECT_HINT);
    return;
  }
  if (value.includes('@')) {
    // Most likely `user/password@db`: never echo it, and mask it and its password part everywhere.
    const at = value.lastIndexOf('@');
    const slash = value.indexOf('/');
    c.secret(value, value.slice(0, at), slash >= 0 && slash < at ? value.slice(slash + 1, at) : undefined);
    c.notAllowed(
      'connect-string',
      MASKED,
      'it contains "@", so it may hold credentials',
      `${CONNECT_HINT}, and put the user in username and the password in password (from a secret)`,
    );
    return;
  }
  if (value.startsWith('('))
    c.notAllowed(
      'connect-string',
      show(value),
      'connect descriptors are not supported',
      'put it in tnsnames.ora and use its alias (with TNS_ADMIN set), ' +
        'or use Easy Connect host[:port]/service',
    );
  else if (!EASY_CONNECT_RE.test(value) && !TNS_ALIAS_RE.test(value))
    c.notAllowed('connect-string', show(value), CONNECT_HINT);
}

const WINDOWS_ABSOLUTE_RE = /^[A-Za-z]:[\\/]/;
const isWindowsPath = (p: string): boolean => WINDOWS_ABSOLUTE_RE.test(p) || p.startsWith('\\\\');
const isAbsolutePath = (p: string): boolean =>
  p.startsWith('/') || p.startsWith('\\') || WINDOWS_ABSOLUTE_RE.test(p);

/** Joins with the separator style of `base`, since a pure module cannot ask the OS which one applies. */
function joinPath(base: string, child: string): string {
  return (isWindowsPath(base) ? path.win32 : path.posix).join(base, child);
}

/**
 * A path input made absolute against the workspace. Absolute paths (UNC `\\server\share` included) are kept
 * exactly as given; without GITHUB_WORKSPACE or PWD a relative path stays relative (to the process's folder).
 */
function resolvePath(input: string, value: string, env: Env, c: Collector): string | undefined {
  if (CONTROL_RE.test(value)) {
    c.notAllowed(
      input,
      show(value),
      'it contains a line break or control character',
      'use a single folder path',
    );
    return undefined;
  }
  if (isAbsolutePath(value)) return value;
  if (/^[A-Za-z]:/.test(value)) {
    c.notAllowed(
      input,
      show(value),
      'it is relative to a drive',
      `use a full path such as ${value.slice(0, 2)}\\backups`,
    );
    return undefined;
  }
  if (value === '~' || value.startsWith('~/') || value.startsWith('~\\')) {
    const home = env.HOME || env.USERPROFILE;
    if (!home) {
      c.notAllowed(input, show(value), 'the home folder is not known here', 'use a full path');
      return undefined;
    }
    return value === '~' ? home : joinPath(home, value.slice(2));
  }
  const base = env.GITHUB_WORKSPACE || env.PWD;
  return base ? joinPath(base, value) : value;
}

/** Checks a name template input and strips an extension the action adds itself. */
function checkNameTemplate(
  input: string,
  value: string,
  extension: string,
  options: { allowSchema: boolean; requireSchema?: boolean; extra?: string[]; schemaHint?: string },
  c: Collector,
): string {
  let template = value;
  if (template.toLowerCase().endsWith(extension) && template.length > extension.length) {
    template = template.slice(0, -extension.length);
    c.warnings.push(`${input}: "${extension}" is added by the action; using ${show(template)}.`);
  }
  const problems = [...validateNameTemplate(template, options), ...(options.extra ?? [])];
  if (problems.length > 0) {
    const tokens = `the tokens ${TOKENS_TEXT}`;
    const hint = `use a file name (no folder) made of text and ${tokens}; "${extension}" is added`;
    c.notAllowed(
      input,
      show(value),
      ...problems,
      options.schemaHint ? `${options.schemaHint}; ${hint}` : hint,
    );
  } else if (!template.includes('{time}') && !template.includes('{run}')) {
    c.warnings.push(
      `${input}: ${show(value)} has no {time} or {run}, so a second run on the same day ` +
        'gives the same name (and meets the file of the first run).',
    );
  }
  return template;
}

/** Characters a Data Pump parfile would misread in DUMPFILE, beyond what validateNameTemplate reports. */
function dumpNameCharacterProblems(template: string): string[] {
  const literal = template.replace(/\{[a-z]+\}/g, '');
  const reported = new Set(['/', '\\', '<', '>', ':', '"', '|', '?', '*', '{', '}']);
  const bad = [...new Set(literal)].filter(
    (ch) => !/[A-Za-z0-9_.$#-]/.test(ch) && !reported.has(ch) && !CONTROL_RE.test(ch),
  );
  if (bad.length === 0) return [];
  return [
    `Data Pump would misread ${bad.map((ch) => JSON.stringify(ch)).join(', ')} in a dump file name` +
      (bad.includes('%') ? ' (% starts a substitution such as %U)' : ''),
  ];
}

/** Splits a parfile line's keys, ignoring quoted text; undefined when a quote is not closed. */
function parfileKeys(line: string): string[] | undefined {
  const blanked = line.replace(/"[^"]*"|'[^']*'/g, 'Q');
  if (/["']/.test(blanked)) return undefined;
  return [...blanked.matchAll(/(?:^|[\s,])([A-Za-z_][A-Za-z0-9_]*)\s*=/g)].map((m) =>
    (m[1] ?? '').toUpperCase(),
  );
}

function parseExpdpParameters(text: string, c: Collector): string[] {
  const input = 'expdp-parameters';
  const lines: string[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const keys = parfileKeys(line);
    const secretKeys = [...line.matchAll(SECRET_EXPDP_KEY_RE)].map((m) => (m[1] ?? '').toUpperCase());
    for (const key of secretKeys) {
      const rest = new RegExp(String.raw`${key}\s*=\s*(.*)$`, 'i').exec(line)?.[1] ?? '';
      const value = /^("[^"]*"|'[^']*'|[^\s,]+)/.exec(rest)?.[1] ?? rest;
      const unquoted = value.replace(/^["']|["']$/g, '');
      const slash = unquoted.indexOf('/');
      c.secret(rest, value, unquoted, slash >= 0 ? unquoted.slice(slash + 1).split('@')[0] : undefined);
    }
    const shown = secretKeys.length > 0 ? show(secretKeys.map((k) => `${k}=***`).join(' ')) : show(line);
    const allowed = 'use one KEY=VALUE parfile line per line, e.g. EXCLUDE=STATISTICS';
    if (keys === undefined) {
      c.notAllowed(input, shown, 'a quote is not closed', allowed);
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S/.test(line)) {
      c.notAllowed(
        input,
        shown,
        'it is not KEY=VALUE (a bare keyword would become a dump file name)',
        allowed,
      );
      continue;
    }
    if (line.endsWith('\\')) {
      c.notAllowed(input, shown, 'continuation lines are not supported', 'write each parameter on one line');
      continue;
    }
    const forbidden = keys.filter((k) => FORBIDDEN_EXPDP_KEYS[k] !== undefined);
    if (forbidden.length > 0) {
      const reasons = forbidden.map((k) => `${k} is not allowed here: ${FORBIDDEN_EXPDP_KEYS[k]}`);
      c.notAllowed(input, shown, ...reasons, `use other parameters, e.g. EXCLUDE=STATISTICS`);
      continue;
    }
    const compression = /(?:^|[\s,])COMPRESSION\s*=\s*(ALL|DATA_ONLY)\b/i.exec(line);
    if (compression)
      c.warnings.push(
        `${input}: COMPRESSION=${compression[1]?.toUpperCase()} needs the Oracle Advanced Compression ` +
          'option, which is licensed separately; METADATA_ONLY and NONE need no licence.',
      );
    lines.push(line);
  }
  return lines;
}

const MESSAGE_CODE_RE = /^[A-Z]{3}-\d{5}$/;

/** ignore-codes: message codes that count as information; codes that make an export fail are refused. */
export function parseIgnoreCodes(text: string, c: Collector): string[] {
  const codes: string[] = [];
  for (const item of parseList(text)) {
    const code = item.toUpperCase();
    if (!MESSAGE_CODE_RE.test(code)) {
      c.notAllowed('ignore-codes', show(item), 'use message codes such as ORA-39181 or EXP-00091');
    } else if (isCredentialCode(code) || describeCode(code)?.fatal) {
      c.notAllowed(
        'ignore-codes',
        show(item),
        `${code} (${describeCode(code)?.meaning ?? 'invalid username/password'}) makes the export fail, so it cannot be ignored`,
        'list only codes of warnings, such as ORA-39181 or EXP-00091',
      );
    } else if (!codes.includes(code)) codes.push(code);
  }
  return codes;
}

/**
 * A copy-to folder names a place that exists apart from this job (a mounted share, a UNC path): resolving a
 * relative one against the workspace would point it at the runner's own disk, so only absolute paths (and `~`,
 * which is one) are taken.
 */
function isRelativeFolder(value: string): boolean {
  const home = value === '~' || value.startsWith('~/') || value.startsWith('~\\');
  // Drive-relative paths (C:stage) get resolvePath's own, more precise refusal.
  return !CONTROL_RE.test(value) && !isAbsolutePath(value) && !/^[A-Za-z]:/.test(value) && !home;
}

/** The copy-to folders, each once. */
function parseCopyTo(get: (name: string) => string, env: Env, c: Collector, workDir: string): string[] {
  const copyTo: string[] = [];
  for (const item of parseList(get('copy-to'))) {
    if (isRelativeFolder(item)) {
      c.notAllowed(
        'copy-to',
        show(item),
        'it is a relative path, and a destination must be a folder that already exists',
        'use an absolute path (e.g. /mnt/backup-share/oracle) or a UNC share (e.g. \\\\nas01\\backup\\oracle)',
      );
      continue;
    }
    const folder = resolvePath('copy-to', item, env, c);
    if (folder === undefined) continue;
    if (copyTo.includes(folder))
      c.notAllowed('copy-to', show(item), 'it is listed twice', 'list each folder once');
    else copyTo.push(folder);
    if (folder === workDir)
      c.warnings.push(
        `copy-to: ${show(item)} is the work-dir itself, so it holds no second copy of the backup.`,
      );
  }
  return copyTo;
}

/** Settings of `mode: verify` and `mode: monitor`: only the destinations and the reports, no database. */
export interface ModeRunSettings {
  mode: Exclude<ActionMode, 'backup'>;
  modes: ModeSettings;
  copyTo: string[];
  sftp?: SftpSettings;
  smtp?: SmtpSettings;
  reportLanguage: ReportLanguage;
  archivePassword: string;
  logDir: string;
  failOn: FailOn;
  report: ReportSettings;
}

export type ParseModeRunResult =
  | { ok: true; settings: ModeRunSettings; secrets: string[]; warnings: string[] }
  | { ok: false; errors: string[]; secrets: string[] };

/** The mode the inputs ask for; anything invalid is reported by the full parse that follows. */
export function requestedMode(raw: RawInputs): ActionMode {
  const c = new Collector();
  return parseMode((name) => (raw[name] ?? '').trim(), c);
}

/** Validates the inputs of verify and monitor: they need the destinations' credentials and nothing of Oracle's. */
export function parseModeRunSettings(raw: RawInputs, env: Env): ParseModeRunResult {
  const c = new Collector();
  const get = (name: string): string => (raw[name] ?? '').trim();
  const archivePassword = get('archive-password');
  c.secret(archivePassword);
  const copyTo = parseCopyTo(get, env, c, '');
  const sftp = parseSftpSettings(get, c);
  const smtp = parseSmtpSettings(get, c);
  const reportLanguage = parseReportLanguage(get, c);
  const report = parseReportSettings(get, c);
  // The one place the mode is read and checked, so an invalid value is one problem.
  const modes = parseModeSettings(get, c, { copyTo, sftp: sftp !== undefined });
  const { mode } = modes;
  const logDirText = get('log-dir');
  const logDir = logDirText
    ? (resolvePath('log-dir', logDirText, env, c) ?? '')
    : joinPath(env.RUNNER_TEMP || env.GITHUB_WORKSPACE || env.PWD || '.', 'oracle-backup-logs');
  const failOnText = getOr('fail-on');
  const failOn = FailOnEnum.safeParse(failOnText.toLowerCase());
  if (!failOn.success) c.notAllowed('fail-on', show(failOnText), 'use partial or failure');
  if (c.errors.length > 0 || !failOn.success || mode === 'backup')
    return { ok: false, errors: c.errors, secrets: c.secrets };
  return {
    ok: true,
    settings: {
      mode,
      modes,
      copyTo,
      sftp,
      smtp,
      reportLanguage,
      archivePassword,
      logDir,
      failOn: failOn.data,
      report,
    },
    secrets: c.secrets,
    warnings: c.warnings,
  };

  function getOr(name: keyof typeof DEFAULTS): string {
    return get(name) || DEFAULTS[name];
  }
}

/**
 * Validates the raw inputs (kebab-case names → trimmed values, '' when not given) and builds the Settings.
 * `secrets` lists every value to mask, also when the configuration is invalid: mask them before logging.
 */
export function parseSettings(raw: RawInputs, env: Env): ParseSettingsResult {
  const c = new Collector();
  const get = (name: string): string => (raw[name] ?? '').trim();
  const getOr = (name: keyof typeof DEFAULTS): string => get(name) || DEFAULTS[name];

  // Secrets first, so that they are known even when something else fails.
  const password = get('password');
  const archivePassword = get('archive-password');
  c.secret(password, archivePassword);

  const connectString = get('connect-string');
  checkConnectString(connectString, c);

  const username = get('username');
  if (username) {
    const { clauses, masked } = checkUsername(username, c);
    if (clauses.length > 0) c.notAllowed('username', masked ? MASKED : show(username), ...clauses);
  }
  if (password) {
    const clauses = checkPassword(password);
    if (clauses.length > 0) c.notAllowed('password', MASKED, ...clauses);
  }

  const timeoutText = getOr('timeout');
  const timeout = parseDuration(timeoutText);
  if (!timeout.ok) c.notAllowed('timeout', show(timeoutText), timeout.error);
  const timeoutMs = timeout.ok ? timeout.value : 0;

  const entries = parseSchemas(get('schemas'), c);
  // The top-level password belongs to the top-level username: a schema that names its own login brings its own.
  const ownLoginWithoutPassword = entries.filter((e) => e.username && !e.password).map((e) => e.name);
  if (ownLoginWithoutPassword.length > 0)
    c.notAllowed(
      'schemas',
      `"${ownLoginWithoutPassword.join(', ')}"`,
      'a schema that names its own username needs its own password too (the top-level password belongs to username)',
      'add password to each such schema, from a secret',
    );
  const schemas: SchemaSettings[] = entries.map((e) => ({
    name: e.name,
    username: e.username || username,
    password: e.username ? (e.password ?? '') : e.password || password,
    timeoutMs: e.timeoutMs ?? timeoutMs,
    ...(e.parallel !== undefined ? { parallel: e.parallel } : {}),
    ...(e.exclude !== undefined ? { exclude: e.exclude } : {}),
  }));
  requireCredential('username', schemas, 'set username (used by every schema without one)', c);
  requireCredential(
    'password',
    schemas.filter((s) => !ownLoginWithoutPassword.includes(s.name)),
    'set password from a secret (password: ${{ secrets.ORACLE_BACKUP_PASSWORD }})',
    c,
  );

  const directoryText = getOr('directory');
  const directory = IDENTIFIER_RE.test(directoryText) ? directoryText.toUpperCase() : '';
  if (directory === '')
    c.notAllowed(
      'directory',
      show(directoryText),
      'use the name of an Oracle directory object such as DATA_PUMP_DIR (not a folder path)',
    );

  const exportSettings = parseExportSettings(get, c);
  const dumpPathText = get('dump-path');
  let dumpPath = '';
  if (dumpPathText === '') {
    // Looked up in ALL_DIRECTORIES at run time (resolveRunPaths); exp writes on the runner, into work-dir.
    const dir = directory || DEFAULTS.directory;
    if (!exportSettings.oracleQueries && exportSettings.tool !== 'exp')
      c.notAllowed(
        'dump-path',
        '""',
        'it can only be looked up in the database with oracle-queries: true',
        `give the folder of the directory object ${dir} as this runner sees it, as shown by ` +
          `SELECT directory_path FROM all_directories WHERE directory_name = '${dir}'`,
      );
    else if (exportSettings.tool === 'exp' && get('work-dir') === '')
      c.notAllowed(
        'work-dir',
        '""',
        'export-tool exp writes its dump files on the runner, into work-dir, and dump-path is empty too',
        'give the folder for the dump files and archives in work-dir',
      );
  } else dumpPath = resolvePath('dump-path', dumpPathText, env, c) ?? '';

  const oracleHomeText = get('oracle-home') || (env.ORACLE_HOME ?? '').trim();
  const oracleHome = oracleHomeText ? (resolvePath('oracle-home', oracleHomeText, env, c) ?? '') : '';

  const dumpNameText = getOr('dump-name');
  const dumpName = checkNameTemplate(
    'dump-name',
    dumpNameText,
    '.dmp',
    { allowSchema: true, extra: dumpNameCharacterProblems(dumpNameText) },
    c,
  );

  const expdpParameters = parseExpdpParameters(get('expdp-parameters'), c);
  if (exportSettings.tool === 'exp') {
    if (expdpParameters.length > 0)
      c.notAllowed(
        'expdp-parameters',
        show(expdpParameters.join('\n')),
        'they are Data Pump parameters, which legacy exp does not take',
        'leave expdp-parameters empty with export-tool: exp',
      );
    const dataPumpOnly = entries.filter((e) => e.parallel !== undefined || e.exclude !== undefined);
    if (dataPumpOnly.length > 0)
      c.notAllowed(
        'schemas',
        show(dataPumpOnly.map((e) => e.name).join(', ')),
        'per-schema parallel and exclude are Data Pump features, which legacy exp lacks',
        'remove them, or use export-tool: expdp',
      );
  }

  const archivePerText = getOr('archive-per');
  const archivePerParsed = ArchivePer.safeParse(archivePerText.toLowerCase());
  if (!archivePerParsed.success)
    c.notAllowed(
      'archive-per',
      show(archivePerText),
      'use run (one zip holding every schema) or schema (one zip per schema)',
    );
  const archivePer = archivePerParsed.success ? archivePerParsed.data : 'run';
  const archiveName = checkNameTemplate(
    'archive-name',
    get('archive-name') || DEFAULT_ARCHIVE_NAME[archivePer],
    '.zip',
    archivePerParsed.success
      ? {
          allowSchema: archivePer === 'schema',
          schemaHint: archivePer === 'run' ? 'set archive-per: schema for one zip per schema' : undefined,
        }
      : { allowSchema: true, requireSchema: false },
    c,
  );

  const levelText = getOr('compression-level');
  const level = CompressionLevel.safeParse(levelText);
  if (!level.success)
    c.notAllowed('compression-level', show(levelText), 'use a whole number from 0 (store) to 9 (smallest)');

  if (archivePassword && [...archivePassword].length < 8)
    c.notAllowed(
      'archive-password',
      MASKED,
      'it is shorter than 8 characters, too easy to guess for an encrypted backup',
      'use at least 8 characters (a long random secret is best)',
    );

  const workDirText = get('work-dir');
  const workDir = workDirText ? (resolvePath('work-dir', workDirText, env, c) ?? '') : dumpPath;

  const keepDumps = parseBoolean(getOr('keep-dumps'));
  if (!keepDumps.ok) c.notAllowed('keep-dumps', show(getOr('keep-dumps')), keepDumps.error);

  const copyTo = parseCopyTo(get, env, c, workDir);

  const logDirText = get('log-dir');
  const logDir = logDirText
    ? (resolvePath('log-dir', logDirText, env, c) ?? '')
    : workDir && joinPath(workDir, 'logs');

  const failOnText = getOr('fail-on');
  const failOn = FailOnEnum.safeParse(failOnText.toLowerCase());
  if (!failOn.success)
    c.notAllowed(
      'fail-on',
      show(failOnText),
      'use partial (fail when anything went wrong) or failure (fail only when nothing usable was backed up)',
    );

  const dryRun = parseBoolean(getOr('dry-run'));
  if (!dryRun.ok) c.notAllowed('dry-run', show(getOr('dry-run')), dryRun.error);

  // Derived forms of each credential, as an export tool may print or log them.
  for (const cred of [{ username, password }, ...schemas]) {
    if (!cred.username || !cred.password) continue;
    // The parfile writer double-quotes passwords with special characters: mask that form too.
    for (const login of [`${cred.username}/${cred.password}`, `${cred.username}/"${cred.password}"`]) {
      c.secret(login);
      if (connectString) c.secret(`${login}@${connectString}`);
    }
  }

  const retention = parseRetentionSettings(get, c);
  const sftp = parseSftpSettings(get, c);
  const smtp = parseSmtpSettings(get, c);
  const report = parseReportSettings(get, c);
  // Also checks the mode's value (verify and monitor never reach this parse), once.
  const { verifyDump } = parseModeSettings(get, c, { copyTo, sftp: sftp !== undefined });
  const reportLanguage = parseReportLanguage(get, c);
  const ignoreCodes = parseIgnoreCodes(get('ignore-codes'), c);

  if (c.errors.length > 0 || !level.success || !failOn.success || !keepDumps.ok || !dryRun.ok)
    return { ok: false, errors: c.errors, secrets: c.secrets };

  const settings: Settings = {
    connectString,
    schemas,
    directory,
    dumpPath,
    oracleHome,
    export: exportSettings,
    timeoutMs,
    dumpName,
    expdpParameters,
    archivePer,
    archiveName,
    compressionLevel: level.data,
    archivePassword,
    workDir,
    keepDumps: keepDumps.value,
    copyTo,
    logDir,
    failOn: failOn.data satisfies FailOn,
    dryRun: dryRun.value,
    retention,
    sftp,
    smtp,
    report,
    verifyDump,
    reportLanguage,
    ...(ignoreCodes.length > 0 ? { ignoreCodes } : {}),
  };
  return { ok: true, settings, secrets: c.secrets, warnings: c.warnings };
}

/**
 * The folders of a run once dump-path is known (given, or looked up in ALL_DIRECTORIES at run time): work-dir
 * defaults to it and log-dir to `work-dir/logs`. Legacy exp writes its dump files on the runner, into work-dir,
 * so for exp that is where the run looks for them.
 */
export function resolveRunPaths(settings: Settings, dumpPath: string, tool: 'expdp' | 'exp'): Settings {
  const workDir = settings.workDir || dumpPath;
  const logDir = settings.logDir || joinPath(workDir, 'logs');
  return { ...settings, dumpPath: tool === 'exp' ? workDir : dumpPath, workDir, logDir };
}
