// Runs the export clients (expdp, exp, and expdp ATTACH= to stop a job): the only place that spawns them. The
// parfile (with the password) lives in a private temporary folder, mode 0600, and is deleted in `finally`, whatever
// happens. A run that passes its time limit, or is cancelled, first has its server-side job stopped (the caller's
// `stopJob`), then the client is killed: killing only the client would leave the Data Pump job running.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProcessResult } from '../types.js';

/** How a server-side job was stopped (or why it was not). */
export interface JobStopReport {
  method: 'database' | 'expdp-attach';
  /** The stop was accepted (STOP_JOB ran, or KILL_JOB was confirmed), or the job did not exist. */
  ok: boolean;
  /** The job is gone from DBA_DATAPUMP_JOBS/USER_DATAPUMP_JOBS (or the attached client confirmed it). */
  gone: boolean;
  /** The job existed when it was stopped; false when it had not started yet (or had ended already). */
  found: boolean;
  /** One sentence for the report. */
  detail: string;
  durationMs: number;
}

export interface ExportRunRequest {
  /** Path of the export client. */
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
  /** Aborted when the run is cancelled (SIGINT/SIGTERM to the action). */
  signal?: AbortSignal;
  /** Stops the server-side job before the client is killed; absent for exp (its session dies with it). */
  stopJob?: (reason: 'timeout' | 'cancelled') => Promise<JobStopReport>;
  /** Extra environment for the client (tests point the simulator at its configuration). */
  env?: NodeJS.ProcessEnv;
}

export interface ExportRunResult extends ProcessResult {
  /** The run was cancelled while the client ran. */
  cancelled?: boolean;
  /** What stopping the server-side job did, when it had to be stopped. */
  jobStop?: JobStopReport;
}

/** The seam between the pipeline and the export tool; tests may swap it. */
export interface ExportRunner {
  run(request: ExportRunRequest): Promise<ExportRunResult>;
}

/** Output kept per stream: the end is what matters for diagnosis, and a runaway client must not eat memory. */
const MAX_CAPTURE = 4 * 1024 * 1024;
/** After SIGTERM, how long the client gets before SIGKILL (shorter when cancelled: the runner is waiting). */
const KILL_GRACE_MS = 5_000;
const CANCEL_KILL_GRACE_MS = 1_000;
/** Once its job is stopped, the client normally ends by itself ("stopped due to fatal error"): a short wait. */
const CLIENT_EXIT_WAIT_MS = 2_000;

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

