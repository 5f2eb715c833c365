// `verify-dump: sqlfile`: `impdp ... SQLFILE=` on a schema's complete dump file set. impdp opens every file of the
// set, loads the master table and writes the DDL an import would run, importing nothing. The check passes when the
// job ended cleanly (exit 0, "successfully completed") and the SQL file was written; the objects in it are counted
// per object type for the manifest and the summary.
//
// What it proves on a real database: the set is complete, every file is a readable Data Pump file of the same job,
// and the metadata can be read. Oracle does not read every row for SQLFILE, so the manifest's SHA-256 (checked again
// by `mode: verify`) remains the proof that the bytes are unchanged since the export.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { localFile, removeFile } from '../deletion.js';
import { expdpProcessRunner, type ExportRunner } from '../export/expdp-process.js';
import { parseExpdpLog } from '../export/expdp-log.js';
import { runTag, taggedExportName } from '../temporary-names.js';
import { useridLine } from '../export/userid.js';
import type { OracleMessage, ParsedExpdpLog, ProcessResult } from '../types.js';

/** Releases before 12.2 allow 30 bytes for a job name. */
const MAX_JOB_NAME = 30;

/**
 * The SQLFILE job's name, derived from the export's (`OBA_HR_1A2B3C` → `OBA_SQL_HR_1A2B3C`): unique per run like
 * the export's, recognisable as this tool's by its `OBA_` prefix, at most 30 bytes (the run token at the end kept).
 */
export function sqlfileJobName(exportJobName: string): string {
  const rest = exportJobName.replace(/^OBA_/i, '').replace(/[^A-Za-z0-9_]/g, '');
  const name = `OBA_SQL_${rest}`.toUpperCase();
  return name.length <= MAX_JOB_NAME ? name : `OBA_SQL_${rest.slice(-(MAX_JOB_NAME - 8))}`.toUpperCase();
}

export interface ImpdpParfileSpec {
  username: string;
  password: string;
  connectString: string;
  directory: string;
  /** File names in the directory, in set order. */
  dumpFiles: string[];
  sqlFile: string;
  logFile: string;
  jobName: string;
}

