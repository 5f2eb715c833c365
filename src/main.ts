// The action's main step: read settings, run the pipeline with the real adapters, then report everywhere.
// The one `catch` that fails the step lives here. SIGINT/SIGTERM (a cancelled workflow) abort the pipeline: the
// running Data Pump job is stopped on the server and the run is reported as cancelled before the runner kills us.
import * as core from '@actions/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { createOracleDatabase, type OracleDatabase } from './database/database.js';
import { expdpProcessRunner } from './export/expdp-process.js';
import { memoryLine, watchMemory } from './memory-watch.js';
import { runBackup, type JobEvent } from './pipeline.js';
import { buildEmail, databaseName, sendEmail, shouldSend } from './report/email.js';
import { formatBytes } from './report/format.js';
import { measureFreeSpace } from './report/free-space.js';
import { sizeChangeMessage, sizeChanges, type RunHistoryEntry } from './report/history.js';
import type { ReportLanguage } from './report/i18n.js';
import { freeRunFilePaths, runFileStem, runFileTag, writeRunFiles } from './report/run-files.js';
import { RunLog } from './report/run-log.js';
import { buildSummary } from './report/summary.js';
import type { RunReport } from './run-report.js';
import { withholdSecretVariables } from './settings/withhold.js';
import { ConfigurationError, loadModeSettings, loadSettings } from './settings/inputs.js';
import { makeNameTokens } from './settings/names.js';
import type { SmtpSettings } from './settings/smtp-settings.js';
import { rememberJob, rememberRun, rememberTempDir } from './state.js';
import { decideStatus, stepFails } from './status.js';
import { TOOL } from './version.js';

/**
 * The runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills it 2.5 s after that. The first signal
 * aborts the run; later ones are noted (the pipeline's clean-up is already bounded to fit before the kill).
 */
