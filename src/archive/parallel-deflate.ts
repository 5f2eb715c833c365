import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';

/** Deflate looks back at most 32 KiB, so that much of the previous block primes the next one. */
export const WINDOW = 32 * 1024;
/**
 * Input block size. Measured on dump-like data at level 6, against one zlib stream: 128 KiB blocks come out
 * 0.13 % larger, 256 KiB 0.10 %, 512 KiB 0.08 %, 1 MiB 0.02 %, at the same CPU time per byte within noise.
 * 512 KiB keeps the blocks in flight (input, output and zlib state) near 5 MiB in all.
 */
export const DEFAULT_BLOCK_SIZE = 512 * 1024;
const MIN_BLOCK_SIZE = 64 * 1024;
const MAX_BLOCK_SIZE = 64 * 1024 * 1024;

/** How many threads the libuv pool has: set through UV_THREADPOOL_SIZE before it starts, 4 otherwise. */
export function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * How many blocks can usefully be compressed at once: one per core, at most the pool size less one thread (file
 * reads and writes share the libuv pool with zlib and must not queue behind compression); two at least.
 */
export function defaultConcurrency(): number {
  return Math.max(2, Math.min(availableParallelism(), threadPoolSize() - 1));
}

/** The tuning with its defaults filled in; throws a RangeError naming what is wrong. */
export function checkDeflateTuning(tuning: ParallelDeflateTuning): Required<ParallelDeflateTuning> {
  const blockSize = tuning.blockSize ?? DEFAULT_BLOCK_SIZE;
  const maxBlocksInFlight = tuning.maxBlocksInFlight ?? 2 * defaultConcurrency();
  if (!Number.isInteger(blockSize) || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
    throw new RangeError(
      `deflate blockSize must be an integer from ${MIN_BLOCK_SIZE} to ${MAX_BLOCK_SIZE}, got ${blockSize}`,
    );
  }
  if (!Number.isInteger(maxBlocksInFlight) || maxBlocksInFlight < 1 || maxBlocksInFlight > 256) {
    throw new RangeError(
      `deflate maxBlocksInFlight must be an integer from 1 to 256, got ${maxBlocksInFlight}`,
    );
  }
  return { blockSize, maxBlocksInFlight };
}

/**
 * One block of a pigz-style stream: raw deflate of `input` primed with `dictionary` (the 32 KiB of input before it),
 * ending byte-aligned with a sync flush, or with Z_FINISH when it is the stream's last block. Runs on the libuv
 * thread pool. The same input, dictionary and level always give the same bytes, wherever the block is compressed.
 *
 * `expectedBytes` (what a similar block deflated to) sizes the output buffer; without it, room is made for the
 * worst case. Either way the bytes are the same: only how many visits to the thread pool they take differs.
 */
export function deflateBlock(
  input: Buffer,
  dictionary: Buffer | undefined,
  level: number,
  last: boolean,
  expectedBytes?: number,
): Promise<Buffer> {
  const flush = last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
  return new Promise((resolve, reject) =>
    deflateRaw(
      input,
      {
        level,
        ...(dictionary ? { dictionary } : {}),
        // Both: zlib's one-shot API takes the input with `flush`, then calls again with `finishFlush`. With the
        // same flag twice, all the work and output come with the first call; the second finds nothing to do.
        flush,
        finishFlush: flush,
        chunkSize: outputChunkSize(input.length, expectedBytes),
      },
      (err, output) => (err ? reject(err) : resolve(output)),
    ),
  );
}

/**
 * The output buffer for one block. zlib fills it in one visit to the thread pool when the output fits (another
 * visit, and a copy joining the pieces, when not), and a block's output keeps its whole buffer alive until it is
 * written: 515 KiB for every 512 KiB block would be four times what dump data deflates to. So a quarter more than a
 * similar block's output, and never more than the worst case (deflate grows incompressible data by a few bytes per
 * 16 KiB).
 */
export function outputChunkSize(inputBytes: number, expectedBytes?: number): number {
  const worstCase = inputBytes + (inputBytes >> 8) + 1024;
  if (expectedBytes === undefined || !(expectedBytes >= 0)) return worstCase;
  return Math.min(worstCase, Math.max(MIN_OUTPUT_CHUNK, Math.ceil(expectedBytes * 1.25) + 1024));
}

