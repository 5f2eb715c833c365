// expdp-sim.mjs: a simulated Oracle Data Pump export client (`expdp`) for tests and demos.
//
// No Oracle server can run where the project is built and tested, so this program stands in for
// `$ORACLE_HOME/bin/expdp`. It reads its parameters the way the real client does (command line and parfile),
// "logs in" against a user list, and writes what a real 19c export writes: the banner, the log (to stdout and to
// the log file in the directory object's folder, progressively), the dump file set (deterministic, realistically
// compressible bytes) and the exit code (0 success, 5 completed with errors, 1 fatal).
//
// Everything it knows about the "database" comes from the JSON file named by the environment variable
// ORACLE_SIM_CONFIG; see README.md beside this file for the format and the per-schema behaviours
// (success, skipped-tables, directory-invalid, wrong-password, hang, no-log, fatal, empty-dump, missing-dump).
//
// Plain JavaScript ESM, node:* modules only, runs on Node 20 and Node 24. Started by ./bin/expdp.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  LineReader,
  maskParfile,
  oracleName,
  ParameterError,
  parseUserid,
  readParameters,
} from './sim-parameters.mjs';
import { setImmediate } from 'node:timers';
import {
  endJob,
  findJob,
  finishJob,
  jobsDirFor,
  pendingRequest,
  registerJob,
  requestStop,
  updateJobFiles,
} from './sim-jobs.mjs';

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Constants
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Parameters this simulator accepts (anything else is LRM-00101, as with the real client). */
const KNOWN_PARAMETERS = new Set([
  'USERID',
  'DIRECTORY',
  'DUMPFILE',
  'LOGFILE',
  'JOB_NAME',
  'SCHEMAS',
  'LOGTIME',
  'METRICS',
  'FLASHBACK_SCN',
  'FLASHBACK_TIME',
  'PARALLEL',
  'FILESIZE',
  'EXCLUDE',
  'INCLUDE',
  'COMPRESSION',
  'REUSE_DUMPFILES',
  'CONTENT',
  'ESTIMATE',
  'ESTIMATE_ONLY',
  'QUERY',
  'NOLOGFILE',
  'STATUS',
  'VERSION',
  'ENCRYPTION',
  'ENCRYPTION_PASSWORD',
  'ENCRYPTION_ALGORITHM',
  'ENCRYPTION_MODE',
  'KEEP_MASTER',
  'ACCESS_METHOD',
  'DATA_OPTIONS',
  'ATTACH',
  'HELP',
]);

/** Parameters that may be given several times; their values accumulate instead of replacing each other. */
const REPEATABLE_PARAMETERS = new Set(['EXCLUDE', 'INCLUDE', 'QUERY']);

const BEHAVIORS = [
  'success',
  'skipped-tables',
  'directory-invalid',
  'wrong-password',
  'hang',
  'no-log',
  'fatal',
  'empty-dump',
  'missing-dump',
];

/** Release-specific banner strings, by major database version. */
const RELEASES = {
  12: { version: null, copyright: '1982, 2017', name: '12c' },
  18: { version: '18.3.0.0.0', copyright: '1982, 2018', name: '18c' },
  19: { version: '19.27.0.0.0', copyright: '1982, 2019', name: '19c' },
  21: { version: '21.3.0.0.0', copyright: '1982, 2021', name: '21c' },
  23: { version: '23.8.0.25.04', copyright: '1982, 2025', name: '23ai' },
};

