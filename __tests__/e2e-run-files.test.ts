// The run log and report JSON of the bundled action in log-dir: one pair per run, never another run's, never an
// empty or missing file named in the outputs.
import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './helpers/run-action.js';
import { scenario, sevenZip, sha256, type Scenario } from './helpers/scenario.js';
import { skipMeta, TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

function start(s: Scenario): Promise<ActionRun> {
  return runAction({ inputs: s.inputs, env: { ORACLE_SIM_CONFIG: s.config } });
}

/** Waits for the start of the next second, so that two runs started now carry the same `{time}`. */
async function startOfNextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

describe('run log and report of two runs started in the same second', () => {
  it('gives each run its own files, the refused run included, and overwrites neither', async () => {
    // The run that gets the lock exports slowly, so the other one is refused while it runs.
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024, delayMs: 4000 } },
      { 'archive-password': '', 'copy-to': '' },
    );
    await startOfNextSecond();
    const both = await Promise.all([start(s), start(s)]);
    const running = both.find((r) => r.outputs.status === 'success');
    const refused = both.find((r) => r.outputs.status === 'failure');
    expect(running, both.map((r) => r.stdout).join('\n----\n')).toBeDefined();
    expect(refused).toBeDefined();
    expect(refused!.stdout).toContain('another backup run holds');

    expect(refused!.outputs.report).not.toBe(running!.outputs.report);
    const logDir = path.join(s.workDir, 'logs');
    for (const r of [running!, refused!]) {
      expect(path.dirname(r.outputs.report!)).toBe(logDir);
      expect(path.dirname(r.outputs.log!)).toBe(logDir);
    }
    const files = [
      running!.outputs.report,
      running!.outputs.log,
      refused!.outputs.report,
      refused!.outputs.log,
    ];
    expect(new Set(files).size).toBe(4);

    // Each file holds its own run: the running run's were not overwritten by the refused one, nor the reverse.
    const runningReport = JSON.parse(await readFile(running!.outputs.report!, 'utf8'));
    const refusedReport = JSON.parse(await readFile(refused!.outputs.report!, 'utf8'));
    expect(runningReport.status).toBe('success');
    expect(runningReport.reportPath).toBe(running!.outputs.report);
    expect(runningReport.logPath).toBe(running!.outputs.log);
    expect(refusedReport.status).toBe('failure');
    expect(refusedReport.findings.map((f: { code: string }) => f.code)).toContain('LOCKED');
    expect(refusedReport.reportPath).toBe(refused!.outputs.report);
    expect(refusedReport.logPath).toBe(refused!.outputs.log);
    expect(refusedReport.id).not.toBe(runningReport.id);
    const runningLog = await readFile(running!.outputs.log!, 'utf8');
    const refusedLog = await readFile(refused!.outputs.log!, 'utf8');
    expect(runningLog).toMatch(/status: success/);
    expect(runningLog).not.toContain('another backup run holds');
    expect(refusedLog).toContain('another backup run holds');
    expect(refusedLog).not.toMatch(/status: success/);
    // Names carry the workflow run id and attempt; nothing else of theirs is in log-dir.
    for (const file of files) expect(path.basename(file!)).toMatch(/^oracle-backup_[\d-]+_\d{6}_run4242-1/);
    const runFiles = (await readdir(logDir)).filter((n) => n.startsWith('oracle-backup_'));
    expect(runFiles.sort()).toEqual(files.map((f) => path.basename(f!)).sort());

    // The history records the refused run as its own refused run, not as a failure of the running one.
    const history = JSON.parse(await readFile(path.join(s.workDir, '.oracle-backup-history.json'), 'utf8'));
    const byId = new Map(history.runs.map((r: { id: string }) => [r.id, r]));
    expect(byId.get(runningReport.id)).toMatchObject({ status: 'success', runId: '4242', attempt: '1' });
    expect(byId.get(runningReport.id)).not.toHaveProperty('refused');
    expect(byId.get(refusedReport.id)).toMatchObject({ status: 'failure', refused: true, runId: '4242' });
  }, 60_000);
});

const root = process.getuid?.() === 0;
const inCi = process.env.CI === 'true';

describe('a full log-dir', () => {
  const mounts: string[] = [];
  afterAll(async () => {
    for (const mnt of mounts) {
      spawnSync('umount', [mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });

  /** A 64 KiB tmpfs filled up to its last page: the pre-flight probe fits, a run's files do not. */
  async function fullFolder(): Promise<string> {
    const mnt = await mkdtemp(path.join(tmpdir(), 'oba-full-logs-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    expect(mounted.status, mounted.stderr).toBe(0);
    mounts.push(mnt);
    const fs = statfsSync(mnt);
    await writeFile(path.join(mnt, 'filler'), Buffer.alloc(fs.bavail * fs.bsize - 4096, 1));
    const left = statfsSync(mnt);
    expect(left.bavail * left.bsize).toBe(4096);
    return mnt;
  }

  (root || inCi ? it : it.skip)(
    `keeps the good backup's status, warns naming log-dir, and names no empty or missing file in the outputs${
      root || inCi ? '' : ' [skipped: mounting a small tmpfs needs root]'
    }`,
    { timeout: 60_000, ...skipMeta(root || inCi ? undefined : TMPFS_NEEDS_ROOT) },
    async () => {
      if (!root) throw new Error('this test mounts a tmpfs and must run as root in CI');
      const logDir = await fullFolder();
      const s = await scenario(
        { HR: { behavior: 'success', tables: 3, bytes: 256 * 1024 } },
        { 'log-dir': logDir, 'copy-to': '' },
      );
      const result = await start(s);

      // The backup itself is good: the status stays success and the step passes.
      expect(result.outputs.status, result.stdout).toBe('success');
      expect(result.exitCode).toBe(0);
      const archive = result.outputs.archives!;
      expect(path.dirname(archive)).toBe(s.workDir);
      expect(await sha256(archive)).toBe(result.outputs['archive-sha256']);
      const tested = spawnSync(sevenZip(), ['t', `-p${s.inputs['archive-password']}`, archive], {
        encoding: 'utf8',
      });
      expect(tested.status, tested.stdout).toBe(0);

      // ...but the step says loudly that its files could not be written, and where, and why.
      const warnings = result.stdout.split('\n').filter((l) => l.startsWith('::warning'));
      const full = warnings.filter((l) => l.includes('log-dir') && /no space left on device/.test(l));
      expect(full.length, warnings.join('\n')).toBeGreaterThan(0);
      expect(full.some((l) => l.includes(logDir))).toBe(true);
      expect(result.summary).toContain('[!WARNING]');
      expect(result.summary).toMatch(/no space left on device/);

      // No output names an empty, partial or missing file; nothing empty or half-written stays in log-dir.
      for (const name of ['report', 'log'] as const) {
        const value = result.outputs[name];
        expect(value, name).toBeDefined();
        if (value === '') continue;
        expect((await stat(value!)).size, name).toBeGreaterThan(0);
        if (name === 'report') expect(JSON.parse(await readFile(value!, 'utf8')).status).toBe('success');
      }
      for (const name of await readdir(logDir)) {
        if (name === 'filler') continue;
        expect(name.startsWith('.'), `temporary file ${name} left behind`).toBe(false);
        expect((await stat(path.join(logDir, name))).size, `${name} is empty`).toBeGreaterThan(0);
        if (name.endsWith('.report.json')) JSON.parse(await readFile(path.join(logDir, name), 'utf8'));
      }
    },
  );
});
