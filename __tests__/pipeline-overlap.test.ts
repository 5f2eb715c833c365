// Archiving overlaps the exports. A schema's files go into its zip as soon as its export ends, while the
// next schema exports; an archive goes to all its destinations at once. The simulated expdp really runs; a gate in
// front of it holds the next export until the previous schema's archive has visibly started (or ended), so the
// overlap is proven by the order of events, not by timing.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expdpProcessRunner, type ExportRunner } from '../src/export/expdp-process.js';
import type { Manifest } from '../src/manifest.js';
import { runBackup } from '../src/pipeline.js';
import { RunLog } from '../src/report/run-log.js';
import type { RunReport } from '../src/run-report.js';
import { TOOL } from '../src/version.js';
import { eventually } from './helpers/files.js';
import { PASSWORD, pipelineScenario, type PipelineScenario } from './helpers/pipeline-run.js';
import { SIM_EXPDP, writeSimConfig } from './oracle-sim/sim.js';

const schemaOf = (parfile: string): string | undefined => /^SCHEMAS=(.+)$/m.exec(parfile)?.[1];

/**
 * The real export runner, except that a schema with a gate starts only once its gate holds (or the bounded wait
 * gives up: `opened[schema]` is then false). `after` runs once a schema's client has ended.
 */
function gatedExporter(
  gates: Record<string, () => boolean | Promise<boolean>>,
  opened: Record<string, boolean>,
  after: Record<string, () => Promise<void>> = {},
): ExportRunner {
  return {
    async run(request) {
      const schema = schemaOf(request.parfile);
      const gate = schema ? gates[schema] : undefined;
      if (schema && gate) opened[schema] = await eventually(gate);
      const result = await expdpProcessRunner.run(request);
      if (schema && after[schema]) await after[schema]();
      return result;
    },
  };
}

async function run(
  s: PipelineScenario,
  options: {
    exporter?: ExportRunner;
    overlap?: boolean;
    signal?: AbortSignal;
    log?: RunLog;
  } = {},
): Promise<{ report: RunReport; log: RunLog }> {
  const log = options.log ?? new RunLog([PASSWORD], () => new Date());
  const report = await runBackup(s.settings, {
    exporter: options.exporter ?? expdpProcessRunner,
    clock: () => new Date(),
    log,
    tool: TOOL,
    runId: '4242',
    newId: randomUUID,
    tempRoot: s.tempDir,
    signal: options.signal,
    env: { ORACLE_SIM_CONFIG: s.config },
    stopBudgetMs: { timeout: 10_000, cancelled: 4_000 },
    overlap: options.overlap,
  });
  return { report, log };
}

/** The scenario with copy-to set to an existing folder `share` in its root (a destination is never created). */
async function withShare(s: PipelineScenario): Promise<PipelineScenario> {
  const share = path.join(s.root, 'share');
  await mkdir(share);
  return { ...s, settings: { ...s.settings, copyTo: [share] } };
}

const logHas = (log: RunLog, pattern: RegExp) => () => log.lines.some((l) => pattern.test(l));
const lineIndex = (log: RunLog, pattern: RegExp) => log.lines.findIndex((l) => pattern.test(l));

