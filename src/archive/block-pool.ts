import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

// Read buffers used over and over. The archive reads each dump in block-sized chunks that become deflate blocks;
// allocated afresh, they were a dump's size in 512 KiB Buffers per dump, each freed only at V8's next full
// collection, and the dead ones between collections set much of the process's peak. Here a block's buffer goes
// back to its pool once deflated (ParallelDeflate gives it back) and the next read fills it again.

/**
 * Block-sized buffers handed out and given back. Only the pool's own buffers are taken back, each once per time it
 * was handed out: anything else given (a caller's own Buffer, a slice) is left to the garbage collector.
 */
export class BlockPool {
  /** Buffers handed out and not given back yet. */
  readonly #out = new Set<Buffer>();
  readonly #free: Buffer[] = [];

  /** `keep`: the most free buffers kept for reuse (others are dropped when given back). */
  constructor(
    readonly blockSize: number,
    readonly keep: number,
  ) {}

  take(): Buffer {
    const buffer = this.#free.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
    this.#out.add(buffer);
    return buffer;
  }

  /** Nothing uses `buffer` any more: it may be filled again. */
  give(buffer: Buffer): void {
    if (!this.#out.delete(buffer)) return;
    if (this.#free.length < this.keep) this.#free.push(buffer);
  }

  /** Buffers handed out and not back, and kept free: for tests and the curious. */
  get counts(): { out: number; free: number } {
    return { out: this.#out.size, free: this.#free.length };
  }
}

/**
 * A file as a stream of `pool.blockSize` chunks (the last one shorter) read into the pool's buffers. Whoever ends
 * up with a chunk gives it back to the pool when done with it; a chunk never given back is only garbage.
 */
export class PooledFileReader extends Readable {
  readonly #file: string;
  readonly #pool: BlockPool;
  #handle: FileHandle | undefined;
  #position = 0;

  constructor(file: string, pool: BlockPool) {
    // One chunk waiting is enough: the next read starts as soon as it is taken.
    super({ highWaterMark: pool.blockSize });
    this.#file = file;
    this.#pool = pool;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.#file, 'r').then(
      (handle) => {
        this.#handle = handle;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _read(): void {
    void this.#readBlock().then(
      (chunk) => this.push(chunk),
      (err: Error) => this.destroy(err),
    );
  }

  /** The next chunk, or null at the end of the file. */
  async #readBlock(): Promise<Buffer | null> {
    const buffer = this.#pool.take();
    const size = buffer.length;
    let filled = 0;
    try {
      while (filled < size) {
        const { bytesRead } = await this.#handle!.read(
          buffer,
          filled,
          size - filled,
          this.#position + filled,
        );
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } catch (err) {
      this.#pool.give(buffer);
      throw err;
    }
    this.#position += filled;
    if (filled === size) return buffer;
    this.#pool.give(buffer);
    // The file's last, shorter chunk: a copy, as the pool's buffer goes back at once.
    return filled === 0 ? null : Buffer.from(buffer.subarray(0, filled));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      (err: Error) => callback(error ?? err),
    );
  }
}
