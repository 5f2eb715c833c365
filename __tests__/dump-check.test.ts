// verify-dump: the pure classifiers of headers and SQLFILE runs, the SQL object counter, and checkDump
// end to end on dumps the simulated expdp wrote (sqlfile through the simulated impdp, header through the local
// reader and through a stand-in for the database's GET_DUMPFILE_INFO).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkDump,
  describeDumpCheck,
  dumpCheckFinding,
  toManifestDumpCheck,
  type DumpCheckRequest,
} from '../src/restore/dump-check.js';
import {
  classifyDumpHeaders,
  localDumpHeaderReader,
  recogniseDumpHeader,
  splitJobName,
  type DumpHeaderInfo,
  type DumpHeaderReader,
} from '../src/restore/dump-header.js';
import {
  buildImpdpParfile,
  classifySqlfileRun,
  countSqlObjects,
  describeObjectCounts,
  sqlfileJobName,
} from '../src/restore/sqlfile.js';
import { locateImpdp } from '../src/export/locate-client.js';
import { parseExpdpLog } from '../src/export/expdp-log.js';
import type { ProcessResult } from '../src/types.js';
import { readSimCalls, SIM_ORACLE_HOME, writeSimConfig } from './oracle-sim/sim.js';
import { flipByte } from './helpers/files.js';

const PASSWORD = 'Tiger#Secret_2026';
const CONNECT = 'dbhost:1521/ORCLPDB1';

// ── Pure parts ────────────────────────────────────────────────────────────────────────────────────────────────

const info = (over: Partial<DumpHeaderInfo> = {}): DumpHeaderInfo => ({
  fileType: 1,
  jobName: '"BACKUP"."OBA_HR_1"',
  basis: 'test',
  ...over,
});

describe('classifyDumpHeaders', () => {
  const job = { jobName: 'OBA_HR_1', jobOwner: 'BACKUP' };

  it('passes a numbered, complete set of this job', () => {
    const v = classifyDumpHeaders(
      [
        { name: 'a_01.dmp', info: info({ fileNumber: 1, masterPresent: false }) },
        { name: 'a_02.dmp', info: info({ fileNumber: 2, masterPresent: true }) },
      ],
      job,
    );
    expect(v).toEqual({ ok: true, certain: true, notes: [] });
  });

  it('names the file that is not a dump, or a legacy exp file', () => {
    expect(
      classifyDumpHeaders([{ name: 'x.dmp', info: info({ fileType: 0, basis: 'the file is empty' }) }], job)
        .problem,
    ).toBe('x.dmp is not a Data Pump dump file: the file is empty');
    expect(classifyDumpHeaders([{ name: 'old.dmp', info: info({ fileType: 2 }) }], job).problem).toMatch(
      /^old\.dmp is a legacy exp dump file/,
    );
  });

  it('refuses a file of another job or owner', () => {
    expect(
      classifyDumpHeaders([{ name: 'x.dmp', info: info({ jobName: '"BACKUP"."OBA_OE_9"' }) }], job).problem,
    ).toBe('x.dmp belongs to job "BACKUP"."OBA_OE_9", not to this export\'s job "BACKUP"."OBA_HR_1"');
    expect(
      classifyDumpHeaders([{ name: 'x.dmp', info: info({ jobName: '"SYSTEM"."OBA_HR_1"' }) }], job).ok,
    ).toBe(false);
    // A bare job name (a reader that drops the owner) is compared on the name only.
    expect(classifyDumpHeaders([{ name: 'x.dmp', info: info({ jobName: 'OBA_HR_1' }) }], job).ok).toBe(true);
  });

  it('finds gaps, duplicates and a set without its master table', () => {
    const gap = classifyDumpHeaders(
      [
        { name: 'a_01.dmp', info: info({ fileNumber: 1, fileCount: 3 }) },
        { name: 'a_03.dmp', info: info({ fileNumber: 3, fileCount: 3 }) },
      ],
      job,
    );
    expect(gap.problem).toBe(
      'the dump file set is incomplete: 2 file(s) present, the headers count 3 (file number 2 missing)',
    );
    expect(
      classifyDumpHeaders(
        [
          { name: 'a', info: info({ fileNumber: 1 }) },
          { name: 'b', info: info({ fileNumber: 1 }) },
        ],
        job,
      ).problem,
    ).toBe('two files of the set say they are file 1');
    expect(classifyDumpHeaders([{ name: 'a', info: info({ masterPresent: false }) }], job).problem).toMatch(
      /master table/,
    );
  });

  it('passes an unconfirmed header with a note, not certain', () => {
    const v = classifyDumpHeaders([{ name: 'r.dmp', info: info({ certain: false, basis: 'binary' }) }], job);
    expect(v).toEqual({ ok: true, certain: false, notes: ['r.dmp: header not confirmed (binary)'] });
  });

  it('splitJobName reads the forms GET_DUMPFILE_INFO and the simulator use', () => {
    expect(splitJobName('"ADMIN"."SYS_EXPORT_SCHEMA_01"')).toEqual({
      owner: 'ADMIN',
      job: 'SYS_EXPORT_SCHEMA_01',
    });
    expect(splitJobName('ADMIN.JOB')).toEqual({ owner: 'ADMIN', job: 'JOB' });
    expect(splitJobName('JOB')).toEqual({ job: 'JOB' });
  });
});