/** zlib's own default output chunk size; smaller buffers only mean more visits. */
const MIN_OUTPUT_CHUNK = 16 * 1024;

/**
 * Blocks of an entry's data that were deflated before the entry's turn (while its export was still writing the
 * file: src/archive/deflate-ahead.ts). Asked for each block in input order; gives its output only when it was
 * made from exactly these bytes with this dictionary, at the same block size and level.
 */
export interface DeflatedAhead {
  readonly blockSize: number;
  readonly level: number;
  take(index: number, input: Buffer, dictionary: Buffer | undefined): Promise<Buffer | undefined>;
}

/** How the input is cut and how much of it is compressed at once; the defaults suit any machine. */
export interface ParallelDeflateTuning {
  /** Uncompressed bytes per block (at least 64 KiB); default DEFAULT_BLOCK_SIZE. */
  blockSize?: number;
  /**
   * Most blocks held at once, from the moment a block is handed to zlib until its output has been passed on
   * (so blocks compressing plus blocks done but waiting for an earlier one). Default 2 x defaultConcurrency().
   */
  maxBlocksInFlight?: number;
}

export interface ParallelDeflateOptions extends ParallelDeflateTuning {
  /** zlib level, 1..9. */
  level: number;
  /** Blocks already deflated: used where they match, the others are compressed as usual. */
  ahead?: DeflatedAhead;
  /**
   * Where input chunks go once nothing here needs them: each chunk is given back exactly once, after its bytes
   * were copied into a block, or after its block and the next one (primed with its last 32 KiB) were deflated.
   * Not after a failure: then they are left to the garbage collector.
   */
  recycle?: InputRecycler;
}

/** Takes back input chunks (src/archive/block-pool.ts); ignores chunks it did not hand out. */
export interface InputRecycler {
  give(chunk: Buffer): void;
}

/** What a zip header needs to know about an entry's data once it has gone through. */
export interface EntryDataStream extends Transform {
  readonly crc: number;
  readonly size: number;
  readonly compressedSize: number;
}

/** The stream an entry's data goes through: deflated on several threads, or passed on as is (stored). */
export function entryDataStream(
  method: 'deflate' | 'store',
  level: number,
  tuning: ParallelDeflateTuning = {},
  ahead?: DeflatedAhead,
  recycle?: InputRecycler,
): EntryDataStream {
  // Stored data goes out as it came in: its chunks are the output's and are never given back.
  return method === 'deflate' ? new ParallelDeflate({ ...tuning, level, ahead, recycle }) : new Crc32Size();
}

/** CRC-32 and size of data passed through unchanged (a stored entry). */
export class Crc32Size extends Transform implements EntryDataStream {
  crc = 0;
  size = 0;

  get compressedSize(): number {
    return this.size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    callback(null, chunk);
  }
}

interface Block {
  /** The input chunk that is the block itself (taken without a copy), to be given back once done with. */
  chunk?: Buffer;
  output?: Buffer;
}

/**
 * Raw deflate of one stream using several threads, the way pigz does it: the input is cut into blocks that
 * zlib compresses concurrently on the libuv thread pool, each primed with the 32 KiB of input before it; all
 * blocks but the last end with a sync flush (byte-aligned, not final) and the last with Z_FINISH, so their
 * concatenation is one valid deflate stream. Output comes out in input order.
 *
 * Memory is bounded: at most `maxBlocksInFlight` blocks (input, zlib state, output) exist at once, plus the block
 * being filled; when that many are out, or the reader of the output is behind, input waits.
 *
 * Also computes what a zip header needs: CRC-32 and size of the input, size of the output.
 */
export class ParallelDeflate extends Transform implements EntryDataStream {
  /** CRC-32 of the input so far. */
  crc = 0;
  /** Input bytes so far. */
  size = 0;
  /** Output bytes so far. */
  compressedSize = 0;
  /** The most blocks that were ever in flight at once: never more than `maxBlocksInFlight`. */
  peakBlocksInFlight = 0;
  /** The most blocks that were ever with zlib at once: never more than `maxCompressing`. */
  peakCompressing = 0;
  /** Blocks handed to zlib (or taken from `ahead`) so far. */
  blocks = 0;
  /** Blocks whose output came from `ahead`. */
  blocksAhead = 0;

