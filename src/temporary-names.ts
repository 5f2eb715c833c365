// Names of the files this action writes before they are complete, and of the export files of one run. Both carry
// who wrote them, so that a file can be removed on proof of identity rather than because its name fits a pattern:
// - a temporary file (partial archive, partial copy or upload, dump blocks deflated ahead, a manifest or report
//   being written) is `.<final name>.oba-<kind>-<host>-<pid>-<random>`: hidden, never taken for a backup by any
//   listing, and traceable to the process that wrote it (dead or alive, on this host or another);
// - an export file (dump or Oracle log) is `<name>.oba-<run tag>.<ext>` while its run owns it, and gets its final
//   name only when it is a checked, finished export that the run keeps.
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';

export type TemporaryKind = 'partial' | 'ahead';

/** This host, as 8 hex digits: a host name may hold characters a file name should not. */
export const HOST_ID = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** The temporary name for `finalName`, written by this process. */
export function temporaryName(finalName: string, kind: TemporaryKind = 'partial'): string {
  return `.${finalName}.oba-${kind}-${HOST_ID}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** `temporaryName` beside `finalPath`. */
export function temporaryPath(finalPath: string, kind: TemporaryKind = 'partial'): string {
  return path.join(path.dirname(finalPath), temporaryName(path.basename(finalPath), kind));
}

export interface TemporaryWriter {
  finalName: string;
  kind: TemporaryKind;
  host: string;
  pid: number;
}

const TEMPORARY_RE = /^\.(.+)\.oba-(partial|ahead)-([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{8}$/;

/** Who wrote a temporary file of this action; undefined for any other name. */
export function temporaryWriter(name: string): TemporaryWriter | undefined {
  const match = TEMPORARY_RE.exec(name);
  if (!match) return undefined;
  return {
    finalName: match[1]!,
    kind: match[2] as TemporaryKind,
    host: match[3]!,
    pid: Number(match[4]),
  };
}

/**
 * Names earlier versions gave their temporary files, which say nothing of their writer: partial archives and
 * spools in work-dir (`.<name>.zip.partial-<8 hex>`, `.<dump>.ahead-<8 hex>`). Only a run that holds work-dir's lock
 * may treat them as leftovers.
 */
export function isLegacyWorkDirTemporary(name: string): boolean {
  return /^\..+\.zip\.partial-[0-9a-f]{8}$/.test(name) || /^\..+\.ahead-[0-9a-f]{8}$/.test(name);
}

/**
 * The tag a run's export files carry until they are kept: the workflow run, its attempt (a rerun is another
 * attempt) and a random part (the jobs of a matrix, or two steps of one job, share run and attempt); only letters,
 * digits and `-`, so Data Pump and every file system take it as is.
 */
export function runTag(runId: string, attempt: string | undefined): string {
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '');
  return `${clean(runId) || 'run'}-${clean(attempt ?? '') || '1'}-${randomBytes(3).toString('hex')}`;
}

const EXPORT_TAG_RE = /\.oba-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)+)(\.[A-Za-z0-9]+)$/i;

/** `HR.dmp` → `HR.oba-<tag>.dmp`; works on `%U` templates too. */
export function taggedExportName(name: string, tag: string): string {
  const ext = path.extname(name);
  return `${name.slice(0, name.length - ext.length)}.oba-${tag}${ext}`;
}

/** The run tag an export file's name carries, if any. */
export function exportTagOf(name: string): string | undefined {
  return EXPORT_TAG_RE.exec(name)?.[1];
}

/** `HR_01.oba-<tag>.dmp` → `HR_01.dmp`: the name the file has once kept (and inside the archive). */
export function finalExportName(name: string): string {
  return name.replace(EXPORT_TAG_RE, '$2');
}
