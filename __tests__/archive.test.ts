import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Transform } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WinZipAesDecryptor, WinZipAesEncryptStream } from '../src/archive/winzip-aes.js';
import { createZipArchive } from '../src/archive/zip-writer.js';
import { verifyZipArchive } from '../src/archive/zip-verify.js';
import { HashingPassThrough, sha256File } from '../src/hash.js';
import type { ArchiveResult } from '../src/types.js';
import { flipByte } from './helpers/files.js';
import { PREPARE_COMMAND, skipMeta, TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

// Real tools: the CI script installs them, so there they must be present; elsewhere their tests are skipped.
const sevenZip = ['7zz', '7z'].find((cmd) => spawnSync(cmd, ['i'], { stdio: 'ignore' }).error === undefined);
const unzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).error === undefined ? 'unzip' : undefined;
const inCi = Boolean(process.env.CI);
/** Runs the test when the tool exists or in CI (where a missing tool fails it); otherwise skips, saying why. */
const withTool = (tool: string | undefined, label: string) => (name: string, fn: () => unknown) =>
  (tool || inCi ? it : it.skip)(
    name,
    skipMeta(tool || inCi ? undefined : `${label} is not on PATH — run: ${PREPARE_COMMAND}`),
    fn,
  );
function needTool(tool: string | undefined, label: string): string {
  if (!tool) throw new Error(`${label} not found on PATH (CI installs Debian's 7zip and unzip packages)`);
  return tool;
}
const toolNote = (tool: string | undefined, label: string) =>
  tool || inCi ? '' : ` [skipped: ${label} not on PATH]`;

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const PASSWORD = 'S3cret pass-phrase ü';
const MANIFEST = JSON.stringify({ tool: 'oracle-backup-action', schemas: ['HR'] }, null, 2);
const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
let dump: string;
let log: string;
const entriesFor = () => [
  { name: 'HR_2025-01-01.dmp', file: dump },
  { name: 'logs/HR_2025-01-01.log', file: log },
  { name: 'manifest.json', content: MANIFEST },
];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'archive-test-'));
  dump = path.join(dir, 'in', 'HR.dmp');
  log = path.join(dir, 'in', 'HR.log');
  await mkdir(path.dirname(dump), { recursive: true });
  // ~5 MB of table-like rows: compressible, but not trivially.
  const rows: string[] = [];
  for (let i = 0; rows.join('').length < 5 * 1024 * 1024; i++) {
    const block: string[] = [];
    for (let j = 0; j < 1000; j++) {
      const n = i * 1000 + j;
      block.push(
        `${n},EMPLOYEE_${n % 977},${(n * 7919) % 100000},DEPT_${n % 31},${randomBytes(4).toString('hex')}\n`,
      );
    }
    rows.push(block.join(''));
  }
  await writeFile(dump, rows.join(''));
  await writeFile(
    log,
    'Export: Release 19.0.0.0.0 - Production\n. . exported "HR"."EMPLOYEES" 17.1 KB 107 rows\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A compressed size the writer recorded (archive-share.test.ts checks them against zip readers). */
const packed = expect.any(Number) as unknown as number;
/** The writer's entries as a read-back reports them: the read-back does not measure compressed sizes. */
const withoutPackedSizes = (result: ArchiveResult) =>
  result.entries.map(({ compressedBytes: _packed, ...e }) => e);

async function expectEntriesMatchSources(result: ArchiveResult): Promise<void> {
  expect(result.entries.map((e) => e.name)).toEqual([
    'HR_2025-01-01.dmp',
    'logs/HR_2025-01-01.log',
    'manifest.json',
  ]);
  expect(result.entries[0]).toEqual({
    name: 'HR_2025-01-01.dmp',
    ...(await sha256File(dump)),
    compressedBytes: packed,
  });
  expect(result.entries[1]).toEqual({
    name: 'logs/HR_2025-01-01.log',
    ...(await sha256File(log)),
    compressedBytes: packed,
  });
  expect(result.entries[2]).toEqual({
    name: 'manifest.json',
    bytes: Buffer.byteLength(MANIFEST),
    compressedBytes: packed,
    sha256: hex(MANIFEST),
  });
  const whole = await sha256File(result.path);
  expect(result.sha256).toBe(whole.sha256);
  expect(result.bytes).toBe(whole.bytes);
}

/**
 * The zip64 end records (EOCD64 + locator) and the EOCD pointing at them: what `forceZip64` guarantees. Returns the
 * file and where its zip64 end record is.
 */
async function expectZip64EndRecords(file: string): Promise<{ data: Buffer; eocd64: number }> {
  const data = await readFile(file);
  const eocd = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBe(data.length - 22);
  const locator = eocd - 20;
  expect(data.readUInt32LE(locator)).toBe(0x07064b50);
  const eocd64 = Number(data.readBigUInt64LE(locator + 8));
  expect(data.readUInt32LE(eocd64)).toBe(0x06064b50);
  expect(data.readUInt32LE(eocd + 16)).toBe(0xffffffff); // central directory offset deferred to the zip64 record
  return { data, eocd64 };
}

/**
 * Compression method of each entry (offset 10 of its central directory header; 99 = AES), walking the directory
 * from the end records. Searching the file for the header signature is not enough: stored or encrypted data holds
 * those 4 bytes about once in 4 GiB (CI once found a bogus entry inside AES ciphertext).
 */
async function centralMethods(file: string): Promise<number[]> {
  const { data, eocd64 } = await expectZip64EndRecords(file);
  const count = Number(data.readBigUInt64LE(eocd64 + 32));
  let at = Number(data.readBigUInt64LE(eocd64 + 48));
  const methods: number[] = [];
  for (let n = 0; n < count; n++) {
    expect(data.readUInt32LE(at)).toBe(0x02014b50);
    methods.push(data.readUInt16LE(at + 10));
    at += 46 + data.readUInt16LE(at + 28) + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
  }
  expect(at).toBe(eocd64); // the directory ends where the end records begin
  return methods;
}

function listTechnical(archive: string, password?: string): string {
  const tool = needTool(sevenZip, '7z/7zz');
  const r = run(tool, ['l', '-slt', ...(password ? [`-p${password}`] : []), archive]);
  expect(r.status, r.out).toBe(0);
  return r.out;
}

describe('hash', () => {
  it('sha256File and HashingPassThrough agree with crypto', async () => {
    const file = path.join(dir, 'abc.txt');
    await writeFile(file, 'abc');
    expect(await sha256File(file)).toEqual({
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      bytes: 3,
    });
    const seen: number[] = [];
    const hasher = new HashingPassThrough({ onData: (n) => seen.push(n) });
    const out: Buffer[] = [];
    hasher.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => hasher.on('end', resolve));
    Readable.from([Buffer.from('ab'), Buffer.from('c')]).pipe(hasher);
    await done;
    expect(Buffer.concat(out).toString()).toBe('abc');
    expect(hasher.digest()).toBe(hex('abc'));
    expect(hasher.bytes).toBe(3);
    expect(seen).toEqual([2, 1]);
  });
});

