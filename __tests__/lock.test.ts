import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LOCK_NAME, LockHeldError } from '../src/lock.js';

const now = new Date('2026-11-21T01:30:00Z');

/** The pid of a process that has just ended, so certainly not running. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe('the run lock', () => {
  it('is held by one run at a time and released after', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-lock-'));
    const first = await acquireLock(dir, 'run-1', now);
    const content = JSON.parse(await readFile(path.join(dir, LOCK_NAME), 'utf8'));
    expect(content).toEqual({
      pid: process.pid,
      host: hostname(),
      startedAt: now.toISOString(),
      runId: 'run-1',
    });
    await expect(acquireLock(dir, 'run-2', now)).rejects.toThrow(LockHeldError);
    await expect(acquireLock(dir, 'run-2', now)).rejects.toThrow(
      /another backup run holds .*run run-1.*concurrency/,
    );
    await first.release();
    expect(existsSync(path.join(dir, LOCK_NAME))).toBe(false);
    const second = await acquireLock(dir, 'run-2', now);
    expect(second.tookOver).toBeUndefined();
    await second.release();
  });

  it('takes over a stale lock whose process is gone, and says whose it was', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-lock-'));
    const stale = {
      pid: await deadPid(),
      host: hostname(),
      startedAt: '2026-11-20T01:30:00.000Z',
      runId: 'old',
    };
    await writeFile(path.join(dir, LOCK_NAME), JSON.stringify(stale));
    const lock = await acquireLock(dir, 'new', now);
    expect(lock.tookOver).toEqual(stale);
    await lock.release();
  });

  it('never takes over a lock from another host, which it cannot check', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-lock-'));
    const other = {
      pid: await deadPid(),
      host: 'other-host',
      startedAt: '2026-11-20T01:30:00.000Z',
      runId: 'x',
    };
    await writeFile(path.join(dir, LOCK_NAME), JSON.stringify(other));
    await expect(acquireLock(dir, 'new', now)).rejects.toThrow(/on other-host/);
  });

  it('does not remove a lock that is no longer its own', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-lock-'));
    const lock = await acquireLock(dir, 'mine', now);
    await writeFile(path.join(dir, LOCK_NAME), JSON.stringify({ pid: 1, host: hostname(), runId: 'theirs' }));
    await lock.release();
    expect(existsSync(path.join(dir, LOCK_NAME))).toBe(true);
  });
});
