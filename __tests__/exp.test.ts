// Legacy exp: its parfile, its log and the verdict from the last line, with Unix and Windows exit codes.
import { describe, expect, it } from 'vitest';
import { buildExpParfile, classifyExp, parseExpLog } from '../src/export/exp.js';
import type { ProcessResult } from '../src/types.js';

const HEAD = `
Export: Release 11.2.0.4.0 - Production on Sat Nov 21 01:30:00 2026

Copyright (c) 1982, 2011, Oracle and/or its affiliates.  All rights reserved.


Connected to: Oracle Database 11g Enterprise Edition Release 11.2.0.4.0 - 64bit Production
Export done in AL32UTF8 character set and AL16UTF16 NCHAR character set

About to export specified users ...
. exporting pre-schema procedural objects and actions
About to export HR's objects ...
. about to export HR's tables via Conventional Path ...
. . exporting table                      COUNTRIES         25 rows exported
. . exporting table                    DEPARTMENTS         27 rows exported
`;

const ENDINGS = {
  clean: `${HEAD}. exporting statistics\nExport terminated successfully without warnings.\n`,
  warnings: `${HEAD}EXP-00091: Exporting questionable statistics.\n. exporting statistics\nExport terminated successfully with warnings.\n`,
  failed:
    `${HEAD}EXP-00056: ORACLE error 1555 encountered\n` +
    'ORA-01555: snapshot too old: rollback segment number 9 with name "_SYSSMU9_1650507675$" too small\n' +
    'EXP-00000: Export terminated unsuccessfully\n',
};

function verdict(text: string, exitCode: number, extra: Partial<ProcessResult> = {}) {
  const process: ProcessResult = {
    exitCode,
    signal: null,
    stdout: '',
    stderr: text,
    timedOut: false,
    durationMs: 1000,
    ...extra,
  };
  return classifyExp({ process, log: parseExpLog(text, 'HR'), schema: 'HR', timeoutMs: 3_600_000 });
}

describe('classifyExp: the cause among several codes', () => {
  it('a code not in the table outranks a known non-fatal one, wherever it is printed', () => {
    const failed = verdict(
      `${HEAD}EXP-00056: ORACLE error 1555 encountered\nORA-02063: preceding line from SALES_LINK\n` +
        'ORA-01555: snapshot too old\nEXP-00000: Export terminated unsuccessfully\n',
      1,
    );
    expect(failed.reason).toBe('preceding line from SALES_LINK (ORA-02063)');
  });
});

describe('classifyExp: the three endings', () => {
  it.each([
    ['Unix', { clean: 0, warnings: 0, failed: 1 }],
    ['Windows', { clean: 0, warnings: 3, failed: 1 }],
  ])('on %s exit codes', (_os, codes) => {
    expect(verdict(ENDINGS.clean, codes.clean)).toMatchObject({
      outcome: 'success',
      reason: 'completed: 2 table(s), 52 row(s) (legacy exp)',
    });
    const warned = verdict(ENDINGS.warnings, codes.warnings);
    expect(warned.outcome).toBe('warning');
    expect(warned.reason).toBe('completed with warnings: exporting questionable statistics (EXP-00091)');
    expect(warned.findings.map((f) => f.code)).toEqual(['EXP-00091']);
    const failed = verdict(ENDINGS.failed, codes.failed);
    expect(failed.outcome).toBe('failed');
    expect(failed.reason).toMatch(/^snapshot too old.*\(ORA-01555\)$/);
  });

  it('trusts the last line over exit code 0, and an unknown ending fails', () => {
    expect(verdict(ENDINGS.failed, 0).outcome).toBe('failed');
    expect(verdict(`${HEAD}`, 0)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/not an ending/),
    });
    expect(verdict(ENDINGS.clean, 3).outcome).toBe('warning');
    expect(verdict(ENDINGS.clean, 1).outcome).toBe('failed');
  });

  it('fails a wrong password (EXP-00056 + ORA-01017, Username:) and a timeout', () => {
    const login =
      'EXP-00056: ORACLE error 1017 encountered\nORA-01017: invalid username/password; logon denied\nUsername: \n' +
      'EXP-00030: Unexpected End-Of-File encountered while reading input\nEXP-00000: Export terminated unsuccessfully\n';
    expect(verdict(login, 1).reason).toBe('invalid username/password (ORA-01017)');
    expect(verdict(HEAD, 0, { timedOut: true, exitCode: null, signal: 'SIGTERM' }).reason).toBe(
      'timed out after 1h',
    );
  });
});

describe('parseExpLog', () => {
  it('reads the release, the row lines and the ending', () => {
    const parsed = parseExpLog(ENDINGS.warnings, 'HR');
    expect(parsed.release).toBe('11.2.0.4.0');
    expect(parsed.tables).toEqual([
      { owner: 'HR', table: 'COUNTRIES', bytes: 0, rows: 25 },
      { owner: 'HR', table: 'DEPARTMENTS', bytes: 0, rows: 27 },
    ]);
    expect(parsed.ending).toBe('warnings');
  });
});

describe('buildExpParfile', () => {
  it('writes OWNER, FILE and LOG with client-side paths and CONSISTENT=Y', () => {
    const spec = {
      username: 'backup',
      password: 'Secret#1',
      connectString: 'db:1521/ORCL',
      schema: 'HR',
      file: '/srv/backups/HR_2026-11-21_013000.dmp',
      log: 'C:\\backups\\with space\\HR.log',
      consistent: true,
    };
    expect(buildExpParfile(spec, { maskPassword: false })).toBe(
      'USERID=backup/"Secret#1"@db:1521/ORCL\nOWNER=HR\nFILE=/srv/backups/HR_2026-11-21_013000.dmp\n' +
        'LOG="C:\\backups\\with space\\HR.log"\nCONSISTENT=Y\n',
    );
    expect(buildExpParfile({ ...spec, consistent: false }, { maskPassword: true })).not.toMatch(
      /CONSISTENT|Secret/,
    );
  });
});
