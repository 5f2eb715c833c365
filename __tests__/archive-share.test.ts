// Each schema's part of the zip and its ratio, as the job summary and the e-mail show them: measured from the
// compressed sizes the zip records for the schema's own entries, never split in proportion to dump sizes.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configure, Uint8ArrayReader, ZipReader } from '@zip.js/zip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZipArchive } from '../src/archive/zip-writer.js';
import { archiveShare } from '../src/report/figures.js';
import { buildSummary } from '../src/report/summary.js';
import type { ArchiveResult } from '../src/types.js';
import { sampleReport } from './fixtures/email-report.js';
import { tableRows } from './helpers/files.js';
import { pipelineScenario, runPipeline } from './helpers/pipeline-run.js';

configure({ useWebWorkers: false });

const sevenZip = ['7zz', '7z'].find((cmd) => spawnSync(cmd, ['i'], { stdio: 'ignore' }).error === undefined);
const inCi = Boolean(process.env.CI);
const withTool = sevenZip || inCi ? it : it.skip;
const PASSWORD = 'share-Secret-1';

/** Packed size of every entry, as a zip reader reads it from the central directory. */
async function packedSizes(file: string): Promise<Map<string, number>> {
  const reader = new ZipReader(new Uint8ArrayReader(new Uint8Array(await readFile(file))));
  const entries = await reader.getEntries();
  await reader.close();
  return new Map(entries.map((e) => [e.filename, e.compressedSize]));
}

/** Packed size of every entry as 7-Zip lists it (`7zz l -slt`). */
function sevenZipPackedSizes(file: string, password?: string): Map<string, number> {
  const r = spawnSync(sevenZip!, ['l', '-slt', ...(password ? [`-p${password}`] : []), file], {
    encoding: 'utf8',
  });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  const sizes = new Map<string, number>();
  for (const block of r.stdout.split(/\n\n/)) {
    const name = /^Path = (.+)$/m.exec(block)?.[1];
    const packed = /^Packed Size = (\d+)$/m.exec(block)?.[1];
    if (name && packed && !block.includes('Type = zip')) sizes.set(name, Number(packed));
  }
  return sizes;
}

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'archive-share-'));
  await mkdir(path.join(dir, 'in'), { recursive: true });
  // HR: table-like rows that deflate well; APP: random bytes (stored, they do not compress).
  files.hr = path.join(dir, 'in', 'HR.dmp');
  files.app = path.join(dir, 'in', 'APP.dmp');
  files.hrLog = path.join(dir, 'in', 'HR.log');
  files.appLog = path.join(dir, 'in', 'APP.log');
  await writeFile(files.hr, tableRows(2 * 1024 * 1024));
  await writeFile(files.app, randomBytes(1024 * 1024));
  await writeFile(files.hrLog, '. . exported "HR"."EMPLOYEES" 2 MB 107 rows\n'.repeat(20));
  await writeFile(files.appLog, '. . exported "APP"."BLOBS" 1 MB 9 rows\n'.repeat(20));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function twoSchemaZip(password?: string): Promise<ArchiveResult> {
  return createZipArchive({
    path: path.join(dir, `set-${password ? 'aes' : 'plain'}.zip`),
    level: 6,
    password,
    entries: [
      { name: 'HR.dmp', file: files.hr },
      { name: 'logs/HR.log', file: files.hrLog },
      { name: 'APP.dmp', file: files.app },
      { name: 'logs/APP.log', file: files.appLog },
      { name: 'manifest.json', content: '{}' },
    ],
  });
}

/** The fixture's report made of this zip: HR owns its dump and log, APP its own. */
function reportOf(zip: ArchiveResult) {
  const owner: Record<string, string> = {
    'HR.dmp': 'HR',
    'logs/HR.log': 'HR',
    'APP.dmp': 'APP',
    'logs/APP.log': 'APP',
  };
  const entries = zip.entries.map((e) => (owner[e.name] ? { ...e, schema: owner[e.name] } : e));
  const base = sampleReport();
  const bytesOf = (name: string) => zip.entries.find((e) => e.name === name)!.bytes;
  const schemas = [
    { ...base.schemas[0]!, name: 'HR', dumpBytes: bytesOf('HR.dmp'), archive: zip.name },
    { ...base.schemas[1]!, name: 'APP', dumpBytes: bytesOf('APP.dmp'), archive: zip.name },
  ];
  const archive = { ...base.archives[0]!, name: zip.name, bytes: zip.bytes, entries, schemas: ['HR', 'APP'] };
  return sampleReport({ schemas, archives: [archive] });
}

