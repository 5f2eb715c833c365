// One backup run at a time per work dir: two overlapping runs would fight over dump names, disk space and
// retention. The lock file records who holds it, so a stale one (its process is gone) can be taken over safely.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_NAME = '.oracle-backup.lock';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  runId: string;
}

export class LockHeldError extends Error {}

export interface RunLock {
  path: string;
  /** Set when an earlier run's lock was taken over (its process was gone). */
  tookOver?: LockHolder;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}, run ${holder.runId}, since ${holder.startedAt}`;
}

export async function acquireLock(workDir: string, runId: string, now: Date): Promise<RunLock> {
  const lockPath = path.join(workDir, LOCK_NAME);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: now.toISOString(), runId };
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, JSON.stringify(me) + '\n', { flag: 'wx' });
      return {
        path: lockPath,
        tookOver,
        release: async () => {
          // Only remove the lock if it is still ours.
          const current = await readFile(lockPath, 'utf8').catch(() => '');
          if (current.trim() === JSON.stringify(me)) await rm(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(lockPath);
    if (!holder) {
      throw new LockHeldError(
        `${lockPath} exists but cannot be read; if no backup is running, delete it and run again`,
      );
    }
    // A lock from another host cannot be checked from here (shared work dir): never take it over silently.
    if (holder.host !== me.host || isAlive(holder.pid)) {
      throw new LockHeldError(
        `another backup run holds ${lockPath} (${describe(holder)}); ` +
          'runs of one database must not overlap: use a `concurrency:` group in the workflow, ' +
          'or delete the lock file if you are sure that run is gone',
      );
    }
    tookOver = holder;
    await rm(lockPath, { force: true });
  }
  throw new LockHeldError(`could not take over the stale lock ${lockPath}: another run took it first`);
}

async function readHolder(lockPath: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return {
        pid: parsed.pid,
        host: parsed.host,
        startedAt: String(parsed.startedAt ?? '?'),
        runId: String(parsed.runId ?? '?'),
      };
    }
  } catch {
    // unreadable: reported by the caller
  }
  return undefined;
}
