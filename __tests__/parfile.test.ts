import { describe, expect, it } from 'vitest';
import { buildParfile, makeJobName, needsMultipleFiles } from '../src/export/parfile.js';

const spec = {
  username: 'backup',
  password: 'Secret#1',
  connectString: 'db:1521/ORCL',
  schema: 'HR',
  directory: 'DATA_PUMP_DIR',
  dumpFile: 'HR_2026-11-21_013000.dmp',
  logFile: 'HR_2026-11-21_013000.log',
  jobName: 'OBA_HR_20261121013000',
  extra: ['EXCLUDE=STATISTICS'],
};

describe('buildParfile', () => {
  it('writes one KEY=VALUE per line with the job settings the action needs', () => {
    expect(buildParfile(spec, { maskPassword: false })).toBe(
      [
        'USERID=backup/Secret#1@db:1521/ORCL',
        'SCHEMAS=HR',
        'DIRECTORY=DATA_PUMP_DIR',
        'DUMPFILE=HR_2026-11-21_013000.dmp',
        'LOGFILE=HR_2026-11-21_013000.log',
        'JOB_NAME=OBA_HR_20261121013000',
        'LOGTIME=ALL',
        'METRICS=YES',
        'EXCLUDE=STATISTICS',
        '',
      ].join('\n'),
    );
  });

  it('quotes passwords with special characters and masks them on request', () => {
    expect(buildParfile({ ...spec, password: 'p@ss/word' }, { maskPassword: false })).toContain(
      'USERID=backup/"p@ss/word"@db:1521/ORCL',
    );
    const masked = buildParfile({ ...spec, password: 'p@ss/word' }, { maskPassword: true });
    expect(masked).toContain('USERID=backup/********@db:1521/ORCL');
    expect(masked).not.toContain('p@ss');
  });

  it('refuses a password with a double quote, which expdp cannot take', () => {
    expect(() => buildParfile({ ...spec, password: 'a"b' }, { maskPassword: false })).toThrow(/double quote/);
  });

  it('keeps the case of quoted schema names', () => {
    expect(buildParfile({ ...spec, schema: '"MixedCase"' }, { maskPassword: true })).toContain(
      `SCHEMAS='"MixedCase"'`,
    );
  });
});

describe('needsMultipleFiles', () => {
  it('is true for FILESIZE and PARALLEL above 1', () => {
    expect(needsMultipleFiles(['FILESIZE=10G'])).toBe(true);
    expect(needsMultipleFiles(['parallel=4'])).toBe(true);
    expect(needsMultipleFiles(['PARALLEL=1', 'EXCLUDE=STATISTICS'])).toBe(false);
  });
});

describe('makeJobName', () => {
  it('is recognisable, unique per run and within 30 bytes', () => {
    const name = makeJobName('VERY_LONG_SCHEMA_NAME_FOR_TESTING', '20261121013000');
    expect(name).toMatch(/^OBA_[A-Z0-9]+_[A-Z0-9]+$/);
    expect(name.length).toBeLessThanOrEqual(30);
    expect(makeJobName('HR', '20261121013000')).not.toBe(makeJobName('HR', '20261122013000'));
  });
});
