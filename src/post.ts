// The post step only cleans up and only warns. It finishes what a cancelled or killed main step could not: stops
// the Data Pump jobs it left running (it knows their names from the saved state), removes their partial dump files
// (by the run's tag in their names), the temporary files the main step left in work-dir and at every destination
// (their names say the main step wrote them), and the private folders (parfiles hold passwords), and says what it
// found. Every removal goes through deletion.ts.
import * as core from '@actions/core';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createOracleDatabase, type OracleDatabase } from './database/database.js';
import { thinDriver } from './database/thin.js';
import { localFile, removeFile } from './deletion.js';
import { openSftpPlace, sftpLabel } from './deliver/sftp.js';
import { templatePattern } from './export/dump-files.js';
import { useridLine } from './export/userid.js';
import { attachJobStopper, databaseJobStopper, type JobStopper } from './export/job-stop.js';
import type { JobEvent } from './pipeline.js';
import { locateClient } from './export/locate-client.js';
import { createFolderPlace } from './retention/folder-place.js';
import type { BackupPlace } from './retention/place.js';
import { loadSettings } from './settings/inputs.js';
import { sweepLines, sweepTemporaries } from './sweep.js';
import { exportTagOf } from './temporary-names.js';
import { rememberedJobs, rememberedRun, rememberedTempDirs } from './state.js';
import type { Settings } from './types.js';

/** The post step has no runner deadline after a cancellation, but must not hang either. */
const STOP_BUDGET_MS = 60_000;

/**
 * The same function under the name `@github/local-action` calls (`npx @github/local-action run . src/post.ts .env`);
 * the bundle's entry point, post-entry.ts, calls `post()`.
 */
export { post as run };

export async function post(): Promise<void> {
  const run = rememberedRun();
  const jobs = rememberedJobs();
  if (run?.phase === 'cancelled') core.info(`the main step was cancelled (${run.signal ?? 'signal'})`);
  else if (run?.phase === 'running')
    core.warning('the main step ended before it finished its report (killed?)');

  const unfinished = jobs.filter((j) => j.state === 'running' || j.state === 'left-running');
  for (const job of jobs.filter((j) => !unfinished.includes(j)))
    core.info(`job ${job.jobName} (${job.schema}): ${job.state} in the main step`);
  if (run?.phase !== 'finished')
    for (const job of jobs.filter((j) => j.state === 'completed')) await reportKeptDumps(job);
  let settings: Settings | undefined;
  const needSettings = unfinished.length > 0 || (run !== undefined && run.phase !== 'finished');
  if (needSettings) {
    try {
      settings = loadSettings().settings;
    } catch (error) {
      core.warning(`cannot read the inputs to clean up after the main step: ${(error as Error).message}`);
    }
  }
  if (unfinished.length > 0) await finishJobs(unfinished, settings);
  else if (jobs.length > 0) core.info('no Data Pump job was left running: nothing to stop');
  if (settings && run && run.phase !== 'finished') await sweepEverywhere(settings);

  for (const dir of rememberedTempDirs()) {
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    try {
      await rm(dir, { recursive: true, force: true });
      core.info(`removed leftover private folder ${dir}`);
    } catch (error) {
      core.warning(
        `could not remove ${dir}: ${(error as Error).message}; it may hold a parfile with a password`,
      );
    }
  }
}

/** Stops the jobs the main step left running and removes their partial dump files; only warns. */
async function finishJobs(jobs: JobEvent[], settings: Settings | undefined): Promise<void> {
  let database: OracleDatabase | undefined;
  try {
    for (const job of jobs) {
      const schema = settings?.schemas.find((s) => s.name === job.schema);
      if (job.tool === 'expdp' && settings && schema) {
        const credential = { username: schema.username, password: schema.password };
        let stopper: JobStopper | undefined;
        if (settings.export.oracleQueries) {
          database ??= createOracleDatabase(
            thinDriver({ oracleHome: settings.oracleHome }),
            settings.connectString,
          );
          stopper = databaseJobStopper(database);
        } else {
          const expdp = await locateClient('expdp', settings.oracleHome);
          if (expdp) {
            const connect = settings.connectString;
            stopper = attachJobStopper({
              executable: expdp,
              connectString: connect,
              userid: (c) => useridLine({ ...c, connectString: connect }, { mask: false }),
              tempRoot: process.env.RUNNER_TEMP || undefined,
            });
          }
        }
        const result = stopper
          ? await stopper.stop({ jobName: job.jobName, credential }, STOP_BUDGET_MS)
          : undefined;
        if (result?.gone)
          core.info(`job ${job.jobName} (${job.schema}) left by the main step: ${result.detail}`);
        else
          core.warning(
            `job ${job.jobName} (${job.schema}) may still run on the server: ${result?.detail ?? 'expdp not found'}; ` +
              `stop it with expdp ATTACH=${job.jobName} and KILL_JOB`,
          );
      }
      await removePartialFiles(job);
    }
  } finally {
    await database?.close().catch(() => undefined);
  }
}

/** The dump files of a job that did not finish: the ones carrying the run's tag, never another run's. */
async function removePartialFiles(job: JobEvent): Promise<void> {
  const pattern = templatePattern(job.dumpFile);
  const tag = exportTagOf(job.dumpFile);
  if (tag === undefined) {
    core.info(`the dump files of ${job.schema} carry no run tag; none is removed`);
    return;
  }
  const names = await readdir(job.dumpPath).catch(() => [] as string[]);
  for (const name of names.filter((n) => pattern.test(n))) {
    const file = localFile(path.join(job.dumpPath, name));
    try {
      await removeFile(file, { kind: 'own-export', runTag: tag });
      core.info(`removed partial dump file ${name} of ${job.schema}`);
    } catch (error) {
      core.warning(`could not remove ${path.join(job.dumpPath, name)}: ${(error as Error).message}`);
    }
  }
}

/** A finished export the main step did not get to archive or clean up is data: it stays, and this says where. */
async function reportKeptDumps(job: JobEvent): Promise<void> {
  const pattern = templatePattern(job.dumpFile);
  const names = await readdir(job.dumpPath).catch(() => [] as string[]);
  for (const name of names.filter((n) => pattern.test(n)))
    core.info(
      `kept ${path.join(job.dumpPath, name)}: a finished export of ${job.schema} the main step did not clean up`,
    );
}

/** Temporary files of the main step (and of other dead runs) in work-dir, each copy-to folder and sftp-dir. */
async function sweepEverywhere(settings: Settings): Promise<void> {
  const places: Array<Pick<BackupPlace, 'label' | 'list' | 'remove'> & { close?(): Promise<void> }> = [
    createFolderPlace(settings.workDir, 'local'),
    ...settings.copyTo.map((folder) => createFolderPlace(folder, 'copy-to')),
  ];
  if (settings.sftp) {
    try {
      places.push(await openSftpPlace(settings.sftp));
    } catch (error) {
      core.warning(
        `cannot reach ${sftpLabel(settings.sftp)} to remove the main step's partial uploads: ${(error as Error).message}`,
      );
    }
  }
  for (const place of places) {
    try {
      for (const line of sweepLines(await sweepTemporaries(place)))
        (line.level === 'warn' ? core.warning : core.info)(line.text);
    } catch (error) {
      core.warning(`cannot look for partial files at ${place.label}: ${(error as Error).message}`);
    } finally {
      await place.close?.().catch(() => undefined);
    }
  }
}