describe('recogniseDumpHeader (the local reader)', () => {
  const binary = Buffer.alloc(4096, 0x07);

  it('knows empty, short, text, other archives and legacy exp files', () => {
    expect(recogniseDumpHeader(Buffer.alloc(0), 0)).toMatchObject({
      fileType: 0,
      basis: 'the file is empty',
    });
    expect(recogniseDumpHeader(Buffer.from('PK\x03\x04rest', 'latin1'), 9000).basis).toBe(
      'the file is a zip archive',
    );
    expect(recogniseDumpHeader(Buffer.from([0x1f, 0x8b, 8, 0]), 9000).basis).toBe('the file is a gzip file');
    expect(recogniseDumpHeader(Buffer.from('hello\n'.repeat(700)), 4200).basis).toMatch(/plain text/);
    expect(recogniseDumpHeader(binary.subarray(0, 100), 100).basis).toMatch(/less than one 4 KiB/);
    const legacy = Buffer.concat([Buffer.from([3, 0, 1]), Buffer.from('EXPORT:V19.00.00\n'), binary]);
    expect(recogniseDumpHeader(legacy, 90_000).fileType).toBe(2);
  });

  it('calls any other binary file a plausible but unconfirmed Data Pump file', () => {
    expect(recogniseDumpHeader(binary, 1_000_000)).toMatchObject({ fileType: 1, certain: false });
  });
});

describe('counting the objects of a SQL file', () => {
  it('counts statements per type path, PL/SQL blocks up to their slash, nothing before the first path', () => {
    const sql = [
      '-- CONNECT SYSTEM',
      "ALTER SESSION SET EVENTS '10150 TRACE NAME CONTEXT FOREVER, LEVEL 1';",
      '-- new object type path: SCHEMA_EXPORT/USER',
      ' CREATE USER "HR" IDENTIFIED BY VALUES \'S:00\'',
      '      DEFAULT TABLESPACE "USERS";',
      '-- new object type path: SCHEMA_EXPORT/PRE_SCHEMA/PROCACT_SCHEMA',
      'BEGIN ',
      "sys.dbms_logrep_imp.instantiate_schema(schema_name=>'HR');",
      'COMMIT; ',
      'END; ',
      '/ ',
      '-- new object type path is: SCHEMA_EXPORT/TABLE/TABLE',
      ' CREATE TABLE "HR"."A" ("ID" NUMBER) ;',
      ' CREATE TABLE "HR"."B" ',
      '   ("ID" NUMBER',
      '   ) TABLESPACE "USERS" ;',
      '/',
      '-- new object type path: SCHEMA_EXPORT/PROCEDURE/PROCEDURE',
      'CREATE OR REPLACE EDITIONABLE PROCEDURE "HR"."P" AS',
      'BEGIN',
      '  NULL;',
      'END;',
      '/',
    ].join('\n');
    const counted = countSqlObjects(sql);
    expect(counted.objects).toEqual({
      'SCHEMA_EXPORT/USER': 1,
      'SCHEMA_EXPORT/PRE_SCHEMA/PROCACT_SCHEMA': 1,
      'SCHEMA_EXPORT/TABLE/TABLE': 2,
      'SCHEMA_EXPORT/PROCEDURE/PROCEDURE': 1,
    });
    expect(counted.total).toBe(5);
    expect(describeObjectCounts(counted.objects)).toBe('TABLE 2, PROCACT_SCHEMA 1, PROCEDURE 1, USER 1');
  });
});