describe.each([
  ['plain', undefined],
  ['AES-256', PASSWORD],
])('a %s zip of two schemas of different compressibility', (_label, password) => {
  let zip: ArchiveResult;
  beforeAll(async () => {
    zip = await twoSchemaZip(password);
  });

  it('records the compressed size of every entry as the central directory has it', async () => {
    const packed = await packedSizes(zip.path);
    expect(zip.entries.map((e) => [e.name, e.compressedBytes])).toEqual(
      zip.entries.map((e) => [e.name, packed.get(e.name)]),
    );
  });

  withTool('and as 7-Zip lists it (Packed Size)', () => {
    const packed = sevenZipPackedSizes(zip.path, password);
    expect(packed.size).toBe(5);
    for (const e of zip.entries) expect(e.compressedBytes, e.name).toBe(packed.get(e.name));
  });

  it("gives each schema its own entries' bytes and ratio, and the summary shows them", async () => {
    const report = reportOf(zip);
    const packed = await packedSizes(zip.path);
    const [hr, app] = report.schemas;
    const hrShare = archiveShare(report, hr!)!;
    const appShare = archiveShare(report, app!)!;
    expect(hrShare.bytes).toBe(packed.get('HR.dmp')! + packed.get('logs/HR.log')!);
    expect(appShare.bytes).toBe(packed.get('APP.dmp')! + packed.get('logs/APP.log')!);
    expect(hrShare.ratio).toBeCloseTo(hr!.dumpBytes / hrShare.bytes, 10);
    expect(appShare.ratio).toBeCloseTo(app!.dumpBytes / appShare.bytes, 10);
    // Table rows deflate several times; random bytes are stored (a ratio just under 1).
    expect(hrShare.ratio).toBeGreaterThan(2);
    expect(appShare.ratio).toBeLessThan(1.01);
    const ratioCell = (name: string) =>
      buildSummary(report)
        .split('\n')
        .find((l) => l.startsWith(`| ${name} |`))!
        .split(' | ')[6];
    expect(ratioCell('HR')).toBe(`${hrShare.ratio.toFixed(1)}×`);
    expect(ratioCell('APP')).toBe(`${appShare.ratio.toFixed(1)}×`);
    expect(ratioCell('HR')).not.toBe(ratioCell('APP'));
  });
});

it('shows no share or ratio where the zip recorded no compressed sizes (nothing is estimated)', () => {
  const report = sampleReport();
  report.archives[0]!.entries = [];
  expect(archiveShare(report, report.schemas[0]!)).toBeUndefined();
});

it("tags each entry of a run's zip with its schema, and the shares add up to what the zip records", async () => {
  const s = await pipelineScenario(
    { HR: { tables: 3, bytes: 512 * 1024 }, SALES: { tables: 2, bytes: 256 * 1024 } },
    { 'copy-to': '', 'oracle-queries': 'false' },
  );
  try {
    const { report } = await runPipeline(s);
    const archive = report.archives[0]!;
    expect(archive.verified).toBe(true);
    const packed = await packedSizes(archive.path);
    const owners = archive.entries.map((e) => [e.name.replace(/_.*$/, ''), e.schema]);
    expect(owners).toEqual([
      ['HR', 'HR'],
      ['logs/HR', 'HR'],
      ['SALES', 'SALES'],
      ['logs/SALES', 'SALES'],
      ['manifest.json', undefined],
    ]);
    for (const schema of report.schemas) {
      const own = archive.entries.filter((e) => e.schema === schema.name);
      expect(archiveShare(report, schema)!.bytes).toBe(own.reduce((n, e) => n + packed.get(e.name)!, 0));
    }
  } finally {
    await rm(s.root, { recursive: true, force: true });
  }
}, 60_000);
