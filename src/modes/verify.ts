// `mode: verify`: proves the newest backup at one destination restorable without Oracle. The newest good set (by
// its manifest's set.createdAt; only sets this action wrote, per database) is fetched — read in place in a folder,
// downloaded from SFTP to a private temporary folder — and checked as a restore would read it: the archive's size
// and SHA-256 against the manifest, then every zip entry decrypted and decompressed (CRC-32, AES authentication
// code) with each dump file's SHA-256 compared to the manifest. Every failure names the file.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyZipArchive } from '../archive/zip-verify.js';
import { manifestJson, type Manifest } from '../manifest.js';
import { FUTURE_TOLERANCE_MS } from '../retention/policy.js';
import { MAX_MANIFEST_BYTES, readInventory, type BackupSetInfo } from '../retention/sets.js';
import type { RunStatus } from '../types.js';
import { modePlaceLabel, openModePlace, type ModePlace, type OpenModePlaceOptions } from './places.js';

export interface VerifyModeOptions extends OpenModePlaceOptions {
  source: ModePlace;
  /** archive-password ('' when not set); used for the archives whose manifest says `encrypted`. */
  archivePassword: string;
  /** Where the private download folder is made (RUNNER_TEMP on a runner); removed at the end. */
  tempRoot?: string;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface VerifiedEntry {
  name: string;
  bytes: number;
  sha256: string;
  /** From the manifest, for dump files. */
  expectedSha256?: string;
  kind: 'dump' | 'log' | 'manifest' | 'other';
}

export interface VerifiedArchive {
  name: string;
  expectedBytes: number;
  expectedSha256: string;
  /** What was read; undefined when the file could not be fetched. */
  bytes?: number;
  sha256?: string;
  encrypted: boolean;
  how?: 'read in place' | 'downloaded';
  durationMs: number;
  ok: boolean;
  problems: string[];
  warnings: string[];
  /** Entries read completely (CRC/authentication checked); failed ones are in problems. */
  entries: VerifiedEntry[];
  /** The archive and/or its entries that failed, by name. */
  failedFiles: string[];
}

export interface VerifiedSet {
  id: string;
  manifest: string;
  createdAt: string;
  database: string;
  /** The status the backup run gave the set. */
  status: RunStatus;
  schemas: string[];
  ok: boolean;
  archives: VerifiedArchive[];
  problems: string[];
}

export interface VerifyModeResult {
  mode: 'verify';
  status: RunStatus;
  /** One sentence: why this status. */
  statusReason: string;
  destination: string;
  startedAt: string;
  durationMs: number;
  /** The newest good set of each database found at the destination. */
  sets: VerifiedSet[];
  /** Every failure (the destination's and each set's), each naming the file; empty on success. */
  problems: string[];
  warnings: string[];
  /** Names of every file that failed (archives and entries). */
  failedFiles: string[];
}

/** What verify needs from a manifest beyond what retention reads. */
interface FullManifest {
  archives: Array<{ name: string; bytes: number; sha256: string; encrypted: boolean }>;
  dumpFiles: Array<{ name: string; bytes: number; sha256: string }>;
  /** The manifest.json stored inside the archive: this one without the archives' own hashes. */
  innerSha256: string;
}

function readFullManifest(text: string): FullManifest {
  const json = JSON.parse(text) as Manifest;
  const archives = (Array.isArray(json.archives) ? json.archives : []).map((a) => ({
    name: String(a.name),
    bytes: Number(a.bytes),
    sha256: typeof a.sha256 === 'string' ? a.sha256.toLowerCase() : '',
    encrypted: a.encrypted === true,
  }));
  const dumpFiles = (Array.isArray(json.schemas) ? json.schemas : []).flatMap((s) =>
    (Array.isArray(s?.dumpFiles) ? s.dumpFiles : []).map((f) => ({
      name: String(f.name),
      bytes: Number(f.bytes),
      sha256: typeof f.sha256 === 'string' ? f.sha256.toLowerCase() : '',
    })),
  );
  const inner = manifestJson({ ...json, archives: [] });
  return { archives, dumpFiles, innerSha256: createHash('sha256').update(inner).digest('hex') };
}

const isGood = (set: BackupSetInfo) => set.verified && set.status !== 'failure';
const newestFirst = (a: BackupSetInfo, b: BackupSetInfo) =>
  Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.manifest < b.manifest ? 1 : -1);

/** Pulls entry names out of verifyZipArchive's problems (`entry X is corrupt: ...`, `missing entry X`). */
const ENTRY_IN_PROBLEM =
  /^(?:missing |unexpected )?entry (.+?)(?: (?:is|has|cannot|appears|uses|SHA-256)\b.*)?$/;

function entryKind(name: string): VerifiedEntry['kind'] {
  if (name === 'manifest.json') return 'manifest';
  if (name.startsWith('logs/')) return 'log';
  if (name.toLowerCase().endsWith('.dmp')) return 'dump';
  return 'other';
}

