// Whether dump-path is the folder of the directory object, as this runner sees it. Data Pump writes where the
// directory object points on the server; a dump-path that exists but is another folder passes every folder check,
// and each export then "loses" its dump files while they pile up on the server. The server's path cannot be
// compared with dump-path as text (a PDB adds a GUID folder, and the runner may see the folder through a mount under
// another name), so the log's file is looked for in dump-path by name, and the database's DIRECTORY_PATH is compared
// by device and inode where this runner has it.
import { stat } from 'node:fs/promises';
import { baseName } from './dump-files.js';

/** The plain statement of the problem, naming what expdp or the database says instead. */
export const dumpPathMismatch = (dumpPath: string, directory: string, instead: string): string =>
  `dump-path ${dumpPath} is not the folder of directory ${directory} (${instead})`;

/** What to do about it. */
export const dumpPathAdvice = (directory: string): string =>
  `Set dump-path to the folder of directory ${directory} as this runner sees it, or fix the directory object ${directory}.`;

/** A folder path without its trailing separators (the root itself kept). */
const trimmed = (folder: string): string => folder.replace(/(?<=.)[\\/]+$/, '');

/** The folder part of a path as the server wrote it (either separator). */
const folderOf = (file: string): string => trimmed(file.slice(0, file.length - baseName(file).length));

/**
 * The path expdp's log gives for `local`, a dump file this runner did not find at `local` in dump-path, when that
 * path is in another folder: the dump was written there, so dump-path is not the directory's folder. Undefined when
 * the log names no such file or names dump-path itself (then the file really is missing).
 */
export function misplacedDumpFile(local: string, listed: string[], dumpPath: string): string | undefined {
  const name = baseName(local);
  const written = listed.find((file) => baseName(file) === name);
  if (written === undefined || folderOf(written) === trimmed(dumpPath)) return undefined;
  return written;
}

export interface DirectoryComparison {
  /** False only when both folders exist here and are different folders. */
  ok: boolean;
  detail: string;
}

/**
 * dump-path against the directory object's DIRECTORY_PATH: the same folder (device and inode) is fine, another
 * folder on this runner is the mismatch, and a path this runner does not have cannot be compared from here.
 */
export async function compareWithDirectory(
  dumpPath: string,
  directory: string,
  directoryPath: string,
): Promise<DirectoryComparison> {
  const inDatabase = `${directory} is ${directoryPath} in the database`;
  const [ours, theirs] = await Promise.all([
    stat(dumpPath).catch(() => undefined),
    stat(directoryPath).catch(() => undefined),
  ]);
  if (!ours || !theirs?.isDirectory())
    return {
      ok: true,
      detail: `${dumpPath}; ${inDatabase}, which is not a folder on this runner, so the two cannot be compared from here`,
    };
  if (ours.dev === theirs.dev && ours.ino === theirs.ino)
    return {
      ok: true,
      detail: `${dumpPath} (the folder of directory ${directory}, ${directoryPath} in the database)`,
    };
  const advice = dumpPathAdvice(directory);
  return {
    ok: false,
    detail: `${dumpPathMismatch(dumpPath, directory, inDatabase)}: ${advice[0]!.toLowerCase()}${advice.slice(1, -1)}`,
  };
}
