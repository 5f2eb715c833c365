// The one USERID line of every parfile the action writes (expdp, exp, impdp SQLFILE, ATTACH): the password always in
// double quotes, because legacy exp reads an unquoted `#` as the start of a comment.
import { describe, expect, it } from 'vitest';
import { buildExpParfile } from '../src/export/exp.js';
import { buildParfile } from '../src/export/parfile.js';
import { useridLine } from '../src/export/userid.js';
import { buildImpdpParfile } from '../src/restore/sqlfile.js';

const login = { username: 'backup', password: 'Hash#tag', connectString: 'db:1521/ORCL' };

describe('useridLine', () => {
  it('double-quotes a password holding #, which exp would otherwise cut off as a comment', () => {
    expect(useridLine(login, { mask: false })).toBe('USERID=backup/"Hash#tag"@db:1521/ORCL');
  });

  it('double-quotes a plain password too', () => {
    expect(useridLine({ ...login, password: 'Plain_Pass1' }, { mask: false })).toBe(
      'USERID=backup/"Plain_Pass1"@db:1521/ORCL',
    );
  });

  it('keeps spaces, @ and / inside the quotes', () => {
    expect(useridLine({ ...login, password: 'p@ss /word x' }, { mask: false })).toBe(
      'USERID=backup/"p@ss /word x"@db:1521/ORCL',
    );
  });

  it('refuses a password with a double quote, which no USERID can carry', () => {
    expect(() => useridLine({ ...login, password: 'a"b' }, { mask: false })).toThrow(
      /password containing a double quote cannot be passed/,
    );
    expect(() => useridLine({ ...login, password: 'a"b' }, { mask: true })).toThrow(/double quote/);
  });

  it('masks the password on request', () => {
    expect(useridLine(login, { mask: true })).toBe('USERID=backup/********@db:1521/ORCL');
  });
});

describe('every parfile kind writes its USERID with useridLine', () => {
  const expected = 'USERID=backup/"Hash#tag"@db:1521/ORCL\n';

  it('expdp', () => {
    const text = buildParfile(
      {
        ...login,
        schema: 'HR',
        directory: 'DATA_PUMP_DIR',
        dumpFile: 'hr.dmp',
        logFile: 'hr.log',
        jobName: 'OBA_HR_1',
        extra: [],
      },
      { maskPassword: false },
    );
    expect(text.startsWith(expected)).toBe(true);
  });

  it('exp', () => {
    const text = buildExpParfile(
      { ...login, schema: 'HR', file: '/srv/hr.dmp', log: '/srv/hr.log', consistent: true },
      { maskPassword: false },
    );
    expect(text.startsWith(expected)).toBe(true);
  });

  it('impdp SQLFILE', () => {
    const text = buildImpdpParfile(
      {
        ...login,
        directory: 'DATA_PUMP_DIR',
        dumpFiles: ['hr.dmp'],
        sqlFile: 'hr.sql',
        logFile: 'hr_sqlfile.log',
        jobName: 'OBA_SQL_HR_1',
      },
      { maskPassword: false },
    );
    expect(text.startsWith(expected)).toBe(true);
  });
});
