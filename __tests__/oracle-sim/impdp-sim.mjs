// impdp-sim.mjs: a simulated Oracle Data Pump import client (`impdp`) for tests and demos, beside expdp-sim.mjs.
//
// It reads its parameters the way the real client does (command line and parfile), "logs in" against the same
// user list, opens the dump file set the simulated expdp wrote, and does what `impdp` does with it: with SQLFILE=
// it writes the DDL an import would run (and imports nothing); without it, it "imports" (log lines only). It exits
// 0 (success), 5 (completed with errors) or 1 (fatal), and fails like the real client on a bad dump file set:
//
//   missing file                ORA-39001 + ORA-39000 + ORA-31640 + ORA-27037            exit 1, no job
//   not a dump / truncated      ORA-39001 + ORA-39000 + ORA-31619 invalid dump file       exit 1, no job
//   legacy exp file             ORA-39001 + ORA-39000 + ORA-39143 original export file    exit 1, no job
//   a file of the set missing   ORA-39002 + ORA-39059 dump file set is incomplete         exit 1, no job
//   export did not complete     ORA-39002 + ORA-39246 cannot locate master table           exit 1, no job
//   altered bytes               ORA-39126 + ORA-31619 during the job, "stopped due to fatal error"   exit 1
//   SCHEMAS= not in the dump    ORA-39165, "completed with 1 error(s)"                     exit 5
//
// How it knows a dump is intact. The simulated dump files start with a 4 KiB mock header (expdp-sim.mjs,
// `ORACLE-SIM DATA PUMP DUMP FILE`). When that header carries `BODY BYTES n` and `BODY SHA256 x` (written by
// expdp-sim when it closes the file), the body is checked against them. Dumps written by an expdp-sim without those
// lines were never closed by the simulated export and are refused. Every byte of every file is read and checked.
//
// A real `impdp SQLFILE=` proves less than this simulator does: it reads every file's header and the metadata
// (the master table and the DDL), not every row of table data. The archive's and the manifest's SHA-256 are what
// prove the bytes are unchanged since the export.
//
// Configuration: the same JSON file as expdp-sim (ORACLE_SIM_CONFIG: directories, users, databaseVersion, record,
// schemas). Each call is appended to `record` like expdp-sim's, with `tool: "impdp"`.
//
// Plain JavaScript ESM, node:* modules only, runs on Node 20 and Node 24. Started by ./bin/impdp.

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

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Constants
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

const KNOWN_PARAMETERS = new Set([
  'USERID',
  'DIRECTORY',
  'DUMPFILE',
  'LOGFILE',
  'NOLOGFILE',
  'JOB_NAME',
  'SQLFILE',
  'REMAP_SCHEMA',
  'REMAP_TABLESPACE',
  'SCHEMAS',
  'FULL',
  'TABLES',
  'CONTENT',
  'INCLUDE',
  'EXCLUDE',
  'QUERY',
  'LOGTIME',
  'METRICS',
  'PARALLEL',
  'TABLE_EXISTS_ACTION',
  'TRANSFORM',
  'STATUS',
  'VERSION',
  'ENCRYPTION_PASSWORD',
  'KEEP_MASTER',
  'PARTITION_OPTIONS',
  'DATA_OPTIONS',
  'ACCESS_METHOD',
  'SKIP_UNUSABLE_INDEXES',
]);
const REPEATABLE_PARAMETERS = new Set([
  'REMAP_SCHEMA',
  'REMAP_TABLESPACE',
  'INCLUDE',
  'EXCLUDE',
  'QUERY',
  'TRANSFORM',
]);

const RELEASES = {
  12: { version: null, copyright: '1982, 2017', name: '12c' },
  18: { version: '18.3.0.0.0', copyright: '1982, 2018', name: '18c' },
  19: { version: '19.27.0.0.0', copyright: '1982, 2019', name: '19c' },
  21: { version: '21.3.0.0.0', copyright: '1982, 2021', name: '21c' },
  23: { version: '23.8.0.25.04', copyright: '1982, 2025', name: '23ai' },
};

