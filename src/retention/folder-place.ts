// A folder (work-dir, a copy-to share, log-dir) as a BackupPlace. Only the folder's own plain files are seen;
// sub-folders are not walked and symbolic links are never followed, read or deleted.
import { constants } from 'node:fs';
import { lstat, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BackupPlace, PlaceEntry } from './place.js';
import { isLegacyWorkDirTemporary, temporaryWriter } from '../temporary-names.js';
import { isPlainName } from './sets.js';

const LABELS: Record<BackupPlace['kind'], string> = { local: 'work-dir', 'copy-to': 'folder', sftp: 'sftp' };

/** A plain name, or one of this action's hidden temporary names (the sweep removes those). */
function checkName(name: string): void {
  const temporary = temporaryWriter(name) !== undefined || isLegacyWorkDirTemporary(name);
  if (!isPlainName(name) && !(temporary && !/[\\/]/.test(name)))
    throw new Error(`${JSON.stringify(name)} is not a plain file name in this folder`);
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

export function createFolderPlace(folder: string, kind: BackupPlace['kind'], label?: string): BackupPlace {
  const full = (name: string): string => {
    checkName(name);
    return path.join(folder, name);
  };
  return {
    label: label ?? `${LABELS[kind]} ${folder}`,
    kind,

    async list(): Promise<PlaceEntry[]> {
      // A folder that does not exist holds no backup sets (pre-flight reports it).
      const names = await readdir(folder).catch((error: unknown) => {
        if (isMissing(error)) return [] as string[];
        throw error;
      });
      const entries: PlaceEntry[] = [];
      for (const name of names) {
        // lstat: a symbolic link is listed as what it is (not a file), never as its target.
        const stats = await lstat(path.join(folder, name)).catch((error: unknown) => {
          if (isMissing(error)) return undefined; // removed meanwhile
          throw error;
        });
        if (!stats) continue;
        entries.push({ name, bytes: stats.size, modifiedMs: stats.mtimeMs, isFile: stats.isFile() });
      }
      return entries;
    },

    async readText(name: string, maxBytes: number): Promise<string> {
      // O_NOFOLLOW refuses a link swapped in after the listing (Windows has no such flag and no such risk here).
      const handle = await open(full(name), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw new Error(`${name} is not a plain file`);
        if (stats.size > maxBytes) throw new Error(`${name} has ${stats.size} bytes, more than ${maxBytes}`);
        return await handle.readFile({ encoding: 'utf8' });
      } finally {
        await handle.close();
      }
    },

    async remove(name: string): Promise<void> {
      const file = full(name);
      const stats = await lstat(file).catch((error: unknown) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
      if (!stats) return;
      if (!stats.isFile()) throw new Error(`${name} is not a plain file; it was left alone`);
      await unlink(file).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    },
  };
}