  readonly blockSize: number;
  readonly maxBlocksInFlight: number;
  /** Most blocks with zlib at once: one pool thread less than the pool has (never more than maxBlocksInFlight). */
  readonly maxCompressing: number;
  readonly #level: number;
  readonly #ahead: DeflatedAhead | undefined;
  readonly #recycle: InputRecycler | undefined;
  /** The chunk of the block pushed last: the next block's dictionary comes from it. */
  #lastPushedChunk: Buffer | undefined;
  /** `#current` is an input chunk taken as the block (not a buffer of our own). */
  #currentIsChunk = false;
  /** Blocks handed to zlib whose output has not been pushed yet, in input order. */
  readonly #inFlight: Block[] = [];
  /** The block being filled (none until input comes that is not one whole block), and how much of it is. */
  #current: Buffer | undefined;
  #filled = 0;
  /** The last 32 KiB of the block before `#current`, for the dictionary. */
  #dictionary: Buffer | undefined;
  /** Blocks handed to zlib and not back yet; at most maxCompressing. */
  #compressing = 0;
  /** Output per input byte of the last block that came back: sizes the next blocks' output buffers. */
  #ratio: number | undefined;
  /** The reader of the output is behind: the last push() said to stop, and no _read() came since. */
  #outputBlocked = false;
  /** Called once there is room for one more block (or the stream failed). */
  #waiting: (() => void) | undefined;
  #failure: Error | undefined;

  constructor(options: ParallelDeflateOptions) {
    if (!Number.isInteger(options.level) || options.level < 1 || options.level > 9) {
      throw new RangeError(`ParallelDeflate: level must be an integer from 1 to 9, got ${options.level}`);
    }
    const { blockSize, maxBlocksInFlight } = checkDeflateTuning(options);
    // One block of output waiting downstream is enough to keep the consumer busy.
    super({ readableHighWaterMark: blockSize });
    this.blockSize = blockSize;
    this.maxBlocksInFlight = maxBlocksInFlight;
    // zlib's jobs share the libuv pool with file reads and writes: keep a thread free for those, so the input
    // keeps coming and the output keeps going while every other thread compresses.
    this.maxCompressing = Math.max(1, Math.min(maxBlocksInFlight, threadPoolSize() - 1));
    this.#level = options.level;
    // Blocks deflated ahead are only the same blocks when cut and compressed the same way.
    const { ahead } = options;
    this.#ahead = ahead && ahead.blockSize === blockSize && ahead.level === options.level ? ahead : undefined;
    this.#recycle = options.recycle;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = crc32(chunk, this.crc);
    this.size += chunk.length;
    this.#consume(chunk, 0, callback);
  }

