// The backup pipeline, top to bottom: plan → pre-flight → export each schema → archive → verify → deliver →
// clean up → status. Everything outside (expdp, clock, log) comes in through `PipelineDeps`.
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createZipArchive } from './archive/zip-writer.js';
import { verifyZipArchive } from './archive/zip-verify.js';
import { copyToFolder, type FolderSourceFile } from './deliver/folder.js';
import { openSftpPlace, sftpLabel, uploadToSftp } from './deliver/sftp.js';
import { sha256File } from './hash.js';
import { classifyExport } from './export/classify.js';
import type { ExportRunner } from './export/expdp-process.js';
import { parseExpdpLog } from './export/expdp-log.js';
import { buildParfile, makeJobName, needsMultipleFiles } from './export/parfile.js';
import { formatBytes } from './report/format.js';
import { applyRetention, type PlaceRetentionResult } from './retention/apply.js';
import { removeLeftoverDumps } from './retention/dumps.js';
import { createFolderPlace } from './retention/folder-place.js';
import type { BackupPlace } from './retention/place.js';
import { purgeRunLogs } from './retention/run-logs.js';
import { policyFor } from './settings/retention-settings.js';
import type { SftpSettings } from './settings/sftp-settings.js';
import { acquireLock, LockHeldError, type RunLock } from './lock.js';
import { buildManifest, manifestJson, type Manifest } from './manifest.js';
import { runPreflight } from './preflight.js';
import type { RunLog } from './report/run-log.js';
import type {
  ArchiveReport,
  DestinationReport,
  DumpFileReport,
  PlanReport,
  RetentionReport,
  RunReport,
  SchemaReport,
} from './run-report.js';
import { expandName, makeNameTokens } from './settings/names.js';
import { formatDuration } from './settings/parse.js';
import { decideStatus } from './status.js';
import type { Finding, NameTokens, SchemaSettings, Settings } from './types.js';

export interface PipelineDeps {
  exporter: ExportRunner;
  clock: () => Date;
  log: RunLog;
  tool: { name: string; version: string };
  /** The workflow run id, or a timestamp outside Actions. */
  runId: string;
  newId: () => string;
  /** Private temporary folders go here (RUNNER_TEMP). */
  tempRoot?: string;
  onTempDir?: (dir: string) => void;
}

interface SchemaPlan {
  schema: SchemaSettings;
  jobName: string;
  dumpFile: string;
  logFile: string;
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

/** The names and parfiles of this run, computed once and used by the dry run and the real run alike. */
export function planRun(settings: Settings, tokens: NameTokens): SchemaPlan[] {
  const multiple = needsMultipleFiles(settings.expdpParameters);
  return settings.schemas.map((schema) => {
    const base = expandName(settings.dumpName, { ...tokens, schema: fileSchema(schema.name) });
    const jobName = makeJobName(schema.name, `${tokens.date}${tokens.time}`.replace(/-/g, ''));
    const spec = {
      username: schema.username,
      password: schema.password,
      connectString: settings.connectString,
      schema: schema.name,
      directory: settings.directory,
      dumpFile: multiple ? `${base}_%U.dmp` : `${base}.dmp`,
      logFile: `${base}.log`,
      jobName,
      extra: settings.expdpParameters,
    };
    return {
      schema,
      jobName,
      dumpFile: spec.dumpFile,
      logFile: spec.logFile,
      parfile: buildParfile(spec, { maskPassword: false }),
      maskedParfile: buildParfile(spec, { maskPassword: true }),
    };
  });
}

/** One backup set: the schemas that go into one archive. */
interface SetPlan {
  archiveName: string;
  schemas: SchemaReport[];
}

function planSets(settings: Settings, tokens: NameTokens, schemas: SchemaReport[]): SetPlan[] {
  const usable = schemas.filter((s) => s.outcome !== 'failed');
  if (usable.length === 0) return [];
  const names = archiveNames(
    settings,
    tokens,
    usable.map((s) => s.name),
  );
  return settings.archivePer === 'run'
    ? [{ archiveName: names[0]!, schemas: usable }]
    : usable.map((s, i) => ({ archiveName: names[i]!, schemas: [s] }));
}

export async function runBackup(settings: Settings, deps: PipelineDeps): Promise<RunReport> {
  const { log } = deps;
  const started = deps.clock();
  const tokens = makeNameTokens(started, deps.runId);
  const plans = planRun(settings, tokens);
  const findings: Finding[] = [];

  log.info(
    `oracle-backup-action ${deps.tool.version}: ${settings.schemas.length} schema(s) from ${settings.connectString}`,
  );
  const preflight = await runPreflight(settings);
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
    database: { connectString: settings.connectString },
    schemas: [],
    archives: [],
    preflight: preflight.checks,
    findings,
    bytesExported: 0,
    bytesArchived: 0,
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
      advice: 'Fix the folder or path named here; the check runs again at the start of every run.',
    });
  }

  if (settings.dryRun) {
    report.plan = dryRunPlan(settings, tokens, plans);
    for (const plan of plans) log.info(`plan for ${plan.schema.name}:\n${plan.maskedParfile}`);
    report.retention = await applyRetentionEverywhere(settings, report, deps, true);
    const ok = preflight.checks.every((c) => c.ok);
    report.status = ok ? 'success' : 'failure';
    report.statusReason = ok
      ? 'dry run: every check passed; nothing was exported or deleted'
      : 'dry run: pre-flight checks failed; nothing was exported or deleted';
    return finish();
  }

  if (!preflight.canExport || !preflight.expdp) {
    report.statusReason = 'pre-flight checks failed, so no export was started';
    log.error(report.statusReason);
    return finish();
  }

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
  try {
    // Schemas run one after another; one schema's failure never stops the others.
    for (const plan of plans) {
      report.schemas.push(await exportSchema(settings, plan, preflight.expdp, deps));
    }
    for (const set of planSets(settings, tokens, report.schemas)) {
      report.archives.push(await archiveAndDeliver(settings, set, report, deps));
    }
    await removeArchivedDumps(settings, report, findings, log);
    report.retention = await applyRetentionEverywhere(settings, report, deps, false);
  } finally {
    await lock.release();
  }

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
      dumpFile: p.dumpFile,
      logFile: p.logFile,
      parfile: p.maskedParfile,
    })),
    archives,
    destinations: [settings.workDir, ...settings.copyTo],
  };
}

