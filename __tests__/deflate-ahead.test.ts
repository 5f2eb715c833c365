import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { appendFile, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AheadSpool, DeflateAhead, DeflateSlots } from '../src/archive/deflate-ahead.js';
import { ParallelDeflate } from '../src/archive/parallel-deflate.js';
import { createVerifiedZipArchive } from '../src/archive/verified-zip.js';
import { eventually, tableRows } from './helpers/files.js';
import { temporaryPath } from '../src/temporary-names.js';

const BLOCK = 64 * 1024;
const root = mkdtempSync(path.join(os.tmpdir(), 'oba-ahead-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): { file: string; spool: string } => {
  n++;
  const file = path.join(root, `dump-${n}.dmp`);
  // A spool named as the action names it: only such a file of this process is ever removed.
  return { file, spool: temporaryPath(file, 'ahead') };
};
const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * Writes `data` to `file` the way an export does: a placeholder header, the body in pieces, then the header. With
 * `follower`, the body waits until the follower has deflated block 0 (the placeholder), as it would in a real run.
 */
async function exportLike(
  file: string,
  data: Buffer,
  header = 4096,
  follower?: DeflateAhead,
  piece = 96 * 1024,
): Promise<void> {
  await writeFile(file, Buffer.alloc(Math.min(header, data.length)));
  for (let at = header; at < data.length; at += piece) {
    await appendFile(file, data.subarray(at, Math.min(at + piece, data.length)));
    if (follower && follower.stats.blocks === 0 && at > 4 * BLOCK)
      expect(await eventually(() => follower.stats.blocks > 0)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await writeAt(file, 0, data.subarray(0, header));
}

async function writeAt(file: string, at: number, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, at);
  } finally {
    await handle.close();
  }
}

/** The raw deflate stream ParallelDeflate makes of `file`, with or without blocks deflated ahead. */
async function deflated(file: string, ahead?: AheadSpool): Promise<{ out: Buffer; fromAhead: number }> {
  const chunks: Buffer[] = [];
  const deflate = new ParallelDeflate({ level: 6, blockSize: BLOCK, ahead });
  await pipeline(
    Readable.from([await readFile(file)]),
    deflate,
    new Writable({
      write(chunk: Buffer, _e, cb) {
        chunks.push(chunk);
        cb();
      },
    }),
  );
  return { out: Buffer.concat(chunks), fromAhead: deflate.blocksAhead };
}

function follow(file: string, spool: string, extra: { reserveBytes?: number } = {}): DeflateAhead {
  return new DeflateAhead({ file, spool, level: 6, blockSize: BLOCK, pollMs: 5, reserveBytes: 0, ...extra });
}

describe('DeflateAhead: a dump deflated while it is written', () => {
  it('gives the same deflate stream as compressing the finished file, block for block, header rewritten at the end', async () => {
    const { file, spool } = fresh();
    const data = tableRows(40 * BLOCK + 1234);
    const ahead = follow(file, spool);
    await exportLike(file, data, 4096, ahead);
    // Every whole block but the last one (never taken while the file may still grow) is deflated ahead.
    expect(await eventually(() => ahead.stats.blocks === 39)).toBe(true);
    const blocks = await ahead.finish();
    expect(ahead.stats.gaveUp).toBeUndefined();
    expect(blocks).toBeDefined();
    expect(await exists(spool)).toBe(true);

    const plain = await deflated(file);
    const withAhead = await deflated(file, blocks);
    expect(withAhead.out.equals(plain.out)).toBe(true);
    expect(inflateRawSync(withAhead.out).equals(data)).toBe(true);
    // Block 0 was deflated from the placeholder header and block 39 not at all: both are compressed now.
    expect(blocks!.redone).toBe(2);
    expect(withAhead.fromAhead).toBe(38);
    expect(blocks!.reused).toBe(withAhead.fromAhead);
    await blocks!.release();
    expect(await exists(spool)).toBe(false);
  });

  it('compresses again a block changed after it was deflated, and the next one when its dictionary changed', async () => {
    const { file, spool } = fresh();
    const data = tableRows(24 * BLOCK);
    const ahead = follow(file, spool);
    await exportLike(file, data, 0);
    expect(await eventually(() => ahead.stats.blocks === 23)).toBe(true);
    // A region written again late (as a second worker might): the last bytes of block 10, which block 11's
    // dictionary is made of, and a byte in the middle of block 15.
    const late = Buffer.from(data);
    late[11 * BLOCK - 100] = late[11 * BLOCK - 100]! ^ 0xff;
    late[15 * BLOCK + 7] = late[15 * BLOCK + 7]! ^ 0xff;
    await writeAt(file, 11 * BLOCK - 100, late.subarray(11 * BLOCK - 100, 11 * BLOCK - 99));
    await writeAt(file, 15 * BLOCK + 7, late.subarray(15 * BLOCK + 7, 15 * BLOCK + 8));
    const blocks = await ahead.finish();
    const plain = await deflated(file);
    const withAhead = await deflated(file, blocks);
    expect(withAhead.out.equals(plain.out)).toBe(true);
    expect(inflateRawSync(withAhead.out).equals(late)).toBe(true);
    // Blocks 10, 11 and 15 again (the last, 23, ends the stream: the archive always compresses it).
    expect(blocks!.redone).toBe(3);
    expect(blocks!.reused).toBe(20);
    await blocks!.release();
  });

  it('uses nothing beyond the end of a file that became shorter, and nothing of a broken spool', async () => {
    const { file, spool } = fresh();
    const data = tableRows(20 * BLOCK);
    const ahead = follow(file, spool);
    await exportLike(file, data, 0);
    await eventually(() => ahead.stats.blocks >= 18);
    await truncate(file, 9 * BLOCK + 5);
    const blocks = await ahead.finish();
    const short = await deflated(file, blocks);
    expect(inflateRawSync(short.out).equals(data.subarray(0, 9 * BLOCK + 5))).toBe(true);
    expect(short.out.equals((await deflated(file)).out)).toBe(true);
    await blocks!.release();

    // A spool cut inside a record: the blocks from there on are compressed by the archive.
    const again = fresh();
    const second = follow(again.file, again.spool);
    await exportLike(again.file, data, 0);
    expect(await eventually(() => second.stats.blocks === 19)).toBe(true);
    const spooled = await second.finish();
    await truncate(again.spool, (await stat(again.spool)).size - 100);
    const result = await deflated(again.file, spooled);
    expect(inflateRawSync(result.out).equals(data)).toBe(true);
    expect(spooled!.reused).toBe(second.stats.blocks - 1);
    await spooled!.release();
  });

  it('gives up on a dump that does not compress, and removes its spool', async () => {
    const { file, spool } = fresh();
    const ahead = follow(file, spool);
    await exportLike(file, randomBytes(30 * BLOCK), 0);
    expect(await ahead.finish()).toBeUndefined();
    expect(ahead.stats.gaveUp).toMatch(/does not compress/);
    expect(await exists(spool)).toBe(false);
  });

  it('keeps the reserve of free space: gives up at once, names the folder, and leaves no spool', async () => {
    const { file, spool } = fresh();
    const ahead = follow(file, spool, { reserveBytes: Number.MAX_SAFE_INTEGER });
    await exportLike(file, tableRows(10 * BLOCK), 0);
    expect(await ahead.finish()).toBeUndefined();
    expect(ahead.stats.gaveUp).toContain(`${root} has`);
    expect(ahead.stats.gaveUp).toMatch(/GiB free; deflating ahead keeps/);
    expect(ahead.stats.blocks).toBe(0);
    expect(await exists(spool)).toBe(false);
  });

  it('waits for a file that does not exist yet, and discards everything on request', async () => {
    const { file, spool } = fresh();
    const ahead = follow(file, spool);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ahead.stats.blocks).toBe(0);
    await exportLike(file, tableRows(12 * BLOCK), 0);
    await eventually(() => ahead.stats.blocks >= 10);
    await ahead.discard();
    expect(await exists(spool)).toBe(false);

    const never = fresh();
    const idle = follow(never.file, never.spool);
    expect(await idle.finish()).toBeUndefined();
    expect(await exists(never.spool)).toBe(false);
  });

  it('shares slots between files: never more blocks with zlib than the slots allow, each waiter served in turn', async () => {
    const slots = new DeflateSlots(2);
    let held = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        await slots.acquire();
        held++;
        most = Math.max(most, held);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, 5));
        held--;
        slots.release();
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);

    // Two files deflated ahead through one slot both come out complete and usable.
    const one = new DeflateSlots(1);
    const a = fresh();
    const b = fresh();
    const data = tableRows(10 * BLOCK);
    const first = new DeflateAhead({
      ...a,
      level: 6,
      blockSize: BLOCK,
      pollMs: 5,
      reserveBytes: 0,
      slots: one,
    });
    const second = new DeflateAhead({
      ...b,
      level: 6,
      blockSize: BLOCK,
      pollMs: 5,
      reserveBytes: 0,
      slots: one,
    });
    await Promise.all([exportLike(a.file, data, 0), exportLike(b.file, data, 0)]);
    expect(await eventually(() => first.stats.blocks === 9 && second.stats.blocks === 9)).toBe(true);
    for (const [ahead, file] of [
      [first, a.file],
      [second, b.file],
    ] as const) {
      const blocks = await ahead.finish();
      const result = await deflated(file, blocks);
      expect(inflateRawSync(result.out).equals(data)).toBe(true);
      expect(result.fromAhead).toBe(9);
      await blocks!.release();
    }
  });

  it('goes into an AES archive that verifies, unzips to the final file, and whose spool is gone after the entry', async () => {
    const { file, spool } = fresh();
    const data = tableRows(3 * 1024 * 1024 + 77);
    const ahead = new DeflateAhead({ file, spool, level: 6, pollMs: 5, reserveBytes: 0 });
    await exportLike(file, data);
    expect(await eventually(() => ahead.stats.blocks === 5)).toBe(true);
    const blocks = await ahead.finish();
    expect(blocks).toBeDefined();
    const written = await createVerifiedZipArchive({
      path: path.join(root, 'ahead.zip'),
      entries: [{ name: 'HR.dmp', file, ahead: blocks }],
      level: 6,
      password: 'pw',
    });
    const verification = await written.verification;
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(blocks!.reused).toBeGreaterThan(0);
    expect(await exists(spool)).toBe(false);

    // Unencrypted, Info-ZIP extracts exactly the final file (header included).
    const second = fresh();
    const again = new DeflateAhead({
      file: second.file,
      spool: second.spool,
      level: 6,
      pollMs: 5,
      reserveBytes: 0,
    });
    await exportLike(second.file, data);
    expect(await eventually(() => again.stats.blocks === 5)).toBe(true);
    const plainBlocks = await again.finish();
    const zip = path.join(root, 'ahead-plain.zip');
    await createVerifiedZipArchive({
      path: zip,
      entries: [{ name: 'HR.dmp', file: second.file, ahead: plainBlocks }],
      level: 6,
    });
    expect(plainBlocks!.reused).toBeGreaterThan(0);
    const unzip = spawnSync('unzip', ['-p', zip, 'HR.dmp'], { maxBuffer: 64 * 1024 * 1024 });
    expect(unzip.error).toBeUndefined();
    expect(unzip.stdout.equals(data)).toBe(true);
  });
});
