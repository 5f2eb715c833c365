// A run of the bundled action against the simulated Oracle in fresh folders: what the end-to-end tests share.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SIM_ORACLE_HOME, writeSimConfig, type SimConfig } from '../oracle-sim/sim.js';
import { runAction, type ActionRun } from './run-action.js';

export const PASSWORD = 'Tiger#Secret_2026';
export const ARCHIVE_PASSWORD = 'zip-Secret-9f8e7d';

export function sevenZip(): string {
  for (const name of ['7zz', '7z']) {
    try {
      execFileSync('which', [name], { stdio: 'ignore' });
      return name;
    } catch {
      // next
    }
  }
  throw new Error('7-Zip (7zz or 7z) is required for the end-to-end tests: apt-get install 7zip');
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface Scenario {
  root: string;
  dumpDir: string;
  workDir: string;
  shareDir: string;
  record: string;
  /** The simulator's configuration file, found through ORACLE_SIM_CONFIG as expdp finds ORACLE_HOME. */
  config: string;
  inputs: Record<string, string>;
}

export async function scenario(
  schemas: SimConfig['schemas'],
  extraInputs: Record<string, string> = {},
): Promise<Scenario> {
  const root = await mkdtemp(path.join(tmpdir(), 'oba-e2e-'));
  const dumpDir = path.join(root, 'dpdump');
  const workDir = path.join(root, 'work');
  const shareDir = path.join(root, 'share', 'oracle');
  await mkdir(dumpDir, { recursive: true });
  // The copy-to share is there, as a mounted one is: the action never creates a destination folder.
  await mkdir(shareDir, { recursive: true });
  const record = path.join(root, 'calls.jsonl');
  const config = writeSimConfig(root, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { BACKUP: PASSWORD },
    record,
    schemas,
  });
  return {
    root,
    config,
    dumpDir,
    workDir,
    shareDir,
    record,
    inputs: {
      'connect-string': 'dbhost:1521/ORCLPDB1',
      username: 'backup',
      password: PASSWORD,
      schemas: Object.keys(schemas).join(', '),
      'dump-path': dumpDir,
      'oracle-home': SIM_ORACLE_HOME,
      // No listener for node-oracledb here: expdp alone (jobs stopped with ATTACH); the fake database is used in
      // the pipeline-level tests.
      'oracle-queries': 'false',
      'work-dir': workDir,
      'copy-to': shareDir,
      'archive-password': ARCHIVE_PASSWORD,
      ...extraInputs,
    },
  };
}

export async function run(s: Scenario, node?: string): Promise<ActionRun> {
  return runAction({ inputs: s.inputs, node, env: { ORACLE_SIM_CONFIG: s.config } });
}