/** Windows clients list `D:\DPDUMP\X.DMP`; take the last path element whatever the separator. */
function baseName(listed: string): string {
  return listed.split(/[\\/]/).pop() ?? listed;
}

/** Turns a `%U` dump template into a pattern for the files Data Pump wrote. */
function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%[Uu]/g, '\\d{2,3}');
  return new RegExp(`^${escaped}$`, 'i');
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

async function exportSchema(
  settings: Settings,
  plan: SchemaPlan,
  expdp: string,
  deps: PipelineDeps,
): Promise<SchemaReport> {
  const { log } = deps;
  const startedAt = deps.clock();
  log.info(
    `exporting ${plan.schema.name} as job ${plan.jobName} (limit ${formatDuration(plan.schema.timeoutMs)})`,
  );
  const result = await deps.exporter.run({
    executable: expdp,
    parfile: plan.parfile,
    jobName: plan.jobName,
    timeoutMs: plan.schema.timeoutMs,
    tempRoot: deps.tempRoot,
    onTempDir: deps.onTempDir,
  });

  const oracleLogPath = path.join(settings.dumpPath, plan.logFile);
  const logText = await readFile(oracleLogPath, 'utf8').catch(() => undefined);
  // The log and the console repeat each other; a fatal error may be only on the console, so read both.
  const parsed = parseExpdpLog([logText ?? '', result.stdout, result.stderr].join('\n'));
  const classification = classifyExport({
    process: result,
    log: parsed,
    logFound: logText !== undefined,
    schema: plan.schema.name,
    timeoutMs: plan.schema.timeoutMs,
  });
  let { outcome, reason } = classification;
  const findings = [...classification.findings];

  const dumpFiles: DumpFileReport[] = [];
  if (outcome !== 'failed') {
    for (const file of await locateDumpFiles(settings, plan, parsed.dumpFiles)) {
      const info = await stat(file).catch(() => undefined);
      if (!info || info.size === 0) {
        outcome = 'failed';
        reason = `dump file ${baseName(file)} ${info ? 'is empty' : 'is missing'} although expdp reported it`;
        findings.push({
          severity: 'error',
          code: info ? 'DUMP-EMPTY' : 'DUMP-MISSING',
          message: reason,
          advice: `Check that dump-path (${settings.dumpPath}) is the folder of directory ${settings.directory} as this runner sees it.`,
        });
        continue;
      }
      dumpFiles.push({ name: baseName(file), path: file, bytes: info.size });
    }
    if (dumpFiles.length === 0 && outcome !== 'failed') {
      outcome = 'failed';
      reason = 'expdp wrote no dump file';
    }
  }
  if (outcome === 'failed') await removePartialDumps(settings, plan, log);

  const durationMs = deps.clock().getTime() - startedAt.getTime();
  const rows = parsed.tables.reduce((sum, t) => sum + t.rows, 0);
  const words = { success: 'succeeded', warning: 'completed with errors', failed: 'failed' }[outcome];
  const line = `${plan.schema.name}: ${words} in ${formatDuration(Math.max(1000, durationMs))} — ${reason}`;
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
    tables: parsed.tables.length,
    rows,
    rowCounts: parsed.tables.map((t) => ({
      table: `${t.owner}.${t.table}${t.partition ? `:${t.partition}` : ''}`,
      rows: t.rows,
      bytes: t.bytes,
    })),
    skippedTables: parsed.skippedTables,
    dumpBytes: outcome === 'failed' ? 0 : dumpFiles.reduce((sum, f) => sum + f.bytes, 0),
    oracleLog: logText !== undefined ? oracleLogPath : undefined,
  };
}

