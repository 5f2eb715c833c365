import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  INCOMPRESSIBLE_RATIO,
  MIN_PROBED_SIZE,
  probeCompressibility,
} from '../src/archive/compressibility.js';
import {
  Crc32Size,
  defaultConcurrency,
  deflateBlock,
  entryDataStream,
  outputChunkSize,
  ParallelDeflate,
  threadPoolSize,
  WINDOW,
} from '../src/archive/parallel-deflate.js';
import { tableRows } from './helpers/files.js';

const BLOCK = 64 * 1024;

/** Splits `data` into chunks of the given sizes, cycling through them. */
function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

interface Deflated {
  output: Buffer;
  /** Chunks as the consumer received them. */
  pieces: Buffer[];
  stream: ParallelDeflate;
}

/** Pipes `chunks` through a ParallelDeflate into a sink that optionally lets each write wait a turn. */
async function deflate(
  chunks: Buffer[],
  options: ConstructorParameters<typeof ParallelDeflate>[0],
  sink: { slow?: boolean; onWrite?: (stream: ParallelDeflate, received: number) => void } = {},
): Promise<Deflated> {
  const stream = new ParallelDeflate(options);
  const pieces: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    stream,
    new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        pieces.push(chunk);
        sink.onWrite?.(stream, pieces.length);
        if (sink.slow) setImmediate(callback);
        else callback();
      },
    }),
  );
  return { output: Buffer.concat(pieces), pieces, stream };
}