/** Everything of a run that must not depend on overlap: outcomes, findings, manifests, entries, destinations. */
async function comparable(report: RunReport, root: string): Promise<unknown> {
  const manifests = await Promise.all(
    report.archives.map(async (a) => JSON.parse(await readFile(a.manifestPath, 'utf8')) as Manifest),
  );
  const facts = {
    status: report.status,
    statusReason: report.statusReason,
    findings: report.findings.map((f) => [f.severity, f.code, f.message.replace(/_\d{6}/g, '_T')]),
    schemas: report.schemas.map((x) => ({
      name: x.name,
      outcome: x.outcome,
      reason: x.reason,
      findings: x.findings.map((f) => [f.code, f.message]),
      rows: x.rows,
      // The simulated dump's header names its job, whose name holds the time: hashes differ between two runs.
      dumpFiles: x.dumpFiles.map((f) => [f.name.replace(/_\d{6}/g, '_T'), f.bytes, f.sha256 !== undefined]),
      archived: x.archive !== undefined,
    })),
    archives: report.archives.map((a, i) => ({
      schemas: a.schemas,
      verified: a.verified,
      problems: a.problems,
      encrypted: a.encrypted,
      entries: a.entries
        .map((e) => [e.name.replace(/_\d{6}/g, '_T'), e.name === 'manifest.json' ? 0 : e.bytes])
        .sort(),
      destinations: a.destinations.map((d) => [d.kind, d.location, d.ok, d.verification, d.files.length]),
      manifest: {
        ...manifests[i]!,
        consistency: {},
        set: { ...manifests[i]!.set, id: '', createdAt: '' },
        archives: manifests[i]!.archives.map((x) => ({ ...x, name: '', bytes: 0, sha256: '' })),
        schemas: manifests[i]!.schemas.map((x) => ({
          ...x,
          startedAt: '',
          durationMs: 0,
          jobName: '',
          dumpFiles: x.dumpFiles.map((f) => ({ ...f, name: f.name.replace(/_\d{6}/g, '_T'), sha256: '' })),
        })),
      },
    })),
  };
  return JSON.parse(JSON.stringify(facts).split(root).join('ROOT')) as unknown;
}

describe('archive-per: run, overlapped with the exports', () => {
  it("compresses each schema's dump while the next schema exports, manifest last, and the set is what it was", async () => {
    const schemas = {
      HR: { behavior: 'success' as const, tables: 3, bytes: 2 * 1024 * 1024 },
      SALES: { behavior: 'skipped-tables' as const, tables: 3, bytes: 1024 * 1024 },
      APP: { behavior: 'success' as const, tables: 2, bytes: 512 * 1024 },
    };
    const s = await pipelineScenario(schemas, { 'copy-to': '', 'oracle-queries': 'false' });
    const log = new RunLog([PASSWORD], () => new Date());
    const opened: Record<string, boolean> = {};
    // SALES starts only once HR's files are going into the zip, APP once SALES's are.
    const exporter = gatedExporter(
      { SALES: logHas(log, /: adding HR$/), APP: logHas(log, /: adding SALES$/) },
      opened,
    );
    const { report } = await run(s, { exporter, log });
    expect(opened).toEqual({ SALES: true, APP: true });
    expect(report.status).toBe('partial');
    expect(report.archives).toHaveLength(1);
    const archive = report.archives[0]!;
    expect(archive.verified).toBe(true);
    expect(archive.schemas).toEqual(['HR', 'SALES', 'APP']);
    // Each schema's dump and log as its export ended; the manifest last, with every dump's hash.
    expect(archive.entries.map((e) => e.name.replace(/_[\d-]+_\d{6}/, ''))).toEqual([
      'HR.dmp',
      'logs/HR.log',
      'SALES.dmp',
      'logs/SALES.log',
      'APP.dmp',
      'logs/APP.log',
      'manifest.json',
    ]);
    const inner = JSON.parse(await readFile(archive.manifestPath, 'utf8')) as Manifest;
    for (const schema of inner.schemas) {
      expect(schema.dumpFiles).toHaveLength(1);
      const entry = archive.entries.find((e) => e.name === schema.dumpFiles[0]!.name)!;
      expect(schema.dumpFiles[0]!.sha256).toBe(entry.sha256);
    }
    expect(inner.schemas.map((x) => x.status)).toEqual(['success', 'warning', 'success']);
    expect(inner.set.status).toBe('partial');

    // The same inputs with every stage one after another give the same outcomes, findings, manifest and entries.
    const again = await pipelineScenario(schemas, { 'copy-to': '', 'oracle-queries': 'false' });
    const sequential = await run(again, { overlap: false });
    expect(await comparable(report, s.root)).toEqual(await comparable(sequential.report, again.root));
  });

  it("puts a failed schema's log in the zip but never its dump, and opens no zip when every schema fails", async () => {
    const s = await pipelineScenario(
      {
        BAD: { behavior: 'fatal', tables: 4, bytes: 256 * 1024 },
        HR: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
      },
      { 'oracle-queries': 'false' },
    );
    const { report } = await run(s);
    expect(report.schemas.map((x) => x.outcome)).toEqual(['failed', 'success']);
    expect(report.archives[0]!.schemas).toEqual(['HR']);
    expect(report.archives[0]!.entries.map((e) => e.name.replace(/_[\d-]+_\d{6}/, ''))).toEqual([
      'logs/BAD.log',
      'HR.dmp',
      'logs/HR.log',
      'manifest.json',
    ]);

    const none = await pipelineScenario(
      { BAD: { behavior: 'fatal', tables: 4, bytes: 256 * 1024 }, WORSE: { behavior: 'directory-invalid' } },
      { 'oracle-queries': 'false' },
    );
    const failed = await run(none);
    expect(failed.report.status).toBe('failure');
    expect(failed.report.archives).toEqual([]);
    expect(
      existsSync(none.workDir) ? (await readdir(none.workDir)).filter((n) => n.includes('.zip')) : [],
    ).toEqual([]);
  });
});