  override _flush(callback: TransformCallback): void {
    // Whatever is left, even nothing at all, is the last block: Z_FINISH closes the stream.
    this.#whenRoom(() => {
      if (this.#current && this.#filled === this.#current.length) this.#dispatch(this.#current, true);
      else this.#dispatch(this.#current?.subarray(0, this.#filled) ?? Buffer.alloc(0), true);
      this.#whenAllOut(() => {
        this.#giveBack(this.#lastPushedChunk);
        this.#lastPushedChunk = undefined;
        callback();
      });
    });
  }

  override _read(size: number): void {
    // The reader wants more. (Its buffer may still count what it is about to take, so readableLength is no
    // guide here: _read is the signal.)
    this.#outputBlocked = false;
    this.#wake();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#failure ??= error ?? new Error('ParallelDeflate destroyed');
    this.#wake();
    callback(error);
  }

  /** Copies `chunk` from `at` into blocks, handing each full block to zlib once it is known not to be the last. */
  #consume(chunk: Buffer, at: number, callback: TransformCallback): void {
    while (at < chunk.length) {
      if (this.#filled === this.blockSize) {
        // More input follows, so the full block is not the last; wait for room before handing it over.
        if (!this.#hasRoom()) {
          this.#whenRoom(() => this.#consume(chunk, at, callback));
          return;
        }
        const full = this.#current!;
        this.#dispatch(full, false);
        this.#dictionary = full.subarray(full.length - WINDOW);
        this.#current = undefined;
        this.#filled = 0;
      }
      if (this.#filled === 0 && at === 0 && chunk.length === this.blockSize) {
        // A chunk that is exactly one block (the archive reads block-sized chunks) becomes the block uncopied.
        this.#current = chunk;
        this.#currentIsChunk = true;
        this.#filled = chunk.length;
        callback();
        return;
      }
      if (!this.#current) {
        this.#current = Buffer.allocUnsafe(this.blockSize);
        this.#currentIsChunk = false;
      }
      const n = chunk.copy(this.#current, this.#filled, at);
      this.#filled += n;
      at += n;
    }
    // Every byte of the chunk is copied into blocks of our own.
    this.#giveBack(chunk);
    callback();
  }

  #giveBack(chunk: Buffer | undefined): void {
    if (chunk && this.#recycle && !this.#failure) this.#recycle.give(chunk);
  }

  #hasRoom(): boolean {
    return (
      this.#inFlight.length < this.maxBlocksInFlight &&
      this.#compressing < this.maxCompressing &&
      !this.#outputBlocked
    );
  }

  /** Runs `next` once there is room for another block (never, once the stream is destroyed). */
  #whenRoom(next: () => void): void {
    const attempt = (): void => {
      if (this.#failure) {
        // Destroyed: the stream reports its error itself; nothing more is read or written.
        this.#waiting = undefined;
      } else if (this.#hasRoom()) {
        this.#waiting = undefined;
        next();
      } else {
        this.#waiting = attempt;
      }
    };
    attempt();
  }

  /** Calls `callback` once every block's output has been pushed (never, once the stream is destroyed). */
  #whenAllOut(callback: TransformCallback): void {
    const attempt = (): void => {
      if (this.#failure) {
        this.#waiting = undefined;
      } else if (this.#inFlight.length === 0) {
        this.#waiting = undefined;
        callback();
      } else {
        this.#waiting = attempt;
      }
    };
    attempt();
  }

  #wake(): void {
    this.#waiting?.();
  }

  #dispatch(input: Buffer, last: boolean): void {
    const block: Block = this.#currentIsChunk && input === this.#current ? { chunk: input } : {};
    const index = this.blocks++;
    const dictionary = this.#dictionary;
    this.#inFlight.push(block);
    this.peakBlocksInFlight = Math.max(this.peakBlocksInFlight, this.#inFlight.length);
    this.#compressing++;
    this.peakCompressing = Math.max(this.peakCompressing, this.#compressing);
    // The last block ends the stream (Z_FINISH), which a block deflated ahead never does.
    // A block that cannot be had from there (not deflated ahead, changed since, unreadable) is compressed here.
    const ahead =
      this.#ahead && !last ? this.#ahead.take(index, input, dictionary).catch(() => undefined) : undefined;
    const output = (ahead ?? Promise.resolve(undefined)).then((done) => {
      if (!done) return deflateBlock(input, dictionary, this.#level, last, this.#expectedBytes(input.length));
      this.blocksAhead++;
      return done;
    });
    output.then(
      (out) => {
        this.#compressing--;
        if (input.length > 0) this.#ratio = out.length / input.length;
        block.output = out;
        this.#emitReady();
      },
      (err: unknown) => {
        this.#compressing--;
        this.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  #expectedBytes(inputBytes: number): number | undefined {
    return this.#ratio === undefined ? undefined : this.#ratio * inputBytes;
  }

  /** Pushes the outputs that are ready, in input order, and lets waiting input in. */
  #emitReady(): void {
    if (this.#failure) return;
    while (this.#inFlight.length > 0 && this.#inFlight[0]!.output) {
      const block = this.#inFlight.shift()!;
      const output = block.output!;
      // This block was primed with the end of the one before, which nothing needs any more.
      this.#giveBack(this.#lastPushedChunk);
      this.#lastPushedChunk = block.chunk;
      this.compressedSize += output.length;
      if (!this.push(output)) this.#outputBlocked = true;
    }
    this.#wake();
  }
}
