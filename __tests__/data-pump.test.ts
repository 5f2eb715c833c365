// Data Pump at the pipeline level: the simulated expdp really runs, and the recorded fake database (wired to the
// simulator's jobs) is injected through PipelineDeps, so every statement and bind the action sends is checked.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSummary } from '../src/report/summary.js';
import { readSimCalls } from './oracle-sim/sim.js';
import { simDatabase } from './oracle-sim/sim-database.js';
import { jobsDirFor, listJobs, seedJob } from './oracle-sim/sim-jobs.mjs';
import { pipelineScenario, runPipeline, PASSWORD } from './helpers/pipeline-run.js';

const exportCalls = (record: string) => readSimCalls(record).filter((c) => /^parfile=/.test(c.argv[0] ?? ''));
const exportParfiles = (record: string) =>
  exportCalls(record)
    .map((c) => c.parfileText)
    .filter((t) => /^SCHEMAS=/m.test(t));

describe('a schema past its timeout (fake database)', () => {
  it('has its job stopped on the server (STOP_JOB for exactly that job), its partial files removed, and the others archived', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'hang', tables: 3, bytes: 512 * 1024 },
        SALES: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
        APP: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
      },
      { schemas: '- {name: HR, timeout: 2s}\n- SALES\n- APP' },
    );
    const { database, driver } = simDatabase(s.config);
    const { report, ms } = await runPipeline(s, { database });
    await database.close();

    const hr = report.schemas[0]!;
    expect(hr).toMatchObject({ name: 'HR', outcome: 'failed' });
    expect(hr.reason).toBe('timed out after 2s; its Data Pump job was stopped on the server');
    expect(hr.jobStop).toMatchObject({ method: 'database', ok: true, gone: true });
    const stops = driver.callsOf('stopJob');
    expect(stops).toHaveLength(1);
    expect(stops[0]!.binds).toEqual({ job: hr.jobName, owner: 'BACKUP' });
    expect(stops[0]!.sql).toContain('DBMS_DATAPUMP.ATTACH(job_name => :job, job_owner => :owner)');
    expect(stops[0]!.sql).toContain('DBMS_DATAPUMP.STOP_JOB(h, 1, 0)');
    // Waited until the job left DBA_DATAPUMP_JOBS, then the client ended on its own.
    expect(driver.callsOf('jobsAll').length).toBeGreaterThanOrEqual(2);
    expect(listJobs(jobsDirFor(s.config))).toEqual([]);
    expect((await readdir(s.dumpDir)).filter((n) => n.startsWith('HR_') && n.endsWith('.dmp'))).toEqual([]);
    expect(report.schemas.slice(1).map((x) => x.outcome)).toEqual(['success', 'success']);
    expect(report.archives[0]!.schemas).toEqual(['SALES', 'APP']);
    expect(report.status).toBe('partial');
    expect(ms).toBeLessThan(15_000);
    // Binds only: no statement carries a schema, job or directory name in its text.
    for (const call of driver.calls.filter((c) => c.statement !== 'dropControlTable')) {
      expect(call.sql).not.toContain(hr.jobName);
      expect(call.sql).not.toContain('DATA_PUMP_DIR');
    }
  });
});

describe('a schema past its timeout (no database queries)', () => {
  it('has its job killed with expdp ATTACH=JOB, KILL_JOB and yes, and the client ends', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'hang', tables: 3, bytes: 512 * 1024 },
        SALES: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
      },
      { 'oracle-queries': 'false', schemas: '- {name: HR, timeout: 1s}\n- SALES' },
    );
    const { report, ms } = await runPipeline(s);
    const hr = report.schemas[0]!;
    expect(hr.reason).toBe('timed out after 1s; its Data Pump job was stopped on the server');
    expect(hr.jobStop).toMatchObject({ method: 'expdp-attach', ok: true, gone: true });
    const attach = readSimCalls(s.record).filter((c) => /^ATTACH=/m.test(c.parfileText));
    expect(attach).toHaveLength(1);
    expect(attach[0]!.parfileText).toBe(
      `USERID=backup/"********"@dbhost:1521/ORCLPDB1\nATTACH=${hr.jobName}\n`,
    );
    expect(attach[0]!.argv).toEqual([expect.stringMatching(/^parfile=/)]);
    expect(attach[0]!.parfileMode).toBe('600');
    expect(listJobs(jobsDirFor(s.config))).toEqual([]);
    expect(report.schemas[1]!.outcome).toBe('success');
    expect(await readdir(s.tempDir)).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('logins (fake database)', () => {
  it('ends a wrong password fast, in pre-flight, without starting expdp', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success' }, SALES: { behavior: 'success' } },
      { password: 'wrong-one' },
    );
    const { database, driver } = simDatabase(s.config);
    const { report, ms } = await runPipeline(s, { database });
    expect(ms).toBeLessThan(5_000);
    expect(driver.logins).toEqual([{ user: 'BACKUP', ok: false }]);
    expect(exportCalls(s.record)).toEqual([]);
    expect(report.status).toBe('failure');
    expect(report.schemas.map((x) => x.reason)).toEqual([
      expect.stringMatching(/^login failed in pre-flight: ORA-01017/),
      expect.stringMatching(/^login failed in pre-flight: ORA-01017/),
    ]);
    expect(report.preflight.find((c) => c.name === 'login backup')).toMatchObject({ ok: false });
  });

  it('exports the schemas whose login works when another login fails', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success' }, SALES: { behavior: 'success' } },
      { schemas: '- HR\n- {name: SALES, username: sales_owner, password: not-it}' },
      { users: { BACKUP: PASSWORD, SALES_OWNER: 'the-right-one' } },
    );
    const { database } = simDatabase(s.config);
    const { report } = await runPipeline(s, { database });
    expect(report.schemas.map((x) => [x.name, x.outcome])).toEqual([
      ['HR', 'success'],
      ['SALES', 'failed'],
    ]);
    expect(report.status).toBe('partial');
    expect(exportCalls(s.record)).toHaveLength(1);
  });
});

