// A dump file is deflated while its export writes it (src/archive/deflate-ahead.ts), and its zip entry
// takes only the blocks that the finished file still holds. The simulated expdp writes at a set pace and rewrites
// each dump file's header when its job ends, as Data Pump does, so the header block is always compressed again.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineScenario, runPipeline, type PipelineScenario } from './helpers/pipeline-run.js';

const MiB = 1024 * 1024;
const USED = /(\S+\.dmp): (\d+) of (\d+) blocks came deflated from its export/;
const spools = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ahead-[0-9a-f]{8}$|\.oba-ahead-/.test(n));

/**
 * The pipeline on the simulated Oracle. Deflating ahead keeps no reserve of free space unless asked (the default, a
 * tenth of the file system, would make these tests depend on the machine's disk).
 */
const run = (s: PipelineScenario, options: { overlap?: boolean; deflateAheadReserveBytes?: number } = {}) =>
  runPipeline(s, { deflateAheadReserveBytes: 0, ...options });

/** One schema of `mb` MiB written at 4 MB/s: long enough for blocks to be deflated while it is exported. */
async function pacedScenario(inputs: Record<string, string> = {}, mb = 6): Promise<PipelineScenario> {
  return pipelineScenario(
    { HR: { behavior: 'success', tables: 4, bytes: mb * MiB, mbPerSecond: 4 } },
    { 'oracle-queries': 'false', 'keep-dumps': 'true', ...inputs },
  );
}

describe('dump files deflated while they are exported', () => {
  it('the archive takes the blocks that still match, compresses the rewritten header again, and holds the exact dump', async () => {
    const s = await pacedScenario();
    const { report, log } = await run(s);
    expect(report.status).toBe('success');
    const [archive] = report.archives;
    expect(archive?.verified).toBe(true);
    const text = log.text();
    expect(log.debugText()).toMatch(/HR_\S+\.dmp: [\d.]+ MiB deflated while it was exported \(\d+ blocks\)/);
    expect(text).not.toContain('deflated while it was exported');
    // How many blocks were reused is an internal: a debug line, not the DBA's run log.
    expect(text).not.toMatch(USED);
    const used = USED.exec(log.debugText());
    expect(used).not.toBeNull();
    const [, name, reused, total] = used!;
    // 6 MiB in 512 KiB blocks: 12, of which the last ends the stream and is never asked for.
    expect(Number(total)).toBe(11);
    expect(Number(reused)).toBeGreaterThan(0);
    // The header was rewritten when the job ended, so block 0 never comes from the export's time.
    expect(Number(reused)).toBeLessThan(Number(total));
    // Info-ZIP gives back exactly the dump file that stayed on disk (keep-dumps).
    const unzip = spawnSync('unzip', ['-p', archive!.path, name!], { maxBuffer: 64 * MiB });
    expect(unzip.status).toBe(0);
    expect(unzip.stdout.equals(await readFile(path.join(s.dumpDir, name!)))).toBe(true);
    expect(await spools(s.workDir)).toEqual([]);
  });

  it('works the same into an AES-256 archive, and leaves no spool behind', async () => {
    const s = await pacedScenario({ 'archive-password': 'zip-Secret-9f8e7d' });
    const { report, log } = await run(s);
    expect(report.status).toBe('success');
    expect(report.archives[0]?.verified).toBe(true);
    expect(Number(USED.exec(log.debugText())?.[2])).toBeGreaterThan(0);
    expect(await spools(s.workDir)).toEqual([]);
  });

  it('follows each file of a %U set as it appears (PARALLEL=2), and each entry takes its own blocks', async () => {
    const s = await pacedScenario({ parallel: '2' }, 8);
    const { report, log } = await run(s);
    expect(report.status).toBe('success');
    expect(report.archives[0]?.verified).toBe(true);
    const files = report.schemas[0]!.dumpFiles.map((f) => f.name);
    expect(files).toEqual([expect.stringMatching(/_01\.dmp$/), expect.stringMatching(/_02\.dmp$/)]);
    const used = [...log.debugText().matchAll(new RegExp(USED.source, 'g'))].map((m) => [m[1], Number(m[2])]);
    expect(used.map(([name]) => name)).toEqual(files);
    for (const [, reused] of used) expect(reused).toBeGreaterThan(0);
    for (const name of files) {
      const unzip = spawnSync('unzip', ['-p', report.archives[0]!.path, name], { maxBuffer: 64 * MiB });
      expect(unzip.stdout.equals(await readFile(path.join(s.dumpDir, name)))).toBe(true);
    }
    expect(await spools(s.workDir)).toEqual([]);
  });

  it('is not done when the stages run one after another (the benchmark reference), with the same result', async () => {
    const s = await pacedScenario({}, 2);
    const { report, log } = await run(s, { overlap: false });
    expect(report.status).toBe('success');
    expect(report.archives[0]?.verified).toBe(true);
    expect(log.text()).not.toContain('deflated while it was exported');
    expect(log.text() + log.debugText()).not.toMatch(USED);
  });

  it('gives up when work-dir would fall below its reserve of free space, says so, and archives as before', async () => {
    const s = await pacedScenario({}, 2);
    const { report, log } = await run(s, { deflateAheadReserveBytes: Number.MAX_SAFE_INTEGER });
    expect(report.status).toBe('success');
    expect(report.archives[0]?.verified).toBe(true);
    expect(log.text()).toMatch(
      /HR_\S+\.dmp: not deflated during its export: \S+ has [\d.]+ GiB free; deflating ahead keeps [\d.]+ GiB for the export and the archive/,
    );
    expect(log.text() + log.debugText()).not.toMatch(USED);
    expect(await spools(s.workDir)).toEqual([]);
  });

  it('drops the blocks of an export that failed, and removes spools a killed run left behind', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'fatal', tables: 4, bytes: 4 * MiB, mbPerSecond: 4 },
        SALES: { behavior: 'success', tables: 2, bytes: 1 * MiB },
      },
      { 'oracle-queries': 'false' },
    );
    await mkdir(s.workDir, { recursive: true });
    const leftover = '.HR_2026-01-01_000000.dmp.ahead-0123abcd';
    await writeFile(path.join(s.workDir, leftover), 'blocks of a run that was killed');
    const { report, log } = await run(s);
    expect(report.schemas.find((x) => x.name === 'HR')?.outcome).toBe('failed');
    expect(report.schemas.find((x) => x.name === 'SALES')?.outcome).toBe('success');
    expect(log.text()).toContain(`removed ${leftover}, a temporary file of an interrupted run`);
    expect(log.text()).not.toMatch(/HR_\S+\.dmp: \d+ of \d+ blocks came deflated/);
    expect(await spools(s.workDir)).toEqual([]);
  });
});
