// Recognising the backup sets this action wrote at a place: a set exists only through a valid manifest of this
// tool, and its archives are only the files that manifest names. Everything else at the place is not ours.
import { MANIFEST_FORMAT } from '../manifest-format.js';
import type { RunStatus } from '../types.js';
import type { BackupPlace, PlaceEntry } from './place.js';

/** Manifests list per-table row counts; even a schema with 100 000 tables stays below this. */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
export const MANIFEST_SUFFIX = '.manifest.json';

/** One backup set as retention sees it: facts from its manifest, checked against the place's listing. */
export interface BackupSetInfo {
  id: string;
  /** The manifest's file name at this place. */
  manifest: string;
  /** The manifest's `set.createdAt` (ISO 8601), the only time retention trusts. */
  createdAt: string;
  status: RunStatus;
  /** The manifest's `database.connectString` ('' when absent): sets of different databases never mix. */
  database: string;
  /** Names of the schemas in the set (from the manifest); retention counts per schema. */
  schemas: string[];
  /** The schemas whose export in this set is complete (status success): the sets retention protects. */
  completeSchemas: string[];
  /** The schemas whose data the set holds (success, or completed with warnings). */
  dataSchemas: string[];
  /** Every archive the manifest names is present here as a plain file of the recorded size. */
  verified: boolean;
  /** The archives the manifest names, with what the listing shows (bytes: undefined when absent). */
  archives: Array<{ name: string; expectedBytes: number; bytes?: number }>;
  /** Size of the manifest file itself. */
  manifestBytes: number;
  /** Why the set is not verified, in words (empty when verified). */
  problems: string[];
}

