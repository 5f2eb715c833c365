import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifyExport } from '../src/export/classify.js';
import { parseExpdpLog } from '../src/export/expdp-log.js';
import { describeCode } from '../src/export/oracle-messages.js';
import type { ExportClassification, ProcessResult } from '../src/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'expdp-logs');
const HOUR = 3_600_000;

function fixture(name: string): string {
  return readFileSync(path.join(fixtures, name), 'utf8');
}

function proc(overrides: Partial<ProcessResult> = {}): ProcessResult {
  return {
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    timedOut: false,
    durationMs: 60_000,
    ...overrides,
  };
}

function classify(
  text: string,
  process: Partial<ProcessResult>,
  options: { logFound?: boolean; timeoutMs?: number } = {},
): ExportClassification {
  return classifyExport({
    process: proc(process),
    log: parseExpdpLog(text),
    logFound: options.logFound ?? true,
    schema: 'HR',
    timeoutMs: options.timeoutMs ?? HOUR,
  });
}

const codesOf = (c: ExportClassification): string[] => c.findings.map((f) => f.code);

describe('classifyExport: success', () => {
  it('a 19c export with two dump files that exited 0', () => {
    const result = classify(fixture('19c-success-logtime-metrics-two-files.log'), { exitCode: 0 });
    expect(result).toEqual({
      outcome: 'success',
      reason: 'completed: 11 tables, 62343371 rows in 2 dump files',
      findings: [],
    });
  });

  it('the log and the console together (every line twice) give the same result', () => {
    const text = fixture('19c-success-logtime-metrics-two-files.log');
    expect(classify(`${text}\n${text}`, { exitCode: 0 })).toEqual(classify(text, { exitCode: 0 }));
  });

  it('a 10g classic log and a Windows CRLF log', () => {
    expect(classify(fixture('10g-classic-success.log'), { exitCode: 0 })).toEqual({
      outcome: 'success',
      reason: 'completed: 4 tables, 23 rows in 1 dump file',
      findings: [],
    });
    const windows = fixture('windows-crlf-success.log').replace(/\r?\n/g, '\r\n');
    expect(classify(windows, { exitCode: 0 }).reason).toBe(
      'completed: 3 tables, 635983 rows in 2 dump files',
    );
  });
});

