// `verify-dump: header`: is each dump file a Data Pump file of the job that wrote it? The header is read through a
// DumpHeaderReader: the database's DBMS_DATAPUMP.GET_DUMPFILE_INFO (implemented beside the database interface),
// or the local reader below, which only reads the file's first bytes on this runner.
//
// What a header check proves: the file starts like a Data Pump dump of the expected job, and the files of the set
// are numbered without gaps. It does not read the data: a truncated or altered body passes (the manifest's SHA-256
// and `verify-dump: sqlfile` are the checks for that).
import { open } from 'node:fs/promises';
import path from 'node:path';
import { readAt } from '../read-at.js';

/** As `DBMS_DATAPUMP.GET_DUMPFILE_INFO` reports `filetype`: 0 not a dump, 1 Data Pump, 2 legacy exp. */
export type DumpFileType = 0 | 1 | 2;

/** What a dump file's header says; every field but fileType is optional (readers and releases differ). */
export interface DumpHeaderInfo {
  fileType: DumpFileType;
  /** As the header stores it, `"OWNER"."JOB"` (GET_DUMPFILE_INFO item KU$_DFHDR_JOB_NAME), or just `JOB`. */
  jobName?: string;
  /** 1-based place of the file in its dump file set (KU$_DFHDR_FILE_NUMBER). */
  fileNumber?: number;
  /** Number of files in the set, where the header tells it (the simulator's does; a real one does not). */
  fileCount?: number;
  /** The export's database release (KU$_DFHDR_DB_VERSION). */
  databaseVersion?: string;
  characterSet?: string;
  platform?: string;
  /** Whether this file holds (a piece of) the master table (KU$_DFHDR_MASTER_PRESENT). */
  masterPresent?: boolean;
  /**
   * False when the reader could only rule out what the file is not: the local reader cannot parse a real Data Pump
   * header, so an unknown binary file of plausible size is `fileType: 1, certain: false`. Absent means certain.
   */
  certain?: boolean;
  /** What the answer rests on, in words, for the report. */
  basis: string;
}

/**
 * Reads one dump file's header. `file` is the file's name in the directory object `directory`; `folder` is where
 * this runner sees that directory (dump-path), for readers that read the file themselves. The database reader
 * (GET_DUMPFILE_INFO) uses `file` and `directory`; a file that is not a dump is `fileType: 0`, not an error.
 * Rejects only when the header cannot be read at all (no such file, no privilege, no connection).
 */
export interface DumpHeaderReader {
  readonly name: string;
  read(file: string, directory: string, folder: string): Promise<DumpHeaderInfo>;
}

/** The simulator's mock header (expdp-sim.mjs): a version word 0x0301, then these lines. */
const SIM_SIGNATURE = 'ORACLE-SIM DATA PUMP DUMP FILE';
/** Data Pump writes in blocks of 4 KiB; its header block alone is that big. */
const HEADER_BLOCK = 4096;
/** Formats a dump file is sometimes confused with: a zip, a gzip, 7z, bzip2, xz, zstd archive, a PDF. */
const OTHER_FORMATS: Array<[string, Buffer]> = [
  ['a zip archive', Buffer.from('PK\x03\x04', 'latin1')],
  ['a gzip file', Buffer.from([0x1f, 0x8b])],
  ['a 7z archive', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])],
  ['a bzip2 file', Buffer.from('BZh', 'latin1')],
  ['an xz file', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  ['a zstd file', Buffer.from([0x28, 0xb5, 0x2f, 0xfd])],
  ['a PDF', Buffer.from('%PDF', 'latin1')],
];

/**
 * Recognises a header from a file's first bytes (at most 4 KiB) and its size. Pure. Knows the simulator's mock
 * header exactly, legacy exp files by their `EXPORT:Vnn.nn.nn` banner, and what is certainly not a dump (empty,
 * smaller than one header block, text, another archive format). Anything else is a plausible real Data Pump file
 * that only the database can read: `fileType: 1, certain: false`.
 */
export function recogniseDumpHeader(head: Buffer, size: number): DumpHeaderInfo {
  const text = head.toString('latin1');
  if (size === 0) return { fileType: 0, basis: 'the file is empty' };
  if (/^[\s\S]{0,3}EXPORT:V\d\d\.\d\d\.\d\d/.test(text))
    return { fileType: 2, basis: 'the file starts with a legacy exp banner (EXPORT:V...)' };
  if (head.length >= 2 && head.readUInt16BE(0) === 0x0301 && text.startsWith(SIM_SIGNATURE, 2))
    return simulatorHeader(text, size);
  for (const [what, magic] of OTHER_FORMATS)
    if (head.subarray(0, magic.length).equals(magic)) return { fileType: 0, basis: `the file is ${what}` };
  if (size < HEADER_BLOCK)
    return { fileType: 0, basis: `the file has ${size} bytes, less than one 4 KiB Data Pump header block` };
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000e-\u001f]/.test(text))
    return { fileType: 0, basis: 'the file starts with plain text, not a binary Data Pump header' };
  return {
    fileType: 1,
    certain: false,
    basis:
      'a binary file of plausible size; the local reader cannot parse a real Data Pump header ' +
      '(DBMS_DATAPUMP.GET_DUMPFILE_INFO can)',
  };
}