describe('classifySqlfileRun', () => {
  const proc = (over: Partial<ProcessResult> = {}): ProcessResult => ({
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    durationMs: 10,
    ...over,
  });
  const ok = 'Job "SYSTEM"."J" successfully completed at Sat Nov 21 23:17:21 2026 elapsed 0 00:00:01';
  const sql = { objects: { 'SCHEMA_EXPORT/USER': 1 }, total: 1 };

  it('a clean run with a SQL file passes', () => {
    expect(classifySqlfileRun({ process: proc(), log: parseExpdpLog(ok), sql, timeoutMs: 1000 })).toEqual({
      ok: true,
      codes: [],
    });
  });

  it('a bad dump file before any job names the file and advises', () => {
    const text =
      'ORA-39001: invalid argument value\nORA-39000: bad dump file specification\nORA-31619: invalid dump file "/d/HR.dmp"\n';
    const v = classifySqlfileRun({
      process: proc({ exitCode: 1 }),
      log: parseExpdpLog(text + text),
      timeoutMs: 1000,
    });
    expect(v.ok).toBe(false);
    expect(v.problem).toBe(
      'impdp could not open the dump file set (exit 1): ORA-31619: invalid dump file "/d/HR.dmp"',
    );
    expect(v.codes).toEqual(['ORA-39001', 'ORA-39000', 'ORA-31619']);
    expect(v.advice).toMatch(/damaged or incomplete/);
  });

  it('a stopped job, errors, a timeout, a refused login and a missing SQL file all fail', () => {
    const stopped =
      'ORA-39126: Worker unexpected fatal error\nORA-31619: invalid dump file "/d/x.dmp"\nJob "S"."J" stopped due to fatal error at x';
    expect(
      classifySqlfileRun({ process: proc({ exitCode: 1 }), log: parseExpdpLog(stopped), timeoutMs: 1 })
        .problem,
    ).toBe('impdp stopped reading the dump: ORA-31619: invalid dump file "/d/x.dmp"');
    const errors =
      'ORA-39083: Object type TABLE failed to create\nJob "S"."J" completed with 1 error(s) at x';
    expect(
      classifySqlfileRun({ process: proc({ exitCode: 5 }), log: parseExpdpLog(errors), sql, timeoutMs: 1 })
        .problem,
    ).toMatch(/^impdp read the dump with 1 error\(s\) \(exit 5\): ORA-39083/);
    expect(
      classifySqlfileRun({
        process: proc({ timedOut: true, exitCode: null }),
        log: parseExpdpLog(''),
        timeoutMs: 60_000,
      }).problem,
    ).toBe('impdp SQLFILE did not finish within 60 s and was stopped');
    const login =
      '\nUDE-01017: operation generated ORACLE error 1017\nORA-01017: invalid username/password; logon denied\n\nUsername: ';
    expect(
      classifySqlfileRun({ process: proc({ exitCode: 1 }), log: parseExpdpLog(login), timeoutMs: 1 }).problem,
    ).toMatch(/^impdp could not log in/);
    expect(classifySqlfileRun({ process: proc(), log: parseExpdpLog(ok), timeoutMs: 1 }).problem).toBe(
      'impdp reported success but wrote no SQL file',
    );
  });
});