/** The mock header every simulated dump file starts with (expdp-sim.mjs). */
const HEADER_BYTES = 4096;
const HEADER_VERSION = 0x0301;
const SIGNATURE = 'ORACLE-SIM DATA PUMP DUMP FILE';
const HEADER_TITLE = `${SIGNATURE} (simulated; not a real Data Pump file)`;
/** The lines a simulated header may hold after its title (expdp-sim.mjs dumpHeader). */
const HEADER_FIELDS = [
  /^JOB "[^"]*"\."[^"]*"$/,
  /^FILE \d+ OF \d+$/,
  /^SCHEMAS [^\s]*$/,
  /^DATABASE VERSION [\w.]+$/,
  /^CHARACTER SET \w+$/,
  /^PLATFORM [\w .-]+$/,
  /^TABLES [^\s]*$/,
  /^CONTENT (?:ALL|DATA_ONLY|METADATA_ONLY)$/,
  /^BODY BYTES \d+$/,
  /^BODY SHA256 [0-9a-f]{64}$/,
  /^MASTER TABLE PRESENT$/,
];
const READ_BYTES = 1024 * 1024;
const LOGIN_RETRIES = 3;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Object types in the order an import processes them, with how many objects a schema with `t` tables has: the
 * same counts expdp-sim.mjs logs for the export (its OBJECT_TYPES), so both sides agree.
 */
const IMPORT_OBJECT_TYPES = [
  ['SCHEMA_EXPORT/USER', () => 1],
  ['SCHEMA_EXPORT/SYSTEM_GRANT', () => 2],
  ['SCHEMA_EXPORT/ROLE_GRANT', () => 2],
  ['SCHEMA_EXPORT/DEFAULT_ROLE', () => 1],
  ['SCHEMA_EXPORT/TABLESPACE_QUOTA', () => 1],
  ['SCHEMA_EXPORT/PRE_SCHEMA/PROCACT_SCHEMA', () => 1],
  ['SCHEMA_EXPORT/SEQUENCE/SEQUENCE', (t) => Math.ceil(t / 2)],
  ['SCHEMA_EXPORT/TABLE/TABLE', (t) => t],
  ['SCHEMA_EXPORT/TABLE/TABLE_DATA', (t) => t],
  ['SCHEMA_EXPORT/TABLE/COMMENT', (t) => t * 2],
  ['SCHEMA_EXPORT/TABLE/INDEX/INDEX', (t) => Math.ceil(t * 1.5)],
  ['SCHEMA_EXPORT/TABLE/CONSTRAINT/CONSTRAINT', (t) => t * 2],
  ['SCHEMA_EXPORT/TABLE/INDEX/STATISTICS/INDEX_STATISTICS', (t) => Math.ceil(t * 1.5)],
  ['SCHEMA_EXPORT/TABLE/CONSTRAINT/REF_CONSTRAINT', (t) => Math.max(0, t - 1)],
  ['SCHEMA_EXPORT/TABLE/STATISTICS/TABLE_STATISTICS', (t) => t],
  ['SCHEMA_EXPORT/STATISTICS/MARKER', () => 1],
];
const TABLE_DATA = 'SCHEMA_EXPORT/TABLE/TABLE_DATA';

