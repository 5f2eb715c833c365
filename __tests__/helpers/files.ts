// Small test helpers for files on disk and waiting on them.
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Table-like rows of `size` bytes: compressible, but not trivially (about 3:1, like a dump). */
export function tableRows(size: number): Buffer {
  const rows: string[] = [];
  let length = 0;
  for (let n = 0; length < size; n++) {
    const row = `${n},EMPLOYEE_${n % 977},${(n * 7919) % 100000},DEPT_${n % 31},${randomBytes(3).toString('hex')}\n`;
    rows.push(row);
    length += row.length;
  }
  return Buffer.from(rows.join('')).subarray(0, size);
}

/** Flips every bit of one byte of a file, in place: a corruption at a chosen offset. */
export async function flipByte(file: string, at: number): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
}

/** Waits (bounded) until `condition` holds; false when it never did. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}
