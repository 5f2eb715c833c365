// End to end: the bundled action configured only by `config: backup.yml`, with secrets through *-env variables.
import { existsSync, readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { RunReport } from '../src/run-report.js';
import { runAction, type ActionRun } from './helpers/run-action.js';
import { ARCHIVE_PASSWORD, PASSWORD, scenario, type Scenario } from './helpers/scenario.js';
import { readSimCalls, SIM_ORACLE_HOME, writeSimConfig } from './oracle-sim/sim.js';

const FIN_PASSWORD = 'Fin#Own_Secret77';
const SCHEMAS = {
  HR: { behavior: 'success' as const, tables: 3 },
  SALES: { behavior: 'success' as const, tables: 2 },
  FIN: { behavior: 'success' as const, tables: 2 },
};

/** The action's log as the runner shows it (mask commands consumed). */
function shownLog(result: ActionRun): string {
  return result.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

async function configRun(
  s: Scenario,
  file: unknown,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  await writeFile(path.join(s.root, 'backup.yml'), YAML.stringify(file));
  return runAction({
    inputs: { config: 'backup.yml', ...inputs },
    env: {
      ORACLE_SIM_CONFIG: s.config,
      GITHUB_WORKSPACE: s.root,
      ORACLE_PASSWORD: PASSWORD,
      FIN_PASSWORD,
      ZIP_PASSWORD: ARCHIVE_PASSWORD,
    },
  });
}

describe('the bundled action configured by a config file', () => {
  let s: Scenario;
  let file: Record<string, unknown>;
  let result: ActionRun;
  beforeAll(async () => {
    s = await scenario(SCHEMAS);
    // FIN logs in as itself, with its own password.
    writeSimConfig(s.root, {
      ...(JSON.parse(readFileSync(s.config, 'utf8')) as Parameters<typeof writeSimConfig>[1]),
      users: { BACKUP: PASSWORD, FIN: FIN_PASSWORD },
    });
    file = {
      'connect-string': 'dbhost:1521/ORCLPDB1',
      username: 'backup',
      'password-env': 'ORACLE_PASSWORD',
      'archive-password-env': 'ZIP_PASSWORD',
      schemas: [
        'HR',
        { name: 'SALES', timeout: '2h' },
        { name: 'FIN', username: 'fin', 'password-env': 'FIN_PASSWORD' },
      ],
      'dump-path': s.dumpDir,
      'oracle-home': SIM_ORACLE_HOME,
      'oracle-queries': false,
      'work-dir': s.workDir,
      'copy-to': [s.shareDir],
      'archive-per': 'schema',
      'keep-dumps': false,
    };
    result = await configRun(s, file);
  });

  it('backs up every schema of the file, each with its own login', async () => {
    expect(result.stderr).toBe('');
    expect(result.outputs.status).toBe('success');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.archives!.split('\n').map((a) => path.basename(a).split('_')[0])).toEqual([
      'HR',
      'SALES',
      'FIN',
    ]);
    const copies = (await readdir(s.shareDir)).filter((n) => n.endsWith('.zip'));
    expect(copies).toHaveLength(3);
    const logins = readSimCalls(s.record)
      .filter((c) => c.parfile !== '')
      .map((c) => /USERID=\S+/.exec(c.parfileText)?.[0]);
    expect(logins).toEqual([
      expect.stringMatching(/^USERID=backup\//i),
      expect.stringMatching(/^USERID=backup\//i),
      expect.stringMatching(/^USERID=fin\//i),
    ]);
  });

  it('says which settings came from the file, and masks the passwords read through -env', () => {
    const log = shownLog(result);
    expect(log).toContain('Settings from backup.yml: ');
    expect(log).toMatch(/Settings from backup\.yml: .*connect-string.*schemas/);
    for (const secret of [PASSWORD, FIN_PASSWORD, ARCHIVE_PASSWORD]) {
      expect(log).not.toContain(secret);
      expect(result.stdout).toContain(`::add-mask::${secret}`);
    }
  });

  it('does not pass the variables holding secrets on to expdp', () => {
    const calls = readSimCalls(s.record);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(Object.keys(call.env)).not.toContain('ORACLE_PASSWORD');
      for (const secret of [PASSWORD, FIN_PASSWORD, ARCHIVE_PASSWORD])
        expect(Object.values(call.env)).not.toContain(secret);
    }
    expect(shownLog(result)).toContain('ORACLE_PASSWORD holds a secret: it is not passed on');
  });

  it('refuses a password in the file before anything runs, and lets a workflow input override the file', async () => {
    const bad = await scenario(SCHEMAS);
    const refused = await configRun(bad, {
      ...file,
      'dump-path': bad.dumpDir,
      'work-dir': bad.workDir,
      'copy-to': [bad.shareDir],
      password: PASSWORD,
    });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.outputs.status).toBe('failure');
    // Nothing ran and nothing was written: no expdp call, no dump, no work-dir, no copy.
    expect(readSimCalls(bad.record)).toEqual([]);
    expect(await readdir(bad.dumpDir)).toEqual([]);
    expect(existsSync(bad.workDir)).toBe(false);
    expect(await readdir(bad.shareDir)).toEqual([]);
    expect(refused.outputs.archives).toBe('');
    expect(shownLog(refused)).toContain('config: "***" (key password) is not allowed');
    expect(shownLog(refused)).toContain('password-env: PASSWORD');
    expect(refused.summary).toContain(
      'The configuration is invalid (1 problem(s)); nothing was exported or deleted.',
    );
    expect(refused.summary).toContain('password-env: PASSWORD');
    for (const text of [shownLog(refused), refused.stderr, refused.summary, JSON.stringify(refused.outputs)])
      expect(text).not.toContain(PASSWORD);

    const other = await scenario(SCHEMAS);
    writeSimConfig(other.root, {
      ...(JSON.parse(readFileSync(other.config, 'utf8')) as Parameters<typeof writeSimConfig>[1]),
      users: { BACKUP: PASSWORD, FIN: FIN_PASSWORD },
    });
    // The workflow gives schemas (a different value) and the password (a secret the file reads from a variable).
    const overridden = await configRun(
      other,
      { ...file, 'dump-path': other.dumpDir, 'work-dir': other.workDir, 'copy-to': [other.shareDir] },
      { schemas: 'HR', password: PASSWORD },
    );
    expect(overridden.outputs.status).toBe('success');
    expect(overridden.outputs.archives!.split('\n')).toHaveLength(1);
    expect(shownLog(overridden)).toContain('set in the workflow instead of the file: password, schemas');
    expect(shownLog(overridden)).toContain(
      'schemas: the workflow input "HR" is used, not the file\'s "[ HR, { name: SALES, timeout: 2h }, ' +
        '{ name: FIN, username: fin, password-env: FIN_PASSWORD } ]"',
    );
    // The summary says the workflow input won, with both values; for the secret only where each came from.
    const summary = overridden.summary;
    expect(summary).toContain('### ⚙️ Settings');
    expect(summary).toMatch(
      /Configured from `backup\.yml`: 10 from the file · 2 from workflow inputs · \d+ at their defaults\./,
    );
    expect(summary).toContain('with different values: the workflow input won.');
    expect(summary).toContain(
      '| `schemas` | ✅ workflow input | `HR` | `[ HR, { name: SALES, timeout: 2h }, { name: FIN, username: fin, ' +
        'password-env: FIN_PASSWORD } ]` |',
    );
    expect(summary).toContain(
      '| `password` | ✅ workflow input | secret, not shown | `password-env` (secret, not shown) |',
    );
    const report = JSON.parse(readFileSync(overridden.outputs.report!, 'utf8')) as RunReport;
    expect(report.settingSources?.overrides.map((o) => [o.name, o.secret])).toEqual([
      ['password', true],
      ['schemas', false],
    ]);
    for (const text of [summary, shownLog(overridden), readFileSync(overridden.outputs.report!, 'utf8')])
      for (const secret of [PASSWORD, FIN_PASSWORD, ARCHIVE_PASSWORD]) expect(text).not.toContain(secret);
  });
});
