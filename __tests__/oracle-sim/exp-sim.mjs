// exp-sim.mjs: a simulated legacy Oracle export client (`exp`) for tests, beside the simulated expdp.
//
// The legacy client works on the client side: FILE= and LOG= are paths on the machine that runs it (relative ones
// from its working folder), OWNER= names the schemas, CONSISTENT=Y makes one read-consistent export. Like the real
// one, it writes its messages to stderr (and the LOG file), and only its last line tells the outcome:
//   Export terminated successfully without warnings.   exit 0
//   Export terminated successfully with warnings.      exit 0 on Unix, 3 on Windows (`expExitCodes: "windows"`)
//   EXP-00000: Export terminated unsuccessfully        exit 1
// It shares ORACLE_SIM_CONFIG with expdp-sim.mjs (users, schemas, databaseVersion, record); behaviours map to exp:
// success → clean; skipped-tables → EXP-00091 warnings; fatal, directory-invalid, no-log → EXP-00056 + ORA-01555 +
// EXP-00000; wrong-password → EXP-00056/ORA-01017 and `Username:`; hang → waits until killed; empty-dump and
// missing-dump → a clean log with an empty or absent file.
//
// Plain JavaScript ESM, node:* modules only, runs on Node 20 and Node 24. Started by ./bin/exp.

import fs from 'node:fs';
import path from 'node:path';

const KNOWN = new Set([
  'USERID',
  'OWNER',
  'FILE',
  'LOG',
  'CONSISTENT',
  'HELP',
  'STATISTICS',
  'COMPRESS',
  'ROWS',
  'GRANTS',
  'INDEXES',
  'CONSTRAINTS',
  'TRIGGERS',
  'DIRECT',
  'BUFFER',
  'RECORDLENGTH',
  'FEEDBACK',
  'FILESIZE',
  'FLASHBACK_SCN',
  'FLASHBACK_TIME',
  'OBJECT_CONSISTENT',
]);

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n) => String(n).padStart(2, '0');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class SimExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.code = code;
  }
}

