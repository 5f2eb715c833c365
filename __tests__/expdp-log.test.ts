import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExpdpLog, parseOracleSize } from '../src/export/expdp-log.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'expdp-logs');
// Logs written for this project in the formats of real expdp logs (one per format), annotations on `#` lines.
const formatsDir = path.join(fixtures, 'formats');

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

function codes(text: string): string[] {
  return parseExpdpLog(text).messages.map((m) => m.code);
}

describe('parseOracleSize', () => {
  it('converts Oracle sizes to whole bytes with KB = 1024', () => {
    expect(parseOracleSize('17.19 KB')).toBe(17603);
    expect(parseOracleSize('2 MB')).toBe(2_097_152);
    expect(parseOracleSize('0 KB')).toBe(0);
    expect(parseOracleSize('5.687 KB')).toBe(5823);
    expect(parseOracleSize('1.874 GB')).toBe(2_012_192_178);
    expect(parseOracleSize('1 TB')).toBe(1024 ** 4);
    expect(parseOracleSize('1234 bytes')).toBe(1234);
    expect(parseOracleSize('1234')).toBe(1234);
    expect(parseOracleSize('  916.2 KB ')).toBe(938189);
  });

  it('returns NaN for what is not a size', () => {
    expect(parseOracleSize('')).toBeNaN();
    expect(parseOracleSize('KB')).toBeNaN();
    expect(parseOracleSize('12 parsecs')).toBeNaN();
    expect(parseOracleSize(undefined as unknown as string)).toBeNaN();
  });
});

