// Stopping a Data Pump job on the server, and waiting until it is gone: through the database
// (DBMS_DATAPUMP.ATTACH + STOP_JOB(h, 1, 0), then DBA_/USER_DATAPUMP_JOBS), or without database queries through
// `expdp ATTACH=JOB` answering KILL_JOB and yes. Also finds and cleans this action's orphaned jobs.
import type { Credential, DataPumpJob, OracleDatabase, OracleSession } from '../database/database.js';
import { errorCode } from '../database/database.js';
import { isOurJobName } from './parfile.js';
import { runAttachKill, type JobStopReport } from './expdp-process.js';

export interface JobToStop {
  jobName: string;
  /** The login that started the job; the owner is that login as Oracle knows it. */
  credential: Credential;
}

export interface JobStopper {
  stop(job: JobToStop, budgetMs: number): Promise<JobStopReport>;
}

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the job list until the job is gone or the time is up. */
async function waitUntilGone(
  session: OracleSession,
  owner: string,
  jobName: string,
  deadline: number,
): Promise<boolean> {
  for (;;) {
    const { jobs } = await session.dataPumpJobs();
    if (!jobs.some((j) => j.owner === owner && j.jobName === jobName)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

export function databaseJobStopper(database: OracleDatabase): JobStopper {
  return {
    async stop(job, budgetMs) {
      const started = Date.now();
      const deadline = started + budgetMs;
      let found = true;
      const report = (ok: boolean, gone: boolean, detail: string): JobStopReport => ({
        method: 'database',
        ok,
        gone,
        found,
        detail,
        durationMs: Date.now() - started,
      });
      let session: OracleSession;
      try {
        session = await database.session(job.credential);
      } catch (error) {
        return report(false, false, `could not log in to stop it: ${(error as Error).message}`);
      }
      const owner = session.info.user;
      const what = `${owner}.${job.jobName}`;
      try {
        await session.stopJob(owner, job.jobName);
      } catch (error) {
        // ORA-31626: the job has not started yet or is gone already; anything else is a real failure.
        if (errorCode(error) !== 'ORA-31626')
          return report(
            false,
            false,
            `DBMS_DATAPUMP.STOP_JOB for ${what} failed: ${(error as Error).message}`,
          );
        found = false;
      }
      try {
        const gone = await waitUntilGone(session, owner, job.jobName, deadline);
        return gone
          ? report(
              true,
              true,
              found
                ? `job ${what} stopped on the server (DBMS_DATAPUMP.STOP_JOB) and gone`
                : `job ${what} did not exist (not started yet, or already ended)`,
            )
          : report(
              true,
              false,
              `job ${what} was told to stop (DBMS_DATAPUMP.STOP_JOB) but is still listed after ${Math.round(budgetMs / 1000)}s`,
            );
      } catch (error) {
        return report(
          true,
          false,
          `job ${what}: could not check that it is gone: ${(error as Error).message}`,
        );
      }
    },
  };
}

export interface AttachStopperOptions {
  executable: string;
  connectString: string;
  /** USERID line with the password quoted as the export's own parfile does. */
  userid: (credential: Credential) => string;
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Without database queries: `expdp ATTACH=JOB`, `KILL_JOB`, `yes` (the job is attached as its own login). */
export function attachJobStopper(options: AttachStopperOptions): JobStopper {
  return {
    async stop(job, budgetMs) {
      const started = Date.now();
      const result = await runAttachKill({
        executable: options.executable,
        parfile: `${options.userid(job.credential)}\nATTACH=${job.jobName}\n`,
        jobName: `${job.jobName}_attach`,
        timeoutMs: budgetMs,
        tempRoot: options.tempRoot,
        onTempDir: options.onTempDir,
        env: options.env,
      });
      const base = { method: 'expdp-attach' as const, durationMs: Date.now() - started };
      if (/\bORA-31626\b/.test(result.output))
        return {
          ...base,
          ok: true,
          gone: true,
          found: false,
          detail: `job ${job.jobName} did not exist (not started yet, or already ended)`,
        };
      if (result.confirmed && result.exitCode === 0)
        return {
          ...base,
          ok: true,
          gone: true,
          found: true,
          detail: `job ${job.jobName} killed on the server (expdp ATTACH=${job.jobName}, KILL_JOB)`,
        };
      const last = result.output.trim().split('\n').pop()?.trim() ?? '';
      return {
        ...base,
        ok: result.confirmed,
        gone: false,
        found: true,
        detail: result.timedOut
          ? `expdp ATTACH=${job.jobName} did not finish within ${Math.round(budgetMs / 1000)}s`
          : `expdp ATTACH=${job.jobName} ended with exit code ${result.exitCode}${last ? `: ${last}` : ''}`,
      };
    },
  };
}

export interface OrphanReport {
  /** Jobs of this action found NOT RUNNING with no session, and what was done. */
  cleaned: Array<{ owner: string; jobName: string; how: string }>;
  failed: Array<{ owner: string; jobName: string; error: string }>;
  /** Jobs left alone: other tools' orphans, and this action's jobs still executing. */
  leftAlone: Array<{ owner: string; jobName: string; state: string; why: string }>;
  /** Logins that could only see their own jobs (no DBA_DATAPUMP_JOBS). */
  ownJobsOnly: string[];
}

const isOrphan = (j: DataPumpJob) => j.state === 'NOT RUNNING' && j.attachedSessions === 0;

/**
 * Stops and drops this action's orphaned jobs (named `OBA_...`, NOT RUNNING, no session attached): STOP_JOB
 * first, which drops the control table; when the job cannot be attached (its control table is all that is left),
 * the control table is dropped. Nothing else is ever touched.
 */
export async function cleanOrphans(sessions: OracleSession[]): Promise<OrphanReport> {
  const report: OrphanReport = { cleaned: [], failed: [], leftAlone: [], ownJobsOnly: [] };
  const seen = new Set<string>();
  for (const session of sessions) {
    const { jobs, scope } = await session.dataPumpJobs();
    if (scope === 'own') report.ownJobsOnly.push(session.info.user);
    for (const job of jobs) {
      const key = `${job.owner}.${job.jobName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (!isOurJobName(job.jobName)) {
        if (isOrphan(job)) report.leftAlone.push({ ...pick(job), why: 'not started by this action' });
        continue;
      }
      if (!isOrphan(job)) {
        report.leftAlone.push({
          ...pick(job),
          why: `an earlier run's job, ${job.state.toLowerCase()} with ${job.attachedSessions} session(s)`,
        });
        continue;
      }
      let how = 'stopped (DBMS_DATAPUMP.STOP_JOB), control table dropped';
      try {
        try {
          await session.stopJob(job.owner, job.jobName);
        } catch {
          await session.dropControlTable(job.owner, job.jobName);
          how = 'control table dropped (the job could not be attached)';
        }
        report.cleaned.push({ owner: job.owner, jobName: job.jobName, how });
      } catch (error) {
        report.failed.push({ owner: job.owner, jobName: job.jobName, error: (error as Error).message });
      }
    }
  }
  return report;
}

function pick(job: DataPumpJob): { owner: string; jobName: string; state: string } {
  return { owner: job.owner, jobName: job.jobName, state: job.state };
}
