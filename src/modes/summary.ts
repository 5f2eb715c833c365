// What verify and monitor report: the job summary (GitHub Markdown), a plain-text version for the run log, and the
// e-mail. Built from the mode's result object only; every piece of data from a manifest, a path or an error is
// escaped (a manifest at a destination is data written by whoever can write there).
import type { EmailMessage } from '../report/email.js';
import { escapeHtml } from '../report/email.js';
import { formatBytes } from '../report/format.js';
import { formatDateTime } from '../report/i18n.js';
import { escapeMarkdown } from '../report/summary.js';
import { formatDuration, formatElapsed } from '../settings/parse.js';
import type { RunStatus } from '../types.js';
import type { MonitorModeResult } from './monitor.js';
import type { VerifyModeResult } from './verify.js';

export type ModeResult = VerifyModeResult | MonitorModeResult;

const STATUS_ICON: Record<RunStatus, string> = { success: '✅', partial: '⚠️', failure: '❌' };
const BANNER: Record<RunStatus, string> = { success: '#1a7f37', partial: '#9a6700', failure: '#cf222e' };
/** Lines of problems or warnings shown; the rest are counted. */
const MAX_LINES = 100;
/** Control characters are dropped from any shown text (a manifest may hold anything). */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

const md = (text: string | number): string => escapeMarkdown(String(text).replace(CONTROL_RE, ''));

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The first MAX_LINES; past them, how many more `what` there are and where: the run log has every one. */
function capped(lines: string[], icon: string, what: string): string[] {
  const shown = lines.slice(0, MAX_LINES).map((l) => `- ${icon} ${md(l)}`);
  if (lines.length > MAX_LINES)
    shown.push(`- … and ${lines.length - MAX_LINES} more ${what}, listed in the run log`);
  return shown;
}

/** A point in time as the backup reports show it: `2026-12-08 01:30 UTC`, in the runner's zone with the zone. */
const when = (iso: string): string =>
  formatDateTime('en', iso, Intl.DateTimeFormat().resolvedOptions().timeZone);

const took = (ms: number) => formatElapsed(ms);
const title = (r: ModeResult) => `${STATUS_ICON[r.status]} Oracle backup ${r.mode}: ${r.status}`;

/** The job summary of a verify or monitor run, in GitHub Markdown. */
export function renderModeSummary(result: ModeResult): string {
  const parts: string[] = [`## ${title(result)}`, md(result.statusReason)];
  if (result.mode === 'verify') {
    parts.push(
      `Destination ${md(result.destination)} · checked ${md(when(result.startedAt))} · took ${took(result.durationMs)}`,
    );
    if (result.sets.length > 0) {
      parts.push('### Backup sets verified');
      parts.push(
        table(
          ['Set', 'Database', 'Created', 'Schemas', 'Archive', 'Size', 'Entries read', 'Result'],
          result.sets.flatMap((set) =>
            (set.archives.length > 0 ? set.archives : [undefined]).map((a) => [
              md(set.manifest),
              md(set.database || '—'),
              md(when(set.createdAt)),
              md(set.schemas.join(', ') || '—'),
              a ? `${md(a.name)}${a.encrypted ? ' 🔒' : ''}${a.how ? ` (${md(a.how)})` : ''}` : '—',
              a?.bytes !== undefined ? formatBytes(a.bytes) : '—',
              a ? String(a.entries.length) : '—',
              !a
                ? `❌ ${md(set.problems[0] ?? 'not checked')}`
                : a.ok
                  ? '✅ SHA-256, CRC and every dump hash match'
                  : `❌ ${md(a.failedFiles.join(', ') || 'failed')}`,
            ]),
          ),
        ),
      );
    }
  } else {
    parts.push(
      `max-age ${formatDuration(result.maxAgeMs)} · smaller than ${Math.round(result.minSizeRatio * 100)}% of the ` +
        `usual size is an alarm · checked ${md(when(result.startedAt))} · took ${took(result.durationMs)}`,
    );
    if (result.destinations.length > 0) {
      parts.push('### Destinations');
      parts.push(
        table(
          ['Destination', 'Database', 'Newest good backup', 'Age', 'Size', 'Result'],
          result.destinations.flatMap((d) =>
            d.databases.length === 0
              ? [[md(d.label), '—', '—', '—', '—', `❌ ${md(d.problems[0] ?? d.error ?? 'no backup')}`]]
              : d.databases.map((db) => {
                  const good = db.newestGood;
                  return [
                    md(d.label),
                    md(db.database || '—'),
                    good ? `${md(when(good.createdAt))} (${md(good.manifest)})` : '—',
                    good ? formatDuration(Math.max(0, good.ageMs)) : '—',
                    good ? formatBytes(good.archiveBytes) : '—',
                    db.ok ? '✅' : `❌ ${md(db.problems[0] ?? 'failed')}`,
                  ];
                }),
          ),
        ),
      );
    }
  }
  if (result.problems.length > 0)
    parts.push('### Problems', capped(result.problems, '❌', 'problems').join('\n'));
  if (result.warnings.length > 0)
    parts.push('### Warnings', capped(result.warnings, '⚠️', 'warnings').join('\n'));
  return parts.join('\n\n') + '\n';
}

