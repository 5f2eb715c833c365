import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullCollection, memoryLine, watchMemory } from '../src/memory-watch.js';

const MiB = 1024 * 1024;

/** Waits until the Buffer memory V8 reports stops going down (its sweeping after a collection is over). */
async function settled(): Promise<void> {
  let last = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = process.memoryUsage().arrayBuffers;
    if (now >= last) return;
    last = now;
  }
}

describe('watchMemory', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the highest heap and buffer figures it sampled, and stops sampling when stopped', () => {
    vi.useFakeTimers();
    const readings = [
      { heapUsed: 10 * MiB, heapTotal: 20 * MiB, arrayBuffers: 5 * MiB },
      { heapUsed: 12 * MiB, heapTotal: 20 * MiB, arrayBuffers: 40 * MiB },
      { heapUsed: 30 * MiB, heapTotal: 40 * MiB, arrayBuffers: 8 * MiB },
      { heapUsed: 11 * MiB, heapTotal: 40 * MiB, arrayBuffers: 6 * MiB },
    ];
    let next = 0;
    const sample = vi.fn(() => readings[Math.min(next++, readings.length - 1)]!);
    const watch = watchMemory({ intervalMs: 50, sample, collect: undefined, peakRss: () => 150 * MiB });
    expect(sample).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(100);
    expect(sample).toHaveBeenCalledTimes(3);

    const figures = watch.stop();
    expect(figures).toEqual({
      peakRssBytes: 150 * MiB,
      peakHeapUsedBytes: 30 * MiB,
      peakBuffersBytes: 40 * MiB,
      samples: 4,
      collections: 0,
      collectionMs: 0,
    });
    vi.advanceTimersByTime(1000);
    expect(sample).toHaveBeenCalledTimes(4);
    // Stopping again gives the same figures and samples nothing more.
    expect(watch.stop()).toBe(figures);
    expect(sample).toHaveBeenCalledTimes(4);
  });

  it('asks for a full collection once Buffers exceed the lowest level since the last one by the threshold', () => {
    vi.useFakeTimers();
    // Buffers in MiB at each sample.
    const levels = [20, 10, 30, 35, 30, 20, 45, 15];
    let next = 0;
    const sample = vi.fn(() => ({
      heapUsed: 10 * MiB,
      heapTotal: 20 * MiB,
      arrayBuffers: levels[next++]! * MiB,
    }));
    const collect = vi.fn();
    const watch = watchMemory({ intervalMs: 50, sample, collect, collectAboveBytes: 24 * MiB });
    // 20, 10 (the floor), 30: within 24 MiB of it.
    vi.advanceTimersByTime(100);
    expect(collect).not.toHaveBeenCalled();
    // 35 is 25 MiB above 10: collect. The memory is freed after the collection, so the floor starts again.
    vi.advanceTimersByTime(50);
    expect(collect).toHaveBeenCalledTimes(1);
    // 30, then 20 (the floor): 45 is 25 above it: collect again.
    vi.advanceTimersByTime(100);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(50);
    expect(collect).toHaveBeenCalledTimes(2);
    const figures = watch.stop();
    expect(figures.collections).toBe(2);
    expect(figures.peakBuffersBytes).toBe(45 * MiB);
    expect(figures.samples).toBe(8);
  });

  it("also asks for one when V8's heap has grown by the threshold since the last one (its young generation grows)", () => {
    vi.useFakeTimers();
    // V8's heap in MiB at each sample; the Buffers stay put.
    const heaps = [30, 25, 40, 42, 20, 30, 37, 37];
    let next = 0;
    const sample = vi.fn(() => ({
      heapUsed: 10 * MiB,
      heapTotal: heaps[next++]! * MiB,
      arrayBuffers: 5 * MiB,
    }));
    const collect = vi.fn();
    const watch = watchMemory({ intervalMs: 10, sample, collect, heapGrowthBytes: 16 * MiB });
    // 30, 25 (the floor), 40: 15 MiB of growth.
    vi.advanceTimersByTime(20);
    expect(collect).not.toHaveBeenCalled();
    // 42 is 17 above 25: collect. The floor starts again from the next sample: 20.
    vi.advanceTimersByTime(10);
    expect(collect).toHaveBeenCalledTimes(1);
    // 30, 37 (17 above 20): collect again; 37 after it is the new floor.
    vi.advanceTimersByTime(30);
    expect(collect).toHaveBeenCalledTimes(2);
    // Asked for by the run (before it loads its reporting modules): counted like the others.
    watch.collectNow();
    expect(collect).toHaveBeenCalledTimes(3);
    expect(watch.stop().collections).toBe(3);
    // Without V8's collection there is nothing to ask for.
    const without = watchMemory({ sample, collect: undefined });
    without.collectNow();
    expect(without.stop().collections).toBe(0);
  });

  it('V8 full collection: can be had at run time, and frees Buffers no longer referenced', async () => {
    const collect = fullCollection();
    expect(collect).toBeTypeOf('function');
    // The main context did not get a gc of its own (unless the process was started with --expose-gc).
    if (!process.execArgv.includes('--expose-gc'))
      expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    collect!();
    await settled();
    const before = process.memoryUsage().arrayBuffers;
    // Made and dropped inside a function: nothing refers to them once it returns.
    const whileHeld = ((): number => {
      const garbage = Array.from({ length: 16 }, () => Buffer.alloc(MiB, 1));
      return garbage.length && process.memoryUsage().arrayBuffers;
    })();
    expect(whileHeld).toBeGreaterThanOrEqual(before + 16 * MiB);
    collect!();
    // V8 frees the Buffers' memory on a helper thread right after the collection.
    await settled();
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(before + 4 * MiB);
  });

  it('by default reads this process: the peak resident size is at least what it uses now', () => {
    const watch = watchMemory({ collect: undefined });
    const held = Buffer.alloc(8 * MiB, 1);
    const figures = watch.stop();
    expect(held[held.length - 1]).toBe(1);
    expect(figures.samples).toBe(2);
    expect(figures.peakRssBytes).toBeGreaterThanOrEqual(process.memoryUsage().rss - MiB);
    expect(figures.peakHeapUsedBytes).toBeGreaterThan(0);
    expect(figures.peakBuffersBytes).toBeGreaterThanOrEqual(8 * MiB);
  });

  it('says it in one line, sizes as the rest of the run log gives them', () => {
    expect(
      memoryLine({
        peakRssBytes: 142.4 * MiB,
        peakHeapUsedBytes: 14 * MiB,
        peakBuffersBytes: 33.6 * MiB,
        samples: 600,
        collections: 3,
        collectionMs: 41.4,
      }),
    ).toBe(
      'memory: peak 142.4 MiB resident (JavaScript heap 14.0 MiB, buffers 33.6 MiB; 3 garbage collection(s) ' +
        'asked for, 41 ms)',
    );
  });
});
