// Every problem of a run in one list, for every report (summary, e-mail): the run's and each schema's findings,
// plus each failed copy that no finding already names.
import type { DestinationReport, RunReport, SchemaReport } from '../run-report.js';
import type { Finding } from '../types.js';
import type { FailureSite } from './advice.js';
import { t, tn, type ReportLanguage } from './i18n.js';

export const SITE: Record<DestinationReport['kind'], FailureSite> = {
  local: 'folder',
  folder: 'share',
  sftp: 'sftp',
};

export interface Problem {
  owner: string;
  finding: Finding;
  site?: FailureSite;
}

/** Every finding, and a failed copy that no finding names (as the e-mail lists them). */
export function reportProblems(report: RunReport, lang: ReportLanguage): Problem[] {
  const list: Problem[] = [
    ...report.findings.map((finding) => ({ owner: t(lang, 'problem.run'), finding })),
    ...report.schemas.flatMap((s) => s.findings.map((finding) => ({ owner: s.name, finding }))),
  ];
  for (const archive of report.archives)
    for (const d of archive.destinations.filter((d) => !d.ok)) {
      if (report.findings.some((f) => f.message.includes(d.location))) continue;
      list.push({
        owner: t(lang, 'problem.run'),
        site: SITE[d.kind],
        finding: {
          severity: 'error',
          code: 'COPY',
          message: t(lang, 'problem.copyFailed', {
            archive: archive.name,
            destination: d.location,
            error: d.error ?? t(lang, 'destination.failed'),
          }),
          advice: t(lang, 'problem.copyAdvice'),
        },
      });
    }
  return list;
}

/** Skipped tables a schema's note names at most; the rest are counted, and the report JSON lists them all. */
export const SKIPPED_SHOWN = 10;

/**
 * The skipped tables a schema's row adds to its reason, or undefined when there is nothing to add. The reason
 * often names them already ("2 tables skipped (A, B)"): those are not repeated, so each table is shown once; any
 * beyond SKIPPED_SHOWN are counted, with where the full list is.
 */
export function skippedTablesNote(lang: ReportLanguage, schema: SchemaReport): string | undefined {
  const named = (table: string): boolean => {
    const at = schema.reason.indexOf(table);
    return at >= 0 && !/[\w$#]/.test(schema.reason.charAt(at + table.length));
  };
  const rest = schema.skippedTables.filter((table) => !named(table));
  if (rest.length === 0) return undefined;
  const shown = rest.slice(0, SKIPPED_SHOWN).join(', ');
  const more =
    rest.length > SKIPPED_SHOWN ? ` ${tn(lang, 'schema.skippedMore', rest.length - SKIPPED_SHOWN)}` : '';
  const key = rest.length < schema.skippedTables.length ? 'schema.skippedAlso' : 'schema.skipped';
  return t(lang, key, { tables: shown + more });
}
