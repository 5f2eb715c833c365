// Data Pump end to end: the bundled dist/ run as the runner runs it, against the simulated Oracle (oracle-queries off:
// no listener here, so jobs are stopped with `expdp ATTACH=`). A SIGINT mid-export, a killed main step finished by
// the post step, PARALLEL/FILESIZE file sets, legacy exp, and a pre-flight that reports everything at once.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE24, runAction } from './helpers/run-action.js';
import { PASSWORD, run, scenario, sevenZip, type Scenario } from './helpers/scenario.js';
import { runPost, startAction } from './helpers/action-process.js';
import { readSimCalls, SIM_ORACLE_HOME } from './oracle-sim/sim.js';
import { jobsDirFor, listJobs } from './oracle-sim/sim-jobs.mjs';
import { TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the runner shows of a step's output: everything but the `::add-mask::` commands it consumes. */
const shown = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

async function waitForJob(s: Scenario, schema: string): Promise<string> {
  const dir = jobsDirFor(s.config);
  for (let i = 0; i < 200; i++) {
    const job = listJobs(dir).find((j) => j.jobName.startsWith(`OBA_${schema}_`));
    if (job) return job.jobName;
    await sleep(50);
  }
  throw new Error(`the simulated expdp never started the ${schema} job`);
}

const exportCalls = (s: Scenario) =>
  readSimCalls(s.record).filter((c) => /^SCHEMAS=|^OWNER=/m.test(c.parfileText));
const attachCalls = (s: Scenario) => readSimCalls(s.record).filter((c) => /^ATTACH=/m.test(c.parfileText));

describe('cancellation of the bundled action', () => {
  it('SIGINT mid-export stops the job, leaves no parfile or partial dump, keeps the finished export, reports cancelled; the post step reports the state', async () => {
    const s = await scenario({
      SALES: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
      HR: { behavior: 'hang', tables: 3, bytes: 1024 * 1024 },
      APP: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
    });
    const action = await startAction(s);
    const jobName = await waitForJob(s, 'HR');
    await sleep(300);
    const signalled = Date.now();
    action.child.kill('SIGINT');
    const result = await action.finished();
    // The runner sends SIGTERM 7.5 s after SIGINT: everything must be done by then.
    expect(Date.now() - signalled).toBeLessThan(7_500);

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('failure');
    expect(result.stdout).toContain('SIGINT received: cancelling the run');
    expect(result.summary).toMatch(/cancelled \(SIGINT\) during the export of HR/);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'the export of HR' });
    expect(report.schemas.map((x: { reason: string }) => x.reason)).toEqual([
      expect.any(String),
      'cancelled; its Data Pump job was stopped on the server',
      'not started: the run was cancelled',
    ]);
    // Stopped on the server with expdp ATTACH + KILL_JOB, and gone from the job list.
    expect(attachCalls(s).map((c) => /^ATTACH=(.*)$/m.exec(c.parfileText)?.[1])).toEqual([jobName]);
    expect(attachCalls(s)[0]!.parfileText).toMatch(/^USERID=backup\/"\*{8}"@/);
    expect(listJobs(jobsDirFor(s.config))).toEqual([]);
    // No parfile, no partial dump; SALES's finished export is kept under its final name, and the status says where.
    expect(await readdir(result.runnerTemp)).toEqual([]);
    const kept = (await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(kept).toEqual([expect.stringMatching(/^SALES_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    expect(report.statusReason).toContain(`finished exports kept: SALES (${path.join(s.dumpDir, kept[0]!)})`);
    expect(exportCalls(s).map((c) => /^SCHEMAS=(\w+)/m.exec(c.parfileText)?.[1])).toEqual(['SALES', 'HR']);
    expect(JSON.parse(result.state.run!)).toEqual({ phase: 'cancelled', signal: 'SIGINT' });
    expect(JSON.parse(result.state.jobs!).map((j: { state: string }) => j.state)).toEqual([
      'completed',
      'stopped',
    ]);

    const post = await runPost(s, result.state, result.runnerTemp);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('the main step was cancelled (SIGINT)');
    expect(post.stdout).toContain(`job ${jobName} (HR): stopped in the main step`);
    expect(post.stdout).toContain('no Data Pump job was left running: nothing to stop');
    expect(post.stdout).not.toContain('::error::');
    expect(shown(post.stdout)).not.toContain(PASSWORD);
  });

  it('the post step stops a job a killed main step left running and removes its partial dump and parfile', async () => {
    const s = await scenario({ HR: { behavior: 'hang', tables: 3, bytes: 1024 * 1024 } });
    const action = await startAction(s);
    const jobName = await waitForJob(s, 'HR');
    await sleep(300);
    // SIGKILL: nothing of the main step runs any more; expdp is orphaned with its job, the parfile stays.
    action.child.kill('SIGKILL');
    const result = await action.finished();
    const client = readSimCalls(s.record).find((c) => /^SCHEMAS=HR/m.test(c.parfileText))!;
    try {
      process.kill(client.pid, 'SIGKILL');
    } catch {
      // gone already
    }
    const dir = jobsDirFor(s.config);
    for (let i = 0; i < 100 && listJobs(dir)[0]?.attachedSessions !== 0; i++) await sleep(20);
    expect((await readdir(s.dumpDir)).some((n) => n.startsWith('HR_') && n.endsWith('.dmp'))).toBe(true);
    expect(await readdir(result.runnerTemp)).not.toEqual([]);
    expect(listJobs(jobsDirFor(s.config)).map((j) => [j.jobName, j.state, j.attachedSessions])).toEqual([
      [jobName, 'EXECUTING', 0],
    ]);

    const post = await runPost(s, result.state, result.runnerTemp);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('the main step ended before it finished its report');
    expect(post.stdout).toContain(
      `job ${jobName} (HR) left by the main step: job ${jobName} killed on the server`,
    );
    expect(attachCalls(s).map((c) => c.parfileText)).toEqual([
      `USERID=backup/"********"@dbhost:1521/ORCLPDB1\nATTACH=${jobName}\n`,
    ]);
    // KILL_JOB deletes the job's dump files itself; the post step removes whatever is left by the same names.
    expect(listJobs(jobsDirFor(s.config))).toEqual([]);
    expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
    expect(await readdir(result.runnerTemp)).toEqual([]);
    expect(shown(post.stdout)).not.toContain(PASSWORD);
  });
});

describe('bigger databases: PARALLEL and FILESIZE', () => {
  it('parallel: 4 with filesize: 1G produces and archives every %U file the log lists', async () => {
    const s = await scenario(
      {
        HR: { behavior: 'success', tables: 5, bytes: 2 * 1024 * 1024 },
        SALES: { behavior: 'success', tables: 3, bytes: 1024 * 1024 },
      },
      { parallel: '4', filesize: '1G', 'archive-password': '' },
    );
    const result = await run(s, NODE24);
    expect(result.outputs.status).toBe('success');
    const parfiles = exportCalls(s).map((c) => c.parfileText);
    for (const text of parfiles) {
      // Under this run's tag until the run keeps or removes them.
      expect(text).toMatch(/^DUMPFILE=\w+_\d{4}-\d\d-\d\d_\d{6}_%U\.oba-4242-1-[0-9a-f]{6}\.dmp$/m);
      expect(text).toMatch(/^PARALLEL=4$/m);
      expect(text).toMatch(/^FILESIZE=1GB$/m);
    }
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    const manifest = JSON.parse(await readFile(result.outputs.manifest!, 'utf8'));
    // The bundled action watched its memory and says so in the run log.
    expect(await readFile(report.logPath, 'utf8')).toMatch(
      /INFO {2}memory: peak [1-9]\d*\.\d MiB resident \(JavaScript heap [1-9]\d*\.\d MiB, buffers \d+\.\d [KM]iB; \d+ garbage collection\(s\) asked for, \d+ ms\)\n/,
    );
    const listing = execFileSync(sevenZip(), ['l', '-ba', '-slt', result.outputs.archives!], {
      encoding: 'utf8',
    });
    const entries = [...listing.matchAll(/^Path = (.*)$/gm)].map((m) => m[1]);
    for (const schema of ['HR', 'SALES']) {
      const logName = path.basename(
        report.schemas.find((x: { name: string }) => x.name === schema).oracleLog,
      );
      const log = await readFile(path.join(s.workDir, 'logs', logName), 'utf8');
      const listed = log
        .split('\n')
        .slice(log.split('\n').findIndex((l) => l.includes('Dump file set for')) + 1)
        .filter((l) => /^\s+\//.test(l.replace(/^\S+ \S+: /, '')))
        // Data Pump wrote them under this run's names; the archive and the manifest carry their final names.
        .map((l) => path.basename(l.trim()).replace(/\.oba-4242-1-[0-9a-f]{6}\.dmp$/, '.dmp'));
      expect(listed).toHaveLength(4);
      expect(listed.every((n) => /_0[1-4]\.dmp$/.test(n))).toBe(true);
      const inManifest = manifest.schemas.find((x: { name: string }) => x.name === schema);
      expect(inManifest.dumpFiles.map((f: { name: string }) => f.name)).toEqual(listed);
      for (const name of listed) expect(entries).toContain(name);
    }
  });
});

describe('legacy exp', () => {
  it('export-tool exp: OWNER, client-side FILE and LOG in work-dir, CONSISTENT=Y; endings classified (Windows codes)', async () => {
    const s = await scenario(
      {
        HR: { behavior: 'success', tables: 3, bytes: 256 * 1024 },
        AUDIT: { behavior: 'skipped-tables', tables: 2, bytes: 64 * 1024 },
        BAD: { behavior: 'fatal', tables: 4, bytes: 64 * 1024 },
      },
      { 'export-tool': 'exp', 'dump-path': '', 'archive-password': '' },
    );
    const config = JSON.parse(await readFile(s.config, 'utf8'));
    await writeFile(s.config, JSON.stringify({ ...config, expExitCodes: 'windows' }));
    const result = await run(s, NODE24);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.schemas.map((x: { name: string; outcome: string }) => [x.name, x.outcome])).toEqual([
      ['HR', 'success'],
      ['AUDIT', 'warning'],
      ['BAD', 'failed'],
    ]);
    expect(report.schemas[1].exitCode).toBe(3);
    expect(report.schemas[2].reason).toMatch(/ORA-01555/);
    expect(result.outputs.status).toBe('partial');
    const calls = exportCalls(s);
    expect(calls.every((c) => c.program === 'exp')).toBe(true);
    // exp reads an unquoted `#` as a comment: the test password (with a `#`) logs in only when quoted.
    expect(calls[0]!.parfileText).toMatch(/^USERID=backup\/"\*{8}"@dbhost:1521\/ORCLPDB1$/m);
    expect(calls[0]!.parfileText).toMatch(
      new RegExp(
        `^OWNER=HR\\nFILE=${s.workDir}/HR_[\\d_-]+\\.oba-[\\w-]+\\.dmp\\nLOG=${s.workDir}/HR_[\\d_-]+\\.oba-[\\w-]+\\.log\\nCONSISTENT=Y$`,
        'm',
      ),
    );
    const manifest = JSON.parse(await readFile(result.outputs.manifest!, 'utf8'));
    expect(manifest.schemas.map((x: { name: string }) => x.name)).toEqual(['HR', 'AUDIT']);
    expect(manifest.consistency.note).toMatch(/CONSISTENT=Y/);
    // Archived, so the client-side dumps are gone from work-dir; the failed one's partial file too.
    expect((await readdir(s.workDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
  });

  it('export-tool auto uses exp when the Oracle home has no expdp', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'oba-home-'));
    await mkdir(path.join(home, 'bin'));
    const exp = path.join(home, 'bin', 'exp');
    await writeFile(exp, `#!/bin/sh\nexec node "${path.join(SIM_ORACLE_HOME, 'exp-sim.mjs')}" "$@"\n`);
    await chmod(exp, 0o755);
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 128 * 1024 } },
      { 'export-tool': 'auto', 'oracle-home': home, 'archive-password': '' },
    );
    const result = await run(s, NODE24);
    expect(result.outputs.status).toBe('success');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.exportTool).toMatchObject({ kind: 'exp', executable: exp, release: '19.0.0.0.0' });
    expect(report.preflight[0].detail).toMatch(
      /^export-tool auto: expdp is not under oracle-home .*; using legacy exp/,
    );
  });
});

