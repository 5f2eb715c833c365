// The simulated Oracle's server side (sim-jobs.mjs) and the clients that use it: `expdp help=y`, UDE-00018, jobs in
// the job list while they run, `expdp ATTACH=` with KILL_JOB/STOP_JOB, and the legacy exp client.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_EXP, SIM_EXPDP, writeSimConfig, type SimConfig } from './oracle-sim/sim.js';
import { jobsDirFor, listJobs, requestStop } from './oracle-sim/sim-jobs.mjs';

const PASSWORD = 'pw';

async function setup(schemas: SimConfig['schemas'], extra: Partial<SimConfig> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'oba-simjobs-'));
  const dumpDir = path.join(dir, 'dp');
  await mkdir(dumpDir);
  const config = writeSimConfig(dir, {
    directories: { DATA_PUMP_DIR: dumpDir },
    users: { BACKUP: PASSWORD },
    schemas,
    ...extra,
  });
  return { dir, dumpDir, config, jobs: jobsDirFor(config) };
}

function start(program: string, args: string[], config: string, input?: string) {
  const child = spawn(program, args, {
    env: { ...process.env, ORACLE_SIM_CONFIG: config },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const exportArgs = (job: string) => [
  `backup/${PASSWORD}@db`,
  'schemas=HR',
  `job_name=${job}`,
  'dumpfile=hr_%U.dmp',
  'logfile=hr.log',
  'parallel=2',
];

describe('simulated expdp: release, jobs and ATTACH', () => {
  it('help=y prints the client banner without logging in; a client newer than the database fails with UDE-00018', async () => {
    const s = await setup({ HR: {} }, { clientVersion: '23.0.0.0.0', databaseVersion: '19.0.0.0.0' });
    const help = await start(SIM_EXPDP, ['help=y'], s.config).done;
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^\nExport: Release 23\.0\.0\.0\.0 - Production on /);
    expect(help.out).toContain('The Data Pump export utility');
    const run = await start(SIM_EXPDP, exportArgs('OBA_HR_1'), s.config).done;
    expect(run.code).toBe(1);
    expect(run.out).toContain('UDE-00018: Data Pump client is incompatible with database version 19.0.0.0.0');
  });

  it('lists a running job as EXECUTING with a session; a completed job leaves the list, a failed one stays NOT RUNNING', async () => {
    const s = await setup({ HR: { tables: 2, bytes: 64 * 1024, delayMs: 600 }, BAD: { behavior: 'fatal' } });
    const running = start(SIM_EXPDP, exportArgs('OBA_HR_2'), s.config);
    await waitFor(() => listJobs(s.jobs).length === 1, 'the job');
    expect(listJobs(s.jobs)).toEqual([
      {
        owner: 'BACKUP',
        jobName: 'OBA_HR_2',
        operation: 'EXPORT',
        jobMode: 'SCHEMA',
        state: 'EXECUTING',
        attachedSessions: 1,
      },
    ]);
    expect((await running.done).code).toBe(0);
    expect(listJobs(s.jobs)).toEqual([]);
    const failed = await start(
      SIM_EXPDP,
      [`backup/${PASSWORD}@db`, 'schemas=BAD', 'job_name=OBA_BAD_1', 'dumpfile=bad.dmp', 'logfile=bad.log'],
      s.config,
    ).done;
    expect(failed.code).toBe(1);
    expect(listJobs(s.jobs)).toMatchObject([
      { jobName: 'OBA_BAD_1', state: 'NOT RUNNING', attachedSessions: 0 },
    ]);
  });

  it('ATTACH + KILL_JOB + yes stops a running job: its client logs "stopped due to fatal error", dump files go', async () => {
    const s = await setup({ HR: { behavior: 'hang', tables: 3, bytes: 256 * 1024 } });
    const running = start(SIM_EXPDP, exportArgs('OBA_HR_3'), s.config);
    await waitFor(() => listJobs(s.jobs).length === 1, 'the job');
    await waitFor(() => existsSync(path.join(s.dumpDir, 'hr_01.dmp')), 'the dump file');
    const attach = await start(
      SIM_EXPDP,
      [`backup/${PASSWORD}@db`, 'attach=OBA_HR_3'],
      s.config,
      'KILL_JOB\nyes\n',
    ).done;
    expect(attach.code).toBe(0);
    expect(attach.out).toContain('Job: OBA_HR_3\n  Owner: BACKUP');
    expect(attach.out).toContain('Export> Are you sure you wish to stop this job ([yes]/no): ');
    const client = await running.done;
    expect(client.code).toBe(1);
    expect(client.out).toMatch(/Job "BACKUP"\."OBA_HR_3" stopped due to fatal error at /);
    expect(listJobs(s.jobs)).toEqual([]);
    expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
  });

  it('a job whose client was killed stays EXECUTING without a session until stopped; unknown jobs give ORA-31626', async () => {
    const s = await setup({ HR: { behavior: 'hang', tables: 3, bytes: 256 * 1024 } });
    const running = start(SIM_EXPDP, exportArgs('OBA_HR_4'), s.config);
    await waitFor(() => listJobs(s.jobs).length === 1, 'the job');
    running.child.kill('SIGKILL');
    await running.done;
    expect(listJobs(s.jobs)).toMatchObject([{ state: 'EXECUTING', attachedSessions: 0 }]);
    // DBMS_DATAPUMP.STOP_JOB(h, 1, 0) from the fake database: the control table goes, the dump files stay.
    expect(requestStop(s.jobs, 'BACKUP', 'OBA_HR_4', 'stop')).toBe(true);
    expect(listJobs(s.jobs)).toEqual([]);
    expect((await readdir(s.dumpDir)).some((n) => n.endsWith('.dmp'))).toBe(true);
    const unknown = await start(SIM_EXPDP, [`backup/${PASSWORD}@db`, 'attach=OBA_HR_4'], s.config, '').done;
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('ORA-31626: job does not exist');
  });
});

describe('simulated exp', () => {
  it.each([
    ['unix', 0],
    ['windows', 3],
  ] as const)('ends clean, with warnings or unsuccessfully (%s exit codes)', async (style, warningCode) => {
    const s = await setup(
      {
        HR: { tables: 2, bytes: 64 * 1024 },
        AUD: { behavior: 'skipped-tables', tables: 1, bytes: 4096 },
        BAD: { behavior: 'fatal', tables: 4 },
      },
      { expExitCodes: style },
    );
    const run = (owner: string) =>
      start(
        SIM_EXP,
        [
          `backup/${PASSWORD}@db`,
          `owner=${owner}`,
          `file=${path.join(s.dir, `${owner}.dmp`)}`,
          `log=${path.join(s.dir, `${owner}.log`)}`,
          'consistent=y',
        ],
        s.config,
      ).done;
    const clean = await run('HR');
    expect([clean.code, clean.out.trim().split('\n').pop()]).toEqual([
      0,
      'Export terminated successfully without warnings.',
    ]);
    expect((await readFile(path.join(s.dir, 'HR.dmp'))).subarray(3, 19).toString()).toBe('EXPORT:V19.00.00');
    expect(await readFile(path.join(s.dir, 'HR.log'), 'utf8')).toContain('. . exporting table');
    const warned = await run('AUD');
    expect([warned.code, warned.out.trim().split('\n').pop()]).toEqual([
      warningCode,
      'Export terminated successfully with warnings.',
    ]);
    expect(warned.out).toContain('EXP-00091: Exporting questionable statistics.');
    const failed = await run('BAD');
    expect([failed.code, failed.out.trim().split('\n').pop()]).toEqual([
      1,
      'EXP-00000: Export terminated unsuccessfully',
    ]);
  });
});