/** The same facts as plain text, for the run log and the e-mail's text part. */
export function renderModeText(result: ModeResult): string {
  const clean = (t: string | number) => String(t).replace(CONTROL_RE, '');
  const lines = [`Oracle backup ${result.mode}: ${result.status}`, clean(result.statusReason), ''];
  if (result.mode === 'verify') {
    lines.push(`Destination: ${clean(result.destination)}`);
    for (const set of result.sets) {
      lines.push(
        `Set ${clean(set.manifest)} (${clean(when(set.createdAt))}, ${clean(set.schemas.join(', '))}):`,
      );
      for (const a of set.archives)
        lines.push(`  ${clean(a.name)}: ${a.ok ? 'OK' : `FAILED (${clean(a.failedFiles.join(', '))})`}`);
    }
  } else {
    lines.push(`max-age: ${formatDuration(result.maxAgeMs)}`);
    for (const d of result.destinations) {
      lines.push(`${clean(d.label)}: ${d.ok ? 'OK' : 'PROBLEM'}`);
      for (const db of d.databases) {
        const good = db.newestGood;
        lines.push(
          `  ${clean(db.database || '(no database)')}: ` +
            (good
              ? `newest good ${clean(when(good.createdAt))}, ${formatDuration(Math.max(0, good.ageMs))} old, ${formatBytes(good.archiveBytes)}`
              : 'no good backup'),
        );
      }
    }
  }
  if (result.problems.length > 0) lines.push('', 'Problems:', ...result.problems.map((p) => `- ${clean(p)}`));
  if (result.warnings.length > 0) lines.push('', 'Warnings:', ...result.warnings.map((w) => `- ${clean(w)}`));
  return lines.join('\n') + '\n';
}

export interface ModeEmailOptions {
  /** The run log (already scrubbed), attached whole. */
  runLogText: string;
  runLogName: string;
  /** Masks secrets once more before escaping. */
  scrub?: (text: string) => string;
}

/** The e-mail of a verify or monitor run, for sendEmail (report/email.ts). */
export function buildModeEmail(result: ModeResult, options: ModeEmailOptions): EmailMessage {
  const scrub = options.scrub ?? ((t: string) => t);
  const esc = (t: string | number) => escapeHtml(scrub(String(t)));
  const text = scrub(renderModeText(result));
  const reason = result.statusReason.replace(/\s+/g, ' ');
  const subject = scrub(
    `[${result.status}] Oracle backup ${result.mode}: ${reason.length > 120 ? `${reason.slice(0, 117)}...` : reason}`,
  );
  const list = (items: string[], color: string) =>
    items.length === 0
      ? ''
      : `<ul style="margin:8px 0;padding-left:20px;color:${color}">${items
          .slice(0, MAX_LINES)
          .map((p) => `<li>${esc(p)}</li>`)
          .join('')}</ul>`;
  const html = [
    '<!DOCTYPE html><html><body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328">',
    `<table role="presentation" width="640" cellpadding="12" cellspacing="0" style="border-collapse:collapse">`,
    `<tr><td style="background:${BANNER[result.status]};color:#ffffff;font-size:18px;font-weight:bold">`,
    `${esc(`Oracle backup ${result.mode}: ${result.status}`)}</td></tr>`,
    `<tr><td>${esc(result.statusReason)}</td></tr>`,
    `<tr><td><pre style="font-family:Consolas,Menlo,monospace;font-size:12px;white-space:pre-wrap">${esc(text)}</pre></td></tr>`,
    `<tr><td>${list(result.problems, '#a40e26')}${list(result.warnings, '#7d4e00')}</td></tr>`,
    '</table></body></html>',
  ].join('');
  return {
    subject: subject.replace(/[\r\n]+/g, ' '),
    html,
    text,
    attachments: [{ filename: options.runLogName, content: options.runLogText }],
  };
}
