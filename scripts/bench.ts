// `npm run bench [-- --size 1024] [-- --rss 1024,4096]`: measures the action against the standard tools on this
// machine, in one run, and prints ratios. Dump-like input comes from the simulated expdp (realistic
// compressibility). Rows:
//   - archiving: the action's zip writer vs Info-ZIP `zip -6` and `pigz -6`
//   - folder copy: the action's verified copy vs `cp`
//   - SFTP upload: the action vs OpenSSH `sftp -b` (scripts/bench-sftp.ts; needs root and sshd)
//   - a whole run of three schemas (the bundled dist/) vs the sum of its stages
//   - peak RSS of the bundled action for dumps of each --rss size (should stay about the same)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createZipArchive } from '../src/archive/zip-writer.js';
import { copyToFolder } from '../src/deliver/folder.js';
import { sha256File } from '../src/hash.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIM_HOME = path.join(ROOT, '__tests__', 'oracle-sim');
const DIST = path.join(ROOT, 'dist', 'index.js');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const sizeMb = Number(option('size', '1024'));
const rssSizes = option('rss', '1024,4096').split(',').map(Number);
const MB = 1024 * 1024;

const work = await mkdtemp(path.join(os.tmpdir(), 'oba-bench-'));
const rows: string[][] = [['measure', 'action', 'standard tool', 'tool', 'ratio (tool time / action time)']];

async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
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
    `oracle-backup-action benchmark: ${sizeMb} MiB, ${os.cpus().length} CPUs, Node ${process.version}`,
  );
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

  // SFTP: its own script, which starts the test sshd (root only).
  if (process.getuid?.() === 0 && existsSync('/usr/sbin/sshd')) {
    const sftpMb = Math.min(sizeMb, 1024);
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

  // A whole run of the bundled action on three schemas vs the sum of its stages.
  const whole = await runAction(['HR', 'SALES', 'APP'], Math.max(1, Math.round(sizeMb / 3)));
  rows.push([
    'whole run, 3 schemas',
    `${fmt(whole.wallSeconds)} wall`,
    `${fmt(whole.stageSeconds)} sum of stages`,
    'stages one after another',
    (whole.stageSeconds / whole.wallSeconds).toFixed(2),
  ]);

  // Peak memory of the bundled action as the dump grows.
  const rss: string[] = [];
  for (const mb of rssSizes) {
    const r = await runAction(['BIG'], mb);
    rss.push(`${mb} MiB dump: ${(r.peakRssBytes / MB).toFixed(0)} MiB`);
  }
  rows.push(['peak RSS of the action', rss.join('; '), '', '', '']);

  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  console.log('');
  for (const row of rows) console.log('| ' + row.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |');
} finally {
  await rm(work, { recursive: true, force: true });
}

/** Runs dist/ on the simulated Oracle and returns its wall time, the sum of its stage times and its peak RSS. */
async function runAction(
  schemas: string[],
  mbEach: number,
): Promise<{ wallSeconds: number; stageSeconds: number; peakRssBytes: number }> {
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
        schemas.map((s) => [s, { behavior: 'success', tables: 8, bytes: mbEach * MB }]),
      ),
    }),
  );
  const output = path.join(dir, 'output');
  await writeFile(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ORACLE_SIM_CONFIG: config,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: dir,
    'INPUT_CONNECT-STRING': 'localhost:1521/BENCH',
    INPUT_USERNAME: 'bench',
    INPUT_PASSWORD: 'bench-pw',
    INPUT_SCHEMAS: schemas.join(','),
    'INPUT_DUMP-PATH': dumpDir,
    'INPUT_ORACLE-HOME': SIM_HOME,
    // The simulator has no listener for node-oracledb: expdp alone.
    'INPUT_ORACLE-QUERIES': 'false',
    'INPUT_WORK-DIR': path.join(dir, 'work'),
    'INPUT_COPY-TO': path.join(dir, 'share'),
    'INPUT_ARCHIVE-PASSWORD': 'bench-archive-pw',
  };
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
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as {
    schemas: Array<{ durationMs: number }>;
    archives: Array<{ durationMs: number }>;
  };
  const stageMs =
    report.schemas.reduce((n, s) => n + s.durationMs, 0) +
    report.archives.reduce((n, a) => n + a.durationMs, 0);
  await copyFile(reportPath, path.join(work, `report-${schemas.join('-')}-${mbEach}.json`)).catch(
    () => undefined,
  );
  return { wallSeconds, stageSeconds: stageMs / 1000, peakRssBytes: peak };
}
