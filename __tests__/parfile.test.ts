import { describe, expect, it } from 'vitest';
import {
  buildParfile,
  flashbackLine,
  isOurJobName,
  makeJobName,
  needsMultipleFiles,
} from '../src/export/parfile.js';

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
        'USERID=backup/"Secret#1"@db:1521/ORCL',
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
  it('is true for a FILESIZE and for PARALLEL above 1', () => {
    expect(needsMultipleFiles({ fileSize: 10 * 1024 ** 3 })).toBe(true);
    expect(needsMultipleFiles({ parallel: 4 })).toBe(true);
    expect(needsMultipleFiles({ parallel: 1, fileSize: 0 })).toBe(false);
    expect(needsMultipleFiles({})).toBe(false);
  });
});

describe('parfile lines of the export inputs', () => {
  it('adds PARALLEL, FILESIZE, FLASHBACK_SCN and the schema EXCLUDEs before the extra lines', () => {
    const text = buildParfile(
      {
        ...spec,
        parallel: 4,
        fileSize: 1024 ** 3,
        flashback: { scn: '4812337' },
        exclude: ['STATISTICS', `TABLE:"IN ('AUDIT_LOG')"`],
        extra: ['COMPRESSION=METADATA_ONLY'],
      },
      { maskPassword: true },
    );
    expect(text.split('\n').slice(-7)).toEqual([
      'PARALLEL=4',
      'FILESIZE=1GB',
      'FLASHBACK_SCN=4812337',
      'EXCLUDE=STATISTICS',
      `EXCLUDE=TABLE:"IN ('AUDIT_LOG')"`,
      'COMPRESSION=METADATA_ONLY',
      '',
    ]);
    expect(buildParfile(spec, { maskPassword: true })).not.toMatch(/PARALLEL|FILESIZE|FLASHBACK/);
  });

  it('writes one FLASHBACK_TIME as Oracle documents it for a parfile', () => {
    expect(flashbackLine({ time: new Date(2026, 10, 21, 1, 30, 5) })).toBe(
      `FLASHBACK_TIME="TO_TIMESTAMP('2026-11-21 01:30:05', 'YYYY-MM-DD HH24:MI:SS')"`,
    );
  });

  it('writes FILESIZE in the largest whole unit', () => {
    expect(buildParfile({ ...spec, fileSize: 500 * 1024 ** 2 }, { maskPassword: true })).toContain(
      'FILESIZE=500MB',
    );
    expect(buildParfile({ ...spec, fileSize: 1536 * 1024 + 1 }, { maskPassword: true })).toContain(
      `FILESIZE=${1536 * 1024 + 1}\n`,
    );
  });
});

describe('makeJobName', () => {
  it('names only what isOurJobName recognises', () => {
    expect(isOurJobName(makeJobName('"Mixed_Case#1"', '20261121013000'))).toBe(true);
    expect(isOurJobName('SYS_EXPORT_SCHEMA_01')).toBe(false);
    expect(isOurJobName('OBA_HR')).toBe(false);
    expect(isOurJobName('OBA_HR_1"; DROP')).toBe(false);
  });

  it('is recognisable, unique per run and within 30 bytes', () => {
    const name = makeJobName('VERY_LONG_SCHEMA_NAME_FOR_TESTING', '20261121013000');
    expect(name).toMatch(/^OBA_[A-Z0-9]+_[A-Z0-9]+$/);
    expect(name.length).toBeLessThanOrEqual(30);
    expect(makeJobName('HR', '20261121013000')).not.toBe(makeJobName('HR', '20261122013000'));
  });
});