/** Checks one archive that is on this runner (read in place or downloaded). */
async function checkArchive(
  file: string,
  archive: FullManifest['archives'][number],
  manifest: FullManifest,
  password: string,
): Promise<Pick<VerifiedArchive, 'problems' | 'warnings' | 'entries' | 'failedFiles'>> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const failedFiles = new Set<string>();
  if (archive.encrypted && !password) {
    problems.push(
      `${archive.name} is encrypted (AES-256) and archive-password is not set: its entries cannot be checked`,
    );
    failedFiles.add(archive.name);
    return { problems, warnings, entries: [], failedFiles: [...failedFiles] };
  }
  const expected = manifest.dumpFiles;
  const result = await verifyZipArchive(file, { password: archive.encrypted ? password : '', expected });
  const expectedNames = new Set(expected.map((e) => e.name));
  for (const problem of result.problems) {
    // The run's logs and manifest.json are in the archive but not in the manifest's dump list: expected extras.
    const extra = /^unexpected entry (.+)$/.exec(problem)?.[1];
    if (extra !== undefined && !expectedNames.has(extra)) {
      if (entryKind(extra) === 'other')
        warnings.push(`${archive.name}: entry ${extra} is not one this action writes`);
      continue;
    }
    const entry = ENTRY_IN_PROBLEM.exec(problem)?.[1];
    failedFiles.add(entry ?? archive.name);
    problems.push(`${archive.name}: ${problem.replace(file, archive.name)}`);
  }
  const entries: VerifiedEntry[] = result.entries.map((e) => {
    const want = expected.find((x) => x.name === e.name);
    return { ...e, kind: entryKind(e.name), ...(want ? { expectedSha256: want.sha256 } : {}) };
  });
  const inner = entries.find((e) => e.kind === 'manifest');
  if (!inner) warnings.push(`${archive.name}: holds no manifest.json`);
  else if (inner.sha256 !== manifest.innerSha256)
    warnings.push(`${archive.name}: the manifest.json inside differs from the manifest beside the archive`);
  return { problems, warnings, entries, failedFiles: [...failedFiles] };
}

/**
 * Verifies the newest good backup set of each database at the destination. Never throws: an unreachable
 * destination is a failure with its reason. Status: `failure` when a set fails, no good set exists or the
 * destination cannot be read; `partial` when the verified sets are fine but something else is wrong there (a newer
 * set that is not good, a manifest that cannot be read); `success` otherwise.
 */
export async function runVerifyMode(options: VerifyModeOptions): Promise<VerifyModeResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const log = options.log ?? (() => undefined);
  const destination = modePlaceLabel(options.source);
  const result: VerifyModeResult = {
    mode: 'verify',
    status: 'failure',
    statusReason: '',
    destination,
    startedAt: started.toISOString(),
    durationMs: 0,
    sets: [],
    problems: [],
    warnings: [],
    failedFiles: [],
  };
  const finish = (): VerifyModeResult => {
    result.failedFiles = [...new Set(result.sets.flatMap((s) => s.archives.flatMap((a) => a.failedFiles)))];
    const failed = result.sets.filter((s) => !s.ok);
    if (result.problems.length > 0 || failed.length > 0 || result.sets.length === 0) {
      result.status = 'failure';
      result.statusReason =
        result.sets.length === 0
          ? (result.problems[0] ?? `no backup set to verify at ${destination}`)
          : failed.length > 0
            ? `${failed.length} of ${result.sets.length} backup set(s) failed verification: ` +
              (result.failedFiles.length > 0 ? result.failedFiles.join(', ') : failed[0]!.problems[0])
            : result.problems[0]!;
    } else if (result.warnings.length > 0) {
      result.status = 'partial';
      result.statusReason = `the newest good backup verified, with warnings: ${result.warnings[0]}`;
    } else {
      result.status = 'success';
      result.statusReason = `the newest backup at ${destination} is restorable: every hash and zip entry matches`;
    }
    result.durationMs = now().getTime() - started.getTime();
    return result;
  };

  let opened;
  try {
    opened = await openModePlace(options.source, options);
  } catch (error) {
    result.problems.push(`cannot read ${destination}: ${(error as Error).message}`);
    return finish();
  }
  const tempDir = await mkdtemp(path.join(options.tempRoot ?? tmpdir(), 'oracle-backup-verify-'));
  try {
    const inventory = await readInventory(opened.place);
    for (const u of inventory.unreadable)
      result.warnings.push(`manifest ${u.name} could not be read: ${u.error}`);
    const limit = started.getTime() + FUTURE_TOLERANCE_MS;
    const byDatabase = new Map<string, BackupSetInfo[]>();
    for (const set of inventory.sets) {
      if (Date.parse(set.createdAt) > limit) {
        result.warnings.push(`set ${set.manifest} is dated in the future (${set.createdAt}); not verified`);
        continue;
      }
      byDatabase.set(set.database, [...(byDatabase.get(set.database) ?? []), set]);
    }
    if (byDatabase.size === 0) {
      result.problems.push(
        `no backup set of this action at ${destination}` +
          (inventory.ignored.length > 0
            ? ` (${inventory.ignored.length} other manifest-like file(s) ignored)`
            : ''),
      );
      return finish();
    }
    for (const [database, sets] of [...byDatabase].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      sets.sort(newestFirst);
      const good = sets.find(isGood);
      const newest = sets[0]!;
      if (!good) {
        result.problems.push(
          `no good backup set of ${database || 'the database'} at ${destination}: the newest, ${newest.manifest}, ` +
            (newest.status === 'failure' ? 'has status failure' : newest.problems.join('; ')),
        );
        continue;
      }
      if (good !== newest)
        result.warnings.push(
          `the newest set, ${newest.manifest} (${newest.createdAt}), is not good ` +
            `(${newest.status === 'failure' ? 'status failure' : newest.problems.join('; ') || newest.status}); ` +
            `verified the newest good one, ${good.manifest}`,
        );
      log(`verifying ${good.manifest} (${good.createdAt}) at ${destination}`);
      const verified = await verifySet(opened, good, tempDir, options, log);
      result.sets.push(verified);
      result.problems.push(...verified.problems);
      result.warnings.push(...verified.archives.flatMap((a) => a.warnings));
    }
  } catch (error) {
    result.problems.push(`cannot read ${destination}: ${(error as Error).message}`);
  } finally {
    await opened.close().catch(() => undefined);
    await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
  return finish();
}

