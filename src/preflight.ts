// Pre-flight checks: find what would break a long export before it starts.
import { constants } from 'node:fs';
import { access, mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFolderError } from './deliver/folder.js';
import { preflightSftp, sftpLabel } from './deliver/sftp.js';
import { checkSmtp } from './report/email.js';
import { formatBytes } from './report/format.js';
import type { PreflightCheck } from './run-report.js';
import type { Settings } from './types.js';

/** Where the expdp client is: `<oracle-home>/bin/expdp`, else the first `expdp` on PATH. */
export async function locateExpdp(
  oracleHome: string,
  envPath = process.env.PATH ?? '',
): Promise<string | undefined> {
  const exe = process.platform === 'win32' ? 'expdp.exe' : 'expdp';
  const candidates = oracleHome
    ? [path.join(oracleHome, 'bin', exe)]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, exe));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Creates the folder if needed and proves it is writable with a probe file. */
export async function checkWritableFolder(folder: string): Promise<string | undefined> {
  try {
    await mkdir(folder, { recursive: true });
    const probe = path.join(folder, `.oracle-backup-probe-${process.pid}-${Date.now()}`);
    await writeFile(probe, 'probe');
    await rm(probe, { force: true });
    return undefined;
  } catch (error) {
    return describeFolderError(folder, error);
  }
}

export interface PreflightResult {
  checks: PreflightCheck[];
  expdp?: string;
  /** False when the export cannot start at all. */
  canExport: boolean;
}

export async function runPreflight(settings: Settings): Promise<PreflightResult> {
  const checks: PreflightCheck[] = [];
  let canExport = true;
  const add = (name: string, ok: boolean, detail: string, blocking: boolean): void => {
    checks.push({ name, ok, detail });
    if (!ok && blocking) canExport = false;
  };

  const expdp = await locateExpdp(settings.oracleHome);
  add(
    'expdp client',
    expdp !== undefined,
    expdp ??
      (settings.oracleHome
        ? `no executable bin/expdp under oracle-home "${settings.oracleHome}"`
        : 'expdp is not on PATH; set oracle-home or ORACLE_HOME'),
    true,
  );

  try {
    const info = await stat(settings.dumpPath);
    add(
      'dump-path',
      info.isDirectory(),
      info.isDirectory() ? settings.dumpPath : `${settings.dumpPath} is not a folder`,
      true,
    );
  } catch (error) {
    add('dump-path', false, describeFolderError(settings.dumpPath, error), true);
  }

  const workProblem = await checkWritableFolder(settings.workDir);
  add('work-dir', !workProblem, workProblem ?? `${settings.workDir} is writable`, true);
  if (!workProblem) {
    try {
      const fsInfo = await statfs(settings.workDir);
      const free = fsInfo.bavail * fsInfo.bsize;
      add('disk space', free > 0, `${formatBytes(free)} free at ${settings.workDir}`, true);
    } catch (error) {
      add('disk space', true, `free space unknown: ${(error as Error).message}`, false);
    }
  }

  const logProblem = await checkWritableFolder(settings.logDir);
  add('log-dir', !logProblem, logProblem ?? `${settings.logDir} is writable`, false);

  for (const folder of settings.copyTo) {
    const problem = await checkWritableFolder(folder);
    add(`copy-to ${folder}`, !problem, problem ?? 'reachable and writable', false);
  }
  if (settings.sftp) {
    // Connects, pins the host key and writes a probe file: a wrong fingerprint shows before the export.
    const sftp = await preflightSftp(settings.sftp);
    add(sftpLabel(settings.sftp), sftp.ok, sftp.detail, false);
  }
  if (settings.smtp) {
    // Connect and log in without sending: a wrong password should show before a long export, not after it.
    const smtp = await checkSmtp(settings.smtp);
    const where = `smtp ${settings.smtp.host}:${settings.smtp.port}`;
    add(where, smtp.ok, smtp.ok ? 'connected and logged in' : (smtp.error ?? 'failed'), false);
  }
  return { checks, expdp, canExport };
}
