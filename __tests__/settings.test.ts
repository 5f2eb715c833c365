import { describe, expect, it } from 'vitest';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseSettings, type ParseSettingsResult } from '../src/settings/settings.js';
import type { Settings } from '../src/types.js';

const WORKSPACE = '/home/runner/work/repo/repo';
const ENV = { GITHUB_WORKSPACE: WORKSPACE };
const HOUR = 3_600_000;

/** Every input as the runner gives it: '' unless set. */
function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])), ...overrides };
}

const MINIMAL = {
  'connect-string': 'dbhost:1521/ORCLPDB1',
  username: 'backup_admin',
  password: 'S3cret!pw',
  schemas: 'hr, sales',
  'dump-path': '/u01/app/oracle/admin/ORCL/dpdump',
};

function settingsOf(result: ParseSettingsResult): Settings {
  if (!result.ok) throw new Error(`expected valid settings, got:\n${result.errors.join('\n')}`);
  return result.settings;
}

function errorsOf(result: ParseSettingsResult): string[] {
  if (result.ok) throw new Error('expected invalid settings');
  return result.errors;
}

describe('parseSettings: valid configurations', () => {
  it('builds the exact settings of a minimal configuration, defaults applied', () => {
    const result = parseSettings(inputs(MINIMAL), ENV);
    expect(result).toEqual({
      ok: true,
      settings: {
        connectString: 'dbhost:1521/ORCLPDB1',
        schemas: [
          { name: 'HR', username: 'backup_admin', password: 'S3cret!pw', timeoutMs: HOUR },
          { name: 'SALES', username: 'backup_admin', password: 'S3cret!pw', timeoutMs: HOUR },
        ],
        directory: 'DATA_PUMP_DIR',
        dumpPath: '/u01/app/oracle/admin/ORCL/dpdump',
        oracleHome: '',
        export: { oracleQueries: true, consistent: true, parallel: 1, fileSize: 0, tool: 'expdp' },
        timeoutMs: HOUR,
        dumpName: '{schema}_{date}_{time}',
        expdpParameters: [],
        archivePer: 'run',
        archiveName: 'oracle-backup_{date}_{time}',
        compressionLevel: 6,
        archivePassword: '',
        workDir: '/u01/app/oracle/admin/ORCL/dpdump',
        keepDumps: false,
        copyTo: [],
        logDir: '/u01/app/oracle/admin/ORCL/dpdump/logs',
        failOn: 'partial',
        dryRun: false,
        retention: {
          policy: { retentionDays: 10, keepMin: 2, keepMax: 7, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
          overrides: {},
          logRetentionDays: 30,
        },
        sftp: undefined,
        smtp: undefined,
        reportLanguage: 'en',
        report: { uploadArtifact: 'report' },
        verifyDump: 'header',
      } satisfies Settings,
      secrets: [
        'S3cret!pw',
        'backup_admin/S3cret!pw',
        'backup_admin/S3cret!pw@dbhost:1521/ORCLPDB1',
        'backup_admin/"S3cret!pw"',
        'backup_admin/"S3cret!pw"@dbhost:1521/ORCLPDB1',
      ],
      warnings: [],
    });
  });

  it('takes every input when given', () => {
    const settings = settingsOf(
      parseSettings(
        inputs({
          ...MINIMAL,
          directory: 'backup_dir',
          'oracle-home': '/opt/oracle/product/19c/dbhome_1',
          timeout: '2h30m',
          'dump-name': '{schema}_{run}',
          'expdp-parameters': 'EXCLUDE=STATISTICS\n# a comment\n\nLOGTIME=ALL METRICS=YES',
          'archive-per': 'schema',
          'archive-name': 'backup_{schema}_{date}_{time}',
          'compression-level': '9',
          'archive-password': 'a-long-archive-secret',
          'work-dir': '/var/backups/oracle',
          'keep-dumps': 'yes',
          'copy-to': '/mnt/nas/oracle',
          'log-dir': '/var/log/oracle-backup',
          'fail-on': 'failure',
          'dry-run': 'TRUE',
        }),
        ENV,
      ),
    );
    expect(settings).toMatchObject({
      directory: 'BACKUP_DIR',
      oracleHome: '/opt/oracle/product/19c/dbhome_1',
      timeoutMs: 2.5 * HOUR,
      dumpName: '{schema}_{run}',
      expdpParameters: ['EXCLUDE=STATISTICS', 'LOGTIME=ALL METRICS=YES'],
      archivePer: 'schema',
      archiveName: 'backup_{schema}_{date}_{time}',
      compressionLevel: 9,
      archivePassword: 'a-long-archive-secret',
      workDir: '/var/backups/oracle',
      keepDumps: true,
      copyTo: ['/mnt/nas/oracle'],
      logDir: '/var/log/oracle-backup',
      failOn: 'failure',
      dryRun: true,
    });
    expect(settings.schemas.map((s) => s.timeoutMs)).toEqual([2.5 * HOUR, 2.5 * HOUR]);
  });

  it('defaults archive-name to a per-schema name with archive-per: schema', () => {
    const settings = settingsOf(parseSettings(inputs({ ...MINIMAL, 'archive-per': 'schema' }), ENV));
    expect(settings.archiveName).toBe('{schema}_{date}_{time}');
  });

  it('takes oracle-home from ORACLE_HOME when the input is empty', () => {
    const env = { ...ENV, ORACLE_HOME: '/opt/oracle/product/21c/dbhomeXE' };
    expect(settingsOf(parseSettings(inputs(MINIMAL), env)).oracleHome).toBe(
      '/opt/oracle/product/21c/dbhomeXE',
    );
    expect(
      settingsOf(parseSettings(inputs({ ...MINIMAL, 'oracle-home': '/u01/home' }), env)).oracleHome,
    ).toBe('/u01/home');
  });

  it.each([
    'dbhost:1521/ORCLPDB1',
    'localhost:1521/FREEPDB1',
    '//db.example.com:1521/sales.example.com',
    'db.example.com/ORCL:dedicated/inst1',
    'tcps://db.example.com:2484/svc?wallet_location=/opt/wallet',
    '[::1]:1521/FREEPDB1',
    'oracle_db:1521/XEPDB1',
    'PROD',
    'prod.world',
  ])('accepts connect-string %j', (connectString) => {
    expect(
      settingsOf(parseSettings(inputs({ ...MINIMAL, 'connect-string': connectString }), ENV)).connectString,
    ).toBe(connectString);
  });
});

describe('parseSettings: schemas', () => {
  it('reads a YAML list with per-schema credentials and timeouts', () => {
    const schemas = [
      '- hr',
      '- name: sales',
      '  username: sales_owner',
      '  password: "0123 sales"',
      '  timeout: 3h',
      '- name: \'"MixedCase"\'',
      '  password: 00123', // stays a string with its leading zeros
      '- name: \'"FIN"\'', // quoting changes nothing: plain FIN
    ].join('\n');
    const result = parseSettings(inputs({ ...MINIMAL, schemas, timeout: '45m' }), ENV);
    expect(settingsOf(result).schemas).toEqual([
      { name: 'HR', username: 'backup_admin', password: 'S3cret!pw', timeoutMs: 45 * 60_000 },
      { name: 'SALES', username: 'sales_owner', password: '0123 sales', timeoutMs: 3 * HOUR },
      { name: '"MixedCase"', username: 'backup_admin', password: '00123', timeoutMs: 45 * 60_000 },
      { name: 'FIN', username: 'backup_admin', password: 'S3cret!pw', timeoutMs: 45 * 60_000 },
    ]);
    expect(result.secrets).toEqual(
      expect.arrayContaining([
        '0123 sales',
        '00123',
        'sales_owner/0123 sales',
        'sales_owner/0123 sales@dbhost:1521/ORCLPDB1',
        'backup_admin/00123@dbhost:1521/ORCLPDB1',
      ]),
    );
  });

  it('reads a YAML flow list and a list with comments', () => {
    expect(
      settingsOf(parseSettings(inputs({ ...MINIMAL, schemas: '[hr, sales]' }), ENV)).schemas,
    ).toHaveLength(2);
    const schemas = '# nightly\nHR\nSALES, FIN#2 # FIN#2 is the new ledger\n  # AP is archived\n';
    expect(
      settingsOf(parseSettings(inputs({ ...MINIMAL, schemas }), ENV)).schemas.map((s) => s.name),
    ).toEqual(['HR', 'SALES', 'FIN#2']);
  });

  it('works without top-level credentials when every schema has its own', () => {
    const schemas =
      '- {name: hr, username: hr, password: hr-secret}\n- {name: sales, username: sales, password: s-pw}';
    const result = parseSettings(inputs({ ...MINIMAL, username: '', password: '', schemas }), ENV);
    expect(settingsOf(result).schemas.map((s) => `${s.username}:${s.password}`)).toEqual([
      'hr:hr-secret',
      'sales:s-pw',
    ]);
  });

  it('names the schemas that have no username or password', () => {
    const schemas = '- hr\n- {name: sales, username: sales, password: s-pw}\n- fin';
    const errors = errorsOf(parseSettings(inputs({ ...MINIMAL, username: '', password: '', schemas }), ENV));
    expect(errors).toEqual([
      'username: "" is not allowed; it is required because HR, FIN have no username of their own; ' +
        'set username (used by every schema without one) or give each schema a username in a YAML list.',
      'password: "" is not allowed; it is required because HR, FIN have no password of their own; ' +
        'set password from a secret (password: ${{ secrets.ORACLE_BACKUP_PASSWORD }}) or give each schema a password ' +
        'in a YAML list.',
    ]);
  });

  it('refuses bad names, duplicates and case-only differences', () => {
    const errors = errorsOf(
      parseSettings(inputs({ ...MINIMAL, schemas: 'HR, 1SALES, hr, "Fin", "FIN", "a b"' }), ENV),
    );
    expect(errors).toEqual([
      expect.stringMatching(/^schemas: "1SALES" is not allowed; use Oracle schema names such as HR/),
      expect.stringMatching(/^schemas: "\\"a b\\"" is not allowed; use Oracle schema names/),
      'schemas: "hr" is not allowed; HR is listed twice; list each schema once.',
      'schemas: "\\"FIN\\"" is not allowed; it differs from "\\"Fin\\"" only in case, so their files would collide ' +
        'on Windows; list each schema once.',
    ]);
  });

  it('reads per-schema parallel and exclude, and refuses unknown keys', () => {
    const schemas =
      "- name: hr\n  parallel: 4\n  exclude: [STATISTICS, 'TABLE:\"IN (''AUDIT_LOG'')\"']\n" +
      '- name: sales\n  exclude: INDEX\n- name: app\n  pasword: typo-secret';
    const result = parseSettings(inputs({ ...MINIMAL, schemas }), ENV);
    expect(errorsOf(result)).toEqual([
      'schemas: "pasword" (in app) is not allowed; it is not a per-schema setting; use name, username, ' +
        'password, timeout, parallel and exclude.',
    ]);
    // A mistyped password key still holds a password.
    expect(result.secrets).toContain('typo-secret');
    const ok = settingsOf(
      parseSettings(inputs({ ...MINIMAL, schemas: schemas.replace(/\n- name: app.*$/s, '') }), ENV),
    );
    expect(ok.schemas.map((s) => [s.name, s.parallel, s.exclude])).toEqual([
      ['HR', 4, ['STATISTICS', `TABLE:"IN ('AUDIT_LOG')"`]],
      ['SALES', undefined, ['INDEX']],
    ]);
  });

  it('refuses a per-schema parallel or exclude that cannot be used', () => {
    const schemas = "- name: hr\n  parallel: 0\n- name: sales\n  exclude: ['EXCLUDE=INDEX', 'TABLE:\"IN (x']";
    expect(errorsOf(parseSettings(inputs({ ...MINIMAL, schemas }), ENV))).toEqual([
      'schemas: "0" (parallel of hr) is not allowed; use a whole number from 1 to 99 (Data Pump PARALLEL; ' +
        'above 1 needs Enterprise Edition).',
      expect.stringMatching(
        /^schemas: "EXCLUDE=INDEX" \(exclude of sales\) is not allowed; it starts with EXCLUDE=/,
      ),
      expect.stringMatching(
        /^schemas: "TABLE:\\"IN \(x" \(exclude of sales\) is not allowed; a quote is not closed/,
      ),
    ]);
  });

  it('reports per-schema field problems with the schema name', () => {
    const schemas = "- name: hr\n  timeout: soon\n  username: hr/pw\n  password: 'a\"b'\n- username: x";
    const errors = errorsOf(parseSettings(inputs({ ...MINIMAL, schemas }), ENV));
    expect(errors).toEqual([
      'schemas: "***" (username of hr) is not allowed; it contains "/"; put only the user name here and the ' +
        'password in password (from a secret).',
      'schemas: "***" (password of hr) is not allowed; Oracle passwords cannot contain double quotes; use a ' +
        'password without double quotes.',
      'schemas: "soon" (timeout of hr) is not allowed; use whole numbers with h, m and s, e.g. 90s, 45m, 3h or 1h30m.',
      'schemas: item 2 is not allowed; it has no name; give every mapping a name, e.g. {name: HR}.',
    ]);
  });

  it('does not lend the top-level password to a schema that names its own username', () => {
    const schemas = '- hr\n- {name: sales, username: sales_owner}';
    const errors = errorsOf(parseSettings(inputs({ ...MINIMAL, schemas }), ENV));
    expect(errors).toEqual([
      'schemas: "SALES" is not allowed; a schema that names its own username needs its own password too (the ' +
        'top-level password belongs to username); add password to each such schema, from a secret.',
    ]);
  });

  it('never echoes unreadable YAML, which may hold passwords', () => {
    const schemas = '- name: hr\n  password: [hunter2\n';
    const result = parseSettings(inputs({ ...MINIMAL, schemas }), ENV);
    const errors = errorsOf(result);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^schemas: "\*\*\*" is not allowed; the YAML list cannot be read \(.*line \d+/);
    expect(errors.join('\n')).not.toContain('hunter2');
  });

  it('reports a list without any schema', () => {
    expect(errorsOf(parseSettings(inputs({ ...MINIMAL, schemas: '# none yet' }), ENV))).toEqual([
      expect.stringMatching(/^schemas: "# none yet" is not allowed; it lists no schema; use schema names/),
    ]);
  });
});

describe('parseSettings: invalid configurations', () => {
  it('reports the five problems of the acceptance case together, each naming input, value and what is allowed', () => {
    const result = parseSettings(
      inputs({
        ...MINIMAL,
        schemas: '',
        'compression-level': '12',
        timeout: 'soon',
        'dump-name': '../{schema}_{date}',
        'expdp-parameters': 'DIRECTORY=X',
      }),
      ENV,
    );
    expect(errorsOf(result)).toEqual([
      'timeout: "soon" is not allowed; use whole numbers with h, m and s, e.g. 90s, 45m, 3h or 1h30m.',
      'schemas: "" is not allowed; it is required; use schema names separated by commas or one per line ' +
        '(e.g. HR, SALES), or a YAML list whose items are a name or a mapping {name, username, password, timeout, ' +
        'parallel, exclude}.',
      'dump-name: "../{schema}_{date}" is not allowed; it contains a path separator ("/"); it contains ".."; ' +
        'it starts with ".", which tools mistake for an option or a hidden file; use a file name (no folder) made ' +
        'of text and the tokens {schema}, {date}, {time}, {weekday}, {run}; ".dmp" is added.',
      'expdp-parameters: "DIRECTORY=X" is not allowed; DIRECTORY is not allowed here: use the directory input; ' +
        'use other parameters, e.g. EXCLUDE=STATISTICS.',
      'compression-level: "12" is not allowed; use a whole number from 0 (store) to 9 (smallest).',
    ]);
  });

  it('looks dump-path up when it is empty, which needs oracle-queries, and names the query that finds it', () => {
    const lookedUp = settingsOf(parseSettings(inputs({ ...MINIMAL, 'dump-path': '' }), ENV));
    expect([lookedUp.dumpPath, lookedUp.workDir, lookedUp.logDir]).toEqual(['', '', '']);
    const errors = errorsOf(
      parseSettings(inputs({ ...MINIMAL, 'dump-path': '', 'oracle-queries': 'false' }), ENV),
    );
    expect(errors).toEqual([
      'dump-path: "" is not allowed; it can only be looked up in the database with oracle-queries: true; give ' +
        'the folder of the directory object DATA_PUMP_DIR as this runner sees it, as shown by ' +
        "SELECT directory_path FROM all_directories WHERE directory_name = 'DATA_PUMP_DIR'.",
    ]);
  });

  it('requires connect-string and schemas', () => {
    const errors = errorsOf(parseSettings(inputs({ ...MINIMAL, 'connect-string': '', schemas: '' }), ENV));
    expect(errors.map((e) => e.slice(0, e.indexOf(';')))).toEqual([
      'connect-string: "" is not allowed',
      'schemas: "" is not allowed',
    ]);
  });

  it.each([
    ['host name with space', 'db host/ORCL'],
    ['descriptor', '(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ORCL)))'],
    ['line break', 'db:1521/ORCL\nUSERID=x'],
  ])('refuses a connect-string with a %s', (_, connectString) => {
    const errors = errorsOf(parseSettings(inputs({ ...MINIMAL, 'connect-string': connectString }), ENV));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^connect-string: ".*" is not allowed; .*(Easy Connect|TNS alias)/);
  });

  it.each([
    ['user/pass@', 'scott/tiger@dbhost:1521/ORCL', ['scott/tiger@dbhost:1521/ORCL', 'scott/tiger', 'tiger']],
    ['user@', 'scott@dbhost:1521/ORCL', ['scott@dbhost:1521/ORCL', 'scott']],
  ])('never echoes a connect-string holding credentials (%s), and masks it', (_, connectString, secrets) => {
    const result = parseSettings(inputs({ ...MINIMAL, 'connect-string': connectString }), ENV);
    expect(errorsOf(result)).toEqual([
      'connect-string: "***" is not allowed; it contains "@", so it may hold credentials; use Easy Connect ' +
        'host[:port]/service (e.g. dbhost:1521/ORCLPDB1) or a TNS alias (e.g. PROD), and put the user in ' +
        'username and the password in password (from a secret).',
    ]);
    expect(result.secrets).toEqual(expect.arrayContaining(secrets));
  });

  it.each([
    [
      'sys as sysdba',
      /^username: "sys as sysdba" is not allowed; Oracle advises against running Data Pump as SYSDBA/,
    ],
    ['system AS SYSBACKUP', /^username: "system AS SYSBACKUP" is not allowed; Oracle advises against/],
    ['SYS', /^username: "SYS" is not allowed; SYS can only log in AS SYSDBA/],
    [
      'system@prod',
      /^username: "system@prod" is not allowed; it contains "@"; put the database in connect-string/,
    ],
    ['system/manager', /^username: "\*\*\*" is not allowed; it contains "\/"; put only the user name here/],
    ['back up', /^username: "back up" is not allowed; use a database user name such as SYSTEM/],
  ])('refuses username %j', (username, message) => {
    const result = parseSettings(inputs({ ...MINIMAL, username }), ENV);
    expect(errorsOf(result)).toEqual([expect.stringMatching(message)]);
    if (username.includes('/'))
      expect(result.secrets).toEqual(expect.arrayContaining(['system/manager', 'manager']));
  });

  it('keeps every password out of every message', () => {
    const password = 'Pa55word"Secret';
    const other = 'Hunter2Secret';
    const archivePassword = 'k3y!';
    const result = parseSettings(
      inputs({
        ...MINIMAL,
        password,
        'connect-string': `scott/${other}@dbhost/ORCL`,
        username: `scott/${other}`,
        schemas: `- name: hr\n  password: "hr-${other}\\n2nd line"\n  timeout: never`,
        'archive-password': archivePassword,
        'expdp-parameters': `ENCRYPTION_PASSWORD=${other}\nUSERID=scott/${other}@x\nENCRYPTION_PASSWORD="${other}`,
      }),
      ENV,
    );
    const errors = errorsOf(result);
    expect(errors).toHaveLength(9);
    for (const error of errors) {
      expect(error).not.toContain('Secret');
      expect(error).not.toContain(archivePassword);
    }
    expect(errors).toEqual([
      expect.stringMatching(/^connect-string: "\*\*\*" is not allowed; it contains "@"/),
      expect.stringMatching(/^username: "\*\*\*" is not allowed; it contains "\/"/),
      'password: "***" is not allowed; Oracle passwords cannot contain double quotes; use a password without ' +
        'double quotes.',
      'schemas: "***" (password of hr) is not allowed; it contains a line break or control character; use a ' +
        'password on one line.',
      expect.stringMatching(/^schemas: "never" \(timeout of hr\) is not allowed/),
      'expdp-parameters: "ENCRYPTION_PASSWORD=***" is not allowed; ENCRYPTION_PASSWORD is not allowed here: Data ' +
        'Pump echoes it; encrypt the archive with archive-password (from a secret) instead; use other parameters, ' +
        'e.g. EXCLUDE=STATISTICS.',
      expect.stringMatching(/^expdp-parameters: "USERID=\*\*\*" is not allowed; USERID is not allowed here/),
      expect.stringMatching(
        /^expdp-parameters: "ENCRYPTION_PASSWORD=\*\*\*" is not allowed; a quote is not closed/,
      ),
      'archive-password: "***" is not allowed; it is shorter than 8 characters, too easy to guess for an ' +
        'encrypted backup; use at least 8 characters (a long random secret is best).',
    ]);
    expect(result.secrets).toEqual(
      expect.arrayContaining([
        password,
        archivePassword,
        other,
        `scott/${other}@dbhost/ORCL`,
        `hr-${other}\n2nd line`,
        `scott/${other}@x`,
        `"${other}`,
      ]),
    );
  });

  it('refuses expdp parameters the action sets, hides, or cannot read', () => {
    const parameters = [
      'EXCLUDE=STATISTICS',
      'DUMPFILE=x.dmp',
      'exclude=statistics logfile=x.log',
      'NOLOGFILE',
      'FULL=Y',
      'JOB_NAME=MINE',
      'QUERY=HR.EMP:"WHERE note = \'SCHEMAS=X\'"',
      "EXCLUDE=TABLE:\"IN ('A'",
      'INCLUDE=TABLE \\',
    ].join('\n');
    const result = parseSettings(inputs({ ...MINIMAL, 'expdp-parameters': parameters }), ENV);
    expect(errorsOf(result)).toEqual([
      'expdp-parameters: "DUMPFILE=x.dmp" is not allowed; DUMPFILE is not allowed here: the action names the dump ' +
        'files (use the dump-name input); use other parameters, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "exclude=statistics logfile=x.log" is not allowed; LOGFILE is not allowed here: the ' +
        'action names and reads the log file; use other parameters, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "NOLOGFILE" is not allowed; it is not KEY=VALUE (a bare keyword would become a dump ' +
        'file name); use one KEY=VALUE parfile line per line, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "FULL=Y" is not allowed; FULL is not allowed here: the action exports in schema mode ' +
        '(use the schemas input); use other parameters, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "JOB_NAME=MINE" is not allowed; JOB_NAME is not allowed here: the action names the job ' +
        'so that it can find and stop it; use other parameters, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "EXCLUDE=TABLE:\\"IN (\'A\'" is not allowed; a quote is not closed; use one KEY=VALUE ' +
        'parfile line per line, e.g. EXCLUDE=STATISTICS.',
      'expdp-parameters: "INCLUDE=TABLE \\\\" is not allowed; continuation lines are not supported; write each ' +
        'parameter on one line.',
    ]);
  });

  it('allows COMPRESSION=ALL with a licence warning', () => {
    const result = parseSettings(inputs({ ...MINIMAL, 'expdp-parameters': 'COMPRESSION=all' }), ENV);
    expect(result).toMatchObject({
      ok: true,
      settings: { expdpParameters: ['COMPRESSION=all'] },
      warnings: [
        'expdp-parameters: COMPRESSION=ALL needs the Oracle Advanced Compression option, which is licensed ' +
          'separately; METADATA_ONLY and NONE need no licence.',
      ],
    });
  });

  it('refuses bad enums, numbers and booleans with what is allowed', () => {
    const errors = errorsOf(
      parseSettings(
        inputs({
          ...MINIMAL,
          'archive-per': 'table',
          'compression-level': '5.5',
          'keep-dumps': 'maybe',
          'fail-on': 'never',
          'dry-run': 'on',
          directory: '/u01/dpdump',
        }),
        ENV,
      ),
    );
    expect(errors).toEqual([
      'directory: "/u01/dpdump" is not allowed; use the name of an Oracle directory object such as ' +
        'DATA_PUMP_DIR (not a folder path).',
      'archive-per: "table" is not allowed; use run (one zip holding every schema) or schema (one zip per schema).',
      'compression-level: "5.5" is not allowed; use a whole number from 0 (store) to 9 (smallest).',
      'keep-dumps: "maybe" is not allowed; use true or false (yes/no and 1/0 are accepted too).',
      'fail-on: "never" is not allowed; use partial (fail when anything went wrong) or failure (fail only when ' +
        'nothing usable was backed up).',
      'dry-run: "on" is not allowed; use true or false (yes/no and 1/0 are accepted too).',
    ]);
  });

  it('checks names against archive-per', () => {
    const perRun = errorsOf(
      parseSettings(inputs({ ...MINIMAL, 'archive-name': '{schema}_{date}_{time}' }), ENV),
    );
    expect(perRun).toEqual([
      'archive-name: "{schema}_{date}_{time}" is not allowed; {schema} cannot be used here, since the name is not ' +
        'made per schema; set archive-per: schema for one zip per schema; use a file name (no folder) made of ' +
        'text and the tokens {schema}, {date}, {time}, {weekday}, {run}; ".zip" is added.',
    ]);
    const perSchema = errorsOf(
      parseSettings(
        inputs({ ...MINIMAL, 'archive-per': 'schema', 'archive-name': 'nightly_{date}_{time}' }),
        ENV,
      ),
    );
    expect(perSchema).toEqual([
      expect.stringMatching(
        /^archive-name: "nightly_{date}_{time}" is not allowed; it must contain {schema}/,
      ),
    ]);
    const dump = errorsOf(parseSettings(inputs({ ...MINIMAL, 'dump-name': 'nightly_{date}_{time}' }), ENV));
    expect(dump).toEqual([
      expect.stringMatching(/^dump-name: "nightly_{date}_{time}" is not allowed; it must contain {schema}/),
    ]);
  });

  it('refuses dump-name characters a parfile would misread', () => {
    expect(errorsOf(parseSettings(inputs({ ...MINIMAL, 'dump-name': '{schema} %U,{date}' }), ENV))).toEqual([
      'dump-name: "{schema} %U,{date}" is not allowed; Data Pump would misread " ", "%", "," in a dump file name ' +
        '(% starts a substitution such as %U); use a file name (no folder) made of text and the tokens {schema}, ' +
        '{date}, {time}, {weekday}, {run}; ".dmp" is added.',
    ]);
  });

  it('strips an extension the action adds, and warns about names that repeat', () => {
    const result = parseSettings(inputs({ ...MINIMAL, 'dump-name': '{schema}_{date}.dmp' }), ENV);
    expect(result).toMatchObject({
      ok: true,
      settings: { dumpName: '{schema}_{date}' },
      warnings: [
        'dump-name: ".dmp" is added by the action; using "{schema}_{date}".',
        expect.stringMatching(/^dump-name: "{schema}_{date}.dmp" has no {time} or {run}/),
      ],
    });
  });
});

describe('parseSettings: paths', () => {
  it('resolves relative paths against GITHUB_WORKSPACE', () => {
    const settings = settingsOf(
      parseSettings(
        inputs({ ...MINIMAL, 'dump-path': 'dpdump', 'work-dir': './staging', 'log-dir': '../logs' }),
        ENV,
      ),
    );
    expect(settings).toMatchObject({
      dumpPath: `${WORKSPACE}/dpdump`,
      workDir: `${WORKSPACE}/staging`,
      logDir: '/home/runner/work/repo/logs',
    });
  });

  it('refuses a relative copy-to, naming the value and what is allowed', () => {
    const errors = errorsOf(
      parseSettings(inputs({ ...MINIMAL, 'copy-to': 'out/a\n../b\n/mnt/backup-share\n~/synced' }), {
        ...ENV,
        HOME: '/home/runner',
      }),
    );
    const allowed =
      'it is a relative path, and a destination must be a folder that already exists; use an absolute path ' +
      '(e.g. /mnt/backup-share/oracle) or a UNC share (e.g. \\\\nas01\\backup\\oracle).';
    expect(errors).toEqual([
      `copy-to: "out/a" is not allowed; ${allowed}`,
      `copy-to: "../b" is not allowed; ${allowed}`,
    ]);
  });

  it('falls back to PWD, then leaves relative paths to the process folder', () => {
    const pwd = settingsOf(parseSettings(inputs({ ...MINIMAL, 'dump-path': 'dp' }), { PWD: '/srv/x' }));
    expect(pwd.dumpPath).toBe('/srv/x/dp');
    expect(settingsOf(parseSettings(inputs({ ...MINIMAL, 'dump-path': 'dp' }), {})).dumpPath).toBe('dp');
  });

  it('keeps UNC and Windows paths as they are, and joins with Windows separators on Windows', () => {
    const settings = settingsOf(
      parseSettings(
        inputs({
          ...MINIMAL,
          'dump-path': 'C:\\app\\oracle\\admin\\ORCL\\dpdump\\',
          'copy-to': '\\\\nas01\\backups\\oracle\n\\\\?\\UNC\\nas02\\share\\x\nD:/Backups/Oracle',
        }),
        { GITHUB_WORKSPACE: 'D:\\a\\repo\\repo' },
      ),
    );
    expect(settings).toMatchObject({
      dumpPath: 'C:\\app\\oracle\\admin\\ORCL\\dpdump\\',
      workDir: 'C:\\app\\oracle\\admin\\ORCL\\dpdump\\',
      logDir: 'C:\\app\\oracle\\admin\\ORCL\\dpdump\\logs',
      copyTo: ['\\\\nas01\\backups\\oracle', '\\\\?\\UNC\\nas02\\share\\x', 'D:/Backups/Oracle'],
    });
  });

  it('joins log-dir below a UNC work-dir', () => {
    const settings = settingsOf(parseSettings(inputs({ ...MINIMAL, 'work-dir': '\\\\nas01\\stage' }), ENV));
    expect(settings.logDir).toBe('\\\\nas01\\stage\\logs');
  });

  it('expands ~ and refuses drive-relative paths, duplicates and line breaks', () => {
    expect(
      settingsOf(
        parseSettings(inputs({ ...MINIMAL, 'work-dir': '~/stage' }), { ...ENV, HOME: '/home/oracle' }),
      ).workDir,
    ).toBe('/home/oracle/stage');
    const errors = errorsOf(
      parseSettings(
        inputs({ ...MINIMAL, 'work-dir': 'C:stage', 'copy-to': '/mnt/a\n/mnt/a', 'log-dir': '/x\ty' }),
        ENV,
      ),
    );
    expect(errors).toEqual([
      'work-dir: "C:stage" is not allowed; it is relative to a drive; use a full path such as C:\\backups.',
      'copy-to: "/mnt/a" is not allowed; it is listed twice; list each folder once.',
      'log-dir: "/x\\ty" is not allowed; it contains a line break or control character; use a single folder path.',
    ]);
  });

  it('warns when a copy-to folder is the work-dir', () => {
    const result = parseSettings(inputs({ ...MINIMAL, 'copy-to': MINIMAL['dump-path'] }), ENV);
    expect(result).toMatchObject({
      ok: true,
      warnings: [expect.stringMatching(/^copy-to: .* is the work-dir itself/)],
    });
  });
});
