// The machine-readable record of one run: what the summary, outputs and report JSON are all made from.
import type { JobStopReport } from './export/expdp-process.js';
import type { OrphanReport } from './export/job-stop.js';
import type { ManifestDumpCheck } from './restore/dump-check.js';
import type { FreeSpaceReport } from './report/free-space.js';
import type { PlaceRetentionResult } from './retention/apply.js';
import type { LeftoverDumpsResult } from './retention/dumps.js';
import type { RunLogPurgeResult } from './retention/run-logs.js';
import type { ArchivedEntry, Finding, RunStatus, SchemaOutcome, FailOn } from './types.js';

export interface DumpFileReport {
  name: string;
  path: string;
  bytes: number;
  /** Computed while the file was archived; absent when it was never archived. */
  sha256?: string;
}

export interface SchemaReport {
  name: string;
  outcome: SchemaOutcome;
  reason: string;
  findings: Finding[];
  jobName: string;
  startedAt: string;
  durationMs: number;
  exitCode: number | null;
  dumpFiles: DumpFileReport[];
  tables: number;
  rows: number;
  /** Per table (or partition) `OWNER.TABLE[:PART]`, from the log's row lines. */
  rowCounts: Array<{ table: string; rows: number; bytes: number }>;
  skippedTables: string[];
  dumpBytes: number;
  /** The Oracle log's path on this runner, when it could be read. */
  oracleLog?: string;
  /** The restore check of the dump (verify-dump), when one ran. */
  dumpCheck?: ManifestDumpCheck;
  /** Name of the archive holding this schema's dump. */
  archive?: string;
  /** How its Data Pump job was stopped on the server after a timeout or a cancellation. */
  jobStop?: JobStopReport;
}

/** The one point in time every schema of the run was exported as of. */
export interface ConsistencyReport {
  scn?: string;
  /** The FLASHBACK_TIME value, when there was no SCN (no database queries). */
  flashbackTime?: string;
  note: string;
}

export interface DestinationFileReport {
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  verified: boolean;
}

export interface DestinationReport {
  kind: 'local' | 'folder' | 'sftp';
  location: string;
  ok: boolean;
  /** How the copy was checked, in words (shown in the summary). */
  verification: string;
  error?: string;
  durationMs: number;
  bytes: number;
  /** Bytes per second of the copy (absent for the local archive). */
  throughputBytesPerSec?: number;
  /** SFTP only: how the bytes travelled, e.g. `OpenSSH (OpenSSH_9.6p1, ssh -s sftp)` or `built-in (ssh2): why`. */
  transfer?: string;
  files: DestinationFileReport[];
}

export interface ArchiveReport {
  /** The backup set's id, as in its manifest. */
  setId: string;
  name: string;
  path: string;
  bytes: number;
  sha256: string;
  encrypted: boolean;
  entries: ArchivedEntry[];
  schemas: string[];
  /** The re-opened archive passed every CRC/authentication and hash check. */
  verified: boolean;
  problems: string[];
  manifestPath: string;
  destinations: DestinationReport[];
  durationMs: number;
}

export interface PlanReport {
  schemas: Array<{ name: string; jobName: string; dumpFile: string; logFile: string; parfile: string }>;
  archives: string[];
  destinations: string[];
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RetentionReport {
  /** One per place: work dir, each copy-to folder, the SFTP folder. */
  places: PlaceRetentionResult[];
  leftoverDumps?: LeftoverDumpsResult;
  runLogs?: RunLogPurgeResult;
}

/** A setting the config file and the workflow both gave, with different values: the workflow input won. */
export interface SettingOverride {
  /** The input's name. */
  name: string;
  /** The key of the file that gave it: the input's own name, or `<secret>-env` for a secret. */
  fileKey: string;
  /** A secret: neither value is recorded, only where each came from. */
  secret: boolean;
  /** The workflow input's value as shown (one line, clipped); absent for a secret. */
  workflowValue?: string;
  /** The file's value as shown (one line, clipped); absent for a secret. */
  fileValue?: string;
}

/** Where the run's settings came from; present only when a config file was used. */
export interface SettingSourcesReport {
  /** The `config` input as given (relative to the workspace). */
  configPath: string;
  /** How many settings (every input but `config`) took their value from the file, the workflow, the defaults. */
  counts: { config: number; workflow: number; default: number };
  /** Settings given in both places with different values, in the order of the inputs. */
  overrides: SettingOverride[];
}

export interface RunReport {
  tool: { name: string; version: string };
  id: string;
  status: RunStatus;
  /** One sentence that says why the status is what it is. */
  statusReason: string;
  failOn: FailOn;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  database: { connectString: string; version?: string; name?: string };
  /** expdp or legacy exp, where it is and its release. */
  exportTool?: { kind: 'expdp' | 'exp'; executable: string; release?: string };
  consistency?: ConsistencyReport;
  /** This action's orphaned Data Pump jobs cleaned before the export (with oracle-queries). */
  orphans?: OrphanReport;
  /** Set when SIGINT/SIGTERM cancelled the run. */
  cancelled?: { signal: string; during?: string };
  /** Where the run worked: dump-path (looked up when empty), work-dir and log-dir. */
  paths?: { dumpPath: string; workDir: string; logDir: string };
  schemas: SchemaReport[];
  archives: ArchiveReport[];
  preflight: PreflightCheck[];
  /** Problems that belong to no single schema (configuration, destinations, clean-up). */
  findings: Finding[];
  plan?: PlanReport;
  retention?: RetentionReport;
  /** Where the settings came from, when a config file was used. */
  settingSources?: SettingSourcesReport;
  /** Free space at the end of the run in the dump folder, work-dir and each copy-to folder. */
  freeSpace?: FreeSpaceReport[];
  bytesExported: number;
  bytesArchived: number;
  logPath?: string;
  reportPath?: string;
}
