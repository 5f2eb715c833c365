// The job summary in GitHub Markdown, built once from the run report. User data is escaped; the text stays far
// below GitHub's 1 MiB cap.
import { formatBytes } from './format.js';
import type { RunReport, SchemaReport } from '../run-report.js';
import { formatDuration } from '../settings/parse.js';
import type { Finding, RunStatus, SchemaOutcome } from '../types.js';

/** GitHub refuses summaries over 1 MiB; leave room for anything appended by other steps. */
export const SUMMARY_LIMIT = 512 * 1024;

const STATUS_ICON: Record<RunStatus, string> = { success: '✅', partial: '⚠️', failure: '❌' };
const DESTINATION_KIND = { local: 'work-dir', folder: 'folder', sftp: 'SFTP' } as const;
const OUTCOME_LABEL: Record<SchemaOutcome, string> = {
  success: '✅ success',
  warning: '⚠️ completed with errors',
  failed: '❌ failed',
};

/** Escapes text for a Markdown table cell or line: HTML is live in summaries and `|` splits cells. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#|]/g, (m) => `\\${m}`)
    .replace(/\r?\n/g, ' ');
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : formatDuration(Math.round(ms / 1000) * 1000);
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The share of an archive's size that a schema accounts for, by its part of the dump bytes in that archive. */
function archiveShare(report: RunReport, schema: SchemaReport): string {
  const archive = report.archives.find((a) => a.name === schema.archive);
  if (!archive || archive.bytes === 0) return '—';
  const total = report.schemas
    .filter((s) => archive.schemas.includes(s.name))
    .reduce((n, s) => n + s.dumpBytes, 0);
  if (total === 0) return '—';
  const share = schema.dumpBytes / total;
  return `${formatBytes(Math.round(archive.bytes * share))} (${Math.round(share * 100)}%)`;
}

function findingLines(owner: string, findings: Finding[]): string[] {
  return findings.map(
    (f) =>
      `- ${f.severity === 'error' ? '❌' : '⚠️'} **${escapeMarkdown(owner)}** \`${escapeMarkdown(f.code)}\` ${escapeMarkdown(f.message)}` +
      `<br>➡️ ${escapeMarkdown(f.advice)}`,
  );
}

