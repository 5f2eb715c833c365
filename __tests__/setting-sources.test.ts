// Where each setting came from when a config file is used: counts per source, and the settings the file and the
// workflow both gave with different values (the workflow input won), never with a secret's value.
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../src/settings/config-file.js';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { isSecretSetting, settingSources, SHOWN_VALUE_MAX } from '../src/settings/sources.js';

const ENV = {
  GITHUB_WORKSPACE: '/home/runner/work/repo/repo',
  ORACLE_PASSWORD: 'Main#Secret1',
  FIN_PW: 'Fin#Secret2',
  SFTP_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeybody\n-----END OPENSSH PRIVATE KEY-----',
};

const FILE: Record<string, unknown> = {
  'connect-string': 'dbhost:1521/ORCLPDB1',
  username: 'backup_admin',
  'password-env': 'ORACLE_PASSWORD',
  schemas: [
    'HR',
    { name: 'SALES', timeout: '2h' },
    { name: 'FIN', username: 'fin', 'password-env': 'FIN_PW' },
  ],
  'compression-level': 9,
  'copy-to': ['/mnt/a', '/mnt/b'],
  'sftp-host': 'sftp.example.com',
  'sftp-private-key-env': 'SFTP_KEY',
  timeout: '1h',
};

/** Every input as the runner gives it: '' unless set. */
function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])), config: 'backup.yml', ...overrides };
}

function sourcesOf(given: Record<string, string>, file: Record<string, unknown> = FILE) {
  const merged = mergeConfig(given, file, ENV);
  expect(merged.errors).toEqual([]);
  return settingSources({
    configPath: given.config ?? '',
    given,
    file,
    fromFile: merged.fromFile,
    sources: merged.sources,
  });
}

describe('settingSources', () => {
  it('counts every setting but config once: from the file, the workflow or the defaults', () => {
    const sources = sourcesOf(inputs({ 'report-language': 'es' }));
    // 9 keys in the file (password-env and sftp-private-key-env count as password and sftp-private-key).
    expect(sources.counts).toEqual({ config: 9, workflow: 1, default: INPUT_NAMES.length - 1 - 10 });
    expect(sources.configPath).toBe('backup.yml');
    // report-language is only in the workflow: nothing was overridden.
    expect(sources.overrides).toEqual([]);
  });

  it('lists a setting given in both places with different values, with both values, the workflow winning', () => {
    const sources = sourcesOf(inputs({ 'compression-level': '3', schemas: 'HR', timeout: '1h' }));
    expect(sources.overrides).toEqual([
      {
        name: 'schemas',
        fileKey: 'schemas',
        secret: false,
        workflowValue: 'HR',
        fileValue: '[ HR, { name: SALES, timeout: 2h }, { name: FIN, username: fin, password-env: FIN_PW } ]',
      },
      {
        name: 'compression-level',
        fileKey: 'compression-level',
        secret: false,
        workflowValue: '3',
        fileValue: '9',
      },
    ]);
    // timeout had the same value in both places: counted as the workflow's, but not an override.
    expect(sources.counts.workflow).toBe(3);
  });

  it('compares lists by their items and schemas by the names they select', () => {
    const sources = sourcesOf(
      inputs({
        'copy-to': '/mnt/a, /mnt/b',
        schemas: '- HR\n- name: SALES\n  timeout: 2h\n- name: FIN\n  username: fin\n  password: Fin#Secret2',
      }),
    );
    expect(sources.overrides).toEqual([]);
    const other = sourcesOf(inputs({ 'copy-to': '/mnt/a\n/mnt/c' }));
    expect(other.overrides).toEqual([
      {
        name: 'copy-to',
        fileKey: 'copy-to',
        secret: false,
        workflowValue: '/mnt/a, /mnt/c',
        fileValue: '[ /mnt/a, /mnt/b ]',
      },
    ]);
  });

  it('never records a secret: a secret in both places is listed without either value', () => {
    const secrets = ['Main#Secret1', 'WorkflowPassword!', 'Other#Key', 'Fin#Secret2', 'AAAAkeybody'];
    const sources = sourcesOf(
      inputs({
        password: 'WorkflowPassword!',
        'sftp-private-key': 'Other#Key',
        schemas: '- name: HR\n  password: Fin#Secret2',
      }),
    );
    expect(sources.overrides).toEqual([
      { name: 'password', fileKey: 'password-env', secret: true },
      {
        name: 'schemas',
        fileKey: 'schemas',
        secret: false,
        workflowValue: '[ { name: HR, password: "***" } ]',
        fileValue: '[ HR, { name: SALES, timeout: 2h }, { name: FIN, username: fin, password-env: FIN_PW } ]',
      },
      { name: 'sftp-private-key', fileKey: 'sftp-private-key-env', secret: true },
    ]);
    const text = JSON.stringify(sources);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('shows long values clipped on one line', () => {
    const long = `/mnt/${'x'.repeat(400)}`;
    const sources = sourcesOf(inputs({ 'dump-name': 'a\nb' }), { ...FILE, 'dump-name': long });
    const [override] = sources.overrides;
    expect(override?.workflowValue).toBe('a b');
    expect(override?.fileValue).toHaveLength(SHOWN_VALUE_MAX);
    expect(override?.fileValue?.endsWith('…')).toBe(true);
  });

  it('knows which settings are secrets', () => {
    for (const name of [
      'password',
      'archive-password',
      'sftp-password',
      'smtp-password',
      'sftp-private-key',
      'sftp-passphrase',
      'password-env',
      'smtp-password-env',
    ])
      expect(isSecretSetting(name), name).toBe(true);
    for (const name of ['username', 'sftp-fingerprint', 'schemas', 'smtp-ca', 'config'])
      expect(isSecretSetting(name), name).toBe(false);
  });
});