function cancellation(log: () => RunLog | undefined): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    const say = (message: string) => (log() ? log()!.warn(message) : core.warning(message));
    if (controller.signal.aborted) {
      say(`${signal} received again: finishing the report`);
      return;
    }
    say(`${signal} received: cancelling the run (the running Data Pump job is stopped on the server)`);
    rememberRun({ phase: 'cancelled', signal });
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export async function run(): Promise<void> {
  const clock = (): Date => new Date();
  const started = clock();
  const runId = process.env.GITHUB_RUN_ID || started.toISOString().replace(/\D/g, '').slice(0, 14);
  let runLog: RunLog | undefined;
  const cancel = cancellation(() => runLog);
  try {
    let loaded: ReturnType<typeof loadSettings>;
    try {
      // verify and monitor read the backups at the destinations only: no database, no lock, no export.
      const modeRun = loadModeSettings();
      if (modeRun) {
        withholdSecretVariables(process.env, modeRun.secrets);
        const { runModeStep } = await import('./modes/run-mode.js');
        await runModeStep(modeRun.settings, modeRun.secrets, modeRun.warnings, started, runId);
        return;
      }
      loaded = loadSettings();
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      await reportConfigurationFailure(error, started, clock);
      return;
    }
    const { settings, secrets, warnings, sources } = loaded;
    const log = new RunLog(secrets, clock, (level, message) => {
      if (level === 'DEBUG') core.debug(message);
      else if (level === 'ERROR') core.error(message);
      else if (level === 'WARN') core.warning(message);
      else core.info(message);
    });
    runLog = log;
    const memory = watchMemory();
    for (const warning of warnings) log.warn(warning);
    for (const name of withholdSecretVariables(process.env, secrets))
      log.info(`${name} holds a secret: it is not passed on to the programs the action starts`);
    rememberRun({ phase: 'running' });

    const tempDirs = new Set<string>();
    const jobs = new Map<string, JobEvent>();
    const database: OracleDatabase | undefined = settings.export.oracleQueries
      ? createOracleDatabase(
          (await import('./database/thin.js')).thinDriver({
            oracleHome: settings.oracleHome,
            log: (message) => log.info(message),
          }),
          settings.connectString,
        )
      : undefined;
    let report: RunReport;
    try {
      report = await runBackup(settings, {
        exporter: expdpProcessRunner,
        clock,
        log,
        tool: TOOL,
        runId,
        runAttempt: process.env.GITHUB_RUN_ATTEMPT,
        newId: randomUUID,
        tempRoot: process.env.RUNNER_TEMP || undefined,
        onTempDir: (dir) => rememberTempDir(dir, tempDirs),
        database,
        signal: cancel.signal,
        onJob: (event) => rememberJob(event, jobs),
      });
    } finally {
      await database?.close();
    }
    // Where the settings came from (config file, workflow, defaults): in the report JSON, the summary, the e-mail.
    if (sources) report.settingSources = sources;
    // Free space on every run, after retention freed what it could: the reports show it for each backup folder.
    report.freeSpace = await measureFreeSpace([
      { role: 'dump-path', folder: report.paths?.dumpPath ?? settings.dumpPath },
      { role: 'work-dir', folder: report.paths?.workDir || settings.workDir },
      ...settings.copyTo.map((folder) => ({ role: 'copy-to' as const, folder })),
    ]);
    for (const f of report.freeSpace)
      log.info(
        f.freeBytes === undefined
          ? `free space at ${f.role} ${f.folder}: ${f.error}`
          : `free space at ${f.role} ${f.folder}: ${formatBytes(f.freeBytes)} of ${formatBytes(f.totalBytes ?? 0)}`,
      );

    // The run history and the workflow artifact need @actions/cache and @actions/artifact (with the Azure SDK: about
    // half of the bundle's memory); loaded only now, once the archives' streams are done, so that memory and theirs
    // are never needed at the same time. The archives' dead buffers and V8's young generation, grown over the run,
    // are given back first: otherwise the code loaded here comes on top of them (6 MiB more at the peak of 4 GiB).
    memory.collectNow();
    const { actionsHistoryCache, loadHistory, storeHistory } = await import('./report/history-cache.js');
    const { actionsArtifactUploader, uploadRunArtifact } = await import('./report/artifact.js');
    // The figures of earlier runs, for the trend and the size-change alert (never the source of truth).
    const attempt = process.env.GITHUB_RUN_ATTEMPT || '1';
    const workDir = report.paths?.workDir || settings.workDir;
    const historyOptions = { workDir, connectString: settings.connectString, cache: actionsHistoryCache };
    const history = workDir && !settings.dryRun ? await loadHistory(historyOptions) : undefined;
    history?.info.forEach((m) => log.info(m));
    history?.notices.forEach((m) => log.info(m));
    history?.warnings.forEach((m) => log.warn(m));
    for (const change of sizeChanges(report, history?.runs ?? [])) log.warn(sizeChangeMessage(change));

    // dump-path may have been looked up in the database, and work-dir and log-dir with it.
    const logDir = report.paths?.logDir || settings.logDir;
    const stem = runFileStem('oracle-backup', makeNameTokens(started, runId), thisRunFileTag());
    if (logDir) {
      // Provisional names for the e-mail, which names the run log; the files claim theirs when they are written.
      const names = await freeRunFilePaths(logDir, stem);
      report.logPath = names.log;
      report.reportPath = names.report;
    }
    // Before the report and log are written, so both record whether the e-mail went out. A cancelled run has
    // seconds before the runner kills it: no e-mail (whoever cancelled it knows), the report and summary at once.
    if (settings.smtp && report.cancelled) log.info('e-mail report not sent: the run was cancelled');
    else if (settings.smtp)
      await emailReport(settings.smtp, settings.reportLanguage, report, log, history?.runs);
    log.info(memoryLine(memory.stop()));
    await writeRunLogAndReport(report, logDir, stem, log);
    const summary = buildSummary(report, {
      lang: settings.reportLanguage,
      history: history?.runs,
      runLogText: log.text(),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      scrub: (text) => log.scrub(text),
    });
    await publish(report, log.scrub(summary));
    if (workDir && history) {
      const stored = await storeHistory({ ...historyOptions, report, runId, attempt, now: clock() });
      stored.info.forEach((m) => core.info(m));
      stored.warnings.forEach((m) => core.warning(m));
    }
    const artifact = await uploadRunArtifact(report, {
      mode: settings.report.uploadArtifact,
      uploader: actionsArtifactUploader,
      runId,
      attempt,
      database: databaseName(settings.connectString),
      tempRoot: process.env.RUNNER_TEMP,
    });
    artifact.info.forEach((m) => core.info(m));
    artifact.notices.forEach((m) => core.notice(m));
    artifact.warnings.forEach((m) => core.warning(m));
    rememberRun(
      report.cancelled ? { phase: 'cancelled', signal: report.cancelled.signal } : { phase: 'finished' },
    );
  } catch (error) {
    // Anything unexpected: still say so loudly and fail the step.
    core.setOutput('status', 'failure');
    core.setFailed(`oracle-backup-action failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
  } finally {
    cancel.dispose();
  }
}

/** Sends the e-mail report when `email-on` asks for it; a failure makes the run partial, never worse. */
async function emailReport(
  smtp: SmtpSettings,
  lang: ReportLanguage,
  report: RunReport,
  log: RunLog,
  history?: readonly RunHistoryEntry[],
): Promise<void> {
  if (!shouldSend(smtp.emailOn, report.status)) {
    log.info(`e-mail report not sent: email-on is ${smtp.emailOn} and the run is ${report.status}`);
    return;
  }
  const message = buildEmail(report, {
    lang,
    runLogText: log.text(),
    history,
    runLogName: path.basename(report.logPath ?? 'oracle-backup.log'),
    host: hostname(),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    subjectTemplate: smtp.subject,
    scrub: (text) => log.scrub(text),
  });
  const sent = await sendEmail(smtp, message);
  if (sent.ok) {
    log.info(`e-mail report sent to ${smtp.to.join(', ')}`);
    return;
  }
  log.error(`e-mail report not sent: ${sent.error}`);
  report.findings.push({
    severity: 'error',
    code: 'EMAIL',
    message: `e-mail report not sent: ${sent.error}`,
    advice:
      'Fix the smtp-* inputs or the mail server as the message says; the backup itself is not affected.',
  });
  const { status, reason } = decideStatus({
    schemas: report.schemas,
    archives: report.archives,
    findings: report.findings,
  });
  // An e-mail problem never makes a run worse than partial, nor better than it was.
  if (report.status === 'success') {
    report.status = status;
    report.statusReason = reason;
  }
}

/** The workflow run and attempt, or outside Actions this process and a random part. */
function thisRunFileTag(): string {
  return runFileTag(process.env, process.pid, randomBytes(3).toString('hex'));
}

/**
 * Writes the report JSON and the run log into log-dir under names no other run holds. The backup does not depend
 * on them, so the status stays: a file that cannot be written (a full or read-only log-dir) is a warning in the
 * log, the annotations and at the top of the summary, and its path is dropped, so that no output names a missing,
 * empty or partial file.
 */
async function writeRunLogAndReport(
  report: RunReport,
  logDir: string | undefined,
  stem: string,
  log: RunLog,
): Promise<void> {
  const written = await writeRunFiles(logDir, stem, {
    report: (paths) => {
      report.logPath = paths.log;
      report.reportPath = paths.report;
      return log.scrub(JSON.stringify(report, null, 2)) + '\n';
    },
    log: (paths, reportWritten) => {
      if (reportWritten) log.info(`report: ${paths.report}`);
      log.info(`run log: ${paths.log}`);
      return log.text();
    },
    onProblem: (what, where, error) => runFileNotWritten(report, log, what, where, error),
  });
  report.reportPath = written.report;
  report.logPath = written.log;
}

/** A file log-dir could not take: a warning and a finding, so the summary says it at the top. */
function runFileNotWritten(report: RunReport, log: RunLog, what: string, where: string, error: Error): void {
  const message =
    `log-dir: ${what} could not be written (${where}): ${error.message}. ` +
    'The backup itself is not affected.';
  log.warn(message);
  report.findings.push({
    severity: 'warning',
    code: 'LOG-DIR',
    message,
    advice: 'Free space in log-dir (or point log-dir elsewhere) and make it writable for the runner account.',
  });
}

async function publish(report: RunReport, summary: string): Promise<void> {
  const goodArchives = report.archives.filter((a) => a.verified);
  core.setOutput('status', report.status);
  core.setOutput('archives', goodArchives.map((a) => a.path).join('\n'));
  core.setOutput('archive-sha256', goodArchives.map((a) => a.sha256).join('\n'));
  core.setOutput('manifest', goodArchives.map((a) => a.manifestPath).join('\n'));
  core.setOutput('report', report.reportPath ?? '');
  core.setOutput('log', report.logPath ?? '');
  core.setOutput('bytes-exported', String(report.bytesExported));
  core.setOutput('bytes-archived', String(report.bytesArchived));
  core.setOutput('duration-seconds', String(Math.round(report.durationMs / 1000)));
  core.setOutput('scn', report.consistency?.scn ?? '');
  await writeSummary(summary);
  const message = `Oracle backup ${report.status}: ${report.statusReason}`;
  if (stepFails(report.status, report.failOn)) core.setFailed(message);
  else if (report.status === 'partial') core.warning(message);
  else core.info(message);
}

async function writeSummary(markdown: string): Promise<void> {
  // core.summary.write() throws when the file is not there (outside Actions).
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}

async function reportConfigurationFailure(
  error: ConfigurationError,
  started: Date,
  clock: () => Date,
): Promise<void> {
  const finished = clock();
  const lines = [
    '## ❌ Oracle backup: failure',
    `The configuration is invalid (${error.errors.length} problem(s)); nothing was exported or deleted.`,
    ...error.errors.map((e) => `- ${e.replace(/[<>&|]/g, (c) => `&#${c.charCodeAt(0)};`)}`),
  ];
  core.setOutput('status', 'failure');
  core.setOutput('duration-seconds', String(Math.round((finished.getTime() - started.getTime()) / 1000)));
  for (const name of ['archives', 'archive-sha256', 'manifest', 'report', 'log', 'scn'])
    core.setOutput(name, '');
  core.setOutput('bytes-exported', '0');
  core.setOutput('bytes-archived', '0');
  await writeSummary(lines.join('\n') + '\n');
  core.setFailed(error.message);
}
