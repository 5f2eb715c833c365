// Leftover dump files of earlier runs in dump-path (a run that stopped before its clean-up, a removal that
// failed). A file goes only when it is provably ours and provably archived: its name fits dump-name, a manifest of
// this tool in work-dir lists it, that set is good there, and its size and SHA-256 equal what the manifest records
// (so a newer dump that happens to reuse the name is never taken for the archived one). A dump still under the
// tagged name of the run that wrote it (killed before its clean-up) is matched by its final name.
import path from 'node:path';
import { removeFile } from '../deletion.js';
import { sha256File } from '../hash.js';
import { finalExportName } from '../temporary-names.js';
import type { PlaceEntry } from './place.js';
import { createFolderPlace } from './folder-place.js';
import { isGood } from './policy.js';
import { readInventory } from './sets.js';

export interface LeftoverDumpsOptions {
  dumpPath: string;
  workDir: string;
  /** The dump-name template without `.dmp`, e.g. `{schema}_{date}_{time}`. */
  dumpName: string;
  dryRun: boolean;
  runProducedGoodBackup: boolean;
  /** This run's sets: their dumps are the pipeline's business (and keep-dumps'), not this clean-up's. */
  thisRunSetIds: readonly string[];
}

export interface LeftoverDumpsResult {
  dumpPath: string;
  dryRun: boolean;
  blocked?: string;
  /** Removed (in a dry run: that would be). */
  removed: Array<{ name: string; bytes: number; setId: string; manifest: string }>;
  bytesFreed: number;
  warnings: string[];
}

const TOKEN_PATTERNS: Record<string, string> = {
  schema: '[A-Za-z0-9_$#]+',
  date: String.raw`\d{4}-\d{2}-\d{2}`,
  time: String.raw`\d{6}`,
  weekday: '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)',
  run: '[A-Za-z0-9_-]+',
};

/** The names a dump-name template gives dump files: `<name>.dmp` or, with `%U`, `<name>_NN.dmp`. */
export function dumpNamePattern(template: string): RegExp {
  const body = template
    .split(/(\{[a-z]+\})/)
    .map((part) => {
      const token = /^\{([a-z]+)\}$/.exec(part)?.[1];
      if (token !== undefined && TOKEN_PATTERNS[token]) return TOKEN_PATTERNS[token];
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(String.raw`^${body}(?:_\d{2,3})?\.dmp$`, 'i');
}

/** Call only when keep-dumps is off: with keep-dumps the user keeps dump files on purpose. */
export async function removeLeftoverDumps(options: LeftoverDumpsOptions): Promise<LeftoverDumpsResult> {
  const result: LeftoverDumpsResult = {
    dumpPath: options.dumpPath,
    dryRun: options.dryRun,
    removed: [],
    bytesFreed: 0,
    warnings: [],
  };
  if (!options.runProducedGoodBackup) {
    result.blocked = 'this run produced no good backup, so nothing is deleted';
    return result;
  }
  const work = createFolderPlace(options.workDir, 'local');
  const dumps = createFolderPlace(options.dumpPath, 'local', `dump-path ${options.dumpPath}`);
  let inventory;
  let present;
  try {
    inventory = await readInventory(work);
    present = new Map((await dumps.list()).filter((e) => e.isFile).map((e) => [e.name, e]));
  } catch (error) {
    result.blocked = 'work-dir or dump-path could not be listed';
    result.warnings.push(`leftover dump files: ${(error as Error).message}`);
    return result;
  }
  const pattern = dumpNamePattern(options.dumpName);
  const thisRun = new Set(options.thisRunSetIds);
  const done = new Set<string>();
  // By final name: the file itself, and any still tagged by the run that wrote it.
  const candidates = new Map<string, PlaceEntry[]>();
  for (const entry of present.values()) {
    const final = finalExportName(entry.name);
    candidates.set(final, [...(candidates.get(final) ?? []), entry]);
  }
  for (const set of inventory.sets) {
    if (!isGood(set) || thisRun.has(set.id)) continue;
    for (const file of inventory.manifests.get(set.manifest)?.dumpFiles ?? []) {
      if (!pattern.test(file.name) || !/^[0-9a-f]{64}$/.test(file.sha256)) continue;
      for (const entry of candidates.get(file.name) ?? []) {
        if (done.has(entry.name) || entry.bytes !== file.bytes) continue;
        const local = path.join(options.dumpPath, entry.name);
        try {
          if ((await sha256File(local)).sha256 !== file.sha256) continue;
          const ground = { kind: 'archived', setId: set.id, sha256: file.sha256 } as const;
          if (!options.dryRun)
            await removeFile(
              { name: entry.name, where: dumps.label, unlink: () => dumps.remove(entry.name) },
              ground,
            );
        } catch (error) {
          result.warnings.push(
            `leftover dump file ${entry.name} in ${options.dumpPath}: ${(error as Error).message}`,
          );
          continue;
        }
        done.add(entry.name);
        result.removed.push({ name: entry.name, bytes: entry.bytes, setId: set.id, manifest: set.manifest });
        result.bytesFreed += entry.bytes;
      }
    }
  }
  return result;
}