/** A failed export's dump files are not a backup; remove the ones carrying this run's names so they do not pile up. */
async function removePartialDumps(settings: Settings, plan: SchemaPlan, log: RunLog): Promise<void> {
  // Only files named by this run's own template are touched, whatever the log lists.
  const pattern = templatePattern(plan.dumpFile);
  const present = await readdir(settings.dumpPath).catch(() => [] as string[]);
  for (const name of present.filter((n) => pattern.test(n))) {
    await rm(path.join(settings.dumpPath, name), { force: true });
    log.info(`removed partial dump file ${name} of failed export ${plan.schema.name}`);
  }
}

/** An archive name that does not exist yet in the work dir: an earlier backup is never overwritten. */
async function freeArchivePath(workDir: string, baseNameWithoutExt: string, log: RunLog): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${baseNameWithoutExt}.zip` : `${baseNameWithoutExt}_${n}.zip`;
    const candidate = path.join(workDir, name);
    const taken = await stat(candidate).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
    if (n === 1)
      log.warn(`${name} already exists in ${workDir}; the new archive gets a numbered name instead`);
  }
}

async function archiveAndDeliver(
  settings: Settings,
  set: SetPlan,
  run: RunReport,
  deps: PipelineDeps,
): Promise<ArchiveReport> {
  const { log } = deps;
  const started = deps.clock();
  const archivePath = await freeArchivePath(settings.workDir, set.archiveName, log);
  const archiveName = path.basename(archivePath);
  const manifestPath = `${archivePath}.manifest.json`;
  const setId = deps.newId();
  const manifestFor = (): Manifest =>
    buildManifest({
      tool: deps.tool,
      setId,
      createdAt: started.toISOString(),
      runId: deps.runId,
      status: set.schemas.every((s) => s.outcome === 'success') ? 'success' : 'partial',
      connectString: settings.connectString,
      schemas: set.schemas,
    });

  const logs = (settings.archivePer === 'run' ? run.schemas : set.schemas).filter((s) => s.oracleLog);
  log.info(`archiving ${set.schemas.map((s) => s.name).join(', ')} into ${archiveName}`);
  const entries = [
    ...set.schemas.flatMap((s) => s.dumpFiles.map((f) => ({ name: f.name, file: f.path }))),
    ...logs.map((s) => ({ name: `logs/${path.basename(s.oracleLog!)}`, file: s.oracleLog! })),
  ];
  const archiveReport: ArchiveReport = {
    setId,
    name: archiveName,
    path: archivePath,
    bytes: 0,
    sha256: '',
    encrypted: settings.archivePassword !== '',
    entries: [],
    schemas: set.schemas.map((s) => s.name),
    verified: false,
    problems: [],
    manifestPath,
    destinations: [],
    durationMs: 0,
  };

  let manifest: Manifest | undefined;
  try {
    const result = await createZipArchive({
      path: archivePath,
      entries: [
        ...entries,
        {
          name: 'manifest.json',
          // Evaluated after the dump files were written, so it carries the hashes computed on the way in.
          content: (written) => {
            for (const s of set.schemas)
              for (const f of s.dumpFiles) f.sha256 = written.find((w) => w.name === f.name)?.sha256;
            manifest = manifestFor();
            return manifestJson(manifest);
          },
        },
      ],
      level: settings.compressionLevel,
      password: settings.archivePassword || undefined,
    });
    Object.assign(archiveReport, { bytes: result.bytes, sha256: result.sha256, entries: result.entries });
    const verification = await verifyZipArchive(archivePath, {
      password: settings.archivePassword || undefined,
      expected: result.entries,
      expectedSha256: result.sha256,
    });
    archiveReport.verified = verification.ok;
    archiveReport.problems = verification.problems;
  } catch (error) {
    archiveReport.problems.push((error as Error).message);
  }
  if (!archiveReport.verified || !manifest) {
    log.error(`archive ${archiveName} is not good: ${archiveReport.problems.join('; ') || 'unknown error'}`);
    run.findings.push({
      severity: 'error',
      code: 'ARCHIVE',
      message: `archive ${archiveName} failed: ${archiveReport.problems.join('; ')}`,
      advice: 'Check free space and permissions in work-dir; the dump files were kept.',
    });
    archiveReport.durationMs = deps.clock().getTime() - started.getTime();
    return archiveReport;
  }
  for (const s of set.schemas) s.archive = archiveName;
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
  const besideJson = manifestJson(manifest);
  await writeFile(manifestPath, besideJson, { flag: 'wx' });
  const { sha256: manifestSha, bytes: manifestBytes } = await sha256File(manifestPath);
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
  for (const folder of settings.copyTo) {
    archiveReport.destinations.push(await deliverToFolder(folder, files, log));
  }
  if (settings.sftp) archiveReport.destinations.push(await deliverToSftp(settings.sftp, files, log));
  archiveReport.durationMs = deps.clock().getTime() - started.getTime();
  return archiveReport;
}

async function deliverToFolder(
  folder: string,
  files: FolderSourceFile[],
  log: RunLog,
): Promise<DestinationReport> {
  log.info(`copying ${files[0]!.name} to ${folder}`);
  const result = await copyToFolder({ folder, files });
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
): Promise<DestinationReport> {
  const label = sftpLabel(sftp);
  log.info(`uploading ${files[0]!.name} to ${label}`);
  const result = await uploadToSftp(sftp, files, { log: (line) => log.info(`  ${line}`) });
  const verification = !result.ok
    ? 'not verified'
    : result.verification === 'remote sha256sum'
      ? `SHA-256 computed on the server (${result.remoteHashCommand ?? 'sha256sum'}) matches`
      : 'copy read back: size and SHA-256 match';
  if (result.ok) log.info(`${label}: uploaded and verified (${verification})`);
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
    files: result.files,
  };
}

function throughput(bytes: number, durationMs: number): number {
  return durationMs > 0 ? Math.round((bytes * 1000) / durationMs) : 0;
}

/**
 * Raw dumps go only once their archive is verified and safe somewhere (the verified local archive counts), unless
 * `keep-dumps`. Oracle logs are copied to log-dir first so they outlive the dumps; a failed schema's log goes too,
 * once kept there, so dump-path does not fill with old logs.
 */
async function removeArchivedDumps(
  settings: Settings,
  report: RunReport,
  findings: Finding[],
  log: RunLog,
): Promise<void> {
  await mkdir(settings.logDir, { recursive: true }).catch(() => undefined);
  const keptLogs = new Set<string>();
  for (const schema of report.schemas) {
    if (!schema.oracleLog) continue;
    try {
      await copyFile(schema.oracleLog, path.join(settings.logDir, path.basename(schema.oracleLog)));
      keptLogs.add(schema.oracleLog);
    } catch (error) {
      log.warn(`could not keep ${schema.oracleLog} in log-dir: ${(error as Error).message}`);
    }
  }
  if (settings.keepDumps) {
    log.info('keep-dumps is set: the dump files and Oracle logs stay in dump-path');
    return;
  }
  const safe = new Set(
    report.archives.filter((a) => a.verified && a.destinations.some((d) => d.ok)).flatMap((a) => a.schemas),
  );
  for (const schema of report.schemas) {
    const files = [
      ...(safe.has(schema.name) ? schema.dumpFiles.map((f) => f.path) : []),
      ...(schema.oracleLog &&
      keptLogs.has(schema.oracleLog) &&
      (safe.has(schema.name) || schema.outcome === 'failed')
        ? [schema.oracleLog]
        : []),
    ];
    for (const file of files) {
      try {
        await rm(file);
      } catch (error) {
        findings.push({
          severity: 'warning',
          code: 'CLEANUP',
          message: `could not remove ${file}: ${(error as Error).message}`,
          advice: 'Remove it by hand; it is archived or kept in log-dir.',
        });
      }
    }
    if (safe.has(schema.name)) log.info(`removed the dump files of ${schema.name}: they are safely archived`);
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
    for (const place of places) retention.places.push(await retainAt(place, settings, log, options));
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
