// The simulated impdp (oracle-sim/impdp-sim.mjs) reading what the simulated expdp wrote: SQLFILE, REMAP_SCHEMA,
// %U sets, and the real client's errors for a bad dump file set (truncated, altered, not a dump, legacy exp,
// incomplete), spawned as the action spawns the real one (parfile 0600, stdin closed).
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSimCalls, SIM_ORACLE_HOME, writeSimConfig, type SimConfig } from './oracle-sim/sim.js';
import { flipByte } from './helpers/files.js';

const PASSWORD = 'Tiger#Secret_2026';
const SIM_IMPDP = path.join(SIM_ORACLE_HOME, 'bin', 'impdp');
const SIM_EXPDP = path.join(SIM_ORACLE_HOME, 'bin', 'expdp');
const USERID = `USERID=system/"${PASSWORD}"@dbhost:1521/ORCLPDB1`;

interface Env {
  dir: string;
  dumpDir: string;
  record: string;
  config: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function setup(schemas: SimConfig['schemas']): Env {
  const dir = mkdtempSync(path.join(tmpdir(), 'impdp-sim-'));
  folders.push(dir);
  const dumpDir = path.join(dir, 'dpdump');
  mkdirSync(dumpDir);
  const record = path.join(dir, 'calls.jsonl');
  const config = writeSimConfig(dir, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { SYSTEM: PASSWORD },
    record,
    schemas,
  });
  return { dir, dumpDir, record, config };
}

