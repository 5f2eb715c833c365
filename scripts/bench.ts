// `npm run bench [-- --size 1024] [-- --rss 1024,4096] [-- --export-rate 25] [-- --archive-per run,schema]
// [-- --only archive,sftp,whole,rss] [-- --json bench-results.json]`:
// measures the action against the standard tools on this machine, in one run, and prints ratios, the machine, and
// the same figures as JSON. Dump-like input comes from the simulated expdp (realistic compressibility). Rows:
//   - archiving: the action's zip writer vs Info-ZIP `zip -6` and `pigz -6`
//   - folder copy: the action's verified copy vs `cp`
//   - SFTP upload: the action vs OpenSSH `sftp -b` (scripts/bench-sftp.ts; needs root and sshd)
//   - a whole run of three schemas: the bundled dist/ (stages overlapped) vs the sum of the stages of a separate run
//     whose stages really run one after another (the pipeline with `overlap: false`, in this process), so the
//     reference is not inflated by the overlapped run's own contention. Both export at --export-rate MB/s per
//     schema: the simulated expdp otherwise writes as fast as the CPU allows, which no database does.
//   - peak RSS of the bundled action for dumps of each --rss size (should stay about the same; full speed exports)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createZipArchive } from '../src/archive/zip-writer.js';
import { copyToFolder } from '../src/deliver/folder.js';
import { expdpProcessRunner } from '../src/export/expdp-process.js';
import { sha256File } from '../src/hash.js';
import { runBackup } from '../src/pipeline.js';
import { RunLog } from '../src/report/run-log.js';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseSettings } from '../src/settings/settings.js';
import { TOOL } from '../src/version.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIM_HOME = path.join(ROOT, '__tests__', 'oracle-sim');
const DIST = path.join(ROOT, 'dist', 'index.js');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const sizeMb = Number(option('size', '1024'));
const rssSizes = option('rss', '1024,4096').split(',').map(Number);
/**
 * MB/s (10^6 bytes) each simulated schema export writes at in the whole-run row: about 90 GB/h, what one Data Pump
 * worker (PARALLEL=1) commonly sustains on a mid-size database server; the database, not the runner, sets it.
 */
const exportRate = Number(option('export-rate', '25'));
const jsonPath = path.resolve(option('json', path.join(ROOT, 'bench-results.json')));
/** `--only whole,rss`: some rows only (archive (with the folder copy), sftp, whole, rss); default every row. */
const only = option('only', 'archive,sftp,whole,rss').split(',');
const want = (row: string): boolean => only.includes(row);
/** `--archive-per run,schema`: the whole-run row for each (default: the action's default, run). */
const archivePer = option('archive-per', 'run').split(',');
const MB = 1024 * 1024;
const machine = {
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
};
/** What the JSON file gets: every figure of the table, unrounded. */
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine,
  sizeMiB: sizeMb,
  exportRateMBps: exportRate,
};

const work = await mkdtemp(path.join(os.tmpdir(), 'oba-bench-'));
const rows: string[][] = [['measure', 'action', 'standard tool', 'tool', 'ratio (tool time / action time)']];

/**
 * Flushes what earlier measurements wrote: otherwise the kernel writes gigabytes back to disk during the next one
 * (one run saw both SFTP contenders 4-5 times slower right after the archive rows).
 */
function settle(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  settle();
  const started = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, value };
}

