import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockPool, PooledFileReader } from '../src/archive/block-pool.js';
import { ParallelDeflate, WINDOW, type DeflatedAhead } from '../src/archive/parallel-deflate.js';
import { tableRows } from './helpers/files.js';

const BLOCK = 64 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 'block-pool-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function readAll(file: string, pool: BlockPool): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of new PooledFileReader(file, pool)) chunks.push(Buffer.from(chunk as Buffer));
  return chunks;
}

describe('BlockPool', () => {
  it('hands a given-back buffer out again, takes back only its own buffers, each once, and keeps at most `keep`', () => {
    const pool = new BlockPool(BLOCK, 2);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    expect(a.length).toBe(BLOCK);
    expect(new Set([a, b, c]).size).toBe(3);
    pool.give(Buffer.alloc(BLOCK)); // not the pool's
    pool.give(a.subarray(0, 10)); // a view, not the buffer handed out
    expect(pool.counts).toEqual({ out: 3, free: 0 });
    pool.give(a);
    pool.give(a); // twice: the second is ignored, so `a` cannot be handed out twice at once
    expect(pool.counts).toEqual({ out: 2, free: 1 });
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
    pool.give(b);
    pool.give(c);
    pool.give(a);
    // Only two are kept; the third is left to the garbage collector.
    expect(pool.counts).toEqual({ out: 1, free: 2 });
  });
});

describe('PooledFileReader', () => {
  it('reads a file in block-sized chunks (the last shorter), for sizes from 0 to several blocks', async () => {
    for (const size of [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5]) {
      const file = path.join(dir, `data-${size}`);
      const data = randomBytes(size);
      await writeFile(file, data);
      const pool = new BlockPool(BLOCK, 4);
      const chunks = await readAll(file, pool);
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
      expect(chunks.length).toBe(Math.ceil(size / BLOCK));
      chunks.slice(0, -1).forEach((chunk) => expect(chunk.length).toBe(BLOCK));
    }
  });

  it('the last, shorter chunk is a copy: the pool buffer it was read into is back in the pool', async () => {
    const file = path.join(dir, 'short-end');
    await writeFile(file, randomBytes(BLOCK + 10));
    const pool = new BlockPool(BLOCK, 4);
    const chunks: Buffer[] = [];
    for await (const chunk of new PooledFileReader(file, pool)) chunks.push(chunk as Buffer);
    expect(chunks.map((c) => c.length)).toEqual([BLOCK, 10]);
    // The whole block is still out (nobody gave it back); the buffer of the short read is free again.
    expect(pool.counts).toEqual({ out: 1, free: 1 });
  });

  it('a missing file is an error naming it', async () => {
    const missing = path.join(dir, 'missing.dmp');
    await expect(readAll(missing, new BlockPool(BLOCK, 4))).rejects.toThrow(/ENOENT.*missing\.dmp/);
  });
});

describe('ParallelDeflate giving input back', () => {
  /** A pool that scribbles over every buffer given back, so a buffer given back too early spoils the output. */
  function scribblingPool(): BlockPool & { given: Buffer[] } {
    const pool = new BlockPool(BLOCK, 64) as BlockPool & { given: Buffer[] };
    pool.given = [];
    const give = pool.give.bind(pool);
    pool.give = (buffer: Buffer) => {
      pool.given.push(buffer);
      buffer.fill(0xaa);
      give(buffer);
    };
    return pool;
  }

  /** `data` as chunks in the pool's buffers, cut by `sizes` (cycled); block-sized pieces are the pool's own. */
  function poolChunks(pool: BlockPool, data: Buffer, sizes: number[]): Buffer[] {
    const chunks: Buffer[] = [];
    for (let at = 0, i = 0; at < data.length; i++) {
      const n = Math.min(sizes[i % sizes.length]!, data.length - at);
      const chunk = n === BLOCK ? pool.take() : Buffer.allocUnsafe(n);
      data.copy(chunk, 0, at, at + n);
      chunks.push(chunk);
      at += n;
    }
    return chunks;
  }

  /** Gives no block, slowly, checking that the block and its dictionary are still intact when it looks. */
  function slowAhead(input: Buffer): DeflatedAhead & { bad: number } {
    return {
      blockSize: BLOCK,
      level: 6,
      bad: 0,
      async take(index, block, dictionary) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        const start = index * BLOCK;
        if (!block.equals(input.subarray(start, start + BLOCK))) this.bad++;
        if (dictionary && !dictionary.equals(input.subarray(start - WINDOW, start))) this.bad++;
        return undefined;
      },
    };
  }

  for (const pattern of [[BLOCK], [BLOCK, 100, BLOCK - 100], [1000, 70_000, 7]]) {
    it(`gives each pool chunk back once, and only when nothing needs it (chunks ${pattern.join(', ')})`, async () => {
      for (const size of [BLOCK, 2 * BLOCK, 7 * BLOCK + 999]) {
        const input = tableRows(size);
        const pool = scribblingPool();
        const chunks = poolChunks(pool, input, pattern);
        const ahead = slowAhead(input);
        const stream = new ParallelDeflate({ level: 6, blockSize: BLOCK, recycle: pool, ahead });
        const pieces: Buffer[] = [];
        await pipeline(
          Readable.from(chunks),
          stream,
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              pieces.push(Buffer.from(chunk));
              setImmediate(callback);
            },
          }),
        );
        expect(inflateRawSync(Buffer.concat(pieces)).equals(input)).toBe(true);
        expect(ahead.bad).toBe(0);
        // Every chunk of the pool's came back, each once; the others were never the pool's.
        const own = chunks.filter((c) => c.length === BLOCK);
        expect(new Set(pool.given).size).toBe(pool.given.length);
        own.forEach((c) => expect(pool.given).toContain(c));
        expect(pool.counts.out).toBe(0);
      }
    });
  }

  it('gives nothing back after a failure', async () => {
    const pool = scribblingPool();
    const chunks = poolChunks(pool, tableRows(4 * BLOCK), [BLOCK]);
    const stream = new ParallelDeflate({ level: 6, blockSize: BLOCK, recycle: pool });
    // Fails as the first block comes out: before any block could be given back (that takes the second one out).
    stream.on('data', () => stream.destroy(new Error('reader gave up')));
    await expect(pipeline(Readable.from(chunks), stream)).rejects.toThrow(/reader gave up/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.given).toEqual([]);
  });
});
