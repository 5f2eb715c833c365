// Temporary files that interrupted runs left at a place (work-dir, a copy-to folder, the SFTP folder): partial
// archives, copies and uploads, spools. Each goes only when its writer is provably gone (see deletion.ts); the
// files of a run still writing, or of one on another host, stay and are named.
import { groundFails, removeFile, type Ground } from './deletion.js';
import type { BackupPlace } from './retention/place.js';
import { isLegacyWorkDirTemporary, temporaryWriter } from './temporary-names.js';

export interface SweepResult {
  place: string;
  removed: string[];
  /** This action's temporary files left in place, with why. */
  kept: Array<{ name: string; why: string }>;
  /** Files that should have gone but could not be removed. */
  failed: Array<{ name: string; error: string }>;
}

/**
 * Removes the temporary files of dead writers at `place`. `workDirLockHeld`: the place is work-dir and this run
 * holds its lock, so the writer-less names of earlier versions are leftovers too.
 */
export async function sweepTemporaries(
  place: Pick<BackupPlace, 'label' | 'list' | 'remove'>,
  options: { workDirLockHeld?: boolean } = {},
): Promise<SweepResult> {
  const result: SweepResult = { place: place.label, removed: [], kept: [], failed: [] };
  for (const entry of await place.list()) {
    const ground: Ground | undefined = temporaryWriter(entry.name)
      ? { kind: 'orphaned-temporary' }
      : options.workDirLockHeld && isLegacyWorkDirTemporary(entry.name)
        ? { kind: 'legacy-temporary', workDirLockHeld: true }
        : undefined;
    if (!ground || !entry.isFile) continue;
    const why = groundFails(entry.name, ground);
    if (why !== undefined) {
      result.kept.push({ name: entry.name, why });
      continue;
    }
    try {
      await removeFile(
        { name: entry.name, where: place.label, unlink: () => place.remove(entry.name) },
        ground,
      );
      result.removed.push(entry.name);
    } catch (error) {
      result.failed.push({ name: entry.name, error: (error as Error).message });
    }
  }
  return result;
}

/** The sweep's lines for a run log: what went, what stayed and why. */
export function sweepLines(result: SweepResult): Array<{ level: 'info' | 'warn'; text: string }> {
  return [
    ...result.removed.map((name) => ({
      level: 'info' as const,
      text: `${result.place}: removed ${name}, a temporary file of an interrupted run`,
    })),
    ...result.kept.map(({ name, why }) => ({
      level: 'info' as const,
      text: `${result.place}: left ${name} alone: ${why}`,
    })),
    ...result.failed.map(({ name, error }) => ({
      level: 'warn' as const,
      text: `${result.place}: could not remove ${name}, a temporary file of an interrupted run: ${error}`,
    })),
  ];
}
