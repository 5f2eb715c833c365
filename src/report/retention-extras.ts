// The lines retention adds below its table (leftover dumps and old run logs removed), decided once for the job
// summary and the e-mail, which only word them in their own format.
import type { RetentionReport } from '../run-report.js';

export type RetentionExtra =
  | { key: 'retention.dumpsDeleted' | 'retention.dumpsWouldDelete'; count: number; bytes: number }
  | { key: 'retention.logsDeleted' | 'retention.logsWouldDelete'; count: number; days: number };

/** What retention removed beside whole sets (in a dry run: would remove); nothing when it removed nothing. */
export function retentionExtras(retention: RetentionReport | undefined, dryRun: boolean): RetentionExtra[] {
  const out: RetentionExtra[] = [];
  const dumps = retention?.leftoverDumps;
  if (dumps && dumps.removed.length > 0)
    out.push({
      key: dryRun ? 'retention.dumpsWouldDelete' : 'retention.dumpsDeleted',
      count: dumps.removed.length,
      bytes: dumps.bytesFreed,
    });
  const logs = retention?.runLogs;
  if (logs && logs.removed.length > 0)
    out.push({
      key: dryRun ? 'retention.logsWouldDelete' : 'retention.logsDeleted',
      count: logs.removed.length,
      days: logs.logRetentionDays,
    });
  return out;
}
