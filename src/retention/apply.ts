// Applies the retention plan to one place: reads the manifests, decides, and deletes whole sets, archives first
// and the manifest last. A failed delete is a warning, never a crash; the caller turns warnings into `partial`.
import { removeFile, type Ground } from '../deletion.js';
import type { RetentionPolicy } from '../settings/retention-settings.js';
import type { BackupPlace } from './place.js';
import { planRetention, type PlanOptions, type SetDecision } from './policy.js';
import { MANIFEST_SUFFIX, readInventory, type BackupSetInfo } from './sets.js';

export interface ApplyRetentionOptions extends PlanOptions {
  /** Plan only: nothing is removed, the result shows what would be. */
  dryRun: boolean;
}

export interface SetResult {
  id: string;
  manifest: string;
  archives: string[];
  createdAt: string;
  status: BackupSetInfo['status'];
  database: string;
  schemas: string[];
  verified: boolean;
  good: boolean;
  /** Why the set is not verified (archive missing, wrong size). */
  problems: string[];
  action: 'keep' | 'delete';
  reasons: string[];
  /**
   * What happened: `kept`; `deleted`; `planned` (dry run: would be deleted); `failed` (a delete failed, the
   * set is still there with its manifest, and the next run tries again).
   */
  outcome: 'kept' | 'deleted' | 'planned' | 'failed';
  /** Bytes of the set's files present at the place (archives + manifest). */
  bytes: number;
}

export interface KeptSetRef {
  id: string;
  manifest: string;
  createdAt: string;
}

export interface PlaceRetentionResult {
  place: string;
  kind: BackupPlace['kind'];
  dryRun: boolean;
  policy: RetentionPolicy;
  /** Why nothing was (or would be) deleted at this place, when that is so. */
  blocked?: string;
  /** Newest first. */
  sets: SetResult[];
  setsKept: number;
  /** Sets removed whole (in a dry run: that would be). */
  setsDeleted: number;
  /** Sets whose delete failed part-way (see warnings). */
  setsFailed: number;
  /** Bytes removed (in a dry run: that would be). */
  bytesFreed: number;
  oldestKept?: KeptSetRef;
  newestKept?: KeptSetRef;
  /** Files named like manifests that are not this tool's: never touched. */
  ignored: Array<{ name: string; reason: string }>;
  /** Failures: listing, reading a manifest, deleting a file. The caller makes the run `partial`. */
  warnings: string[];
  /** Worth showing, not failures (sets dated in the future). */
  notes: string[];
}

const ref = (s: SetResult): KeptSetRef => ({ id: s.id, manifest: s.manifest, createdAt: s.createdAt });

function setBytes(set: BackupSetInfo): number {
  return set.archives.reduce((sum, a) => sum + (a.bytes ?? 0), set.manifestBytes);
}

