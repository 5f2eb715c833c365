import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** SHA-256 and size of a file, read as a stream so memory stays flat whatever the size. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hasher = new HashingPassThrough();
  // Drain the hasher's readable side so the data keeps flowing; nothing is kept.
  hasher.resume();
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hasher);
  return { sha256: hasher.digest(), bytes: hasher.bytes };
}

/** Passes data through unchanged while counting bytes and computing their SHA-256. */
export class HashingPassThrough extends Transform {
  #hash: Hash = createHash('sha256');
  #digest: string | undefined;
  #onData: ((chunkBytes: number) => void) | undefined;
  bytes = 0;

  /** `onData` sees the size of every chunk, e.g. for progress, without putting the stream in flowing mode. */
  constructor(options: { onData?: (chunkBytes: number) => void } = {}) {
    super();
    this.#onData = options.onData;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.#onData?.(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#digest = this.#hash.digest('hex');
    callback();
  }

  /** Hex SHA-256 of everything that went through; only valid once the stream has ended. */
  digest(): string {
    if (this.#digest === undefined)
      throw new Error('HashingPassThrough.digest() called before the stream ended');
    return this.#digest;
  }
}