describe('createZipArchive / verifyZipArchive without password', () => {
  let result: ArchiveResult;
  const progress: number[] = [];

  beforeAll(async () => {
    result = await createZipArchive({
      path: path.join(dir, 'out', 'plain', 'HR.zip'),
      entries: entriesFor(),
      level: 6,
      onProgress: (n) => progress.push(n),
    });
  });

  it('hashes every entry and the archive while writing', async () => {
    expect(result.encrypted).toBe(false);
    expect(result.name).toBe('HR.zip');
    await expectEntriesMatchSources(result);
    const inputBytes = result.entries.reduce((sum, e) => sum + e.bytes, 0);
    expect(result.bytes).toBeLessThan(inputBytes * 0.8);
    expect(progress.at(-1)).toBe(inputBytes);
    // Only the archive is left: the temporary name was renamed.
    expect(await readdir(path.dirname(result.path))).toEqual(['HR.zip']);
  });

  it('verifies: every entry read back with CRC and SHA-256, and the whole file hash', async () => {
    const v = await verifyZipArchive(result.path, {
      expected: result.entries,
      expectedSha256: result.sha256,
    });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.entries).toEqual(withoutPackedSizes(result));
  });

  withTool(unzip, 'unzip')(`Info-ZIP unzip -t passes${toolNote(unzip, 'unzip')}`, () => {
    const r = run(needTool(unzip, 'unzip'), ['-t', result.path]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('No errors detected');
  });

  withTool(sevenZip, '7z/7zz')(
    `7-Zip tests it and sees zip64 deflate entries${toolNote(sevenZip, '7z/7zz')}`,
    async () => {
      const t = run(needTool(sevenZip, '7z/7zz'), ['t', result.path]);
      expect(t.status, t.out).toBe(0);
      const list = listTechnical(result.path);
      expect(list).toContain('Characteristics = Zip64');
      expect(list.match(/^Method = Deflate$/gm)).toHaveLength(3);
    },
  );

  it('writes zip64 end records', async () => {
    await expectZip64EndRecords(result.path);
  });

  it('reports missing, unexpected and changed entries', async () => {
    const expected = [
      { ...result.entries[0]!, sha256: '0'.repeat(64) },
      { ...result.entries[2]!, bytes: 1 },
      { name: 'other.dmp', bytes: 1, sha256: '1'.repeat(64) },
    ];
    const v = await verifyZipArchive(result.path, { expected, expectedSha256: 'f'.repeat(64) });
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      expect.stringContaining('archive SHA-256 is'),
      expect.stringContaining('entry HR_2025-01-01.dmp SHA-256 is'),
      'unexpected entry logs/HR_2025-01-01.log',
      expect.stringContaining('entry manifest.json has'),
      'missing entry other.dmp',
    ]);
  });

  it('a flipped byte in the middle is found', async () => {
    const bad = path.join(dir, 'out', 'flipped.zip');
    await copyFile(result.path, bad);
    await flipByte(bad, Math.floor(result.bytes / 2));
    const v = await verifyZipArchive(bad, { expected: result.entries });
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/HR_2025-01-01\.dmp (is corrupt|cannot be read)/);
  });

  it('a truncated archive gives a problem, not an exception', async () => {
    const cut = path.join(dir, 'out', 'truncated.zip');
    await copyFile(result.path, cut);
    await truncate(cut, Math.floor(result.bytes / 2));
    const v = await verifyZipArchive(cut, { expected: result.entries });
    expect(v.ok).toBe(false);
    expect(v.problems[0]).toMatch(/not a readable zip/);
    const missing = await verifyZipArchive(path.join(dir, 'nope.zip'), { expected: result.entries });
    expect(missing).toMatchObject({ ok: false, problems: [expect.stringContaining('cannot open archive')] });
  });

  it('a password given for an unencrypted archive is a problem', async () => {
    const v = await verifyZipArchive(result.path, { expected: result.entries, password: 'x' });
    expect(v.ok).toBe(false);
    expect(v.problems).toContain('entry manifest.json is not encrypted');
  });
});