/** Dump files a manifest records, for the clean-up of leftovers in dump-path. */
export interface ManifestDumpFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** A manifest of this tool, reduced to what retention relies on. */
export interface RecognisedManifest {
  id: string;
  createdAt: string;
  status: RunStatus;
  database: string;
  schemas: string[];
  completeSchemas: string[];
  dataSchemas: string[];
  archives: Array<{ name: string; bytes: number }>;
  dumpFiles: ManifestDumpFile[];
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const STATUSES: readonly string[] = ['success', 'partial', 'failure'];
// eslint-disable-next-line no-control-regex
const NOT_IN_NAME_RE = /[\\/:\u0000-\u001f]/;

/** A plain file name: no folder part on any platform, not hidden, nothing that climbs out. */
export function isPlainName(name: string): boolean {
  return (
    name !== '' &&
    !name.startsWith('.') &&
    !NOT_IN_NAME_RE.test(name) &&
    name.trim() === name &&
    name.length <= 255
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks a manifest's text; returns the manifest or why it is not one of this tool's. `fileName` must be
 * `<archive>.manifest.json` for an archive the manifest names, so that a manifest only ever speaks for the
 * archive beside it, and archive names must be plain `.zip` names, so that no manifest can name another file.
 */
export function recogniseManifest(
  text: string,
  fileName: string,
): { ok: true; manifest: RecognisedManifest } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(json) || json.format !== MANIFEST_FORMAT)
    return { ok: false, reason: `not a manifest of this action (format is not ${MANIFEST_FORMAT})` };
  const set = json.set;
  if (!isObject(set)) return { ok: false, reason: 'no set' };
  if (typeof set.id !== 'string' || set.id.trim() === '') return { ok: false, reason: 'no set id' };
  const createdAt = set.createdAt;
  if (typeof createdAt !== 'string' || !ISO_RE.test(createdAt) || Number.isNaN(Date.parse(createdAt)))
    return { ok: false, reason: 'set.createdAt is not a valid date and time' };
  if (typeof set.status !== 'string' || !STATUSES.includes(set.status))
    return { ok: false, reason: 'set.status is not success, partial or failure' };
  const archives = json.archives;
  if (!Array.isArray(archives) || archives.length === 0) return { ok: false, reason: 'no archives listed' };
  const listed: RecognisedManifest['archives'] = [];
  for (const a of archives) {
    if (!isObject(a) || typeof a.name !== 'string' || !isCount(a.bytes))
      return { ok: false, reason: 'an archive entry has no name or size' };
    if (!isPlainName(a.name) || !a.name.toLowerCase().endsWith('.zip'))
      return { ok: false, reason: `archive name ${JSON.stringify(a.name)} is not a plain .zip file name` };
    if (listed.some((l) => l.name === a.name))
      return { ok: false, reason: `archive ${a.name} is listed twice` };
    listed.push({ name: a.name, bytes: a.bytes });
  }
  if (!listed.some((a) => `${a.name}${MANIFEST_SUFFIX}` === fileName))
    return { ok: false, reason: 'its file name is not <archive>.manifest.json for an archive it lists' };

  const dumpFiles: ManifestDumpFile[] = [];
  const schemas: string[] = [];
  const completeSchemas: string[] = [];
  const dataSchemas: string[] = [];
  if (Array.isArray(json.schemas))
    for (const s of json.schemas) {
      if (isObject(s) && typeof s.name === 'string' && !schemas.includes(s.name)) {
        schemas.push(s.name);
        // A manifest without a schema's status speaks for it through the set's status.
        const status =
          typeof s.status === 'string' ? s.status : set.status === 'success' ? 'success' : 'warning';
        if (status === 'success') completeSchemas.push(s.name);
        if (status === 'success' || status === 'warning') dataSchemas.push(s.name);
      }
      if (isObject(s) && Array.isArray(s.dumpFiles))
        for (const f of s.dumpFiles)
          if (isObject(f) && typeof f.name === 'string' && isCount(f.bytes) && typeof f.sha256 === 'string')
            dumpFiles.push({ name: f.name, bytes: f.bytes, sha256: f.sha256.toLowerCase() });
    }
  const database =
    isObject(json.database) && typeof json.database.connectString === 'string'
      ? json.database.connectString
      : '';

  return {
    ok: true,
    manifest: {
      id: set.id,
      createdAt,
      status: set.status as RunStatus,
      database,
      schemas: schemas.sort(),
      completeSchemas: completeSchemas.sort(),
      dataSchemas: dataSchemas.sort(),
      archives: listed,
      dumpFiles,
    },
  };
}

/** The set a recognised manifest describes, verified against the listing of its place. */
export function toBackupSet(
  manifest: RecognisedManifest,
  manifestName: string,
  manifestBytes: number,
  listing: PlaceEntry[],
): BackupSetInfo {
  const byName = new Map(listing.map((e) => [e.name, e]));
  const problems: string[] = [];
  const archives = manifest.archives.map((a) => {
    const entry = byName.get(a.name);
    if (!entry) problems.push(`archive ${a.name} is missing`);
    else if (!entry.isFile) problems.push(`${a.name} is not a plain file`);
    else if (entry.bytes !== a.bytes)
      problems.push(`archive ${a.name} has ${entry.bytes} bytes; its manifest records ${a.bytes}`);
    return {
      name: a.name,
      expectedBytes: a.bytes,
      ...(entry?.isFile ? { bytes: entry.bytes } : {}),
    };
  });
  return {
    id: manifest.id,
    manifest: manifestName,
    createdAt: manifest.createdAt,
    status: manifest.status,
    database: manifest.database,
    schemas: manifest.schemas,
    completeSchemas: manifest.completeSchemas,
    dataSchemas: manifest.dataSchemas,
    verified: problems.length === 0,
    archives,
    manifestBytes,
    problems,
  };
}

export interface PlaceInventory {
  listing: PlaceEntry[];
  sets: BackupSetInfo[];
  /** Full manifests, by manifest name, for callers that need more than the set (dump leftovers). */
  manifests: Map<string, RecognisedManifest>;
  /** Files named like manifests that are not valid manifests of this tool: left alone, reported. */
  ignored: Array<{ name: string; reason: string }>;
  /** Manifests that could not be read: left alone; worth a warning since they may be ours. */
  unreadable: Array<{ name: string; error: string }>;
}

/** Lists a place and recognises every backup set in it; throws only when the place cannot be listed. */
export async function readInventory(place: BackupPlace): Promise<PlaceInventory> {
  const listing = await place.list();
  const inventory: PlaceInventory = { listing, sets: [], manifests: new Map(), ignored: [], unreadable: [] };
  const candidates = listing
    .filter((e) => e.name.endsWith(MANIFEST_SUFFIX) && isPlainName(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of candidates) {
    if (!entry.isFile) {
      inventory.ignored.push({ name: entry.name, reason: 'not a plain file' });
      continue;
    }
    if (entry.bytes > MAX_MANIFEST_BYTES) {
      inventory.ignored.push({ name: entry.name, reason: `larger than ${MAX_MANIFEST_BYTES} bytes` });
      continue;
    }
    let text: string;
    try {
      text = await place.readText(entry.name, MAX_MANIFEST_BYTES);
    } catch (error) {
      inventory.unreadable.push({ name: entry.name, error: (error as Error).message });
      continue;
    }
    const result = recogniseManifest(text, entry.name);
    if (!result.ok) {
      inventory.ignored.push({ name: entry.name, reason: result.reason });
      continue;
    }
    inventory.manifests.set(entry.name, result.manifest);
    inventory.sets.push(toBackupSet(result.manifest, entry.name, entry.bytes, listing));
  }
  return inventory;
}
