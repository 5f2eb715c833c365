// The restore check after an export (`verify-dump: none | header | sqlfile`), per schema: one entry point for the
// pipeline, results shaped for the schema report, the manifest and the summary. A dump that fails its check is not
// a good backup: the caller marks the schema failed (so retention does not count it) with `dumpCheckFinding`.
import type { ExportRunner } from '../export/expdp-process.js';
import type { VerifyDumpMode } from '../settings/mode-settings.js';
import type { Finding } from '../types.js';
import {
  classifyDumpHeaders,
  localDumpHeaderReader,
  type DumpHeaderInfo,
  type DumpHeaderReader,
} from './dump-header.js';
import {
  describeObjectCounts,
  runSqlfileCheck,
  sqlfileJobName,
  type SqlfileCheckRequest,
} from './sqlfile.js';

export { VERIFY_DUMP_MODES, type VerifyDumpMode } from '../settings/mode-settings.js';

/** One schema's dump file set, as the export left it. */
export interface DumpCheckRequest {
  schema: string;
  /** The export's job (from its log's Starting line): the header must name it. */
  jobName: string;
  jobOwner?: string;
  /** The directory object the files are in, and where this runner sees it (dump-path). */
  directory: string;
  dumpPath: string;
  /** File names in that directory, in set order. */
  dumpFiles: string[];
}

export interface DumpCheckDeps {
  /** `header`: who reads the headers (default: the local reader, which proves less; see dump-header.ts). */
  headerReader?: DumpHeaderReader;
  /** `sqlfile`: how to run impdp. `jobName` defaults to sqlfileJobName(request.jobName). */
  sqlfile?: Omit<SqlfileCheckRequest, 'directory' | 'dumpPath' | 'dumpFiles' | 'jobName'> & {
    jobName?: string;
    runner?: ExportRunner;
  };
  /** Lines for the run log (impdp's output, the headers read). */
  log?: (line: string) => void;
}

/** The result for one schema. */
export interface DumpCheckResult {
  schema: string;
  check: VerifyDumpMode;
  ok: boolean;
  /**
   * False when the check passed without proving much: `none`, or a header the local reader could not confirm.
   * Shown as "not confirmed"; never a failure.
   */
  certain: boolean;
  /** `sqlfile`: statements in the SQL file per object type path (`SCHEMA_EXPORT/TABLE/TABLE`: 5). */
  objects: Record<string, number>;
  objectTotal: number;
  /** Why the check failed, naming the file where known; undefined when ok. */
  problem?: string;
  advice?: string;
  notes: string[];
  /** Message codes impdp printed (sqlfile). */
  codes: string[];
  /** What was used: `impdp SQLFILE (exit 0)`, `header via local (first bytes of the file)`. */
  method: string;
  durationMs: number;
}

/** The manifest's `schemas[].dumpCheck` (no secret, no path). */
export interface ManifestDumpCheck {
  kind: VerifyDumpMode;
  ok: boolean;
  certain: boolean;
  method: string;
  objects: Record<string, number>;
  objectTotal: number;
  problem?: string;
}

/**
 * Checks one schema's dump file set. Never throws: a reader or impdp failure is a failed check with its reason.
 * `none` returns at once (ok, not certain).
 */
