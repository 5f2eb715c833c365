// The one owner of every file this action removes: dumps, Oracle logs, partial archives, partial copies and
// uploads, spools, old backup sets, old run logs. The rule:
//
//   A file is removed only when
//   1. this run made it: a temporary file whose name carries this host and this process, an export file
//      (dump, Oracle log) whose name carries this run's tag, or a name this run claimed by creating it empty (still
//      empty); or
//   2. it is a temporary file of this action whose writer is provably gone: written on this host by a process that
//      no longer exists (or, for the names earlier versions gave them in work-dir, found by the run that holds
//      work-dir's lock); or
//   3. retention proved it superseded: it belongs to a backup set the retention plan deletes while every schema
//      whose data that set holds keeps a newer good set at the same place (and the newest complete set of each
//      schema is never deleted); or a run log older than log-retention-days; or
//   4. it is a leftover dump file that a good set in work-dir holds byte for byte (size and SHA-256 equal).
//   Everything else is kept, and the caller says so.
//
// Callers pass the ground they remove a file on; a ground that does not hold for the name is refused with an
// error, so a mistake elsewhere keeps a file instead of losing one.
import { lstat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { exportTagOf, HOST_ID, isLegacyWorkDirTemporary, temporaryWriter } from './temporary-names.js';

export type Ground =
  /** A temporary file this process wrote. */
  | { kind: 'own-temporary' }
  /** An export file (dump or Oracle log) of this run, by its tag. */
  | { kind: 'own-export'; runTag: string }
  /** A name this run claimed by creating the file empty and exclusively; it goes only while still empty. */
  | { kind: 'own-claim' }
  /** A temporary file of this action whose writer is gone. */
  | { kind: 'orphaned-temporary' }
  /** A temporary file named as earlier versions did, found in work-dir by the run holding its lock. */
  | { kind: 'legacy-temporary'; workDirLockHeld: true }
  /** A file of a set that retention deletes; `keptNewer` names, per schema whose data it holds, a newer set kept. */
  | { kind: 'superseded'; setId: string; schemas: readonly string[]; keptNewer: Record<string, string> }
  /** A run log past its retention. */
  | { kind: 'expired-log'; days: number }
  /** A dump file held byte for byte by a good set. */
  | { kind: 'archived'; setId: string; sha256: string };

/** Something that can be removed: its name (for the rule) and how. */
export interface Removable {
  /** The file's name in its folder (the rule reads it). */
  name: string;
  /** Where it is, for messages. */
  where: string;
  unlink(): Promise<void>;
  /** Its size now (undefined when it is not a plain file); needed for the `own-claim` ground. */
  size?(): Promise<number | undefined>;
}

export class RemovalRefused extends Error {}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/** A local file. */
export function localFile(file: string): Removable {
  return {
    name: path.basename(file),
    where: path.dirname(file),
    unlink: () =>
      unlink(file).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      }),
    size: () =>
      lstat(file).then(
        (stats) => (stats.isFile() ? stats.size : undefined),
        () => undefined,
      ),
  };
}

/** Whether a process with this id exists on this host (EPERM: it does, as someone else's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why `ground` does not hold for the file called `name`, or undefined when it does. */
export function groundFails(name: string, ground: Ground): string | undefined {
  switch (ground.kind) {
    case 'own-temporary': {
      const writer = temporaryWriter(name);
      return writer && writer.host === HOST_ID && writer.pid === process.pid
        ? undefined
        : 'it is not a temporary file of this process';
    }
    case 'own-export':
      return exportTagOf(name) === ground.runTag
        ? undefined
        : `its name does not carry run tag ${ground.runTag}`;
    case 'orphaned-temporary': {
      const writer = temporaryWriter(name);
      if (!writer) return 'it is not a temporary file of this action';
      if (writer.host !== HOST_ID) return 'it was written on another host, where its writer may still run';
      if (writer.pid === process.pid || processExists(writer.pid))
        return `its writer (process ${writer.pid}) may still be running`;
      return undefined;
    }
    case 'own-claim':
      return undefined; // checked against the file itself in removeFile
    case 'legacy-temporary':
      return isLegacyWorkDirTemporary(name) ? undefined : 'it is not a temporary file of an earlier version';
    case 'superseded': {
      const missing = ground.schemas.filter((s) => !ground.keptNewer[s]);
      return missing.length === 0 ? undefined : `no newer backup of ${missing.join(', ')} is kept there`;
    }
    case 'expired-log':
      return ground.days > 0 ? undefined : 'run logs are kept without an age limit';
    case 'archived':
      return /^[0-9a-f]{64}$/.test(ground.sha256) ? undefined : 'no SHA-256 proves it archived';
  }
}

/** Removes `file` on `ground`; throws RemovalRefused (and removes nothing) when the ground does not hold. */
export async function removeFile(file: Removable, ground: Ground): Promise<void> {
  let refused = groundFails(file.name, ground);
  if (ground.kind === 'own-claim' && (await file.size?.()) !== 0)
    refused = 'it is no longer the empty file this run claimed';
  if (refused !== undefined) throw new RemovalRefused(`${file.name} in ${file.where} was kept: ${refused}`);
  await file.unlink();
}

/** `removeFile` that never throws: false (and the reason to `onKept`) when the file stays. */
export async function tryRemoveFile(
  file: Removable,
  ground: Ground,
  onKept?: (why: string) => void,
): Promise<boolean> {
  try {
    await removeFile(file, ground);
    return true;
  } catch (error) {
    onKept?.((error as Error).message);
    return false;
  }
}