describe('the impdp parfile and job name', () => {
  it('puts everything in the parfile, quoting a special password, and can mask it', () => {
    const spec = {
      username: 'backup',
      password: PASSWORD,
      connectString: CONNECT,
      directory: 'DATA_PUMP_DIR',
      dumpFiles: ['HR_01.dmp', 'HR 02.dmp'],
      sqlFile: 'oba_sql_hr.sql',
      logFile: 'oba_sql_hr_sqlfile.log',
      jobName: 'OBA_SQL_HR',
    };
    expect(buildImpdpParfile({ ...spec, password: 'Plain_Pass1' }, { maskPassword: false })).toMatch(
      /^USERID=backup\/"Plain_Pass1"@/,
    );
    expect(buildImpdpParfile({ ...spec, password: 'p@ss word!' }, { maskPassword: false })).toBe(
      `USERID=backup/"p@ss word!"@${CONNECT}\nDIRECTORY=DATA_PUMP_DIR\nDUMPFILE=HR_01.dmp,"HR 02.dmp"\n` +
        'SQLFILE=oba_sql_hr.sql\nLOGFILE=oba_sql_hr_sqlfile.log\nJOB_NAME=OBA_SQL_HR\n',
    );
    expect(buildImpdpParfile(spec, { maskPassword: true })).not.toContain(PASSWORD);
    expect(() => buildImpdpParfile({ ...spec, dumpFiles: ['a,b.dmp'] }, { maskPassword: true })).toThrow();
  });

  it('derives a job name of at most 30 bytes that keeps the run token', () => {
    expect(sqlfileJobName('OBA_HR_1122002551')).toBe('OBA_SQL_HR_1122002551');
    const long = sqlfileJobName('OBA_VERYLONGSCHEMAN_1122002551');
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^OBA_SQL_.*1122002551$/);
  });
});

// ── checkDump on simulated dumps ──────────────────────────────────────────────────────────────────────────────

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

interface Exported {
  dir: string;
  dumpDir: string;
  config: string;
  record: string;
  request: DumpCheckRequest;
}

/** Exports `schema` with the simulated expdp (ORACLE_SIM_CONFIG set for this process: impdp inherits it). */
async function exportSchema(schema: string, bytes: number, extra: string[] = []): Promise<Exported> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dump-check-'));
  folders.push(dir);
  const dumpDir = path.join(dir, 'dpdump');
  mkdirSync(dumpDir);
  const record = path.join(dir, 'calls.jsonl');
  const config = writeSimConfig(dir, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { BACKUP: PASSWORD },
    record,
    schemas: { [schema]: { tables: 4, bytes } },
  });
  const job = `OBA_${schema}_TEST1`;
  const parfile = path.join(dir, 'exp.par');
  const dumpfile = extra.some((l) => l.startsWith('FILESIZE')) ? `${schema}_%U.dmp` : `${schema}.dmp`;
  writeFileSync(
    parfile,
    [
      `USERID=backup/"${PASSWORD}"@${CONNECT}`,
      `SCHEMAS=${schema}`,
      `DUMPFILE=${dumpfile}`,
      `JOB_NAME=${job}`,
      ...extra,
    ].join('\n'),
    { mode: 0o600 },
  );
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(path.join(SIM_ORACLE_HOME, 'bin', 'expdp'), [`parfile=${parfile}`], {
      env: { ...process.env, ORACLE_SIM_CONFIG: config },
      stdio: 'ignore',
    });
    child.on('close', resolve);
  });
  expect(code).toBe(0);
  const dumpFiles = readdirSync(dumpDir)
    .filter((f) => f.endsWith('.dmp'))
    .sort();
  return {
    dir,
    dumpDir,
    config,
    record,
    request: {
      schema,
      jobName: job,
      jobOwner: 'BACKUP',
      directory: 'DATA_PUMP_DIR',
      dumpPath: dumpDir,
      dumpFiles,
    },
  };
}