const MSG = {
  logonDenied:
    '\nUDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n\n',
  unknownParameter: (name) => `LRM-00101: unknown parameter name '${name}'`,
  cannotOpenParfile: (file) => `LRM-00109: could not open parameter file '${file}'`,
  noClosingQuote: (value) => `LRM-00111: no closing quote for value '${value}'`,
  parfileError: (file) => `LRM-00113: error when processing file '${file}'`,
  invalidValue: (name) => `UDE-00014: invalid value for parameter, '${name.toLowerCase()}'.`,
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
  cannotOpenDump: (file) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-31640: unable to open dump file "${file}" for read`,
    'ORA-27037: unable to obtain file status',
    'Linux-x86_64 Error: 2: No such file or directory',
    'Additional information: 7',
  ],
  invalidDump: (file) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-31619: invalid dump file "${file}"`,
  ],
  originalExport: (file) => [
    'ORA-39001: invalid argument value',
    'ORA-39000: bad dump file specification',
    `ORA-39143: dump file "${file}" may be an original export dump file`,
  ],
  incompleteSet: ['ORA-39002: invalid operation', 'ORA-39059: dump file set is incomplete'],
  noMasterTable: [
    'ORA-39002: invalid operation',
    'ORA-39246: cannot locate master table within provided dump files',
  ],
  sqlfileUnwritable: (file) => [
    'ORA-39002: invalid operation',
    `ORA-31641: unable to create dump file "${file}"`,
    'ORA-27040: file create error, unable to create file',
    'Linux-x86_64 Error: 2: No such file or directory',
  ],
  corrupt: (file, detail) => [
    'ORA-39126: Worker unexpected fatal error in KUPW$WORKER.MAIN [LOAD_METADATA]',
    `ORA-31619: invalid dump file "${file}"`,
    `Additional information: ${detail}`,
  ],
  schemaNotFound: (schema) => `ORA-39165: Schema ${schema} was not found.`,
};

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Small utilities
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

class SimExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const pad2 = (n) => String(n).padStart(2, '0');

function oracleDate(d) {
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${d.getDate()} ${time} ${d.getFullYear()}`;
}

function logtimeStamp(d) {
  const date = `${pad2(d.getDate())}-${MONTHS[d.getMonth()].toUpperCase()}-${pad2(d.getFullYear() % 100)}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${time}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function elapsedText(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 86400)} ${pad2(Math.floor(s / 3600) % 24)}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
}

/** Splits a list value on the commas outside quotes and parentheses; outer parentheses are dropped. */
function splitList(value) {
  let text = value.trim();
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  const items = [];
  let current = '';
  let quote = null;
  let depth = 0;
  for (const ch of text) {
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

function yesNo(value) {
  const v = oracleName(value);
  if (['YES', 'Y', 'TRUE', '1'].includes(v)) return true;
  if (['NO', 'N', 'FALSE', '0'].includes(v)) return false;
  return undefined;
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Configuration (the same file as expdp-sim.mjs)
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

function configError(message) {
  process.stderr.write(`impdp-sim: ${message}\n`);
  throw new SimExit(1);
}

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
    schemas[name.toUpperCase()] = { behavior: 'success', tables: 4, bytes: 262144, ...(raw ?? {}) };
  }
  return {
    directories: Object.fromEntries(
      Object.entries(config.directories).map(([k, v]) => [k.toUpperCase(), String(v)]),
    ),
    users: Object.fromEntries(Object.entries(config.users).map(([k, v]) => [k.toUpperCase(), String(v)])),
    databaseVersion: String(config.databaseVersion ?? '19.0.0.0.0'),
    clientVersion: String(config.clientVersion ?? config.databaseVersion ?? '19.0.0.0.0'),
    record: config.record ? String(config.record) : undefined,
    schemas,
  };
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// Parameters: command line and parfile (the same rules as expdp-sim.mjs)
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

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
  const remap = new Map();
  for (const value of params.REMAP_SCHEMA ?? []) {
    for (const pair of splitList(value)) {
      const colon = pair.indexOf(':');
      if (colon <= 0 || colon === pair.length - 1) invalid('REMAP_SCHEMA');
      remap.set(oracleName(pair.slice(0, colon)), oracleName(pair.slice(colon + 1)));
    }
  }
  const parallel = params.PARALLEL === undefined ? 1 : Number(params.PARALLEL);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 1024) invalid('PARALLEL');
  return {
    logtime: choice('LOGTIME', ['NONE', 'STATUS', 'LOGFILE', 'ALL'], 'NONE'),
    metrics: flag('METRICS', false),
    noLogFile: flag('NOLOGFILE', false),
    full: flag('FULL', params.SCHEMAS === undefined),
    content: choice('CONTENT', ['ALL', 'DATA_ONLY', 'METADATA_ONLY'], 'ALL'),
    tableExists: choice('TABLE_EXISTS_ACTION', ['SKIP', 'APPEND', 'TRUNCATE', 'REPLACE'], 'SKIP'),
    remap,
  };
}

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
    tool: 'impdp',
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
// Output and login
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

