import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatBytes } from '../report/format.js';
import { AheadSpool, DeflateAhead, DeflateSlots, type DeflateAheadOptions } from './deflate-ahead.js';
import { defaultConcurrency } from './parallel-deflate.js';
import { temporaryName } from '../temporary-names.js';

/** How often a `%U` export's folder is listed for its next dump file. */
const LIST_EVERY_MS = 250;

/** The dump files of one export being followed; `ended` once the export is over. */
export interface DumpWatch {
  /**
   * The export ended and wrote `files` (none when it failed): their blocks wait for the archive, those of any
   * other file followed are dropped.
   */
  ended(files: string[]): Promise<void>;
}

/**
 * A run's dump files deflated while they are exported (DeflateAhead), by path: each followed from its export's
 * start (or, in a `%U` set, from when it appears), kept when the export succeeded with that file, handed to its zip
 * entry once, and whatever is left removed when the run ends.
 */
export class DumpsDeflatedAhead {
  readonly #following = new Map<string, DeflateAhead>();
  readonly #ready = new Map<string, AheadSpool>();
  readonly #handedOut: AheadSpool[] = [];
  /** Every file deflated ahead shares these: a `%U` set's files do not take more cores than one file would. */
  readonly #slots = new DeflateSlots(defaultConcurrency());
  /** Stops the listing of each `%U` watch that has not ended. */
  readonly #unwatch = new Set<() => void>();

  constructor(
    /** Where the spools go (work-dir, beside the archives). */
    private readonly folder: string,
    private readonly level: number,
    /** `debug`: a figure for whoever tunes the action; `info`: what a DBA reading the run log should know. */
    private readonly log: (message: string, level: 'info' | 'debug') => void,
    private readonly options: Pick<DeflateAheadOptions, 'reserveBytes'> = {},
  ) {}

  /**
   * Follows the dump files of an export about to start in `folder`: the one file `name`, or each file matching a
   * `%U` template's pattern as it appears.
   */
  watch(folder: string, name: string | RegExp): DumpWatch {
    const followed = new Set<string>();
    const follow = (file: string): void => {
      followed.add(resolve(file));
      this.#start(file);
    };
    let listing: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    if (typeof name === 'string') {
      follow(join(folder, name));
    } else {
      const names = (): Promise<string[]> =>
        readdir(folder).then(
          (all) => all.filter((n) => name.test(n)),
          () => [],
        );
      // Files that match already are an earlier export's (Data Pump refuses to reuse them unless told to).
      const before = names().then((existing) => new Set(existing));
      const list = async (): Promise<void> => {
        const old = await before;
        for (const n of await names())
          if (!old.has(n) && !followed.has(resolve(folder, n))) follow(join(folder, n));
      };
      listing = before.then(() => undefined);
      timer = setInterval(() => (listing = listing.then(list)), LIST_EVERY_MS);
      timer.unref();
    }
    const stop = (): void => clearInterval(timer);
    this.#unwatch.add(stop);
    return {
      ended: async (files) => {
        stop();
        this.#unwatch.delete(stop);
        await listing;
        const kept = new Set(files.map((f) => resolve(f)));
        for (const file of followed) await this.ended(file, kept.has(file));
      },
    };
  }

  /** Starts following `file`, a dump file its export is about to write. */
  #start(file: string): void {
    const key = resolve(file);
    if (this.#following.has(key) || this.#ready.has(key)) return;
    this.#following.set(
      key,
      new DeflateAhead({
        file: key,
        spool: join(this.folder, temporaryName(basename(key), 'ahead')),
        level: this.level,
        slots: this.#slots,
        ...this.options,
      }),
    );
  }

  /** The export of `file` ended. `keep`: it succeeded with this file, whose blocks wait for the archive. */
  async ended(file: string, keep: boolean): Promise<void> {
    const key = resolve(file);
    const ahead = this.#following.get(key);
    if (!ahead) return;
    this.#following.delete(key);
    if (!keep) return ahead.discard();
    const spool = await ahead.finish();
    const { blocks, bytesIn, gaveUp } = ahead.stats;
    if (spool) {
      this.#ready.set(key, spool);
      this.log(`${file}: ${formatBytes(bytesIn)} deflated while it was exported (${blocks} blocks)`, 'debug');
    } else if (gaveUp) {
      this.log(`${file}: not deflated during its export: ${gaveUp}`, 'info');
    }
  }

  /** The blocks of `file` for its zip entry, once (the entry releases them when written). */
  take(file: string): AheadSpool | undefined {
    const key = resolve(file);
    const spool = this.#ready.get(key);
    if (!spool) return undefined;
    this.#ready.delete(key);
    this.#handedOut.push(spool);
    return spool;
  }

  /** Drops whatever was not used (a failed or cancelled run, an entry never written); removes every spool. */
  async close(): Promise<void> {
    for (const stop of this.#unwatch) stop();
    this.#unwatch.clear();
    const following = [...this.#following.values()];
    this.#following.clear();
    const spools = [...this.#ready.values(), ...this.#handedOut];
    this.#ready.clear();
    await Promise.all([...following.map((a) => a.discard()), ...spools.map((s) => s.release())]);
  }
}