function simulatorHeader(text: string, size: number): DumpHeaderInfo {
  const lines = text.slice(2).split('\0')[0]!.split('\n');
  const field = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
  const place = /^(\d+) OF (\d+)$/.exec(field('FILE ') ?? '');
  const job = field('JOB ');
  if (!job || !place || size < HEADER_BLOCK)
    return { fileType: 0, basis: "the simulator's header is damaged or the file is shorter than it" };
  return {
    fileType: 1,
    jobName: job,
    fileNumber: Number(place[1]),
    fileCount: Number(place[2]),
    databaseVersion: field('DATABASE VERSION '),
    characterSet: field('CHARACTER SET '),
    platform: field('PLATFORM '),
    ...(lines.some((l) => l.startsWith('BODY SHA256 '))
      ? { masterPresent: lines.some((l) => l.startsWith('MASTER TABLE')) }
      : {}),
    basis: "the simulator's mock Data Pump header",
  };
}

/**
 * Reads the first 4 KiB of `<folder>/<file>` on this runner. Proves less than the database reader: see
 * recogniseDumpHeader. Rejects when the file cannot be opened.
 */
export const localDumpHeaderReader: DumpHeaderReader = {
  name: 'local (first bytes of the file)',
  async read(file: string, _directory: string, folder: string): Promise<DumpHeaderInfo> {
    const handle = await open(path.join(folder, file), 'r');
    try {
      const size = (await handle.stat()).size;
      return recogniseDumpHeader(await readAt(handle, 0, Math.min(HEADER_BLOCK, size)), size);
    } finally {
      await handle.close();
    }
  },
};

/** `"OWNER"."JOB"`, `OWNER.JOB` or `JOB` → `{ owner?, job }` (quotes removed). */
export function splitJobName(text: string): { owner?: string; job: string } {
  const quoted = /^"([^"]*)"\."([^"]*)"$/.exec(text.trim());
  if (quoted) return { owner: quoted[1]!, job: quoted[2]! };
  const trimmed = text.trim().replace(/^"(.*)"$/, '$1');
  const dot = trimmed.lastIndexOf('.');
  return dot > 0 ? { owner: trimmed.slice(0, dot), job: trimmed.slice(dot + 1) } : { job: trimmed };
}

export interface HeaderVerdict {
  ok: boolean;
  /** False when some file could only be recognised as "not obviously something else" (local reader). */
  certain: boolean;
  /** Why the set fails, naming the file; undefined when ok. */
  problem?: string;
  /** Worth showing although the set passes (an unconfirmed header). */
  notes: string[];
}

/**
 * Judges the headers of one schema's dump file set. Pure. Fails when a file is not a Data Pump dump (naming the
 * file and why), belongs to another job, or the set's file numbers have a gap or a duplicate.
 */
export function classifyDumpHeaders(
  files: Array<{ name: string; info: DumpHeaderInfo }>,
  expected: { jobName?: string; jobOwner?: string },
): HeaderVerdict {
  const notes: string[] = [];
  if (files.length === 0) return { ok: false, certain: true, problem: 'no dump files to check', notes };
  for (const { name, info } of files) {
    if (info.fileType === 0) return fail(`${name} is not a Data Pump dump file: ${info.basis}`);
    if (info.fileType === 2)
      return fail(`${name} is a legacy exp dump file, not a Data Pump dump file (${info.basis})`);
    if (info.jobName && expected.jobName) {
      const got = splitJobName(info.jobName);
      const sameJob = got.job === expected.jobName;
      const sameOwner = !got.owner || !expected.jobOwner || got.owner === expected.jobOwner;
      if (!sameJob || !sameOwner) {
        const want = expected.jobOwner ? `"${expected.jobOwner}"."${expected.jobName}"` : expected.jobName;
        return fail(`${name} belongs to job ${info.jobName}, not to this export's job ${want}`);
      }
    }
  }
  const numbered = files.filter((f) => f.info.fileNumber !== undefined);
  if (numbered.length === files.length) {
    const numbers = numbered.map((f) => f.info.fileNumber!).sort((a, b) => a - b);
    const count = files.find((f) => f.info.fileCount !== undefined)?.info.fileCount ?? files.length;
    const duplicate = numbers.find((n, i) => numbers[i + 1] === n);
    if (duplicate !== undefined) return fail(`two files of the set say they are file ${duplicate}`);
    const missing: number[] = [];
    for (let n = 1; n <= Math.max(count, numbers[numbers.length - 1]!); n++)
      if (!numbers.includes(n)) missing.push(n);
    if (missing.length > 0 || count !== files.length)
      return fail(
        `the dump file set is incomplete: ${files.length} file(s) present, the headers count ${count}` +
          (missing.length > 0 ? ` (file number ${missing.join(', ')} missing)` : ''),
      );
  }
  if (files.every((f) => f.info.masterPresent === false))
    return fail('no file of the set holds the master table: the export did not complete');
  const uncertain = files.filter((f) => f.info.certain === false);
  for (const f of uncertain) notes.push(`${f.name}: header not confirmed (${f.info.basis})`);
  return { ok: true, certain: uncertain.length === 0, notes };

  function fail(problem: string): HeaderVerdict {
    return { ok: false, certain: true, problem, notes };
  }
}
