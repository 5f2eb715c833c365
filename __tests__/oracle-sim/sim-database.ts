// The recorded fake database (src/database/fake.ts) wired to the simulated Oracle: the same users, directory
// objects, schema sizes and release as the simulator's configuration, and the same Data Pump jobs (sim-jobs.mjs).
// So a test sees the simulated expdp's job in DBA_DATAPUMP_JOBS, and the fake's STOP_JOB really stops it.
import { readFileSync } from 'node:fs';
import {
  createFakeDatabase,
  type FakeJobStore,
  type FakeOracleModel,
  type RecordedFakeDriver,
} from '../../src/database/fake.js';
import type { OracleDatabase } from '../../src/database/database.js';
import type { SimConfig } from './sim.js';
import { dropControlTable, findJob, jobsDirFor, listJobs, requestStop } from './sim-jobs.mjs';

/** The simulator's jobs as the fake database's DBA_DATAPUMP_JOBS; STOP_JOB(h, 1, 0) asks the running client to stop. */
export function simJobStore(configPath: string): FakeJobStore {
  const dir = jobsDirFor(configPath);
  return {
    list: () => listJobs(dir),
    stop: (owner, jobName) => void requestStop(dir, owner, jobName, 'stop'),
    hasControlTable: (owner, jobName) => findJob(dir, owner, jobName) !== undefined,
    dropControlTable: (owner, jobName) => dropControlTable(dir, owner, jobName),
  };
}

/** The server's path of a directory object when the configuration gives one (names case-insensitive). */
function serverPathOf(config: SimConfig, directory: string): string | undefined {
  const entry = Object.entries(config.serverPaths ?? {}).find(
    ([name]) => name.toUpperCase() === directory.toUpperCase(),
  );
  return entry?.[1];
}

/**
 * A fake database for the simulator's configuration: every user is a DBA-like backup user with READ/WRITE on every
 * directory object, each schema's segments are its configured bytes; `extra` overrides any of it.
 */
export function simDatabase(
  configPath: string,
  extra: Partial<FakeOracleModel> = {},
): { database: OracleDatabase; driver: RecordedFakeDriver } {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as SimConfig;
  const users = Object.fromEntries(
    Object.entries(config.users).map(([name, password]) => [name.toUpperCase(), { password, dba: true }]),
  );
  const grants = Object.fromEntries(
    Object.keys(users).map((u) => [u, ['READ', 'WRITE'] as Array<'READ' | 'WRITE'>]),
  );
  const model: FakeOracleModel = {
    version: config.databaseVersion === undefined ? '19.27.0.0.0' : config.databaseVersion,
    dbName: 'ORCL',
    container: 'ORCLPDB1',
    users,
    // DIRECTORY_PATH is the server's path, which differs from the folder the simulator writes when serverPaths says so.
    directories: Object.fromEntries(
      Object.entries(config.directories).map(([name, path]) => [
        name.toUpperCase(),
        { path: serverPathOf(config, name) ?? path, grants },
      ]),
    ),
    segments: Object.fromEntries(
      Object.entries(config.schemas).map(([name, s]) => [name.toUpperCase(), s.bytes ?? 262144]),
    ),
    jobs: simJobStore(configPath),
    ...extra,
  };
  return createFakeDatabase(model);
}
