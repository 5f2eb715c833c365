// Free space where the backups live, measured at the end of every run (after retention freed what it could): the
// dump folder, work-dir and each copy-to folder, with the change since the last run that measured the same folder
// (from the run history). A DBA sees a disk filling up nights before a run fails for want of room; pre-flight only
// compares the free space with the estimate of this run.
import { stat, statfs } from 'node:fs/promises';
import { formatBytesIn, type ReportLanguage } from './i18n.js';

export type SpaceRole = 'dump-path' | 'work-dir' | 'copy-to';

export interface FreeSpaceReport {
  role: SpaceRole;
  folder: string;
  /** Bytes this process may still write there (statfs bavail × bsize); absent when it could not be measured. */
  freeBytes?: number;
  /** Size of the file system that holds the folder. */
  totalBytes?: number;
  /** Why it could not be measured (the folder is gone, a share is not mounted). */
  error?: string;
}

/** Free and total bytes of the file system holding `folder`, and its device (two folders may share a disk). */
export async function folderSpace(
  folder: string,
): Promise<{ free: number; total: number; device: number } | undefined> {
  try {
    const [fsInfo, info] = await Promise.all([statfs(folder), stat(folder)]);
    return { free: fsInfo.bavail * fsInfo.bsize, total: fsInfo.blocks * fsInfo.bsize, device: info.dev };
  } catch {
    return undefined;
  }
}

/** Measures each folder once (the first role that names it wins), in the order given. */
export async function measureFreeSpace(
  places: ReadonlyArray<{ role: SpaceRole; folder: string }>,
): Promise<FreeSpaceReport[]> {
  const seen = new Set<string>();
  const out: FreeSpaceReport[] = [];
  for (const { role, folder } of places) {
    if (!folder || seen.has(folder)) continue;
    seen.add(folder);
    const space = await folderSpace(folder);
    out.push(
      space
        ? { role, folder, freeBytes: space.free, totalBytes: space.total }
        : { role, folder, error: 'could not be measured (the folder is missing or not reachable)' },
    );
  }
  return out;
}

/**
 * Free bytes at `folder` in the newest earlier run that measured it, for the change since the last run; undefined
 * when no earlier run did (a first run, a new folder, a history from before free space was recorded).
 */
/** What `previousFree` reads of a run in the history (the history's own entries have it). */
export interface MeasuredRun {
  id: string;
  startedAt: string;
  freeSpace?: ReadonlyArray<{ folder: string; freeBytes: number }>;
}

export function previousFree(
  history: readonly MeasuredRun[],
  folder: string,
  currentId?: string,
): { freeBytes: number; startedAt: string } | undefined {
  const earlier = history
    .filter((r) => r.id !== currentId && r.freeSpace?.some((f) => f.folder === folder))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  const run = earlier[0];
  const entry = run?.freeSpace?.find((f) => f.folder === folder);
  return run && entry ? { freeBytes: entry.freeBytes, startedAt: run.startedAt } : undefined;
}

/** `+1.2 GiB` (more free than last time), `−300.0 MiB` (less), `±0 B`: the change of free space since the last run. */
export function spaceChange(lang: ReportLanguage, bytes: number): string {
  if (bytes === 0) return `±${formatBytesIn(lang, 0)}`;
  return `${bytes > 0 ? '+' : '−'}${formatBytesIn(lang, Math.abs(bytes))}`;
}

/** Free bytes as a share of the disk, in whole percent (`0` for a disk of unknown size). */
export function freePercent(f: FreeSpaceReport): number {
  return f.freeBytes !== undefined && f.totalBytes ? Math.round((f.freeBytes / f.totalBytes) * 100) : 0;
}
