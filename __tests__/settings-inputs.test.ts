import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';

const calls: string[] = [];
let given: Record<string, string> = {};

vi.mock('@actions/core', () => ({
  getInput: vi.fn((name: string) => {
    calls.push(`getInput ${name}`);
    return given[name] ?? '';
  }),
  getBooleanInput: vi.fn(() => {
    throw new Error('getBooleanInput must not be used: it throws on empty inputs');
  }),
  setSecret: vi.fn((value: string) => calls.push(`setSecret ${value}`)),
  warning: vi.fn((message: string) => calls.push(`warning ${message}`)),
  info: vi.fn((message: string) => calls.push(`info ${message}`)),
}));

const { ConfigurationError, INPUT_NAMES, loadSettings, readRawInputs } =
  await import('../src/settings/inputs.js');

const VALID = {
  'connect-string': 'dbhost:1521/ORCLPDB1',
  username: 'backup_admin',
  password: 'S3cret!pw',
  schemas: 'HR',
  'dump-path': '/u01/dpdump',
};

beforeEach(() => {
  calls.length = 0;
  given = {};
});

describe('readRawInputs', () => {
  it('reads every input with getInput', () => {
    given = { schemas: 'HR' };
    const raw = readRawInputs();
    expect(Object.keys(raw)).toEqual([...INPUT_NAMES]);
    expect(raw.schemas).toBe('HR');
    expect(raw['dry-run']).toBe('');
  });
});

describe('loadSettings', () => {
  it('masks every secret and returns the settings, secrets and warnings', () => {
    given = { ...VALID, 'archive-password': 'line one\nline two', 'expdp-parameters': 'COMPRESSION=ALL' };
    const loaded = loadSettings({ GITHUB_WORKSPACE: '/ws' });
    expect(loaded.settings.schemas).toEqual([
      { name: 'HR', username: 'backup_admin', password: 'S3cret!pw', timeoutMs: 3_600_000 },
    ]);
    expect(loaded.warnings).toEqual([expect.stringMatching(/^expdp-parameters: COMPRESSION=ALL needs/)]);
    const masked = calls.filter((c) => c.startsWith('setSecret ')).map((c) => c.slice('setSecret '.length));
    expect(masked).toEqual(
      expect.arrayContaining([
        'S3cret!pw',
        'line one\nline two',
        'line one',
        'line two',
        'backup_admin/S3cret!pw@dbhost:1521/ORCLPDB1',
      ]),
    );
    expect(loaded.secrets).toEqual(expect.arrayContaining(['S3cret!pw', 'line one\nline two']));
    // Warnings are logged by the caller with the run, not here.
    expect(calls.some((c) => c.startsWith('warning'))).toBe(false);
  });

  it('masks secrets before throwing a ConfigurationError with every problem', () => {
    given = { ...VALID, 'connect-string': 'scott/tiger@db', 'compression-level': '12' };
    let caught: unknown;
    try {
      loadSettings({ GITHUB_WORKSPACE: '/ws' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as InstanceType<typeof ConfigurationError>;
    expect(error.errors).toHaveLength(2);
    expect(error.message).toBe(
      `Invalid configuration (2 problems):\n- ${error.errors[0]}\n- ${error.errors[1]}`,
    );
    expect(error.message).not.toContain('tiger');
    expect(calls).toEqual(expect.arrayContaining(['setSecret tiger', 'setSecret scott/tiger@db']));
  });

  it('says "1 problem" for a single one', () => {
    expect(new ConfigurationError(['x: "y" is not allowed; use z.']).message).toBe(
      'Invalid configuration (1 problem):\n- x: "y" is not allowed; use z.',
    );
  });

  it('resolves relative paths against the process folder when neither GITHUB_WORKSPACE nor PWD is set', () => {
    given = { ...VALID, 'dump-path': 'dp' };
    expect(loadSettings({}).settings.dumpPath).toBe(`${process.cwd()}/dp`);
  });
});

describe('loadSettings with a config file', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'oba-inputs-'));
  writeFileSync(
    path.join(workspace, 'backup.yml'),
    YAML.stringify({
      'connect-string': 'dbhost:1521/ORCLPDB1',
      username: 'backup_admin',
      'password-env': 'ORACLE_PASSWORD',
      schemas: ['HR', 'SALES'],
      'dump-path': '/u01/dpdump',
      'compression-level': 9,
    }),
  );
  const env = { GITHUB_WORKSPACE: workspace, ORACLE_PASSWORD: 'Env#Secret9' };

  it('returns where the settings came from, and logs each override without a secret', () => {
    given = {
      config: 'backup.yml',
      'compression-level': '3',
      password: 'Workflow#Secret8',
      'report-language': 'es',
    };
    const loaded = loadSettings(env);
    expect(loaded.settings.compressionLevel).toBe(3);
    expect(loaded.settings.schemas.map((s) => s.password)).toEqual(['Workflow#Secret8', 'Workflow#Secret8']);
    expect(loaded.sources).toEqual({
      configPath: 'backup.yml',
      counts: { config: 4, workflow: 3, default: INPUT_NAMES.length - 1 - 7 },
      overrides: [
        { name: 'password', fileKey: 'password-env', secret: true },
        {
          name: 'compression-level',
          fileKey: 'compression-level',
          secret: false,
          workflowValue: '3',
          fileValue: '9',
        },
      ],
    });
    const info = calls.filter((c) => c.startsWith('info ')).join('\n');
    expect(info).toContain('compression-level: the workflow input "3" is used, not the file\'s "9"');
    expect(info).toContain(
      "password: the workflow input is used, not the file's password-env (a secret: values not shown)",
    );
    for (const secret of ['Workflow#Secret8', 'Env#Secret9']) expect(info).not.toContain(secret);
  });

  it('names the file in a problem of a setting it gave, and not in one the workflow gave', () => {
    writeFileSync(
      path.join(workspace, 'bad.yml'),
      YAML.stringify({ schemas: 'HR', 'compression-level': 12, 'dump-path': '/u01/dpdump' }),
    );
    given = { config: 'bad.yml', 'connect-string': 'db:1521/PDB', 'keep-min': 'many' };
    let caught: unknown;
    try {
      loadSettings(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    const errors = (caught as InstanceType<typeof ConfigurationError>).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^compression-level \(from bad\.yml\): "12" is not allowed; /),
        expect.stringMatching(/^keep-min: "many" is not allowed; /),
      ]),
    );
  });

  it('returns no sources without a config file', () => {
    given = { ...VALID };
    expect(loadSettings(env).sources).toBeUndefined();
  });
});
