import type { FileHandle } from 'node:fs/promises';

/**
 * Up to `length` bytes of a file from `position`: fewer only at its end. Into `into` when given (at least `length`
 * bytes, reused by a caller that reads a lot), else into a new buffer.
 */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  into?: Buffer,
): Promise<Buffer> {
  const data = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(data, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? data : data.subarray(0, done);
}
