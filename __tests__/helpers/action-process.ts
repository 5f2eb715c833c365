// The bundled action as a process the test can signal (SIGINT, SIGKILL), and the post step run with its saved
// state, as the runner does.
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DIST_MAIN,
  DIST_POST,
  NODE24,
  parseCommandFile,
  runAction,
  runnerFiles,
  type ActionRun,
} from './run-action.js';
import type { Scenario } from './scenario.js';

/** The action under the given node, with a handle on the process (to signal it) and the runner's files. */
export async function startAction(s: Scenario, node = NODE24, extraEnv: Record<string, string> = {}) {
  const { runnerDir, files } = await runnerFiles();
  const runnerTemp = path.join(runnerDir, 'temp');
  await mkdir(runnerTemp);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerDir,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: runnerDir,
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '4242',
    ORACLE_SIM_CONFIG: s.config,
    ...files,
    ...extraEnv,
  };
  for (const [name, value] of Object.entries(s.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(node, [DIST_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const finished = async (): Promise<ActionRun & { runnerTemp: string; env: Record<string, string> }> => {
    const exitCode = await closed;
    return {
      exitCode,
      stdout,
      stderr: '',
      outputs: parseCommandFile(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      state: parseCommandFile(await readFile(files.GITHUB_STATE, 'utf8')),
      runnerTemp,
      env,
    };
  };
  return { child, finished, output: () => stdout };
}

/** The post step with the main step's saved state, as the runner passes it (STATE_<name>). */
export function runPost(s: Scenario, state: Record<string, string>, runnerTemp: string): Promise<ActionRun> {
  return runAction({
    inputs: s.inputs,
    script: DIST_POST,
    node: NODE24,
    env: {
      ORACLE_SIM_CONFIG: s.config,
      RUNNER_TEMP: runnerTemp,
      ...Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])),
    },
  });
}
