import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createZipArchive } from '../src/archive/zip-writer.js';

/** Files whose name ends with this fail with EIO once this many bytes have been read from them. */
const FAILING = '.fails-after-3MiB';
const FAIL_AFTER = 3 * 1024 * 1024;

// A disk that fails in the middle of a file cannot be made on demand, so the writer's file handles are wrapped:
// reads of a FAILING file pass the real data through, then fail the way a bad sector does (EIO) once that handle
// has read FAIL_AFTER bytes (the compressibility probe reads far less through its own handle).
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (!String(args[0]).endsWith(FAILING)) return handle;
    let seen = 0;
    const read = handle.read.bind(handle) as (...a: unknown[]) => Promise<{ bytesRead: number }>;
    return Object.assign(Object.create(handle) as typeof handle, {
      read: async (...a: unknown[]) => {
        const result = await read(...a);
        seen += result.bytesRead;
        if (seen > FAIL_AFTER) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        return result;
      },
      close: () => handle.close(),
      stat: () => handle.stat(),
    });
  }) as typeof real.open;
  return { ...real, default: { ...real, open }, open };
});

let dir: string;
let bad: string;
let good: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-read-error-'));
  await mkdir(path.join(dir, 'in'));
  // Compressible rows, so the entry is deflated on several threads rather than stored.
  const rows: string[] = [];
  for (let n = 0; n < 300_000; n++) rows.push(`${n},NAME_${n % 977},${randomBytes(3).toString('hex')}\n`);
  const data = Buffer.from(rows.join(''));
  expect(data.length).toBeGreaterThan(2 * FAIL_AFTER);
  bad = path.join(dir, 'in', `HR.dmp${FAILING}`);
  good = path.join(dir, 'in', 'SALES.dmp');
  await writeFile(bad, data);
  await writeFile(good, data.subarray(0, 1024 * 1024));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a read error in the middle of an entry deflated on several threads', () => {
  for (const password of [undefined, 'S3cret']) {
    it(`rejects naming the file and the error, and leaves nothing behind${password ? ' (AES)' : ''}`, async () => {
      const outDir = path.join(dir, 'out', password ? 'aes' : 'plain');
      const progress: number[] = [];
      await expect(
        createZipArchive({
          path: path.join(outDir, 'x.zip'),
          entries: [
            { name: 'SALES.dmp', file: good },
            { name: 'HR.dmp', file: bad },
            { name: 'manifest.json', content: '{}' },
          ],
          level: 6,
          password,
          deflate: { blockSize: 64 * 1024, maxBlocksInFlight: 4 },
          onProgress: (n) => progress.push(n),
        }),
      ).rejects.toThrow(`cannot read input file ${bad} (entry HR.dmp): input/output error (EIO)`);
      // It failed in the middle of HR.dmp, after the first entry and part of the second went in.
      expect(progress.at(-1)).toBeGreaterThan(1024 * 1024 + 64 * 1024);
      expect(progress.at(-1)).toBeLessThanOrEqual(1024 * 1024 + FAIL_AFTER);
      expect(await readdir(outDir)).toEqual([]);
    });
  }
});
