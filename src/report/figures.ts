// Figures that every report (summary, e-mail) shows the same way, computed in one place.
import type { DestinationReport, RunReport, SchemaReport } from '../run-report.js';
import { isSafe } from '../status.js';
import { t, type ReportLanguage } from './i18n.js';

export interface Share {
  /** Bytes of the schema's entries in the zip (its dump files and Oracle log), as the zip records them. */
  bytes: number;
  /** Those bytes as a part of the whole archive file. */
  percent: number;
  /** The schema's dump bytes per byte of its entries in the zip. */
  ratio: number;
}

/**
 * A schema's part of its archive, measured: the compressed sizes of its own entries. Undefined when the archive
 * does not record them (nothing is estimated).
 */
export function archiveShare(report: RunReport, schema: SchemaReport): Share | undefined {
  const archive = report.archives.find((a) => a.name === schema.archive);
  if (!archive || archive.bytes === 0) return undefined;
  const own = archive.entries.filter((e) => e.schema === schema.name);
  if (own.length === 0 || own.some((e) => e.compressedBytes === undefined)) return undefined;
  const bytes = own.reduce((n, e) => n + (e.compressedBytes ?? 0), 0);
  if (bytes === 0) return undefined;
  return {
    bytes,
    percent: Math.round((bytes / archive.bytes) * 100),
    ratio: schema.dumpBytes / bytes,
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