describe('parseExpdpLog on the project fixtures', () => {
  it('reads a 19c log with LOGTIME and METRICS prefixes, partitions and two %U dump files', () => {
    const log = parseExpdpLog(fixture('19c-success-logtime-metrics-two-files.log'));
    expect(log.release).toBe('19.0.0.0.0');
    expect(log.connectedTo).toBe('Oracle Database 19c Enterprise Edition Release 19.0.0.0.0 - Production');
    expect(log.jobOwner).toBe('BACKUP_USER');
    expect(log.jobName).toBe('OBA_HR_20250614_020003');
    expect(log.tables).toHaveLength(11);
    expect(log.tables[0]).toEqual({ owner: 'HR', table: 'EMPLOYEES', bytes: 17490, rows: 107 });
    expect(log.tables.find((t) => t.table === 'EMPTY_STAGING')).toEqual({
      owner: 'HR',
      table: 'EMPTY_STAGING',
      bytes: 0,
      rows: 0,
    });
    expect(log.tables.find((t) => t.table === 'AUDIT_TRAIL')?.bytes).toBe(327_575_142);
    expect(log.tables.filter((t) => t.table === 'SALES_HISTORY')).toEqual([
      {
        owner: 'HR',
        table: 'SALES_HISTORY',
        partition: 'SALES_2023',
        bytes: 1_827_508_584,
        rows: 27_710_045,
      },
      {
        owner: 'HR',
        table: 'SALES_HISTORY',
        partition: 'SALES_2024',
        bytes: 2_012_192_178,
        rows: 30_512_234,
      },
    ]);
    expect(log.tables.reduce((sum, t) => sum + t.rows, 0)).toBe(62_343_371);
    expect(log.dumpFiles).toEqual([
      '/u01/app/oracle/admin/ORCLCDB/dpdump/1F2B3C4D5E6F70819203A4B5C6D7E8F9/HR_2025-06-14_020003_01.dmp',
      '/u01/app/oracle/admin/ORCLCDB/dpdump/1F2B3C4D5E6F70819203A4B5C6D7E8F9/HR_2025-06-14_020003_02.dmp',
    ]);
    expect(log.jobEnd).toEqual({
      kind: 'completed',
      errorCount: 0,
      line: 'Job "BACKUP_USER"."OBA_HR_20250614_020003" successfully completed at Sat Jun 14 02:01:02 2025 elapsed 0 00:00:59',
    });
    expect(log.messages).toEqual([]);
    expect(log.skippedTables).toEqual([]);
    expect(log.reprompted).toBe(false);
  });

  it('copes with the log and the console repeating each other', () => {
    const text = fixture('19c-success-logtime-metrics-two-files.log');
    const once = parseExpdpLog(text);
    const twice = parseExpdpLog([text, text, ''].join('\n'));
    expect(twice).toEqual(once);

    const failed = fixture('19c-completed-with-errors.log');
    const doubled = parseExpdpLog(`${failed}\n${failed}`);
    expect(doubled.tables).toHaveLength(4);
    expect(doubled.skippedTables).toEqual(['HR.AUDIT_LOG', 'HR.SESSIONS']);
    expect(doubled.dumpFiles).toHaveLength(1);
    // Messages are kept as found: the classifier de-duplicates by code.
    expect(doubled.messages).toHaveLength(12);
  });

  it('reads a 10g classic log without indentation and a time-only Job line', () => {
    const log = parseExpdpLog(fixture('10g-classic-success.log'));
    expect(log.release).toBe('10.2.0.4.0');
    expect(log.jobOwner).toBe('SCOTT');
    expect(log.jobName).toBe('SYS_EXPORT_SCHEMA_01');
    expect(log.tables).toEqual([
      { owner: 'SCOTT', table: 'DEPT', bytes: 5792, rows: 4 },
      { owner: 'SCOTT', table: 'EMP', bytes: 8008, rows: 14 },
      { owner: 'SCOTT', table: 'SALGRADE', bytes: 5719, rows: 5 },
      { owner: 'SCOTT', table: 'BONUS', bytes: 0, rows: 0 },
    ]);
    expect(log.dumpFiles).toEqual(['/u01/app/oracle/dpump/scott.dmp']);
    expect(log.jobEnd?.kind).toBe('completed');
    expect(log.jobEnd?.line).toBe('Job "SCOTT"."SYS_EXPORT_SCHEMA_01" successfully completed at 22:15:31');
    expect(log.messages).toEqual([]);
  });

  it('reads a job that completed with errors: skipped tables and every code with its text', () => {
    const log = parseExpdpLog(fixture('19c-completed-with-errors.log'));
    expect(log.jobEnd).toMatchObject({ kind: 'completed-with-errors', errorCount: 2 });
    expect(log.tables.map((t) => t.table)).toEqual(['EMPLOYEES', 'DEPARTMENTS', 'JOBS', 'LOCATIONS']);
    expect(log.skippedTables).toEqual(['HR.AUDIT_LOG', 'HR.SESSIONS']);
    expect(log.messages.map((m) => m.code)).toEqual([
      'ORA-31693',
      'ORA-02354',
      'ORA-01555',
      'ORA-31693',
      'ORA-02354',
      'ORA-01555',
    ]);
    expect(log.messages[0]?.text).toBe(
      'Table data object "HR"."AUDIT_LOG" failed to load/unload and is being skipped due to error:',
    );
    expect(log.messages[2]?.text).toBe(
      'snapshot too old: rollback segment number 9 with name "_SYSSMU9_1650187353$" too small',
    );
    expect(log.dumpFiles).toEqual(['/u01/app/oracle/admin/ORCLCDB/dpdump/HR_2025-06-14_031000.dmp']);
  });

  it('reads a job stopped due to fatal error', () => {
    const log = parseExpdpLog(fixture('19c-stopped-fatal-error.log'));
    expect(log.jobEnd).toMatchObject({ kind: 'stopped', errorCount: 0 });
    expect(log.jobName).toBe('OBA_SALES_20250614_020002');
    expect(log.tables).toEqual([
      { owner: 'SALES', table: 'ORDER_LINES', bytes: 2_268_816_474, rows: 38_112_408 },
    ]);
    expect(log.dumpFiles).toEqual([]);
    expect(log.messages.map((m) => m.code)).toEqual([
      'ORA-39014',
      'ORA-39029',
      'ORA-31671',
      'ORA-04030',
      'ORA-06512',
      'ORA-06512',
    ]);
    expect(log.messages[1]?.text).toBe('worker 2 with process name "DW01" prematurely terminated');
  });

  it.each([
    ['startup-ora39087-directory.txt', ['ORA-39002', 'ORA-39070', 'ORA-39087']],
    ['startup-ora29283-folder.txt', ['ORA-39002', 'ORA-39070', 'ORA-29283']],
    ['startup-dumpfile-exists.log', ['ORA-39001', 'ORA-39000', 'ORA-31641', 'ORA-27038']],
    [
      'startup-no-quota.txt',
      ['ORA-31626', 'ORA-31633', 'ORA-06512', 'ORA-06512', 'ORA-01950', 'ORA-06512', 'ORA-06512'],
    ],
    [
      'startup-ude00008-orphans.txt',
      [
        'UDE-00008',
        'ORA-31626',
        'ORA-06512',
        'ORA-06512',
        'ORA-25254',
        'ORA-06512',
        'ORA-06512',
        'ORA-06512',
      ],
    ],
  ])('reads the start-up failure %s: codes, no job, no tables, no dump files', (name, expected) => {
    const log = parseExpdpLog(fixture(name));
    expect(log.messages.map((m) => m.code)).toEqual(expected);
    expect(log.jobEnd).toBeUndefined();
    expect(log.jobName).toBeUndefined();
    expect(log.tables).toEqual([]);
    expect(log.dumpFiles).toEqual([]);
    expect(log.release).toBe('19.0.0.0.0');
    expect(log.reprompted).toBe(false);
  });

  it('keeps the text of start-up messages, paths included', () => {
    expect(parseExpdpLog(fixture('startup-ora39087-directory.txt')).messages[2]).toEqual({
      code: 'ORA-39087',
      text: 'directory name BACKUP_DIR is invalid',
    });
    expect(parseExpdpLog(fixture('startup-dumpfile-exists.log')).messages[2]).toEqual({
      code: 'ORA-31641',
      text: 'unable to create dump file "/u01/app/oracle/admin/ORCLCDB/dpdump/HR_2025-06-14_020003.dmp"',
    });
    expect(parseExpdpLog(fixture('startup-ude00008-orphans.txt')).messages[0]).toEqual({
      code: 'UDE-00008',
      text: 'operation generated ORACLE error 31626',
    });
  });

  it('notices the Username: re-prompt after a wrong password', () => {
    const log = parseExpdpLog(fixture('wrong-password-reprompt.txt'));
    expect(log.reprompted).toBe(true);
    expect(log.messages).toEqual([
      { code: 'UDE-01017', text: 'operation generated ORACLE error 1017' },
      { code: 'ORA-01017', text: 'invalid username/password; logon denied' },
    ]);
    expect(log.connectedTo).toBeUndefined();
    expect(log.jobEnd).toBeUndefined();
  });

  it('reads Windows paths from a CRLF log', () => {
    // Force CRLF even if a checkout converted the fixture's line endings.
    const text = fixture('windows-crlf-success.log').replace(/\r?\n/g, '\r\n');
    const log = parseExpdpLog(text);
    expect(log.release).toBe('12.2.0.1.0');
    expect(log.jobOwner).toBe('SYSTEM');
    expect(log.jobName).toBe('OBA_FIN_20250614_020003');
    expect(log.dumpFiles).toEqual([
      'D:\\ORACLE\\ADMIN\\ORCL\\DPDUMP\\FIN_2025-06-14_020003_01.DMP',
      'D:\\ORACLE\\ADMIN\\ORCL\\DPDUMP\\FIN_2025-06-14_020003_02.DMP',
    ]);
    expect(log.tables).toEqual([
      { owner: 'FIN', table: 'LEDGER_ENTRIES', bytes: 50_614_764, rows: 612_904 },
      { owner: 'FIN', table: 'INVOICES', partition: 'P_2025_Q1', bytes: 3_263_169, rows: 21_876 },
      { owner: 'FIN', table: 'ACCOUNTS', bytes: 99_164, rows: 1203 },
    ]);
    expect(log.jobEnd?.kind).toBe('completed');
    expect(log.jobEnd?.line.endsWith('\r')).toBe(false);
  });
});