const STARS = '*'.repeat(78);
/** Bytes at the start of each dump file that carry a (simulated) header instead of table data. */
const HEADER_BYTES = 4096;
/** Size of the generated content blocks and of each write. */
const BLOCK_BYTES = 64 * 1024;
/** Distinct content blocks per schema (larger than zlib's 32 KiB window, so repeats do not inflate the ratio). */
const BLOCK_POOL = 16;
/** Prompted login attempts after the first failure, before the client gives up. */
const LOGIN_RETRIES = 3;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Oracle message texts, kept together so they are easy to compare with the real ones.
const MSG = {
  logonDenied:
    '\nUDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n\n',
  unknownParameter: (name) => `LRM-00101: unknown parameter name '${name}'`,
  cannotOpenParfile: (file) => `LRM-00109: could not open parameter file '${file}'`,
  noClosingQuote: (value) => `LRM-00111: no closing quote for value '${value}'`,
  parfileError: (file) => `LRM-00113: error when processing file '${file}'`,
  invalidValue: (name) => `UDE-00014: invalid value for parameter, '${name.toLowerCase()}'.`,
  flashbackConflict: [
    'ORA-39001: invalid argument value',
    'ORA-39050: parameter FLASHBACK_TIME is incompatible with parameter FLASHBACK_SCN',
  ],
  directoryInvalidForLog: (dir) => [
    'ORA-39002: invalid operation',
    'ORA-39070: Unable to open the log file.',
    `ORA-39087: directory name ${dir} is invalid`,
  ],
  folderMissingForLog: [
    'ORA-39002: invalid operation',
    'ORA-39070: Unable to open the log file.',
    'ORA-29283: invalid file operation: cannot open file [29435]',
  ],
  directoryInvalidForDump: (dir) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-39087: directory name ${dir} is invalid`,
  ],
  folderMissingForDump: (file) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-31641: unable to create dump file "${file}"`,
    'ORA-27040: file create error, unable to create file',
    'Linux-x86_64 Error: 2: No such file or directory',
    'Additional information: 1',
  ],
  dumpFileExists: (file) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-31641: unable to create dump file "${file}"`,
    'ORA-27038: created file already exists',
    'Additional information: 1',
  ],
  orphanJob:
    '\nUDE-00008: operation generated ORACLE error 31626\n\nORA-31626: job does not exist\n\n' +
    'ORA-06512: at "SYS.DBMS_SYS_ERROR", line 79\n\nORA-06512: at "SYS.KUPC$QUE_INT", line 536\n\n' +
    'ORA-25254: time-out in LISTEN while waiting for a message\n\nORA-06512: at "SYS.DBMS_DATAPUMP", line 2772\n\n' +
    'ORA-06512: at "SYS.DBMS_DATAPUMP", line 3886\n\nORA-06512: at line 1\n',
  tableSkipped: (owner, table, segment) =>
    `ORA-31693: Table data object "${owner}"."${table}" failed to load/unload and is being skipped due to error:\n` +
    'ORA-02354: error in exporting/importing data\n' +
    `ORA-01555: snapshot too old: rollback segment number ${segment.number} with name "${segment.name}" too small\n`,
  schemaNotFound: (schema) => `ORA-39165: Schema ${schema} was not found.`,
  nothingSelected: 'ORA-31655: no data or metadata objects selected for job',
  spaceExhausted: 'ORA-39095: Dump file space has been exhausted: Unable to allocate 8192 bytes',
  workersExited: 'ORA-39014: One or more workers have prematurely exited.',
  workerTerminated: 'ORA-39029: worker 1 with process name "DW00" prematurely terminated',
  clientTooNew: (version) =>
    `\nUDE-00018: Data Pump client is incompatible with database version ${version}\n`,
  noSuchJob:
    '\nUDE-31626: operation generated ORACLE error 31626\nORA-31626: job does not exist\n' +
    'ORA-06512: at "SYS.DBMS_SYS_ERROR", line 79\nORA-06512: at "SYS.KUPV$FT", line 405\n',
  confirmStop: 'Are you sure you wish to stop this job ([yes]/no): ',
};

/** Undo segments named in the simulated ORA-01555 messages. */
const UNDO_SEGMENTS = [
  { number: 9, name: '_SYSSMU9_1650507675$' },
  { number: 4, name: '_SYSSMU4_2378113702$' },
];

/** Tables that fail with ORA-01555 under the `skipped-tables` behaviour (added to the schema's own tables). */
const SKIPPED_TABLE_NAMES = ['AUDIT_LOG', 'LOGIN_HISTORY'];

/** Table names used for the simulated schemas: HR gets its familiar sample tables first. */
const HR_TABLES = ['EMPLOYEES', 'DEPARTMENTS', 'JOB_HISTORY', 'LOCATIONS', 'COUNTRIES', 'JOBS', 'REGIONS'];
const GENERIC_TABLES = [
  'CUSTOMERS',
  'ORDERS',
  'ORDER_ITEMS',
  'PRODUCTS',
  'INVOICES',
  'INVOICE_LINES',
  'PAYMENTS',
  'SHIPMENTS',
  'SUPPLIERS',
  'WAREHOUSES',
  'INVENTORY',
  'PRICE_LISTS',
  'ADDRESSES',
  'CONTACTS',
  'ACCOUNTS',
  'TRANSACTIONS',
  'LEDGER_ENTRIES',
  'DOCUMENTS',
  'ATTACHMENTS',
  'APP_USERS',
  'ROLES',
  'USER_ROLES',
  'SETTINGS',
  'EVENTS',
  'NOTIFICATIONS',
  'SESSIONS',
  'TASKS',
  'PROJECTS',
  'TIMESHEETS',
  'CURRENCIES',
  'EXCHANGE_RATES',
  'TAX_CODES',
];

/**
 * Object types of a 19c schema export, in the order the real log shows them, with how many objects of each a
 * schema with `t` tables has (used by METRICS "Completed N X objects" lines; 0 means the line is left out).
 */
const OBJECT_TYPES = [
  ['SCHEMA_EXPORT/TABLE/INDEX/STATISTICS/INDEX_STATISTICS', (t) => Math.ceil(t * 1.5)],
  ['SCHEMA_EXPORT/TABLE/STATISTICS/TABLE_STATISTICS', (t) => t],
  ['SCHEMA_EXPORT/STATISTICS/MARKER', () => 1],
  ['SCHEMA_EXPORT/USER', () => 1],
  ['SCHEMA_EXPORT/SYSTEM_GRANT', () => 2],
  ['SCHEMA_EXPORT/ROLE_GRANT', () => 2],
  ['SCHEMA_EXPORT/DEFAULT_ROLE', () => 1],
  ['SCHEMA_EXPORT/TABLESPACE_QUOTA', () => 1],
  ['SCHEMA_EXPORT/PRE_SCHEMA/PROCACT_SCHEMA', () => 1],
  ['SCHEMA_EXPORT/SEQUENCE/SEQUENCE', (t) => Math.ceil(t / 2)],
  ['SCHEMA_EXPORT/TABLE/TABLE', (t) => t],
  ['SCHEMA_EXPORT/TABLE/COMMENT', (t) => t * 2],
  ['SCHEMA_EXPORT/TABLE/INDEX/INDEX', (t) => Math.ceil(t * 1.5)],
  ['SCHEMA_EXPORT/TABLE/CONSTRAINT/CONSTRAINT', (t) => t * 2],
  ['SCHEMA_EXPORT/TABLE/CONSTRAINT/REF_CONSTRAINT', (t) => Math.max(0, t - 1)],
];
const TABLE_DATA = 'SCHEMA_EXPORT/TABLE/TABLE_DATA';

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Small utilities
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Thrown anywhere to end the process with an exit code (caught in main). */
class SimExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** Thrown by the dump writer when the dump file set cannot take more bytes (ORA-39095). */
class SpaceExhausted extends Error {}

/** 32-bit FNV-1a hash of a string: the seed of every pseudo-random choice, so the output is deterministic. */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad2 = (n) => String(n).padStart(2, '0');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `Sat Nov 21 23:17:21 2026`: the date form of the banner and of the final Job line (day not zero-padded). */
function oracleDate(d) {
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${d.getDate()} ${time} ${d.getFullYear()}`;
}

