// The `config` input: the file's shape, secrets through `-env` keys only, and the workflow's inputs over the file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from '../scripts/docs.js';
import { ConfigFileSchema, mergeConfig, readConfigFile } from '../src/settings/config-file.js';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseSettings } from '../src/settings/settings.js';
import { REPO_ROOT } from './helpers/run-action.js';

const WORKSPACE = '/home/runner/work/repo/repo';

/** Every input as the runner gives it: '' unless set. */
function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])), ...overrides };
}

const FILE = {
  'connect-string': 'dbhost:1521/ORCLPDB1',
  username: 'backup_admin',
  'password-env': 'ORACLE_PASSWORD',
  schemas: [
    'HR',
    { name: 'SALES', timeout: '2h', parallel: 2 },
    { name: 'FIN', username: 'fin', 'password-env': 'FIN_PW' },
  ],
  'dump-path': '/u01/dpdump',
  'compression-level': 9,
  'keep-dumps': true,
  'copy-to': ['/mnt/a', '/mnt/b'],
  'retention-overrides': { sftp: { 'retention-days': 30 } },
};
const ENV = { GITHUB_WORKSPACE: WORKSPACE, ORACLE_PASSWORD: 'Main#Secret1', FIN_PW: 'Fin#Secret2' };

describe('mergeConfig', () => {
  it('turns the file into inputs; -env keys read the environment and are masked', () => {
    const merged = mergeConfig(inputs(), FILE, ENV);
    expect(merged.errors).toEqual([]);
    expect(merged.raw.password).toBe('Main#Secret1');
    expect(merged.raw['compression-level']).toBe('9');
    expect(merged.raw['keep-dumps']).toBe('true');
    expect(merged.raw['copy-to']).toBe('/mnt/a\n/mnt/b');
    expect(YAML.parse(merged.raw['retention-overrides']!, { schema: 'failsafe' })).toEqual({
      sftp: { 'retention-days': '30' },
    });
    expect(merged.secrets.sort()).toEqual(['Fin#Secret2', 'Main#Secret1']);
    expect(merged.sources).toMatchObject({
      'connect-string': 'config',
      password: 'config',
      schemas: 'config',
      directory: 'default',
    });

    const result = parseSettings(merged.raw, ENV);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.settings.schemas.map((s) => [s.name, s.username, s.password, s.timeoutMs])).toEqual([
      ['HR', 'backup_admin', 'Main#Secret1', 3_600_000],
      ['SALES', 'backup_admin', 'Main#Secret1', 7_200_000],
      ['FIN', 'fin', 'Fin#Secret2', 3_600_000],
    ]);
    expect(result.settings.schemas[1]!.parallel).toBe(2);
    expect(result.settings.copyTo).toEqual(['/mnt/a', '/mnt/b']);
    expect(result.settings.compressionLevel).toBe(9);
  });

  it('a non-empty workflow input overrides the file; an empty one does not', () => {
    const merged = mergeConfig(inputs({ 'connect-string': 'other:1521/PDB2', username: '' }), FILE, ENV);
    expect(merged.raw['connect-string']).toBe('other:1521/PDB2');
    expect(merged.sources['connect-string']).toBe('workflow');
    expect(merged.raw.username).toBe('backup_admin');
    expect(merged.sources.username).toBe('config');
  });

  it('a secret given in the workflow wins over its -env key, which then needs no variable', () => {
    const merged = mergeConfig(inputs({ password: 'FromWorkflow' }), FILE, { ...ENV, ORACLE_PASSWORD: '' });
    expect(merged.errors).toEqual([]);
    expect(merged.raw.password).toBe('FromWorkflow');
    expect(merged.sources.password).toBe('workflow');
  });

  it("a workflow schemas input makes the file's per-schema variables unnecessary, but the file is still checked", () => {
    const env = { GITHUB_WORKSPACE: WORKSPACE, ORACLE_PASSWORD: 'Main#Secret1' };
    const merged = mergeConfig(inputs({ schemas: 'HR' }), FILE, env);
    expect(merged.errors).toEqual([]);
    expect(merged.raw.schemas).toBe('HR');
    expect(merged.secrets).toEqual(['Main#Secret1']);
    // Without the override, the unset variable is an error.
    expect(mergeConfig(inputs(), FILE, env).errors).toEqual([
      expect.stringMatching(/^config: "FIN_PW" \(password-env of schemas item 3\) is not allowed; /),
    ]);
    // A bad variable name or key in the file's list is still reported.
    const bad = { ...FILE, schemas: [{ name: 'FIN', 'password-env': 'not a name' }] };
    expect(mergeConfig(inputs({ schemas: 'HR' }), bad, env).errors).toEqual([
      expect.stringMatching(/^config: schemas item 1 is not allowed; /),
    ]);
  });

  it('refuses every secret in the file, naming the key and showing the -env form, without the value', () => {
    const file = {
      password: 'oops1',
      'archive-password': 'oops2',
      'sftp-password': 'oops3',
      'sftp-private-key': 'oops4',
      'sftp-passphrase': 'oops5',
      'smtp-password': 'oops6',
      schemas: [{ name: 'HR', username: 'hr', password: 'oops7' }],
    };
    const { errors } = mergeConfig(inputs(), file, ENV);
    expect(errors).toHaveLength(7);
    expect(errors[0]).toBe(
      'config: "***" (key password) is not allowed; secrets never live in the configuration file: write ' +
        'password-env: PASSWORD there and set that environment variable from a secret in the workflow ' +
        '(env: PASSWORD: ${{ secrets.PASSWORD }}), or pass password as an input of the step.',
    );
    expect(errors[4]).toContain('sftp-passphrase-env: SFTP_PASSPHRASE');
    expect(errors[6]).toContain('(password of schemas item 1)');
    expect(errors[6]).toContain('password-env: PASSWORD');
    expect(errors.join('\n')).not.toMatch(/oops/);
  });

  it('reports an unset -env variable, per schema too', () => {
    const { errors } = mergeConfig(inputs(), FILE, { GITHUB_WORKSPACE: WORKSPACE });
    expect(errors).toEqual([
      'config: "ORACLE_PASSWORD" (password-env) is not allowed; the environment variable ORACLE_PASSWORD is not ' +
        'set or empty; set it in the workflow from a secret (env: ORACLE_PASSWORD: ${{ secrets.ORACLE_PASSWORD }}).',
      'config: "FIN_PW" (password-env of schemas item 3) is not allowed; the environment variable FIN_PW is not ' +
        'set or empty; set it in the workflow from a secret (env: FIN_PW: ${{ secrets.FIN_PW }}).',
    ]);
  });

  it('lists every unknown key and bad value at once', () => {
    const { errors } = mergeConfig(
      inputs(),
      { schemas: 'HR', 'compresion-level': 9, dump_name: 'x', config: 'other.yml', timeout: { h: 1 } },
      ENV,
    );
    expect(errors).toEqual([
      'config: "compresion-level" (key) is not allowed; it is not an input of this action.',
      'config: "dump_name" (key) is not allowed; it is not an input of this action; did you mean dump-name?.',
      'config: "config" (key) is not allowed; a configuration file cannot name another one.',
      expect.stringMatching(/^config: "timeout" \(key\) is not allowed; its value is not valid: /),
    ]);
  });

  it('refuses unknown keys in a schema mapping', () => {
    const { errors } = mergeConfig(inputs(), { schemas: [{ name: 'HR', timeuot: '1h' }] }, ENV);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^config: schemas item 1 is not allowed; .*timeuot/);
  });
});

