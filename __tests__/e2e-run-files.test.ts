// The run log and report JSON of the bundled action in log-dir: one pair per run, never another run's, never an
// empty or missing file named in the outputs.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, type ActionRun } from './helpers/run-action.js';
import { scenario, type Scenario } from './helpers/scenario.js';

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
