// Helpers for tests and the demo that drive the simulated `expdp` (expdp-sim.mjs, started by bin/expdp).
// See README.md beside this file for what the simulator does.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a schema does when exported (see README.md). */
export type SimBehavior =
  | 'success'
  | 'skipped-tables'
  | 'directory-invalid'
  | 'wrong-password'
  | 'hang'
  | 'no-log'
  | 'fatal'
  | 'empty-dump'
  | 'missing-dump';

/** One simulated schema. Every field is optional. */
export interface SimSchema {
  /** Default `success`. */
  behavior?: SimBehavior;
  /** Number of `. . exported` row lines (tables) on success. Default 4. */
  tables?: number;
  /** Bytes of dump data for the schema; the dump file set of a job is the sum over its schemas. Default 262144. */
  bytes?: number;
  /** The export is spread over about this long. Default 0. */
  delayMs?: number;
  /**
   * Table data is written at most this fast, in MB/s (10^6 bytes), waiting between writes without using the CPU, as
   * a real export bounded by its database would. Default: as fast as the CPU allows.
   */
  mbPerSecond?: number;
}

/** The simulator's configuration, read from the JSON file named by ORACLE_SIM_CONFIG. */
export interface SimConfig {
  /** Directory objects (names case-insensitive) and the folders they point to. */
  directories: Record<string, string>;
  /**
   * A directory's path as the database server names it (its DIRECTORY_PATH, and the paths of the log's dump file
   * set), when this machine sees the folder in `directories` under another path, as through a mount.
   */
  serverPaths?: Record<string, string>;
  /** Users that can log in (names case-insensitive) and their passwords (case-sensitive). */
  users: Record<string, string>;
  /** Release shown in the `Connected to:` line (and the banner, unless clientVersion is set). Default `19.0.0.0.0`. */
  databaseVersion?: string;
  /** Release of the client (banner, `help=y`); newer than the database gives UDE-00018. Default databaseVersion. */
  clientVersion?: string;
  /** Where the "server" keeps its Data Pump jobs (sim-jobs.mjs). Default: `oracle-sim-jobs` beside the config. */
  jobsDir?: string;
  /** `windows`: the simulated exp exits 3 for warnings, as on Windows (default: 0, as on Unix). */
  expExitCodes?: 'unix' | 'windows';
  /** When set, every call appends one JSON line (a SimCall) to this file. */
  record?: string;
  /** Schemas that exist (names case-insensitive). A schema not listed here is "not found" (ORA-39165). */
  schemas: Record<string, SimSchema>;
}

/** One recorded call of the simulated expdp. */
export interface SimCall {
  /** `exp` for the legacy client; absent for expdp. */
  program?: 'exp';
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  pid: number;
  /** Absolute path of the parfile named on the command line; '' when the call had none. */
  parfile: string;
  /** Permission bits of the parfile in octal (`"600"`); '' when there was no readable parfile. */
  parfileMode: string;
  /** The parfile's content with the USERID password replaced by `********`; '' when there was no readable parfile. */
  parfileText: string;
  /** Version of the node that ran the simulator (`v20.x`, `v24.x`). */
  node: string;
  /** ISO time of the call. */
  time: string;
}

/** The simulated Oracle home: `${SIM_ORACLE_HOME}/bin/expdp` is the simulated client. */
export const SIM_ORACLE_HOME: string = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of the simulated client. */
export const SIM_EXPDP: string = path.join(SIM_ORACLE_HOME, 'bin', 'expdp');

/** Absolute path of the simulated legacy exp client. */
export const SIM_EXP: string = path.join(SIM_ORACLE_HOME, 'bin', 'exp');

/** Writes `config` as `oracle-sim.json` in `dir` and returns its path (for ORACLE_SIM_CONFIG). */
export function writeSimConfig(dir: string, config: SimConfig): string {
  const file = path.join(dir, 'oracle-sim.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Reads the calls recorded in `recordPath` (none when the file does not exist). */
export function readSimCalls(recordPath: string): SimCall[] {
  if (!existsSync(recordPath)) return [];
  return readFileSync(recordPath, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as SimCall);
}
