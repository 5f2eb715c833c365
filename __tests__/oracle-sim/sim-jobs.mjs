// sim-jobs.mjs: the "server side" of the simulated Oracle: its Data Pump jobs, kept as one JSON file per job in a
// folder beside the simulator's configuration (or the folder named by the configuration's `jobsDir`). The simulated
// expdp registers the job it runs there; `expdp ATTACH=` and the fake database (a test's DBMS_DATAPUMP) find it
// there, and ask it to stop by writing a request file that the running client picks up. As with the real server,
// killing the client does not end its job: the file stays, EXECUTING, with no session attached.
//
// Plain JavaScript ESM, node:* modules only; imported by expdp-sim.mjs and (through sim-jobs.d.mts) by tests.

import fs from 'node:fs';
import path from 'node:path';

/** The jobs folder of a configuration file. */
export function jobsDirFor(configPath, config = undefined) {
  const conf = config ?? JSON.parse(fs.readFileSync(configPath, 'utf8'));
  return conf.jobsDir ? String(conf.jobsDir) : path.join(path.dirname(configPath), 'oracle-sim-jobs');
}

const key = (owner, jobName) => `${owner}.${jobName}`;
const jobFile = (dir, owner, jobName) => path.join(dir, `${key(owner, jobName)}.json`);
const requestFile = (dir, owner, jobName) => path.join(dir, `${key(owner, jobName)}.stop`);

function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function readJob(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeJob(dir, job) {
  fs.mkdirSync(dir, { recursive: true });
  const file = jobFile(dir, job.owner, job.jobName);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(job)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** Registers a job that a client starts (state EXECUTING, that client attached). */
export function registerJob(dir, { owner, jobName, pid, dumpFiles = [] }) {
  writeJob(dir, {
    owner,
    jobName,
    operation: 'EXPORT',
    jobMode: 'SCHEMA',
    state: 'EXECUTING',
    pid,
    dumpFiles,
  });
}

/** Adds a job as an earlier run would have left it, e.g. `{ owner, jobName, state: 'NOT RUNNING' }`. */
export function seedJob(dir, job) {
  writeJob(dir, {
    operation: 'EXPORT',
    jobMode: 'SCHEMA',
    state: 'NOT RUNNING',
    pid: 0,
    dumpFiles: [],
    ...job,
  });
}

/** Updates the dump files a job has written (KILL_JOB deletes them). */
export function updateJobFiles(dir, owner, jobName, dumpFiles) {
  const job = readJob(jobFile(dir, owner, jobName));
  if (job) writeJob(dir, { ...job, dumpFiles });
}

/**
 * The jobs as DBA_DATAPUMP_JOBS shows them. A client that is gone leaves its job EXECUTING with no session, as a
 * killed expdp leaves a real one.
 */
export function listJobs(dir) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => readJob(path.join(dir, n)))
    .filter((j) => j !== undefined)
    .map((j) => ({
      owner: j.owner,
      jobName: j.jobName,
      operation: j.operation,
      jobMode: j.jobMode,
      state: j.state,
      attachedSessions: j.state === 'EXECUTING' && isAlive(j.pid) ? 1 : 0,
    }));
}

export function findJob(dir, owner, jobName) {
  return readJob(jobFile(dir, owner, jobName));
}

/** A job ended: completed jobs disappear; failed ones stay NOT RUNNING with their control table. */
export function finishJob(dir, owner, jobName, outcome) {
  const file = jobFile(dir, owner, jobName);
  if (outcome === 'completed') fs.rmSync(file, { force: true });
  else {
    const job = readJob(file);
    if (job) writeJob(dir, { ...job, state: 'NOT RUNNING', pid: 0 });
  }
  fs.rmSync(requestFile(dir, owner, jobName), { force: true });
}

/** The stop request waiting for a running client, if any: 'kill' (KILL_JOB) or 'stop' (STOP_JOB). */
export function pendingRequest(dir, owner, jobName) {
  try {
    return fs.readFileSync(requestFile(dir, owner, jobName), 'utf8').trim() || 'stop';
  } catch {
    return undefined;
  }
}

/**
 * Stops a job as DBMS_DATAPUMP.STOP_JOB(h, 1, 0) ('stop': control table dropped, dump files kept) or KILL_JOB
 * ('kill': dump files deleted too) do. A running client is asked (it prints its `stopped due to fatal error` line
 * and removes the job); a job without a live client is ended here. Returns false when the job does not exist.
 */
export function requestStop(dir, owner, jobName, mode) {
  const job = readJob(jobFile(dir, owner, jobName));
  if (!job) return false;
  if (job.state === 'EXECUTING' && isAlive(job.pid)) {
    fs.writeFileSync(requestFile(dir, owner, jobName), mode);
    return true;
  }
  endJob(dir, job, mode);
  return true;
}

/** Ends a job on the "server": removes it (its control table) and, for KILL_JOB, its dump files. */
export function endJob(dir, job, mode) {
  if (mode === 'kill') for (const file of job.dumpFiles ?? []) fs.rmSync(file, { force: true });
  fs.rmSync(jobFile(dir, job.owner, job.jobName), { force: true });
  fs.rmSync(requestFile(dir, job.owner, job.jobName), { force: true });
}

/** Drops a job's control table: the job is gone from DBA_DATAPUMP_JOBS. */
export function dropControlTable(dir, owner, jobName) {
  fs.rmSync(jobFile(dir, owner, jobName), { force: true });
}