/** Mounts a tmpfs (root, or passwordless sudo as on GitHub's runners); undefined where that is not possible. */
function mountTmpfs(dir: string, options: string): (() => void) | undefined {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const cmd = (args: string[]) =>
    execFileSync(sudo[0] ?? args[0]!, sudo.length ? [...sudo.slice(1), ...args] : args.slice(1), {
      stdio: 'ignore',
    });
  try {
    cmd(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    return () => cmd(['umount', dir]);
  } catch {
    return undefined;
  }
}

describe('pre-flight', () => {
  it('reports a missing folder, a full disk and an unwritable folder at once, before any export', async (ctx) => {
    const s = await scenario({ HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } });
    const full = path.join(s.root, 'full');
    const readOnly = path.join(s.root, 'read-only');
    await mkdir(full);
    await mkdir(readOnly);
    const unmountFull = mountTmpfs(full, 'size=256k,mode=0777');
    const unmountRo = unmountFull && mountTmpfs(readOnly, 'ro,size=64k,mode=0555');
    if (!unmountFull || !unmountRo) {
      unmountFull?.();
      ctx.skip(TMPFS_NEEDS_ROOT);
      return;
    }
    try {
      await writeFile(path.join(full, 'filler'), Buffer.alloc(1024 * 1024)).catch(() => undefined);
      const missing = path.join(s.root, 'no-such-dpdump');
      const result = await run(
        {
          ...s,
          inputs: {
            ...s.inputs,
            'dump-path': missing,
            'work-dir': full,
            'copy-to': readOnly,
            'log-dir': path.join(s.root, 'logs'),
          },
        },
        NODE24,
      );
      expect(result.outputs.status).toBe('failure');
      expect(exportCalls(s)).toEqual([]);
      const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
      const failed = (report.preflight ?? []).filter((c: { ok: boolean }) => !c.ok);
      const texts = failed.map((c: { name: string; detail: string }) => `${c.name}: ${c.detail}`);
      expect(texts).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^dump-path: folder not found: ${missing}`)),
          expect.stringMatching(/^work-dir: disk full at .*ENOSPC/),
          expect.stringMatching(/^copy-to .*read-only file system/),
        ]),
      );
      for (const needle of ['no-such-dpdump', 'ENOSPC', 'EROFS']) expect(result.summary).toContain(needle);
      expect(result.summary).toContain('pre-flight checks failed, so no export was started');
    } finally {
      unmountRo();
      unmountFull();
    }
  });
});

describe('node-oracledb in the bundle', () => {
  it.each([
    ['Node 24', NODE24],
    ['this Node', process.execPath],
  ])(
    'loads in Thin mode and reports an unreachable database in pre-flight, fast (%s)',
    async (_label, node) => {
      const s = await scenario(
        { HR: { behavior: 'success' } },
        { 'oracle-queries': 'true', 'connect-string': '127.0.0.1:1/FREEPDB1', 'dump-path': '' },
      );
      const started = Date.now();
      const result = await runAction({ inputs: s.inputs, node, env: { ORACLE_SIM_CONFIG: s.config } });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.outputs.status).toBe('failure');
      expect(result.summary).toMatch(/cannot reach 127\.0\.0\.1:1\/FREEPDB1 as backup: NJS-503/);
      expect(exportCalls(s)).toEqual([]);
      expect(existsSync(s.record) ? readSimCalls(s.record).length : 0).toBeLessThanOrEqual(1);
    },
  );
});