describe('orphaned jobs (fake database)', () => {
  it("stops and drops this action's orphans, and leaves a foreign SYS_EXPORT_SCHEMA_01 and a running job alone", async () => {
    const s = await pipelineScenario({ HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } });
    const dir = jobsDirFor(s.config);
    seedJob(dir, { owner: 'BACKUP', jobName: 'OBA_HR_1121013000', state: 'NOT RUNNING' });
    seedJob(dir, { owner: 'BACKUP', jobName: 'OBA_SALES_1120013000', state: 'NOT RUNNING' });
    seedJob(dir, { owner: 'SYSTEM', jobName: 'SYS_EXPORT_SCHEMA_01', state: 'NOT RUNNING' });
    seedJob(dir, { owner: 'BACKUP', jobName: 'OBA_APP_1121020000', state: 'EXECUTING', pid: process.pid });
    const { database, driver } = simDatabase(s.config);
    let callsBeforeFirstExport = -1;
    const { report } = await runPipeline(s, {
      database,
      onJob: (e) => {
        if (e.state === 'running' && callsBeforeFirstExport < 0) callsBeforeFirstExport = driver.calls.length;
      },
    });
    await database.close();

    expect(buildSummary(report)).toMatch(/Cleaned 2 orphaned Data Pump job\(s\) of earlier runs/);
    expect(report.orphans!.cleaned.map((o) => o.jobName).sort()).toEqual([
      'OBA_HR_1121013000',
      'OBA_SALES_1120013000',
    ]);
    expect(report.orphans!.leftAlone.map((o) => [o.jobName, o.why])).toEqual(
      expect.arrayContaining([
        ['SYS_EXPORT_SCHEMA_01', 'not started by this action'],
        ['OBA_APP_1121020000', expect.stringMatching(/executing with 1 session/)],
      ]),
    );
    const touched = [...driver.callsOf('stopJob'), ...driver.callsOf('dropControlTable')];
    expect(touched.map((c) => c.binds.job ?? c.sql)).not.toContain('SYS_EXPORT_SCHEMA_01');
    expect(touched.every((c) => !c.sql.includes('SYS_EXPORT'))).toBe(true);
    expect(
      listJobs(dir)
        .map((j) => j.jobName)
        .sort(),
    ).toEqual(['OBA_APP_1121020000', 'SYS_EXPORT_SCHEMA_01']);
    // The orphans were cleaned before the first export started.
    const stopIndexes = driver.calls.flatMap((c, i) => (c.statement === 'stopJob' ? [i] : []));
    expect(stopIndexes).toHaveLength(2);
    expect(Math.max(...stopIndexes)).toBeLessThan(callsBeforeFirstExport);
    expect(report.status).toBe('success');
  });
});

describe('one consistent point in time', () => {
  it('with three schemas, every parfile carries the same FLASHBACK_SCN, and the manifest records it', async () => {
    const s = await pipelineScenario({
      HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 },
      SALES: { behavior: 'success', tables: 2, bytes: 64 * 1024 },
      APP: { behavior: 'success', tables: 2, bytes: 64 * 1024 },
    });
    const { database, driver } = simDatabase(s.config, { scn: 98_765_432 });
    const { report } = await runPipeline(s, { database });
    await database.close();
    expect(driver.callsOf('scn')).toHaveLength(1);
    const parfiles = exportParfiles(s.record);
    expect(parfiles).toHaveLength(3);
    for (const text of parfiles) expect(text).toMatch(/^FLASHBACK_SCN=98765432$/m);
    expect(report.consistency).toMatchObject({ scn: '98765432' });
    const manifest = JSON.parse(await readFile(report.archives[0]!.manifestPath, 'utf8'));
    expect(manifest.consistency.scn).toBe('98765432');
    expect(manifest.database).toMatchObject({ version: '19.27.0.0.0', name: 'ORCL' });
    expect(buildSummary(report)).toContain('Consistent as of SCN `98765432`');
  });

  it('without database queries, every parfile carries the same FLASHBACK_TIME, and the report says so', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 },
        SALES: { behavior: 'success', tables: 2, bytes: 64 * 1024, delayMs: 1200 },
        APP: { behavior: 'success', tables: 2, bytes: 64 * 1024 },
      },
      { 'oracle-queries': 'false' },
    );
    const { report } = await runPipeline(s);
    const times = exportParfiles(s.record).map((t) => /^FLASHBACK_TIME=(.*)$/m.exec(t)?.[1]);
    expect(times).toHaveLength(3);
    expect(new Set(times).size).toBe(1);
    expect(times[0]).toMatch(/^"TO_TIMESTAMP\('\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', 'YYYY-MM-DD HH24:MI:SS'\)"$/);
    expect(report.consistency?.note).toMatch(/one FLASHBACK_TIME.*runner's clock/);
    expect(report.status).toBe('success');
  });
});