async function sqlfileCheck(e: Exported) {
  const executable = await locateImpdp(SIM_ORACLE_HOME);
  expect(executable).toBe(path.join(SIM_ORACLE_HOME, 'bin', 'impdp'));
  const saved = process.env.ORACLE_SIM_CONFIG;
  process.env.ORACLE_SIM_CONFIG = e.config;
  const tempRoot = mkdtempSync(path.join(e.dir, 'tmp-'));
  try {
    const lines: string[] = [];
    const result = await checkDump('sqlfile', e.request, {
      sqlfile: {
        executable: executable!,
        username: 'backup',
        password: PASSWORD,
        connectString: CONNECT,
        timeoutMs: 30_000,
        tempRoot,
      },
      log: (l) => lines.push(l),
    });
    expect(readdirSync(tempRoot)).toEqual([]); // the private parfile folder is gone
    return { result, lines };
  } finally {
    if (saved === undefined) delete process.env.ORACLE_SIM_CONFIG;
    else process.env.ORACLE_SIM_CONFIG = saved;
  }
}

describe('checkDump sqlfile (simulated impdp)', () => {
  it('passes a good dump and counts its objects; the SQL file and impdp log are removed', async () => {
    const e = await exportSchema('HR', 700_000);
    const { result, lines } = await sqlfileCheck(e);
    expect(result).toMatchObject({
      schema: 'HR',
      check: 'sqlfile',
      ok: true,
      certain: true,
      method: 'impdp SQLFILE (exit 0)',
    });
    expect(result.objects['SCHEMA_EXPORT/TABLE/TABLE']).toBe(4);
    expect(result.objects['SCHEMA_EXPORT/TABLE/INDEX/INDEX']).toBe(6);
    expect(result.objectTotal).toBe(1 + 2 + 2 + 1 + 1 + 1 + 2 + 4 + 8 + 6 + 8 + 6 + 3 + 4 + 1);
    expect(describeDumpCheck(result)).toMatch(/^✅ sqlfile: 50 objects \(COMMENT 8, CONSTRAINT 8/);
    expect(readdirSync(e.dumpDir).sort()).toEqual(['HR.dmp', 'export.log']);
    expect(lines.some((l) => l.includes('successfully completed'))).toBe(true);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    const call = (
      readSimCalls(e.record) as Array<{ tool?: string; argv: string[]; parfileMode: string }>
    ).find((c) => c.tool === 'impdp')!;
    expect(call.parfileMode).toBe('600');
    expect(call.argv.join(' ')).not.toContain(PASSWORD);
    expect(dumpCheckFinding(result)).toBeUndefined();
    expect(toManifestDumpCheck(result)).toEqual({
      kind: 'sqlfile',
      ok: true,
      certain: true,
      method: 'impdp SQLFILE (exit 0)',
      objects: result.objects,
      objectTotal: 50,
    });
  });

  it('catches a truncated dump', async () => {
    const e = await exportSchema('HR', 700_000);
    const dump = path.join(e.dumpDir, 'HR.dmp');
    truncateSync(dump, statSync(dump).size - 4096);
    const { result } = await sqlfileCheck(e);
    expect(result.ok).toBe(false);
    expect(result.problem).toBe(
      `impdp could not open the dump file set (exit 1): ORA-31619: invalid dump file "${dump}"`,
    );
    expect(dumpCheckFinding(result)).toMatchObject({ severity: 'error', code: 'ORA-31619' });
  });

  it('catches one altered byte, in the data and in the header', async () => {
    const e = await exportSchema('HR', 700_000);
    const dump = path.join(e.dumpDir, 'HR.dmp');
    await flipByte(dump, 400_000);
    const { result } = await sqlfileCheck(e);
    expect(result.ok).toBe(false);
    expect(result.problem).toBe(`impdp stopped reading the dump: ORA-31619: invalid dump file "${dump}"`);
    await flipByte(dump, 400_000);
    await flipByte(dump, 40);
    expect((await sqlfileCheck(e)).result.problem).toMatch(/^impdp could not open the dump file set/);
  });

  it('catches a missing file of a %U set', async () => {
    const e = await exportSchema('HR', 2_500_000, ['FILESIZE=1M']);
    expect(e.request.dumpFiles).toEqual(['HR_01.dmp', 'HR_02.dmp', 'HR_03.dmp']);
    expect((await sqlfileCheck(e)).result.ok).toBe(true);
    const { result } = await sqlfileCheck({
      ...e,
      request: { ...e.request, dumpFiles: ['HR_01.dmp', 'HR_03.dmp'] },
    });
    expect(result.problem).toMatch(/ORA-39059: dump file set is incomplete/);
  });
});

describe('checkDump header', () => {
  it('passes the simulator dump with the local reader, naming nothing uncertain', async () => {
    const e = await exportSchema('HR', 300_000);
    const result = await checkDump('header', e.request);
    expect(result).toMatchObject({
      ok: true,
      certain: true,
      method: 'header via local (first bytes of the file)',
    });
    expect(describeDumpCheck(result)).toBe('✅ header: Data Pump dump of this job');
  });

  it('catches a file that is not a dump, and a dump of another job', async () => {
    const e = await exportSchema('HR', 300_000);
    writeFileSync(path.join(e.dumpDir, 'HR.dmp'), 'this is not a dump\n'.repeat(500));
    const text = await checkDump('header', e.request);
    expect(text.ok).toBe(false);
    expect(text.problem).toBe(
      'HR.dmp is not a Data Pump dump file: the file starts with plain text, not a binary Data Pump header',
    );
    expect(dumpCheckFinding(text)?.severity).toBe('error');

    const other = await exportSchema('HR', 300_000);
    const wrongJob = await checkDump('header', { ...other.request, jobName: 'OBA_HR_OTHER' });
    expect(wrongJob.problem).toBe(
      'HR.dmp belongs to job "BACKUP"."OBA_HR_TEST1", not to this export\'s job "BACKUP"."OBA_HR_OTHER"',
    );
    const gone = await checkDump('header', { ...other.request, dumpFiles: ['nope.dmp'] });
    expect(gone.problem).toMatch(/^cannot read the header of nope\.dmp: /);
  });

  it('uses a database reader when given one (GET_DUMPFILE_INFO stand-in)', async () => {
    const e = await exportSchema('HR', 300_000);
    const asked: string[] = [];
    const database: DumpHeaderReader = {
      name: 'DBMS_DATAPUMP.GET_DUMPFILE_INFO',
      async read(file, directory) {
        asked.push(`${directory}:${file}`);
        return {
          fileType: 1,
          jobName: '"BACKUP"."OBA_HR_TEST1"',
          fileNumber: 1,
          masterPresent: true,
          basis: 'database',
        };
      },
    };
    const result = await checkDump('header', e.request, { headerReader: database });
    expect(asked).toEqual(['DATA_PUMP_DIR:HR.dmp']);
    expect(result).toMatchObject({
      ok: true,
      certain: true,
      method: 'header via DBMS_DATAPUMP.GET_DUMPFILE_INFO',
    });
  });

  it('reports a real-looking binary file as not confirmed (a warning, not a failure)', async () => {
    const e = await exportSchema('HR', 300_000);
    writeFileSync(path.join(e.dumpDir, 'HR.dmp'), Buffer.alloc(100_000, 3));
    const result = await checkDump('header', e.request, { headerReader: localDumpHeaderReader });
    expect(result).toMatchObject({ ok: true, certain: false });
    expect(dumpCheckFinding(result)).toMatchObject({ severity: 'warning', code: 'DUMP-CHECK' });
    expect(describeDumpCheck(result)).toBe('⚠️ header: not confirmed');
  });

  it('none checks nothing; an empty file list fails', async () => {
    const request: DumpCheckRequest = {
      schema: 'HR',
      jobName: 'J',
      directory: 'D',
      dumpPath: '/nonexistent',
      dumpFiles: [],
    };
    expect(await checkDump('none', request)).toMatchObject({ ok: true, certain: false, check: 'none' });
    expect((await checkDump('header', request)).problem).toBe('the export left no dump file to check');
    const noImpdp = await checkDump('sqlfile', { ...request, dumpFiles: ['HR.dmp'] });
    expect(noImpdp).toMatchObject({
      ok: false,
      problem: 'impdp was not found, so the dump could not be read back',
    });
    expect(dumpCheckFinding(noImpdp)).toMatchObject({ severity: 'error', code: 'DUMP-CHECK' });
  });
});