function run(cmd: string, args: string[], options: { shell?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${stderr}`)),
    );
  });
}

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Writes a dump file of `mb` MiB with the simulated expdp: the same content the tests and the demo use. */
async function makeDump(dir: string, schema: string, mb: number): Promise<string> {
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'sim.json');
  await writeFile(
    config,
    JSON.stringify({
      directories: { DATA_PUMP_DIR: dir },
      users: { BENCH: 'bench-pw' },
      schemas: { [schema]: { behavior: 'success', tables: 8, bytes: mb * MB } },
    }),
  );
  const parfile = path.join(dir, `${schema}.par`);
  await writeFile(
    parfile,
    `USERID=bench/bench-pw@localhost/BENCH\nSCHEMAS=${schema}\nDUMPFILE=${schema}.dmp\nLOGFILE=${schema}.log\n`,
    { mode: 0o600 },
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(SIM_HOME, 'bin', 'expdp'), [`parfile=${parfile}`], {
      env: { ...process.env, ORACLE_SIM_CONFIG: config },
      stdio: 'ignore',
    });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`simulated expdp exited ${code}`)),
    );
  });
  return path.join(dir, `${schema}.dmp`);
}

const fmt = (s: number): string => `${s.toFixed(2)} s`;
const rate = (bytes: number, s: number): string => `${(bytes / 1e6 / s).toFixed(0)} MB/s`;

try {
  console.log(
    `oracle-backup-action benchmark: ${sizeMb} MiB on ${machine.cpu}, ${machine.cores} cores, ` +
      `${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform})`,
  );
  if (want('archive')) {
    const dump = await makeDump(path.join(work, 'dump'), 'HR', sizeMb);
    const bytes = (await stat(dump)).size;
    await sha256File(dump); // warm the page cache for every contender alike

    // Archiving at level 6.
    const action = await timed(() =>
      createZipArchive({
        path: path.join(work, 'action.zip'),
        entries: [{ name: 'HR.dmp', file: dump }],
        level: 6,
      }),
    );
    const actionAes = await timed(() =>
      createZipArchive({
        path: path.join(work, 'action-aes.zip'),
        entries: [{ name: 'HR.dmp', file: dump }],
        level: 6,
        password: 'bench-password',
      }),
    );
    const describe = (s: number, size: number): string =>
      `${fmt(s)}, ${rate(bytes, s)}, ${(size / MB).toFixed(0)} MiB`;
    if (have('zip')) {
      const zip = await timed(() => run('zip', ['-6', '-q', '-j', path.join(work, 'info.zip'), dump]));
      const zipSize = (await stat(path.join(work, 'info.zip'))).size;
      rows.push([
        'zip level 6',
        describe(action.seconds, action.value.bytes),
        describe(zip.seconds, zipSize),
        'Info-ZIP zip -6',
        (zip.seconds / action.seconds).toFixed(2),
      ]);
      rows.push([
        'zip level 6 + AES-256',
        describe(actionAes.seconds, actionAes.value.bytes),
        describe(zip.seconds, zipSize),
        'Info-ZIP zip -6 (no encryption)',
        (zip.seconds / actionAes.seconds).toFixed(2),
      ]);
    }
    if (have('pigz')) {
      const gz = path.join(work, 'pigz.gz');
      const pigz = await timed(() => run('sh', ['-c', `pigz -6 -c "${dump}" > "${gz}"`]));
      rows.push([
        'compress level 6',
        describe(action.seconds, action.value.bytes),
        describe(pigz.seconds, (await stat(gz)).size),
        `pigz -6 (${os.cpus().length} threads, gzip)`,
        (pigz.seconds / action.seconds).toFixed(2),
      ]);
    }

    // Folder copy: the action copies under a temporary name, re-reads the copy and renames; cp only copies.
    const archive = action.value;
    const copy = await timed(() =>
      copyToFolder({
        folder: path.join(work, 'share-action'),
        files: [{ source: archive.path, name: archive.name, sha256: archive.sha256, bytes: archive.bytes }],
      }),
    );
    await mkdir(path.join(work, 'share-cp'));
    const cp = await timed(() => run('cp', [archive.path, path.join(work, 'share-cp', archive.name)]));
    rows.push([
      'folder copy of the archive',
      `${fmt(copy.seconds)} (copy + re-read + SHA-256)`,
      fmt(cp.seconds),
      'cp',
      (cp.seconds / copy.seconds).toFixed(2),
    ]);
  }

  // SFTP: its own script, which starts the test sshd (root only).
  if (!want('sftp')) {
    // not asked for
  } else if (process.getuid?.() === 0 && existsSync('/usr/sbin/sshd')) {
    const sftpMb = Math.min(sizeMb, 1024);
    settle();
    const out = spawnSync('npx', ['tsx', path.join(ROOT, 'scripts', 'bench-sftp.ts'), String(sftpMb)], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_RUNS: '1' },
    });
    const transfer = /action uploadToSftp: transfer\s+([\d.]+)\s+(\d+)\s+([\d.]+)/.exec(out.stdout);
    const openssh = /openssh sftp put\s+([\d.]+)\s+(\d+)/.exec(out.stdout);
    if (transfer && openssh)
      rows.push([
        `SFTP upload ${sftpMb} MiB`,
        `${transfer[1]} s, ${transfer[2]} MB/s`,
        `${openssh[1]} s, ${openssh[2]} MB/s`,
        'OpenSSH sftp -b',
        transfer[3]!,
      ]);
    else console.log(`SFTP bench did not complete:\n${out.stdout}\n${out.stderr}`);
  } else {
    console.log('SFTP row skipped: needs root and /usr/sbin/sshd (see scripts/bench-sftp.ts)');
  }

  // A whole run of three schemas: the bundled action (overlapped) vs a run whose stages go one after another.
  if (want('whole')) {
    const perSchema = Math.max(1, Math.round(sizeMb / 3));
    const schemas = ['HR', 'SALES', 'APP'];
    const wholeRuns: Record<string, unknown> = {};
    for (const per of archivePer) {
      const extra = { 'archive-per': per };
      const sequential = await runSequential(schemas, perSchema, exportRate, extra);
      const whole = await runAction(schemas, perSchema, exportRate, extra);
      const ratio = whole.wallSeconds / sequential.stageSeconds;
      rows.push([
        `whole run, 3 × ${perSchema} MiB, archive-per ${per}, export ${exportRate} MB/s per schema`,
        `${fmt(whole.wallSeconds)} wall (overlapped)`,
        `${fmt(sequential.stageSeconds)} sum of stages (${stageText(sequential.stages)})`,
        'stages one after another',
        `${(sequential.stageSeconds / whole.wallSeconds).toFixed(2)} (action/stages ${ratio.toFixed(2)}, target ≤ 0.75)`,
      ]);
      wholeRuns[per] = {
        schemas: schemas.length,
        mibPerSchema: perSchema,
        exportRateMBps: exportRate,
        overlappedWallSeconds: whole.wallSeconds,
        overlappedPeakRssMiB: whole.peakRssBytes / MB,
        sequentialWallSeconds: sequential.wallSeconds,
        sequentialStageSeconds: sequential.stageSeconds,
        sequentialStages: sequential.stages,
        overlappedOverSequentialStages: ratio,
        target: 0.75,
        meetsTarget: ratio <= 0.75,
      };
    }
    results.wholeRun = wholeRuns;
  }

  // Peak memory of the bundled action as the dump grows (exports at full speed: buffers fill fastest).
  if (want('rss')) {
    const rss: string[] = [];
    const peaks: Record<string, number> = {};
    for (const mb of rssSizes) {
      const r = await runAction(['BIG'], mb);
      peaks[`${mb}MiB`] = r.peakRssBytes / MB;
      rss.push(`${mb} MiB dump: ${(r.peakRssBytes / MB).toFixed(0)} MiB`);
    }
    const peakValues = Object.values(peaks);
    const spread = peakValues.length > 1 ? Math.max(...peakValues) / Math.min(...peakValues) - 1 : 0;
    rows.push([
      'peak RSS of the action (VmHWM)',
      rss.join('; '),
      '',
      '',
      `${(spread * 100).toFixed(0)} % apart`,
    ]);
    results.peakRssMiB = peaks;
  }

  results.rows = rows.slice(1).map((r) => Object.fromEntries(rows[0]!.map((h, i) => [h, r[i] ?? ''])));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log('');
  console.log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; ` +
      `simulated exports at ${exportRate} MB/s per schema in the whole-run row`,
  );
  for (const row of rows) console.log('| ' + row.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |');
  await writeFile(jsonPath, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults as JSON: ${jsonPath}`);
} finally {
  await rm(work, { recursive: true, force: true });
}

/** Folders, simulator configuration and the action's inputs for a run of `schemas` of `mbEach` MiB each. */
async function prepareRun(
  schemas: string[],
  mbEach: number,
  mbPerSecond?: number,
  extraInputs: Record<string, string> = {},
): Promise<{ dir: string; config: string; inputs: Record<string, string> }> {
  const dir = await mkdtemp(path.join(work, 'run-'));
  const dumpDir = path.join(dir, 'dpdump');
  await mkdir(dumpDir);
  const config = path.join(dir, 'sim.json');
  await writeFile(
    config,
    JSON.stringify({
      directories: { DATA_PUMP_DIR: dumpDir },
      users: { BENCH: 'bench-pw' },
      schemas: Object.fromEntries(
        schemas.map((s) => [s, { behavior: 'success', tables: 8, bytes: mbEach * MB, mbPerSecond }]),
      ),
    }),
  );
  const inputs: Record<string, string> = {
    'connect-string': 'localhost:1521/BENCH',
    username: 'bench',
    password: 'bench-pw',
    schemas: schemas.join(','),
    'dump-path': dumpDir,
    'oracle-home': SIM_HOME,
    // The simulator has no listener for node-oracledb: expdp alone.
    'oracle-queries': 'false',
    'work-dir': path.join(dir, 'work'),
    'copy-to': path.join(dir, 'share'),
    'archive-password': 'bench-archive-pw',
    ...extraInputs,
  };
  return { dir, config, inputs };
}

type Stages = Record<string, number>;

function stageText(stages: Stages): string {
  return Object.entries(stages)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
    .join(' + ');
}

/** The stages of a run from its report: exports, then per archive its zip + verification, then its deliveries. */
function stagesOf(report: {
  schemas: Array<{ durationMs: number }>;
  archives: Array<{ durationMs: number; destinations: Array<{ kind: string; durationMs: number }> }>;
}): { stages: Stages; stageSeconds: number } {
  const sum = (values: number[]) => values.reduce((n, v) => n + v, 0) / 1000;
  const local = report.archives.flatMap((a) => a.destinations.filter((d) => d.kind === 'local'));
  const copies = report.archives.flatMap((a) => a.destinations.filter((d) => d.kind !== 'local'));
  const stages = {
    export: sum(report.schemas.map((x) => x.durationMs)),
    'zip + verify': sum(local.map((d) => d.durationMs)),
    copy: sum(copies.map((d) => d.durationMs)),
  };
  const stageSeconds = sum([...report.schemas, ...report.archives].map((x) => x.durationMs));
  return { stages, stageSeconds };
}

/**
 * The reference: the same run with every stage one after another (the pipeline's `overlap: false`), in this
 * process with the same inputs as the bundled run, and nothing else running.
 */
async function runSequential(
  schemas: string[],
  mbEach: number,
  mbPerSecond?: number,
  extraInputs: Record<string, string> = {},
): Promise<{ wallSeconds: number; stageSeconds: number; stages: Stages }> {
  const { dir, config, inputs } = await prepareRun(schemas, mbEach, mbPerSecond, extraInputs);
  const raw = { ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])), ...inputs };
  const parsed = parseSettings(raw, {});
  if (!parsed.ok) throw new Error(`invalid bench settings:\n${parsed.errors.join('\n')}`);
  settle();
  const started = process.hrtime.bigint();
  const report = await runBackup(parsed.settings, {
    exporter: expdpProcessRunner,
    clock: () => new Date(),
    log: new RunLog(['bench-pw', 'bench-archive-pw'], () => new Date()),
    tool: TOOL,
    runId: 'bench',
    newId: randomUUID,
    tempRoot: dir,
    env: { ORACLE_SIM_CONFIG: config },
    overlap: false,
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (report.status !== 'success')
    throw new Error(`the sequential run ended ${report.status}: ${report.statusReason}`);
  await writeFile(path.join(work, `report-sequential-${schemas.join('-')}.json`), JSON.stringify(report));
  return { wallSeconds, ...stagesOf(report) };
}

/** Runs dist/ on the simulated Oracle and returns its wall time, the stages of its report and its peak RSS. */
async function runAction(
  schemas: string[],
  mbEach: number,
  mbPerSecond?: number,
  extraInputs: Record<string, string> = {},
): Promise<{ wallSeconds: number; stageSeconds: number; peakRssBytes: number }> {
  const { dir, config, inputs } = await prepareRun(schemas, mbEach, mbPerSecond, extraInputs);
  const output = path.join(dir, 'output');
  await writeFile(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ORACLE_SIM_CONFIG: config,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: dir,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  settle();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [DIST], { env, stdio: 'ignore' });
  let peak = 0;
  // VmHWM is the process's own peak resident size; sampled until it exits.
  const timer = setInterval(() => {
    void readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((s) => {
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(s)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      })
      .catch(() => undefined);
  }, 50);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const reportPath = /^report<<(.+)\n(.*)\n/m.exec(await readFile(output, 'utf8'))?.[2];
  if (!reportPath) throw new Error('the action wrote no report');
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as Parameters<typeof stagesOf>[0] & {
    status: string;
    statusReason: string;
  };
  if (report.status !== 'success')
    throw new Error(`the action ended ${report.status}: ${report.statusReason}`);
  await copyFile(reportPath, path.join(work, `report-${schemas.join('-')}-${mbEach}.json`)).catch(
    () => undefined,
  );
  return { wallSeconds, stageSeconds: stagesOf(report).stageSeconds, peakRssBytes: peak };
}