describe('archive-per: schema, overlapped with the exports', () => {
  it('archives, verifies and delivers each schema before the next export starts, in the same order as before', async () => {
    const schemas = {
      HR: { behavior: 'success' as const, tables: 2, bytes: 1024 * 1024 },
      SALES: { behavior: 'success' as const, tables: 2, bytes: 512 * 1024 },
      APP: { behavior: 'success' as const, tables: 2, bytes: 512 * 1024 },
    };
    const inputs = { 'archive-per': 'schema', 'oracle-queries': 'false' };
    const s = await withShare(await pipelineScenario(schemas, inputs));
    const share = path.join(s.root, 'share');
    const delivered = (schema: string) => async () =>
      (await readdir(share).catch(() => [] as string[])).some(
        (n) => n.startsWith(`${schema}_`) && n.endsWith('.zip.manifest.json'),
      );
    const opened: Record<string, boolean> = {};
    const exporter = gatedExporter({ SALES: delivered('HR'), APP: delivered('SALES') }, opened);
    const { report } = await run(s, { exporter });
    expect(opened).toEqual({ SALES: true, APP: true });
    expect(report.status).toBe('success');
    expect(report.archives.map((a) => a.schemas)).toEqual([['HR'], ['SALES'], ['APP']]);
    expect(report.archives.every((a) => a.verified && a.destinations.every((d) => d.ok))).toBe(true);
    expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);

    const again = await withShare(await pipelineScenario(schemas, inputs));
    const sequential = await run(again, { overlap: false });
    expect(await comparable(report, s.root)).toEqual(await comparable(sequential.report, again.root));
  });

  it('reports a background archive that fails as failed, with its reason, and still archives the others', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
        SALES: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
      },
      { 'archive-per': 'schema', 'oracle-queries': 'false', 'verify-dump': 'none' },
    );
    // After HR's export, a folder stands where its dump file was: the zip cannot read it.
    const after = {
      HR: async () => {
        const dump = (await readdir(s.dumpDir)).find((n) => n.startsWith('HR_') && n.endsWith('.dmp'))!;
        await rename(path.join(s.dumpDir, dump), path.join(s.root, 'moved.dmp'));
        await mkdir(path.join(s.dumpDir, dump));
        await writeFile(path.join(s.dumpDir, dump, 'x'), 'not a dump');
      },
    };
    const { report } = await run(s, { exporter: gatedExporter({}, {}, after) });
    expect(report.schemas.map((x) => x.outcome)).toEqual(['success', 'success']);
    expect(report.archives.map((a) => [a.schemas, a.verified])).toEqual([
      [['HR'], false],
      [['SALES'], true],
    ]);
    expect(report.archives[0]!.problems).toEqual([expect.stringMatching(/is not a regular file/)]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        code: 'ARCHIVE',
        message: expect.stringMatching(/^archive HR_.*is not a regular file/),
      }),
    );
    expect(report.schemas[0]!.archive).toBeUndefined();
    expect(report.status).toBe('partial');
    // No partial zip is left behind.
    expect((await readdir(s.workDir)).filter((n) => n.includes('partial'))).toEqual([]);
  });
});

