// Leftover dump files of earlier runs in dump-path (a run that stopped before its clean-up, a removal that
// failed). A file goes only when it is provably ours and provably archived: its name fits dump-name, a manifest of
// this tool in work-dir lists it, that set is good there, and its size and SHA-256 equal what the manifest records
// (so a newer dump that happens to reuse the name is never taken for the archived one).
import path from 'node:path';
import { sha256File } from '../hash.js';
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
  for (const set of inventory.sets) {
    if (!isGood(set) || thisRun.has(set.id)) continue;
    for (const file of inventory.manifests.get(set.manifest)?.dumpFiles ?? []) {
      const entry = present.get(file.name);
      if (!entry || done.has(file.name) || !pattern.test(file.name)) continue;
      if (entry.bytes !== file.bytes || !/^[0-9a-f]{64}$/.test(file.sha256)) continue;
      try {
        if ((await sha256File(path.join(options.dumpPath, file.name))).sha256 !== file.sha256) continue;
        if (!options.dryRun) await dumps.remove(file.name);
      } catch (error) {
        result.warnings.push(
          `leftover dump file ${file.name} in ${options.dumpPath}: ${(error as Error).message}`,
        );
        continue;
      }
      done.add(file.name);
      result.removed.push({ name: file.name, bytes: entry.bytes, setId: set.id, manifest: set.manifest });
      result.bytesFreed += entry.bytes;
    }
  }
  return result;
}