export async function applyRetention(
  place: BackupPlace,
  policy: RetentionPolicy,
  options: ApplyRetentionOptions,
): Promise<PlaceRetentionResult> {
  const result: PlaceRetentionResult = {
    place: place.label,
    kind: place.kind,
    dryRun: options.dryRun,
    policy,
    sets: [],
    setsKept: 0,
    setsDeleted: 0,
    setsFailed: 0,
    bytesFreed: 0,
    ignored: [],
    warnings: [],
    notes: [],
  };

  let inventory;
  try {
    inventory = await readInventory(place);
  } catch (error) {
    result.blocked = `${place.label} could not be listed, so nothing is deleted here`;
    result.warnings.push(`retention at ${place.label}: cannot list it: ${(error as Error).message}`);
    return result;
  }
  result.ignored = inventory.ignored;
  for (const u of inventory.unreadable)
    result.warnings.push(`retention at ${place.label}: cannot read ${u.name} (left alone): ${u.error}`);

  const plan = planRetention(inventory.sets, policy, options);
  if (plan.blocked) result.blocked = plan.blocked;
  result.notes.push(...plan.notes);

  // A file named by a set that stays, or the archive beside a manifest we could not read or do not know, is
  // never removed with another set.
  const stays = new Set([
    ...plan.decisions.filter((d) => d.action === 'keep').flatMap((d) => [d.set.manifest, ...archiveNames(d)]),
    ...[...inventory.unreadable, ...inventory.ignored].map((m) => m.name.slice(0, -MANIFEST_SUFFIX.length)),
  ]);
  // Oldest first: an interrupted purge has then removed the sets that mattered least.
  const outcomes = new Map<SetDecision, { outcome: SetResult['outcome']; freed: number }>();
  for (const d of [...plan.decisions].reverse()) {
    if (d.action === 'keep') outcomes.set(d, { outcome: 'kept', freed: 0 });
    else if (options.dryRun) outcomes.set(d, { outcome: 'planned', freed: removableBytes(d, stays) });
    else outcomes.set(d, await deleteSet(place, d, stays, result.warnings));
  }

  for (const d of plan.decisions) {
    const done = outcomes.get(d) ?? { outcome: 'kept', freed: 0 };
    result.sets.push({
      id: d.set.id,
      manifest: d.set.manifest,
      archives: archiveNames(d),
      createdAt: d.set.createdAt,
      status: d.set.status,
      database: d.set.database,
      schemas: d.set.schemas,
      verified: d.set.verified,
      good: d.good,
      problems: d.set.problems,
      action: d.action,
      reasons: d.reasons,
      outcome: done.outcome,
      bytes: setBytes(d.set),
    });
    result.bytesFreed += done.freed;
  }
  const kept = result.sets.filter((s) => s.outcome === 'kept');
  result.setsKept = kept.length;
  result.setsDeleted = result.sets.filter((s) => s.outcome === 'deleted' || s.outcome === 'planned').length;
  result.setsFailed = result.sets.filter((s) => s.outcome === 'failed').length;
  const newest = kept[0];
  const oldest = kept[kept.length - 1];
  if (newest) result.newestKept = ref(newest);
  if (oldest) result.oldestKept = ref(oldest);
  return result;
}

const archiveNames = (d: SetDecision): string[] => d.set.archives.map((a) => a.name);

/** The archives deleteSet removes: present as plain files and not named by a set that stays. */
const removable = (d: SetDecision, stays: Set<string>) =>
  d.set.archives.filter(
    (a): a is typeof a & { bytes: number } => a.bytes !== undefined && !stays.has(a.name),
  );

const removableBytes = (d: SetDecision, stays: Set<string>): number =>
  removable(d, stays).reduce((sum, a) => sum + a.bytes, d.set.manifestBytes);

/**
 * Removes the set's archives, then its manifest, only when every archive is gone: an archive is never left
 * without the manifest that makes it recognisable as ours.
 */
async function deleteSet(
  place: BackupPlace,
  d: SetDecision,
  stays: Set<string>,
  warnings: string[],
): Promise<{ outcome: SetResult['outcome']; freed: number }> {
  let freed = 0;
  const ground: Ground = {
    kind: 'superseded',
    setId: d.set.id,
    schemas: d.set.verified ? d.set.dataSchemas : [],
    keptNewer: d.keptNewer ?? {},
  };
  const remove = (name: string) =>
    removeFile({ name, where: place.label, unlink: () => place.remove(name) }, ground);
  for (const archive of removable(d, stays)) {
    try {
      await remove(archive.name);
      freed += archive.bytes;
    } catch (error) {
      warnings.push(
        `retention at ${place.label}: could not delete ${archive.name} of set ${d.set.id} ` +
          `(${d.reasons.join(', ')}): ${(error as Error).message}; its manifest is kept, the next run tries again`,
      );
      return { outcome: 'failed', freed };
    }
  }
  try {
    await remove(d.set.manifest);
    freed += d.set.manifestBytes;
  } catch (error) {
    warnings.push(
      `retention at ${place.label}: could not delete ${d.set.manifest} of set ${d.set.id}: ` +
        `${(error as Error).message}; the next run tries again`,
    );
    return { outcome: 'failed', freed };
  }
  return { outcome: 'deleted', freed };
}