/** Writes the parfile into a private folder, runs `fn` with its path, and removes the folder whatever happens. */
export async function withPrivateParfile<T>(
  request: { parfile: string; jobName: string; tempRoot?: string; onTempDir?: (dir: string) => void },
  fn: (parfilePath: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(request.tempRoot ?? tmpdir(), 'oracle-backup-'));
  request.onTempDir?.(dir);
  const parfilePath = path.join(dir, `${request.jobName}.par`);
  try {
    await writeFile(parfilePath, request.parfile, { mode: 0o600, flag: 'wx' });
    return await fn(parfilePath);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const expdpProcessRunner: ExportRunner = {
  run: (request) =>
    withPrivateParfile(request, (parfilePath) => runClient(request, [`parfile=${parfilePath}`])),
};

function runClient(request: ExportRunRequest, args: string[]): Promise<ExportRunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    // stdin is closed: a wrong password makes expdp re-prompt `Username:` and it would wait forever on an open one.
    const child = spawn(request.executable, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnvironment({ ...process.env, ...request.env }),
      windowsHide: true,
    });
    const out = capture();
    const err = capture();
    child.stdout.on('data', out.add);
    child.stderr.on('data', err.add);
    let timedOut = false;
    let cancelled = false;
    let jobStop: JobStopReport | undefined;
    let stopping = false;
    let stopped = false;
    let exited = false;
    const timers: NodeJS.Timeout[] = [];

    const waitForExit = (ms: number) =>
      new Promise<void>((done) => {
        if (exited) return done();
        const t = setTimeout(done, ms);
        child.once('close', () => {
          clearTimeout(t);
          done();
        });
      });

    const stopServerJob = async (reason: 'timeout' | 'cancelled'): Promise<JobStopReport> => {
      try {
        return await request.stopJob!(reason);
      } catch (error) {
        return {
          method: 'database',
          ok: false,
          gone: false,
          found: true,
          detail: `stopping the job failed: ${(error as Error).message}`,
          durationMs: Date.now() - started,
        };
      }
    };

    // Past the limit or cancelled: stop the server job first, then end the client.
    const stop = async (reason: 'timeout' | 'cancelled') => {
      if (stopping || exited) return;
      stopping = true;
      const grace = reason === 'cancelled' ? CANCEL_KILL_GRACE_MS : KILL_GRACE_MS;
      if (request.stopJob) {
        jobStop = await stopServerJob(reason);
        await waitForExit(reason === 'cancelled' ? CANCEL_KILL_GRACE_MS : CLIENT_EXIT_WAIT_MS);
      }
      if (!exited) {
        child.kill('SIGTERM');
        timers.push(setTimeout(() => child.kill('SIGKILL'), grace));
      }
      // A job that did not exist yet may have been created by the client in the meantime: look once more, now
      // that the client (whose session creates it) is gone.
      if (request.stopJob && jobStop && !jobStop.found) {
        await waitForExit(grace + 1_000);
        const again = await stopServerJob(reason);
        if (again.found) jobStop = again;
      }
      stopped = true;
    };

    timers.push(
      setTimeout(() => {
        timedOut = true;
        void stop('timeout');
      }, request.timeoutMs),
    );
    const onAbort = () => {
      if (timedOut) return;
      cancelled = true;
      void stop('cancelled');
    };
    if (request.signal?.aborted) onAbort();
    else request.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const settle = async (exitCode: number | null, signal: string | null, extra = '') => {
      exited = true;
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      request.signal?.removeEventListener('abort', onAbort);
      // A stop in progress finishes first, so the result says whether the job is gone.
      while (stopping && !stopped) await new Promise((r) => setTimeout(r, 50));
      const stdout = out.text();
      const stderr = err.text() + extra;
      resolve({
        exitCode,
        signal,
        stdout,
        stderr,
        timedOut,
        cancelled,
        jobStop,
        durationMs: Date.now() - started,
      });
    };
    // A missing or non-executable program fails here, possibly without a 'close' event.
    child.on(
      'error',
      (error) =>
        void settle(child.exitCode ?? 1, null, `\ncannot run ${request.executable}: ${error.message}`),
    );
    child.on('close', (code, signal) => void settle(code, signal));
  });
}

/** What `expdp ATTACH=` needs to stop a job without database queries. */
export interface AttachRequest {
  executable: string;
  /** `USERID=...` and `ATTACH=...` lines, password included. */
  parfile: string;
  jobName: string;
  timeoutMs: number;
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `expdp parfile=...` with `ATTACH=` and answers its interactive prompts: `KILL_JOB` at `Export>`, then `yes`
 * at `Are you sure you wish to stop this job ([yes]/no):`. Resolves when the client exits (it waits for the job to
 * go) or the time limit passes.
 */
export function runAttachKill(request: AttachRequest): Promise<{
  exitCode: number | null;
  output: string;
  confirmed: boolean;
  timedOut: boolean;
}> {
  return withPrivateParfile(
    request,
    (parfilePath) =>
      new Promise((resolve) => {
        const child = spawn(request.executable, [`parfile=${parfilePath}`], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: childEnvironment({ ...process.env, ...request.env }),
          windowsHide: true,
        });
        let output = '';
        let asked = false;
        let confirmed = false;
        let timedOut = false;
        child.stdin.on('error', () => undefined);
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.length > MAX_CAPTURE) output = output.slice(-MAX_CAPTURE);
          const tail = output.slice(-200);
          if (!asked && /Export>\s*$/.test(tail)) {
            asked = true;
            child.stdin.write('KILL_JOB\n');
          } else if (asked && !confirmed && /\(\[yes\]\/no\):\s*$/.test(tail)) {
            confirmed = true;
            child.stdin.end('yes\n');
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, request.timeoutMs);
        let done = false;
        const finish = (exitCode: number | null, extra = '') => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ exitCode, output: output + extra, confirmed, timedOut });
        };
        child.on('error', (error) => finish(1, `\ncannot run ${request.executable}: ${error.message}`));
        child.on('close', (code) => finish(code));
      }),
  );
}