describe('level 0', () => {
  it('stores the entries', async () => {
    const result = await createZipArchive({
      path: path.join(dir, 'out', 'store.zip'),
      entries: entriesFor(),
      level: 0,
    });
    await expectEntriesMatchSources(result);
    expect(result.bytes).toBeGreaterThan(result.entries.reduce((sum, e) => sum + e.bytes, 0));
    expect((await verifyZipArchive(result.path, { expected: result.entries })).problems).toEqual([]);
    // centralMethods checks the zip64 end records (expectZip64EndRecords) before it walks the directory.
    expect(await centralMethods(result.path)).toEqual([0, 0, 0]); // 0 = STORE
  });
});

describe('AES-256', () => {
  let result: ArchiveResult;

  beforeAll(async () => {
    result = await createZipArchive({
      path: path.join(dir, 'out', 'aes', 'HR.zip'),
      entries: entriesFor(),
      level: 6,
      password: PASSWORD,
    });
  });

  it('hashes the original content, not the ciphertext', async () => {
    expect(result.encrypted).toBe(true);
    await expectEntriesMatchSources(result);
  });

  withTool(sevenZip, '7z/7zz')(
    `7-Zip reports AES-256 Deflate and zip64${toolNote(sevenZip, '7z/7zz')}`,
    () => {
      const list = listTechnical(result.path, PASSWORD);
      expect(list.match(/^Method = AES-256 Deflate$/gm)).toHaveLength(3);
      expect(list.match(/^Encrypted = \+$/gm)).toHaveLength(3);
      expect(list).toContain('Characteristics = Zip64');
      expect(list).not.toMatch(/ERROR|ZipCrypto/i);
    },
  );

  withTool(sevenZip, '7z/7zz')(
    `7-Zip tests it with the password, refuses a wrong one${toolNote(sevenZip, '7z/7zz')}`,
    () => {
      const tool = needTool(sevenZip, '7z/7zz');
      const good = run(tool, ['t', `-p${PASSWORD}`, result.path]);
      expect(good.status, good.out).toBe(0);
      expect(good.out).toContain('Everything is Ok');
      const bad = run(tool, ['t', '-pwrong', result.path]);
      expect(bad.status).not.toBe(0);
      expect(bad.out).toMatch(/Wrong password/i);
    },
  );

  withTool(unzip, 'unzip')(
    `Info-ZIP unzip cannot read it without the password${toolNote(unzip, 'unzip')}`,
    () => {
      const r = run(needTool(unzip, 'unzip'), ['-t', result.path]);
      expect(r.status).not.toBe(0);
      expect(r.out).not.toContain('No errors detected');
    },
  );

  it('verifies with the password', async () => {
    const v = await verifyZipArchive(result.path, {
      password: PASSWORD,
      expected: result.entries,
      expectedSha256: result.sha256,
    });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.entries).toEqual(withoutPackedSizes(result));
  });

  it('a wrong or missing password is a problem', async () => {
    const wrong = await verifyZipArchive(result.path, { password: 'wrong', expected: result.entries });
    expect(wrong.ok).toBe(false);
    expect(wrong.problems).toContain('wrong archive password');
    const none = await verifyZipArchive(result.path, { expected: result.entries });
    expect(none.ok).toBe(false);
    expect(none.problems[0]).toMatch(/encrypted but no password was given/);
  });

  it('writes zip64 end records', async () => {
    await expectZip64EndRecords(result.path);
  });

  it('a flipped byte in the middle fails the authentication code', async () => {
    const bad = path.join(dir, 'out', 'aes-flipped.zip');
    await copyFile(result.path, bad);
    await flipByte(bad, Math.floor(result.bytes / 2));
    const v = await verifyZipArchive(bad, { password: PASSWORD, expected: result.entries });
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/HR_2025-01-01\.dmp (is corrupt|cannot be read)/);
  });

  it('a truncated archive gives a problem', async () => {
    const cut = path.join(dir, 'out', 'aes-truncated.zip');
    await copyFile(result.path, cut);
    await truncate(cut, result.bytes - 100);
    const v = await verifyZipArchive(cut, { password: PASSWORD, expected: result.entries });
    expect(v.ok).toBe(false);
    expect(v.problems.length).toBeGreaterThan(0);
  });

  it('stores at level 0 too', async () => {
    const stored = await createZipArchive({
      path: path.join(dir, 'out', 'aes-store.zip'),
      entries: entriesFor(),
      level: 0,
      password: PASSWORD,
    });
    expect((await verifyZipArchive(stored.path, { password: PASSWORD, expected: stored.entries })).ok).toBe(
      true,
    );
    if (sevenZip)
      expect(listTechnical(stored.path, PASSWORD).match(/^Method = AES-256 Store$/gm)).toHaveLength(3);
  });
});

