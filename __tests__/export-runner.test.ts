// The export client runner: at the time limit or on cancellation the server-side job is stopped first, then the
// client; a job that did not exist yet is looked for again once the client is gone.
import { chmod, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expdpProcessRunner, type JobStopReport } from '../src/export/expdp-process.js';

async function fakeClient(script: string): Promise<{ exe: string; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'oba-runner-test-'));
  const exe = path.join(dir, 'client');
  await writeFile(exe, `#!/bin/sh\n${script}\n`);
  await chmod(exe, 0o755);
  return { exe, dir };
}

const report = (found: boolean, detail: string): JobStopReport => ({
  method: 'database',
  ok: true,
  gone: true,
  found,
  detail,
  durationMs: 1,
});

describe('expdpProcessRunner', () => {
  it('at the time limit stops the server job while the client still runs, then ends the client', async () => {
    const { exe, dir } = await fakeClient('echo started; exec sleep 30');
    const events: string[] = [];
    const result = await expdpProcessRunner.run({
      executable: exe,
      parfile: 'USERID=x/y@z\n',
      jobName: 'OBA_HR_1',
      timeoutMs: 300,
      tempRoot: dir,
      stopJob: async (why) => {
        events.push(`stop ${why}`);
        return report(true, 'stopped');
      },
    });
    expect(events).toEqual(['stop timeout']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGTERM', jobStop: { detail: 'stopped' } });
    expect(result.stdout).toBe('started\n');
    expect((await readdir(dir)).filter((n) => n.startsWith('oracle-backup-'))).toEqual([]);
  });

  it('looks again, after the client is gone, for a job that had not started when it was stopped', async () => {
    const { exe, dir } = await fakeClient('exec sleep 30');
    let calls = 0;
    const result = await expdpProcessRunner.run({
      executable: exe,
      parfile: 'x\n',
      jobName: 'OBA_HR_2',
      timeoutMs: 200,
      tempRoot: dir,
      stopJob: async () => (++calls === 1 ? report(false, 'not there yet') : report(true, 'stopped late')),
    });
    expect(calls).toBe(2);
    expect(result.jobStop?.detail).toBe('stopped late');
  });

  it('on cancellation stops the job and marks the result cancelled', async () => {
    const { exe, dir } = await fakeClient('exec sleep 30');
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 200);
    const started = Date.now();
    const result = await expdpProcessRunner.run({
      executable: exe,
      parfile: 'x\n',
      jobName: 'OBA_HR_3',
      timeoutMs: 60_000,
      tempRoot: dir,
      signal: controller.signal,
      stopJob: async (why) => report(true, `stopped (${why})`),
    });
    expect(result).toMatchObject({
      cancelled: true,
      timedOut: false,
      jobStop: { detail: 'stopped (cancelled)' },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
