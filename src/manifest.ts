// The backup set's manifest, the format every destination and every later run relies on. Built from the run's facts only: no secret ever goes in.
import { MANIFEST_FORMAT } from './manifest-format.js';
import type { ManifestDumpCheck } from './restore/dump-check.js';
import type { ConsistencyReport, SchemaReport } from './run-report.js';
import type { RunStatus } from './types.js';

export interface ManifestSchema {
  name: string;
  status: SchemaReport['outcome'];
  reason: string;
  jobName: string;
  startedAt: string;
  durationMs: number;
  dumpFiles: Array<{ name: string; bytes: number; sha256: string }>;
  tables: number;
  rows: number;
  rowCounts: Array<{ table: string; rows: number; bytes: number }>;
  skippedTables: string[];
  /** The restore check of the dump (verify-dump), when one ran. */
  dumpCheck?: ManifestDumpCheck;
  warnings: Array<{ code: string; message: string }>;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  tool: { name: string; version: string };
  set: { id: string; createdAt: string; runId: string; status: RunStatus };
  database: { connectString: string; version?: string; name?: string };
  consistency: { scn?: string; flashbackTime?: string; note: string };
  schemas: ManifestSchema[];
  /** Filled in the copy kept beside the archive; the copy inside the archive cannot know its own hash. */
  archives: Array<{ name: string; bytes: number; sha256: string; encrypted: boolean }>;
}

export interface ManifestInput {
  tool: { name: string; version: string };
  setId: string;
  createdAt: string;
  runId: string;
  status: RunStatus;
  connectString: string;
  databaseVersion?: string;
  databaseName?: string;
  /** The SCN or flashback time shared by every schema; absent when none was used. */
  consistency?: ConsistencyReport;
  schemas: SchemaReport[];
}

export function buildManifest(input: ManifestInput): Manifest {
  return {
    format: MANIFEST_FORMAT,
    tool: input.tool,
    set: { id: input.setId, createdAt: input.createdAt, runId: input.runId, status: input.status },
    database: {
      connectString: input.connectString,
      version: input.databaseVersion,
      name: input.databaseName,
    },
    consistency: input.consistency ?? {
      note: 'each schema was exported as of its own start time (no shared SCN)',
    },
    schemas: input.schemas.map((s) => ({
      name: s.name,
      status: s.outcome,
      reason: s.reason,
      jobName: s.jobName,
      startedAt: s.startedAt,
      durationMs: s.durationMs,
      dumpFiles: s.dumpFiles.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 ?? '' })),
      tables: s.tables,
      rows: s.rows,
      rowCounts: s.rowCounts,
      skippedTables: s.skippedTables,
      warnings: s.findings.map((f) => ({ code: f.code, message: f.message })),
      ...(s.dumpCheck ? { dumpCheck: s.dumpCheck } : {}),
    })),
    archives: [],
  };
}

export function manifestJson(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}