export function buildSummary(report: RunReport): string {
  const parts: string[] = [];
  const title = report.dryRun
    ? `🧪 Oracle backup dry run: ${report.status}`
    : `${STATUS_ICON[report.status]} Oracle backup: ${report.status}`;
  parts.push(`## ${title}`);
  parts.push(
    `${escapeMarkdown(report.statusReason)}\n\n` +
      `Database \`${escapeMarkdown(report.database.connectString)}\` · started ${report.startedAt} · ` +
      `took ${duration(report.durationMs)} · exported ${formatBytes(report.bytesExported)} · ` +
      `archived ${formatBytes(report.bytesArchived)}`,
  );

  if (report.schemas.length > 0) {
    parts.push('### Schemas');
    parts.push(
      table(
        ['Schema', 'Status', 'Tables', 'Rows', 'Dump size', 'Archive share', 'Duration', 'Details'],
        report.schemas.map((s) => [
          escapeMarkdown(s.name),
          OUTCOME_LABEL[s.outcome],
          String(s.tables),
          s.rows.toLocaleString('en-US'),
          formatBytes(s.dumpBytes),
          archiveShare(report, s),
          duration(s.durationMs),
          escapeMarkdown(s.reason),
        ]),
      ),
    );
  }

  if (report.archives.length > 0) {
    parts.push('### Archives');
    parts.push(
      table(
        ['Archive', 'Schemas', 'Size', 'Encrypted', 'Verified', 'SHA-256'],
        report.archives.map((a) => [
          escapeMarkdown(a.name),
          escapeMarkdown(a.schemas.join(', ')),
          formatBytes(a.bytes),
          a.encrypted ? 'AES-256' : 'no',
          a.verified ? '✅ every entry' : `❌ ${escapeMarkdown(a.problems.join('; '))}`,
          a.sha256 ? `\`${a.sha256}\`` : '—',
        ]),
      ),
    );
    parts.push('### Destinations');
    parts.push(
      table(
        ['Archive', 'Destination', 'Result', 'Verification', 'Time', 'Throughput'],
        report.archives.flatMap((a) =>
          a.destinations.map((d) => [
            escapeMarkdown(a.name),
            `${DESTINATION_KIND[d.kind]} \`${escapeMarkdown(d.location)}\``,
            d.ok ? '✅ copied' : `❌ ${escapeMarkdown(d.error ?? 'failed')}`,
            escapeMarkdown(d.verification),
            duration(d.durationMs),
            d.throughputBytesPerSec ? `${formatBytes(d.throughputBytesPerSec)}/s` : '—',
          ]),
        ),
      ),
    );
  }

  if (report.retention) parts.push(...retentionSection(report));

  const problems = [
    ...(report.findings.length ? findingLines('run', report.findings) : []),
    ...report.schemas.flatMap((s) => findingLines(s.name, s.findings)),
  ];
  if (problems.length > 0) {
    parts.push('### Problems and what to do');
    const shown = problems.slice(0, 200);
    parts.push(shown.join('\n'));
    if (problems.length > shown.length)
      parts.push(`…and ${problems.length - shown.length} more in the run log.`);
  }

  const failedChecks = report.preflight.filter((c) => !c.ok);
  if (report.dryRun || failedChecks.length > 0) {
    parts.push('### Pre-flight checks');
    parts.push(
      table(
        ['Check', 'Result', 'Detail'],
        report.preflight.map((c) => [escapeMarkdown(c.name), c.ok ? '✅' : '❌', escapeMarkdown(c.detail)]),
      ),
    );
  }

  if (report.plan) {
    parts.push('### Plan');
    parts.push(`Archives: ${report.plan.archives.map((a) => `\`${escapeMarkdown(a)}\``).join(', ')}`);
    parts.push(`Destinations: ${report.plan.destinations.map((d) => `\`${escapeMarkdown(d)}\``).join(', ')}`);
    for (const s of report.plan.schemas) {
      // A fenced block shows text literally; only a fence inside it could break out, so those are neutralised.
      parts.push(
        `<details><summary>${escapeMarkdown(s.name)}: parfile</summary>\n\n\`\`\`\n${s.parfile.replace(/```/g, "'''")}\`\`\`\n</details>`,
      );
    }
  }

  const files = [
    report.logPath && `run log \`${escapeMarkdown(report.logPath)}\``,
    report.reportPath && `report \`${escapeMarkdown(report.reportPath)}\``,
  ].filter(Boolean);
  if (files.length > 0)
    parts.push(
      `<sub>${files.join(' · ')} · ${escapeMarkdown(report.tool.name)} ${escapeMarkdown(report.tool.version)}</sub>`,
    );

  let text = parts.join('\n\n') + '\n';
  if (Buffer.byteLength(text) > SUMMARY_LIMIT) {
    text = Buffer.from(text)
      .subarray(0, SUMMARY_LIMIT - 200)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    text += "\n\n…the summary was cut to stay under GitHub's size limit; the run log has everything.\n";
  }
  return text;
}

function retentionSection(report: RunReport): string[] {
  const retention = report.retention!;
  const deleted = report.dryRun ? 'Would delete' : 'Deleted';
  const parts = ['### Retention'];
  parts.push(
    table(
      ['Place', 'Kept', deleted, 'Freed', 'Oldest kept', 'Newest kept', 'Note'],
      retention.places.map((p) => [
        `\`${escapeMarkdown(p.place)}\``,
        String(p.setsKept),
        String(p.setsDeleted) + (p.setsFailed ? ` (${p.setsFailed} failed)` : ''),
        formatBytes(p.bytesFreed),
        p.oldestKept ? p.oldestKept.createdAt : '—',
        p.newestKept ? p.newestKept.createdAt : '—',
        escapeMarkdown([p.blocked, ...p.warnings].filter(Boolean).join('; ') || '—'),
      ]),
    ),
  );
  const gone = retention.places.flatMap((p) =>
    p.sets
      .filter((x) => x.action === 'delete')
      .map(
        (x) =>
          `- \`${escapeMarkdown(p.place)}\`: ${escapeMarkdown(x.archives.join(', '))} — ${escapeMarkdown(x.reasons.join('; '))}`,
      ),
  );
  if (gone.length > 0) {
    const shown = gone.slice(0, 100);
    if (gone.length > shown.length) shown.push(`- …and ${gone.length - shown.length} more in the run log`);
    parts.push(
      `<details><summary>${deleted} ${gone.length} backup set(s)</summary>\n\n${shown.join('\n')}\n</details>`,
    );
  }
  const extra: string[] = [];
  const dumps = retention.leftoverDumps;
  if (dumps && dumps.removed.length > 0)
    extra.push(
      `${deleted.toLowerCase()} ${dumps.removed.length} leftover dump file(s) of earlier runs (${formatBytes(dumps.bytesFreed)})`,
    );
  const logs = retention.runLogs;
  if (logs && logs.removed.length > 0)
    extra.push(
      `${deleted.toLowerCase()} ${logs.removed.length} run log(s) older than ${logs.logRetentionDays} days`,
    );
  if (extra.length > 0) parts.push(extra.map((e) => `- ${e}`).join('\n'));
  return parts;
}