async function verifySet(
  opened: Awaited<ReturnType<typeof openModePlace>>,
  set: BackupSetInfo,
  tempDir: string,
  options: VerifyModeOptions,
  log: (line: string) => void,
): Promise<VerifiedSet> {
  const verified: VerifiedSet = {
    id: set.id,
    manifest: set.manifest,
    createdAt: set.createdAt,
    database: set.database,
    status: set.status,
    schemas: set.schemas,
    ok: false,
    archives: [],
    problems: [],
  };
  let manifest: FullManifest;
  try {
    manifest = readFullManifest(await opened.place.readText(set.manifest, MAX_MANIFEST_BYTES));
  } catch (error) {
    verified.problems.push(`${set.manifest}: cannot be read again: ${(error as Error).message}`);
    return verified;
  }
  for (const archive of manifest.archives) {
    const checked: VerifiedArchive = {
      name: archive.name,
      expectedBytes: archive.bytes,
      expectedSha256: archive.sha256,
      encrypted: archive.encrypted,
      durationMs: 0,
      ok: false,
      problems: [],
      warnings: [],
      entries: [],
      failedFiles: [],
    };
    verified.archives.push(checked);
    const started = Date.now();
    try {
      const copy = await opened.fetch(archive.name, tempDir);
      Object.assign(checked, { bytes: copy.bytes, sha256: copy.sha256, how: copy.how });
      log(`${archive.name}: ${copy.how}, ${copy.bytes} bytes, SHA-256 ${copy.sha256}`);
      if (copy.bytes !== archive.bytes) {
        checked.problems.push(
          `${archive.name} has ${copy.bytes} bytes; its manifest records ${archive.bytes} (truncated or replaced)`,
        );
        checked.failedFiles.push(archive.name);
      } else if (!archive.sha256) {
        checked.problems.push(`${archive.name}: its manifest records no SHA-256`);
        checked.failedFiles.push(archive.name);
      } else if (copy.sha256 !== archive.sha256) {
        checked.problems.push(
          `${archive.name} is altered: SHA-256 ${copy.sha256}, its manifest records ${archive.sha256}`,
        );
        checked.failedFiles.push(archive.name);
      }
      // Read every entry even when the archive's hash already failed: it tells which file is damaged.
      const inner = await checkArchive(copy.path, archive, manifest, options.archivePassword);
      checked.problems.push(...inner.problems);
      checked.warnings.push(...inner.warnings);
      checked.entries = inner.entries;
      for (const name of inner.failedFiles)
        if (!checked.failedFiles.includes(name)) checked.failedFiles.push(name);
      if (copy.how === 'downloaded') await rm(copy.path, { force: true }).catch(() => undefined);
    } catch (error) {
      checked.problems.push(`${archive.name} cannot be read: ${(error as Error).message}`);
      checked.failedFiles.push(archive.name);
    }
    checked.durationMs = Date.now() - started;
    checked.ok = checked.problems.length === 0;
    for (const line of checked.problems) log(`FAILED ${line}`);
  }
  verified.problems.push(...verified.archives.flatMap((a) => a.problems));
  verified.ok = verified.problems.length === 0 && verified.archives.length > 0;
  return verified;
}