describe('readConfigFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'oba-config-'));
  const env = { GITHUB_WORKSPACE: dir };

  it('reads YAML and JSON relative to the workspace, with the same result', () => {
    writeFileSync(path.join(dir, 'backup.yml'), YAML.stringify(FILE));
    writeFileSync(path.join(dir, 'backup.json'), JSON.stringify(FILE));
    const yaml = readConfigFile('backup.yml', env);
    const json = readConfigFile('backup.json', env);
    expect(yaml.errors).toEqual([]);
    expect(yaml.file).toEqual(FILE);
    expect(json.file).toEqual(FILE);
    expect(mergeConfig(inputs(), yaml.file, ENV)).toEqual(mergeConfig(inputs(), json.file, ENV));
  });

  it('says when the file is missing or not valid', () => {
    writeFileSync(path.join(dir, 'broken.json'), '{"schemas": ');
    expect(readConfigFile('missing.yml', env).errors[0]).toMatch(
      /^config: "missing.yml" is not allowed; the file .* cannot be read \(ENOENT\)/,
    );
    expect(readConfigFile('broken.json', env).errors[0]).toMatch(
      /^config: "broken.json" is not allowed; it cannot be read as JSON/,
    );
    expect(readConfigFile('', env)).toEqual({ errors: [] });
  });
});

describe('the JSON Schema of the configuration file', () => {
  it('is committed as npm run docs generates it from the validator', () => {
    const committed = readFileSync(path.join(REPO_ROOT, CONFIG_SCHEMA_PATH), 'utf8');
    expect(committed, 'run npm run docs').toBe(renderConfigSchema());
  });

  it('accepts a complete file and rejects a misspelled key or a secret', () => {
    expect(ConfigFileSchema.safeParse(FILE).success).toBe(true);
    expect(ConfigFileSchema.safeParse({ ...FILE, 'compresion-level': 9 }).success).toBe(false);
    expect(ConfigFileSchema.safeParse({ ...FILE, password: 'x' }).success).toBe(false);
  });

  it('validates the example configuration files', () => {
    const example = YAML.parse(
      readFileSync(path.join(REPO_ROOT, 'examples', 'config', 'backup.yml'), 'utf8'),
    );
    const parsed = ConfigFileSchema.safeParse(example);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const env = {
      GITHUB_WORKSPACE: WORKSPACE,
      ORACLE_PASSWORD: 'pw-a',
      ARCHIVE_PASSWORD: 'archive-pw-b',
      FINANCE_PASSWORD: 'pw-c',
    };
    const merged = mergeConfig(inputs(), example, env);
    expect(merged.errors).toEqual([]);
    const settings = parseSettings(merged.raw, env);
    expect(settings.ok ? [] : settings.errors).toEqual([]);
  });
});