describe('classifyExport: completed with errors', () => {
  const text = fixture('19c-completed-with-errors.log');

  it('exit 5 is a warning naming the skipped tables and the cause', () => {
    const result = classify(`${text}\n${text}`, { exitCode: 5 });
    expect(result.outcome).toBe('warning');
    expect(result.reason).toBe(
      'completed with 2 error(s): 2 tables skipped (HR.AUDIT_LOG, HR.SESSIONS): ORA-01555 snapshot too old',
    );
    // ORA-31693 ← ORA-02354 ← ORA-01555 is one problem (two tables skipped for one cause): one finding.
    expect(result.findings).toEqual([
      {
        severity: 'warning',
        code: 'ORA-01555',
        codes: ['ORA-31693', 'ORA-02354', 'ORA-01555'],
        message:
          'table data of HR.AUDIT_LOG, HR.SESSIONS skipped: snapshot too old (ORA-31693 ← ORA-02354 ← ORA-01555)',
        advice: describeCode('ORA-01555')?.advice,
      },
    ]);
  });

  it('exit 0 with a completed-with-errors line is a warning too', () => {
    expect(classify(text, { exitCode: 0 }).outcome).toBe('warning');
  });

  it('a fatal code with exit 5 fails', () => {
    const result = classify(
      `${text}\nORA-39095: Dump file space has been exhausted: Unable to allocate 8192 bytes`,
      { exitCode: 5 },
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('dump file space exhausted (ORA-39095)');
    expect(result.findings.find((f) => f.code === 'ORA-39095')?.severity).toBe('error');
  });

  it('an unknown code keeps its own text and gets generic advice', () => {
    const result = classify(
      [
        'ORA-39999: something new went wrong with "HR"."X"',
        'Job "HR"."SYS_EXPORT_SCHEMA_01" completed with 1 error(s) at Sat Jun 14 02:01:02 2025 elapsed 0 00:00:59',
      ].join('\n'),
      { exitCode: 5 },
    );
    expect(result.outcome).toBe('warning');
    expect(result.reason).toBe('completed with 1 error(s): ORA-39999 something new went wrong with "HR"."X"');
    expect(result.findings).toEqual([
      {
        severity: 'warning',
        code: 'ORA-39999',
        message: 'something new went wrong with "HR"."X"',
        advice:
          "Look the code up in Oracle's error messages (https://docs.oracle.com/error-help/db/ora-39999/) and read " +
          'the lines around it in the expdp log.',
      },
    ]);
  });

  it('exit 5 without a Job line fails: the outcome is unknown', () => {
    const result = classify('ORA-31693: Table data object "HR"."X" failed to load/unload', { exitCode: 5 });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(
      'expdp exited with code 5 but reported no completed job: table data skipped (ORA-31693)',
    );
  });

  it('exit 5 with a successfully-completed line is a warning', () => {
    const result = classify(fixture('10g-classic-success.log'), { exitCode: 5 });
    expect(result.outcome).toBe('warning');
    expect(result.reason).toBe('expdp exited with code 5 (errors logged) although the job completed');
  });

  it('exit 0 with a completed job and a non-fatal message is a warning', () => {
    const result = classify(
      `${fixture('10g-classic-success.log')}\nORA-39173: Encrypted data has been stored unencrypted in dump file set.`,
      { exitCode: 0 },
    );
    expect(result.outcome).toBe('warning');
    expect(result.reason).toBe(
      'completed with warnings: ORA-39173 encrypted data was stored unencrypted in the dump',
    );
  });

  it('exit 0 with a completed job but nothing selected fails', () => {
    const result = classify(
      `ORA-31655: no data or metadata objects selected for job\n${fixture('10g-classic-success.log')}`,
      { exitCode: 0 },
    );
    expect(result).toMatchObject({
      outcome: 'failed',
      reason: 'no data or metadata objects selected (ORA-31655)',
    });
  });
});

describe('classifyExport: failures', () => {
  it('a job stopped due to fatal error takes the most specific code as reason', () => {
    const result = classify(fixture('19c-stopped-fatal-error.log'), { exitCode: 1 });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('the database server ran out of process memory (ORA-04030)');
    expect(codesOf(result)).toEqual(['ORA-39014', 'ORA-39029', 'ORA-31671', 'ORA-04030']);
    expect(result.findings.every((f) => f.severity === 'error')).toBe(true);
  });

  it('a stopped Job line fails even with exit 0, and without codes says so', () => {
    const result = classify('Job "BACKUP_USER"."OBA_HR_1" stopped due to fatal error at 02:00:00', {
      exitCode: 0,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('the Data Pump job stopped due to fatal error without an error code');
    expect(codesOf(result)).toEqual(['JOB-STOPPED']);
  });

  it.each([
    ['startup-ora39087-directory.txt', 'directory object missing or no READ/WRITE grant (ORA-39087)'],
    [
      'startup-ora29283-folder.txt',
      "the directory object's folder is missing or not writable by the oracle OS user (ORA-29283)",
    ],
    ['startup-dumpfile-exists.log', 'dump file already exists (ORA-27038)'],
    ['startup-no-quota.txt', "no quota on the default tablespace for the job's control table (ORA-01950)"],
    [
      'startup-ude00008-orphans.txt',
      'time-out waiting for the Data Pump job, often orphaned jobs of an earlier killed run (ORA-25254)',
    ],
  ])('start-up failure %s', (name, reason) => {
    const result = classify(fixture(name), { exitCode: 1 }, { logFound: false });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(reason);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(codesOf(result)).not.toContain('ORA-06512');
    for (const finding of result.findings) expect(finding.advice.length).toBeGreaterThan(20);
  });

  it('gives the grant to run for a missing directory grant', () => {
    const result = classify(fixture('startup-ora39087-directory.txt'), { exitCode: 1 }, { logFound: false });
    expect(result.findings).toEqual([
      {
        severity: 'error',
        code: 'ORA-39002',
        message: 'invalid operation',
        advice: describeCode('ORA-39002')?.advice,
      },
      {
        severity: 'error',
        code: 'ORA-39070',
        message: 'Unable to open the log file.',
        advice: describeCode('ORA-39070')?.advice,
      },
      {
        severity: 'error',
        code: 'ORA-39087',
        message: 'directory object missing or no READ/WRITE grant: directory name BACKUP_DIR is invalid',
        advice:
          'Create the directory object or grant READ, WRITE on it to the export user: ' +
          'GRANT READ, WRITE ON DIRECTORY DATA_PUMP_DIR TO backup_user;',
      },
    ]);
  });

  it('a wrong password with its re-prompt', () => {
    const result = classify(fixture('wrong-password-reprompt.txt'), { exitCode: 1 }, { logFound: false });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('invalid username/password');
    expect(result.reason).toBe('invalid username/password (ORA-01017)');
    expect(codesOf(result)).toEqual(['UDE-01017', 'ORA-01017']);
  });

  it('a re-prompt alone, or a password prompt that ran into the time limit', () => {
    const prompt = classify('Username: ', { exitCode: 1 }, { logFound: false });
    expect(prompt.outcome).toBe('failed');
    expect(prompt.reason).toBe('invalid username/password (expdp asked for the username again)');
    expect(codesOf(prompt)).toEqual(['REPROMPT']);

    const hung = classify(fixture('wrong-password-reprompt.txt'), {
      exitCode: null,
      signal: 'SIGTERM',
      timedOut: true,
    });
    expect(hung.reason).toBe(
      'invalid username/password (ORA-01017); expdp then waited at the prompt until it timed out after 1h',
    );
    expect(codesOf(hung)).toContain('TIMEOUT');
  });

  it.each([
    [90_000, 'timed out after 1m30s'],
    [45 * 60_000, 'timed out after 45m'],
    [90 * 60_000, 'timed out after 1h30m'],
    [HOUR, 'timed out after 1h'],
    [150_000, 'timed out after 2m30s'],
  ])('a time limit of %i ms', (timeoutMs, reason) => {
    const result = classify(
      fixture('19c-success-logtime-metrics-two-files.log').slice(0, 1500),
      {
        exitCode: null,
        signal: 'SIGKILL',
        timedOut: true,
      },
      { timeoutMs },
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(reason);
    expect(result.findings[0]).toMatchObject({ severity: 'error', code: 'TIMEOUT' });
    expect(result.findings[0]?.advice).toContain('BACKUP_USER.OBA_HR_20250614_020003');
  });

  it('a client killed by a signal', () => {
    const result = classify('', { exitCode: null, signal: 'SIGKILL' }, { logFound: false });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('expdp was killed by SIGKILL');
    expect(codesOf(result)).toEqual(['KILLED']);
  });

  it('exit 1 with nothing known names the exit code and the last stderr line', () => {
    const stderr =
      'expdp: error while loading shared libraries: libclntsh.so.19.1: cannot open shared object file: No such file or directory\n';
    const result = classify(stderr, { exitCode: 127, stderr }, { logFound: false });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(
      'expdp exited with code 127 and wrote no log: expdp: error while loading shared libraries: libclntsh.so.19.1: ' +
        'cannot open shared object file: No such file or directory',
    );
    expect(classify('', { exitCode: 1 }, { logFound: false }).reason).toBe(
      'expdp exited with code 1 and wrote no log',
    );
    expect(classify('', { exitCode: 1, stdout: 'Export: Release 19.0.0.0.0\n\n' }).reason).toBe(
      'expdp exited with code 1: Export: Release 19.0.0.0.0',
    );
  });

  it('exit 0 is never trusted without a completed Job line', () => {
    const result = classify(fixture('19c-success-logtime-metrics-two-files.log').split('Job "')[0] ?? '', {
      exitCode: 0,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('expdp exited with code 0 but reported no completed job');
    expect(codesOf(result)).toEqual(['NO-JOB-LINE']);
    expect(classify('', { exitCode: 0 }, { logFound: false }).reason).toBe(
      'expdp exited with code 0 but reported no completed job and wrote no log',
    );
  });

  it('parameter and client problems', () => {
    expect(classify("LRM-00101: unknown parameter name 'nologfile'", { exitCode: 1 }).reason).toBe(
      'unknown parameter name (LRM-00101)',
    );
    expect(
      classify(
        "LRM-00111: no closing quote for value 'IN ('\nLRM-00113: error when processing file '/tmp/x.par'",
        { exitCode: 1 },
      ).reason,
    ).toBe('no closing quote for a parameter value (LRM-00111)');
    expect(
      classify('UDE-00018: Data Pump client is incompatible with database version 12.1.0.2.0', {
        exitCode: 1,
      }).reason,
    ).toBe('the expdp client is newer than the database (UDE-00018)');
    expect(classify('UDE-28000: operation generated ORACLE error 28000', { exitCode: 1 }).reason).toBe(
      'the account is locked (UDE-28000)',
    );
  });
});

describe('classifyExport: the cause among several codes', () => {
  const completed =
    'Job "BACKUP_USER"."OBA_HR_1" completed with 1 error(s) at Sat Jun 14 03:13:58 2025 elapsed 0 00:03:57';
  const stopped =
    'Job "BACKUP_USER"."OBA_HR_1" stopped due to fatal error at Sat Jun 14 03:13:58 2025 elapsed 0 00:03:57';

  it('a code not in the table outranks a known non-fatal one in the reason of a warning', () => {
    const result = classify(
      [
        'W-1 ORA-31693: Table data object "HR"."REMOTE_ORDERS" failed to load/unload and is being skipped due to error:',
        'ORA-02354: error in exporting/unloading data',
        'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9$" too small',
        'ORA-02063: preceding line from SALES_LINK',
        '',
        completed,
      ].join('\n'),
      { exitCode: 5 },
    );
    expect(result.outcome).toBe('warning');
    expect(result.reason).toBe(
      'completed with 1 error(s): 1 table skipped (HR.REMOTE_ORDERS): ORA-02063 preceding line from SALES_LINK; ' +
        'ORA-01555 snapshot too old',
    );
  });

  it('a code not in the table outranks a known non-fatal one printed after it when the job stops', () => {
    const result = classify(
      ['ORA-02063: preceding line from SALES_LINK', 'ORA-01555: snapshot too old', stopped].join('\n'),
      { exitCode: 1 },
    );
    expect(result.reason).toBe('ORA-02063: preceding line from SALES_LINK');
  });

  it("a dying job's reason is the last error of its stack, below the worker announcements and above the call stack", () => {
    const result = classify(
      [
        '14-JUN-25 02:41:15.338: ORA-39014: One or more workers have prematurely exited.',
        '14-JUN-25 02:41:15.339: ORA-39029: worker 1 with process name "DW00" prematurely terminated',
        '14-JUN-25 02:41:15.341: ORA-31671: Worker process DW00 had an unhandled exception.',
        'ORA-00600: internal error code, arguments: [kdsgrp1], [], [], [], [], [], [], [], [], [], [], []',
        'ORA-06512: at "SYS.KUPW$WORKER", line 2880',
        'ORA-06512: at line 2',
        '',
        '----- PL/SQL Call Stack -----',
        '  object      line  object',
        '  handle    number  name',
        '0x1f6df7a08     27116  package body SYS.KUPW$WORKER',
        '0x1f6e8d4c0         2  anonymous block',
        '',
        `14-JUN-25 02:41:17.092: ${stopped}`,
      ].join('\n'),
      { exitCode: 1 },
    );
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(
      'ORA-00600: internal error code, arguments: [kdsgrp1], [], [], [], [], [], [], [], [], [], [], []',
    );
  });

  it('without codes, the reason is the last line before a call stack, not a frame of it', () => {
    const stderr = [
      'Export: Release 19.0.0.0.0 - Production on Sat Jun 14 02:00:02 2025',
      'kgepop: no error frame to pop to for error 21500',
      '----- Call Stack Trace -----',
      '#0 0x00007f3a1c2b4e10 in kgeasnmierr ()',
      '#1 0x00007f3a1c2b5a2c in kpufch ()',
      '',
    ].join('\n');
    const result = classify(stderr, { exitCode: 1, stderr }, { logFound: false });
    expect(result.reason).toBe(
      'expdp exited with code 1 and wrote no log: kgepop: no error frame to pop to for error 21500',
    );
  });
});

describe('classifyExport: a table error stack is one finding', () => {
  const completed = (n: number) =>
    `Job "BACKUP_USER"."OBA_HR_1" completed with ${n} error(s) at Sat Jun 14 03:13:58 2025 elapsed 0 00:03:57`;
  const skip = (table: string, cause: string) => [
    `14-JUN-25 03:13:41.552: W-1 ORA-31693: Table data object "HR"."${table}" failed to load/unload and is being skipped due to error:`,
    'ORA-02354: error in exporting/unloading data',
    cause,
    '',
  ];

  it('names the table and the root cause, takes its advice, and keeps the chain of codes', () => {
    const result = classify(
      [
        ...skip('AUDIT_LOG', 'ORA-01555: snapshot too old: rollback segment number 9 too small'),
        completed(1),
      ].join('\n'),
      { exitCode: 5 },
    );
    expect(result.findings).toEqual([
      {
        severity: 'warning',
        code: 'ORA-01555',
        codes: ['ORA-31693', 'ORA-02354', 'ORA-01555'],
        message: 'table data of HR.AUDIT_LOG skipped: snapshot too old (ORA-31693 ← ORA-02354 ← ORA-01555)',
        advice: describeCode('ORA-01555')?.advice,
      },
    ]);
    expect(result.findings[0]!.advice).toMatch(/UNDO_RETENTION/);
  });

  it('keeps stacks with different causes apart, and codes outside any stack as their own findings', () => {
    const result = classify(
      [
        ...skip('AUDIT_LOG', 'ORA-01555: snapshot too old'),
        ...skip('CARDS', 'ORA-28365: wallet is not open'),
        'ORA-39173: Encrypted data has been stored unencrypted in dump file set.',
        completed(2),
      ].join('\n'),
      { exitCode: 5 },
    );
    expect(result.findings.map((f) => [f.code, f.message])).toEqual([
      ['ORA-01555', 'table data of HR.AUDIT_LOG skipped: snapshot too old (ORA-31693 ← ORA-02354 ← ORA-01555)'],
      ['ORA-28365', 'table data of HR.CARDS skipped: TDE wallet is not open (ORA-31693 ← ORA-02354 ← ORA-28365)'],
      ['ORA-39173', 'encrypted data was stored unencrypted in the dump: Encrypted data has been stored unencrypted in dump file set.'],
    ]); // prettier-ignore
  });

  it('the log and the console together still give one finding', () => {
    const text = [...skip('AUDIT_LOG', 'ORA-01555: snapshot too old'), completed(1)].join('\n');
    expect(classify(`${text}\n${text}`, { exitCode: 5 }).findings).toHaveLength(1);
  });
});

describe('describeCode: specific advice', () => {
  it.each([
    ['ORA-02358', /fatal error unloading/, /follows it/],
    ['UDE-00005', /end of file/, /parameter file.*release.*connection/],
    ['EXP-00058', /password verification failed/, /password.*double quotes.*locked.*expired/],
    ['ORA-00904', /invalid identifier/, /release.*EXCLUDE, INCLUDE or QUERY/],
  ])('%s', (code, meaning, advice) => {
    const described = describeCode(code);
    expect(described?.meaning).toMatch(meaning);
    expect(described?.advice).toMatch(advice);
  });
});

describe('describeCode', () => {
  const required = [
    'ORA-01017', 'UDE-01017', 'UDI-01017', 'ORA-28000', 'ORA-28001', 'ORA-12154', 'ORA-12514', 'ORA-12541',
    'ORA-12170', 'ORA-39002', 'ORA-39070', 'ORA-39087', 'ORA-29283', 'ORA-39001', 'ORA-39000', 'ORA-31641',
    'ORA-27038', 'ORA-31626', 'ORA-31633', 'ORA-01950', 'UDE-00008', 'ORA-25254', 'ORA-39095', 'ORA-31693',
    'ORA-02354', 'ORA-01555', 'ORA-01466', 'ORA-28365', 'ORA-39165', 'ORA-31655', 'ORA-39126', 'ORA-39014',
    'ORA-39029', 'ORA-31697', 'ORA-39123', 'ORA-39050', 'LRM-00101', 'LRM-00111', 'LRM-00113', 'UDE-00014',
    'UDE-00010', 'UDE-00018', 'ORA-39181', 'ORA-39346', 'EXP-00091', 'EXP-00009', 'EXP-00056', 'EXP-00008',
    'EXP-00019', 'EXP-00004', 'EXP-00000',
  ]; // prettier-ignore

  it.each(required)('knows %s', (code) => {
    const described = describeCode(code);
    expect(described?.meaning).toMatch(/\S/);
    expect(described?.advice.length).toBeGreaterThan(20);
    expect(typeof described?.fatal).toBe('boolean');
  });

  it('marks what cannot have produced a usable dump as fatal', () => {
    const fatal = (code: string) => describeCode(code)?.fatal;
    for (const code of [
      'ORA-01017',
      'ORA-39087',
      'ORA-27038',
      'ORA-01950',
      'UDE-00008',
      'ORA-39095',
      'EXP-00000',
    ]) {
      expect(fatal(code), code).toBe(true);
    }
    for (const code of [
      'ORA-31693',
      'ORA-02354',
      'ORA-01555',
      'ORA-39181',
      'ORA-39165',
      'EXP-00091',
      'ORA-39126',
    ]) {
      expect(fatal(code), code).toBe(false);
    }
  });

  it('answers the words the brief asks for', () => {
    expect(describeCode('ORA-01017')?.meaning).toBe('invalid username/password');
    expect(describeCode('ORA-39087')?.meaning).toBe('directory object missing or no READ/WRITE grant');
    expect(describeCode('ORA-39087')?.advice).toContain(
      'GRANT READ, WRITE ON DIRECTORY DATA_PUMP_DIR TO backup_user;',
    );
    expect(describeCode('ORA-27038')?.meaning).toBe('dump file already exists');
    expect(describeCode('ORA-01950')?.meaning).toMatch(/^no quota/);
    expect(describeCode('ORA-39181')?.meaning).toContain('fine grain access control');
  });

  it('maps client wrappers of server errors, normalises case, and knows nothing else', () => {
    expect(describeCode('UDE-12154')).toEqual(describeCode('ORA-12154'));
    expect(describeCode(' ora-01017 ')).toEqual(describeCode('ORA-01017'));
    expect(describeCode('ORA-99999')).toBeUndefined();
    expect(describeCode('UDE-99999')).toBeUndefined();
    expect(describeCode('invalid username/password')).toBeUndefined();
    expect(describeCode('')).toBeUndefined();
  });
});

describe('classifyExport on logs in the real formats', () => {
  it('the 19c LOGTIME+METRICS sample with exit 0 is a success', () => {
    const text = fixture('formats/19c-logtime-metrics-fourteen-tables.log');
    expect(classify(text, { exitCode: 0 })).toEqual({
      outcome: 'success',
      reason: 'completed: 14 tables, 500837 rows in 1 dump file',
      findings: [],
    });
  });
});