describe('WinZip AES stream', () => {
  /** What archiver-zip-encrypted itself produces (aes-js), for the same salt and password. */
  async function pluginOutput(password: Buffer, salt: Buffer, chunks: Buffer[]): Promise<Buffer> {
    const requireCjs = createRequire(import.meta.url);
    const AesHmacEtmStream = requireCjs('archiver-zip-encrypted/lib/aes/aes-hmac-etm-stream.js') as new (o: {
      key: Buffer;
      salt: Buffer;
    }) => Transform;
    return collect(new AesHmacEtmStream({ key: password, salt }), chunks);
  }

  it('gives byte for byte the output of the plugin it replaces', async () => {
    const password = Buffer.from(PASSWORD);
    const salt = randomBytes(16);
    const data = randomBytes(300_017);
    // Uneven chunks exercise the key stream carried over between chunks; large chunks before small ones too (the
    // counter blocks' buffer is reused from chunk to chunk).
    const sizes = [1, 15, 16, 17, 4095, 65_536, 100_000];
    for (const order of [sizes, sizes.toReversed()]) {
      const chunks = order.map((n, i, all) => {
        const start = all.slice(0, i).reduce((a, b) => a + b, 0);
        return data.subarray(start, start + n);
      });
      chunks.push(data.subarray(chunks.reduce((a, c) => a + c.length, 0)));
      const ours = new WinZipAesEncryptStream(password, salt);
      const mine = await collect(ours, chunks);
      expect(mine.equals(await pluginOutput(password, salt, chunks))).toBe(true);
      expect(ours.totalSize).toBe(16 + 2 + data.length + 10);
    }
    const empty = new WinZipAesEncryptStream(password, salt);
    expect((await collect(empty, [])).equals(await pluginOutput(password, salt, []))).toBe(true);
  });

  it('the decryptor reads what the plugin encrypted, in any chunking, and rejects a wrong password or a changed byte', async () => {
    const password = Buffer.from(PASSWORD);
    const data = randomBytes(100_003);
    const sealed = await pluginOutput(password, randomBytes(16), [data]);
    const header = sealed.subarray(0, 18);
    const body = sealed.subarray(18, sealed.length - 10);
    const code = sealed.subarray(sealed.length - 10);
    const changed = Buffer.from(body);
    changed[70_000]! ^= 1;
    const decryptor = new WinZipAesDecryptor(password, header);
    expect(decryptor.passwordMatches).toBe(true);
    // Decrypted in place, in uneven pieces.
    const parts = [0, 1, 17, 4096, 50_000, body.length].map((end, i, all) =>
      body.subarray(all[i - 1] ?? 0, end),
    );
    for (const part of parts) expect(decryptor.decryptInPlace(part)).toBe(part);
    expect(body.equals(data)).toBe(true);
    expect(decryptor.authenticates(code)).toBe(true);

    const second = new WinZipAesDecryptor(password, header);
    second.decryptInPlace(changed);
    expect(second.authenticates(code)).toBe(false);
    // The verifier is two bytes: find a wrong password it rejects (all but one in 65536 are).
    const wrong = ['wrong', 'wrong2', 'wrong3'].map((p) => new WinZipAesDecryptor(Buffer.from(p), header));
    expect(wrong.some((d) => !d.passwordMatches)).toBe(true);
  });

  it('carries the little-endian counter across 32-bit words (entries over 64 GiB)', async () => {
    const stream = new WinZipAesEncryptStream(Buffer.from('pw'), Buffer.alloc(16));
    stream.setCounterForTest([0xffffffff, 0xffffffff, 0, 0]);
    const zeros = Buffer.alloc(48);
    const out = await collect(stream, [zeros]);
    // With zero data the ciphertext is the key stream: E(counter) for counters 2^64-1, 2^64, 2^64+1.
    const expected = [2n ** 64n - 1n, 2n ** 64n, 2n ** 64n + 1n].map((n) => {
      const block = Buffer.alloc(16);
      block.writeBigUInt64LE(n & (2n ** 64n - 1n), 0);
      block.writeBigUInt64LE(n >> 64n, 8);
      return block;
    });
    // The AES key is derived from the password (PBKDF2-SHA1, 1000 rounds); the reference derives it the same way.
    const derived = pbkdf2Sync(Buffer.from('pw'), Buffer.alloc(16), 1000, 66, 'sha1');
    const ecb = createCipheriv('aes-256-ecb', derived.subarray(0, 32), null);
    ecb.setAutoPadding(false);
    expect(out.subarray(18, 18 + 48).equals(ecb.update(Buffer.concat(expected)))).toBe(true);
  });
});

