import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import { readAt } from '../read-at.js';

const deflateRawAsync = promisify(deflateRaw);

/**
 * Above this compressed/original ratio the data is taken as already compressed: deflating it would burn CPU
 * for less than 3 % (Data Pump's COMPRESSION=ALL output, or encrypted dumps, come out at 99-100 %).
 */
export const INCOMPRESSIBLE_RATIO = 0.97;
const SAMPLES = 8;
const SAMPLE_SIZE = 64 * 1024;
/** Smaller files are always deflated: too little to save any time, and deflate never grows data by much. */
export const MIN_PROBED_SIZE = 64 * 1024;

export interface CompressibilityProbe {
  /** Bytes of the file that were deflated. */
  sampled: number;
  /** What they deflated to. */
  compressed: number;
  /** `compressed / sampled` is above INCOMPRESSIBLE_RATIO (never for files under MIN_PROBED_SIZE). */
  incompressible: boolean;
}

/**
 * Tells whether a file is worth deflating, by deflating a few samples of it (512 KiB at most, at the level that
 * would be used) spread evenly over the file rather than only its start: a dump begins with a header and
 * metadata that compress well even when the table data after them does not.
 *
 * The compression method is written in the zip entry's header before its data, so it must be chosen first; the
 * probe costs a fraction of a second whatever the file's size, and the file is still read only once in full.
 */
export async function probeCompressibility(file: string, level: number): Promise<CompressibilityProbe> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size < MIN_PROBED_SIZE) return { sampled: 0, compressed: 0, incompressible: false };
    const ranges: Array<[start: number, length: number]> =
      size <= SAMPLES * SAMPLE_SIZE
        ? [[0, size]]
        : Array.from({ length: SAMPLES }, (_, i) => {
            // The middle of each of SAMPLES equal slices.
            const centre = Math.floor(((2 * i + 1) * size) / (2 * SAMPLES));
            return [centre - SAMPLE_SIZE / 2, SAMPLE_SIZE];
          });
    const samples = await Promise.all(ranges.map(([start, length]) => readAt(handle, start, length)));
    const compressed = await Promise.all(samples.map((sample) => deflateRawAsync(sample, { level })));
    const sampled = samples.reduce((sum, s) => sum + s.length, 0);
    const out = compressed.reduce((sum, c) => sum + c.length, 0);
    return { sampled, compressed: out, incompressible: sampled > 0 && out > sampled * INCOMPRESSIBLE_RATIO };
  } finally {
    await handle.close();
  }
}
