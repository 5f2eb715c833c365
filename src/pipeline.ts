// The backup pipeline, top to bottom: pre-flight → plan (one consistent point in time) → clean this action's
// orphaned jobs → export each schema (its Data Pump job stopped on the server at its time limit or on
// cancellation) → archive → verify → deliver → clean up → status. Archiving overlaps the exports: a schema's files
// go into its zip as soon as its export ends, while the next schema exports, and each archive goes to all its
// destinations at once (`backupSets`). Everything outside (export clients, database, clock, log, signals) comes in
// through `PipelineDeps`.
import { copyFile, link, mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AheadSpool } from './archive/deflate-ahead.js';
import { DumpsDeflatedAhead } from './archive/dumps-ahead.js';
import { GrowingFile } from './archive/growing-file.js';
import { createVerifiedZipArchive } from './archive/verified-zip.js';
import type { ZipInputEntry } from './archive/zip-writer.js';
import type { Credential, OracleDatabase } from './database/database.js';
import {
  copyToFolder,
  describeFolderError,
  discardCopies,
  publishCopies,
  type FolderDeliveryResult,
  type FolderSourceFile,
  type GrowingSourceFile,
} from './deliver/folder.js';
import { openSftpPlace, sftpLabel, uploadToSftp } from './deliver/sftp.js';
import { sha256File } from './hash.js';
import { applyIgnoreCodes, classifyExport } from './export/classify.js';
import { baseName, templatePattern } from './export/dump-files.js';
import { dumpPathAdvice, dumpPathMismatch, misplacedDumpFile } from './export/dump-location.js';
import { buildExpParfile, classifyExp, parseExpLog } from './export/exp.js';
import type { ExportRunner, JobStopReport } from './export/expdp-process.js';
import { parseExpdpLog } from './export/expdp-log.js';
import { attachJobStopper, cleanOrphans, databaseJobStopper, type JobStopper } from './export/job-stop.js';
import {
  buildParfile,
  flashbackTimeValue,
  makeJobName,
  needsMultipleFiles,
  schemaValue,
  type Flashback,
} from './export/parfile.js';
import { localFile, removeFile, tryRemoveFile } from './deletion.js';
import { useridLine } from './export/userid.js';
import { formatBytes } from './report/format.js';
import { sweepLines, sweepTemporaries } from './sweep.js';
import { finalExportName, runTag, taggedExportName, temporaryPath } from './temporary-names.js';
import { applyRetention, type PlaceRetentionResult } from './retention/apply.js';
import { removeLeftoverDumps } from './retention/dumps.js';
import { createFolderPlace } from './retention/folder-place.js';
import type { BackupPlace } from './retention/place.js';
import { purgeRunLogs } from './retention/run-logs.js';
import { policyFor } from './settings/retention-settings.js';
import type { SftpSettings } from './settings/sftp-settings.js';
import { acquireLock, LockHeldError, type RunLock } from './lock.js';
import {
  checkDump,
  dumpCheckFinding,
  toManifestDumpCheck,
  type DumpCheckResult,
} from './restore/dump-check.js';
import { localDumpHeaderReader } from './restore/dump-header.js';
import { locateImpdp } from './export/locate-client.js';
import { buildManifest, manifestJson, type Manifest } from './manifest.js';
import { credentialKey, runPreflight, type PreflightResult, type ToolKind } from './preflight.js';
import type { RunLog } from './report/run-log.js';
import type {
  ArchiveReport,
  ConsistencyReport,
  DestinationReport,
  DumpFileReport,
  PlanReport,
  RetentionReport,
  RunReport,
  SchemaReport,
} from './run-report.js';
import { expandName, makeNameTokens } from './settings/names.js';
import { formatDuration, formatElapsed } from './settings/parse.js';
import { decideStatus } from './status.js';
import type { ExportedTable, Finding, NameTokens, SchemaSettings, Settings } from './types.js';

/** What the post step needs to know about each job, reported as it starts and ends. */
export interface JobEvent {
  schema: string;
  jobName: string;
  tool: ToolKind;
  username: string;
  /** Where its dump files go, and their name (`%U` template included). */
  dumpPath: string;
  dumpFile: string;
  state: 'running' | 'completed' | 'stopped' | 'failed' | 'left-running';
}

export interface PipelineDeps {
  exporter: ExportRunner;
  clock: () => Date;
  log: RunLog;
  tool: { name: string; version: string };
  /** The workflow run id, or a timestamp outside Actions. */
  runId: string;
  /** The workflow run's attempt (a rerun is another attempt of the same run id); '1' when absent. */
  runAttempt?: string;
  newId: () => string;
  /** Private temporary folders go here (RUNNER_TEMP). */
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
  /** The database when oracle-queries is on: node-oracledb in the action, the recorded fake in tests. */
  database?: OracleDatabase;
  /** Aborted on SIGINT/SIGTERM: the running job is stopped on the server and the run recorded as cancelled. */
  signal?: AbortSignal;
  /** Job starts and ends, for the post step (saved state). */
  onJob?: (event: JobEvent) => void;
  /** Extra environment for the export clients (tests point the simulator at its configuration). */
  env?: NodeJS.ProcessEnv;
  /** How long stopping a job may take before the client is killed anyway. */
  stopBudgetMs?: { timeout: number; cancelled: number };
  /**
   * true (the default, what the action does): each schema is archived while the next one exports, and an archive
   * goes to its destinations at once. false: every stage one after another (all exports, then each set's zip, then
   * each destination): the reference `npm run bench` measures the overlapped run against. Not an input.
   */
  overlap?: boolean;
  /**
   * Free bytes deflating a dump during its export leaves on work-dir's file system (default: a tenth of it, 1 GiB
   * at least). Not an input: tests set it so as not to depend on the machine's free space.
   */
  deflateAheadReserveBytes?: number;
}

/** STOP_JOB on a busy database can take a while; a cancelled step has seconds before the runner kills it. */
const STOP_BUDGET_MS = { timeout: 120_000, cancelled: 4_000 };

interface SchemaPlan {
  schema: SchemaSettings;
  jobName: string;
  /** The names the export writes, tagged with this run (see temporary-names.ts); `%U` template included. */
  dumpFile: string;
  logFile: string;
  /** The names a kept dump and log get once the export finished and was checked. */
  finalDumpFile: string;
  finalLogFile: string;
  /** The tag in `dumpFile` and `logFile`. */
  runTag: string;
  parfile: string;
  maskedParfile: string;
}

/** A schema's name as it appears in file names: quoted (case-sensitive) names lose their quotes. */
const fileSchema = (name: string): string => name.replace(/"/g, '');

/** Archive names (without `.zip`), one per set: the whole run, or each schema given. */
function archiveNames(settings: Settings, tokens: NameTokens, schemas: string[]): string[] {
  if (settings.archivePer === 'run') return [expandName(settings.archiveName, tokens)];
  return schemas.map((name) => expandName(settings.archiveName, { ...tokens, schema: fileSchema(name) }));
}

export interface PlanOptions {
  tool?: ToolKind;
  flashback?: Flashback;
  /** This run's tag for its export files (`runTag`); the dry run's plan uses a placeholder. */
  runTag?: string;
}

/** The names and parfiles of this run, computed once and used by the dry run and the real run alike. */
export function planRun(settings: Settings, tokens: NameTokens, options: PlanOptions = {}): SchemaPlan[] {
  const tool = options.tool ?? 'expdp';
  // Written under names of this run, so that a failed or cancelled export never touches a file of another run
  // that has the same name (a kept dump of last week, a run sharing dump-path).
  const tag = options.runTag ?? 'RUN-1';
  const tagged = (name: string): string => taggedExportName(name, tag);
  return settings.schemas.map((schema) => {
    const base = expandName(settings.dumpName, { ...tokens, schema: fileSchema(schema.name) });
    const jobName = makeJobName(schema.name, `${tokens.date}${tokens.time}`.replace(/-/g, ''));
    if (tool === 'exp') {
      // Client-side files: exp writes where it runs, into work-dir (which dump-path resolves to for exp).
      const spec = {
        username: schema.username,
        password: schema.password,
        connectString: settings.connectString,
        schema: schemaValue(schema.name),
        file: path.join(settings.dumpPath, tagged(`${base}.dmp`)),
        log: path.join(settings.dumpPath, tagged(`${base}.log`)),
        consistent: settings.export.consistent,
      };
      return {
        schema,
        jobName,
        dumpFile: tagged(`${base}.dmp`),
        logFile: tagged(`${base}.log`),
        finalDumpFile: `${base}.dmp`,
        finalLogFile: `${base}.log`,
        runTag: tag,
        parfile: buildExpParfile(spec, { maskPassword: false }),
        maskedParfile: buildExpParfile(spec, { maskPassword: true }),
      };
    }
    const parallel = schema.parallel ?? settings.export.parallel;
    const fileSize = settings.export.fileSize;
    const multiple = needsMultipleFiles({ parallel, fileSize });
    const spec = {
      username: schema.username,
      password: schema.password,
      connectString: settings.connectString,
      schema: schema.name,
      directory: settings.directory,
      dumpFile: tagged(multiple ? `${base}_%U.dmp` : `${base}.dmp`),
      logFile: tagged(`${base}.log`),
      jobName,
      parallel,
      fileSize,
      flashback: options.flashback,
      exclude: schema.exclude,
      extra: settings.expdpParameters,
    };
    return {
      schema,
      jobName,
      dumpFile: spec.dumpFile,
      logFile: spec.logFile,
      finalDumpFile: finalExportName(spec.dumpFile),
      finalLogFile: finalExportName(spec.logFile),
      runTag: tag,
      parfile: buildParfile(spec, { maskPassword: false }),
      maskedParfile: buildParfile(spec, { maskPassword: true }),
    };
  });
}

/** One backup set: the schemas that go into one archive (the run's set grows as its exports end). */
interface SetPlan {
  archiveName: string;
  schemas: SchemaReport[];
}

/** An entry of a set's zip, with the schema it belongs to (for the log). */
interface SetEntry extends ZipInputEntry {
  schema: string;
  ahead?: AheadSpool;
}

/**
 * The entries of one schema: its dump files (with their blocks deflated during the export, if any), then its
 * Oracle log (a failed schema gives its log only).
 */
function schemaEntries(schema: SchemaReport, ahead: DumpsDeflatedAhead | undefined): SetEntry[] {
  return [
    ...(schema.outcome === 'failed' ? [] : schema.dumpFiles).map((f) => ({
      schema: schema.name,
      name: f.name,
      file: f.path,
      ahead: ahead?.take(f.path),
    })),
    ...(schema.oracleLog
      ? [
          {
            schema: schema.name,
            name: `logs/${finalExportName(path.basename(schema.oracleLog))}`,
            file: schema.oracleLog,
          },
        ]
      : []),
  ];
}

/** Why an archive was stopped on cancellation; recognised so it is not reported as a broken archive. */
class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
  }
}