describe('deliveries of one archive', () => {
  it('go to every destination at once, logged by destination, reported in the configured order', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success', tables: 2, bytes: 256 * 1024 } },
      { 'oracle-queries': 'false' },
    );
    const blocker = path.join(s.root, 'not-a-folder');
    await writeFile(blocker, 'a file where a folder should be');
    const folders = [path.join(s.root, 'a'), `${blocker}/oracle`, path.join(s.root, 'b')];
    await mkdir(folders[0]!);
    await mkdir(folders[2]!);
    s.settings = { ...s.settings, copyTo: folders };
    const { report, log } = await run(s);
    const destinations = report.archives[0]!.destinations;
    expect(destinations.map((d) => [d.kind, d.location, d.ok])).toEqual([
      ['local', s.workDir, true],
      ['folder', folders[0], true],
      ['folder', folders[1], false],
      ['folder', folders[2], true],
    ]);
    // Every copy started before any ended: they ran concurrently.
    const firstEnd = Math.min(...folders.map((f) => lineIndex(log, new RegExp(`${f}: cop(ied|y failed)`))));
    for (const folder of folders) {
      const start = lineIndex(log, new RegExp(`copying .* to ${folder}( as it is written .*)?$`));
      expect(start).toBeGreaterThanOrEqual(0);
      expect(start).toBeLessThan(firstEnd);
    }
    expect(report.status).toBe('partial');
  });
});

