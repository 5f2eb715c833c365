// Shared types of the pure core. Nothing here imports @actions/*, the file system or the clock.
import type { ReportLanguage } from './report/i18n.js';
import type { ExportSettings } from './settings/export-settings.js';
import type { RetentionSettings } from './settings/retention-settings.js';
import type { SftpSettings } from './settings/sftp-settings.js';
import type { SmtpSettings } from './settings/smtp-settings.js';
import type { ReportSettings } from './settings/report-settings.js';
import type { VerifyDumpMode } from './settings/mode-settings.js';

/** Overall result of a run, as the contract defines it. */
export type RunStatus = 'success' | 'partial' | 'failure';

/** What `fail-on` can be set to. */
export type FailOn = 'partial' | 'failure';

/** One schema to export, after validation, with its own credentials and limits resolved. */
export interface SchemaSettings {
  /** Schema name as Oracle knows it (upper case for unquoted names). */
  name: string;
  username: string;
  password: string;
  timeoutMs: number;
  /** Data Pump PARALLEL of this schema, when it has its own (else `export.parallel`). */
  parallel?: number;
  /** `EXCLUDE=` values of this schema only. */
  exclude?: string[];
}

/** The validated, typed settings of one run. */
export interface Settings {
  connectString: string;
  schemas: SchemaSettings[];
  /** Oracle directory object, upper case. */
  directory: string;
  /** The directory object's path as this runner sees it; '' until looked up in the database (resolveRunPaths). */
  dumpPath: string;
  /** Oracle home; '' means take `expdp` from PATH. */
  oracleHome: string;
  /** oracle-queries, consistent, parallel, filesize, export-tool. */
  export: ExportSettings;
  timeoutMs: number;
  /** Dump file name template without `.dmp`, e.g. `{schema}_{date}_{time}`. */
  dumpName: string;
  /** Extra parfile lines, already checked against the forbidden keys. */
  expdpParameters: string[];
  archivePer: 'run' | 'schema';
  /** Archive name template without `.zip`. */
  archiveName: string;
  compressionLevel: number;
  /** '' when the archive is not encrypted. */
  archivePassword: string;
  /** '' until dump-path is known, when it defaults to it. */
  workDir: string;
  keepDumps: boolean;
  copyTo: string[];
  logDir: string;
  failOn: FailOn;
  dryRun: boolean;
  /** ignore-codes: message codes that count as information (never fatal ones); absent when none. */
  ignoreCodes?: string[];
  retention: RetentionSettings;
  /** Undefined when no SFTP destination is configured. */
  sftp?: SftpSettings;
  /** Undefined when no e-mail report is configured. */
  smtp?: SmtpSettings;
  report: ReportSettings;
  /** The restore check after each export: none, header or sqlfile. */
  verifyDump: VerifyDumpMode;
  reportLanguage: ReportLanguage;
}

/** Values for the `{token}` placeholders of names. */
export interface NameTokens {
  schema?: string;
  date: string; // YYYY-MM-DD
  time: string; // HHmmss
  weekday: string; // monday..sunday
  run: string;
}

/** A message code with its text as found in expdp output, e.g. `ORA-31693`. */
export interface OracleMessage {
  code: string;
  text: string;
}

/** One `. . exported` line. */
export interface ExportedTable {
  owner: string;
  table: string;
  partition?: string;
  bytes: number;
  rows: number;
}

/** What could be read from an expdp log (and its stdout/stderr). */
export interface ParsedExpdpLog {
  /** `Export: Release 19.0.0.0.0 - Production ...` version, when present. */
  release?: string;
  /** Text after `Connected to: `. */
  connectedTo?: string;
  /** From the `Starting "OWNER"."JOB"` line. */
  jobOwner?: string;
  jobName?: string;
  tables: ExportedTable[];
  /** Full paths from the `Dump file set for ... is:` block, in order. */
  dumpFiles: string[];
  /** The final `Job "O"."J" ...` line, classified. */
  jobEnd?: { kind: 'completed' | 'completed-with-errors' | 'stopped'; errorCount: number; line: string };
  /** Every ORA-/UDE-/LRM-/EXP-/OSD-/KUP- message, in order of appearance, duplicates kept. */
  messages: OracleMessage[];
  /** `OWNER.TABLE` (or `OWNER.TABLE:PARTITION`) of every ORA-31693 skip. */
  skippedTables: string[];
  /**
   * Each ORA-31693 with the messages printed on the lines right below it (ORA-02354, then the cause): one error
   * stack about one table. Absent when there is none.
   */
  tableErrors?: TableErrorStack[];
  /** True when the client asked `Username:`/`Password:` again (wrong credentials). */
  reprompted: boolean;
}

/** One table's error stack: `messages` are `ParsedExpdpLog.messages[first]` onwards, ORA-31693 first. */
export interface TableErrorStack {
  /** `OWNER.TABLE` (or `OWNER.TABLE:PARTITION`) named by the ORA-31693 line, when it names one. */
  object?: string;
  first: number;
  messages: OracleMessage[];
}

/** Outcome of one schema's export. */
export type SchemaOutcome = 'success' | 'warning' | 'failed';

/** A problem worth showing, with what to do about it. */
export interface Finding {
  severity: 'warning' | 'error';
  /** Message code when there is one (ORA-01017), else a short key. */
  code: string;
  /** What happened, in words. */
  message: string;
  /** What the DBA should do. */
  advice: string;
  /**
   * Every code of an error stack shown as this one finding (`ORA-31693`, `ORA-02354`, `ORA-01555`), `code` being
   * its root cause; absent for a finding of one code.
   */
  codes?: string[];
  /** The code is listed in ignore-codes: shown, but it does not make the schema a warning. */
  ignored?: boolean;
}

export interface ExportClassification {
  outcome: SchemaOutcome;
  /** One sentence: why this outcome ("invalid username/password", "2 tables skipped: ..."). */
  reason: string;
  findings: Finding[];
}

/** Result of running a child process to completion or to its time limit. */
export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The run was cancelled (SIGINT/SIGTERM to the action) while the process ran. */
  cancelled?: boolean;
  durationMs: number;
}

/** A file placed in an archive, with its hash computed while it was written. */
export interface ArchivedEntry {
  name: string;
  bytes: number;
  /**
   * Bytes of its data in the zip (compressed, and encrypted with its AES salt and authentication code), as the
   * central directory records them: what a zip reader lists as the entry's packed size. Absent where the entry
   * was not written here (one read back or expected from a manifest).
   */
  compressedBytes?: number;
  sha256: string;
  /** The schema whose dump or Oracle log this entry holds (set by the pipeline); absent for the manifest. */
  schema?: string;
  /**
   * Present (true) when the entry was stored without compression although a level above 0 was asked for,
   * because its data did not compress (an already-compressed dump, e.g. Data Pump COMPRESSION=ALL).
   */
  incompressible?: boolean;
}

export interface ArchiveResult {
  path: string;
  name: string;
  bytes: number;
  sha256: string;
  entries: ArchivedEntry[];
  encrypted: boolean;
  durationMs: number;
}
