import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** A hidden name beside `finalPath` for an archive being written: never mistaken for a backup by any listing. */
export function partialArchivePath(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.partial-${randomBytes(4).toString('hex')}`);
}

/** Whether `name` is such a temporary name (`.<name>.zip.partial-<8 hex>`). */
export function isPartialArchiveName(name: string): boolean {
  return /^\..+\.zip\.partial-[0-9a-f]{8}$/.test(name);
}

/** A hidden name in `folder` for the blocks of dump file `dumpFile` deflated while it is exported. */
export function aheadSpoolPath(folder: string, dumpFile: string): string {
  return join(folder, `.${basename(dumpFile)}.ahead-${randomBytes(4).toString('hex')}`);
}

/** Whether `name` is such a spool (`.<dump>.ahead-<8 hex>`). */
export function isAheadSpoolName(name: string): boolean {
  return /^\..+\.ahead-[0-9a-f]{8}$/.test(name);
}