/** Runs a simulated client with a parfile (0600, private folder), stdin closed, like the action does. */
function runSim(tool: string, env: Env, lines: string[]): Promise<Run> {
  const parDir = mkdtempSync(path.join(env.dir, 'par-'));
  const parfile = path.join(parDir, 'job.par');
  writeFileSync(parfile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return new Promise((resolve) => {
    const child = spawn(tool, [`parfile=${parfile}`], {
      env: { ...process.env, ORACLE_SIM_CONFIG: env.config, NLS_LANG: 'AMERICAN_AMERICA.AL32UTF8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      rmSync(parDir, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

const exportLines = (schemas: string, job: string, dumpfile: string, extra: string[] = []) => [
  USERID,
  `SCHEMAS=${schemas}`,
  'DIRECTORY=DATA_PUMP_DIR',
  `DUMPFILE=${dumpfile}`,
  `LOGFILE=${job.toLowerCase()}.log`,
  `JOB_NAME=${job}`,
  ...extra,
];

const sqlfileLines = (dumpfile: string, extra: string[] = []) => [
  USERID,
  'DIRECTORY=DATA_PUMP_DIR',
  `DUMPFILE=${dumpfile}`,
  'SQLFILE=check.sql',
  'LOGFILE=check.log',
  ...extra,
];

describe('simulated impdp: reading a good dump file set', () => {
  it('SQLFILE writes the DDL of every object with the schema remapped, and logs like impdp', async () => {
    const env = setup({ HR: { tables: 5, bytes: 600_000 } });
    expect((await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_HR_1', 'hr.dmp'))).code).toBe(0);
    const r = await runSim(SIM_IMPDP, env, sqlfileLines('hr.dmp', ['REMAP_SCHEMA=HR:HR_RESTORED']));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\nImport: Release 19\.0\.0\.0\.0 - Production on /);
    expect(r.stdout).toContain('Connected to: Oracle Database 19c Enterprise Edition');
    expect(r.stdout).toMatch(
      /Master table "SYSTEM"\."SYS_SQL_FILE_FULL_01" successfully loaded\/unloaded\nStarting "SYSTEM"\."SYS_SQL_FILE_FULL_01": {2}system\/\*\*\*\*\*\*\*\*@dbhost:1521\/ORCLPDB1 parfile=/,
    );
    expect(r.stdout).toContain('Processing object type SCHEMA_EXPORT/TABLE/TABLE\n');
    expect(r.stdout).not.toContain('TABLE_DATA');
    expect(r.stdout).toMatch(
      /Job "SYSTEM"\."SYS_SQL_FILE_FULL_01" successfully completed at .* elapsed 0 \d\d:\d\d:\d\d\n$/,
    );
    expect(r.stdout).not.toContain(PASSWORD);

    const sql = readFileSync(path.join(env.dumpDir, 'check.sql'), 'utf8');
    expect(sql).toContain('-- new object type path: SCHEMA_EXPORT/TABLE/TABLE\n');
    expect(sql.match(/CREATE TABLE "HR_RESTORED"\./g)).toHaveLength(5);
    expect(sql).not.toMatch(/"HR"\./);
    const log = readFileSync(path.join(env.dumpDir, 'check.log'), 'utf8');
    expect(log).toMatch(/^;;; \nImport: Release/);
    expect(log).toContain('successfully completed');
  });

  it('reads a %U set of several files and several schemas, with METRICS counts', async () => {
    const env = setup({ HR: { tables: 3, bytes: 2_500_000 }, OE: { tables: 2, bytes: 700_000 } });
    const exp = await runSim(SIM_EXPDP, env, exportLines('HR,OE', 'OBA_2', 'set_%U.dmp', ['FILESIZE=1M']));
    expect(exp.code).toBe(0);
    expect(readdirSync(env.dumpDir).filter((f) => f.endsWith('.dmp'))).toHaveLength(4);
    const r = await runSim(SIM_IMPDP, env, sqlfileLines('set_%U.dmp', ['METRICS=YES', 'JOB_NAME=OBA_SQL_2']));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('W-1      Completed 5 TABLE objects in 0 seconds');
    expect(r.stdout).toContain('Job "SYSTEM"."OBA_SQL_2" successfully completed');
  });

  it('without SQLFILE it "imports" (table data included) and SCHEMAS not in the dump end with ORA-39165, exit 5', async () => {
    const env = setup({ HR: { tables: 2, bytes: 100_000 } });
    await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_3', 'hr.dmp'));
    const r = await runSim(SIM_IMPDP, env, [USERID, 'DUMPFILE=hr.dmp', 'SCHEMAS=HR,NOPE', 'NOLOGFILE=YES']);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('Starting "SYSTEM"."SYS_IMPORT_SCHEMA_01"');
    expect(r.stdout).toContain('Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA');
    expect(r.stdout).toContain('ORA-39165: Schema NOPE was not found.');
    expect(r.stdout).toMatch(/completed with 1 error\(s\) at /);
  });

  it('records the call with tool impdp, the parfile mode and the password masked', async () => {
    const env = setup({ HR: { tables: 1, bytes: 50_000 } });
    await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_4', 'hr.dmp'));
    await runSim(SIM_IMPDP, env, sqlfileLines('hr.dmp'));
    const calls = readSimCalls(env.record) as Array<{
      tool?: string;
      parfileMode: string;
      parfileText: string;
    }>;
    const call = calls.find((c) => c.tool === 'impdp')!;
    expect(call.parfileMode).toBe('600');
    expect(call.parfileText).toContain('USERID=system/"********"@dbhost');
    expect(JSON.stringify(calls)).not.toContain(PASSWORD);
  });
});

describe('simulated impdp: bad dump file sets fail like the real client', () => {
  async function exported(bytes = 400_000): Promise<{ env: Env; dump: string }> {
    const env = setup({ HR: { tables: 3, bytes } });
    expect((await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_B', 'hr.dmp'))).code).toBe(0);
    return { env, dump: path.join(env.dumpDir, 'hr.dmp') };
  }

  it('a truncated file: ORA-39000 + ORA-31619 naming it, exit 1, no job', async () => {
    const { env, dump } = await exported();
    truncateSync(dump, statSync(dump).size - 1000);
    const r = await runSim(SIM_IMPDP, env, sqlfileLines('hr.dmp'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31619: invalid dump file "${dump}"\n`,
    );
    expect(r.stdout).not.toContain('Job "');
  });

  it('one altered byte: the job stops with ORA-39126 + ORA-31619 naming the file, exit 1', async () => {
    const { env, dump } = await exported();
    await flipByte(dump, 200_000);
    const r = await runSim(SIM_IMPDP, env, sqlfileLines('hr.dmp'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Starting "SYSTEM"."SYS_SQL_FILE_FULL_01"');
    expect(r.stdout).toContain(`ORA-31619: invalid dump file "${dump}"`);
    expect(r.stdout).toMatch(/Job "SYSTEM"\."SYS_SQL_FILE_FULL_01" stopped due to fatal error at /);
  });

  it.each([5, 40, 3000])(
    'an altered byte in the header (offset %i): ORA-31619 before any job',
    async (offset) => {
      const { env, dump } = await exported();
      await flipByte(dump, offset);
      const r = await runSim(SIM_IMPDP, env, sqlfileLines('hr.dmp'));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`ORA-31619: invalid dump file "${dump}"`);
      expect(r.stdout).not.toContain('Starting');
    },
  );

  it('a file that is not a dump, an empty one and a legacy exp file', async () => {
    const env = setup({});
    writeFileSync(path.join(env.dumpDir, 'notes.dmp'), 'just some text\n'.repeat(1000));
    writeFileSync(path.join(env.dumpDir, 'empty.dmp'), '');
    writeFileSync(
      path.join(env.dumpDir, 'old.dmp'),
      Buffer.concat([Buffer.from([3, 0, 1]), Buffer.from('EXPORT:V11.02.00\nDSYSTEM\n'), Buffer.alloc(8000)]),
    );
    for (const name of ['notes.dmp', 'empty.dmp']) {
      const r = await runSim(SIM_IMPDP, env, sqlfileLines(name));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`ORA-31619: invalid dump file "${path.join(env.dumpDir, name)}"`);
    }
    const legacy = await runSim(SIM_IMPDP, env, sqlfileLines('old.dmp'));
    expect(legacy.code).toBe(1);
    expect(legacy.stdout).toContain(
      `ORA-39143: dump file "${path.join(env.dumpDir, 'old.dmp')}" may be an original export dump file`,
    );
  });

  it('a missing file (ORA-31640) and a set with a file missing (ORA-39059)', async () => {
    const env = setup({ HR: { tables: 2, bytes: 2_500_000 } });
    await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_M', 'm_%U.dmp', ['FILESIZE=1M']));
    const gone = await runSim(SIM_IMPDP, env, sqlfileLines('nothere.dmp'));
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain(
      `ORA-31640: unable to open dump file "${path.join(env.dumpDir, 'nothere.dmp')}" for read`,
    );
    const partial = await runSim(SIM_IMPDP, env, sqlfileLines('m_01.dmp,m_02.dmp'));
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain('ORA-39002: invalid operation\nORA-39059: dump file set is incomplete');
  });

  it('the dump of an export that stopped with a fatal error cannot be read', async () => {
    const env = setup({ HR: { behavior: 'fatal', tables: 4, bytes: 400_000 } });
    expect((await runSim(SIM_EXPDP, env, exportLines('HR', 'OBA_F', 'f.dmp'))).code).toBe(1);
    const r = await runSim(SIM_IMPDP, env, sqlfileLines('f.dmp'));
    expect(r.code).toBe(1);
    // ORA-39246 (no master table) with sealed headers, ORA-31619 (short file) with legacy ones.
    expect(r.stdout).toMatch(/ORA-39246: cannot locate master table|ORA-31619: invalid dump file/);
  });

  it('a wrong password: UDE-01017/ORA-01017 and Username:, exit 1 with stdin closed', async () => {
    const env = setup({});
    const r = await runSim(SIM_IMPDP, env, ['USERID=system/wrong@db', 'DUMPFILE=x.dmp']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ORA-01017: invalid username/password; logon denied');
    expect(r.stdout).toContain('Username: ');
  });

  it('unknown parameters: LRM-00101, exit 1', async () => {
    const env = setup({});
    const r = await runSim(SIM_IMPDP, env, [USERID, 'BOGUS=1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("LRM-00101: unknown parameter name 'BOGUS'");
  });

  it('the wrapper is executable like bin/expdp', () => {
    expect(statSync(SIM_IMPDP).mode & 0o111).not.toBe(0);
  });
});
