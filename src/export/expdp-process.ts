// Runs the expdp client: the only place that spawns it. The parfile (with the password) lives in a private
// temporary folder, mode 0600, and is deleted in `finally`, whatever happens.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProcessResult } from '../types.js';

export interface ExportRunRequest {
  /** Path of the expdp executable. */
  executable: string;
  /** Full parfile text, password included. */
  parfile: string;
  /** Used for the parfile's name only. */
  jobName: string;
  timeoutMs: number;
  /** Where private temporary folders go (RUNNER_TEMP on a runner). */
  tempRoot?: string;
  /** Called with the private folder so a post step can remove it if the process dies. */
  onTempDir?: (dir: string) => void;
}

/** The seam between the pipeline and the export tool; tests may swap it. */
export interface ExportRunner {
  run(request: ExportRunRequest): Promise<ProcessResult>;
}

/** Output kept per stream: the end is what matters for diagnosis, and a runaway client must not eat memory. */
const MAX_CAPTURE = 4 * 1024 * 1024;
/** After SIGTERM, how long the client gets before SIGKILL. */
const KILL_GRACE_MS = 5_000;

/**
 * The child's environment: the runner's, minus the action's own inputs (INPUT_PASSWORD and friends would otherwise
 * reach expdp's environment), with messages forced to English so codes and lines parse the same everywhere.
 */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.toUpperCase().startsWith('INPUT_')) clean[key] = value;
  }
  clean.NLS_LANG = 'AMERICAN_AMERICA.AL32UTF8';
  return clean;
}

function capture(): { add: (chunk: Buffer) => void; text: () => string } {
  let chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > MAX_CAPTURE && chunks.length > 1) size -= chunks.shift()!.length;
    },
    text: () => {
      const text = Buffer.concat(chunks).toString('utf8');
      chunks = [];
      return text;
    },
  };
}

export const expdpProcessRunner: ExportRunner = {
  async run(request) {
    const dir = await mkdtemp(path.join(request.tempRoot ?? tmpdir(), 'oracle-backup-'));
    request.onTempDir?.(dir);
    const parfilePath = path.join(dir, `${request.jobName}.par`);
    try {
      await writeFile(parfilePath, request.parfile, { mode: 0o600, flag: 'wx' });
      return await spawnWithTimeout(request.executable, [`parfile=${parfilePath}`], request.timeoutMs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

function spawnWithTimeout(executable: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // stdin is closed: a wrong password makes expdp re-prompt `Username:` and it would wait forever on an open one.
    const child = spawn(executable, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnvironment(process.env),
      windowsHide: true,
    });
    const out = capture();
    const err = capture();
    child.stdout.on('data', out.add);
    child.stderr.on('data', err.add);
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    let settled = false;
    const settle = (exitCode: number | null, signal: string | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const stdout = out.text();
      const stderr = err.text() + extra;
      resolve({ exitCode, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    };
    // A missing or non-executable program fails here, possibly without a 'close' event.
    child.on('error', (error) =>
      settle(child.exitCode ?? 1, null, `\ncannot run ${executable}: ${error.message}`),
    );
    child.on('close', (code, signal) => settle(code, signal));
  });
}
