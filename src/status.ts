// How a run's status is decided (the contract's success / partial / failure) and whether the step fails.
import type { ArchiveReport, SchemaReport } from './run-report.js';
import type { FailOn, Finding, RunStatus } from './types.js';

export interface StatusInput {
  schemas: SchemaReport[];
  archives: ArchiveReport[];
  /** Run-level problems; an `error` among them means something went wrong beyond the schemas. */
  findings: Finding[];
  /** Deletes that failed during retention: never fatal, but the run is not clean. */
  retentionWarnings?: string[];
}

/** A set counts as backed up when its archive verified locally and reached at least one place intact. */
export function isSafe(archive: ArchiveReport): boolean {
  return archive.verified && archive.destinations.some((d) => d.ok);
}

export function decideStatus(input: StatusInput): { status: RunStatus; reason: string } {
  const total = input.schemas.length;
  const safeSchemas = new Set(input.archives.filter(isSafe).flatMap((a) => a.schemas));
  if (safeSchemas.size === 0) {
    const failed = input.schemas.filter((s) => s.outcome === 'failed').length;
    return {
      status: 'failure',
      reason:
        failed === total && total > 0
          ? `every schema failed to export (${failed}/${total})`
          : 'no archive was written and verified, so nothing usable was backed up',
    };
  }
  const problems: string[] = [];
  const notSafe = input.schemas.filter((s) => !safeSchemas.has(s.name));
  if (notSafe.length > 0) problems.push(`${notSafe.length}/${total} schema(s) not backed up`);
  const withErrors = input.schemas.filter((s) => s.outcome === 'warning');
  if (withErrors.length > 0) problems.push(`${withErrors.length} schema(s) completed with errors`);
  const failedDestinations = input.archives.flatMap((a) => a.destinations).filter((d) => !d.ok);
  if (failedDestinations.length > 0) problems.push(`${failedDestinations.length} copy(ies) failed`);
  const unverified = input.archives.filter((a) => !a.verified);
  if (unverified.length > 0) problems.push(`${unverified.length} archive(s) failed verification`);
  const errors = input.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) problems.push(`${errors.length} other error(s)`);
  const retention = input.retentionWarnings ?? [];
  if (retention.length > 0) problems.push(`retention failed to delete ${retention.length} item(s)`);
  if (problems.length > 0) return { status: 'partial', reason: problems.join('; ') };
  return {
    status: 'success',
    reason: `${total}/${total} schema(s) exported, archived and verified at every destination`,
  };
}

export function stepFails(status: RunStatus, failOn: FailOn): boolean {
  return status === 'failure' || (status === 'partial' && failOn === 'partial');
}
