import { resolve } from 'node:path';
import { formatBytes } from '../report/format.js';
import { AheadSpool, DeflateAhead, type DeflateAheadOptions } from './deflate-ahead.js';
import { aheadSpoolPath } from './partial-names.js';

/**
 * A run's dump files deflated while they are exported (DeflateAhead), by path: each followed from its export's
 * start, kept when the export succeeded with exactly that file, handed to its zip entry once, and whatever is
 * left removed when the run ends.
 */
export class DumpsDeflatedAhead {
  readonly #following = new Map<string, DeflateAhead>();
  readonly #ready = new Map<string, AheadSpool>();
  readonly #handedOut: AheadSpool[] = [];

  constructor(
    /** Where the spools go (work-dir, beside the archives). */
    private readonly folder: string,
    private readonly level: number,
    private readonly log: (message: string) => void,
    private readonly options: Pick<DeflateAheadOptions, 'reserveBytes'> = {},
  ) {}

  /** Starts following `file`, a dump file its export is about to write. */
  follow(file: string): void {
    const key = resolve(file);
    if (this.#following.has(key) || this.#ready.has(key)) return;
    this.#following.set(
      key,
      new DeflateAhead({
        file: key,
        spool: aheadSpoolPath(this.folder, key),
        level: this.level,
        ...this.options,
      }),
    );
  }

  /**
   * The export of `file` ended. `keep`: it succeeded and `file` is its only dump file, so its blocks wait for
   * the archive; otherwise they are dropped.
   */
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
      this.log(`${file}: ${formatBytes(bytesIn)} deflated while it was exported (${blocks} blocks)`);
    } else if (gaveUp) {
      this.log(`${file}: not deflated during its export: ${gaveUp}`);
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
    const following = [...this.#following.values()];
    this.#following.clear();
    const spools = [...this.#ready.values(), ...this.#handedOut];
    this.#ready.clear();
    await Promise.all([...following.map((a) => a.discard()), ...spools.map((s) => s.release())]);
  }
}
