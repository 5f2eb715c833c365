// Figures that every report (summary, e-mail) shows the same way, computed in one place.
import type { DestinationReport, RunReport, SchemaReport } from '../run-report.js';
import { isSafe } from '../status.js';
import { t, type ReportLanguage } from './i18n.js';

export interface Share {
  bytes: number;
  percent: number;
  /** Dump bytes per archive byte, for the whole archive the schema is in. */
  ratio: number;
}

/** A schema's part of its archive, in proportion to its dump bytes (the zip holds them all). */
export function archiveShare(report: RunReport, schema: SchemaReport): Share | undefined {
  const archive = report.archives.find((a) => a.name === schema.archive);
  if (!archive || archive.bytes === 0) return undefined;
  const total = report.schemas
    .filter((s) => archive.schemas.includes(s.name))
    .reduce((n, s) => n + s.dumpBytes, 0);
  if (total === 0) return undefined;
  const share = schema.dumpBytes / total;
  return {
    bytes: Math.round(archive.bytes * share),
    percent: Math.round(share * 100),
    ratio: total / archive.bytes,
  };
}

/** Schemas exported cleanly and safely archived (verified, and at one place at least), as in `2/3`. */
export function schemasOk(report: RunReport): number {
  const safe = new Set(report.archives.filter(isSafe).flatMap((a) => a.schemas));
  return report.schemas.filter((s) => s.outcome === 'success' && safe.has(s.name)).length;
}

export function destinationKind(lang: ReportLanguage, d: DestinationReport): string {
  if (d.kind === 'local') return t(lang, 'destination.local');
  if (d.kind === 'folder') return t(lang, 'destination.folder');
  return t(lang, 'destination.sftp');
}

/** How a copy was checked and, for SFTP, how its bytes travelled (OpenSSH or the built-in client). */
export function copyCheck(lang: ReportLanguage, d: DestinationReport): string {
  return d.transfer
    ? `${d.verification}; ${t(lang, 'destination.transfer', { transfer: d.transfer })}`
    : d.verification;
}