describe('dump-path and pre-flight through the database', () => {
  it('looks an empty dump-path up in ALL_DIRECTORIES (binds only) and defaults work-dir to it', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { 'dump-path': '', 'work-dir': '' },
    );
    const { database, driver } = simDatabase(s.config);
    const { report } = await runPipeline(s, { database });
    await database.close();
    expect(driver.callsOf('directory')[0]).toMatchObject({ binds: { name: 'DATA_PUMP_DIR' } });
    expect(report.paths).toEqual({
      dumpPath: s.dumpDir,
      workDir: s.dumpDir,
      logDir: path.join(s.dumpDir, 'logs'),
    });
    expect(report.preflight.find((c) => c.name === 'dump-path')!.detail).toContain(
      'looked up in ALL_DIRECTORIES',
    );
    expect(report.status).toBe('success');
    expect(existsSync(report.archives[0]!.path)).toBe(true);
  });

  it('reports a client newer than the database, a missing grant and a short disk together, before any export', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success', bytes: 64 * 1024 } },
      {},
      { clientVersion: '23.0.0.0.0' },
    );
    const { database } = simDatabase(s.config, {
      directories: { DATA_PUMP_DIR: { path: s.dumpDir, grants: { BACKUP: ['READ'] } } },
      segments: { HR: 2 ** 50 },
    });
    const { report } = await runPipeline(s, { database });
    const failed = report.preflight.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^expdp compatibility: expdp 23\.0\.0\.0\.0 is newer than the database .*UDE-00018/,
        ),
        expect.stringMatching(/^directory DATA_PUMP_DIR \(BACKUP\): BACKUP has no WRITE on DATA_PUMP_DIR/),
        expect.stringMatching(/^disk space .*needed .*from segments/),
      ]),
    );
    expect(report.statusReason).toBe('pre-flight checks failed, so no export was started');
    expect(exportCalls(s.record)).toEqual([]);
  });
});

describe('cancellation (fake database)', () => {
  it('stops the running job on the server, removes its partial files, keeps the finished export and records the run as cancelled', async () => {
    const s = await pipelineScenario({
      SALES: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
      HR: { behavior: 'hang', tables: 3, bytes: 512 * 1024 },
      APP: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
    });
    const { database, driver } = simDatabase(s.config);
    const controller = new AbortController();
    const { report } = await runPipeline(s, {
      database,
      signal: controller.signal,
      onJob: (e) => {
        if (e.schema === 'HR' && e.state === 'running') setTimeout(() => controller.abort('SIGINT'), 700);
      },
    });
    await database.close();
    expect(report.status).toBe('failure');
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'the export of HR' });
    expect(report.statusReason).toMatch(
      /^cancelled \(SIGINT\) during the export of HR; Data Pump job OBA_HR_\w+ was stopped/,
    );
    expect(report.schemas.map((x) => [x.name, x.outcome, x.reason])).toEqual([
      ['SALES', 'success', expect.any(String)],
      ['HR', 'failed', 'cancelled; its Data Pump job was stopped on the server'],
      ['APP', 'failed', 'not started: the run was cancelled'],
    ]);
    expect(driver.callsOf('stopJob').map((c) => c.binds.job)).toEqual([report.schemas[1]!.jobName]);
    expect(listJobs(jobsDirFor(s.config))).toEqual([]);
    // HR's partial dump is gone; SALES's finished export is data, kept under its final name and named.
    const kept = (await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(kept).toEqual([expect.stringMatching(/^SALES_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    expect(report.statusReason).toContain(`finished exports kept: SALES (${path.join(s.dumpDir, kept[0]!)})`);
    expect((await readdir(s.workDir)).filter((n) => n.includes('ahead-'))).toEqual([]);
    expect(await readdir(s.tempDir)).toEqual([]);
    expect(report.archives).toEqual([]);
    expect(exportCalls(s.record).map((c) => /^SCHEMAS=(\w+)/m.exec(c.parfileText)?.[1])).toEqual([
      'SALES',
      'HR',
    ]);
  });
});

describe('secrets', () => {
  it('never sends the password in SQL text or binds, only at login', async () => {
    const s = await pipelineScenario({ HR: { behavior: 'success', tables: 1, bytes: 64 * 1024 } });
    const { database, driver } = simDatabase(s.config);
    await runPipeline(s, { database });
    await database.close();
    expect(JSON.stringify(driver.calls)).not.toContain(PASSWORD);
  });
});