describe('parseExpdpLog on single lines', () => {
  it('reads bare byte sizes and plain numbers', () => {
    const log = parseExpdpLog(
      [
        '. . exported "OLD"."T1"   1234 bytes   3 rows',
        '. . exported "OLD"."T2"   2048   7 rows',
        '. . exported "OLD"."T3"   1 row',
      ].join('\n'),
    );
    expect(log.tables).toEqual([
      { owner: 'OLD', table: 'T1', bytes: 1234, rows: 3 },
      { owner: 'OLD', table: 'T2', bytes: 2048, rows: 7 },
    ]);
  });

  it('classifies the final Job lines of every release', () => {
    const end = (line: string) => parseExpdpLog(line).jobEnd;
    expect(end('Job "SCOTT"."SYS_EXPORT_SCHEMA_01" completed with 1 error(s) at 10:29:20')).toMatchObject({
      kind: 'completed-with-errors',
      errorCount: 1,
    });
    expect(
      end('Job "A"."B" completed with 12 error(s) at Fri May 2 17:08:45 2025 elapsed 0 00:00:15'),
    ).toMatchObject({ kind: 'completed-with-errors', errorCount: 12 });
    expect(end('Job "A"."B" stopped due to fatal error at 11:37:46')).toMatchObject({ kind: 'stopped' });
    expect(end('Job "A"."B" successfully completed ... elapsed 0 00:00:36')).toMatchObject({
      kind: 'completed',
    });
    expect(end('Job "A"."B" has been reopened at Fri May 2 17:08:45 2025')).toBeUndefined();
  });

  it('takes the last Job line as the final word', () => {
    const log = parseExpdpLog(
      [
        'Job "A"."B" has been reopened at Fri May 2 17:08:45 2025',
        'Job "A"."B" stopped due to fatal error at 11:37:46',
        'Job "A"."B" successfully completed at 11:40:01',
      ].join('\n'),
    );
    expect(log.jobEnd?.kind).toBe('completed');
  });

  it('reads every message family, several on one line, and partition skips', () => {
    const text = [
      "LRM-00101: unknown parameter name 'nologfile'",
      "LRM-00111: no closing quote for value '\"IN ('",
      "LRM-00113: error when processing file '/tmp/x.par'",
      "UDE-00014: invalid value for parameter, 'attach'.",
      'UDI-01017: operation generated ORACLE error 1017',
      'OSD-04010: <create> option specified, file already exists',
      'KUP-11007: conversion error loading table "X"."Y"',
      'EXP-00056: ORACLE error 12154 encountered',
      'ORA-39083: Object type PROCACT_SCHEMA failed to create with error: ORA-00942: table or view does not exist',
      'ORA-31693: Table data object "HH"."EXPENSES":"SYS_P806" failed to load/unload and is being skipped due to error:',
      'dumpfile=ORA-12345.dmp is not a message, nor is XORA-12345: or ORA-123456',
    ].join('\n');
    const log = parseExpdpLog(text);
    expect(log.messages.map((m) => m.code)).toEqual([
      'LRM-00101',
      'LRM-00111',
      'LRM-00113',
      'UDE-00014',
      'UDI-01017',
      'OSD-04010',
      'KUP-11007',
      'EXP-00056',
      'ORA-39083',
      'ORA-00942',
      'ORA-31693',
    ]);
    expect(log.messages[8]).toEqual({
      code: 'ORA-39083',
      text: 'Object type PROCACT_SCHEMA failed to create with error:',
    });
    expect(log.messages[9]).toEqual({ code: 'ORA-00942', text: 'table or view does not exist' });
    expect(log.skippedTables).toEqual(['HH.EXPENSES:SYS_P806']);
  });

  it('detects prompts only at the start or the end of a line', () => {
    expect(parseExpdpLog('Username: ').reprompted).toBe(true);
    expect(parseExpdpLog('Password:').reprompted).toBe(true);
    expect(parseExpdpLog('some output Username:').reprompted).toBe(true);
    // With stdin closed, what follows may land on the prompt's line.
    expect(parseExpdpLog('Username: UDE-00008: operation generated ORACLE error 1017').reprompted).toBe(true);
    expect(parseExpdpLog('the Username: field is documented').reprompted).toBe(false);
  });

  it('ends a dump file set at asterisks, so transportable datafiles are not dump files', () => {
    const log = parseExpdpLog(
      [
        'Dump file set for SYS.SYS_EXPORT_TRANSPORTABLE_01 is:',
        '  /home/oracle/pump/ts.dmp',
        '  +DATA/ORCL/DPDUMP/ts_02.dmp',
        '  \\\\fileserver\\dumps\\TS_03.DMP',
        '******************************************************************************',
        'Datafiles required for transportable tablespace TS30000:',
        '  /u01/app/oracle/oradata/ts30000.dbf',
      ].join('\n'),
    );
    expect(log.dumpFiles).toEqual([
      '/home/oracle/pump/ts.dmp',
      '+DATA/ORCL/DPDUMP/ts_02.dmp',
      '\\\\fileserver\\dumps\\TS_03.DMP',
    ]);
  });

  it('takes job owner and name from the Job line when there is no Starting line', () => {
    const log = parseExpdpLog('Job "SYSTEM"."SYS_EXPORT_SCHEMA_01" successfully completed at 10:00:00');
    expect(log).toMatchObject({ jobOwner: 'SYSTEM', jobName: 'SYS_EXPORT_SCHEMA_01' });
  });

  it('never throws on garbage and returns empty results', () => {
    const empty = { tables: [], dumpFiles: [], messages: [], skippedTables: [], reprompted: false };
    expect(parseExpdpLog('')).toEqual(empty);
    expect(parseExpdpLog(undefined as unknown as string)).toEqual(empty);
    expect(parseExpdpLog(42 as unknown as string)).toEqual(empty);
    const garbage = [
      '\u0000\u0001\uFFFD binary \u00e9\u00e8',
      '. . exported',
      '. . exported "A"',
      '. . exported "A"."B" lots of KB',
      'Job "',
      'Dump file set for',
      'Starting "',
      'ORA-',
      '-'.repeat(100_000),
      ' '.repeat(100_000) + 'x',
      '.'.repeat(50_000),
    ].join('\r\n');
    expect(parseExpdpLog(garbage)).toEqual(empty);
  });

  it('stays fast on a long hostile line', () => {
    const started = performance.now();
    parseExpdpLog(`. . exported "A"."B" ${'1'.repeat(200_000)} KB`);
    parseExpdpLog(`Job "A"."B" ${' '.repeat(200_000)}`);
    parseExpdpLog(`${'ORA-00001 '.repeat(20_000)}`);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('parseExpdpLog on logs in the real formats', () => {
  const raw = (name: string): string => readFileSync(path.join(formatsDir, name), 'utf8');
  // Lines starting with `#` are annotations (what the sample shows), not log text.
  const read = (name: string): string =>
    raw(name)
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');

  it('parses every sample without throwing', () => {
    const names = readdirSync(formatsDir).filter((n) => n.endsWith('.log'));
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const log = parseExpdpLog(raw(name));
      expect(log.jobEnd ?? log.messages[0], name).toBeDefined();
    }
  });

  it('19c LOGTIME+METRICS sample: 14 tables, rows, dump file, completed', () => {
    const log = parseExpdpLog(read('19c-logtime-metrics-fourteen-tables.log'));
    expect(log.release).toBe('19.0.0.0.0');
    expect(log.jobOwner).toBe('BKPUSER');
    expect(log.jobName).toBe('SYS_EXPORT_SCHEMA_03');
    expect(log.tables).toHaveLength(14);
    expect(log.tables[0]).toEqual({ owner: 'LIB', table: 'LIB_LOANS', bytes: 12_970_885, rows: 402_118 });
    expect(log.tables.find((t) => t.table === 'LIB_HOLDS')).toMatchObject({
      bytes: 822_784,
      rows: 27_004,
    });
    expect(log.tables.find((t) => t.table === 'LIB_HOLIDAYS')).toMatchObject({ rows: 42 });
    expect(log.dumpFiles).toEqual(['/u02/dpdump/lib-nightly.dmp']);
    expect(log.jobEnd).toMatchObject({ kind: 'completed', errorCount: 0 });
    expect(log.messages).toEqual([]);
  });

  it('10g classic sample', () => {
    const log = parseExpdpLog(read('10g-classic-one-table.log'));
    expect(log.release).toBe('10.2.0.5.0');
    expect(log.jobOwner).toBe('INV');
    expect(log.tables).toEqual([{ owner: 'INV', table: 'STOCK', bytes: 3_895_460, rows: 41_208 }]);
    expect(log.dumpFiles).toEqual(['/u03/exports/20100315214008_inv.dmp']);
    expect(log.jobEnd?.kind).toBe('completed');
  });

  it('PDB sample: the dump path with its GUID folder', () => {
    const log = parseExpdpLog(read('19c-pdb-guid-dump-path.log'));
    expect(log.dumpFiles).toEqual([
      '/opt/oracle/admin/SALESCDB/dpdump/2F61A0B7C4D3E812E063020011AC4B9D/sales.dmp',
    ]);
    expect(log.jobEnd?.kind).toBe('completed');
    expect(log).toMatchObject({ jobOwner: 'SYSTEM', jobName: 'SYS_EXPORT_SCHEMA_01' });
  });

  it('Oracle Free container sample: a partition and a whole-MB size', () => {
    const log = parseExpdpLog(read('free-container-partition.log'));
    expect(log.tables).toEqual([
      { owner: 'GARDEN', table: 'HARVESTS', partition: 'SYS_P1204', bytes: 55_808, rows: 611 },
      { owner: 'GARDEN', table: 'HARVESTS_OLD', bytes: 3_145_728, rows: 27_310 },
      { owner: 'GARDEN', table: 'PLOTS', bytes: 244_634, rows: 2875 },
    ]);
    expect(log.dumpFiles).toEqual([
      '/opt/oracle/admin/FREE/dpdump/7B2E9C04A1D55F60E0630400010A3C11/garden.dmp',
    ]);
    expect(log.jobEnd?.kind).toBe('completed');
  });

  it('stopped-due-to-fatal-error samples', () => {
    const log = parseExpdpLog(read('stopped-fatal-error.log'));
    expect(log.jobEnd?.kind).toBe('stopped');
    expect(log.jobEnd?.line).toContain('"BKPUSER"."NIGHTLY_CHECK" stopped due to fatal error');
    expect(codes(read('stopped-fatal-error.log'))).toEqual([
      'ORA-39123',
      'ORA-39185',
      'ORA-29335',
      'ORA-29335',
      'ORA-29335',
      'ORA-39123',
      'ORA-39185',
      'ORA-29335',
      'ORA-31697',
    ]);
    expect(log.messages.at(-1)).toEqual({
      code: 'ORA-31697',
      text: 'aborting operation at process order number 7',
    });
  });

  it('start-up failure samples: codes in order, no job line', () => {
    const log = parseExpdpLog(read('startup-failures.log'));
    expect(log.jobEnd).toBeUndefined();
    expect(log.tables).toEqual([]);
    expect(log.dumpFiles).toEqual([]);
    expect(log.release).toBe('12.2.0.1.0');
    const distinct = [...new Set(log.messages.map((m) => m.code))];
    expect(distinct).toEqual([
      'ORA-39002',
      'ORA-39070',
      'ORA-39087',
      'ORA-29283',
      'ORA-06512',
      'ORA-39001',
      'ORA-39000',
      'ORA-31641',
      'ORA-27038',
      'OSD-04010',
      'ORA-31626',
      'ORA-31633',
      'ORA-01950',
      'UDE-00008',
      'ORA-25254',
    ]);
    expect(log.messages.find((m) => m.code === 'ORA-31641')?.text).toBe(
      'unable to create dump file "/backup/datapump/pay_full.dmp"',
    );
  });

  it('legacy-mode and TTS sample: datafiles are not dump files', () => {
    const log = parseExpdpLog(read('legacy-mode-and-tts-success.log'));
    expect(log.dumpFiles).toEqual([
      '/u05/archive_pump/hist2019.dmp',
      '/u01/app/oracle/admin/STAGE01/dpdump/rates_load.dmp',
    ]);
    expect(log.tables).toEqual([{ owner: 'STAGE', table: 'RATES', bytes: 9560, rows: 27 }]);
    expect(log.jobEnd?.kind).toBe('completed');
    expect(log).toMatchObject({ jobOwner: 'SYS', jobName: 'SYS_EXPORT_TRANSPORTABLE_01' });
  });
});
