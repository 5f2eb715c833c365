// `mode: verify` and `mode: monitor` as steps: read the backups at the destinations (no database, no export),
// then report like a backup run does — run log, report JSON, summary, outputs, e-mail — and fail per fail-on.
import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sendEmail, shouldSend } from '../report/email.js';
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
    if (level === 'ERROR') core.error(message);
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

  const tokens = makeNameTokens(started, runId);
  const stem = `oracle-backup-${settings.mode}_${tokens.date}_${tokens.time}`;
  const reportPath = path.join(settings.logDir, `${stem}.report.json`);
  const logPath = path.join(settings.logDir, `${stem}.log`);
  if (settings.smtp && shouldSend(settings.smtp.emailOn, result.status)) {
    const sent = await sendEmail(
      settings.smtp,
      buildModeEmail(result, {
        runLogText: log.text(),
        runLogName: path.basename(logPath),
        scrub: (text) => log.scrub(text),
      }),
    );
    if (sent.ok) log.info(`e-mail report sent to ${settings.smtp.to.join(', ')}`);
    else log.error(`e-mail report not sent: ${sent.error}`);
  }
  try {
    await mkdir(settings.logDir, { recursive: true });
    await writeFile(reportPath, log.scrub(JSON.stringify(result, null, 2)) + '\n');
    await writeFile(logPath, log.text());
  } catch (error) {
    log.error(`could not write the run log or report in ${settings.logDir}: ${(error as Error).message}`);
  }

  core.setOutput('status', result.status);
  core.setOutput('report', reportPath);
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