/** `21-NOV-26 23:17:21.503`: the LOGTIME prefix (DD-MON-YY HH24:MI:SS.FFF). */
function logtimeStamp(d) {
  const date = `${pad2(d.getDate())}-${MONTHS[d.getMonth()].toUpperCase()}-${pad2(d.getFullYear() % 100)}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${time}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** `0 00:00:15`: the elapsed time of the final Job line (days, then HH:MM:SS). */
function elapsedText(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 86400)} ${pad2(Math.floor(s / 3600) % 24)}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
}

/** Oracle's size column: KB/MB/GB/TB (base 1024), four significant digits (`16.98 MB`, `916.2 KB`, `0 KB`). */
function oracleSize(bytes) {
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  let text;
  if (bytes === 0) text = '0';
  else if (value >= 1000) text = String(Math.round(value));
  else if (value < 1) text = value.toPrecision(3);
  else text = value.toPrecision(4);
  return `${text} ${units[unit]}`;
}

/**
 * A row line: `. . exported "HR"."EMPLOYEES"                          17.08 KB     107 rows`. In the real log the
 * size ends at column 62 and the row count is right-aligned in 8 characters.
 */
function exportedLine(owner, table, bytes, rows) {
  const name = `"${owner}"."${table}"`;
  const [num, unit] = oracleSize(bytes).split(' ');
  const gap = ' '.repeat(Math.max(1, 49 - name.length - num.length));
  return `. . exported ${name}${gap}${num} ${unit}${String(rows).padStart(8)} rows`;
}

/** Estimates drop trailing zeros: `64 KB`, `3 MB`, `2.562 GB`. */
function estimateSize(bytes) {
  const [num, unit] = oracleSize(bytes).split(' ');
  return `${num.includes('.') ? num.replace(/\.?0+$/, '') : num} ${unit}`;
}

/** The ESTIMATE_ONLY variant: `.  estimated "HR"."EMPLOYEES"                              64 KB`. */
function estimatedLine(owner, table, bytes) {
  const name = `"${owner}"."${table}"`;
  const [num, unit] = estimateSize(bytes).split(' ');
  return `.  estimated ${name}${' '.repeat(Math.max(1, 49 - name.length - num.length))}${num} ${unit}`;
}

/** Splits a list value (`HR,"Mixed",OE`) on the commas that are outside quotes and parentheses. */
function splitList(value) {
  const items = [];
  let current = '';
  let quote = null;
  let depth = 0;
  for (const ch of value) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

/** YES/NO parameters (Oracle also takes Y/N and TRUE/FALSE); undefined when the value is not one of them. */
function yesNo(value) {
  const v = oracleName(value);
  if (['YES', 'Y', 'TRUE', '1'].includes(v)) return true;
  if (['NO', 'N', 'FALSE', '0'].includes(v)) return false;
  return undefined;
}

/** FILESIZE: bytes, or a number with B/K/KB/M/MB/G/GB/T/TB. 0 means unlimited; undefined when invalid. */
function parseFileSize(value) {
  const m = /^\s*(\d+)\s*([KMGT]?)B?\s*$/i.exec(value);
  if (!m) return undefined;
  const power = { '': 0, K: 1, M: 2, G: 3, T: 4 }[m[2].toUpperCase()];
  return Number(m[1]) * 1024 ** power;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Configuration
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Prints a configuration problem of the simulator itself (not an Oracle message) and exits 1. */
function configError(message) {
  process.stderr.write(`expdp-sim: ${message}\n`);
  throw new SimExit(1);
}

/** Reads and checks the JSON configuration named by ORACLE_SIM_CONFIG. */
function loadConfig() {
  const file = process.env.ORACLE_SIM_CONFIG;
  if (!file) configError('ORACLE_SIM_CONFIG is not set: it must name the JSON configuration (see README.md)');
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    configError(`cannot read the configuration file '${file}': ${error.message}`);
  }
  if (typeof config !== 'object' || config === null) configError(`'${file}' does not hold a JSON object`);
  const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const key of ['directories', 'users', 'schemas']) {
    if (config[key] === undefined) config[key] = {};
    if (!isMap(config[key])) configError(`'${key}' must be an object in '${file}'`);
  }
  const schemas = {};
  for (const [name, raw] of Object.entries(config.schemas)) {
    const s = { behavior: 'success', tables: 4, bytes: 262144, delayMs: 0, ...(raw ?? {}) };
    if (!BEHAVIORS.includes(s.behavior)) {
      configError(`schema ${name}: unknown behavior '${s.behavior}' (one of: ${BEHAVIORS.join(', ')})`);
    }
    for (const key of ['tables', 'bytes', 'delayMs']) {
      if (!Number.isSafeInteger(s[key]) || s[key] < 0)
        configError(`schema ${name}: '${key}' must be an integer >= 0`);
    }
    if (
      s.mbPerSecond !== undefined &&
      !(typeof s.mbPerSecond === 'number' && s.mbPerSecond > 0 && Number.isFinite(s.mbPerSecond))
    )
      configError(`schema ${name}: 'mbPerSecond' must be a number > 0`);
    schemas[name.toUpperCase()] = { name: name.toUpperCase(), ...s };
  }
  return {
    directories: Object.fromEntries(
      Object.entries(config.directories).map(([k, v]) => [k.toUpperCase(), String(v)]),
    ),
    // A directory's path as the database server names it, where this machine sees that folder elsewhere (a mount).
    serverPaths: Object.fromEntries(
      Object.entries(isMap(config.serverPaths) ? config.serverPaths : {}).map(([k, v]) => [
        k.toUpperCase(),
        String(v),
      ]),
    ),
    users: Object.fromEntries(Object.entries(config.users).map(([k, v]) => [k.toUpperCase(), String(v)])),
    databaseVersion: String(config.databaseVersion ?? '19.0.0.0.0'),
    clientVersion: String(config.clientVersion ?? config.databaseVersion ?? '19.0.0.0.0'),
    record: config.record ? String(config.record) : undefined,
    jobsDir: jobsDirFor(file, config),
    schemas,
  };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Parameters: command line and parfile
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Checks the values the client validates itself (before logging in); returns the typed options. */
function checkOptions(params) {
  const invalid = (key) => {
    throw new ParameterError([MSG.invalidValue(key)]);
  };
  const flag = (key, fallback) => {
    if (params[key] === undefined) return fallback;
    const v = yesNo(params[key]);
    return v === undefined ? invalid(key) : v;
  };
  const choice = (key, allowed, fallback) => {
    if (params[key] === undefined) return fallback;
    const v = oracleName(params[key]);
    return allowed.includes(v) ? v : invalid(key);
  };
  const parallel = params.PARALLEL === undefined ? 1 : Number(params.PARALLEL);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 1024) invalid('PARALLEL');
  const fileSize = params.FILESIZE === undefined ? 0 : parseFileSize(params.FILESIZE);
  if (fileSize === undefined) invalid('FILESIZE');
  return {
    parallel,
    fileSize,
    logtime: choice('LOGTIME', ['NONE', 'STATUS', 'LOGFILE', 'ALL'], 'NONE'),
    metrics: flag('METRICS', false),
    reuse: flag('REUSE_DUMPFILES', false),
    noLogFile: flag('NOLOGFILE', false),
    estimateOnly: flag('ESTIMATE_ONLY', false),
    estimate: choice('ESTIMATE', ['BLOCKS', 'STATISTICS'], 'STATISTICS'),
    content: choice('CONTENT', ['ALL', 'DATA_ONLY', 'METADATA_ONLY'], 'ALL'),
  };
}

/** Appends one JSON line describing this call to the record file (when the configuration names one). */
function recordCall(config, parfile) {
  if (!config.record) return;
  let parfileMode = '';
  let parfileText = '';
  if (parfile) {
    try {
      parfileMode = (fs.statSync(parfile).mode & 0o777).toString(8);
      parfileText = maskParfile(fs.readFileSync(parfile, 'utf8'));
    } catch {
      // Unreadable parfile: recorded as ''; the client reports LRM-00109.
    }
  }
  const entry = {
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    pid: process.pid,
    parfile: parfile ?? '',
    parfileMode,
    parfileText,
    node: process.version,
    time: new Date().toISOString(),
  };
  fs.mkdirSync(path.dirname(config.record), { recursive: true });
  fs.appendFileSync(config.record, `${JSON.stringify(entry)}\n`);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Terminal and log output
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Where job messages go: stdout (the client's echo) and the log file, written line by line with writeSync so a
 * killed job leaves a partial log. LOGTIME decides which of the two get the timestamp prefix; METRICS adds the
 * `W-n ` worker prefix to worker messages.
 */
class Output {
  constructor() {
    this.logFd = null;
    this.logtime = 'NONE';
    this.metrics = false;
    /** False while the client sits at the interactive `Export>` prompt (after Ctrl+C): the log still grows. */
    this.echo = true;
  }

  /** Raw text to stdout: banner, prompts, start-up errors. */
  stdout(text) {
    process.stdout.write(text);
  }

  stderr(text) {
    process.stderr.write(text);
  }

  openLog(file, header) {
    this.logFd = fs.openSync(file, 'w');
    fs.writeSync(this.logFd, header);
  }

  closeLog() {
    if (this.logFd !== null) fs.closeSync(this.logFd);
    this.logFd = null;
  }

  /** One job message (may span lines: only the first line gets the prefixes, as in the real log). */
  message(text, worker) {
    const stamp = `${logtimeStamp(new Date())}: `;
    const body = (this.metrics && worker ? `W-${worker} ` : '') + text;
    const toStdout = (this.logtime === 'ALL' || this.logtime === 'STATUS' ? stamp : '') + body;
    const toLog = (this.logtime === 'ALL' || this.logtime === 'LOGFILE' ? stamp : '') + body;
    if (this.logFd !== null) fs.writeSync(this.logFd, `${toLog}\n`);
    if (this.echo) process.stdout.write(`${toStdout}\n`);
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Login
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Logs in like the real client: USERID first; on failure UDE-01017/ORA-01017 and a `Username:` prompt on stdin
 * (a `Password:` prompt follows unless the answer holds `user/password`). End of input ends the client (exit 1); an
 * open, silent stdin waits forever, as the real client does. After LOGIN_RETRIES failed prompted attempts it exits 1.
 */
async function login(params, config, alwaysDenied, out, stdin) {
  const valid = (cred) =>
    !alwaysDenied && cred.user !== '' && config.users[cred.user.toUpperCase()] === cred.password;
  let cred = params.USERID !== undefined ? parseUserid(params.USERID) : null;
  let retries = 0;
  for (;;) {
    if (cred === null) {
      out.stdout('\nUsername: ');
      const line = await stdin.next();
      if (line === null) throw new SimExit(1);
      cred = parseUserid(line);
    }
    if (cred.password === undefined) {
      out.stdout('Password: ');
      const line = await stdin.next();
      if (line === null) throw new SimExit(1);
      cred.password = line;
      out.stdout('\n');
    }
    if (valid(cred)) return cred;
    out.stdout(MSG.logonDenied);
    if (retries >= LOGIN_RETRIES) throw new SimExit(1);
    retries++;
    cred = null;
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The "database": schemas, tables, dump content
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Plans one schema's tables: names, sizes (summing exactly to the schema's `bytes`, largest first, as Oracle
 * lists them), row counts, and the tables the `skipped-tables` behaviour makes fail.
 */
function planSchema(conf, content) {
  const rnd = prng(hash32(`tables:${conf.name}`));
  const pool = GENERIC_TABLES.slice();
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const names = [...(conf.name === 'HR' ? HR_TABLES : []), ...pool].filter(
    (n, i, all) => all.indexOf(n) === i,
  );
  while (names.length < conf.tables) names.push(`DATA_${String(names.length + 1).padStart(3, '0')}`);
  const count = conf.tables;
  const dataBytes = content === 'METADATA_ONLY' ? 0 : conf.bytes;
  const weights = Array.from({ length: count }, (_, i) => (0.4 + rnd()) * 0.6 ** i);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => Math.floor((dataBytes * w) / totalWeight));
  if (count > 0) shares[0] += dataBytes - shares.reduce((a, b) => a + b, 0);
  const tables = names.slice(0, count).map((name, i) => {
    const avgRow = 40 + Math.floor(rnd() * 360);
    return { name, bytes: shares[i], rows: shares[i] > 0 ? Math.max(1, Math.round(shares[i] / avgRow)) : 0 };
  });
  tables.sort((a, b) => b.bytes - a.bytes);
  // Failing tables sit after the first exported table and in the middle of the list.
  if (conf.behavior === 'skipped-tables') {
    tables.splice(Math.min(1, tables.length), 0, {
      name: SKIPPED_TABLE_NAMES[0],
      bytes: 0,
      rows: 0,
      skip: 0,
    });
    tables.splice(Math.ceil(tables.length / 2) + 1, 0, {
      name: SKIPPED_TABLE_NAMES[1],
      bytes: 0,
      rows: 0,
      skip: 1,
    });
  }
  // METADATA_ONLY dumps still hold the DDL: a small size per table.
  const dumpBytes = content === 'METADATA_ONLY' ? 8192 + 4096 * tables.length : conf.bytes;
  return { ...conf, tables, dumpBytes, tableCount: tables.length };
}

/** Words for the record-like text of the dump content. */
const WORDS = {
  first: [
    'JOHN',
    'MARY',
    'AHMED',
    'LENA',
    'CARLOS',
    'YUKI',
    'PETER',
    'SOFIA',
    'RAVI',
    'EMMA',
    'LUCAS',
    'NORA',
  ],
  last: ['SMITH', 'GARCIA', 'MULLER', 'ROSSI', 'TANAKA', 'DUBOIS', 'NOVAK', 'SILVA', 'KOWALSKI', 'JENSEN'],
  city: [
    'LONDON',
    'PARIS',
    'BERLIN',
    'MADRID',
    'OSAKA',
    'AUSTIN',
    'LYON',
    'PORTO',
    'OSLO',
    'DUBLIN',
    'GENOA',
  ],
  status: ['OPEN', 'CLOSED', 'PENDING', 'SHIPPED', 'CANCELLED', 'ACTIVE'],
};

/**
 * One 64 KiB block of simulated table data: record-like text (names, cities, dates, amounts: what table rows look
 * like inside a dump) interleaved with short runs of random bytes (numbers, ROWIDs, LOBs). zlib level 6 compresses
 * it about 3-6x, like a real dump.
 */
function contentBlock(schema, index) {
  const rnd = prng(hash32(`block:${schema}:${index}`));
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const block = Buffer.alloc(BLOCK_BYTES);
  let pos = 0;
  let id = 1000 + Math.floor(rnd() * 900000);
  while (pos < BLOCK_BYTES) {
    if (rnd() < 0.05) {
      const end = Math.min(BLOCK_BYTES, pos + 8 + Math.floor(rnd() * 32));
      while (pos < end) block[pos++] = Math.floor(rnd() * 256);
      continue;
    }
    id += 1 + Math.floor(rnd() * 3);
    const date = `20${pad2(15 + Math.floor(rnd() * 11))}-${pad2(1 + Math.floor(rnd() * 12))}-${pad2(1 + Math.floor(rnd() * 28))}`;
    const amount = (rnd() * 10000).toFixed(2);
    const record = `<${schema}|${id}|${pick(WORDS.first)} ${pick(WORDS.last)}|${pick(WORDS.city)}|${date}|${amount}|${pick(WORDS.status)}>\n`;
    pos += block.write(record, pos, 'latin1');
  }
  return block;
}

/** The endless, deterministic byte stream of one schema's table data, read in pieces. */
class ContentStream {
  constructor(schema) {
    this.schema = schema;
    this.pool = new Map();
    this.order = prng(hash32(`order:${schema}`));
    this.block = null;
    this.offset = BLOCK_BYTES;
  }

  read(n) {
    const parts = [];
    while (n > 0) {
      if (this.offset >= BLOCK_BYTES) {
        const index = Math.floor(this.order() * BLOCK_POOL);
        if (!this.pool.has(index)) this.pool.set(index, contentBlock(this.schema, index));
        this.block = this.pool.get(index);
        this.offset = 0;
      }
      const k = Math.min(n, BLOCK_BYTES - this.offset);
      parts.push(this.block.subarray(this.offset, this.offset + k));
      this.offset += k;
      n -= k;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

/**
 * A mock header for each dump file (not the real Data Pump format: a marker, the job and the file's place).
 * `extra` lines describe the content (tables per schema, CONTENT) and, once the file is closed, its body (size and
 * SHA-256 of everything after the header) and whether the job completed (the master table, which a real export
 * writes last): what the simulated impdp checks.
 */
function dumpHeader(job, index, count, schemas, databaseVersion, extra = []) {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt16BE(0x0301, 0);
  header.write(
    [
      'ORACLE-SIM DATA PUMP DUMP FILE (simulated; not a real Data Pump file)',
      `JOB "${job.owner}"."${job.name}"`,
      `FILE ${index + 1} OF ${count}`,
      `SCHEMAS ${schemas.join(',')}`,
      `DATABASE VERSION ${databaseVersion}`,
      'CHARACTER SET AL32UTF8',
      'PLATFORM Linux x86 64-bit',
      ...extra,
      '',
    ].join('\n'),
    2,
    'latin1',
  );
  return header;
}

/**
 * Resolves `DIR:name` and the default directory, appends `.dmp`/`.log` to names without an extension, and finds
 * the directory object's folder. Returns `{ directory, name, folder }` (folder undefined for an unknown directory).
 */
function resolveFileSpec(spec, defaultDirectory, extension, config) {
  const colon = spec.indexOf(':');
  const directory = colon > 0 ? oracleName(spec.slice(0, colon)) : defaultDirectory;
  let name = (colon > 0 ? spec.slice(colon + 1) : spec).trim().replace(/^"(.*)"$/, '$1');
  if (!path.extname(name)) name += extension;
  return { directory, name, folder: config.directories[directory.toUpperCase()] };
}

/** Expands `%U`/`%u` (01..99) and `%%` in a dump file name. */
function expandTemplate(name, n) {
  return name.replace(/%([Uu%])/g, (_, c) => (c === '%' ? '%' : pad2(n)));
}

/**
 * Decides the dump file set: which files (expanding `%U` templates 01..99 in order), and how many bytes each gets.
 * FILESIZE caps every file; PARALLEL=n spreads the data over n files when a `%U` template gives enough names.
 * When the names run out before the data does, the last file fills up and the job hits ORA-39095.
 */
function planDumpFiles(specs, total, options) {
  const available = [];
  for (const spec of specs) {
    if (/%[Uu]/.test(spec.name)) {
      for (let n = 1; n <= 99; n++) available.push({ ...spec, name: expandTemplate(spec.name, n) });
    } else available.push({ ...spec, name: expandTemplate(spec.name, 0) });
  }
  const capacity = options.fileSize > 0 ? options.fileSize : Infinity;
  const wanted = Math.max(options.parallel, Number.isFinite(capacity) ? Math.ceil(total / capacity) : 1, 1);
  const count = Math.min(wanted, available.length);
  const files = available.slice(0, count).map((f) => ({ ...f, path: path.join(f.folder, f.name) }));
  let sizes;
  if (count > 1 && options.parallel > 1) {
    // Parallel workers share the data evenly (never above FILESIZE, since count >= total / FILESIZE).
    sizes = files.map((_, i) => Math.floor(total / count) + (i < total % count ? 1 : 0));
    if (Number.isFinite(capacity)) sizes = sizes.map((s) => Math.min(s, capacity));
  } else {
    // One worker fills each file up to FILESIZE before starting the next.
    let left = total;
    sizes = files.map((_, i) => {
      const s = i === count - 1 && !Number.isFinite(capacity) ? left : Math.min(left, capacity);
      left -= s;
      return s;
    });
  }
  files.forEach((f, i) => (f.size = sizes[i]));
  return files;
}

/**
 * Streams bytes into the dump file set. Files are created as the job reaches them; each starts with the mock
 * header. `mode` is 'normal', 'empty' (files created but left at 0 bytes) or 'missing' (nothing is created).
 */
class DumpWriter {
  constructor(files, mode, header) {
    this.files = files;
    this.mode = mode;
    this.header = header;
    this.index = 0;
    this.offset = 0;
    this.fd = null;
    this.opened = [];
    this.streams = new Map();
    /** Schema → bytes per second its table data is written at (`mbPerSecond`); absent: as fast as the CPU allows. */
    this.rates = new Map();
    /** Schema → when its paced writing started and how many bytes it has written since. */
    this.paced = new Map();
    /** SHA-256 and size of the open file's body (what follows its header). */
    this.body = null;
  }

  /** Creates the first file, as the job does when it starts (and every file for the 'empty' mode). */
  start() {
    if (this.mode === 'missing') return;
    if (this.mode === 'empty') {
      for (const f of this.files) fs.closeSync(fs.openSync(f.path, 'w'));
      return;
    }
    this.open(0);
  }

  open(i) {
    this.seal(false);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.body = { hash: createHash('sha256'), bytes: 0 };
    this.fd = fs.openSync(this.files[i].path, 'w');
    this.opened.push(this.files[i].path);
    this.index = i;
    this.offset = 0;
  }

  /** Writes `n` bytes of `schema`'s data; throws SpaceExhausted when the file set is full. */
  async write(schema, n) {
    if (this.mode !== 'normal') return;
    if (!this.streams.has(schema)) this.streams.set(schema, new ContentStream(schema));
    const stream = this.streams.get(schema);
    let sinceYield = 0;
    while (n > 0) {
      const file = this.files[this.index];
      if (this.offset >= file.size) {
        if (this.index + 1 >= this.files.length) throw new SpaceExhausted();
        this.open(this.index + 1);
        continue;
      }
      let k = Math.min(n, file.size - this.offset, BLOCK_BYTES);
      let chunk;
      if (this.offset < HEADER_BYTES) {
        k = Math.min(k, HEADER_BYTES - this.offset);
        chunk = this.header(this.index).subarray(this.offset, this.offset + k);
      } else {
        chunk = stream.read(k);
        this.body.hash.update(chunk);
        this.body.bytes += k;
      }
      fs.writeSync(this.fd, chunk);
      this.offset += k;
      n -= k;
      // A real export is bounded by the database, not by the client: wait (without burning CPU) until the bytes
      // written so far match the schema's rate.
      const rate = this.rates.get(schema);
      if (rate !== undefined) {
        if (!this.paced.has(schema)) this.paced.set(schema, { since: Date.now(), bytes: 0 });
        const paced = this.paced.get(schema);
        paced.bytes += k;
        const ahead = (paced.bytes / rate) * 1000 - (Date.now() - paced.since);
        if (ahead >= 1) {
          sinceYield = 0;
          await sleep(ahead);
        }
      }
      // Let signals and timers run during big writes.
      sinceYield += k;
      if (sinceYield >= 8 * 1024 * 1024) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /** Rewrites the open file's header with its body's size and SHA-256 (and the master table when `complete`). */
  seal(complete) {
    if (this.fd === null || this.mode !== 'normal') return;
    const lines = [`BODY BYTES ${this.body.bytes}`, `BODY SHA256 ${this.body.hash.digest('hex')}`];
    if (complete) lines.push('MASTER TABLE PRESENT');
    const written = Math.min(this.offset, HEADER_BYTES);
    if (written > 0) fs.writeSync(this.fd, this.header(this.index, lines), 0, written, 0);
  }

  /** `complete`: the job ran to its end (its dump file set can be imported). */
  close(complete = false) {
    this.seal(complete);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  /** The paths the log lists in its `Dump file set` block. */
  listed() {
    return this.mode === 'normal' ? this.opened : this.files.map((f) => f.path);
  }
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The client
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Prints start-up error lines (before a job exists: no Job line, no log) and exits 1. */
function startupFailure(out, lines) {
  out.stdout(`${lines.join('\n')}\n`);
  throw new SimExit(1);
}

/** The banner, as printed to stdout and (between `;;; ` lines) at the top of the log file. */
function bannerLines(config, now) {
  const major = parseInt(config.clientVersion, 10);
  const release = RELEASES[major] ?? {
    version: config.clientVersion,
    copyright: '1982, 2019',
    name: `${major}c`,
  };
  return [
    `Export: Release ${config.clientVersion} - Production on ${oracleDate(now)}`,
    ...(release.version ? [`Version ${release.version}`] : []),
    '',
    `Copyright (c) ${release.copyright}, Oracle and/or its affiliates.  All rights reserved.`,
  ];
}

function connectedLine(config) {
  const major = parseInt(config.databaseVersion, 10);
  const name = RELEASES[major]?.name ?? `${major}c`;
  return `Connected to: Oracle Database ${name} Enterprise Edition Release ${config.databaseVersion} - Production`;
}

async function main() {
  const started = new Date();
  const out = new Output();
  const stdin = new LineReader(process.stdin);
  process.stdout.on('error', () => {}); // a closed pipe must not crash the "client"

  const config = loadConfig();

  // Record the call first, before any parameter problem can end it.
  const argv = process.argv.slice(2);
  const parfileArg = argv.find((a) => /^parfile\s*=/i.test(a));
  recordCall(
    config,
    parfileArg ? path.resolve(parfileArg.replace(/^parfile\s*=\s*/i, '').replace(/^"(.*)"$/, '$1')) : null,
  );

  const banner = bannerLines(config, started);
  out.stdout(`\n${banner.join('\n')}\n`);

  // Parameters (client side: errors come right after the banner, before any login).
  let params;
  let echoed;
  let options;
  try {
    ({ params, echoed } = readParameters(argv, {
      known: KNOWN_PARAMETERS,
      repeatable: REPEATABLE_PARAMETERS,
    }));
    options = checkOptions(params);
  } catch (error) {
    if (!(error instanceof ParameterError)) throw error;
    out.stdout(`\n${error.lines.join('\n')}\n\n`);
    throw new SimExit(1);
  }
  out.logtime = options.logtime;
  out.metrics = options.metrics;
  if (params.HELP !== undefined && yesNo(params.HELP)) {
    out.stdout(`\n${HELP_TEXT}\n`);
    return 0;
  }

  // The schemas the job is for (default: the login user's own schema), and their configured behaviours.
  const loginUser = params.USERID !== undefined ? parseUserid(params.USERID).user : '';
  const requested = () =>
    (params.SCHEMAS !== undefined ? splitList(params.SCHEMAS).map(oracleName) : [loginUser]).filter(
      (s) => s !== '',
    );
  const behaviors = new Set(
    requested()
      .map((s) => config.schemas[s.toUpperCase()]?.behavior)
      .filter(Boolean),
  );

  // Login.
  const cred = await login(params, config, behaviors.has('wrong-password'), out, stdin);
  stdin.stop();
  if (parseInt(config.clientVersion, 10) > parseInt(config.databaseVersion, 10)) {
    out.stdout(MSG.clientTooNew(config.databaseVersion));
    throw new SimExit(1);
  }
  out.stdout(`\n${connectedLine(config)}\n`);
  const owner = cred.user;
  if (params.ATTACH !== undefined) return attachJob(params.ATTACH, owner, config, out, stdin);
  const schemaNames = params.SCHEMAS !== undefined ? requested() : [owner];

  // Start-up checks done by the server before the job exists.
  if (params.FLASHBACK_SCN !== undefined && params.FLASHBACK_TIME !== undefined) {
    startupFailure(out, MSG.flashbackConflict);
  }
  if (behaviors.has('no-log')) {
    out.stderr(MSG.orphanJob);
    throw new SimExit(1);
  }
  const directory = params.DIRECTORY !== undefined ? oracleName(params.DIRECTORY) : 'DATA_PUMP_DIR';
  const forceBadDirectory = behaviors.has('directory-invalid');
  const folderExists = (folder) =>
    folder !== undefined && fs.existsSync(folder) && fs.statSync(folder).isDirectory();
  let logFile = null;
  if (!options.noLogFile) {
    const spec = resolveFileSpec(params.LOGFILE ?? 'export.log', directory, '.log', config);
    if (forceBadDirectory || spec.folder === undefined)
      startupFailure(out, MSG.directoryInvalidForLog(spec.directory));
    if (!folderExists(spec.folder)) startupFailure(out, MSG.folderMissingForLog);
    logFile = path.join(spec.folder, spec.name);
  }
  let dumpSpecs = [];
  if (!options.estimateOnly) {
    dumpSpecs = splitList(params.DUMPFILE ?? 'expdat.dmp').map((s) =>
      resolveFileSpec(s, directory, '.dmp', config),
    );
    for (const spec of dumpSpecs) {
      if (forceBadDirectory || spec.folder === undefined) {
        startupFailure(out, MSG.directoryInvalidForDump(spec.directory));
      }
      if (!folderExists(spec.folder))
        startupFailure(out, MSG.folderMissingForDump(path.join(spec.folder, spec.name)));
    }
  }
  if (logFile) {
    out.openLog(logFile, `;;; \n${banner.join('\n')}\n;;; \n${connectedLine(config)}\n`);
  }

  // Plan the job: existing schemas, dump file set.
  const job = {
    owner,
    name: params.JOB_NAME !== undefined ? oracleName(params.JOB_NAME) : 'SYS_EXPORT_SCHEMA_01',
  };
  const schemas = schemaNames
    .filter((s) => config.schemas[s.toUpperCase()])
    .map((s) => planSchema(config.schemas[s.toUpperCase()], options.content));
  const missing = schemaNames.filter((s) => !config.schemas[s.toUpperCase()]);
  const totalBytes = Math.max(
    HEADER_BYTES,
    schemas.reduce((sum, s) => sum + s.dumpBytes, 0),
  );
  const files = options.estimateOnly ? [] : planDumpFiles(dumpSpecs, totalBytes, options);
  if (!options.reuse) {
    const existing = files.find((f) => fs.existsSync(f.path));
    if (existing) {
      out.closeLog();
      startupFailure(out, MSG.dumpFileExists(existing.path));
    }
  }
  const dumpMode = behaviors.has('missing-dump')
    ? 'missing'
    : behaviors.has('empty-dump')
      ? 'empty'
      : 'normal';
  const contentLines = [
    `TABLES ${schemas.map((s) => `${s.name}=${s.tableCount}`).join(',')}`,
    `CONTENT ${options.content}`,
  ];
  const dump = new DumpWriter(files, dumpMode, (i, sealed = []) =>
    dumpHeader(job, i, files.length, schemaNames, config.databaseVersion, [...contentLines, ...sealed]),
  );
  for (const s of schemas) if (s.mbPerSecond !== undefined) dump.rates.set(s.name, s.mbPerSecond * 1e6);

  if (params.FLASHBACK_SCN !== undefined && !/^\d+$/.test(params.FLASHBACK_SCN.trim())) {
    out.closeLog();
    startupFailure(out, [MSG.invalidValue('FLASHBACK_SCN')]);
  }
  return runJob({ out, stdin, job, cred, echoed, options, schemas, missing, dump, started, config });
}

/**
 * Runs the export job: the `Starting` line, object types, row lines, errors, the dump file set and the final Job
 * line. Returns the exit code (0, 5 or 1); the `hang` behaviour never returns.
 */
async function runJob(ctx) {
  const { out, stdin, job, cred, echoed, options, schemas, missing, dump, started } = ctx;
  const workers = Math.max(1, options.parallel);
  const seconds = (since) => Math.floor((Date.now() - since) / 1000);
  let errors = 0;

  // Ctrl+C opens the interactive prompt, as the real client does; the job goes on (and the log keeps growing).
  process.on('SIGINT', () => enterInteractive(out, stdin));

  // Spread `delayMs` over the steps of the job.
  const metadataSteps = options.content === 'DATA_ONLY' ? 1 : OBJECT_TYPES.length + 1;
  const steps = metadataSteps + schemas.reduce((n, s) => n + Math.max(1, s.tables.length), 0);
  const stepDelay = schemas.reduce((ms, s) => ms + s.delayMs, 0) / steps;
  const pace = () => (stepDelay > 0 ? sleep(stepDelay) : Promise.resolve());

  const stopped = (lines) => {
    for (const line of lines) out.message(line);
    out.message(
      `Job "${job.owner}"."${job.name}" stopped due to fatal error at ${oracleDate(new Date())} elapsed ${elapsedText(Date.now() - started.getTime())}`,
    );
    dump.close();
    // A failed job keeps its control table: it stays in DBA_DATAPUMP_JOBS as NOT RUNNING.
    finishJob(ctx.config.jobsDir, job.owner, job.name, 'failed');
    return 1;
  };

  out.message(`Starting "${job.owner}"."${job.name}":  ${[cred.display, ...echoed].join(' ')} `);
  registerJob(ctx.config.jobsDir, {
    owner: job.owner,
    jobName: job.name,
    pid: process.pid,
    dumpFiles: dump.files.map((f) => f.path),
  });
  watchForStop(ctx);
  if (options.metrics) {
    for (let w = 1; w <= workers; w++) out.message(`Startup took ${w === 1 ? 1 : 0} seconds`, w);
  }
  if (!options.estimateOnly) dump.start();

  // ESTIMATE_ONLY: sizes only, no dump file set.
  if (options.estimateOnly) {
    out.message(`Estimate in progress using ${options.estimate} method...`);
    out.message(`Processing object type ${TABLE_DATA}`, 1);
    let total = 0;
    for (const s of schemas) {
      for (const t of s.tables) {
        const estimate = Math.ceil((t.bytes * 1.1) / 65536) * 65536;
        total += estimate;
        out.message(estimatedLine(s.name, t.name, estimate));
      }
    }
    out.message(`Total estimation using ${options.estimate} method: ${estimateSize(total)}`);
    return finish(ctx, errors + reportMissing(out, schemas, missing));
  }

  // Metadata: the object types, once for the whole job, with counts summed over its schemas.
  if (options.content !== 'METADATA_ONLY') out.message(`Processing object type ${TABLE_DATA}`, 1);
  if (schemas.length === 0) {
    // Nothing selected: the dump file set only holds its header (the control table, in a real dump).
    await dump.write('', HEADER_BYTES);
    errors += reportMissing(out, schemas, missing);
    return finishWithDumpSet(ctx, errors);
  }
  await pace();
  if (options.content !== 'DATA_ONLY') {
    for (const [type, countFor] of OBJECT_TYPES) {
      const count = schemas.reduce((n, s) => n + countFor(s.tableCount), 0);
      if (count === 0) continue;
      const since = Date.now();
      out.message(`Processing object type ${type}`, 1);
      await pace();
      if (options.metrics)
        out.message(
          `     Completed ${count} ${type.split('/').pop()} objects in ${seconds(since)} seconds`,
          1,
        );
    }
  }

  // Table data, schema after schema, largest tables first.
  const dataStart = Date.now();
  let exported = 0;
  let rowLine = 0;
  const worker = () => (rowLine++ % workers) + 1;
  try {
    for (const s of schemas) {
      if (options.content === 'METADATA_ONLY' || s.tables.length === 0) {
        await dump.write(s.name, s.behavior === 'hang' ? Math.floor(s.dumpBytes / 2) : s.dumpBytes);
        await pace();
      }
      if (options.content === 'METADATA_ONLY') continue;
      const exportable = s.tables.filter((t) => t.skip === undefined);
      const fatalAfter =
        s.behavior === 'fatal' ? (exportable.length >= 2 ? Math.ceil(exportable.length / 2) : 0) : -1;
      let done = 0;
      for (const t of s.tables) {
        if (s.behavior === 'hang') {
          // Part of the first table reaches the dump, then nothing more happens until the process is killed.
          await dump.write(s.name, Math.floor(t.bytes / 2));
          return hangForever();
        }
        if (done === fatalAfter) {
          await dump.write(s.name, Math.floor(t.bytes / 3));
          return stopped([MSG.workersExited, MSG.workerTerminated]);
        }
        await pace();
        if (t.skip !== undefined) {
          out.message(MSG.tableSkipped(s.name, t.name, UNDO_SEGMENTS[t.skip]), worker());
          errors++;
          continue;
        }
        const since = Date.now();
        await dump.write(s.name, t.bytes);
        const timing = options.metrics ? ` in ${seconds(since)} seconds using direct_path` : '';
        out.message(exportedLine(s.name, t.name, t.bytes, t.rows) + timing, worker());
        exported++;
        done++;
      }
      if (s.behavior === 'hang') return hangForever();
      if (s.behavior === 'fatal') return stopped([MSG.workersExited, MSG.workerTerminated]);
    }
  } catch (error) {
    if (!(error instanceof SpaceExhausted)) throw error;
    return stopped([MSG.spaceExhausted]);
  }
  if (options.metrics && options.content !== 'METADATA_ONLY') {
    out.message(`     Completed ${exported} ${TABLE_DATA} objects in ${seconds(dataStart)} seconds`, 1);
  }
  errors += reportMissing(out, schemas, missing);
  return finishWithDumpSet(ctx, errors);
}

/** ORA-39165 for each schema that does not exist (and ORA-31655 when none does); returns the error count. */
function reportMissing(out, schemas, missing) {
  let errors = 0;
  if (schemas.length === 0) {
    out.message(MSG.nothingSelected);
    errors++;
  }
  for (const name of missing) {
    out.message(MSG.schemaNotFound(name));
    errors++;
  }
  return errors;
}

/** A dump file's path as the server names it in the log: under its directory's `serverPaths` entry when set. */
function asServerPath(file, config) {
  for (const [directory, serverPath] of Object.entries(config.serverPaths)) {
    if (path.dirname(file) === config.directories[directory]) return path.join(serverPath, path.basename(file));
  }
  return file;
}

/** The end of a job that ran to completion: control table line, dump file set block, final line. */
function finishWithDumpSet(ctx, errors) {
  const { out, job, dump } = ctx;
  dump.close(true);
  out.message(`Master table "${job.owner}"."${job.name}" successfully loaded/unloaded`, 1);
  out.message(STARS);
  out.message(`Dump file set for ${job.owner}.${job.name} is:`);
  for (const file of dump.listed()) out.message(`  ${asServerPath(file, ctx.config)}`);
  return finish(ctx, errors);
}

/** The final Job line; returns the exit code (0, or 5 with errors). */
function finish(ctx, errors) {
  const { out, job, started } = ctx;
  finishJob(ctx.config.jobsDir, job.owner, job.name, 'completed');
  const when = `at ${oracleDate(new Date())} elapsed ${elapsedText(Date.now() - started.getTime())}`;
  const outcome = errors === 0 ? 'successfully completed' : `completed with ${errors} error(s)`;
  out.message(`Job "${job.owner}"."${job.name}" ${outcome} ${when}`);
  return errors === 0 ? 0 : 5;
}

/**
 * A running job polls for a stop request (DBMS_DATAPUMP.STOP_JOB from the fake database, or KILL_JOB from a client
 * attached with ATTACH=): it then logs `stopped due to fatal error`, leaves DBA_DATAPUMP_JOBS (KILL_JOB also
 * deletes the dump files, STOP_JOB with keep_master 0 keeps them) and the client exits 1.
 */
function watchForStop(ctx) {
  const { out, job, dump, started } = ctx;
  let known = 0;
  const timer = setInterval(() => {
    if (dump.opened.length !== known) {
      known = dump.opened.length;
      updateJobFiles(ctx.config.jobsDir, job.owner, job.name, dump.opened);
    }
    const mode = pendingRequest(ctx.config.jobsDir, job.owner, job.name);
    if (!mode) return;
    clearInterval(timer);
    out.message(
      `Job "${job.owner}"."${job.name}" stopped due to fatal error at ${oracleDate(new Date())} elapsed ${elapsedText(Date.now() - started.getTime())}`,
    );
    dump.close();
    endJob(ctx.config.jobsDir, { owner: job.owner, jobName: job.name, dumpFiles: dump.opened }, mode);
    exit(1);
  }, 100);
  timer.unref();
}

/**
 * `expdp user/pw ATTACH=[OWNER.]JOB`: shows the job's status and the `Export>` prompt. KILL_JOB and STOP_JOB ask
 * `Are you sure you wish to stop this job ([yes]/no):`; yes stops the job (KILL_JOB also deletes its dump files)
 * and the client exits once the job is gone. EXIT_CLIENT leaves it running. End of input exits 1.
 */
async function attachJob(value, login, config, out, stdin) {
  const text = value.trim().replace(/^"(.*)"$/, '$1');
  const dot = text.indexOf('.');
  const owner = dot > 0 ? oracleName(text.slice(0, dot)) : login;
  const name = oracleName(dot > 0 ? text.slice(dot + 1) : text);
  const job = findJob(config.jobsDir, owner, name);
  if (!job) {
    out.stdout(MSG.noSuchJob);
    return 1;
  }
  out.stdout(
    [
      '',
      `Job: ${name}`,
      `  Owner: ${owner}`,
      `  Operation: ${job.operation}`,
      '  Creator Privs: TRUE',
      `  Mode: ${job.jobMode}`,
      '  Max Parallelism: 1',
      `  State: ${job.state}`,
      `  Dump File: ${(job.dumpFiles ?? [])[0] ?? ''}`,
      '',
      'Worker 1 Status:',
      `  State: ${job.state === 'EXECUTING' ? 'EXECUTING' : 'UNDEFINED'}`,
      '',
      'Export> ',
    ].join('\n'),
  );
  for (;;) {
    const line = await stdin.next();
    if (line === null) return 1;
    const command = line.trim().toUpperCase();
    if (command === 'EXIT_CLIENT' || command === 'EXIT') return 0;
    const mode = command === 'KILL_JOB' ? 'kill' : /^STOP_JOB(=IMMEDIATE)?$/.test(command) ? 'stop' : null;
    if (!mode) {
      out.stdout('Export> ');
      continue;
    }
    out.stdout(MSG.confirmStop);
    const answer = await stdin.next();
    if (answer === null) return 1;
    if (!['', 'Y', 'YES'].includes(answer.trim().toUpperCase())) {
      out.stdout('Export> ');
      continue;
    }
    requestStop(config.jobsDir, owner, name, mode);
    // The server needs a moment to stop the workers; the client waits for the job to go away.
    for (let waited = 0; findJob(config.jobsDir, owner, name) && waited < 15_000; waited += 100)
      await sleep(100);
    stdin.stop();
    return 0;
  }
}

/** `expdp help=y`: the banner (the client's own release) and the start of the real help text. */
const HELP_TEXT = [
  'The Data Pump export utility provides a mechanism for transferring data objects',
  'between Oracle databases. The utility is invoked with the following command:',
  '',
  '   Example: expdp scott/tiger DIRECTORY=dmpdir DUMPFILE=scott.dmp',
  '',
  "You can control how Export runs by entering the 'expdp' command followed",
  'by various parameters. To specify parameters, you use keywords:',
  '',
  '   Format:  expdp KEYWORD=value or KEYWORD=(value1,value2,...,valueN)',
  '   Example: expdp scott/tiger DUMPFILE=scott.dmp DIRECTORY=dmpdir SCHEMAS=scott',
  '               or TABLES=(T1:P1,T1:P2), if T1 is partitioned table',
  '',
  'USERID must be the first parameter on the command line.',
].join('\n');

/** The `hang` behaviour: the job never ends; only a signal (SIGTERM, SIGKILL) ends the process. */
function hangForever() {
  setInterval(() => {}, 1 << 30);
  return new Promise(() => {});
}

/**
 * Ctrl+C (SIGINT): the real client stops echoing and shows its interactive `Export> ` prompt; the job keeps
 * running. EXIT_CLIENT leaves (exit 0), CONTINUE_CLIENT resumes the echo, anything else prompts again. End of
 * input just leaves the prompt waiting.
 */
let interactive = false;
function enterInteractive(out, stdin) {
  out.echo = false;
  out.stdout('\nExport> ');
  if (interactive) return;
  interactive = true;
  (async () => {
    for (;;) {
      const line = await stdin.next();
      if (line === null) return;
      const command = line.trim().toUpperCase();
      if (command === 'EXIT_CLIENT' || command === 'EXIT') return exit(0);
      if (command === 'CONTINUE_CLIENT') {
        out.echo = true;
        interactive = false;
        stdin.stop();
        return;
      }
      out.stdout('Export> ');
    }
  })();
}

/** Ends the process once stdout has been flushed. */
function exit(code) {
  process.stdout.write('', () => process.exit(code));
}

main().then(
  (code) => exit(code),
  (error) => {
    if (error instanceof SimExit) return exit(error.code);
    process.stderr.write(`expdp-sim: internal error: ${error?.stack ?? error}\n`);
    exit(1);
  },
);