function expectOneDeflateStream(output: Buffer, input: Buffer): void {
  const inflated = inflateRawSync(output, { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  expect(inflated.buffer.equals(input)).toBe(true);
  // Inflate stopped at the final block, which is the very end of the output: nothing after it.
  expect(inflated.engine.bytesWritten).toBe(output.length);
  // And the final block is not earlier: one byte less is an incomplete stream.
  expect(() => inflateRawSync(output.subarray(0, output.length - 1))).toThrow(/unexpected end/);
}

describe('ParallelDeflate', () => {
  const sizes = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 5 * BLOCK + 12_345];
  for (const level of [1, 6, 9]) {
    for (const kind of ['compressible', 'random'] as const) {
      it(`level ${level}, ${kind}: sizes 0, 1, block-1, block, block+1, 2 blocks, 5+ blocks inflate back`, async () => {
        for (const size of sizes) {
          const input = kind === 'random' ? randomBytes(size) : tableRows(size);
          // Uneven chunks, so block edges fall inside chunks as well as between them; block-sized chunks (taken
          // as blocks without a copy), also between others so that whole and assembled blocks alternate.
          for (const pattern of [[size || 1], [1000, 70_000, 7], [BLOCK], [BLOCK, 100, BLOCK - 100]]) {
            const { output, stream } = await deflate(chunked(input, pattern), {
              level,
              blockSize: BLOCK,
            });
            expectOneDeflateStream(output, input);
            expect(stream.size).toBe(size);
            expect(stream.crc).toBe(crc32(input));
            expect(stream.compressedSize).toBe(output.length);
            expect(stream.blocks).toBe(Math.max(1, Math.ceil(size / BLOCK)));
            if (kind === 'compressible' && size > BLOCK) expect(output.length).toBeLessThan(size * 0.6);
          }
        }
      });
    }
  }

  it('compresses as well as one zlib stream, within 0.5 %, thanks to the 32 KiB dictionary', async () => {
    const input = tableRows(40 * BLOCK);
    const { output } = await deflate([input], { level: 6, blockSize: BLOCK });
    const single = deflateRawSync(input, { level: 6 });
    expect(output.length).toBeLessThan(single.length * 1.005);
    // Without the dictionary each block would start cold: clearly worse than that.
    const cold = chunked(input, [BLOCK]).reduce((sum, b) => sum + deflateRawSync(b, { level: 6 }).length, 0);
    expect(output.length).toBeLessThan(cold);
  });

  it('gives the same bytes however the output buffer is sized: a wrong guess only takes more visits', async () => {
    // Table rows, then random data (the guess from the rows' ratio is far too small), then rows again.
    const input = Buffer.concat([tableRows(3 * BLOCK), randomBytes(2 * BLOCK), tableRows(BLOCK + 777)]);
    for (const pattern of [[BLOCK], [1000, 70_000, 7]]) {
      const { output } = await deflate(chunked(input, pattern), { level: 6, blockSize: BLOCK });
      expectOneDeflateStream(output, input);
    }
    for (const start of [0, 3 * BLOCK, 5 * BLOCK]) {
      const block = input.subarray(start, start + BLOCK);
      const dictionary = start > 0 ? input.subarray(start - WINDOW, start) : undefined;
      for (const last of [false, true]) {
        const worstCase = await deflateBlock(block, dictionary, 6, last);
        for (const guess of [0, 100, 20_000, BLOCK / 4, BLOCK, 10 * BLOCK]) {
          expect((await deflateBlock(block, dictionary, 6, last, guess)).equals(worstCase)).toBe(true);
        }
      }
    }
  });

  it('sizes the output buffer a quarter over the guess, 16 KiB at least, never over the worst case', () => {
    const worstCase = BLOCK + (BLOCK >> 8) + 1024;
    expect(outputChunkSize(BLOCK)).toBe(worstCase);
    expect(outputChunkSize(BLOCK, Number.NaN)).toBe(worstCase);
    expect(outputChunkSize(BLOCK, 0)).toBe(16 * 1024);
    expect(outputChunkSize(BLOCK, 20_000)).toBe(25_000 + 1024);
    expect(outputChunkSize(BLOCK, BLOCK)).toBe(worstCase);
    expect(outputChunkSize(0, 0)).toBe(1024);
  });

  it('emits the blocks in input order whatever order zlib finishes them in', async () => {
    // Random blocks (slow to search, stored) mixed with runs of one byte (instant): completions interleave.
    const parts = Array.from({ length: 24 }, (_, i) =>
      i % 3 === 0 ? Buffer.alloc(BLOCK, i) : randomBytes(BLOCK),
    );
    const input = Buffer.concat(parts);
    const { output, stream } = await deflate([input], { level: 9, blockSize: BLOCK, maxBlocksInFlight: 8 });
    expectOneDeflateStream(output, input);
    expect(stream.blocks).toBe(24);
  });

  it('never holds more blocks than maxBlocksInFlight, and input waits for a slow reader', async () => {
    for (const maxBlocksInFlight of [1, 2, 5]) {
      const input = randomBytes(48 * BLOCK + 100);
      const checks: number[] = [];
      const { output, stream } = await deflate(
        chunked(input, [3 * BLOCK + 5, 17, BLOCK]),
        { level: 1, blockSize: BLOCK, maxBlocksInFlight },
        {
          slow: true,
          // The k-th output piece is the k-th block. Input taken in so far is at most: the blocks received,
          // those in flight, as many again done but buffered for the reader, the block being filled and one chunk.
          onWrite: (s, received) => {
            checks.push(received);
            expect(s.size).toBeLessThanOrEqual(
              (received + 2 * maxBlocksInFlight + 2) * BLOCK + 3 * BLOCK + 5,
            );
          },
        },
      );
      expectOneDeflateStream(output, input);
      expect(stream.peakBlocksInFlight).toBeLessThanOrEqual(maxBlocksInFlight);
      // The limit was actually reached, so the bound above was exercised.
      expect(stream.peakBlocksInFlight).toBe(maxBlocksInFlight);
      expect(stream.peakCompressing).toBeLessThanOrEqual(stream.maxCompressing);
      expect(checks.length).toBe(49);
    }
  });

  it('keeps going when the reader pauses and resumes (no lost wake-up), many times over', async () => {
    // A reader that stops for a while after every few pieces: the output buffer fills and empties repeatedly.
    for (let run = 0; run < 20; run++) {
      const input = tableRows(20 * BLOCK + run * 999);
      const stream = new ParallelDeflate({ level: 1, blockSize: BLOCK, maxBlocksInFlight: 2 + (run % 3) });
      const pieces: Buffer[] = [];
      const ended = once(stream, 'end');
      const done = pipeline(Readable.from(chunked(input, [BLOCK * 2 + run, 4096])), stream);
      stream.on('data', (piece: Buffer) => {
        pieces.push(piece);
        if (pieces.length % 3 === run % 3) {
          stream.pause();
          setImmediate(() => stream.resume());
        }
      });
      // pipeline() settles once the input is all taken; the output is all read at 'end'.
      await Promise.all([done, ended]);
      expectOneDeflateStream(Buffer.concat(pieces), input);
    }
  });

  it('a destroyed stream stops taking input and reports the error once', async () => {
    const stream = new ParallelDeflate({ level: 6, blockSize: BLOCK, maxBlocksInFlight: 2 });
    const errors: Error[] = [];
    stream.on('error', (err) => errors.push(err));
    const source = Readable.from(chunked(tableRows(40 * BLOCK), [BLOCK]));
    source.pipe(stream);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.destroy(new Error('boom'));
    await new Promise((resolve) => stream.once('close', resolve));
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    expect(stream.blocks).toBeLessThan(40);
  });

  it('refuses bad options', () => {
    expect(() => new ParallelDeflate({ level: 0 })).toThrow(/level/);
    expect(() => new ParallelDeflate({ level: 10 })).toThrow(/level/);
    expect(() => new ParallelDeflate({ level: 6, blockSize: 1024 })).toThrow(/blockSize/);
    expect(() => new ParallelDeflate({ level: 6, maxBlocksInFlight: 0 })).toThrow(/maxBlocksInFlight/);
    expect(() => new ParallelDeflate({ level: 6, blockSize: 65 * 1024 * 1024 })).toThrow(/blockSize/);
  });

  it('defaults: twice as many blocks in flight as cores, leaving a pool thread for file I/O', () => {
    const stream = new ParallelDeflate({ level: 6 });
    expect(stream.maxBlocksInFlight).toBe(2 * defaultConcurrency());
    // zlib never takes every pool thread: one stays free for file reads and writes.
    expect(stream.maxCompressing).toBe(Math.max(1, Math.min(stream.maxBlocksInFlight, threadPoolSize() - 1)));
    expect(defaultConcurrency()).toBeGreaterThanOrEqual(2);
    expect(defaultConcurrency()).toBeLessThanOrEqual(Math.max(2, threadPoolSize() - 1));
    expect(defaultConcurrency()).toBeLessThanOrEqual(Math.max(2, os.availableParallelism()));
    stream.destroy();
  });

  it('entryDataStream: stored data passes through unchanged with its CRC-32', async () => {
    const input = tableRows(3 * BLOCK + 7);
    const store = entryDataStream('store', 6);
    expect(store).toBeInstanceOf(Crc32Size);
    const pieces: Buffer[] = [];
    await pipeline(
      Readable.from(chunked(input, [5000])),
      store,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          pieces.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(pieces).equals(input)).toBe(true);
    expect([store.crc, store.size, store.compressedSize]).toEqual([crc32(input), input.length, input.length]);
    expect(entryDataStream('deflate', 6)).toBeInstanceOf(ParallelDeflate);
  });
});

describe('probeCompressibility', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-test-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function probe(name: string, data: Buffer) {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return probeCompressibility(file, 6);
  }

  it('random data is incompressible, table rows and an empty file are not', async () => {
    const random = await probe('random.bin', randomBytes(3 * 1024 * 1024));
    expect(random.incompressible).toBe(true);
    expect(random.sampled).toBe(512 * 1024);
    expect(random.compressed).toBeGreaterThan(random.sampled * INCOMPRESSIBLE_RATIO);
    expect((await probe('rows.txt', tableRows(3 * 1024 * 1024))).incompressible).toBe(false);
    // Files up to 8 samples' worth are probed whole; tiny ones not at all (always deflated).
    expect(await probe('small-random', randomBytes(300_000))).toMatchObject({
      sampled: 300_000,
      incompressible: true,
    });
    expect(await probe('tiny-random', randomBytes(MIN_PROBED_SIZE - 1))).toEqual({
      sampled: 0,
      compressed: 0,
      incompressible: false,
    });
    expect(await probe('empty', Buffer.alloc(0))).toMatchObject({ sampled: 0, incompressible: false });
  });

  it('samples the whole file, not its start: a compressible header does not hide compressed data', async () => {
    const header = tableRows(256 * 1024);
    expect(
      (await probe('header-then-random', Buffer.concat([header, randomBytes(8 << 20)]))).incompressible,
    ).toBe(true);
    expect(
      (await probe('random-then-rows', Buffer.concat([randomBytes(256 * 1024), tableRows(8 << 20)])))
        .incompressible,
    ).toBe(false);
  });

  it('an unreadable file rejects', async () => {
    await expect(probeCompressibility(path.join(dir, 'missing'), 6)).rejects.toThrow(/ENOENT/);
  });
});