export async function checkDump(
  kind: VerifyDumpMode,
  request: DumpCheckRequest,
  deps: DumpCheckDeps = {},
): Promise<DumpCheckResult> {
  const started = Date.now();
  const base = { schema: request.schema, check: kind, objects: {}, objectTotal: 0, notes: [], codes: [] };
  if (kind === 'none') return { ...base, ok: true, certain: false, method: 'not checked', durationMs: 0 };

  if (request.dumpFiles.length === 0)
    return {
      ...base,
      ok: false,
      certain: true,
      problem: 'the export left no dump file to check',
      method: kind,
      durationMs: 0,
    };

  if (kind === 'header') {
    const reader = deps.headerReader ?? localDumpHeaderReader;
    const method = `header via ${reader.name}`;
    const files: Array<{ name: string; info: DumpHeaderInfo }> = [];
    for (const name of request.dumpFiles) {
      try {
        const info = await reader.read(name, request.directory, request.dumpPath);
        deps.log?.(`${request.schema}: ${name}: ${describeHeader(info)}`);
        files.push({ name, info });
      } catch (error) {
        return {
          ...base,
          ok: false,
          certain: true,
          problem: `cannot read the header of ${name}: ${(error as Error).message}`,
          advice: 'Check that the dump file is still in the dump folder and readable.',
          method,
          durationMs: Date.now() - started,
        };
      }
    }
    const verdict = classifyDumpHeaders(files, { jobName: request.jobName, jobOwner: request.jobOwner });
    return {
      ...base,
      ok: verdict.ok,
      certain: verdict.certain,
      notes: verdict.notes,
      ...(verdict.problem
        ? {
            problem: verdict.problem,
            advice: 'The file is not the dump this export wrote: run the export again.',
          }
        : {}),
      method,
      durationMs: Date.now() - started,
    };
  }

  if (!deps.sqlfile)
    return {
      ...base,
      ok: false,
      certain: true,
      problem: 'impdp was not found, so the dump could not be read back',
      advice:
        'verify-dump: sqlfile runs impdp from oracle-home/bin (or PATH), beside expdp; install it or use header.',
      method: 'impdp SQLFILE (not run)',
      durationMs: 0,
    };
  const { runner, jobName, ...sqlfile } = deps.sqlfile;
  const result = await runSqlfileCheck(
    {
      ...sqlfile,
      directory: request.directory,
      dumpPath: request.dumpPath,
      dumpFiles: request.dumpFiles,
      jobName: jobName ?? sqlfileJobName(request.jobName),
    },
    runner,
  );
  for (const line of result.output.split('\n')) if (line.trim()) deps.log?.(`impdp: ${line}`);
  return {
    ...base,
    ok: result.ok,
    certain: result.ok,
    objects: result.objects,
    objectTotal: result.objectTotal,
    ...(result.problem ? { problem: result.problem } : {}),
    ...(result.advice ? { advice: result.advice } : {}),
    codes: result.codes,
    method: `impdp SQLFILE (exit ${result.exitCode ?? 'none'})`,
    durationMs: result.durationMs,
  };
}

function describeHeader(info: DumpHeaderInfo): string {
  const kind = ['not a dump file', 'Data Pump dump file', 'legacy exp dump file'][info.fileType];
  const parts = [
    kind,
    info.jobName && `job ${info.jobName}`,
    info.fileNumber !== undefined &&
      `file ${info.fileNumber}${info.fileCount !== undefined ? ` of ${info.fileCount}` : ''}`,
    info.databaseVersion && `version ${info.databaseVersion}`,
    info.certain === false && 'not confirmed',
  ].filter(Boolean);
  return `${parts.join(', ')} (${info.basis})`;
}

/** The manifest's record of the check. */
export function toManifestDumpCheck(result: DumpCheckResult): ManifestDumpCheck {
  return {
    kind: result.check,
    ok: result.ok,
    certain: result.certain,
    method: result.method,
    objects: result.objects,
    objectTotal: result.objectTotal,
    ...(result.problem ? { problem: result.problem } : {}),
  };
}

/**
 * The finding for the schema report: an error when the check failed (the schema is then failed), a warning when a
 * header could not be confirmed, nothing otherwise.
 */
export function dumpCheckFinding(result: DumpCheckResult): Finding | undefined {
  if (!result.ok) {
    return {
      severity: 'error',
      code: result.codes.find((c) => !['ORA-39000', 'ORA-39001', 'ORA-39002'].includes(c)) ?? 'DUMP-CHECK',
      message: `dump check (${result.check}) failed: ${result.problem ?? 'unknown reason'}`,
      advice: result.advice ?? 'The dump cannot be trusted: run the export again.',
    };
  }
  if (result.check === 'header' && !result.certain)
    return {
      severity: 'warning',
      code: 'DUMP-CHECK',
      message: `dump header not confirmed: ${result.notes.join('; ')}`,
      advice:
        'Let the action query the database (oracle-queries: true) so GET_DUMPFILE_INFO reads the header, ' +
        'or use verify-dump: sqlfile.',
    };
  return undefined;
}

/** One line for the summary's Details column: `✅ sqlfile: 41 objects (TABLE 5, INDEX 8, …)`. Not escaped. */
export function describeDumpCheck(result: DumpCheckResult | ManifestDumpCheck): string {
  const kind = 'check' in result ? result.check : result.kind;
  if (kind === 'none') return 'dump not checked';
  if (!result.ok) return `❌ ${kind}: ${result.problem ?? 'failed'}`;
  if (kind === 'header')
    return result.certain ? '✅ header: Data Pump dump of this job' : '⚠️ header: not confirmed';
  const counts = describeObjectCounts(result.objects);
  return `✅ sqlfile: ${result.objectTotal} objects${counts ? ` (${counts})` : ''}`;
}
