// Removes old run logs from log-dir: only the names the action gives its run logs and reports (report/run-files.ts),
// `oracle-backup[-verify|-monitor]_YYYY-MM-DD_HHmmss_<run tag>[_<n>].log` / `.report.json`, and the older
// `oracle-backup_YYYY-MM-DD_HHmmss.log` without a tag, dated by that name (file times change when logs are copied
// or restored). Anything else in log-dir (Oracle logs, a user's files, files of other tools) is never touched.
import { removeFile } from '../deletion.js';
import { RUN_FILE_TAG_PATTERN } from '../report/run-files.js';
import type { BackupPlace } from './place.js';

const DAY_MS = 86_400_000;
export const RUN_LOG_RE = new RegExp(
  String.raw`^oracle-backup(?:-verify|-monitor)?_(\d{4})-(\d{2})-(\d{2})_(\d{2})(\d{2})(\d{2})` +
    String.raw`(?:_${RUN_FILE_TAG_PATTERN}(?:_[1-9]\d*)?)?\.(?:log|report\.json)$`,
);

export interface RunLogOptions {
  now: Date;
  dryRun: boolean;
  /** Same rule as for backup sets: a run without a good backup deletes nothing. */
  runProducedGoodBackup: boolean;
}

export interface RunLogPurgeResult {
  place: string;
  dryRun: boolean;
  logRetentionDays: number;
  blocked?: string;
  /** Names removed (in a dry run: that would be), oldest first. */
  removed: string[];
  /** Run logs (by name) that stay. */
  kept: number;
  bytesFreed: number;
  warnings: string[];
}

/**
 * The time a run-log name stands for, or undefined for any other name. The action names its logs in the
 * runner's local time (see makeNameTokens), so the name is read in local time too.
 */
export function runLogTime(name: string): Date | undefined {
  const m = RUN_LOG_RE.exec(name);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const time = new Date(y, mo - 1, d, h, mi, s);
  // Reject impossible dates (2026-02-30) instead of letting Date roll them over.
  if (
    time.getFullYear() !== y ||
    time.getMonth() !== mo - 1 ||
    time.getDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return undefined;
  return time;
}

export async function purgeRunLogs(
  place: BackupPlace,
  logRetentionDays: number,
  options: RunLogOptions,
): Promise<RunLogPurgeResult> {
  const result: RunLogPurgeResult = {
    place: place.label,
    dryRun: options.dryRun,
    logRetentionDays,
    removed: [],
    kept: 0,
    bytesFreed: 0,
    warnings: [],
  };
  let entries;
  try {
    entries = await place.list();
  } catch (error) {
    result.warnings.push(`run logs at ${place.label}: cannot list: ${(error as Error).message}`);
    result.blocked = `${place.label} could not be listed`;
    return result;
  }
  const logs = entries
    .filter((e) => e.isFile)
    .map((e) => ({ entry: e, time: runLogTime(e.name) }))
    .filter((l): l is { entry: typeof l.entry; time: Date } => l.time !== undefined)
    .sort((a, b) => a.time.getTime() - b.time.getTime() || (a.entry.name < b.entry.name ? -1 : 1));
  if (!options.runProducedGoodBackup)
    result.blocked = 'this run produced no good backup, so nothing is deleted';
  else if (logRetentionDays === 0) result.blocked = 'log-retention-days is 0: run logs are kept forever';
  const limit = options.now.getTime() - logRetentionDays * DAY_MS;
  for (const { entry, time } of logs) {
    if (result.blocked !== undefined || time.getTime() >= limit) {
      result.kept++;
      continue;
    }
    if (!options.dryRun) {
      try {
        const file = { name: entry.name, where: place.label, unlink: () => place.remove(entry.name) };
        await removeFile(file, { kind: 'expired-log', days: logRetentionDays });
      } catch (error) {
        result.warnings.push(
          `run logs at ${place.label}: could not delete ${entry.name}: ${(error as Error).message}`,
        );
        result.kept++;
        continue;
      }
    }
    result.removed.push(entry.name);
    result.bytesFreed += entry.bytes;
  }
  return result;
}