const PLAIN_FILE_NAME = /^[A-Za-z0-9_.$#%-]+$/;

const fileValue = (name: string): string => (PLAIN_FILE_NAME.test(name) ? name : `"${name}"`);

/** The impdp parfile of a SQLFILE check (full mode: every object of the dump is written). */
export function buildImpdpParfile(spec: ImpdpParfileSpec, options: { maskPassword: boolean }): string {
  for (const name of [...spec.dumpFiles, spec.sqlFile, spec.logFile])
    if (/[\r\n",/\\]/.test(name) || name.trim() === '')
      throw new Error(`${JSON.stringify(name)} cannot be used as a file name in an impdp parfile`);
  return (
    [
      useridLine(spec, { mask: options.maskPassword }),
      `DIRECTORY=${spec.directory}`,
      `DUMPFILE=${spec.dumpFiles.map(fileValue).join(',')}`,
      `SQLFILE=${fileValue(spec.sqlFile)}`,
      `LOGFILE=${fileValue(spec.logFile)}`,
      `JOB_NAME=${spec.jobName}`,
    ].join('\n') + '\n'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Counting the objects of a SQL file

const TYPE_PATH = /^--\s*new object type path(?:\s+is)?:\s*(\S+)/i;
/** Statements that are PL/SQL blocks: they end at a line holding only `/`, not at a `;`. */
const BLOCK_START =
  /^(?:DECLARE|BEGIN)\b|^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?(?:PROCEDURE|FUNCTION|PACKAGE|TRIGGER|TYPE|LIBRARY|JAVA)\b/i;

/**
 * Counts the statements of a SQL file per object type path (`-- new object type path: SCHEMA_EXPORT/TABLE/TABLE`),
 * fed line by line so that a large file is never held whole. A statement ends with `;` at the end of a line, a
 * PL/SQL block with a line holding only `/`. Statements before the first type path (session settings) are not
 * objects.
 */
export class SqlObjectCounter {
  readonly objects: Record<string, number> = {};
  lines = 0;
  #path: string | undefined;
  #inStatement = false;
  #inBlock = false;

  push(raw: string): void {
    this.lines++;
    const line = raw.trim();
    const type = TYPE_PATH.exec(line);
    if (type) {
      this.#path = type[1]!;
      this.#inStatement = false;
      this.#inBlock = false;
      return;
    }
    if (this.#path === undefined || line === '' || line.startsWith('--')) return;
    if (this.#inBlock) {
      if (line === '/') this.#count();
      return;
    }
    if (!this.#inStatement) {
      if (line === '/') return; // a stray terminator after a statement that ended with `;`
      this.#inStatement = true;
      if (BLOCK_START.test(line)) {
        this.#inBlock = true;
        return;
      }
    }
    if (line.endsWith(';')) this.#count();
  }

  get total(): number {
    return Object.values(this.objects).reduce((a, b) => a + b, 0);
  }

  #count(): void {
    const key = this.#path!;
    this.objects[key] = (this.objects[key] ?? 0) + 1;
    this.#inStatement = false;
    this.#inBlock = false;
  }
}

/** Counts the objects of SQL text (pure; for tests and small files). */
export function countSqlObjects(text: string): { objects: Record<string, number>; total: number } {
  const counter = new SqlObjectCounter();
  for (const line of text.split(/\r?\n/)) counter.push(line);
  return { objects: counter.objects, total: counter.total };
}

/** Counts the objects of a SQL file, streamed. */
export async function countSqlFile(
  file: string,
): Promise<{ objects: Record<string, number>; total: number }> {
  const counter = new SqlObjectCounter();
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) counter.push(line);
  return { objects: counter.objects, total: counter.total };
}

/** `SCHEMA_EXPORT/TABLE/INDEX/INDEX` → `INDEX`, for compact display. */
export function shortObjectType(typePath: string): string {
  return typePath.split('/').pop() || typePath;
}

/** `TABLE 5, INDEX 8, CONSTRAINT 10, …` (largest first, same short names summed), or '' when there are none. */
export function describeObjectCounts(objects: Record<string, number>, max = 6): string {
  const byName = new Map<string, number>();
  for (const [type, n] of Object.entries(objects))
    byName.set(shortObjectType(type), (byName.get(shortObjectType(type)) ?? 0) + n);
  const sorted = [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = sorted.slice(0, max).map(([name, n]) => `${name} ${n}`);
  if (sorted.length > max) shown.push(`${sorted.length - max} more types`);
  return shown.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Judging the run

export interface SqlfileRunFacts {
  process: ProcessResult;
  /** impdp's stdout, stderr and log file, parsed together. */
  log: ParsedExpdpLog;
  /** The SQL file's object counts; undefined when it was not written or could not be read. */
  sql?: { objects: Record<string, number>; total: number };
  timeoutMs: number;
}

export interface SqlfileVerdict {
  ok: boolean;
  /** Why the check failed, in words, naming the file where impdp names one; undefined when ok. */
  problem?: string;
  /** What to do about it. */
  advice?: string;
  /** Every message code impdp printed, in order, without duplicates. */
  codes: string[];
}

/** Codes that only say "something below went wrong": the next message tells what. */
const GENERIC = new Set(['ORA-39000', 'ORA-39001', 'ORA-39002', 'ORA-39126', 'UDE-00008']);
const MAX_SHOWN = 3;

function messageText(all: OracleMessage[]): string {
  // stdout and the log file hold the same lines: each message once.
  const seen = new Set<string>();
  const messages = all.filter((m) => {
    const key = `${m.code} ${m.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const useful = messages.filter((m) => !GENERIC.has(m.code));
  const shown = (useful.length > 0 ? useful : messages).slice(0, MAX_SHOWN);
  return shown.map((m) => `${m.code}: ${m.text}`.replace(/:\s*$/, '')).join('; ');
}

/** Advice for the codes a SQLFILE check meets. */
function adviceFor(codes: string[]): string {
  const has = (code: string) => codes.includes(code);
  if (has('ORA-01017') || has('UDE-01017'))
    return 'Check the username and password; impdp logs in like expdp.';
  if (has('ORA-39154') || has('ORA-31631'))
    return 'Grant the login DATAPUMP_IMP_FULL_DATABASE to read dumps of other schemas, or set verify-dump: header.';
  if (has('ORA-31640') || has('ORA-27037'))
    return 'A dump file disappeared before it was checked: check what else cleans the dump folder.';
  if (has('ORA-39143')) return 'The file is a legacy exp dump: it can only be read with imp, not impdp.';
  if (has('ORA-31619') || has('ORA-39059') || has('ORA-39246'))
    return 'The dump file set is damaged or incomplete: this backup cannot be restored; run the export again.';
  return 'Read the impdp messages in the run log; the dump cannot be trusted until impdp reads it cleanly.';
}

/** Decides whether a SQLFILE run proves the dump readable. Pure. */
export function classifySqlfileRun(facts: SqlfileRunFacts): SqlfileVerdict {
  const { process: run, log } = facts;
  const codes = [...new Set(log.messages.map((m) => m.code))];
  const fail = (problem: string): SqlfileVerdict => ({ ok: false, problem, advice: adviceFor(codes), codes });
  const messages = messageText(log.messages);

  if (run.timedOut)
    return fail(
      `impdp SQLFILE did not finish within ${Math.round(facts.timeoutMs / 1000)} s and was stopped`,
    );
  if (/cannot run /.test(run.stderr) && run.exitCode !== 0 && !log.jobEnd)
    return fail(run.stderr.trim().split('\n').pop()!.trim());
  if (log.reprompted || codes.includes('ORA-01017'))
    return fail(`impdp could not log in${messages ? `: ${messages}` : ''}`);
  const end = log.jobEnd;
  if (!end)
    return fail(
      `impdp could not open the dump file set (exit ${run.exitCode ?? run.signal ?? 'unknown'})` +
        (messages ? `: ${messages}` : ''),
    );
  if (end.kind === 'stopped') return fail(`impdp stopped reading the dump${messages ? `: ${messages}` : ''}`);
  if (end.kind === 'completed-with-errors' || run.exitCode !== 0)
    return fail(
      `impdp read the dump with ${end.errorCount || 'some'} error(s) (exit ${run.exitCode})` +
        (messages ? `: ${messages}` : ''),
    );
  if (!facts.sql) return fail('impdp reported success but wrote no SQL file');
  return { ok: true, codes };
}

// ---------------------------------------------------------------------------------------------------------------
// Running it

export interface SqlfileCheckRequest {
  /** Path of the impdp executable (locateImpdp). */
  executable: string;
  username: string;
  password: string;
  connectString: string;
  /** The directory object holding the dump files (where the SQL file and the log are written too). */
  directory: string;
  /** That directory's path as this runner sees it (dump-path): the SQL file is read from there. */
  dumpPath: string;
  dumpFiles: string[];
  /** The SQLFILE job's name (sqlfileJobName of the export's job). */
  jobName: string;
  timeoutMs: number;
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
  /** Keep the SQL file and impdp's log in the directory (default: both removed once read). */
  keepFiles?: boolean;
}

export interface SqlfileCheckResult extends SqlfileVerdict {
  objects: Record<string, number>;
  objectTotal: number;
  exitCode: number | null;
  durationMs: number;
  sqlFile: string;
  logFile: string;
  /** impdp's own output and log, for the run log (the password is masked by impdp itself). */
  output: string;
}

/**
 * Runs `impdp SQLFILE=` through the same runner as expdp (parfile 0600 in a private temporary folder, deleted in
 * `finally`; stdin closed; NLS_LANG set; the timeout enforced), then reads the log and counts the SQL file.
 * Never throws for what impdp does; a problem is in the result.
 */
export async function runSqlfileCheck(
  request: SqlfileCheckRequest,
  runner: ExportRunner = expdpProcessRunner,
): Promise<SqlfileCheckResult> {
  const base = request.jobName.toLowerCase();
  // Named for this check alone, so that removing them afterwards can never take a file of anyone else.
  const tag = runTag(request.jobName, 'sql');
  const sqlFile = taggedExportName(`${base}.sql`, tag);
  const logFile = taggedExportName(`${base}_sqlfile.log`, tag);
  const sqlPath = path.join(request.dumpPath, sqlFile);
  const logPath = path.join(request.dumpPath, logFile);
  try {
    const parfile = buildImpdpParfile(
      {
        username: request.username,
        password: request.password,
        connectString: request.connectString,
        directory: request.directory,
        dumpFiles: request.dumpFiles,
        sqlFile,
        logFile,
        jobName: request.jobName,
      },
      { maskPassword: false },
    );
    const run = await runner.run({
      executable: request.executable,
      parfile,
      jobName: request.jobName,
      timeoutMs: request.timeoutMs,
      tempRoot: request.tempRoot,
      onTempDir: request.onTempDir,
    });
    const logText = await readFile(logPath, 'utf8').catch(() => '');
    const output = [run.stdout, run.stderr, logText].filter(Boolean).join('\n');
    const log = parseExpdpLog(output);
    const sql = await countSqlFile(sqlPath).catch(() => undefined);
    const verdict = classifySqlfileRun({ process: run, log, sql, timeoutMs: request.timeoutMs });
    return {
      ...verdict,
      objects: sql?.objects ?? {},
      objectTotal: sql?.total ?? 0,
      exitCode: run.exitCode,
      durationMs: run.durationMs,
      sqlFile,
      logFile,
      output,
    };
  } catch (error) {
    return {
      ok: false,
      problem: `impdp SQLFILE could not be run: ${(error as Error).message}`,
      advice: 'Check oracle-home and the dump folder.',
      codes: [],
      objects: {},
      objectTotal: 0,
      exitCode: null,
      durationMs: 0,
      sqlFile,
      logFile,
      output: '',
    };
  } finally {
    if (!request.keepFiles) {
      for (const file of [sqlPath, logPath])
        await removeFile(localFile(file), { kind: 'own-export', runTag: tag }).catch(() => undefined);
    }
  }
}