describe('cancellation while an archive is open', () => {
  it('stops the export and the zip, removes the partial zip and dump, keeps the finished export, and reports cancelled', async () => {
    const s = await pipelineScenario(
      {
        HR: { behavior: 'success', tables: 2, bytes: 1024 * 1024 },
        SALES: { behavior: 'hang', tables: 2, bytes: 512 * 1024 },
        APP: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
      },
      { 'oracle-queries': 'false' },
    );
    const log = new RunLog([PASSWORD], () => new Date());
    const controller = new AbortController();
    const partialZip = async () =>
      (await readdir(s.workDir).catch(() => [] as string[])).some((n) =>
        /^\.oracle-backup_.*\.oba-partial-/.test(n),
      );
    const zipOpen: Record<string, boolean> = {};
    // SALES (which hangs) starts once HR is in the open zip; the run is cancelled while both are in progress.
    const exporter = gatedExporter(
      {
        SALES: async () => {
          const open = logHas(log, /: adding HR$/)() && (await partialZip());
          // Cancelled once SALES's client has registered its job and created its dump file (it then hangs).
          if (open)
            void eventually(async () =>
              (await readdir(s.dumpDir)).some((n) => n.startsWith('SALES_') && n.endsWith('.dmp')),
            ).then(() => controller.abort('SIGINT'));
          return open;
        },
      },
      zipOpen,
    );
    const { report } = await run(s, { exporter, log, signal: controller.signal });
    expect(zipOpen).toEqual({ SALES: true });
    expect(report.status).toBe('failure');
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'the export of SALES' });
    expect(report.statusReason).toMatch(/^cancelled \(SIGINT\) during the export of SALES; Data Pump job/);
    expect(report.schemas.map((x) => [x.name, x.outcome])).toEqual([
      ['HR', 'success'],
      ['SALES', 'failed'],
      ['APP', 'failed'],
    ]);
    expect(report.schemas[2]!.reason).toBe('not started: the run was cancelled');
    // The zip was stopped and removed; nothing of it is reported as an archive.
    expect(report.archives).toEqual([]);
    expect(
      log.lines.some((l) => /archive oracle-backup_.*\.zip stopped: the run was cancelled/.test(l)),
    ).toBe(true);
    // Neither the zip nor the blocks of the dumps deflated during their exports stay behind.
    expect((await readdir(s.workDir)).filter((n) => n.includes('.zip') || n.includes('ahead-'))).toEqual([]);
    // HR's finished export stays (under its final name) and the status says where; SALES's partial dump is gone.
    const kept = (await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(kept).toEqual([expect.stringMatching(/^HR_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    expect(report.statusReason).toContain(`finished exports kept: HR (${path.join(s.dumpDir, kept[0]!)})`);
    expect(report.findings.filter((f) => f.code === 'ARCHIVE')).toEqual([]);
  });
});

describe('the simulated export rate (mbPerSecond)', () => {
  const runSim = (config: string, dir: string, schema: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const parfile = path.join(dir, `${schema}.par`);
      writeFileSync(
        parfile,
        `USERID=backup/${PASSWORD}@db/X\nSCHEMAS=${schema}\nDUMPFILE=${schema}.dmp\nLOGFILE=${schema}.log\n`,
      );
      const child = spawn(SIM_EXPDP, [`parfile=${parfile}`], {
        env: { ...process.env, ORACLE_SIM_CONFIG: config },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });

  it('writes the whole dump at a set rate, and refuses a rate that is not a number above 0', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-rate-'));
    const config = writeSimConfig(dir, {
      directories: { DATA_PUMP_DIR: dir },
      users: { BACKUP: PASSWORD },
      schemas: { HR: { tables: 3, bytes: 3 * 1024 * 1024, mbPerSecond: 50 } },
    });
    expect(await runSim(config, dir, 'HR')).toEqual({ code: 0, stderr: '' });
    expect((await stat(path.join(dir, 'HR.dmp'))).size).toBe(3 * 1024 * 1024);
    expect(await readFile(path.join(dir, 'HR.log'), 'utf8')).toMatch(/successfully completed/);

    for (const bad of [0, -1, 'fast']) {
      const badConfig = writeSimConfig(dir, {
        directories: { DATA_PUMP_DIR: dir },
        users: { BACKUP: PASSWORD },
        schemas: { HR: { mbPerSecond: bad as number } },
      });
      expect(await runSim(badConfig, dir, 'HR')).toEqual({
        code: 1,
        stderr: "expdp-sim: schema HR: 'mbPerSecond' must be a number > 0\n",
      });
    }
  });
});

describe('partial archives left by a killed run', () => {
  it('are removed from work-dir once the lock is held; nothing else there is touched', async () => {
    const s = await pipelineScenario(
      { HR: { behavior: 'success', tables: 1, bytes: 64 * 1024 } },
      { 'copy-to': '', 'oracle-queries': 'false' },
    );
    await mkdir(s.workDir, { recursive: true });
    const leftover = '.oracle-backup_2026-11-20_013000.zip.partial-0a1b2c3d';
    const kept = ['HR_2026-11-19_013000.zip', '.notes.partial', 'x.zip.partial-0a1b2c3d'];
    for (const name of [leftover, ...kept]) await writeFile(path.join(s.workDir, name), 'x');
    const { report, log } = await run(s);
    expect(report.status).toBe('success');
    const names = await readdir(s.workDir);
    expect(names).not.toContain(leftover);
    for (const name of kept) expect(names).toContain(name);
    expect(log.lines.join('\n')).toContain(
      `work-dir ${s.workDir}: removed ${leftover}, a temporary file of an interrupted run`,
    );
  });
});
