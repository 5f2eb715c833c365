import { open } from 'node:fs/promises';
import { readAt } from '../read-at.js';
import type { ArchiveObserver } from './zip-writer.js';

/** How often a growing file is looked at again while a reader waits for bytes. */
const POLL_MS = 10;
/** Reads of at most 1 MiB, and of at least 256 KiB while the file is still growing (fewer, larger reads). */
export const READ_SIZE = 1024 * 1024;
export const MIN_READ = 256 * 1024;

/** Thrown to readers of a file whose writer failed, or who were told to stop. */
export class GrowingFileStopped extends Error {}

/**
 * A file as readers that follow its writer see it: which file, how many of its bytes are on disk, whether the
 * writer is done, and a way to wait for any of these to change. It observes an archive writer; readers (the
 * entry check, folder copies) read the file itself, never the writer's memory.
 */
export class GrowingFile implements ArchiveObserver {
  #file?: string;
  #bytesOnDisk: () => number = () => 0;
  /** The writer finished the file: every byte of it is on disk. */
  #complete = false;
  #stopped?: GrowingFileStopped;
  readonly #waiters = new Set<() => void>();

  get complete(): boolean {
    return this.#complete;
  }

  bytesOnDisk(): number {
    return this.#bytesOnDisk();
  }

  opened(file: string, bytesOnDisk: () => number): void {
    this.#file = file;
    this.#bytesOnDisk = bytesOnDisk;
    this.#notify();
  }

  entryStarted(): void {
    this.#notify();
  }

  entryEnded(): void {
    this.#notify();
  }

  closed(error?: Error): void {
    if (error) this.stop(`the file was not completed: ${error.message}`);
    else this.#complete = true;
    this.#notify();
  }

  /** Makes every wait throw from now on (a failed writer, or readers told to stop). */
  stop(reason: string): void {
    this.#stopped ??= new GrowingFileStopped(reason);
    this.#notify();
  }

  /**
   * Waits until `ready()` holds, looking again at each event of the writer and, with `poll`, every few
   * milliseconds (bytes land on disk without an event).
   */
  async until(ready: () => boolean, poll = true): Promise<void> {
    for (;;) {
      if (this.#stopped) throw this.#stopped;
      if (ready()) return;
      await this.#wait(poll);
    }
  }

  #wait(poll: boolean): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = poll ? setTimeout(wake, POLL_MS) : undefined;
      this.#waiters.add(wake);
    });
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * The file's bytes from its start, each chunk once it is on disk, ending when the writer has finished it.
   * Throws GrowingFileStopped if the writer fails first. Each chunk is valid only until the next one is asked for
   * (one buffer is reused: a copy that runs for hours leaves no trail of buffers behind).
   */
  async *chunks(): AsyncGenerator<Buffer> {
    await this.until(() => this.#file !== undefined);
    const handle = await open(this.#file!, 'r');
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    try {
      for (let position = 0; ;) {
        await this.until(() => this.#complete || this.bytesOnDisk() - position >= MIN_READ);
        const available = this.bytesOnDisk() - position;
        if (available <= 0) return;
        const chunk = await readAt(handle, position, Math.min(READ_SIZE, available), buffer);
        if (chunk.length === 0)
          throw new Error(`${this.#file} is shorter than the ${position + available} bytes written`);
        position += chunk.length;
        yield chunk;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
  }
}
