// The run's memory, watched while it works: the figures for the run log, and a lower peak that depends less on when
// V8 happens to collect.
//
// The archive moves several times the dump's size through short-lived Buffers (deflate and inflate outputs, the
// encrypted copy), while the JavaScript heap stays near 15 MiB. V8 frees a dead Buffer only at its next full
// collection, and with so small a heap those come 0.1-0.5 s apart, sometimes later: dead Buffers piled up to 60-75
// MiB in the malloc heap before one came, and the peak moved 175-205 MiB from run to run for the same dump. So the
// run samples its Buffers every 10 ms (5 us each) and, once they exceed the lowest level seen since the last
// collection by 16 MiB, asks V8 for a full collection there and then (20-30 ms with this heap). Sampling every 50 ms
// let the first seconds of an archive, where blocks deflated during the export are copied at disk speed, pile up
// 20 MiB more before a collection; 8 MiB above the floor meant hundreds of collections per GiB. It also asks for one
// when V8's own heap has grown 16 MiB since the last: its young generation grows over a long run, and the collection
// asked for is V8's memory-reducing one, which gives that room back (fullCollection). Measured in the notes.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatBytes } from './report/format.js';

export interface MemoryFigures {
  /** Peak resident set size of the process since it started (getrusage), in bytes. */
  peakRssBytes: number;
  /** Highest JavaScript heap in use seen while watching, in bytes. */
  peakHeapUsedBytes: number;
  /** Highest memory of ArrayBuffers and Buffers seen while watching, in bytes. */
  peakBuffersBytes: number;
  samples: number;
  /** Full collections the watch asked for, and the time they took. */
  collections: number;
  collectionMs: number;
}

export interface MemoryWatchOptions {
  intervalMs?: number;
  /** Buffers above the lowest level seen since the last collection that start one; default 16 MiB. */
  collectAboveBytes?: number;
  /** V8's heap grown this much above its size after the last collection also starts one; default 16 MiB. */
  heapGrowthBytes?: number;
  /** process.memoryUsage by default. */
  sample?: () => Pick<NodeJS.MemoryUsage, 'heapUsed' | 'heapTotal' | 'arrayBuffers'>;
  /** A full garbage collection; V8's by default, none where it cannot be had. */
  collect?: (() => void) | undefined;
  /** Peak resident set size in bytes; process.resourceUsage().maxRSS (KiB) by default. */
  peakRss?: () => number;
}

export const MEMORY_SAMPLE_INTERVAL_MS = 10;
export const COLLECT_ABOVE_BYTES = 16 * 1024 * 1024;
export const HEAP_GROWTH_BYTES = 16 * 1024 * 1024;

/**
 * V8's full collection. Its `gc` function exists only in contexts made while --expose-gc is set, so the flag is set
 * for the moment it takes to make one (the main context and the process's own flags stay as they were).
 */
export function fullCollection(): (() => void) | undefined {
  let gc: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc');
    } catch {
      gc = undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as (options?: { type: 'major'; flavor: 'last-resort' }) => void;
  // 'last-resort' is the collection V8 makes to reduce its memory (CollectAllAvailableGarbage): as well as the dead
  // objects it gives back the young generation's room, which grows over a long run (16 MiB of it for 1 GiB
  // archived, 64 MiB for 4 GiB) and then holds 4-9 MiB more resident; 10 ms more than a plain full collection.
  return () => collect({ type: 'major', flavor: 'last-resort' });
}

/** Starts sampling; `stop()` ends it and returns the figures. The timer never keeps the process alive. */
export function watchMemory(options: MemoryWatchOptions = {}): {
  /** A collection now, e.g. before work that needs new memory while the old is dead but not yet given back. */
  collectNow(): void;
  stop(): MemoryFigures;
} {
  const sample = options.sample ?? (() => process.memoryUsage());
  const peakRss = options.peakRss ?? (() => process.resourceUsage().maxRSS * 1024);
  const collect = 'collect' in options ? options.collect : fullCollection();
  const collectAbove = options.collectAboveBytes ?? COLLECT_ABOVE_BYTES;
  const heapGrowth = options.heapGrowthBytes ?? HEAP_GROWTH_BYTES;
  let peakHeapUsedBytes = 0;
  let peakBuffersBytes = 0;
  let samples = 0;
  let collections = 0;
  let collectionMs = 0;
  let floor = Infinity;
  let heapFloor = Infinity;
  const take = (): void => {
    const { heapUsed, heapTotal, arrayBuffers } = sample();
    samples++;
    peakHeapUsedBytes = Math.max(peakHeapUsedBytes, heapUsed);
    peakBuffersBytes = Math.max(peakBuffersBytes, arrayBuffers);
    floor = Math.min(floor, arrayBuffers);
    heapFloor = Math.min(heapFloor, heapTotal);
    if (arrayBuffers > floor + collectAbove || heapTotal > heapFloor + heapGrowth) collectNow();
  };
  const collectNow = (): void => {
    if (!collect) return;
    const started = performance.now();
    collect();
    collectionMs += performance.now() - started;
    collections++;
    // V8 frees the dead Buffers' memory on a helper thread after the collection: the next samples set the floors.
    floor = Infinity;
    heapFloor = Infinity;
  };
  take();
  const timer = setInterval(take, options.intervalMs ?? MEMORY_SAMPLE_INTERVAL_MS);
  timer.unref();
  let figures: MemoryFigures | undefined;
  return {
    collectNow,
    stop(): MemoryFigures {
      if (!figures) {
        clearInterval(timer);
        take();
        figures = {
          peakRssBytes: peakRss(),
          peakHeapUsedBytes,
          peakBuffersBytes,
          samples,
          collections,
          collectionMs,
        };
      }
      return figures;
    },
  };
}

/**
 * One line for the run log, sizes as everywhere else in it, e.g. "memory: peak 142.4 MiB resident (JavaScript heap
 * 14.0 MiB, buffers 33.6 MiB; 3 garbage collection(s) asked for, 41 ms)".
 */
export function memoryLine(figures: MemoryFigures): string {
  return (
    `memory: peak ${formatBytes(figures.peakRssBytes)} resident (JavaScript heap ` +
    `${formatBytes(figures.peakHeapUsedBytes)}, buffers ${formatBytes(figures.peakBuffersBytes)}; ` +
    `${figures.collections} garbage collection(s) asked for, ${Math.round(figures.collectionMs)} ms)`
  );
}
