import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claimRunFiles,
  freeRunFilePaths,
  runFileStem,
  runFileTag,
  writeClaimedRunFile,
  writeRunFiles,
} from '../src/report/run-files.js';
import { RUN_LOG_RE } from '../src/retention/run-logs.js';
import { makeNameTokens } from '../src/settings/names.js';

const tokens = makeNameTokens(new Date(2026, 10, 21, 1, 30, 0), '4242');

describe('run file names', () => {
  it('carry the workflow run and attempt, or this process and a random part outside Actions', () => {
    expect(runFileTag({ GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '3' }, 10, 'ab12cd')).toBe('run4242-3');
    expect(runFileTag({ GITHUB_RUN_ID: '4242' }, 10, 'ab12cd')).toBe('run4242-1');
    expect(runFileTag({}, 31337, 'AB12CD')).toBe('local31337-ab12cd');
    expect(runFileStem('oracle-backup', tokens, 'run4242-3')).toBe(
      'oracle-backup_2026-11-21_013000_run4242-3',
    );
  });

  it('are the names retention knows as run logs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'run-files-'));
    for (const tag of ['run4242-1', 'local31337-ab12cd']) {
      const stem = runFileStem('oracle-backup', tokens, tag);
      for (const n of [1, 2, 12]) {
        const claimed = await claimRunFiles(dir, stem);
        expect(path.basename(claimed.log)).toBe(`${stem}${n === 1 ? '' : `_${n}`}.log`);
        if (n === 2) for (let i = 3; i < 12; i++) await claimRunFiles(dir, stem);
      }
    }
    const names = await readdir(dir);
    expect(names.length).toBe(48);
    for (const name of names) expect(RUN_LOG_RE.test(name), name).toBe(true);
  });
});

describe('claimRunFiles and writeClaimedRunFile', () => {
  it('never take a name another file holds, the log or the report alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'run-files-'));
    const stem = runFileStem('oracle-backup', tokens, 'run4242-1');
    await writeFile(path.join(dir, `${stem}.log`), 'the other run');
    await writeFile(path.join(dir, `${stem}_2.report.json`), '{"other":true}');
    expect(await freeRunFilePaths(dir, stem)).toEqual({
      log: path.join(dir, `${stem}_3.log`),
      report: path.join(dir, `${stem}_3.report.json`),
    });
    const claimed = await claimRunFiles(dir, stem);
    expect(claimed.report).toBe(path.join(dir, `${stem}_3.report.json`));
    await writeClaimedRunFile(claimed.report, '{"mine":true}\n');
    await writeClaimedRunFile(claimed.log, 'my log\n');
    expect(await readFile(path.join(dir, `${stem}.log`), 'utf8')).toBe('the other run');
    expect(await readFile(path.join(dir, `${stem}_2.report.json`), 'utf8')).toBe('{"other":true}');
    expect(await readFile(claimed.report, 'utf8')).toBe('{"mine":true}\n');
    // The report claimed for suffix 1 was given back when its log name was taken; no temporary file stays.
    expect((await readdir(dir)).sort()).toEqual(
      [`${stem}.log`, `${stem}_2.report.json`, `${stem}_3.log`, `${stem}_3.report.json`].sort(),
    );
  });

  it('writeRunFiles reports a log-dir that cannot be made and gives no paths', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'run-files-'));
    await writeFile(path.join(dir, 'file'), 'not a folder');
    const problems: string[] = [];
    const written = await writeRunFiles(path.join(dir, 'file', 'logs'), 'oracle-backup_x', {
      report: () => '{}',
      log: () => 'log',
      onProblem: (what, where, error) => problems.push(`${what} ${where} ${error.message}`),
    });
    expect(written).toEqual({});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^the run log and report .*file\/logs .*(ENOTDIR|EEXIST)/);
  });
});
