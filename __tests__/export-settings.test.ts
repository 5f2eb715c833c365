// The export inputs: oracle-queries, consistent, parallel, filesize, export-tool; what expdp-parameters
// may no longer set; legacy exp's limits; dump-path looked up at run time.
import { describe, expect, it } from 'vitest';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { fileSizeParameter } from '../src/settings/export-settings.js';
import { parseSettings, resolveRunPaths, type ParseSettingsResult } from '../src/settings/settings.js';
import type { Settings } from '../src/types.js';

const ENV = { GITHUB_WORKSPACE: '/ws' };
const MINIMAL = {
  'connect-string': 'dbhost:1521/ORCLPDB1',
  username: 'backup_admin',
  password: 'S3cret!pw',
  schemas: 'hr, sales',
  'dump-path': '/u01/dpdump',
};
const inputs = (overrides: Record<string, string> = {}) => ({
  ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])),
  ...MINIMAL,
  ...overrides,
});
function settingsOf(result: ParseSettingsResult): Settings {
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.settings;
}
function errorsOf(result: ParseSettingsResult): string[] {
  if (result.ok) throw new Error('expected invalid settings');
  return result.errors;
}

describe('export inputs', () => {
  it('defaults to database queries, one consistent point, PARALLEL 1, no FILESIZE and expdp', () => {
    expect(settingsOf(parseSettings(inputs(), ENV)).export).toEqual({
      oracleQueries: true,
      consistent: true,
      parallel: 1,
      fileSize: 0,
      tool: 'expdp',
    });
  });

  it('reads every one of them', () => {
    const settings = settingsOf(
      parseSettings(
        inputs({
          'oracle-queries': 'no',
          consistent: 'false',
          parallel: '4',
          filesize: '2G',
          'export-tool': 'AUTO',
        }),
        ENV,
      ),
    );
    expect(settings.export).toEqual({
      oracleQueries: false,
      consistent: false,
      parallel: 4,
      fileSize: 2 * 1024 ** 3,
      tool: 'auto',
    });
  });

  it('refuses values it cannot use, naming input, value and what is allowed', () => {
    expect(
      errorsOf(
        parseSettings(
          inputs({ 'oracle-queries': 'maybe', parallel: '100', filesize: '512K', 'export-tool': 'impdp' }),
          ENV,
        ),
      ),
    ).toEqual([
      'oracle-queries: "maybe" is not allowed; use true or false (yes/no and 1/0 are accepted too).',
      'parallel: "100" is not allowed; use a whole number from 1 to 99 (Data Pump PARALLEL; above 1 needs ' +
        'Enterprise Edition).',
      'filesize: "512K" is not allowed; it is smaller than 1M; use a size such as 2G or 500M (binary units), at ' +
        'least 1M; empty means no limit.',
      'export-tool: "impdp" is not allowed; use expdp (Data Pump), exp (legacy export, client-side files) or auto ' +
        '(expdp when found, else exp).',
    ]);
  });

  it('refuses PARALLEL, FILESIZE, FLASHBACK_SCN, FLASHBACK_TIME and CONSISTENT in expdp-parameters', () => {
    const errors = errorsOf(
      parseSettings(
        inputs({
          'expdp-parameters':
            'PARALLEL=4\nfilesize=1G\nFLASHBACK_SCN=1\nFLASHBACK_TIME=SYSTIMESTAMP\nCONSISTENT=Y\nEXCLUDE=STATISTICS',
        }),
        ENV,
      ),
    );
    expect(errors.map((e) => e.split(';')[1]!.trim())).toEqual([
      'PARALLEL is not allowed here: use the parallel input (or parallel per schema), which also gives the dump files a %U template',
      'FILESIZE is not allowed here: use the filesize input, which also gives the dump files a %U template',
      'FLASHBACK_SCN is not allowed here: the action sets it for a consistent export (use the consistent input)',
      'FLASHBACK_TIME is not allowed here: the action sets it for a consistent export (use the consistent input)',
      'CONSISTENT is not allowed here: it is the legacy form of FLASHBACK_TIME (use the consistent input)',
    ]);
  });

  it('keeps Data Pump features away from legacy exp', () => {
    const errors = errorsOf(
      parseSettings(
        inputs({
          'export-tool': 'exp',
          parallel: '2',
          filesize: '1G',
          'expdp-parameters': 'EXCLUDE=STATISTICS',
          schemas: '- {name: HR, exclude: INDEX}',
        }),
        ENV,
      ),
    );
    expect(errors.map((e) => e.slice(0, e.indexOf(';')))).toEqual([
      'parallel: "2" is not allowed',
      'filesize: "1G" is not allowed',
      'expdp-parameters: "EXCLUDE=STATISTICS" is not allowed',
      'schemas: "HR" is not allowed',
    ]);
  });

  it('lets exp work without dump-path, in work-dir, and says so when both are empty', () => {
    const ok = settingsOf(
      parseSettings(inputs({ 'export-tool': 'exp', 'dump-path': '', 'work-dir': '/srv/b' }), ENV),
    );
    expect(resolveRunPaths(ok, '', 'exp')).toMatchObject({
      dumpPath: '/srv/b',
      workDir: '/srv/b',
      logDir: '/srv/b/logs',
    });
    expect(errorsOf(parseSettings(inputs({ 'export-tool': 'exp', 'dump-path': '' }), ENV))).toEqual([
      'work-dir: "" is not allowed; export-tool exp writes its dump files on the runner, into work-dir, and ' +
        'dump-path is empty too; give the folder for the dump files and archives in work-dir.',
    ]);
  });

  it('fills work-dir and log-dir from a looked-up dump-path, and keeps the ones given', () => {
    const looked = settingsOf(parseSettings(inputs({ 'dump-path': '' }), ENV));
    expect(resolveRunPaths(looked, '/opt/oracle/dpdump', 'expdp')).toMatchObject({
      dumpPath: '/opt/oracle/dpdump',
      workDir: '/opt/oracle/dpdump',
      logDir: '/opt/oracle/dpdump/logs',
    });
    const given = settingsOf(
      parseSettings(inputs({ 'dump-path': '', 'work-dir': '/w', 'log-dir': '/l' }), ENV),
    );
    expect(resolveRunPaths(given, '/d', 'expdp')).toMatchObject({
      dumpPath: '/d',
      workDir: '/w',
      logDir: '/l',
    });
  });

  it('writes FILESIZE the way Data Pump reads it', () => {
    expect(fileSizeParameter(1024 ** 3)).toBe('1GB');
    expect(fileSizeParameter(10 * 1024 ** 4)).toBe('10TB');
    expect(fileSizeParameter(1536 * 1024)).toBe('1536KB');
  });
});