/**
 * The entries of the run's zip as the exports end: `push` adds, `close` ends the list, `fail` (or the run's
 * cancellation) makes the zip writer stop at once if it is waiting, or after the entry it is writing.
 */
class EntryChannel implements AsyncIterable<SetEntry> {
  readonly #queue: SetEntry[] = [];
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', () => this.fail(new RunCancelledError()), { once: true });
  }

  push(...entries: SetEntry[]): void {
    if (this.#closed) return;
    this.#queue.push(...entries);
    this.#notify();
  }

  close(): void {
    this.#closed = true;
    this.#notify();
  }

  fail(error: Error): void {
    this.#error ??= error;
    this.#closed = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SetEntry> {
    for (;;) {
      if (this.#error) throw this.#error;
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

/** A fixed list of entries that stops at the next entry once `stopped` gives a reason. */
async function* guardedEntries(
  entries: SetEntry[],
  stopped: () => Error | undefined,
): AsyncIterable<SetEntry> {
  for (const entry of entries) {
    const reason = stopped();
    if (reason) throw reason;
    yield entry;
  }
}

interface BackupSets {
  /** A schema's export has ended (any outcome): its set starts, or its files join the run's zip. */
  add(schema: SchemaReport): void;
  /**
   * No more schemas: the run's zip gets its manifest and ends; resolves, in set order, with every archive once it
   * and its deliveries ended. `completed` false (the export loop threw) abandons the archives in progress.
   * Never rejects; archives stopped by a cancellation are left out (their partial files are removed).
   */
  finish(completed: boolean): Promise<ArchiveReport[]>;
}

/**
 * The run's backup sets. `archive-per: schema`: one zip per schema, written (then delivered) while the next schema
 * exports, one set after another so names and numbering stay in the schemas' order. `archive-per: run`: one zip,
 * opened when the first usable schema ends and fed each later schema's files as its export ends; its manifest, last,
 * is computed once every dump entry is written. Failed schemas' dumps are never archived (their logs are, in the
 * run's zip, as before). With `deps.overlap` false every set waits for the last export (the benchmark's reference).
 */
function backupSets(
  settings: Settings,
  tokens: NameTokens,
  run: RunReport,
  deps: PipelineDeps,
  ahead: DumpsDeflatedAhead | undefined,
): BackupSets {
  const overlap = deps.overlap !== false;
  let openGate: () => void = () => undefined;
  // Sets are archived one after another; without overlap, the first waits for the end of the exports.
  let chain: Promise<unknown> = overlap ? Promise.resolve() : new Promise<void>((r) => (openGate = r));
  const results: Array<Promise<ArchiveReport | undefined>> = [];
  let abandoned = false;
  const stopped = (): Error | undefined =>
    deps.signal?.aborted
      ? new RunCancelledError()
      : abandoned
        ? new Error('the run stopped on an unexpected error')
        : undefined;
  const schedule = (set: SetPlan, entries: () => AsyncIterable<SetEntry>): void => {
    const job = chain.then(() => (stopped() ? undefined : archiveSet(settings, set, run, deps, entries())));
    chain = job;
    results.push(job);
  };

  let runSet: { set: SetPlan; channel: EntryChannel } | undefined;
  // The logs of failed schemas that ended before the first usable one (there is no zip yet).
  const early: SetEntry[] = [];
  return {
    add(schema) {
      if (settings.archivePer === 'schema') {
        if (schema.outcome === 'failed') return;
        const [archiveName] = archiveNames(settings, tokens, [schema.name]);
        const set = { archiveName: archiveName!, schemas: [schema] };
        schedule(set, () => guardedEntries(schemaEntries(schema, ahead), stopped));
        return;
      }
      if (schema.outcome === 'failed') {
        if (runSet) runSet.channel.push(...schemaEntries(schema, ahead));
        else early.push(...schemaEntries(schema, ahead));
        return;
      }
      if (!runSet) {
        const [archiveName] = archiveNames(settings, tokens, []);
        runSet = { set: { archiveName: archiveName!, schemas: [] }, channel: new EntryChannel(deps.signal) };
        runSet.channel.push(...early);
        const channel = runSet.channel;
        schedule(runSet.set, () => channel);
      }
      runSet.set.schemas.push(schema);
      runSet.channel.push(...schemaEntries(schema, ahead));
    },
    async finish(completed) {
      if (!completed) abandoned = true;
      if (completed) runSet?.channel.close();
      else runSet?.channel.fail(stopped()!);
      openGate();
      const done = await Promise.all(results);
      return done.filter((a): a is ArchiveReport => a !== undefined);
    },
  };
}

/**
 * The point in time every schema is exported as of: one SCN read before the first export (with database
 * queries), else one FLASHBACK_TIME from the runner's clock; legacy exp makes each schema consistent by itself.
 */
async function consistencyOf(
  settings: Settings,
  preflight: PreflightResult,
  deps: PipelineDeps,
  findings: Finding[],
): Promise<{ flashback?: Flashback; report: ConsistencyReport }> {
  if (!settings.export.consistent)
    return { report: { note: 'consistent is false: each schema was exported as of its own start time' } };
  if (preflight.tool?.kind === 'exp')
    return {
      report: {
        note: 'legacy exp: each schema was exported consistent by itself (CONSISTENT=Y); exp has no shared SCN here',
      },
    };
  const session = [...preflight.sessions.values()][0];
  if (session) {
    try {
      const scn = await session.currentScn();
      return {
        flashback: { scn },
        report: {
          scn,
          note: `every schema was exported as of SCN ${scn} (FLASHBACK_SCN), read before the first export`,
        },
      };
    } catch (error) {
      findings.push({
        severity: 'warning',
        code: 'SCN',
        message: `the current SCN could not be read (${(error as Error).message}); FLASHBACK_TIME is used instead`,
        advice:
          'Grant the backup login SELECT on V_$DATABASE or EXECUTE on DBMS_FLASHBACK for an exact shared SCN.',
      });
    }
  }
  const time = deps.clock();
  const value = flashbackTimeValue(time);
  return {
    flashback: { time },
    report: {
      flashbackTime: value,
      note:
        `every schema was exported as of one FLASHBACK_TIME, ${value.replace(/^"|"$/g, '')}, taken from the runner's ` +
        "clock (no database queries, so no SCN); the runner's time zone must match the database server's",
    },
  };
}

export async function runBackup(initialSettings: Settings, deps: PipelineDeps): Promise<RunReport> {
  const { log } = deps;
  const started = deps.clock();
  const tokens = makeNameTokens(started, deps.runId);
  const tag = runTag(deps.runId, deps.runAttempt);
  const findings: Finding[] = [];

  log.info(
    `oracle-backup-action ${deps.tool.version}: ${initialSettings.schemas.length} schema(s) from ${initialSettings.connectString}`,
  );
  const preflight = await runPreflight(initialSettings, { database: deps.database, env: deps.env });
  const settings = preflight.settings;
  for (const check of preflight.checks)
    (check.ok ? log.info : log.error).call(log, `pre-flight ${check.name}: ${check.detail}`);

  const report: RunReport = {
    tool: deps.tool,
    id: deps.newId(),
    status: 'failure',
    statusReason: '',
    failOn: settings.failOn,
    dryRun: settings.dryRun,
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    database: {
      connectString: settings.connectString,
      version: preflight.database?.version,
      name: preflight.database?.name,
    },
    exportTool: preflight.tool,
    schemas: [],
    archives: [],
    preflight: preflight.checks,
    findings,
    bytesExported: 0,
    bytesArchived: 0,
    paths: preflight.pathsResolved
      ? { dumpPath: settings.dumpPath, workDir: settings.workDir, logDir: settings.logDir }
      : undefined,
  };
  const finish = (): RunReport => {
    const finished = deps.clock();
    report.finishedAt = finished.toISOString();
    report.durationMs = finished.getTime() - started.getTime();
    report.bytesExported = report.schemas.reduce((sum, s) => sum + s.dumpBytes, 0);
    report.bytesArchived = report.archives.reduce((sum, a) => sum + a.bytes, 0);
    return report;
  };

  for (const check of preflight.checks.filter((c) => !c.ok)) {
    findings.push({
      severity: 'error',
      code: 'PREFLIGHT',
      message: `${check.name}: ${check.detail}`,
      advice: 'Fix what is named here; the checks run again at the start of every run.',
    });
  }

  const ready = preflight.canExport && preflight.tool !== undefined;
  const consistency =
    ready || settings.dryRun ? await consistencyOf(settings, preflight, deps, findings) : undefined;
  report.consistency = consistency?.report;
  if (consistency) log.info(`consistency: ${consistency.report.note}`);
  const plans = planRun(settings, tokens, {
    tool: preflight.tool?.kind,
    flashback: consistency?.flashback,
    runTag: tag,
  });

  if (settings.dryRun) {
    report.plan = dryRunPlan(settings, tokens, plans);
    for (const plan of plans) log.info(`plan for ${plan.schema.name}:\n${plan.maskedParfile}`);
    if (preflight.pathsResolved)
      report.retention = await applyRetentionEverywhere(settings, report, deps, true);
    const ok = preflight.checks.every((c) => c.ok);
    report.status = ok ? 'success' : 'failure';
    report.statusReason = ok
      ? 'dry run: every check passed; nothing was exported or deleted'
      : 'dry run: pre-flight checks failed; nothing was exported or deleted';
    return finish();
  }

  if (!ready) {
    report.statusReason = 'pre-flight checks failed, so no export was started';
    log.error(report.statusReason);
    return finish();
  }
  const tool = preflight.tool!;
  if (deps.signal?.aborted)
    return cancelled(report, settings, plans, deps, finish, 'before the first export');

  let lock: RunLock;
  try {
    lock = await acquireLock(settings.workDir, deps.runId, started);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    report.statusReason = `not started: ${error.message}`;
    findings.push({ severity: 'error', code: 'LOCKED', message: error.message, advice: LOCK_ADVICE });
    log.error(report.statusReason);
    return finish();
  }
  if (lock.tookOver) {
    log.warn(
      `took over a stale lock left by pid ${lock.tookOver.pid} (run ${lock.tookOver.runId}, ` +
        `${lock.tookOver.startedAt}): that process is gone`,
    );
  }
  let during: string | undefined;
  // Once the clean-up has begun it runs to its end: the dumps of safely archived schemas are gone then, and a
  // signal during it or during retention must not claim them kept.
  let settled = false;
  try {
    await removeInterruptedRunFiles(settings.workDir, log);
    if (tool.kind === 'expdp' && preflight.sessions.size > 0)
      await cleanOrphanJobs(report, preflight, log, findings);
    const stopper = makeStopper(settings, tool, preflight, deps);
    // Each dump file is deflated while its export writes it (overlap only: the benchmark's reference runs every
    // stage after the other), so that its archive has little left to compress when the export ends.
    const ahead =
      deps.overlap !== false && settings.compressionLevel > 0
        ? new DumpsDeflatedAhead(settings.workDir, settings.compressionLevel, (m, level) => log[level](m), {
            reserveBytes: deps.deflateAheadReserveBytes,
          })
        : undefined;
    // Each schema's archive is written (per-schema sets) or fed (the run's one zip) as soon as its export ends,
    // while the next schema exports; retention and the clean-up still wait for every set.
    const sets = backupSets(settings, tokens, report, deps, ahead);
    let exportsDone = false;
    try {
      // Schemas run one after another; one schema's failure never stops the others.
      for (const plan of plans) {
        if (deps.signal?.aborted) {
          report.schemas.push(notExported(plan, deps.clock(), 'not started: the run was cancelled'));
          continue;
        }
        const loginFailure = preflight.loginFailures.get(credentialKey(plan.schema));
        if (loginFailure !== undefined) {
          report.schemas.push(
            notExported(plan, deps.clock(), `login failed in pre-flight: ${loginFailure}`, loginFailure),
          );
          log.error(`${plan.schema.name}: not exported, its login failed in pre-flight: ${loginFailure}`);
          continue;
        }
        const schemaReport = await exportSchema(settings, plan, tool, stopper, deps, ahead);
        report.schemas.push(schemaReport);
        if (deps.signal?.aborted) during ??= `the export of ${plan.schema.name}`;
        else sets.add(schemaReport);
      }
      exportsDone = true;
    } finally {
      // Every archive and delivery has ended (or was stopped) before anything is removed or the lock released.
      report.archives.push(...(await sets.finish(exportsDone)));
      await ahead?.close();
    }
    if (!deps.signal?.aborted) {
      settled = true;
      await settleExportFiles(settings, report, tag, findings, log);
      if (deps.signal?.aborted) during ??= 'the clean-up of the dump files';
      report.retention = await applyRetentionEverywhere(settings, report, deps, false);
      if (deps.signal?.aborted) during ??= 'retention';
    } else during ??= 'archiving and delivery';
    // Cancelled before the clean-up: every finished export stays, archived or not, and the log says where.
    if (deps.signal?.aborted && !settled) await keepCancelledFiles(settings, report, tag, log);
  } finally {
    await lock.release();
  }

  if (deps.signal?.aborted)
    return cancelled(report, settings, plans, deps, finish, during ?? 'the run', settled);
  const { status, reason } = decideStatus({
    schemas: report.schemas,
    archives: report.archives,
    findings,
    retentionWarnings: retentionWarnings(report.retention),
  });
  report.status = status;
  report.statusReason = reason;
  log.info(`status: ${status} (${reason})`);
  return finish();
}

/**
 * Removes the temporary files (partial archives, dump blocks deflated ahead) that killed runs left in work-dir.
 * Called with the lock held; a file goes only when its writer is gone (see sweep.ts).
 */
async function removeInterruptedRunFiles(workDir: string, log: RunLog): Promise<void> {
  const swept = await sweepTemporaries(createFolderPlace(workDir, 'local'), { workDirLockHeld: true }).catch(
    (error: unknown) => {
      log.warn(
        `cannot look for the temporary files of interrupted runs in ${workDir}: ${(error as Error).message}`,
      );
      return undefined;
    },
  );
  for (const line of swept ? sweepLines(swept) : []) log[line.level](line.text);
}

/** The run was cancelled (SIGINT/SIGTERM): status failure, reason "cancelled", every schema accounted for. */
function cancelled(
  report: RunReport,
  settings: Settings,
  plans: SchemaPlan[],
  deps: PipelineDeps,
  finish: () => RunReport,
  during: string,
  settled = false,
): RunReport {
  const reason = deps.signal?.reason;
  const signal = typeof reason === 'string' ? reason : 'a signal';
  for (const plan of plans.slice(report.schemas.length))
    report.schemas.push(notExported(plan, deps.clock(), 'not started: the run was cancelled'));
  report.cancelled = { signal, during };
  report.status = 'failure';
  const stopped = report.schemas.filter((s) => s.jobStop?.gone && s.jobStop.found).map((s) => s.jobName);
  report.statusReason =
    `cancelled (${signal}) during ${during}` +
    (stopped.length > 0 ? `; Data Pump job ${stopped.join(', ')} was stopped on the server` : '') +
    keptExportsNote(report, settled && !settings.keepDumps ? settings.workDir : undefined);
  deps.log.error(`status: failure (${report.statusReason})`);
  return finish();
}

/**
 * Where the finished exports of a cancelled run are, for its status line. `cleanedUpIn`: the clean-up had run, so the
 * dump files of the safely archived schemas were removed, and their archives in this work-dir hold them.
 */
function keptExportsNote(report: RunReport, cleanedUpIn: string | undefined): string {
  const finished = report.schemas.filter((s) => s.outcome !== 'failed' && s.dumpFiles.length > 0);
  if (finished.length === 0) return '; no export had finished';
  const archived = cleanedUpIn !== undefined ? safelyArchived(report) : new Set<string>();
  const kept = finished.filter((s) => !archived.has(s.name));
  const removed = finished.filter((s) => archived.has(s.name));
  return (
    (kept.length > 0
      ? `; finished exports kept: ${kept.map((s) => `${s.name} (${s.dumpFiles.map((f) => f.path).join(', ')})`).join('; ')}`
      : '') +
    (removed.length > 0
      ? `; finished exports safely archived: ${removed.map((s) => `${s.name} (${path.join(cleanedUpIn!, s.archive!)})`).join('; ')}`
      : '')
  );
}

/** ` in <archive>, verified at <places>`: where a safely archived schema's data is, for the log. */
function safelyWhere(report: RunReport, schema: string): string {
  const archive = report.archives.find((a) => a.verified && a.schemas.includes(schema));
  const places = (archive?.destinations ?? [])
    .filter((d) => d.ok)
    .map((d) => (d.kind === 'local' ? `work-dir ${d.location}` : d.location));
  return archive ? ` in ${archive.name}, verified at ${places.join(', ')}` : '';
}

/** The schemas whose archive is verified and safe at one place at least (work-dir counts): their dumps may go. */
function safelyArchived(report: RunReport): Set<string> {
  return new Set(
    report.archives.filter((a) => a.verified && a.destinations.some((d) => d.ok)).flatMap((a) => a.schemas),
  );
}

/** A schema that never ran (cancelled before it, or its login failed in pre-flight). */
function notExported(plan: SchemaPlan, now: Date, reason: string, cause?: string): SchemaReport {
  const findings: Finding[] = cause
    ? [
        {
          severity: 'error',
          code: /ORA-\d{5}/.exec(cause)?.[0] ?? 'LOGIN',
          message: `${plan.schema.username} could not log in: ${cause}`,
          advice:
            'Check the username and password (from a secret) and that the account is open; ' +
            'the other schemas were exported.',
        },
      ]
    : [];
  return {
    name: plan.schema.name,
    outcome: 'failed',
    reason,
    findings,
    jobName: plan.jobName,
    startedAt: now.toISOString(),
    durationMs: 0,
    exitCode: null,
    dumpFiles: [],
    tables: 0,
    rows: 0,
    rowCounts: [],
    skippedTables: [],
    dumpBytes: 0,
  };
}

/** This action's orphaned jobs (OBA_..., NOT RUNNING, no session): stopped and dropped; any other job left alone. */
async function cleanOrphanJobs(
  report: RunReport,
  preflight: PreflightResult,
  log: RunLog,
  findings: Finding[],
): Promise<void> {
  try {
    const orphans = await cleanOrphans([...preflight.sessions.values()]);
    report.orphans = orphans;
    for (const o of orphans.cleaned)
      log.warn(`orphaned Data Pump job ${o.owner}.${o.jobName} of an earlier run: ${o.how}`);
    for (const o of orphans.leftAlone)
      log.info(`Data Pump job ${o.owner}.${o.jobName} (${o.state}) left alone: ${o.why}`);
    for (const o of orphans.failed) {
      log.error(`orphaned Data Pump job ${o.owner}.${o.jobName} could not be cleaned: ${o.error}`);
      findings.push({
        severity: 'warning',
        code: 'ORPHAN',
        message: `orphaned Data Pump job ${o.owner}.${o.jobName} could not be cleaned: ${o.error}`,
        advice: `Stop it by hand: expdp ATTACH=${o.owner}.${o.jobName}, then KILL_JOB; or DROP TABLE "${o.owner}"."${o.jobName}" PURGE.`,
      });
    }
    if (orphans.ownJobsOnly.length > 0)
      log.info(
        `${orphans.ownJobsOnly.join(', ')}: no access to DBA_DATAPUMP_JOBS, so only own jobs were checked`,
      );
  } catch (error) {
    log.warn(`orphaned jobs could not be listed: ${(error as Error).message}`);
  }
}

/** How a job is stopped at its time limit or on cancellation; exp has no server job (its session dies with it). */
function makeStopper(
  settings: Settings,
  tool: { kind: ToolKind; executable: string },
  preflight: PreflightResult,
  deps: PipelineDeps,
): ((credential: Credential) => JobStopper) | undefined {
  if (tool.kind !== 'expdp') return undefined;
  const viaAttach = attachJobStopper({
    executable: tool.executable,
    connectString: settings.connectString,
    userid: (c) => useridLine({ ...c, connectString: settings.connectString }, { mask: false }),
    tempRoot: deps.tempRoot,
    onTempDir: deps.onTempDir,
    env: deps.env,
  });
  const viaDatabase = deps.database ? databaseJobStopper(deps.database) : undefined;
  return (credential) =>
    viaDatabase && preflight.sessions.has(credentialKey(credential)) ? viaDatabase : viaAttach;
}

const LOCK_ADVICE =
  'Let the other run finish; give the workflow a `concurrency:` group per database so runs queue instead.';

function dryRunPlan(settings: Settings, tokens: NameTokens, plans: SchemaPlan[]): PlanReport {
  const archives = archiveNames(
    settings,
    tokens,
    plans.map((p) => p.schema.name),
  ).map((n) => `${n}.zip`);
  return {
    schemas: plans.map((p) => ({
      name: p.schema.name,
      jobName: p.jobName,
      dumpFile: p.finalDumpFile,
      logFile: p.finalLogFile,
      parfile: p.maskedParfile,
    })),
    archives,
    destinations: [settings.workDir, ...settings.copyTo],
  };
}

/**
 * Where this runner sees the dump files. The log's list is authoritative, but its paths are the server's (in a
 * PDB they gain a GUID folder), so a listed path that does not exist here is looked up by name in `dump-path`.
 */
async function locateDumpFiles(settings: Settings, plan: SchemaPlan, listed: string[]): Promise<string[]> {
  if (listed.length > 0) {
    const found: string[] = [];
    for (const file of listed) {
      const local = path.join(settings.dumpPath, baseName(file));
      found.push(
        await stat(file).then(
          () => file,
          () => local,
        ),
      );
    }
    return found;
  }
  if (!plan.dumpFile.includes('%')) return [path.join(settings.dumpPath, plan.dumpFile)];
  const pattern = templatePattern(plan.dumpFile);
  const names = await readdir(settings.dumpPath).catch(() => [] as string[]);
  return names
    .filter((n) => pattern.test(n))
    .sort()
    .map((n) => path.join(settings.dumpPath, n));
}

/** What one client run said, whichever tool ran: the parts the report and the archive need. */
interface ReadOutput {
  outcome: SchemaReport['outcome'];
  reason: string;
  findings: Finding[];
  tables: ExportedTable[];
  dumpFiles: string[];
  skippedTables: string[];
}

async function exportSchema(
  settings: Settings,
  plan: SchemaPlan,
  tool: { kind: ToolKind; executable: string },
  stopper: ((credential: Credential) => JobStopper) | undefined,
  deps: PipelineDeps,
  ahead: DumpsDeflatedAhead | undefined,
): Promise<SchemaReport> {
  const { log } = deps;
  const startedAt = deps.clock();
  const credential = { username: plan.schema.username, password: plan.schema.password };
  const event = (state: JobEvent['state']) =>
    deps.onJob?.({
      schema: plan.schema.name,
      jobName: plan.jobName,
      tool: tool.kind,
      username: plan.schema.username,
      dumpPath: settings.dumpPath,
      dumpFile: plan.dumpFile,
      state,
    });
  log.info(
    tool.kind === 'exp'
      ? `exporting ${plan.schema.name} with legacy exp (limit ${formatDuration(plan.schema.timeoutMs)})`
      : `exporting ${plan.schema.name} as job ${plan.jobName} (limit ${formatDuration(plan.schema.timeoutMs)})`,
  );
  event('running');
  // Its dump files are deflated as they are written: the one file, or each of a %U set as it appears.
  const watch = ahead?.watch(
    settings.dumpPath,
    plan.dumpFile.includes('%') ? templatePattern(plan.dumpFile) : plan.dumpFile,
  );
  const budget = deps.stopBudgetMs ?? STOP_BUDGET_MS;
  const jobStopper = stopper?.(credential);
  const result = await deps.exporter.run({
    executable: tool.executable,
    parfile: plan.parfile,
    jobName: plan.jobName,
    timeoutMs: plan.schema.timeoutMs,
    tempRoot: deps.tempRoot,
    onTempDir: deps.onTempDir,
    signal: deps.signal,
    env: deps.env,
    stopJob: jobStopper
      ? (why) => {
          log.warn(
            `${plan.schema.name}: ${why === 'timeout' ? `past its limit of ${formatDuration(plan.schema.timeoutMs)}` : 'the run was cancelled'}; ` +
              `stopping Data Pump job ${plan.jobName} on the server`,
          );
          return jobStopper.stop(
            { jobName: plan.jobName, credential },
            budget[why === 'timeout' ? 'timeout' : 'cancelled'],
          );
        }
      : undefined,
  });
  if (result.jobStop)
    (result.jobStop.gone ? log.info : log.error).call(log, `${plan.schema.name}: ${result.jobStop.detail}`);

  const oracleLogPath = path.join(settings.dumpPath, plan.logFile);
  const logText = await readFile(oracleLogPath, 'utf8').catch(() => undefined);
  // The log and the console repeat each other; a fatal error may be only on the console, so read both.
  const text = [logText ?? '', result.stdout, result.stderr].join('\n');
  const read = readExportOutput(
    tool.kind,
    text,
    result,
    plan,
    logText !== undefined,
    result.jobStop,
    settings.ignoreCodes,
  );
  let { outcome, reason } = read;
  const findings = [...read.findings];

  const dumpFiles: DumpFileReport[] = [];
  if (outcome !== 'failed') {
    for (const file of await locateDumpFiles(settings, plan, read.dumpFiles)) {
      const info = await stat(file).catch(() => undefined);
      // Not in dump-path but listed elsewhere by the log: written to the directory's real folder, not lost.
      const elsewhere =
        !info && tool.kind === 'expdp'
          ? misplacedDumpFile(file, read.dumpFiles, settings.dumpPath)
          : undefined;
      if (elsewhere !== undefined) {
        outcome = 'failed';
        reason = dumpPathMismatch(settings.dumpPath, settings.directory, `expdp wrote to ${elsewhere}`);
        findings.push({
          severity: 'error',
          code: 'DUMP-PATH',
          message: reason,
          advice: dumpPathAdvice(settings.directory),
        });
        continue;
      }
      if (!info || info.size === 0) {
        outcome = 'failed';
        reason = `dump file ${baseName(file)} ${info ? 'is empty' : 'is missing'} although ${tool.kind} reported it`;
        findings.push({
          severity: 'error',
          code: info ? 'DUMP-EMPTY' : 'DUMP-MISSING',
          message: reason,
          advice:
            tool.kind === 'exp'
              ? `Check that work-dir (${settings.workDir}) is writable and has room.`
              : `Check that dump-path (${settings.dumpPath}) is the folder of directory ${settings.directory} as this runner sees it.`,
        });
        continue;
      }
      // Reported and archived under its final name; on disk it keeps this run's name until it is kept or removed.
      dumpFiles.push({ name: finalExportName(baseName(file)), path: file, bytes: info.size });
    }
    if (dumpFiles.length === 0 && outcome !== 'failed') {
      outcome = 'failed';
      reason = `${tool.kind} wrote no dump file`;
    }
  }
  // A restore check: a dump that fails it is not a backup (the schema fails; retention never counts it).
  let dumpCheck: DumpCheckResult | undefined;
  if (outcome !== 'failed' && tool.kind === 'expdp' && settings.verifyDump !== 'none') {
    dumpCheck = await verifyDumpSet(settings, plan, dumpFiles, deps);
    const finding = dumpCheckFinding(dumpCheck);
    if (finding) findings.push(finding);
    if (!dumpCheck.ok) {
      outcome = 'failed';
      reason = dumpCheck.problem ?? `the ${settings.verifyDump} check of the dump failed`;
    }
  }
  await watch?.ended(outcome === 'failed' ? [] : dumpFiles.map((f) => f.path));
  if (outcome === 'failed') await removePartialDumps(settings, plan, log);
  event(
    outcome !== 'failed'
      ? 'completed'
      : result.jobStop
        ? result.jobStop.gone
          ? 'stopped'
          : 'left-running'
        : 'failed',
  );

  const durationMs = deps.clock().getTime() - startedAt.getTime();
  const rows = read.tables.reduce((sum, t) => sum + t.rows, 0);
  const words = { success: 'succeeded', warning: 'completed with errors', failed: 'failed' }[outcome];
  const line = `${plan.schema.name}: ${words} in ${formatElapsed(durationMs)} — ${reason}`;
  if (outcome === 'failed') log.error(line);
  else if (outcome === 'warning') log.warn(line);
  else log.info(line);
  for (const f of findings) log.info(`  ${f.code}: ${f.message}`);

  return {
    name: plan.schema.name,
    outcome,
    reason,
    findings,
    jobName: plan.jobName,
    startedAt: startedAt.toISOString(),
    durationMs,
    exitCode: result.exitCode,
    dumpFiles: outcome === 'failed' ? [] : dumpFiles,
    tables: read.tables.length,
    rows,
    rowCounts: read.tables.map((t) => ({
      table: `${t.owner}.${t.table}${t.partition ? `:${t.partition}` : ''}`,
      rows: t.rows,
      bytes: t.bytes,
    })),
    skippedTables: read.skippedTables,
    dumpBytes: outcome === 'failed' ? 0 : dumpFiles.reduce((sum, f) => sum + f.bytes, 0),
    oracleLog: logText !== undefined ? oracleLogPath : undefined,
    jobStop: result.jobStop,
    dumpCheck: dumpCheck && toManifestDumpCheck(dumpCheck),
  };
}

/** `verify-dump`: the dump files' headers, or `impdp SQLFILE=` over the whole set (see src/restore). */
async function verifyDumpSet(
  settings: Settings,
  plan: SchemaPlan,
  dumpFiles: DumpFileReport[],
  deps: PipelineDeps,
): Promise<DumpCheckResult> {
  const impdp = settings.verifyDump === 'sqlfile' ? await locateImpdp(settings.oracleHome) : undefined;
  return checkDump(
    settings.verifyDump,
    {
      schema: plan.schema.name,
      jobName: plan.jobName,
      jobOwner: plan.schema.username.toUpperCase(),
      directory: settings.directory,
      dumpPath: settings.dumpPath,
      dumpFiles: dumpFiles.map((f) => path.basename(f.path)),
    },
    {
      headerReader: localDumpHeaderReader,
      sqlfile: impdp
        ? {
            executable: impdp,
            username: plan.schema.username,
            password: plan.schema.password,
            connectString: settings.connectString,
            timeoutMs: plan.schema.timeoutMs,
            tempRoot: deps.tempRoot,
            onTempDir: deps.onTempDir,
          }
        : undefined,
      log: (line) => deps.log.info(`  ${line}`),
    },
  );
}

/** Parses and judges a client's output: Data Pump's log, or legacy exp's (whose last line decides). */
function readExportOutput(
  kind: ToolKind,
  text: string,
  result: Awaited<ReturnType<ExportRunner['run']>>,
  plan: SchemaPlan,
  logFound: boolean,
  jobStop: JobStopReport | undefined,
  ignoreCodes: readonly string[] | undefined,
): ReadOutput {
  if (kind === 'exp') {
    const parsed = parseExpLog(text, plan.schema.name.replace(/"/g, ''));
    const verdict = applyIgnoreCodes(
      classifyExp({
        process: result,
        log: parsed,
        schema: plan.schema.name,
        timeoutMs: plan.schema.timeoutMs,
      }),
      ignoreCodes,
    );
    return { ...verdict, tables: parsed.tables, dumpFiles: [], skippedTables: [] };
  }
  const parsed = parseExpdpLog(text);
  const verdict = applyIgnoreCodes(
    classifyExport({
      process: result,
      log: parsed,
      logFound,
      schema: plan.schema.name,
      timeoutMs: plan.schema.timeoutMs,
      jobStop,
    }),
    ignoreCodes,
  );
  return {
    ...verdict,
    tables: parsed.tables,
    dumpFiles: parsed.dumpFiles,
    skippedTables: parsed.skippedTables,
  };
}

/**
 * A failed export's dump files are not a backup; the ones this run's job wrote (its tagged names) are removed so
 * they do not pile up. A file of the same final name from another run is never touched.
 */
async function removePartialDumps(settings: Settings, plan: SchemaPlan, log: RunLog): Promise<void> {
  const pattern = templatePattern(plan.dumpFile);
  const present = await readdir(settings.dumpPath).catch(() => [] as string[]);
  for (const name of present.filter((n) => pattern.test(n))) {
    const removed = await tryRemoveFile(
      localFile(path.join(settings.dumpPath, name)),
      { kind: 'own-export', runTag: plan.runTag },
      (why) => log.warn(`partial dump file ${why}`),
    );
    if (removed) log.info(`removed partial dump file ${name} of failed export ${plan.schema.name}`);
  }
}

/**
 * Keeps a finished export's files under their final names: with keep-dumps a file of that name (an earlier run's)
 * is replaced, the rotation a repeating dump-name asks for; otherwise an existing file is never replaced and the
 * dump keeps this run's name. Updates the report's paths and says where each file is.
 */
async function keepExportFiles(
  settings: Settings,
  schema: SchemaReport,
  tag: string,
  log: RunLog,
  why: string,
): Promise<void> {
  for (const file of schema.dumpFiles) {
    const target = path.join(path.dirname(file.path), file.name);
    if (target !== file.path) file.path = await giveFinalName(file.path, target, settings.keepDumps, tag);
    log.info(`${schema.name}: kept dump file ${file.path} (${why})`);
  }
}

/** Renames `from` to `to` (replacing only when `replace`); returns where the file is now. */
async function giveFinalName(from: string, to: string, replace: boolean, tag: string): Promise<string> {
  try {
    if (replace) await rename(from, to);
    // link fails when `to` exists: nothing is replaced.
    else await link(from, to);
  } catch {
    return from;
  }
  if (!replace) {
    await removeFile(localFile(from), { kind: 'own-export', runTag: tag }).catch(() => undefined);
  }
  return to;
}

/**
 * A cancelled run: the Oracle logs are kept in log-dir for the record; a finished export is data, so its dump
 * files stay (under their final names where free) and the log says where, archived or not. The files of an
 * export that did not finish were removed when it failed.
 */
async function keepCancelledFiles(
  settings: Settings,
  report: RunReport,
  tag: string,
  log: RunLog,
): Promise<void> {
  const keptLogs = await keepOracleLogs(settings, report, log);
  for (const schema of report.schemas) {
    const copy = schema.oracleLog && keptLogs.get(schema.oracleLog);
    if (schema.oracleLog && copy && (await removeOwnExportFile(schema.oracleLog, tag, log)))
      schema.oracleLog = copy;
    if (schema.outcome === 'failed' || schema.dumpFiles.length === 0) continue;
    await keepExportFiles(
      settings,
      schema,
      tag,
      log,
      schema.archive
        ? `archived in ${schema.archive}, and the run was cancelled before its clean-up`
        : 'a finished export; the run was cancelled before it was archived',
    );
  }
}

/** Copies each schema's Oracle log to log-dir under its final name; returns each copied log's copy. */
async function keepOracleLogs(
  settings: Settings,
  report: RunReport,
  log: RunLog,
): Promise<Map<string, string>> {
  await mkdir(settings.logDir, { recursive: true }).catch(() => undefined);
  const kept = new Map<string, string>();
  for (const schema of report.schemas) {
    if (!schema.oracleLog) continue;
    const copy = path.join(settings.logDir, finalExportName(path.basename(schema.oracleLog)));
    try {
      await copyFile(schema.oracleLog, copy);
      kept.set(schema.oracleLog, copy);
    } catch (error) {
      log.warn(`could not keep ${schema.oracleLog} in log-dir: ${(error as Error).message}`);
    }
  }
  return kept;
}

/** Removes an export file (dump or Oracle log) this run wrote; a failure is only logged. */
async function removeOwnExportFile(file: string, tag: string, log: RunLog): Promise<boolean> {
  return tryRemoveFile(localFile(file), { kind: 'own-export', runTag: tag }, (why) => log.warn(why));
}

/**
 * An archive name that does not exist yet in the work dir, nor as a manifest's: an earlier backup (or what is left
 * of one) is never overwritten.
 */
async function freeArchivePath(workDir: string, baseNameWithoutExt: string, log: RunLog): Promise<string> {
  const exists = (file: string) =>
    stat(file).then(
      () => true,
      () => false,
    );
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${baseNameWithoutExt}.zip` : `${baseNameWithoutExt}_${n}.zip`;
    const candidate = path.join(workDir, name);
    const taken = (await exists(candidate)) || (await exists(`${candidate}.manifest.json`));
    if (!taken) return candidate;
    if (n === 1)
      log.warn(`${name} already exists in ${workDir}; the new archive gets a numbered name instead`);
  }
}

/**
 * One set: its zip written from `entries` (each schema's dump files and log as they come, the manifest last, with
 * the hashes computed on the way in), re-read and verified, the manifest written beside it, then both delivered to
 * every destination at once (reports in the configured order). Never rejects: any error makes the set failed with
 * its reason (its dumps are kept). Undefined when the run's cancellation stopped the zip (its partial file removed).
 */
async function archiveSet(
  settings: Settings,
  set: SetPlan,
  run: RunReport,
  deps: PipelineDeps,
  entries: AsyncIterable<SetEntry>,
): Promise<ArchiveReport | undefined> {
  const { log } = deps;
  const started = deps.clock();
  const setId = deps.newId();
  const archiveReport: ArchiveReport = {
    setId,
    name: `${set.archiveName}.zip`,
    path: path.join(settings.workDir, `${set.archiveName}.zip`),
    bytes: 0,
    sha256: '',
    encrypted: settings.archivePassword !== '',
    entries: [],
    schemas: [],
    verified: false,
    problems: [],
    manifestPath: path.join(settings.workDir, `${set.archiveName}.zip.manifest.json`),
    destinations: [],
    durationMs: 0,
  };
  const failed = (problem: string | undefined): ArchiveReport => {
    archiveReport.verified = false;
    archiveReport.schemas = set.schemas.map((s) => s.name);
    if (problem !== undefined) archiveReport.problems.push(problem);
    for (const s of set.schemas) if (s.archive === archiveReport.name) delete s.archive;
    log.error(
      `archive ${archiveReport.name} is not good: ${archiveReport.problems.join('; ') || 'unknown error'}`,
    );
    run.findings.push({
      severity: 'error',
      code: 'ARCHIVE',
      message: `archive ${archiveReport.name} failed: ${archiveReport.problems.join('; ')}`,
      advice: 'Check free space and permissions in work-dir; the dump files were kept.',
    });
    archiveReport.durationMs = deps.clock().getTime() - started.getTime();
    return archiveReport;
  };
  try {
    return await writeAndDeliver(settings, set, run, deps, entries, archiveReport, started);
  } catch (error) {
    if (error instanceof RunCancelledError || (deps.signal?.aborted && !archiveReport.verified)) {
      log.warn(
        `archive ${archiveReport.name} stopped: the run was cancelled (its partial file was removed; nothing of it is kept)`,
      );
      return undefined;
    }
    return failed(error instanceof ArchiveNotGoodError ? undefined : (error as Error).message);
  }
}

/** The zip could not be written or did not verify; its problems are already in the archive's report. */
class ArchiveNotGoodError extends Error {}

/** The body of `archiveSet`; throws on what it cannot handle, and `RunCancelledError` when cancelled. */
async function writeAndDeliver(
  settings: Settings,
  set: SetPlan,
  run: RunReport,
  deps: PipelineDeps,
  entries: AsyncIterable<SetEntry>,
  archiveReport: ArchiveReport,
  started: Date,
): Promise<ArchiveReport> {
  const { log } = deps;
  const overlap = deps.overlap !== false;
  const archivePath = await freeArchivePath(settings.workDir, set.archiveName, log);
  const archiveName = path.basename(archivePath);
  const manifestPath = `${archivePath}.manifest.json`;
  Object.assign(archiveReport, { name: archiveName, path: archivePath, manifestPath });
  const manifestFor = (): Manifest =>
    buildManifest({
      tool: deps.tool,
      setId: archiveReport.setId,
      createdAt: started.toISOString(),
      runId: deps.runId,
      status: set.schemas.every((s) => s.outcome === 'success') ? 'success' : 'partial',
      connectString: settings.connectString,
      databaseVersion: run.database.version,
      databaseName: run.database.name,
      consistency: run.consistency,
      schemas: set.schemas,
    });

  log.info(`archiving into ${archiveName}`);
  let manifest: Manifest | undefined;
  const deflatedAhead: Array<{ name: string; blocks: AheadSpool }> = [];
  // Whose each entry is, so the reports can give each schema its own measured part of the zip.
  const entrySchema = new Map<string, string>();
  // Says which schema's files go in as the zip reaches them, then the manifest, last.
  async function* zipEntries(): AsyncIterable<ZipInputEntry> {
    let current: string | undefined;
    for await (const { schema, ...entry } of entries) {
      if (schema !== current) log.info(`${archiveName}: adding ${schema}`);
      current = schema;
      entrySchema.set(entry.name, schema);
      if (entry.ahead) deflatedAhead.push({ name: entry.name, blocks: entry.ahead });
      yield entry;
    }
    yield {
      name: 'manifest.json',
      // Evaluated after the dump files were written, so it carries the hashes computed on the way in.
      content: (written) => {
        for (const s of set.schemas)
          for (const f of s.dumpFiles) f.sha256 = written.find((w) => w.name === f.name)?.sha256;
        manifest = manifestFor();
        return manifestJson(manifest);
      },
    };
  }

  // Copies of the archive to local folders, made as it is written (overlap only): they read the file as its bytes
  // land and check the copy once it is complete. Without its manifest a copy is an incomplete set, and it is removed
  // again if the archive fails. SFTP waits for the verification: a remote copy cannot be taken back as surely.
  const earlyCopies = new Map<string, Promise<FolderDeliveryResult>>();
  const growing =
    overlap && !deps.signal?.aborted && settings.copyTo.length > 0 ? new GrowingFile() : undefined;
  let settle: { resolve(done: ArchiveDone): void; reject(error: unknown): void } | undefined;
  if (growing) {
    const complete = new Promise<ArchiveDone>((resolve, reject) => (settle = { resolve, reject }));
    complete.catch(() => undefined);
    for (const folder of settings.copyTo) {
      const file = { source: archivePath, name: archiveName, chunks: growing.chunks(), complete };
      earlyCopies.set(folder, startFolderCopy(folder, file, log));
    }
  }
  // The complete archive keeps its temporary name until its manifest is in place (see publishSet).
  let held: string | undefined;
  try {
    // Each entry is read back from disk as it is written; the finished archive is checked once more.
    const written = await createVerifiedZipArchive({
      path: archivePath,
      entries: zipEntries(),
      level: settings.compressionLevel,
      password: settings.archivePassword || undefined,
      // A cancelled run stops the zip mid-entry: the runner kills the step seconds after cancelling it.
      signal: deps.signal,
      observers: growing ? [growing] : [],
      hold: true,
    });
    const result = written.archive;
    held = result.path;
    for (const { name, blocks } of deflatedAhead) {
      log.debug(
        `${archiveName}: ${name}: ${blocks.reused} of ${blocks.reused + blocks.redone} blocks came deflated ` +
          `from its export (the others changed since, or were not written yet)`,
      );
    }
    settle?.resolve({ bytes: result.bytes, sha256: result.sha256 });
    const entries = result.entries.map((e) => {
      const schema = entrySchema.get(e.name);
      return schema === undefined ? e : { ...e, schema };
    });
    Object.assign(archiveReport, { bytes: result.bytes, sha256: result.sha256, entries });
    const verification = await written.verification;
    archiveReport.verified = verification.ok;
    archiveReport.problems = verification.problems;
  } catch (error) {
    settle?.reject(error);
    if (error instanceof RunCancelledError) {
      await withdrawCopies(earlyCopies, log);
      throw error;
    }
    archiveReport.problems.push((error as Error).message);
  }
  archiveReport.schemas = set.schemas.map((s) => s.name);
  const discardHeld = () =>
    held ? removeFile(localFile(held), { kind: 'own-temporary' }).catch(() => undefined) : undefined;
  if (!archiveReport.verified || !manifest) {
    await discardHeld();
    await withdrawCopies(earlyCopies, log);
    throw new ArchiveNotGoodError();
  }
  log.info(
    `${archiveName}: ${archiveReport.bytes} bytes, sha256 ${archiveReport.sha256}, every entry verified`,
  );

  // The copy beside the archive also knows the archive's own hash.
  manifest.archives = [
    {
      name: archiveName,
      bytes: archiveReport.bytes,
      sha256: archiveReport.sha256,
      encrypted: archiveReport.encrypted,
    },
  ];
  try {
    await publishSet(held!, archivePath, manifestJson(manifest), manifestPath);
  } catch (error) {
    await discardHeld();
    await withdrawCopies(earlyCopies, log);
    archiveReport.problems.push(`the archive was not kept: ${(error as Error).message}`);
    throw new ArchiveNotGoodError();
  }
  const { sha256: manifestSha, bytes: manifestBytes } = await sha256File(manifestPath);
  for (const s of set.schemas) s.archive = archiveName;
  archiveReport.destinations.push({
    kind: 'local',
    location: settings.workDir,
    ok: true,
    verification: 'every entry re-read: CRC/authentication and SHA-256 match',
    durationMs: deps.clock().getTime() - started.getTime(),
    bytes: archiveReport.bytes,
    files: [
      {
        name: archiveName,
        path: archivePath,
        bytes: archiveReport.bytes,
        sha256: archiveReport.sha256,
        verified: true,
      },
      {
        name: path.basename(manifestPath),
        path: manifestPath,
        bytes: manifestBytes,
        sha256: manifestSha,
        verified: true,
      },
    ],
  });

  // Manifest last: at every destination, a set whose manifest is present is complete.
  const files: FolderSourceFile[] = [
    { source: archivePath, name: archiveName, sha256: archiveReport.sha256, bytes: archiveReport.bytes },
    { source: manifestPath, name: path.basename(manifestPath), sha256: manifestSha, bytes: manifestBytes },
  ];
  const sftp = settings.sftp;
  const deliveries: Array<() => Promise<DestinationReport>> = [
    ...settings.copyTo.map(
      (folder) => () =>
        deliverToFolder(folder, files, log, earlyCopies.get(folder)).catch((error: unknown) =>
          unexpectedDeliveryFailure('folder', folder, error, log),
        ),
    ),
    ...(sftp
      ? [
          () =>
            deliverToSftp(sftp, files, log, deps).catch((error: unknown) =>
              unexpectedDeliveryFailure('sftp', sftpLabel(sftp), error, log),
            ),
        ]
      : []),
  ];
  // Each destination on its own; the reports keep the configured order (folders, then SFTP).
  if (overlap) archiveReport.destinations.push(...(await Promise.all(deliveries.map((d) => d()))));
  else for (const deliver of deliveries) archiveReport.destinations.push(await deliver());
  archiveReport.durationMs = deps.clock().getTime() - started.getTime();
  return archiveReport;
}

/**
 * Gives a verified archive (held under a temporary name) and its manifest their names in work-dir: the manifest is
 * written in full under a temporary name, then named, and only then the archive. A full disk or a kill at any
 * point leaves either nothing under the set's names, or a manifest whose archive is missing (an unverified set
 * that retention reports), never an archive that no manifest speaks for.
 */
async function publishSet(held: string, archivePath: string, manifestText: string, manifestPath: string) {
  const temporary = temporaryPath(manifestPath);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(manifestText);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, manifestPath);
  } catch (error) {
    await removeFile(localFile(temporary), { kind: 'own-temporary' }).catch(() => undefined);
    throw new Error(
      `cannot write the manifest ${manifestPath}: ${describeFolderError(path.dirname(manifestPath), error)}`,
      {
        cause: error,
      },
    );
  }
  await rename(held, archivePath);
}

/** A destination whose delivery threw instead of reporting: failed, with the reason, never lost. */
function unexpectedDeliveryFailure(
  kind: 'folder' | 'sftp',
  location: string,
  error: unknown,
  log: RunLog,
): DestinationReport {
  const message = error instanceof Error ? error.message : String(error);
  log.error(`${location}: delivery failed: ${message}`);
  return {
    kind,
    location,
    ok: false,
    verification: 'not verified',
    error: message,
    durationMs: 0,
    bytes: 0,
    files: [],
  };
}

/** The size and SHA-256 of a complete archive, as its writer computed them. */
interface ArchiveDone {
  bytes: number;
  sha256: string;
}

/** Starts copying one file (the archive) to a folder, logging it; never rejects. */
function startFolderCopy(
  folder: string,
  file: FolderSourceFile | GrowingSourceFile,
  log: RunLog,
): Promise<FolderDeliveryResult> {
  // An archive is copied as it is written, so this line can come before a later schema's export ends: say so.
  log.info(
    'chunks' in file
      ? `copying ${file.name} to ${folder} as it is written (later schemas may still be exporting)`
      : `copying ${file.name} to ${folder}`,
  );
  return copyToFolder({ folder, files: [file], hold: true }).catch(
    (error: unknown): FolderDeliveryResult => ({
      folder,
      ok: false,
      files: [],
      error: error instanceof Error ? error.message : String(error),
      durationMs: 0,
      bytes: 0,
    }),
  );
}

/**
 * Discards the copies of an archive that failed its verification (or was cancelled) from the folders it was copied
 * to early: they were held under temporary names, so no final name ever showed them.
 */
async function withdrawCopies(
  copies: Map<string, Promise<FolderDeliveryResult>>,
  log: RunLog,
): Promise<void> {
  for (const [folder, copy] of copies) {
    const { files } = await copy;
    if (files.some((f) => f.pending !== undefined))
      log.warn(`${folder}: discarded the unfinished copy of ${files[0]!.name}`);
    await discardCopies(files);
  }
}

/**
 * Copies the archive, then its manifest, to a folder: the manifest only once the archive is there and verified.
 * `archiveCopy`: the archive's copy, already started (see `startFolderCopy`).
 */
async function deliverToFolder(
  folder: string,
  files: FolderSourceFile[],
  log: RunLog,
  archiveCopy?: Promise<FolderDeliveryResult>,
): Promise<DestinationReport> {
  const [archive, ...rest] = files;
  const first = await (archiveCopy ?? startFolderCopy(folder, archive!, log));
  let result = first.ok
    ? joinFolderResults(first, await copyToFolder({ folder, files: rest, hold: true }))
    : first;
  // Every copy is verified under a temporary name first; the manifest then takes its name before the archive, so
  // the folder never shows an archive without its manifest.
  try {
    if (result.ok) await publishCopies(folder, [...result.files.slice(1), result.files[0]!]);
  } catch (error) {
    result = { ...result, ok: false, error: (error as Error).message };
  }
  await discardCopies(result.files);
  if (!result.ok) result = { ...result, files: [], bytes: 0 };
  if (result.ok) log.info(`${folder}: copied and verified (size and SHA-256 of the copy re-read)`);
  else log.error(`${folder}: copy failed: ${result.error}`);
  return {
    kind: 'folder',
    location: folder,
    ok: result.ok,
    verification: result.ok ? 'copy re-read: size and SHA-256 match' : 'not verified',
    error: result.error,
    durationMs: result.durationMs,
    bytes: result.bytes,
    throughputBytesPerSec: throughput(result.bytes, result.durationMs),
    files: result.files,
  };
}

async function deliverToSftp(
  sftp: SftpSettings,
  files: FolderSourceFile[],
  log: RunLog,
  deps: Pick<PipelineDeps, 'tempRoot' | 'onTempDir'>,
): Promise<DestinationReport> {
  const label = sftpLabel(sftp);
  log.info(`uploading ${files[0]!.name} to ${label}`);
  const result = await uploadToSftp(sftp, files, {
    log: (line) => log.info(`  ${line}`),
    tempRoot: deps.tempRoot,
    onTempDir: deps.onTempDir,
  });
  const verification = !result.ok
    ? 'not verified'
    : result.verification === 'remote sha256sum'
      ? `SHA-256 computed on the server (${result.remoteHashCommand ?? 'sha256sum'}) matches`
      : 'copy read back: size and SHA-256 match';
  if (result.ok)
    log.info(`${label}: uploaded and verified (${verification}; transfer: ${result.transferDetail})`);
  else log.error(`${label}: upload failed after ${result.attempts} attempt(s): ${result.error}`);
  return {
    kind: 'sftp',
    location: sftpLabel(sftp, result.remotePath),
    ok: result.ok,
    verification,
    error: result.error,
    durationMs: result.durationMs,
    bytes: result.bytes,
    throughputBytesPerSec: result.throughputBytesPerSec,
    transfer: result.transferDetail,
    files: result.files,
  };
}

/** One folder's result from the copies of two parts of its files, one after the other. */
function joinFolderResults(first: FolderDeliveryResult, second: FolderDeliveryResult): FolderDeliveryResult {
  return {
    folder: first.folder,
    ok: second.ok,
    files: [...first.files, ...second.files],
    ...(second.error === undefined ? {} : { error: second.error }),
    durationMs: first.durationMs + second.durationMs,
    bytes: first.bytes + second.bytes,
  };
}

function throughput(bytes: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((bytes * 1000) / durationMs) : 0;
}

/**
 * Raw dumps go only once their archive is verified and safe somewhere (the verified local archive counts), unless
 * `keep-dumps`, which keeps every finished export under its final name (replacing an earlier run's file of that
 * name: the rotation a repeating dump-name asks for). A finished export that is not safely archived is kept too.
 * Oracle logs are copied to log-dir first so they outlive the dumps; a failed schema's log goes too, once kept
 * there, so dump-path does not fill with old logs. Only this run's files (by their tag) are ever removed.
 */
async function settleExportFiles(
  settings: Settings,
  report: RunReport,
  tag: string,
  findings: Finding[],
  log: RunLog,
): Promise<void> {
  const keptLogs = await keepOracleLogs(settings, report, log);
  const safe = safelyArchived(report);
  const cannotRemove = (file: string) => (why: string) =>
    findings.push({
      severity: 'warning',
      code: 'CLEANUP',
      message: `could not remove ${file}: ${why}`,
      advice: 'Remove it by hand; it is archived or kept in log-dir.',
    });
  if (settings.keepDumps) log.info('keep-dumps is set: the dump files and Oracle logs stay in dump-path');
  for (const schema of report.schemas) {
    const finished = schema.outcome !== 'failed' && schema.dumpFiles.length > 0;
    if (settings.keepDumps) {
      if (finished) await keepExportFiles(settings, schema, tag, log, 'keep-dumps');
      if (schema.oracleLog)
        schema.oracleLog = await giveFinalName(
          schema.oracleLog,
          path.join(path.dirname(schema.oracleLog), finalExportName(path.basename(schema.oracleLog))),
          true,
          tag,
        );
      continue;
    }
    if (safe.has(schema.name)) {
      for (const file of schema.dumpFiles) {
        const ground = { kind: 'own-export', runTag: tag } as const;
        await tryRemoveFile(localFile(file.path), ground, cannotRemove(file.path));
      }
      log.info(
        `removed the dump files of ${schema.name}: they are safely archived${safelyWhere(report, schema.name)}`,
      );
    } else if (finished) await keepExportFiles(settings, schema, tag, log, 'not safely archived');
    const copy = schema.oracleLog && keptLogs.get(schema.oracleLog);
    if (schema.oracleLog && copy && (safe.has(schema.name) || schema.outcome === 'failed')) {
      const ground = { kind: 'own-export', runTag: tag } as const;
      if (await tryRemoveFile(localFile(schema.oracleLog), ground, cannotRemove(schema.oracleLog)))
        schema.oracleLog = copy;
    }
  }
}

/** Every retention warning (a delete that failed), which makes the run partial. */
function retentionWarnings(retention: RetentionReport | undefined): string[] {
  if (!retention) return [];
  return [
    ...retention.places.flatMap((p) => p.warnings.map((w) => `${p.place}: ${w}`)),
    ...(retention.leftoverDumps?.warnings ?? []),
    ...(retention.runLogs?.warnings ?? []),
  ];
}

/**
 * Retention, once this run's copies are verified: leftover dumps first (proving a dump is ours needs the old
 * manifests that set retention may remove), then every place, then old run logs. A dry run plans the same
 * without deleting, as if this run had produced a good backup.
 */
async function applyRetentionEverywhere(
  settings: Settings,
  report: RunReport,
  deps: PipelineDeps,
  dryRun: boolean,
): Promise<RetentionReport> {
  const { log } = deps;
  const good = report.archives.filter((a) => a.verified);
  const thisRunSetIds = good.map((a) => a.setId);
  const runProducedGoodBackup = dryRun || good.some((a) => a.destinations.some((d) => d.ok));
  const now = deps.clock();
  const retention: RetentionReport = { places: [] };

  if (!settings.keepDumps) {
    retention.leftoverDumps = await removeLeftoverDumps({
      dumpPath: settings.dumpPath,
      workDir: settings.workDir,
      dumpName: settings.dumpName,
      dryRun,
      runProducedGoodBackup,
      thisRunSetIds,
    });
  }

  const places: BackupPlace[] = [
    createFolderPlace(settings.workDir, 'local'),
    ...settings.copyTo.map((folder) => createFolderPlace(folder, 'copy-to')),
  ];
  let sftpPlace: (BackupPlace & { close(): Promise<void> }) | undefined;
  if (settings.sftp) {
    try {
      sftpPlace = await openSftpPlace(settings.sftp);
      places.push(sftpPlace);
    } catch (error) {
      const warning = `retention skipped at ${sftpLabel(settings.sftp)}: ${(error as Error).message}`;
      log.warn(warning);
      retention.places.push(unreachablePlace(sftpLabel(settings.sftp), settings, dryRun, warning));
    }
  }
  try {
    const options = { now, dryRun, runProducedGoodBackup, thisRunSetIds };
    for (const place of places) {
      // What killed runs left at a destination goes whatever this run produced (work-dir was swept at the start).
      if (!dryRun && place.kind !== 'local') await sweepPlace(place, log);
      retention.places.push(await retainAt(place, settings, log, options));
    }
  } finally {
    await sftpPlace?.close().catch(() => undefined);
  }

  retention.runLogs = await purgeRunLogs(
    createFolderPlace(settings.logDir, 'local', `log-dir ${settings.logDir}`),
    settings.retention.logRetentionDays,
    { now, dryRun, runProducedGoodBackup },
  );
  return retention;
}

/** Removes the temporary files of dead writers at a destination (see sweep.ts); only logs. */
async function sweepPlace(place: BackupPlace, log: RunLog): Promise<void> {
  try {
    for (const line of sweepLines(await sweepTemporaries(place))) log[line.level](line.text);
  } catch (error) {
    log.warn(
      `cannot look for the partial files of interrupted runs at ${place.label}: ${(error as Error).message}`,
    );
  }
}

/** The retention result of a place that could not be reached: nothing deleted, one warning. */
function unreachablePlace(
  label: string,
  settings: Settings,
  dryRun: boolean,
  warning: string,
): PlaceRetentionResult {
  return {
    place: label,
    kind: 'sftp',
    dryRun,
    policy: policyFor(settings.retention, 'sftp'),
    blocked: 'the place could not be reached, so nothing was deleted there',
    sets: [],
    setsKept: 0,
    setsDeleted: 0,
    setsFailed: 0,
    bytesFreed: 0,
    ignored: [],
    warnings: [warning],
    notes: [],
  };
}

async function retainAt(
  place: BackupPlace,
  settings: Settings,
  log: RunLog,
  options: { now: Date; dryRun: boolean; runProducedGoodBackup: boolean; thisRunSetIds: string[] },
): Promise<PlaceRetentionResult> {
  const result = await applyRetention(place, policyFor(settings.retention, place.kind), {
    ...options,
    database: settings.connectString,
    calendar: 'local',
  });
  const verb = options.dryRun ? 'would delete' : 'deleted';
  log.info(
    `retention at ${result.place}: kept ${result.setsKept}, ${verb} ${result.setsDeleted} set(s)` +
      (result.blocked ? ` — ${result.blocked}` : '') +
      (result.bytesFreed ? `, ${formatBytes(result.bytesFreed)} freed` : ''),
  );
  for (const set of result.sets.filter((x) => x.action === 'delete'))
    log.info(`  ${verb} ${set.archives.join(', ')} (${set.reasons.join('; ')})`);
  for (const warning of result.warnings) log.warn(`retention at ${result.place}: ${warning}`);
  return result;
}
