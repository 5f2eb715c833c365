// Benchmark: the action's SFTP upload against OpenSSH's own `sftp` client, to the same local OpenSSH server (the
// test sshd), same file, same run. Usage: npx tsx scripts/bench-sftp.ts [sizeMB]   (default 1024; needs root)
// BENCH_RUNS (default 2) alternates the tools that many times; BENCH_CONCURRENCY and BENCH_CHUNK_KIB try other
// transfer settings than the action's defaults; BENCH_TRANSFER=built-in measures the ssh2 transfer instead of the
// OpenSSH one. Where the CPU has AES instructions, OpenSSH is also run with the action's cipher order (AES-GCM
// first) for comparison; the ratio is against OpenSSH's defaults, as a user runs it.
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { startSshd } from '../__tests__/helpers/sshd.js';
import { AES_GCM_FIRST, cpuHasAes } from '../src/deliver/sftp-openssh.js';
import { uploadToSftp } from '../src/deliver/sftp.js';
import { sha256File } from '../src/hash.js';

const sizeMb = Number(process.argv[2] ?? 1024);
if (!(sizeMb > 0)) throw new Error(`usage: npx tsx scripts/bench-sftp.ts [sizeMB]; got ${process.argv[2]}`);

/** Dump-like content: what reaches SFTP is a compressed archive, so mostly incompressible bytes. */
async function makeFile(file: string, bytes: number): Promise<void> {
  const out = createWriteStream(file);
  const block = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += block.length) {
    randomFillSync(block);
    if (!out.write(block.subarray(0, Math.min(block.length, bytes - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function runOpenSsh(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('sftp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`sftp exited with ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

const sshd = await startSshd();
const work = await mkdtemp(path.join(os.tmpdir(), 'oba-bench-'));
try {
  const bytes = sizeMb * 1024 * 1024;
  const source = path.join(work, 'HR_bench.zip');
  process.stdout.write(`generating ${sizeMb} MiB ... `);
  await makeFile(source, bytes);
  const { sha256 } = await sha256File(source); // also leaves the file in the page cache for both tools
  console.log('done');

  // OpenSSH: key login, batch mode, host key not checked (a throwaway local server).
  const batch = path.join(work, 'batch');
  const opensshDir = path.join(sshd.root, 'openssh');
  await mkdir(opensshDir);
  await chown(opensshDir, sshd.uid, sshd.gid);
  await writeFile(batch, `put ${source} ${opensshDir}/HR_bench.zip\n`);
  const openssh = async (extra: string[] = []): Promise<number> => {
    const seconds = await runOpenSsh([
      ...extra,
      '-b',
      batch,
      '-i',
      sshd.keys.files.ed25519,
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-P',
      String(sshd.port),
      `${sshd.user}@${sshd.host}`,
    ]);
    const copy = path.join(opensshDir, 'HR_bench.zip');
    if ((await stat(copy)).size !== bytes) throw new Error('OpenSSH upload incomplete');
    await rm(copy);
    return seconds;
  };
  let transferDetail = '';
  const action = async (): Promise<{ send: number; total: number; verification: string }> => {
    const result = await uploadToSftp(
      {
        host: sshd.host,
        port: sshd.port,
        username: sshd.user,
        password: '',
        privateKey: sshd.keys.ed25519,
        passphrase: '',
        fingerprint: sshd.fingerprint,
        dir: path.join(sshd.root, 'action'),
      },
      [{ source, name: 'HR_bench.zip', sha256, bytes }],
      {
        ...(process.env.BENCH_CONCURRENCY ? { concurrency: Number(process.env.BENCH_CONCURRENCY) } : {}),
        ...(process.env.BENCH_CHUNK_KIB ? { chunkSize: Number(process.env.BENCH_CHUNK_KIB) * 1024 } : {}),
        ...(process.env.BENCH_TRANSFER === 'built-in' ? { transfer: 'built-in' as const } : {}),
      },
    );
    if (!result.ok) throw new Error(`uploadToSftp failed: ${result.error}`);
    await rm(path.join(sshd.root, 'action', 'HR_bench.zip'));
    transferDetail = result.transferDetail;
    return {
      send: bytes / result.throughputBytesPerSec,
      total: result.durationMs / 1000,
      verification: result.remoteHashCommand
        ? `SHA-256 on the server (${result.remoteHashCommand})`
        : 'read back',
    };
  };

  // Alternated, best of each: the server's page cache and disk make single runs noisy.
  const runs = Number(process.env.BENCH_RUNS ?? 2);
  const opensshTimes: number[] = [];
  // OpenSSH with the action's cipher order: shows how much of the difference is the cipher.
  const gcmArgs = cpuHasAes() ? ['-o', `Ciphers=${AES_GCM_FIRST}`] : [];
  const opensshGcmTimes: number[] = [];
  const actionTimes: Array<{ send: number; total: number; verification: string }> = [];
  for (let i = 0; i < runs; i++) {
    opensshTimes.push(await openssh());
    actionTimes.push(await action());
    if (gcmArgs.length) opensshGcmTimes.push(await openssh(gcmArgs));
    console.log(
      `run ${i + 1}: openssh ${opensshTimes.at(-1)!.toFixed(2)} s` +
        (gcmArgs.length ? `, openssh AES-GCM first ${opensshGcmTimes.at(-1)!.toFixed(2)} s` : '') +
        ', action transfer ' +
        `${actionTimes.at(-1)!.send.toFixed(2)} s (total ${actionTimes.at(-1)!.total.toFixed(2)} s; ${transferDetail})`,
    );
  }
  const opensshSeconds = Math.min(...opensshTimes);
  const sendSeconds = Math.min(...actionTimes.map((a) => a.send));
  const totalSeconds = Math.min(...actionTimes.map((a) => a.total));
  const result = actionTimes[0]!;

  const mbps = (s: number) => bytes / 1e6 / s;
  const rows = [
    ['tool', 'seconds', 'MB/s', 'ratio (action / openssh)'],
    ['openssh sftp put', opensshSeconds.toFixed(2), mbps(opensshSeconds).toFixed(0), '1.00'],
    ...(opensshGcmTimes.length
      ? [
          [
            "openssh sftp put, AES-GCM first (the action's cipher order; for comparison)",
            Math.min(...opensshGcmTimes).toFixed(2),
            mbps(Math.min(...opensshGcmTimes)).toFixed(0),
            (opensshSeconds / Math.min(...opensshGcmTimes)).toFixed(2),
          ],
        ]
      : []),
    [
      'action uploadToSftp: transfer',
      sendSeconds.toFixed(2),
      mbps(sendSeconds).toFixed(0),
      (opensshSeconds / sendSeconds).toFixed(2),
    ],
    [
      `action uploadToSftp: total (connect + transfer + ${result.verification} + rename)`,
      totalSeconds.toFixed(2),
      mbps(totalSeconds).toFixed(0),
      (opensshSeconds / totalSeconds).toFixed(2),
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\n${sizeMb} MiB, loopback, ${os.cpus().length} CPUs, Node ${process.version}`);
  for (const row of rows)
    console.log(
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
    );
} finally {
  await rm(work, { recursive: true, force: true });
  await sshd.stop();
}