function oracleDate(d) {
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${d.getDate()} ${time} ${d.getFullYear()}`;
}

function loadConfig() {
  const file = process.env.ORACLE_SIM_CONFIG;
  if (!file) {
    process.stderr.write('exp-sim: ORACLE_SIM_CONFIG is not set: it must name the JSON configuration\n');
    throw new SimExit(1);
  }
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`exp-sim: cannot read the configuration file '${file}': ${error.message}\n`);
    throw new SimExit(1);
  }
  const upper = (map) => Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.toUpperCase(), v]));
  return {
    users: upper(config.users),
    schemas: upper(config.schemas),
    databaseVersion: String(config.databaseVersion ?? '19.0.0.0.0'),
    clientVersion: String(config.clientVersion ?? config.databaseVersion ?? '19.0.0.0.0'),
    record: config.record ? String(config.record) : undefined,
    windows: config.expExitCodes === 'windows',
  };
}

/** `user/password@connect` (password possibly in double quotes). */
function parseUserid(text) {
  const m = /^([^/@]*)(?:\/("[^"]*"|[^@]*))?(?:@(.*))?$/.exec(text.trim().replace(/^"(.*)"$/, '$1'));
  if (!m) return { user: '', password: undefined };
  const password = m[2] === undefined ? undefined : m[2].replace(/^"(.*)"$/, '$1');
  return { user: m[1].toUpperCase(), password, display: `${m[1]}/********${m[3] ? `@${m[3]}` : ''}` };
}

/**
 * A parfile line without its comment: legacy exp ignores everything from a `#` outside double quotes to the end
 * of the line, so an unquoted `USERID=u/Pass#word@db` logs in with `Pass`.
 */
function withoutComment(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

function readParameters(argv) {
  const params = {};
  const add = (token, index, fromParfile) => {
    const eq = token.indexOf('=');
    if (eq < 0) {
      if (index === 0 && !fromParfile) {
        params.USERID = token;
        return;
      }
      throw new ParameterError(token);
    }
    const key = token.slice(0, eq).trim().toUpperCase();
    const value = token.slice(eq + 1).trim();
    if (key === 'PARFILE' && !fromParfile) {
      const text = fs.readFileSync(path.resolve(value.replace(/^"(.*)"$/, '$1')), 'utf8');
      for (const line of text.split(/\r?\n/)) {
        const t = withoutComment(line).trim();
        if (t !== '') add(t, -1, true);
      }
      return;
    }
    if (!KNOWN.has(key)) throw new ParameterError(token.slice(0, eq));
    params[key] = value;
  };
  argv.forEach((arg, i) => add(arg, i, false));
  return params;
}

class ParameterError extends Error {
  constructor(name) {
    super(name);
    this.parameter = name;
  }
}

function recordCall(config, argv) {
  if (!config.record) return;
  const parfileArg = argv.find((a) => /^parfile\s*=/i.test(a));
  const parfile = parfileArg
    ? path.resolve(parfileArg.replace(/^parfile\s*=\s*/i, '').replace(/^"(.*)"$/, '$1'))
    : '';
  let parfileMode = '';
  let parfileText = '';
  if (parfile) {
    try {
      parfileMode = (fs.statSync(parfile).mode & 0o777).toString(8);
      parfileText = fs
        .readFileSync(parfile, 'utf8')
        .replace(/^(\s*userid\s*=\s*[^/\n]*\/)(?:"[^"\n]*"|[^@\n]*)/im, (all, head) =>
          all.endsWith('"') ? `${head}"********"` : `${head}********`,
        );
    } catch {
      // unreadable: recorded as ''
    }
  }
  fs.mkdirSync(path.dirname(config.record), { recursive: true });
  fs.appendFileSync(
    config.record,
    `${JSON.stringify({
      program: 'exp',
      argv,
      env: process.env,
      cwd: process.cwd(),
      pid: process.pid,
      parfile,
      parfileMode,
      parfileText,
      node: process.version,
      time: new Date().toISOString(),
    })}\n`,
  );
}

/** Messages go to stderr, as the real exp's do, and to the LOG file. */
class Output {
  constructor() {
    this.fd = null;
  }
  open(file) {
    this.fd = fs.openSync(file, 'w');
  }
  line(text = '') {
    process.stderr.write(`${text}\n`);
    if (this.fd !== null) fs.writeSync(this.fd, `${text}\n`);
  }
  close() {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** The stdin line reader: a wrong password re-prompts `Username:`; end of input ends the client. */
function readLine() {
  return new Promise((resolve) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) {
        cleanup();
        resolve(buffer.slice(0, nl).replace(/\r$/, ''));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(buffer === '' ? null : buffer);
    };
    const cleanup = () => {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
    process.stdin.resume();
  });
}

function tableLine(name, rows) {
  return `. . exporting table${name.padStart(31)}${String(rows).padStart(11)} rows exported`;
}

/** Deterministic, compressible dump bytes with an exp-like header. */
function dumpBytes(schema, size, version) {
  // As a real exp file starts: `EXPORT:V11.02.00`, then the exporting user and the mode.
  const [major = '19', minor = '0', patch = '0'] = version.split('.');
  const banner = `EXPORT:V${major.padStart(2, '0')}.${minor.padStart(2, '0')}.${patch.padStart(2, '0')}`;
  const header = Buffer.from(`\u0003\u0000\u0001${banner}\nD${schema}\nRUSERS\n8192\n0\n`);
  const rows = [];
  let seed = 0;
  for (const ch of schema) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  let total = header.length;
  while (total < size) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const row = `INSERT ${schema} ${seed % 100000} NAME${seed % 977} CITY${seed % 53} ${(seed % 100000) / 100}\n`;
    rows.push(row);
    total += row.length;
  }
  return Buffer.concat([header, Buffer.from(rows.join(''))]).subarray(0, size);
}

async function main() {
  const config = loadConfig();
  const argv = process.argv.slice(2);
  recordCall(config, argv);
  const out = new Output();
  const banner = [
    '',
    `Export: Release ${config.clientVersion} - Production on ${oracleDate(new Date())}`,
    '',
    'Copyright (c) 1982, 2019, Oracle and/or its affiliates.  All rights reserved.',
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);

  let params;
  try {
    params = readParameters(argv);
  } catch (error) {
    if (!(error instanceof ParameterError)) throw error;
    process.stderr.write(
      `LRM-00101: unknown parameter name '${error.parameter}'\n\n` +
        "EXP-00019: failed to process parameters, type 'EXP HELP=Y' for help\n" +
        'EXP-00000: Export terminated unsuccessfully\n',
    );
    throw new SimExit(1);
  }
  if (/^y/i.test(params.HELP ?? '')) {
    process.stdout.write(
      'You can let Export prompt you for parameters by entering the EXP\n' +
        'command followed by your username/password:\n\n     Example: EXP SCOTT/TIGER\n',
    );
    return 0;
  }
  if (params.LOG) out.open(path.resolve(params.LOG.replace(/^"(.*)"$/, '$1')));

  const owners = (params.OWNER ?? '')
    .replace(/^\((.*)\)$/, '$1')
    .split(',')
    .map((s) =>
      s
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toUpperCase(),
    )
    .filter(Boolean);
  const behaviors = new Set(owners.map((o) => config.schemas[o]?.behavior ?? 'success'));

  // Login.
  let cred = params.USERID ? parseUserid(params.USERID) : { user: '', password: undefined };
  for (let attempt = 0; ; attempt++) {
    const ok =
      !behaviors.has('wrong-password') &&
      cred.user !== '' &&
      cred.password !== undefined &&
      config.users[cred.user] === cred.password;
    if (ok) break;
    out.line('EXP-00056: ORACLE error 1017 encountered');
    out.line('ORA-01017: invalid username/password; logon denied');
    process.stdout.write('Username: ');
    const answer = attempt < 2 ? await readLine() : null;
    if (answer === null) {
      out.line('EXP-00030: Unexpected End-Of-File encountered while reading input');
      out.line('EXP-00000: Export terminated unsuccessfully');
      out.close();
      throw new SimExit(1);
    }
    cred = parseUserid(answer);
  }
  const major = (v) => v.split('.')[0];
  out.line(
    `Connected to: Oracle Database ${major(config.databaseVersion)}c Enterprise Edition Release ${config.databaseVersion} - Production`,
  );
  out.line('Export done in AL32UTF8 character set and AL16UTF16 NCHAR character set');
  out.line();
  out.line('About to export specified users ...');
  out.line('. exporting pre-schema procedural objects and actions');

  const file = path.resolve((params.FILE ?? 'expdat.dmp').replace(/^"(.*)"$/, '$1'));
  const worst = [
    'hang',
    'fatal',
    'directory-invalid',
    'no-log',
    'skipped-tables',
    'missing-dump',
    'empty-dump',
  ];
  const behavior = worst.find((b) => behaviors.has(b)) ?? 'success';
  if (behavior !== 'missing-dump') fs.writeFileSync(file, '');
  let warnings = 0;
  const chunks = [];
  for (const owner of owners) {
    const schema = config.schemas[owner];
    if (!schema) {
      out.line(`EXP-00010: ${owner} is not a valid username`);
      warnings++;
      continue;
    }
    out.line(`. exporting foreign function library names for user ${owner}`);
    out.line(`About to export ${owner}'s objects ...`);
    out.line('. exporting database links');
    out.line('. exporting sequence numbers');
    out.line(`. about to export ${owner}'s tables via Conventional Path ...`);
    const tables = schema.tables ?? 4;
    const bytes = schema.bytes ?? 262144;
    for (let i = 0; i < tables; i++) {
      if (schema.delayMs) await sleep(schema.delayMs / tables);
      if (behavior === 'hang' && schema.behavior === 'hang') {
        out.line(tableLine(`TABLE_${i + 1}`, 10 * (i + 1)));
        setInterval(() => {}, 1 << 30);
        return new Promise(() => {});
      }
      if (schema.behavior === 'fatal' && i === Math.floor(tables / 2)) {
        out.line('EXP-00056: ORACLE error 1555 encountered');
        out.line(
          'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1650507675$" too small',
        );
        out.line('EXP-00000: Export terminated unsuccessfully');
        fs.appendFileSync(file, dumpBytes(owner, Math.floor(bytes / 2), config.databaseVersion));
        out.close();
        throw new SimExit(1);
      }
      out.line(tableLine(`TABLE_${i + 1}`, Math.max(1, Math.round(bytes / tables / 120))));
    }
    if (schema.behavior === 'directory-invalid' || schema.behavior === 'no-log') {
      out.line('EXP-00008: ORACLE error 942 encountered');
      out.line('ORA-00942: table or view does not exist');
      out.line('EXP-00000: Export terminated unsuccessfully');
      out.close();
      throw new SimExit(1);
    }
    if (schema.behavior === 'skipped-tables') {
      out.line('EXP-00091: Exporting questionable statistics.');
      out.line('EXP-00091: Exporting questionable statistics.');
      warnings++;
    }
    chunks.push(dumpBytes(owner, bytes, config.databaseVersion));
  }
  out.line('. exporting synonyms');
  out.line('. exporting views');
  out.line('. exporting statistics');
  if (behavior !== 'missing-dump' && behavior !== 'empty-dump') fs.writeFileSync(file, Buffer.concat(chunks));
  if (warnings > 0) {
    out.line('Export terminated successfully with warnings.');
    out.close();
    return config.windows ? 3 : 0;
  }
  out.line('Export terminated successfully without warnings.');
  out.close();
  return 0;
}

function exit(code) {
  process.stderr.write('', () => process.stdout.write('', () => process.exit(code)));
}

main().then(
  (code) => exit(code),
  (error) => {
    if (error instanceof SimExit) return exit(error.code);
    process.stderr.write(`exp-sim: internal error: ${error?.stack ?? error}\n`);
    exit(1);
  },
);