/** Table-like rows, about 3:1 like a dump: a slice, starting at a row picked by `seed`, of one 5.7 MB table. */
let table: Buffer | undefined;
function rows(size: number, seed = 0): Buffer {
  if (!table) {
    const parts: string[] = [];
    for (let n = 0; n < 200_000; n++) {
      parts.push(`${n},NAME_${n % 977},${(n * 7919) % 100000},${randomBytes(3).toString('hex')}\n`);
    }
    table = Buffer.from(parts.join(''));
  }
  if (size > table.length / 2) throw new Error(`rows(): at most ${table.length / 2} bytes`);
  const start = ((seed * 7919) % 10_000) * 40;
  return table.subarray(start, start + size);
}

/** Every check a restore would make: our verifier, and where present Info-ZIP (plain only) and 7-Zip. */
async function expectReadable(result: ArchiveResult, password?: string): Promise<void> {
  const v = await verifyZipArchive(result.path, {
    password,
    expected: result.entries,
    expectedSha256: result.sha256,
  });
  expect(v.problems).toEqual([]);
  if (unzip && !password) {
    const r = run(unzip, ['-t', result.path]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('No errors detected');
  }
  if (sevenZip) {
    const r = run(sevenZip, ['t', ...(password ? [`-p${password}`] : []), result.path]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('Everything is Ok');
  }
}

describe('parallel deflate in archives', () => {
  const BLOCK = 64 * 1024;
  let sized: Array<{ name: string; file: string }>;
  let random: string;
  let headerThenRandom: string;

  beforeAll(async () => {
    const sizes = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, 40 * BLOCK + 77];
    sized = [];
    for (const size of sizes) {
      const file = path.join(dir, 'in', `sized-${size}.dat`);
      await writeFile(file, rows(size, size));
      sized.push({ name: `sized/${size}.dat`, file });
    }
    random = path.join(dir, 'in', 'compressed.dmp');
    await writeFile(random, randomBytes(3 * 1024 * 1024));
    // An already-compressed dump still starts with a readable header.
    headerThenRandom = path.join(dir, 'in', 'header-then-compressed.dmp');
    await writeFile(headerThenRandom, Buffer.concat([rows(200_000), randomBytes(4 * 1024 * 1024)]));
  });

  for (const level of [1, 6, 9]) {
    for (const password of [undefined, PASSWORD]) {
      it(`level ${level}${password ? ' AES' : ''}: entries of 0, 1, block-1, block, block+1 and many blocks read back`, async () => {
        const result = await createZipArchive({
          path: path.join(dir, 'out', 'sized', `L${level}${password ? '-aes' : ''}.zip`),
          entries: sized,
          level,
          password,
          deflate: { blockSize: BLOCK, maxBlocksInFlight: 3 },
        });
        for (const [i, { file }] of sized.entries()) {
          expect(result.entries[i]).toEqual({
            name: sized[i]!.name,
            ...(await sha256File(file)),
            compressedBytes: packed,
          });
        }
        await expectReadable(result, password);
        expect(await centralMethods(result.path)).toEqual(sized.map(() => (password ? 99 : 8)));
        if (sevenZip) {
          const methods = listTechnical(result.path, password).match(/^Method = .*$/gm);
          expect(methods).toEqual(sized.map(() => `Method = ${password ? 'AES-256 ' : ''}Deflate`));
        }
      });
    }
  }

  for (const password of [undefined, PASSWORD]) {
    it(`stores already-compressed input and says so${password ? ' (AES)' : ''}`, async () => {
      const result = await createZipArchive({
        path: path.join(dir, 'out', `incompressible${password ? '-aes' : ''}.zip`),
        entries: [
          { name: 'HR.dmp', file: dump },
          { name: 'compressed.dmp', file: random },
          { name: 'header-then-compressed.dmp', file: headerThenRandom },
          { name: 'manifest.json', content: MANIFEST },
        ],
        level: 6,
        password,
      });
      expect(result.entries.map((e) => e.incompressible)).toEqual([undefined, true, true, undefined]);
      expect(result.entries[1]).toEqual({
        name: 'compressed.dmp',
        ...(await sha256File(random)),
        compressedBytes: packed,
        incompressible: true,
      });
      await expectReadable(result, password);
      if (password) {
        expect(await centralMethods(result.path)).toEqual([99, 99, 99, 99]);
      } else {
        expect(await centralMethods(result.path)).toEqual([8, 0, 0, 8]);
      }
      if (sevenZip) {
        const aes = password ? 'AES-256 ' : '';
        expect(listTechnical(result.path, password).match(/^Method = .*$/gm)).toEqual([
          `Method = ${aes}Deflate`,
          `Method = ${aes}Store`,
          `Method = ${aes}Store`,
          `Method = ${aes}Deflate`,
        ]);
      }
      // Stored: the archive holds the compressed inputs at their own size (plus headers).
      const storedBytes = (await stat(random)).size + (await stat(headerThenRandom)).size;
      expect(result.bytes).toBeGreaterThan(storedBytes);
      expect(result.bytes).toBeLessThan(storedBytes + (await stat(dump)).size * 0.5);
    });
  }

  it('many entries, small and large, compressible and not, from an async iterable', async () => {
    const files: Array<{ name: string; file: string }> = [];
    for (let i = 0; i < 100; i++) {
      const file = path.join(dir, 'in', 'many', `f${i}.dat`);
      await mkdir(path.dirname(file), { recursive: true });
      const size = (i * 7919) % (5 * BLOCK);
      await writeFile(file, i % 10 === 0 ? randomBytes(size) : rows(size, i));
      files.push({ name: `many/f${i}.dat`, file });
    }
    async function* arriving() {
      for (const f of files) {
        await new Promise((resolve) => setImmediate(resolve));
        yield f;
      }
      yield {
        name: 'manifest.json',
        content: (written: ArchiveResult['entries']) => JSON.stringify(written),
      };
    }
    for (const password of [undefined, PASSWORD]) {
      const result = await createZipArchive({
        path: path.join(dir, 'out', `many${password ? '-aes' : ''}.zip`),
        entries: arriving(),
        level: 6,
        password,
        deflate: { blockSize: BLOCK },
      });
      expect(result.entries).toHaveLength(101);
      for (const [i, f] of files.entries()) {
        expect(result.entries[i]).toMatchObject({ name: f.name, ...(await sha256File(f.file)) });
      }
      // Random files are stored, except those too small to be worth a probe.
      const stored = await Promise.all(
        files.map(async (f, i) => i % 10 === 0 && (await stat(f.file)).size >= 64 * 1024),
      );
      expect(stored.filter(Boolean).length).toBeGreaterThan(5);
      expect(result.entries.filter((e) => e.incompressible).map((e) => e.name)).toEqual(
        files.filter((_, i) => stored[i]).map((f) => f.name),
      );
      await expectReadable(result, password);
    }
  });
});

describe('failures', () => {
  it('a missing input file rejects, naming it, and leaves nothing behind', async () => {
    const outDir = path.join(dir, 'out', 'missing');
    const missing = path.join(dir, 'in', 'does-not-exist.dmp');
    await expect(
      createZipArchive({
        path: path.join(outDir, 'x.zip'),
        entries: [
          { name: 'a.dmp', file: dump },
          { name: 'b.dmp', file: missing },
        ],
        level: 1,
      }),
    ).rejects.toThrow(missing);
    expect(await readdir(outDir).catch(() => [])).toEqual([]);
  });

  it('a folder given as an input file is refused before writing', async () => {
    const outDir = path.join(dir, 'out', 'folder-input');
    const directory = path.join(dir, 'in', 'a-folder');
    await mkdir(directory, { recursive: true });
    await expect(
      createZipArchive({
        path: path.join(outDir, 'x.zip'),
        entries: [
          { name: 'a.dmp', file: dump },
          { name: 'b', file: directory },
        ],
        level: 1,
      }),
    ).rejects.toThrow(/not a regular file/);
    expect(await readdir(outDir).catch(() => [])).toEqual([]);
  });

  it('rejects bad arguments before writing anything', async () => {
    const p = path.join(dir, 'out', 'bad.zip');
    await expect(
      createZipArchive({ path: p, entries: [{ name: '../x', content: '' }], level: 1 }),
    ).rejects.toThrow(/invalid archive entry name/);
    await expect(
      createZipArchive({
        path: p,
        entries: [
          { name: 'a', content: '' },
          { name: 'a', content: '' },
        ],
        level: 1,
      }),
    ).rejects.toThrow(/duplicate/);
    await expect(createZipArchive({ path: p, entries: [], level: 10 })).rejects.toThrow(/level/);
    await expect(
      createZipArchive({ path: p, entries: [], level: 6, deflate: { blockSize: 1000 } }),
    ).rejects.toThrow(/blockSize/);
    await expect(stat(p)).rejects.toThrow();
  });

  it('content given as a function sees the entries written before it', async () => {
    const result = await createZipArchive({
      path: path.join(dir, 'out', 'manifest-fn.zip'),
      entries: [
        { name: 'HR.log', file: log },
        { name: 'manifest.json', content: (written) => JSON.stringify(written) },
      ],
      level: 9,
    });
    const manifest = JSON.stringify([result.entries[0]]);
    expect(result.entries[1]).toEqual({
      name: 'manifest.json',
      bytes: manifest.length,
      compressedBytes: packed,
      sha256: hex(manifest),
    });
    expect((await verifyZipArchive(result.path, { expected: result.entries })).ok).toBe(true);
  });

  it('entries from an async iterable are compressed as they arrive, the same as from an array', async () => {
    let releaseSecond: () => void = () => undefined;
    const secondReady = new Promise<void>((resolve) => (releaseSecond = resolve));
    let firstDone: () => void = () => undefined;
    const firstConsumed = new Promise<void>((resolve) => (firstDone = resolve));
    let bytesIn = 0;
    async function* arriving() {
      yield { name: 'HR.dmp', file: dump };
      firstDone(); // asked for the next entry: the first is written
      await secondReady; // the second export is still running
      yield { name: 'HR.log', file: log };
    }
    const writing = createZipArchive({
      path: path.join(dir, 'out', 'async.zip'),
      entries: arriving(),
      level: 6,
      onProgress: (n) => (bytesIn = n),
    });
    await firstConsumed;
    // The whole first file went in before the second entry even existed.
    expect(bytesIn).toBe((await stat(dump)).size);
    releaseSecond();
    const result = await writing;
    expect(result.entries.map((e) => [e.name, e.sha256])).toEqual([
      ['HR.dmp', (await sha256File(dump)).sha256],
      ['HR.log', (await sha256File(log)).sha256],
    ]);
    expect((await verifyZipArchive(result.path, { expected: result.entries })).ok).toBe(true);
  });

  it('an abort in the middle of an entry stops at once, rejects with its reason and leaves nothing', async () => {
    for (const password of [undefined, PASSWORD]) {
      const outDir = path.join(dir, 'out', `aborted-${password ? 'aes' : 'plain'}`);
      const controller = new AbortController();
      let bytesAtAbort = 0;
      let bytesRead = 0;
      const writing = createZipArchive({
        path: path.join(outDir, 'x.zip'),
        entries: [{ name: 'HR.dmp', file: dump }],
        level: 6,
        password,
        signal: controller.signal,
        deflate: { blockSize: 64 * 1024 },
        onProgress: (n) => {
          bytesRead = n;
          if (n > 0 && bytesAtAbort === 0) {
            bytesAtAbort = n;
            controller.abort(new Error('the run was cancelled'));
          }
        },
      });
      await expect(writing).rejects.toThrow('the run was cancelled');
      expect(bytesAtAbort).toBeGreaterThan(0);
      // Stopped inside the entry: the rest of the file was never read.
      expect(bytesRead).toBeLessThan((await stat(dump)).size);
      expect(await readdir(outDir).catch(() => [])).toEqual([]);
    }
    // Already aborted: nothing is written at all.
    const outDir = path.join(dir, 'out', 'aborted-before');
    await expect(
      createZipArchive({
        path: path.join(outDir, 'x.zip'),
        entries: [{ name: 'HR.dmp', file: dump }],
        level: 6,
        signal: AbortSignal.abort(),
      }),
    ).rejects.toThrow();
    expect(await readdir(outDir).catch(() => [])).toEqual([]);
  });

  it('a late entry with a missing file or a duplicate name rejects and leaves nothing behind', async () => {
    const outDir = path.join(dir, 'out', 'late-bad');
    for (const late of [
      { name: 'b.dmp', file: path.join(dir, 'in', 'gone.dmp') },
      { name: 'a.dmp', file: log },
    ]) {
      async function* arriving() {
        yield { name: 'a.dmp', file: dump };
        yield late;
      }
      await expect(
        createZipArchive({ path: path.join(outDir, 'x.zip'), entries: arriving(), level: 1 }),
      ).rejects.toThrow(/gone\.dmp|duplicate/);
      expect(await readdir(outDir).catch(() => [])).toEqual([]);
    }
  });

  const root = process.getuid?.() === 0;
  const diskFull = root || inCi ? it : it.skip;
  diskFull(
    `disk full while writing rejects with "disk full" and removes the partial archive${
      root || inCi ? '' : ' [skipped: mounting a small tmpfs needs root]'
    }`,
    skipMeta(root || inCi ? undefined : TMPFS_NEEDS_ROOT),
    async () => {
      if (!root) throw new Error('this test mounts a tmpfs and must run as root in CI');
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'archive-full-'));
      try {
        const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], {
          encoding: 'utf8',
        });
        expect(mounted.status, mounted.stderr).toBe(0);
        await expect(
          createZipArchive({
            path: path.join(mnt, 'x.zip'),
            entries: [{ name: 'a.dmp', file: dump }],
            level: 0,
          }),
        ).rejects.toThrow(/disk full/);
        expect(await readdir(mnt)).toEqual([]);
        // In the middle of an entry deflated on several threads (~4 MiB compressed), plain and AES.
        const big = path.join(dir, 'in', 'big.dmp');
        await writeFile(
          big,
          Buffer.concat([await readFile(dump), await readFile(dump), await readFile(dump)]),
        );
        for (const password of [undefined, PASSWORD]) {
          await expect(
            createZipArchive({
              path: path.join(mnt, 'y.zip'),
              entries: [{ name: 'big.dmp', file: big }],
              level: 6,
              password,
              deflate: { blockSize: 64 * 1024 },
            }),
          ).rejects.toThrow(/disk full/);
          expect(await readdir(mnt)).toEqual([]);
        }
      } finally {
        spawnSync('umount', [mnt]);
        await rm(mnt, { recursive: true, force: true });
      }
    },
  );
});

async function collect(stream: Transform, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await ended;
  return Buffer.concat(out);
}
