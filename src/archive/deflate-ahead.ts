import { open, statfs, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { readAt } from '../read-at.js';
import { BlockPool } from './block-pool.js';
import { describeError } from './errors.js';
import {
  DEFAULT_BLOCK_SIZE,
  defaultConcurrency,
  deflateBlock,
  WINDOW,
  type DeflatedAhead,
} from './parallel-deflate.js';
import { INCOMPRESSIBLE_RATIO } from './compressibility.js';
import { localFile, removeFile } from '../deletion.js';

// Deflating a dump while its export writes it. A paced export (one Data Pump worker writes tens of MB/s) leaves the
// runner's cores mostly idle; compressing the growing file in the pigz-style blocks the archive will use means
// that, when the export ends, the zip only has to check and copy blocks that are already deflated.
//
// Nothing here is trusted: Data Pump rewrites a dump file's header when the job ends (and a worker may fill a
// region after a later one), so every block is taken into the archive only if the final file still holds exactly
// the bytes it was deflated from, with the same 32 KiB before it (CRC-32 of both, checked block by block as the
// archive reads the file); the others are compressed then, as without this. The archive's own verification
// (each entry inflated and hashed against the file as read) stays the proof that the backup is right.
//
// The compressed blocks wait in a spool file in work-dir (about the size of the schema's share of the archive),
// as records [index, raw length, raw CRC, dictionary CRC, output length] + output, in block order.

const RECORD_HEADER = 20;
/** The reserve is checked every this many blocks written to the spool (and before the first). */
const SPACE_CHECK_EVERY = 16;
/** After this many blocks a dump that does not compress is left alone (the archive will store it). */
const INCOMPRESSIBLE_AFTER = 8;
const GiB = 1024 ** 3;

export interface DeflateAheadOptions {
  /** The dump file the export is writing; it may not exist yet. */
  file: string;
  /** Where the deflated blocks wait: a hidden name in work-dir, removed when given up or released. */
  spool: string;
  /** zlib level, 1..9: the archive's. */
  level: number;
  /** The archive's deflate block size (default DEFAULT_BLOCK_SIZE). */
  blockSize?: number;
  /** Blocks with zlib at once (default defaultConcurrency()). */
  concurrency?: number;
  /** Shared with the other files being deflated ahead, so that together they keep to the machine's cores. */
  slots?: DeflateSlots;
  /** How often the file's size is looked at while no whole block waits; default 100 ms. */
  pollMs?: number;
  /**
   * Free bytes the spool must leave on its file system (the export and the archive need the room more): below
   * that, deflating ahead stops and the spool is removed at once. Default: a tenth of the file system, 1 GiB at
   * least.
   */
  reserveBytes?: number;
}

/** What deflating ahead did, for the log. */
export interface DeflateAheadStats {
  blocks: number;
  bytesIn: number;
  bytesOut: number;
  /** Why it stopped before the export ended (nothing of it is used then). */
  gaveUp?: string;
}

/**
 * Follows a file while another process writes it and deflates its whole blocks into a spool, in the background,
 * from construction until `finish` (the export ended) or `discard`. Never throws: a problem (unreadable file, full
 * disk, a dump that does not compress) gives up, removes the spool and is reported in `stats.gaveUp`.
 */
export class DeflateAhead {
  readonly stats: DeflateAheadStats = { blocks: 0, bytesIn: 0, bytesOut: 0 };
  readonly #file: string;
  readonly #spool: string;
  readonly #level: number;
  readonly #blockSize: number;
  readonly #concurrency: number;
  readonly #pollMs: number;
  readonly #reserve: number | undefined;
  readonly #slots: DeflateSlots | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(options: DeflateAheadOptions) {
    this.#file = options.file;
    this.#spool = options.spool;
    this.#level = options.level;
    this.#blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    this.#concurrency = options.concurrency ?? defaultConcurrency();
    this.#pollMs = options.pollMs ?? 100;
    this.#reserve = options.reserveBytes;
    this.#slots = options.slots;
    this.#done = this.#follow();
  }

  /**
   * The file is final (its export ended): no more blocks are taken. Resolves with the blocks deflated so far for
   * the archive to use, or undefined (nothing deflated, or given up; the spool is gone then).
   */
  async finish(): Promise<AheadSpool | undefined> {
    this.#stop();
    await this.#done;
    if (this.stats.gaveUp === undefined && this.stats.blocks > 0) {
      // The archive will need about as many bytes as the spool holds, while the spool still holds them.
      const room = await this.#roomFor(this.stats.bytesOut).catch((err: unknown) => describeError(err));
      if (room === true) return new AheadSpool(this.#spool, this.#blockSize, this.#level);
      this.stats.gaveUp = room;
    }
    await removeSpool(this.#spool);
    return undefined;
  }

  /** Stops and removes the spool (the export failed or the run stops). */
  async discard(): Promise<void> {
    this.#stop();
    await this.#done;
    await removeSpool(this.#spool);
  }

  #stop(): void {
    this.#stopping = true;
    this.#wake?.();
  }

  /** Waits `pollMs`, or less when stopped meanwhile. */
  #pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#pollMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #follow(): Promise<void> {
    let source: FileHandle | undefined;
    let spool: FileHandle | undefined;
    // Blocks with zlib, oldest first: their records are written in block order.
    const inFlight: Array<Promise<Buffer[]>> = [];
    let spoolAt = 0;
    const writeOldest = async (): Promise<void> => {
      const record = await inFlight.shift()!;
      const { bytesWritten } = await spool!.writev(record, spoolAt);
      const length = record[0]!.length + record[1]!.length;
      if (bytesWritten !== length) throw new Error(`short write to ${this.#spool}`);
      spoolAt += length;
      this.stats.blocks++;
      this.stats.bytesOut += record[1]!.length;
    };
    try {
      spool = await open(this.#spool, 'wx', 0o600);
      let dictionary: Buffer | undefined;
      // What the last block deflated to, for the size of the next one's output buffer.
      let expected: number | undefined;
      // Blocks are read into a few buffers, each reused once zlib is done with its block.
      const readBuffers = new BlockPool(this.#blockSize, this.#concurrency + 1);
      let checkedAt = -1;
      for (let index = 0; !this.#stopping;) {
        if (index % SPACE_CHECK_EVERY === 0 && checkedAt !== index) {
          checkedAt = index;
          const room = await this.#roomFor(0);
          if (room !== true) throw new GiveUp(room);
        }
        source ??= await open(this.#file, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        const size = source ? (await source.stat()).size : 0;
        // A block is taken once the next one is written too: the one being filled is left alone.
        if (size < (index + 2) * this.#blockSize) {
          // Waiting for the export: write out what is deflated meanwhile.
          while (inFlight.length > 0) await writeOldest();
          await this.#pause();
          continue;
        }
        while (inFlight.length >= this.#concurrency) await writeOldest();
        const buffer = readBuffers.take();
        const input = await readAt(source!, index * this.#blockSize, this.#blockSize, buffer);
        if (input.length < this.#blockSize) throw new Error(`${this.#file} became shorter while it was read`);
        const header = Buffer.alloc(RECORD_HEADER);
        header.writeUInt32LE(index, 0);
        header.writeUInt32LE(input.length, 4);
        header.writeUInt32LE(crc32(input), 8);
        header.writeUInt32LE(dictionary ? crc32(dictionary) : 0, 12);
        const slots = this.#slots;
        if (slots) await slots.acquire();
        const output = deflateBlock(input, dictionary, this.#level, false, expected).then((out) => {
          header.writeUInt32LE(out.length, 16);
          expected = out.length;
          return [header, out];
        });
        // zlib is done with the block either way (the next block's dictionary is a copy).
        void output.finally(() => readBuffers.give(buffer)).catch(() => undefined);
        if (slots) void output.finally(() => slots.release()).catch(() => undefined);
        output.catch(() => undefined);
        inFlight.push(output);
        dictionary = Buffer.from(input.subarray(input.length - WINDOW));
        this.stats.bytesIn += input.length;
        index++;
        if (
          this.stats.blocks >= INCOMPRESSIBLE_AFTER &&
          this.stats.bytesOut > this.stats.blocks * this.#blockSize * INCOMPRESSIBLE_RATIO
        ) {
          throw new GiveUp('the dump does not compress (the archive stores it as it is)');
        }
      }
      while (inFlight.length > 0) await writeOldest();
    } catch (err) {
      this.stats.gaveUp = err instanceof GiveUp ? err.message : describeError(err);
      await Promise.allSettled(inFlight);
      // Given up: the room goes back to the export at once.
      await spool?.close().catch(() => undefined);
      spool = undefined;
      await removeSpool(this.#spool);
    } finally {
      await source?.close().catch(() => undefined);
      await spool?.close().catch(() => undefined);
    }
  }

  /** true when the spool's file system keeps its reserve after `more` bytes, else why not. */
  async #roomFor(more: number): Promise<true | string> {
    const fs = await statfs(dirname(this.#spool));
    const free = fs.bavail * fs.bsize;
    const reserve = this.#reserve ?? Math.max(GiB, (fs.blocks * fs.bsize) / 10);
    if (free - more >= reserve) return true;
    return (
      `${dirname(this.#spool)} has ${(free / GiB).toFixed(1)} GiB free; deflating ahead keeps ` +
      `${(reserve / GiB).toFixed(1)} GiB for the export and the archive`
    );
  }
}

class GiveUp extends Error {}

/** A count of blocks that may be with zlib at once, shared by several DeflateAhead. */
export class DeflateSlots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

async function removeSpool(file: string): Promise<void> {
  await removeFile(localFile(file), { kind: 'own-temporary' }).catch(() => undefined);
}

/**
 * The blocks a DeflateAhead left in its spool, as the archive's ParallelDeflate asks for them (in block order,
 * several at once). A record is used only if the block's bytes and the 32 KiB before it have the CRC-32 they had
 * when it was deflated; an unreadable spool only means that the blocks are compressed again.
 */
export class AheadSpool implements DeflatedAhead {
  /** Blocks given to the archive. */
  reused = 0;
  /** Blocks the archive had to compress itself (changed since, not deflated ahead, or the spool failed). */
  redone = 0;
  #handle: Promise<FileHandle> | undefined;
  /** Where the next record starts, and its header once read. */
  #cursor = 0;
  #next: SpoolRecord | undefined;
  #broken = false;
  /** Takes run one after another: they share the cursor. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly blockSize: number,
    readonly level: number,
  ) {}

  take(index: number, input: Buffer, dictionary: Buffer | undefined): Promise<Buffer | undefined> {
    const result = this.#queue.then(() => this.#take(index, input, dictionary));
    this.#queue = result;
    return result;
  }

  async #take(index: number, input: Buffer, dictionary: Buffer | undefined): Promise<Buffer | undefined> {
    if (!this.#broken) {
      try {
        const handle = await (this.#handle ??= open(this.path, 'r'));
        for (;;) {
          const record = (this.#next ??= await readRecordHeader(handle, this.#cursor));
          if (!record || record.index > index) break;
          this.#cursor += RECORD_HEADER + record.outLength;
          this.#next = undefined;
          if (record.index < index) continue;
          const same =
            record.rawLength === input.length &&
            record.rawCrc === crc32(input) &&
            record.dictionaryCrc === (dictionary ? crc32(dictionary) : 0);
          if (!same) break;
          // The next record's header comes with this one's output: one read per block.
          const read = await readAt(
            handle,
            this.#cursor - record.outLength,
            record.outLength + RECORD_HEADER,
          );
          if (read.length < record.outLength) throw new Error('the spool ends inside a record');
          if (read.length === record.outLength + RECORD_HEADER)
            this.#next = parseRecordHeader(read.subarray(record.outLength));
          this.reused++;
          return read.subarray(0, record.outLength);
        }
      } catch {
        this.#broken = true;
      }
    }
    this.redone++;
    return undefined;
  }

  /** Closes and removes the spool; safe to call more than once. */
  async release(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    this.#broken = true;
    await this.#queue.catch(() => undefined);
    await handle?.then((h) => h.close()).catch(() => undefined);
    await removeSpool(this.path);
  }
}

interface SpoolRecord {
  index: number;
  rawLength: number;
  rawCrc: number;
  dictionaryCrc: number;
  outLength: number;
}

async function readRecordHeader(handle: FileHandle, at: number): Promise<SpoolRecord | undefined> {
  const header = await readAt(handle, at, RECORD_HEADER);
  return header.length < RECORD_HEADER ? undefined : parseRecordHeader(header);
}

function parseRecordHeader(header: Buffer): SpoolRecord {
  return {
    index: header.readUInt32LE(0),
    rawLength: header.readUInt32LE(4),
    rawCrc: header.readUInt32LE(8),
    dictionaryCrc: header.readUInt32LE(12),
    outLength: header.readUInt32LE(16),
  };
}
