// `mode: verify` and `mode: monitor` as steps: read the backups at the destinations (no database, no export),
// then report like a backup run does — run log, report JSON, summary, outputs, e-mail — and fail per fail-on.
import * as core from '@actions/core';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sendEmail, shouldSend } from '../report/email.js';
import { freeRunFilePaths, runFileStem, runFileTag, writeRunFiles } from '../report/run-files.js';
import { RunLog } from '../report/run-log.js';
import type { ModeRunSettings } from '../settings/settings.js';
import { makeNameTokens } from '../settings/names.js';
import { stepFails } from '../status.js';
import { runMonitorMode } from './monitor.js';
import type { ModePlace } from './places.js';
import { buildModeEmail, renderModeSummary, renderModeText } from './summary.js';
import { runVerifyMode } from './verify.js';

export async function runModeStep(
  settings: ModeRunSettings,
  secrets: string[],
  warnings: string[],
  started: Date,
  runId: string,
): Promise<void> {
  const clock = (): Date => new Date();
  const log = new RunLog(secrets, clock, (level, message) => {
    if (level === 'DEBUG') core.debug(message);
    else if (level === 'ERROR') core.error(message);
    else if (level === 'WARN') core.warning(message);
    else core.info(message);
  });
  for (const warning of warnings) log.warn(warning);
  const info = (line: string): void => log.info(line);

  const places: ModePlace[] = [
    ...settings.copyTo.map((folder): ModePlace => ({ kind: 'folder', folder })),
    ...(settings.sftp ? [{ kind: 'sftp', settings: settings.sftp } as ModePlace] : []),
  ];
  let result;
  if (settings.mode === 'verify') {
    const from = settings.modes.verifyFrom;
    const source: ModePlace =
      from?.kind === 'folder' || !settings.sftp
        ? { kind: 'folder', folder: from?.kind === 'folder' ? from.folder : settings.copyTo[0]! }
        : { kind: 'sftp', settings: settings.sftp };
    result = await runVerifyMode({
      source,
      archivePassword: settings.archivePassword,
      tempRoot: process.env.RUNNER_TEMP || undefined,
      log: info,
    });
  } else {
    result = await runMonitorMode({ places, maxAgeMs: settings.modes.maxAgeMs, log: info });
  }
  log.info(renderModeText(result));

  const stem = runFileStem(
    `oracle-backup-${settings.mode}`,
    makeNameTokens(started, runId),
    runFileTag(process.env, process.pid, randomBytes(3).toString('hex')),
  );
  // Provisional names for the e-mail, which names the run log; the files claim theirs when they are written.
  const provisional = await freeRunFilePaths(settings.logDir, stem);
  if (settings.smtp && shouldSend(settings.smtp.emailOn, result.status)) {
    const sent = await sendEmail(
      settings.smtp,
      buildModeEmail(result, {
        runLogText: log.text(),
        runLogName: path.basename(provisional.log),
        scrub: (text) => log.scrub(text),
      }),
    );
    if (sent.ok) log.info(`e-mail report sent to ${settings.smtp.to.join(', ')}`);
    else log.error(`e-mail report not sent: ${sent.error}`);
  }
  // The result was read at the destinations: a log-dir that cannot take the files is a warning, not a failure.
  const written = await writeRunFiles(settings.logDir, stem, {
    report: () => log.scrub(JSON.stringify(result, null, 2)) + '\n',
    log: () => log.text(),
    onProblem: (what, where, error) =>
      log.warn(`log-dir: ${what} could not be written (${where}): ${error.message}`),
  });

  core.setOutput('status', result.status);
  core.setOutput('report', written.report ?? '');
  core.setOutput('log', written.log ?? '');
  core.setOutput('duration-seconds', String(Math.round((clock().getTime() - started.getTime()) / 1000)));
  for (const name of ['archives', 'archive-sha256', 'manifest', 'scn']) core.setOutput(name, '');
  core.setOutput('bytes-exported', '0');
  core.setOutput('bytes-archived', '0');
  if (process.env.GITHUB_STEP_SUMMARY)
    await core.summary.addRaw(log.scrub(renderModeSummary(result)), true).write();
  const message = `Oracle backup ${settings.mode} ${result.status}: ${result.statusReason}`;
  if (stepFails(result.status, settings.failOn)) core.setFailed(message);
  else core.info(message);
}
