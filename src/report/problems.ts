// Every problem of a run in one list, for every report (summary, e-mail): the run's and each schema's findings,
// plus each failed copy that no finding already names.
import type { DestinationReport, RunReport } from '../run-report.js';
import type { Finding } from '../types.js';
import type { FailureSite } from './advice.js';
import { t, type ReportLanguage } from './i18n.js';

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