class Output {
  constructor() {
    this.logFd = null;
    this.logtime = 'NONE';
    this.metrics = false;
  }

  stdout(text) {
    process.stdout.write(text);
  }

  openLog(file, header) {
    this.logFd = fs.openSync(file, 'w');
    fs.writeSync(this.logFd, header);
  }

  closeLog() {
    if (this.logFd !== null) fs.closeSync(this.logFd);
    this.logFd = null;
  }

  message(text, worker) {
    const stamp = `${logtimeStamp(new Date())}: `;
    const body = (this.metrics && worker ? `W-${worker} ` : '') + text;
    const toStdout = (this.logtime === 'ALL' || this.logtime === 'STATUS' ? stamp : '') + body;
    const toLog = (this.logtime === 'ALL' || this.logtime === 'LOGFILE' ? stamp : '') + body;
    if (this.logFd !== null) fs.writeSync(this.logFd, `${toLog}\n`);
    process.stdout.write(`${toStdout}\n`);
  }
}

/** Logs in like the real client (and expdp-sim.mjs): a refused login re-prompts `Username:` on stdin. */
async function login(params, config, out, stdin) {
  const valid = (cred) => cred.user !== '' && config.users[cred.user.toUpperCase()] === cred.password;
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

/** The client's banner (its own release: clientVersion, as expdp-sim.mjs prints it). */
function bannerLines(config, now) {
  const major = parseInt(config.clientVersion, 10);
  const release = RELEASES[major] ?? {
    version: config.clientVersion,
    copyright: '1982, 2019',
    name: `${major}c`,
  };
  return [
    `Import: Release ${config.clientVersion} - Production on ${oracleDate(now)}`,
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

function startupFailure(out, lines) {
  out.stdout(`${lines.join('\n')}\n`);
  throw new SimExit(1);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The dump file set
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

function resolveFileSpec(spec, defaultDirectory, extension, config) {
  const colon = spec.indexOf(':');
  const directory = colon > 0 ? oracleName(spec.slice(0, colon)) : defaultDirectory;
  let name = (colon > 0 ? spec.slice(colon + 1) : spec).trim().replace(/^"(.*)"$/, '$1');
  if (!path.extname(name)) name += extension;
  return { directory, name, folder: config.directories[directory.toUpperCase()] };
}

/** DUMPFILE specs → files to open. A `%U` template stands for 01, 02, ... as long as such files exist. */
function dumpFileList(specs) {
  const files = [];
  for (const spec of specs) {
    if (/%[Uu]/.test(spec.name)) {
      for (let n = 1; n <= 99; n++) {
        const name = spec.name.replace(/%([Uu%])/g, (_, c) => (c === '%' ? '%' : pad2(n)));
        const file = path.join(spec.folder, name);
        if (n > 1 && !fs.existsSync(file)) break;
        files.push(file);
      }
    } else files.push(path.join(spec.folder, spec.name.replace(/%%/g, '%')));
  }
  return [...new Set(files)];
}

/**
 * Reads one file's header. Returns `{ kind: 'missing' | 'legacy' | 'invalid' }` or `{ kind: 'dump', ... }` with
 * the fields of the simulated header.
 */
function readHeader(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return { kind: 'missing' };
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
    fs.readSync(fd, head, 0, head.length, 0);
    const text = head.toString('latin1');
    if (/^.{0,3}EXPORT:V\d\d\.\d\d\.\d\d/s.test(text)) return { kind: 'legacy', size };
    if (size < HEADER_BYTES || head.readUInt16BE(0) !== HEADER_VERSION || !text.startsWith(SIGNATURE, 2))
      return { kind: 'invalid', size };
    // The header is its lines, then zeros to 4 KiB: any other byte there is damage.
    const end = text.indexOf('\0', 2);
    const body = end < 0 ? text.slice(2) : text.slice(2, end);
    if (end < 0 || /[^\0]/.test(text.slice(end))) return { kind: 'invalid', size };
    const lines = body.split('\n').filter((l) => l !== '');
    if (lines[0] !== HEADER_TITLE || !lines.slice(1).every((l) => HEADER_FIELDS.some((f) => f.test(l))))
      return { kind: 'invalid', size };
    const field = (prefix) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
    const job = /^"([^"]*)"\."([^"]*)"$/.exec(field('JOB ') ?? '');
    const place = /^(\d+) OF (\d+)$/.exec(field('FILE ') ?? '');
    if (!job || !place) return { kind: 'invalid', size };
    const bodyBytes = field('BODY BYTES ');
    const tables = field('TABLES ');
    return {
      kind: 'dump',
      file,
      size,
      owner: job[1],
      job: job[2],
      number: Number(place[1]),
      count: Number(place[2]),
      schemas: (field('SCHEMAS ') ?? '').split(',').filter(Boolean),
      bodyBytes: bodyBytes === undefined ? undefined : Number(bodyBytes),
      bodySha256: field('BODY SHA256 '),
      masterTable: lines.some((l) => l.startsWith('MASTER TABLE')),
      tables: tables === undefined ? undefined : parseTables(tables),
      content: field('CONTENT '),
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** `HR=7,SALES=3` → { HR: 7, SALES: 3 }. */
function parseTables(text) {
  const tables = {};
  for (const item of text.split(',')) {
    const [name, count] = item.split('=');
    if (name && Number.isSafeInteger(Number(count))) tables[name] = Number(count);
  }
  return tables;
}

/**
 * Opens the dump file set like the client does before a job exists: every file present, a Data Pump header,
 * the complete set of one job, and (for sealed headers) the size and the master table. Returns the headers in
 * file-number order.
 */
function openDumpSet(out, files) {
  const headers = [];
  for (const file of files) {
    const header = readHeader(file);
    if (header.kind === 'missing') startupFailure(out, MSG.cannotOpenDump(file));
    if (header.kind === 'legacy') startupFailure(out, MSG.originalExport(file));
    if (header.kind === 'invalid') startupFailure(out, MSG.invalidDump(file));
    // A sealed header knows its body's size: a shorter (or longer) file was truncated (or damaged).
    if (header.bodyBytes !== undefined && header.size - HEADER_BYTES !== header.bodyBytes)
      startupFailure(out, MSG.invalidDump(file));
    headers.push(header);
  }
  const first = headers[0];
  for (const h of headers) {
    if (h.owner !== first.owner || h.job !== first.job || h.count !== first.count)
      startupFailure(out, MSG.invalidDump(h.file));
  }
  const numbers = new Set(headers.map((h) => h.number));
  if (numbers.size !== headers.length || headers.length !== first.count)
    startupFailure(out, MSG.incompleteSet);
  headers.sort((a, b) => a.number - b.number);
  const sealed = headers.every((h) => h.bodySha256 !== undefined);
  if (sealed && !headers.some((h) => h.masterTable)) startupFailure(out, MSG.noMasterTable);
  // expdp-sim seals every file it closes with its body's size and SHA-256; a file without them was not closed.
  if (!sealed) startupFailure(out, MSG.invalidDump(headers.find((h) => h.bodySha256 === undefined).file));
  return { headers, sealed };
}

/** Reads bytes [from, to) of a file in pieces, calling `visit(buffer, offset)`; stops early when it returns false. */
function readRange(file, from, to, visit) {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(READ_BYTES);
    for (let offset = from; offset < to;) {
      const n = fs.readSync(fd, buffer, 0, Math.min(READ_BYTES, to - offset), offset);
      if (n === 0) return false;
      if (visit(buffer.subarray(0, n), offset) === false) return false;
      offset += n;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Checks every byte of the set; returns undefined when intact, else `{ file, detail }` of the first bad piece. */
function verifyDumpSet(set) {
  for (const h of set.headers) {
    const hash = createHash('sha256');
    readRange(h.file, HEADER_BYTES, h.size, (chunk) => {
      hash.update(chunk);
    });
    if (hash.digest('hex') !== h.bodySha256) return { file: h.file, detail: 'block checksum mismatch' };
  }
  return undefined;
}

const seq = (n) => String(n).padStart(2, '0');

/** The DDL of object `i` (1-based) of a type, for schema `s`: what a real SQL file shows, simplified. */
function ddl(type, s, i) {
  const table = `"${s}"."SIM_TABLE_${seq(Math.ceil(i / 2))}"`;
  switch (type.split('/').pop()) {
    case 'USER':
      return [
        ` CREATE USER "${s}" IDENTIFIED BY VALUES 'S:0000000000000000000000000000000000000000SIMULATED'`,
        '      DEFAULT TABLESPACE "USERS"',
        '      TEMPORARY TABLESPACE "TEMP";',
      ];
    case 'SYSTEM_GRANT':
      return [`GRANT ${i === 1 ? 'CREATE SESSION' : 'UNLIMITED TABLESPACE'} TO "${s}";`];
    case 'ROLE_GRANT':
      return [`GRANT "${i === 1 ? 'CONNECT' : 'RESOURCE'}" TO "${s}";`];
    case 'DEFAULT_ROLE':
      return [`ALTER USER "${s}" DEFAULT ROLE ALL;`];
    case 'TABLESPACE_QUOTA':
      return [
        'DECLARE',
        '  TEMP_COUNT NUMBER;',
        '  SQLSTR VARCHAR2(200);',
        'BEGIN',
        `  SQLSTR := 'ALTER USER "${s}" QUOTA UNLIMITED ON "USERS"';`,
        '  EXECUTE IMMEDIATE SQLSTR;',
        'EXCEPTION',
        '  WHEN OTHERS THEN',
        '    IF SQLCODE = -30041 THEN NULL; ELSE RAISE; END IF;',
        'END;',
        '/',
      ];
    case 'PROCACT_SCHEMA':
      return [
        `-- CONNECT ${s}`,
        'BEGIN ',
        "sys.dbms_logrep_imp.instantiate_schema(schema_name=>SYS_CONTEXT('USERENV','CURRENT_SCHEMA'), export_db_name=>'SIMULATED', inst_scn=>'2303625');",
        'COMMIT; ',
        'END; ',
        '/ ',
      ];
    case 'SEQUENCE':
      return [
        ` CREATE SEQUENCE  "${s}"."SIM_SEQ_${seq(i)}"  MINVALUE 1 MAXVALUE 9999999999999999999999999999 INCREMENT BY 1 START WITH 1 CACHE 20 NOORDER  NOCYCLE  NOKEEP  NOSCALE  GLOBAL ;`,
      ];
    case 'TABLE':
      return [
        ` CREATE TABLE "${s}"."SIM_TABLE_${seq(i)}" `,
        '   (\t"ID" NUMBER(10,0) NOT NULL ENABLE, ',
        '\t"NAME" VARCHAR2(100 BYTE), ',
        '\t"CREATED" DATE',
        '   ) SEGMENT CREATION IMMEDIATE ',
        '  TABLESPACE "USERS" ;',
      ];
    case 'COMMENT':
      return [`   COMMENT ON COLUMN ${table}."${i % 2 ? 'ID' : 'NAME'}" IS 'simulated column';`];
    case 'INDEX':
      return [
        `  CREATE UNIQUE INDEX "${s}"."SIM_INDEX_${seq(i)}" ON ${table} ("ID") `,
        '  TABLESPACE "USERS" ;',
      ];
    case 'CONSTRAINT':
      return [`  ALTER TABLE ${table} ADD CONSTRAINT "SIM_CONSTRAINT_${seq(i)}" CHECK ("ID" > 0) ENABLE;`];
    case 'REF_CONSTRAINT':
      return [
        `  ALTER TABLE "${s}"."SIM_TABLE_${seq(i + 1)}" ADD CONSTRAINT "SIM_FK_${seq(i)}" FOREIGN KEY ("ID")`,
        `\t  REFERENCES "${s}"."SIM_TABLE_01" ("ID") ENABLE;`,
      ];
    default:
      // Statistics and the marker: PL/SQL blocks.
      return [
        'DECLARE',
        '  IND_NAME VARCHAR2(60);',
        'BEGIN',
        `  DBMS_STATS.SET_TABLE_PREFS('${s}', 'SIM_TABLE_${seq(i)}', 'INCREMENTAL', 'FALSE');`,
        'END;',
        '/',
      ];
  }
}

/** How many tables each schema of the set has: from the sealed header, else from the configuration. */
function tablesOf(set, config, schema) {
  const fromHeader = set.headers[0].tables?.[schema];
  if (fromHeader !== undefined) return fromHeader;
  const conf = config.schemas[schema.toUpperCase()];
  if (!conf) return 0;
  return conf.tables + (conf.behavior === 'skipped-tables' ? 2 : 0);
}

// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────
// The client
// ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const started = new Date();
  const out = new Output();
  const stdin = new LineReader(process.stdin);
  process.stdout.on('error', () => {});

  const config = loadConfig();
  const argv = process.argv.slice(2);
  const parfileArg = argv.find((a) => /^parfile\s*=/i.test(a));
  recordCall(
    config,
    parfileArg ? path.resolve(parfileArg.replace(/^parfile\s*=\s*/i, '').replace(/^"(.*)"$/, '$1')) : null,
  );

  const banner = bannerLines(config, started);
  out.stdout(`\n${banner.join('\n')}\n`);

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

  const cred = await login(params, config, out, stdin);
  stdin.stop();
  out.stdout(`\n${connectedLine(config)}\n`);

  const directory = params.DIRECTORY !== undefined ? oracleName(params.DIRECTORY) : 'DATA_PUMP_DIR';
  const folderExists = (folder) =>
    folder !== undefined && fs.existsSync(folder) && fs.statSync(folder).isDirectory();
  let logFile = null;
  if (!options.noLogFile) {
    const spec = resolveFileSpec(params.LOGFILE ?? 'import.log', directory, '.log', config);
    if (spec.folder === undefined) startupFailure(out, MSG.directoryInvalidForLog(spec.directory));
    if (!folderExists(spec.folder)) startupFailure(out, MSG.folderMissingForLog);
    logFile = path.join(spec.folder, spec.name);
  }
  let sqlFile = null;
  if (params.SQLFILE !== undefined) {
    const spec = resolveFileSpec(params.SQLFILE, directory, '.sql', config);
    if (spec.folder === undefined) startupFailure(out, MSG.directoryInvalidForLog(spec.directory));
    if (!folderExists(spec.folder))
      startupFailure(out, MSG.sqlfileUnwritable(path.join(spec.folder, spec.name)));
    sqlFile = path.join(spec.folder, spec.name);
  }
  const dumpSpecs = splitList(params.DUMPFILE ?? 'expdat.dmp').map((s) =>
    resolveFileSpec(s, directory, '.dmp', config),
  );
  for (const spec of dumpSpecs) {
    if (spec.folder === undefined) startupFailure(out, MSG.directoryInvalidForDump(spec.directory));
  }
  const set = openDumpSet(out, dumpFileList(dumpSpecs));

  if (logFile) out.openLog(logFile, `;;; \n${banner.join('\n')}\n;;; \n${connectedLine(config)}\n`);

  // The job: SQLFILE or import, full or schema mode.
  const owner = cred.user;
  const schemaMode = params.SCHEMAS !== undefined && !options.full;
  const defaultJob = `SYS_${sqlFile ? 'SQL_FILE' : 'IMPORT'}_${schemaMode ? 'SCHEMA' : 'FULL'}_01`;
  const job = params.JOB_NAME !== undefined ? oracleName(params.JOB_NAME) : defaultJob;
  const inDump = set.headers[0].schemas;
  const requested = schemaMode ? splitList(params.SCHEMAS).map(oracleName) : inDump;
  const selected = inDump.filter((s) => requested.includes(s));
  const missing = requested.filter((s) => !inDump.includes(s));
  const target = (s) => options.remap.get(s) ?? s;
  let errors = 0;

  out.message(`Master table "${owner}"."${job}" successfully loaded/unloaded`);
  out.message(`Starting "${owner}"."${job}":  ${[cred.display, ...echoed].join(' ')} `);

  // Every byte of the set is read (the metadata first, then the table data, in a real job).
  const bad = verifyDumpSet(set);
  if (bad) {
    for (const line of MSG.corrupt(bad.file, bad.detail)) out.message(line);
    out.message(
      `Job "${owner}"."${job}" stopped due to fatal error at ${oracleDate(new Date())} elapsed ${elapsedText(Date.now() - started.getTime())}`,
    );
    out.closeLog();
    return 1;
  }

  const content = set.headers[0].content ?? 'ALL';
  const sql = sqlFile
    ? [`-- CONNECT ${owner}`, "ALTER SESSION SET EVENTS '10150 TRACE NAME CONTEXT FOREVER, LEVEL 1';"]
    : [];
  for (const [type, countFor] of IMPORT_OBJECT_TYPES) {
    const isData = type === TABLE_DATA;
    if (isData && (sqlFile || options.content === 'METADATA_ONLY' || content === 'METADATA_ONLY')) continue;
    if (!isData && (options.content === 'DATA_ONLY' || content === 'DATA_ONLY')) continue;
    const counts = selected.map((s) => [s, countFor(tablesOf(set, config, s))]);
    const total = counts.reduce((n, [, c]) => n + c, 0);
    if (total === 0) continue;
    out.message(`Processing object type ${type}`, 1);
    if (sqlFile) {
      sql.push(`-- new object type path: ${type}`);
      for (const [s, c] of counts) for (let i = 1; i <= c; i++) sql.push(...ddl(type, target(s), i));
    }
    if (options.metrics)
      out.message(`     Completed ${total} ${type.split('/').pop()} objects in 0 seconds`, 1);
  }
  if (sqlFile) fs.writeFileSync(sqlFile, `${sql.join('\n')}\n`);
  for (const s of missing) {
    out.message(MSG.schemaNotFound(s));
    errors++;
  }
  const when = `at ${oracleDate(new Date())} elapsed ${elapsedText(Date.now() - started.getTime())}`;
  out.message(
    `Job "${owner}"."${job}" ${errors === 0 ? 'successfully completed' : `completed with ${errors} error(s)`} ${when}`,
  );
  out.closeLog();
  return errors === 0 ? 0 : 5;
}

function exit(code) {
  process.stdout.write('', () => process.exit(code));
}

main().then(
  (code) => exit(code),
  (error) => {
    if (error instanceof SimExit) return exit(error.code);
    process.stderr.write(`impdp-sim: internal error: ${error?.stack ?? error}\n`);
    exit(1);
  },
);
