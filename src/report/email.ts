// The e-mail report: built once from the run report (pure), then sent with nodemailer. The HTML is laid out with
// tables, attributes and inline styles only — what Outlook's Word engine and Gmail both render — with no script,
// no external image and no <style> block that an essential depends on. Every piece of run data is escaped.
import { rootCertificates } from 'node:tls';
import type { NodemailerError, SMTPTransportOptions, Transporter } from 'nodemailer';
import type { RunReport } from '../run-report.js';
import type { EmailOn, SmtpSettings } from '../settings/smtp-settings.js';
import type { RunStatus, SchemaOutcome } from '../types.js';
import {
  formatBytesIn,
  formatDateTime,
  formatElapsed,
  formatNumber,
  isoDate,
  t,
  tn,
  type ReportLanguage,
} from './i18n.js';
import { archiveShare, copyCheck, destinationKind, schemasOk } from './figures.js';
import { reportProblems, skippedTablesNote, type Problem } from './problems.js';
import { retentionExtras } from './retention-extras.js';
import { freePercent, previousFree, spaceChange } from './free-space.js';
import { trendPoints, type RunHistoryEntry, type TrendPoint } from './history.js';
import { makeMasker } from './run-log.js';

export interface EmailAttachment {
  filename: string;
  content: string;
}

export interface EmailMessage {
  subject: string;
  html: string;
  text: string;
  attachments: [EmailAttachment];
}

export interface BuildEmailOptions {
  lang: ReportLanguage;
  /** The run log as written to log-dir (already scrubbed); attached whole, its tail shown. */
  runLogText: string;
  runLogName: string;
  /** The runner's host name, shown and available to `{host}`. */
  host?: string;
  /** Database name for the subject; by default the service name of the connect string. */
  database?: string;
  /** `email-subject` template; empty or absent: status first. */
  subjectTemplate?: string;
  /** IANA time zone for the times shown; UTC unless given. */
  timeZone?: string;
  /** This database's earlier runs (loadHistory): the trend and the change of free space come from them. */
  history?: readonly RunHistoryEntry[];
  /** Masks secrets once more, before escaping (e.g. RunLog.scrub): a second line of defence. */
  scrub?: (text: string) => string;
}

/** How many lines of the run log the body shows. */
export const LOG_TAIL_LINES = 100;
/** Runs in the e-mail's trend table (the summary's charts show more; a mail stays short). */
export const EMAIL_TREND_RUNS = 10;
/** Findings shown in full; the rest are counted (the attached log has them all). */
const MAX_FINDINGS = 200;
/** Log lines are wrapped here: Outlook ignores `white-space: pre-wrap` and would widen the whole mail. */
const LOG_WRAP = 80;

const WIDTH = 640;
const FONT = "'Segoe UI', Helvetica, Arial, sans-serif";
const MONO = "Consolas, 'DejaVu Sans Mono', Menlo, monospace";
const INK = '#1f2328';
const MUTED = '#59636e';
const LINE = '#d8dee4';

const BANNER: Record<RunStatus, string> = { success: '#1a7f37', partial: '#9a6700', failure: '#cf222e' };
const PILL: Record<SchemaOutcome, { bg: string; fg: string }> = {
  success: { bg: '#dafbe1', fg: '#116329' },
  warning: { bg: '#fff8c5', fg: '#7d4e00' },
  failed: { bg: '#ffebe9', fg: '#a40e26' },
};
const BAR_BY_OUTCOME: Record<SchemaOutcome, string> = {
  success: '#2da44e',
  warning: '#d4a72c',
  failed: '#cf222e',
};
const BAR_PHASE = { export: '#0969da', archive: '#8250df', copy: '#1b7c83', failed: '#cf222e' };

// ---------------------------------------------------------------------------------------------------------------
// What the report says, computed once for both parts

/** The service name of an Easy Connect string (`host:1521/ORCLPDB1` → ORCLPDB1), or the TNS alias itself. */
export function databaseName(connectString: string): string {
  const rest = connectString.replace(/^(?:tcps?:)?\/\//i, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return rest;
  return rest.slice(slash + 1).split(/[:/?]/)[0] || rest;
}

interface Phase {
  label: string;
  ms: number;
  colour: string;
}

/** Export per schema, then per archive: zipping with its verification, and each copy. */
function phases(report: RunReport, lang: ReportLanguage): Phase[] {
  const list: Phase[] = report.schemas.map((s) => ({
    label: t(lang, 'phase.export', { schema: s.name }),
    ms: s.durationMs,
    colour: s.outcome === 'failed' ? BAR_PHASE.failed : BAR_PHASE.export,
  }));
  for (const a of report.archives) {
    const copies = a.destinations.filter((d) => d.kind !== 'local');
    // The local copy's time is zipping and verifying; the copies run at the same time, after it.
    const local = a.destinations.find((d) => d.kind === 'local');
    const copyMs = Math.max(0, ...copies.map((d) => d.durationMs));
    list.push({
      label: t(lang, 'phase.archive', { archive: a.name }),
      ms: local ? local.durationMs : Math.max(0, a.durationMs - copyMs),
      colour: a.verified ? BAR_PHASE.archive : BAR_PHASE.failed,
    });
    for (const d of copies)
      list.push({
        label: t(lang, 'phase.copy', { destination: d.location }),
        ms: d.durationMs,
        colour: d.ok ? BAR_PHASE.copy : BAR_PHASE.failed,
      });
  }
  return list;
}

function statusWord(lang: ReportLanguage, status: RunStatus): string {
  return t(lang, `status.${status}`).toLocaleUpperCase(lang);
}

function ratioText(lang: ReportLanguage, ratio: number): string {
  return `${formatNumber(lang, ratio, 1)}×`;
}

function logTail(text: string): string[] {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  return text.trim() === '' ? [] : lines.slice(-LOG_TAIL_LINES);
}

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

function oneLine(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(CONTROL_RE, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Subject

function buildSubject(report: RunReport, options: BuildEmailOptions, database: string): string {
  const { lang } = options;
  const date = isoDate(report.startedAt, options.timeZone);
  const ok = schemasOk(report);
  const total = report.schemas.length;
  const size = report.bytesArchived > 0 ? formatBytesIn(lang, report.bytesArchived) : '';
  const status = statusWord(lang, report.status);
  let subject: string;
  if (options.subjectTemplate) {
    const tokens: Record<string, string> = {
      status,
      database,
      host: options.host ?? '',
      date,
      schemas: `${ok}/${total}`,
      size: size || formatBytesIn(lang, 0),
    };
    subject = options.subjectTemplate.replace(
      /\{([a-z]+)\}/g,
      (whole, name: string) => tokens[name] ?? whole,
    );
  } else {
    const detail = report.dryRun
      ? t(lang, 'subject.dryRun')
      : [t(lang, 'subject.schemas', { ok, total }), size].filter(Boolean).join(', ');
    subject = `[${status}] ${t(lang, 'subject.backup')} ${database} ${date}: ${detail}`;
  }
  return oneLine(subject).trim();
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

export function escapeHtml(text: string): string {
  return text
    .replace(CONTROL_RE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

class Html {
  constructor(
    readonly lang: ReportLanguage,
    private readonly scrub: (text: string) => string,
  ) {}

  /** Run data → safe HTML text. */
  esc(text: string | number): string {
    return escapeHtml(this.scrub(String(text)));
  }

  scrubbed(text: string): string {
    return this.scrub(text);
  }

  /** A path or file name: may break after a separator instead of anywhere (`<wbr>` copies as nothing). */
  path(text: string): string {
    return this.esc(text).replace(/([/\\_])/g, '$1<wbr>');
  }

  section(title: string, body: string): string {
    return (
      `<tr><td style="padding:22px 24px 6px 24px;font-family:${FONT};font-size:16px;line-height:22px;` +
      `font-weight:bold;color:${INK};">${this.esc(title)}</td></tr>` +
      `<tr><td style="padding:0 24px 4px 24px;">${body}</td></tr>`
    );
  }

  pill(text: string, colours: { bg: string; fg: string }): string {
    return (
      `<span style="background-color:${colours.bg};color:${colours.fg};font-size:12px;line-height:18px;` +
      `font-weight:bold;padding:1px 7px;border-radius:9px;">${this.esc(text)}</span>`
    );
  }

  /** A horizontal bar: a table of two cells whose widths are the percentage (what Outlook draws reliably). */
  bar(value: number, max: number, colour: string): string {
    const percent = max > 0 && value > 0 ? Math.min(100, Math.max(1, Math.round((value / max) * 100))) : 0;
    const cell = (width: number, fill: string | undefined): string =>
      `<td width="${width}%" height="14"${fill ? ` bgcolor="${fill}"` : ''} style="width:${width}%;height:14px;` +
      `${fill ? `background-color:${fill};` : ''}font-size:1px;line-height:14px;">&nbsp;</td>`;
    const cells =
      percent === 0
        ? cell(100, '#eaeef2')
        : percent === 100
          ? cell(100, colour)
          : cell(percent, colour) + cell(100 - percent, undefined);
    return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;"><tr>${cells}</tr></table>`;
  }

  barChart(rows: Array<{ label: string; value: number; shown: string; colour: string }>): string {
    const max = Math.max(0, ...rows.map((r) => r.value));
    const body = rows
      .map(
        (r) =>
          `<tr><td width="170" style="width:170px;padding:3px 8px 3px 0;font-size:13px;line-height:18px;` +
          `color:${INK};word-break:break-word;overflow-wrap:anywhere;">${this.path(r.label)}</td>` +
          `<td style="padding:3px 0;">${this.bar(r.value, max, r.colour)}</td>` +
          `<td width="84" align="right" style="width:84px;padding:3px 0 3px 8px;font-size:13px;line-height:18px;` +
          `color:${INK};white-space:nowrap;">${this.esc(r.shown)}</td></tr>`,
      )
      .join('');
    return table(body);
  }
}

function table(body: string, extra = ''): string {
  return (
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" ` +
    `style="width:100%;border-collapse:collapse;font-family:${FONT};${extra}">${body}</table>`
  );
}

function th(text: string, align: 'left' | 'right' = 'left'): string {
  return (
    `<th align="${align}" style="padding:6px 6px;background-color:#f6f8fa;` +
    `border-bottom:1px solid ${LINE};font-size:12px;line-height:16px;font-weight:bold;color:${MUTED};` +
    `text-align:${align};">${text}</th>`
  );
}

function td(content: string, align: 'left' | 'right' = 'left', extra = ''): string {
  return (
    `<td align="${align}" valign="top" style="padding:7px 6px;border-bottom:1px solid #eaeef2;font-size:13px;` +
    `line-height:18px;color:${INK};text-align:${align};${extra}">${content}</td>`
  );
}

function small(text: string): string {
  return `<br><span style="font-size:11px;line-height:15px;color:${MUTED};">${text}</span>`;
}

function htmlBanner(h: Html, report: RunReport, database: string): string {
  const { lang } = h;
  const colour = BANNER[report.status];
  const dryRun = report.dryRun
    ? `<div style="font-size:13px;line-height:18px;padding-top:6px;">${h.esc(t(lang, 'banner.dryRun'))}</div>`
    : '';
  return (
    `<tr><td bgcolor="${colour}" style="background-color:${colour};padding:20px 24px;color:#ffffff;` +
    `font-family:${FONT};">` +
    `<div style="font-size:12px;line-height:16px;letter-spacing:1px;text-transform:uppercase;color:#ffffff;">` +
    `${h.esc(t(lang, 'banner.title', { database }))}</div>` +
    `<div style="font-size:28px;line-height:36px;font-weight:bold;color:#ffffff;">` +
    `${h.esc(statusWord(lang, report.status))}</div>` +
    `<div style="font-size:14px;line-height:20px;color:#ffffff;">${h.esc(report.statusReason)}</div>` +
    `${dryRun}</td></tr>`
  );
}

function htmlFacts(h: Html, report: RunReport, options: BuildEmailOptions): string {
  const { lang } = h;
  const tile = (label: string, value: string, extra = ''): string =>
    `<td width="33%" valign="top" style="width:33%;padding:10px 12px;border:1px solid ${LINE};` +
    `background-color:#f6f8fa;font-family:${FONT};">` +
    `<div style="font-size:11px;line-height:15px;color:${MUTED};text-transform:uppercase;letter-spacing:0.5px;">` +
    `${h.esc(label)}</div><div style="font-size:14px;line-height:20px;font-weight:bold;color:${INK};` +
    `word-break:break-word;overflow-wrap:anywhere;">${value}</div>${extra}</td>`;
  const host = options.host
    ? `<div style="font-size:11px;line-height:15px;color:${MUTED};">${h.esc(t(lang, 'fact.host'))}: ` +
      `${h.esc(options.host)}</div>`
    : '';
  const row1 =
    tile(t(lang, 'fact.database'), h.path(report.database.connectString), host) +
    tile(t(lang, 'fact.started'), h.esc(formatDateTime(lang, report.startedAt, options.timeZone))) +
    tile(t(lang, 'fact.duration'), h.esc(formatElapsed(lang, report.durationMs)));
  const row2 =
    tile(t(lang, 'fact.schemas'), h.esc(`${schemasOk(report)}/${report.schemas.length}`)) +
    tile(t(lang, 'fact.exported'), h.esc(formatBytesIn(lang, report.bytesExported))) +
    tile(t(lang, 'fact.archived'), h.esc(formatBytesIn(lang, report.bytesArchived)));
  return (
    `<tr><td style="padding:16px 24px 0 24px;">` +
    table(`<tr>${row1}</tr><tr>${row2}</tr>`, 'border:1px solid ' + LINE + ';') +
    `</td></tr>`
  );
}

function htmlSchemas(h: Html, report: RunReport): string {
  const { lang } = h;
  const none = h.esc(t(lang, 'value.none'));
  const head =
    `<tr>${th(h.esc(t(lang, 'col.schema')))}${th(h.esc(t(lang, 'col.status')))}` +
    `${th(h.esc(t(lang, 'col.rows')), 'right')}${th(h.esc(t(lang, 'col.dumpSize')), 'right')}` +
    `${th(h.esc(t(lang, 'col.archiveShare')), 'right')}${th(h.esc(t(lang, 'col.compression')), 'right')}` +
    `${th(h.esc(t(lang, 'col.time')), 'right')}</tr>`;
  const rows = report.schemas.map((s) => {
    const share = archiveShare(report, s);
    const row =
      `<tr>${td(`<b>${h.esc(s.name)}</b>${small(h.esc(tn(lang, 'schema.tables', s.tables)))}`)}` +
      `${td(h.pill(t(lang, `outcome.${s.outcome}`), PILL[s.outcome]), 'left', 'white-space:nowrap;')}` +
      `${td(h.esc(formatNumber(lang, s.rows)), 'right', 'white-space:nowrap;')}` +
      `${td(h.esc(formatBytesIn(lang, s.dumpBytes)), 'right', 'white-space:nowrap;')}` +
      `${td(share ? `${h.esc(formatBytesIn(lang, share.bytes))}${small(`${share.percent}%`)}` : none, 'right', 'white-space:nowrap;')}` +
      `${td(share ? h.esc(ratioText(lang, share.ratio)) : none, 'right', 'white-space:nowrap;')}` +
      `${td(h.esc(formatElapsed(lang, s.durationMs)), 'right', 'white-space:nowrap;')}</tr>`;
    if (s.outcome === 'success') return row;
    const note = skippedTablesNote(lang, s);
    const skipped = note ? `<br>${h.esc(note)}` : '';
    const pill = PILL[s.outcome];
    return (
      row +
      `<tr><td colspan="7" bgcolor="${pill.bg}" style="padding:6px 8px 8px 8px;background-color:${pill.bg};` +
      `border-bottom:1px solid #eaeef2;font-size:12px;line-height:17px;color:${INK};">` +
      `${h.esc(s.reason)}${skipped}</td></tr>`
    );
  });
  return h.section(t(lang, 'section.schemas'), table(head + rows.join('')));
}

function htmlArchives(h: Html, report: RunReport): string {
  const { lang } = h;
  const boxes = report.archives.map((a) => {
    const kv = (label: string, value: string): string =>
      `<tr><td width="110" valign="top" style="width:110px;padding:3px 8px 3px 0;font-size:12px;line-height:18px;` +
      `color:${MUTED};">${h.esc(label)}</td><td style="padding:3px 0;font-size:13px;line-height:18px;color:${INK};` +
      `word-break:break-word;overflow-wrap:anywhere;">${value}</td></tr>`;
    const verified = a.verified
      ? h.pill(t(lang, 'archive.verifiedOk'), PILL.success)
      : h.pill(t(lang, 'archive.notVerified', { problems: a.problems.join('; ') }), PILL.failed);
    const facts = table(
      kv(t(lang, 'archive.schemas'), h.esc(a.schemas.join(', '))) +
        kv(t(lang, 'archive.size'), h.esc(formatBytesIn(lang, a.bytes))) +
        kv(
          t(lang, 'archive.encrypted'),
          h.esc(a.encrypted ? t(lang, 'archive.aes') : t(lang, 'archive.notEncrypted')),
        ) +
        kv(t(lang, 'archive.verified'), verified) +
        kv(
          t(lang, 'archive.sha256'),
          `<span style="font-family:${MONO};font-size:11px;">${h.esc(a.sha256 || t(lang, 'value.none'))}</span>`,
        ),
    );
    const destinations =
      a.destinations.length === 0
        ? `<div style="font-size:13px;color:${MUTED};padding-top:6px;">${h.esc(t(lang, 'archive.noDestinations'))}</div>`
        : table(
            `<tr>${th(h.esc(t(lang, 'col.destination')))}${th(h.esc(t(lang, 'col.result')))}` +
              `${th(h.esc(t(lang, 'col.verification')))}${th(h.esc(t(lang, 'col.time')), 'right')}</tr>` +
              a.destinations
                .map(
                  (d) =>
                    `<tr>${td(
                      `<span style="font-size:11px;color:${MUTED};">${h.esc(destinationKind(lang, d))}</span><br>` +
                        `<span style="font-family:${MONO};font-size:12px;word-break:break-word;overflow-wrap:anywhere;">${h.path(d.location)}</span>`,
                      'left',
                      'width:210px;',
                    )}` +
                    `${td(h.pill(t(lang, d.ok ? 'destination.copied' : 'destination.failed'), d.ok ? PILL.success : PILL.failed))}` +
                    `${td(d.ok ? h.esc(copyCheck(lang, d)) : `<span style="color:#a40e26;">${h.esc(d.error ?? '')}</span>`)}` +
                    `${td(h.esc(formatElapsed(lang, d.durationMs)), 'right', 'white-space:nowrap;')}</tr>`,
                )
                .join(''),
            'margin-top:8px;',
          );
    return (
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" ` +
      `style="width:100%;border:1px solid ${LINE};margin-bottom:10px;font-family:${FONT};">` +
      `<tr><td style="padding:8px 12px;background-color:#f6f8fa;border-bottom:1px solid ${LINE};font-family:${MONO};` +
      `font-size:13px;line-height:18px;font-weight:bold;color:${INK};word-break:break-word;overflow-wrap:anywhere;">${h.path(a.name)}</td></tr>` +
      `<tr><td style="padding:8px 12px 10px 12px;">${facts}${destinations}</td></tr></table>`
    );
  });
  return h.section(t(lang, 'section.archives'), boxes.join(''));
}

function htmlProblems(h: Html, list: Problem[]): string {
  const { lang } = h;
  if (list.length === 0)
    return h.section(
      t(lang, 'section.problems'),
      `<div style="font-size:13px;line-height:18px;color:#116329;">${h.esc(t(lang, 'problems.none'))}</div>`,
    );
  const shown = list.slice(0, MAX_FINDINGS);
  const rows = shown.map(({ owner, finding: f }) => {
    const error = f.severity === 'error';
    const colours = error ? PILL.failed : PILL.warning;
    return (
      `<tr><td style="padding:8px 10px;border-left:4px solid ${error ? '#cf222e' : '#d4a72c'};` +
      `background-color:${error ? '#fff5f5' : '#fffbe6'};font-size:13px;line-height:18px;color:${INK};">` +
      `${h.pill(t(lang, error ? 'problem.error' : 'problem.warning'), colours)} <b>${h.esc(owner)}</b> · ` +
      `<span style="font-family:${MONO};font-size:12px;">${h.esc(f.code)}</span><br>${h.esc(f.message)}<br>` +
      `<b>${h.esc(t(lang, 'problem.whatToDo'))}</b> ${h.esc(f.advice)}</td></tr>` +
      `<tr><td style="height:6px;font-size:1px;line-height:6px;">&nbsp;</td></tr>`
    );
  });
  const more =
    list.length > shown.length
      ? `<div style="font-size:13px;color:${MUTED};">${h.esc(t(lang, 'problems.more', { count: list.length - shown.length }))}</div>`
      : '';
  return h.section(t(lang, 'section.problems'), table(rows.join('')) + more);
}

function htmlPreflight(h: Html, report: RunReport): string {
  const { lang } = h;
  if (!report.dryRun && report.preflight.every((c) => c.ok)) return '';
  const rows = report.preflight
    .map(
      (c) =>
        `<tr>${td(h.esc(c.name))}${td(
          h.pill(t(lang, c.ok ? 'preflight.ok' : 'preflight.failed'), c.ok ? PILL.success : PILL.failed),
        )}${td(h.path(c.detail), 'left', 'word-break:break-word;overflow-wrap:anywhere;')}</tr>`,
    )
    .join('');
  const head = `<tr>${th(h.esc(t(lang, 'col.check')))}${th(h.esc(t(lang, 'col.result')))}${th(h.esc(t(lang, 'col.detail')))}</tr>`;
  return h.section(t(lang, 'section.preflight'), table(head + rows));
}

function htmlPlan(h: Html, report: RunReport): string {
  const { lang } = h;
  if (!report.plan) return '';
  const line = (text: string): string =>
    `<div style="font-size:13px;line-height:19px;color:${INK};word-break:break-word;overflow-wrap:anywhere;">${h.path(text)}</div>`;
  return h.section(
    t(lang, 'section.plan'),
    report.plan.schemas
      .map((s) => line(t(lang, 'plan.schema', { schema: s.name, job: s.jobName, file: s.dumpFile })))
      .join('') +
      line(t(lang, 'plan.archives', { names: report.plan.archives.join(', ') })) +
      line(t(lang, 'plan.destinations', { names: report.plan.destinations.join(', ') })),
  );
}

/** Wraps a log line for the HTML tail, at a space when there is one; continuations are indented. */
export function wrapLogLine(line: string, width = LOG_WRAP): string[] {
  const parts: string[] = [];
  let rest = line;
  let room = width;
  while (rest.length > room) {
    const space = rest.lastIndexOf(' ', room);
    const cut = space > room * 0.6 ? space + 1 : room;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut);
    room = width - 4;
  }
  parts.push(rest);
  return parts.map((part, i) => (i === 0 ? part : `    ${part}`));
}

function htmlLog(h: Html, tail: string[], options: BuildEmailOptions): string {
  const { lang } = h;
  const note = `<div style="font-size:12px;line-height:17px;color:${MUTED};padding-bottom:6px;">${h.esc(
    t(lang, 'log.attached', { name: options.runLogName }),
  )}</div>`;
  const body =
    tail.length === 0
      ? `<div style="font-size:13px;color:${MUTED};">${h.esc(t(lang, 'log.empty'))}</div>`
      : `<pre style="margin:0;padding:10px;background-color:#f6f8fa;border:1px solid ${LINE};font-family:${MONO};` +
        `font-size:11px;line-height:15px;color:${INK};white-space:pre-wrap;word-break:break-all;">` +
        // Masked before wrapping: a secret cut in two would no longer match.
        tail
          .flatMap((line) => wrapLogLine(h.scrubbed(line)))
          .map(escapeHtml)
          .join('\n') +
        `</pre>`;
  return h.section(t(lang, 'section.log', { count: tail.length }), note + body);
}

/** Where the settings came from (config file, workflow, defaults), when a config file was used; the job summary
 * lists the settings the workflow overrode. */
function settingsConfigured(report: RunReport, lang: ReportLanguage): string | undefined {
  const sources = report.settingSources;
  if (!sources) return undefined;
  return t(lang, 'settings.configured', {
    path: sources.configPath,
    file: formatNumber(lang, sources.counts.config),
    workflow: formatNumber(lang, sources.counts.workflow),
    defaults: formatNumber(lang, sources.counts.default),
  });
}

/** Retention's lines beside whole sets, as e-mail text. */
function retentionExtraLines(report: RunReport, lang: ReportLanguage): string[] {
  return retentionExtras(report.retention, report.dryRun).map((e) =>
    'bytes' in e
      ? t(lang, e.key, { count: formatNumber(lang, e.count), size: formatBytesIn(lang, e.bytes) })
      : t(lang, e.key, { count: formatNumber(lang, e.count), days: formatNumber(lang, e.days) }),
  );
}

/** Per place: the sets kept and deleted, the bytes freed and the newest set kept (the one a restore would use). */
function htmlRetention(h: Html, report: RunReport, timeZone?: string): string {
  const places = report.retention?.places ?? [];
  if (places.length === 0) return '';
  const { lang } = h;
  const none = h.esc(t(lang, 'value.none'));
  const head =
    `<tr>${th(h.esc(t(lang, 'retention.place')))}${th(h.esc(t(lang, 'retention.kept')), 'right')}` +
    `${th(h.esc(t(lang, report.dryRun ? 'retention.wouldDelete' : 'retention.deleted')), 'right')}` +
    `${th(h.esc(t(lang, 'retention.freed')), 'right')}${th(h.esc(t(lang, 'retention.newestKept')))}</tr>`;
  const rows = places.map((p) => {
    const failed = p.setsFailed
      ? small(h.esc(t(lang, 'retention.failed', { count: formatNumber(lang, p.setsFailed) })))
      : '';
    const note = [p.blocked, ...p.warnings].filter(Boolean).join('; ');
    return (
      `<tr>${td(h.path(p.place) + (note ? small(h.esc(note)) : ''))}` +
      `${td(h.esc(formatNumber(lang, p.setsKept)), 'right')}` +
      `${td(h.esc(formatNumber(lang, p.setsDeleted)) + failed, 'right')}` +
      `${td(h.esc(formatBytesIn(lang, p.bytesFreed)), 'right', 'white-space:nowrap;')}` +
      `${td(p.newestKept ? h.esc(formatDateTime(lang, p.newestKept.createdAt, timeZone)) + small(h.path(p.newestKept.manifest)) : none)}</tr>`
    );
  });
  const extras = retentionExtraLines(report, lang)
    .map(
      (line) =>
        `<div style="font-size:12px;line-height:17px;color:${MUTED};padding-top:4px;">${h.esc(line)}</div>`,
    )
    .join('');
  return h.section(t(lang, 'summary.retention'), table(head + rows.join('')) + extras);
}

/** The last runs as a table with a bar for each archive size: what the summary draws as Mermaid charts. */
function htmlTrend(h: Html, points: TrendPoint[], timeZone?: string): string {
  if (points.length < 2) return '';
  const { lang } = h;
  const max = Math.max(0, ...points.map((p) => p.archiveBytes));
  const head =
    `<tr>${th(h.esc(t(lang, 'trend.run')))}${th(h.esc(t(lang, 'col.status')))}` +
    `${th(h.esc(t(lang, 'archive.size')))}${th(h.esc(t(lang, 'fact.duration')), 'right')}</tr>`;
  const rows = points.map((p) => {
    const when = h.esc(formatDateTime(lang, p.startedAt, timeZone));
    return (
      `<tr>${td(p.current ? `<b>${when}</b>${small(h.esc(t(lang, 'alert.now')))}` : when, 'left', 'white-space:nowrap;')}` +
      `${td(h.esc(statusWord(lang, p.status)))}` +
      `${td(h.bar(p.archiveBytes, max, BANNER[p.status]) + small(h.esc(formatBytesIn(lang, p.archiveBytes))))}` +
      `${td(h.esc(formatElapsed(lang, p.durationMs)), 'right', 'white-space:nowrap;')}</tr>`
    );
  });
  return h.section(t(lang, 'trend.title', { count: String(points.length) }), table(head + rows.join('')));
}

/** Free space at each backup folder, on every run, with the change since the last run that measured it. */
function htmlFreeSpace(h: Html, report: RunReport, options: BuildEmailOptions): string {
  const places = report.freeSpace ?? [];
  if (places.length === 0) return '';
  const { lang } = h;
  const head =
    `<tr>${th(h.esc(t(lang, 'space.place')))}${th(h.esc(t(lang, 'space.folder')))}` +
    `${th(h.esc(t(lang, 'space.free')), 'right')}${th(h.esc(t(lang, 'space.change')), 'right')}</tr>`;
  const rows = places.map((f) => {
    const line = freeSpaceLine(lang, report, f, options);
    return (
      `<tr>${td(h.esc(f.role), 'left', 'white-space:nowrap;')}${td(h.path(f.folder))}` +
      `${td(h.esc(line.free), 'right')}${td(h.esc(line.change), 'right', 'white-space:nowrap;')}</tr>`
    );
  });
  return h.section(
    t(lang, 'section.freeSpace'),
    table(head + rows.join('')) +
      `<div style="font-size:12px;line-height:17px;color:${MUTED};padding-top:4px;">${h.esc(t(lang, 'space.measured'))}</div>`,
  );
}

/** The free space of a folder and its change since the last run, as text (the HTML escapes it). */
function freeSpaceLine(
  lang: ReportLanguage,
  report: RunReport,
  f: NonNullable<RunReport['freeSpace']>[number],
  options: BuildEmailOptions,
): { free: string; change: string } {
  if (f.freeBytes === undefined) return { free: t(lang, 'space.notMeasured'), change: t(lang, 'value.none') };
  const before = previousFree(options.history ?? [], f.folder, report.id);
  return {
    free: t(lang, 'space.ofTotal', {
      free: formatBytesIn(lang, f.freeBytes),
      total: formatBytesIn(lang, f.totalBytes ?? 0),
      percent: formatNumber(lang, freePercent(f)),
    }),
    change: before
      ? `${spaceChange(lang, f.freeBytes - before.freeBytes)} (${formatDateTime(lang, before.startedAt, options.timeZone)})`
      : t(lang, 'space.first'),
  };
}

function buildHtml(report: RunReport, options: BuildEmailOptions, subject: string, database: string): string {
  const { lang } = options;
  const h = new Html(lang, options.scrub ?? ((s) => s));
  const list = reportProblems(report, lang);
  const tail = logTail(options.runLogText);
  const sizes = report.schemas.map((s) => ({
    label: s.name,
    value: s.dumpBytes,
    shown: formatBytesIn(lang, s.dumpBytes),
    colour: BAR_BY_OUTCOME[s.outcome],
  }));
  const phaseRows = phases(report, lang).map((p) => ({
    label: p.label,
    value: p.ms,
    shown: formatElapsed(lang, p.ms),
    colour: p.colour,
  }));
  const footerFiles =
    report.logPath && report.reportPath
      ? `<br>${h.path(t(lang, 'footer.files', { log: report.logPath, report: report.reportPath }))}`
      : '';
  const settingsLine = report.settingSources ? `<br>${h.esc(settingsConfigured(report, lang) ?? '')}` : '';
  const sections = [
    htmlBanner(h, report, database),
    htmlFacts(h, report, options),
    report.schemas.length ? htmlSchemas(h, report) : '',
    // With nothing exported the chart would be three empty bars.
    sizes.some((s) => s.value > 0) ? h.section(t(lang, 'section.dumpSizes'), h.barChart(sizes)) : '',
    phaseRows.length
      ? h.section(
          t(lang, 'section.phases'),
          h.barChart(phaseRows) +
            `<div style="font-size:12px;line-height:17px;color:${MUTED};padding-top:4px;">` +
            `${h.esc(t(lang, 'phase.total', { duration: formatElapsed(lang, report.durationMs) }))}</div>`,
        )
      : '',
    htmlTrend(h, trendPoints(report, options.history ?? [], EMAIL_TREND_RUNS), options.timeZone),
    report.archives.length ? htmlArchives(h, report) : '',
    htmlRetention(h, report, options.timeZone),
    htmlFreeSpace(h, report, options),
    htmlProblems(h, list),
    htmlPreflight(h, report),
    htmlPlan(h, report),
    htmlLog(h, tail, options),
    `<tr><td style="padding:18px 24px 20px 24px;font-family:${FONT};font-size:11px;line-height:16px;color:${MUTED};` +
      `border-top:1px solid ${LINE};word-break:break-word;overflow-wrap:anywhere;">` +
      `${h.esc(t(lang, 'footer.sentBy', { tool: report.tool.name, version: report.tool.version, id: report.id }))}` +
      `${footerFiles}${settingsLine}</td></tr>`,
  ];
  return (
    `<!DOCTYPE html>\n<html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">` +
    `<title>${h.esc(subject)}</title></head>\n` +
    `<body style="margin:0;padding:0;background-color:#eef1f4;">` +
    // The inbox preview line: the reason, not the first table cell.
    `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${h.esc(report.statusReason)}</div>\n` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#eef1f4" ` +
    `style="width:100%;background-color:#eef1f4;"><tr><td align="center" style="padding:16px 8px;">\n` +
    `<table role="presentation" width="${WIDTH}" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" ` +
    `style="width:${WIDTH}px;max-width:${WIDTH}px;background-color:#ffffff;border:1px solid ${LINE};` +
    `font-family:${FONT};color:${INK};text-align:left;">\n` +
    sections.filter(Boolean).join('\n') +
    `\n</table>\n</td></tr></table>\n</body></html>\n`
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text

function columns(rows: string[][], align: Array<'l' | 'r'>): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - [...cell].length));
        return align[i] === 'r' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

function textBars(rows: Array<{ label: string; value: number; shown: string }>): string[] {
  const max = Math.max(0, ...rows.map((r) => r.value));
  const labelWidth = Math.min(40, Math.max(...rows.map((r) => [...r.label].length)));
  return rows.map((r) => {
    const n = max > 0 && r.value > 0 ? Math.max(1, Math.round((r.value / max) * 30)) : 0;
    const label =
      [...r.label].length > labelWidth ? `${[...r.label].slice(0, labelWidth - 1).join('')}…` : r.label;
    return `${label.padEnd(labelWidth)}  ${'█'.repeat(n).padEnd(30)}  ${r.shown}`;
  });
}

function heading(title: string): string[] {
  return ['', title.toLocaleUpperCase(), '─'.repeat(Math.min(72, [...title].length))];
}

function buildText(report: RunReport, options: BuildEmailOptions, database: string): string {
  const { lang } = options;
  const none = t(lang, 'value.none');
  const out: string[] = [];
  out.push(`${statusWord(lang, report.status)} · ${t(lang, 'banner.title', { database })}`);
  out.push(report.statusReason);
  if (report.dryRun) out.push(t(lang, 'banner.dryRun'));
  out.push('');
  const facts: Array<[string, string]> = [
    [t(lang, 'fact.database'), report.database.connectString],
    ...(options.host ? [[t(lang, 'fact.host'), options.host] as [string, string]] : []),
    [t(lang, 'fact.started'), formatDateTime(lang, report.startedAt, options.timeZone)],
    [t(lang, 'fact.duration'), formatElapsed(lang, report.durationMs)],
    [t(lang, 'fact.schemas'), `${schemasOk(report)}/${report.schemas.length}`],
    [t(lang, 'fact.exported'), formatBytesIn(lang, report.bytesExported)],
    [t(lang, 'fact.archived'), formatBytesIn(lang, report.bytesArchived)],
  ];
  out.push(
    ...columns(
      facts.map(([k, v]) => [`${k}:`, v]),
      ['l', 'l'],
    ),
  );

  if (report.schemas.length > 0) {
    out.push(...heading(t(lang, 'section.schemas')));
    const rows = report.schemas.map((s) => {
      const share = archiveShare(report, s);
      return [
        s.name,
        t(lang, `outcome.${s.outcome}`),
        formatNumber(lang, s.rows),
        formatBytesIn(lang, s.dumpBytes),
        share ? `${formatBytesIn(lang, share.bytes)} (${share.percent}%)` : none,
        share ? ratioText(lang, share.ratio) : none,
        formatElapsed(lang, s.durationMs),
      ];
    });
    const header = (
      ['schema', 'status', 'rows', 'dumpSize', 'archiveShare', 'compression', 'time'] as const
    ).map((k) => t(lang, `col.${k}`));
    out.push(...columns([header, ...rows], ['l', 'l', 'r', 'r', 'r', 'r', 'r']));
    for (const s of report.schemas.filter((s) => s.outcome !== 'success')) {
      out.push(`  ${s.name}: ${s.reason}`);
      const note = skippedTablesNote(lang, s);
      if (note) out.push(`  ${note}`);
    }

    if (report.schemas.some((s) => s.dumpBytes > 0)) {
      out.push(...heading(t(lang, 'section.dumpSizes')));
      out.push(
        ...textBars(
          report.schemas.map((s) => ({
            label: s.name,
            value: s.dumpBytes,
            shown: formatBytesIn(lang, s.dumpBytes),
          })),
        ),
      );
    }
  }

  const phaseList = phases(report, lang);
  if (phaseList.length > 0) {
    out.push(...heading(t(lang, 'section.phases')));
    out.push(
      ...textBars(phaseList.map((p) => ({ label: p.label, value: p.ms, shown: formatElapsed(lang, p.ms) }))),
    );
    out.push(t(lang, 'phase.total', { duration: formatElapsed(lang, report.durationMs) }));
  }

  const points = trendPoints(report, options.history ?? [], EMAIL_TREND_RUNS);
  if (points.length >= 2) {
    out.push(...heading(t(lang, 'trend.title', { count: String(points.length) })));
    out.push(
      ...textBars(
        points.map((p) => ({
          label: `${formatDateTime(lang, p.startedAt, options.timeZone)} ${statusWord(lang, p.status)}`,
          value: p.archiveBytes,
          shown: `${formatBytesIn(lang, p.archiveBytes)}, ${formatElapsed(lang, p.durationMs)}`,
        })),
      ),
    );
  }

  if (report.archives.length > 0) {
    out.push(...heading(t(lang, 'section.archives')));
    for (const a of report.archives) {
      out.push(a.name);
      const kv: Array<[string, string]> = [
        [t(lang, 'archive.schemas'), a.schemas.join(', ')],
        [t(lang, 'archive.size'), formatBytesIn(lang, a.bytes)],
        [
          t(lang, 'archive.encrypted'),
          a.encrypted ? t(lang, 'archive.aes') : t(lang, 'archive.notEncrypted'),
        ],
        [
          t(lang, 'archive.verified'),
          a.verified
            ? t(lang, 'archive.verifiedOk')
            : t(lang, 'archive.notVerified', { problems: a.problems.join('; ') }),
        ],
        [t(lang, 'archive.sha256'), a.sha256 || none],
      ];
      out.push(
        ...columns(
          kv.map(([k, v]) => [`  ${k}:`, v]),
          ['l', 'l'],
        ),
      );
      if (a.destinations.length === 0) out.push(`  ${t(lang, 'archive.noDestinations')}`);
      for (const d of a.destinations)
        out.push(
          `  - ${destinationKind(lang, d)} ${d.location}: ` +
            `${t(lang, d.ok ? 'destination.copied' : 'destination.failed')} — ` +
            `${d.ok ? copyCheck(lang, d) : (d.error ?? '')} (${formatElapsed(lang, d.durationMs)})`,
        );
      out.push('');
    }
    out.pop();
  }

  const places = report.retention?.places ?? [];
  if (places.length > 0) {
    out.push(...heading(t(lang, 'summary.retention')));
    const header = [
      t(lang, 'retention.place'),
      t(lang, 'retention.kept'),
      t(lang, report.dryRun ? 'retention.wouldDelete' : 'retention.deleted'),
      t(lang, 'retention.freed'),
      t(lang, 'retention.newestKept'),
    ];
    const rows = places.map((p) => [
      p.place,
      formatNumber(lang, p.setsKept),
      formatNumber(lang, p.setsDeleted) +
        (p.setsFailed
          ? ` (${t(lang, 'retention.failed', { count: formatNumber(lang, p.setsFailed) })})`
          : ''),
      formatBytesIn(lang, p.bytesFreed),
      p.newestKept ? formatDateTime(lang, p.newestKept.createdAt, options.timeZone) : none,
    ]);
    out.push(...columns([header, ...rows], ['l', 'r', 'r', 'r', 'l']));
    for (const p of places) {
      const note = [p.blocked, ...p.warnings].filter(Boolean).join('; ');
      if (note) out.push(`  ${p.place}: ${note}`);
    }
    out.push(...retentionExtraLines(report, lang));
  }

  const spaces = report.freeSpace ?? [];
  if (spaces.length > 0) {
    out.push(...heading(t(lang, 'section.freeSpace')));
    const header = [
      t(lang, 'space.place'),
      t(lang, 'space.folder'),
      t(lang, 'space.free'),
      t(lang, 'space.change'),
    ];
    const rows = spaces.map((f) => {
      const line = freeSpaceLine(lang, report, f, options);
      return [f.role, f.folder, line.free, line.change];
    });
    out.push(...columns([header, ...rows], ['l', 'l', 'r', 'r']));
    out.push(t(lang, 'space.measured'));
  }

  const list = reportProblems(report, lang);
  out.push(...heading(t(lang, 'section.problems')));
  if (list.length === 0) out.push(t(lang, 'problems.none'));
  for (const { owner, finding: f } of list.slice(0, MAX_FINDINGS)) {
    out.push(
      `[${t(lang, f.severity === 'error' ? 'problem.error' : 'problem.warning')}] ${owner} ${f.code}: ${f.message}`,
    );
    out.push(`  ${t(lang, 'problem.whatToDo')} ${f.advice}`);
  }
  if (list.length > MAX_FINDINGS) out.push(t(lang, 'problems.more', { count: list.length - MAX_FINDINGS }));

  if (report.dryRun || report.preflight.some((c) => !c.ok)) {
    out.push(...heading(t(lang, 'section.preflight')));
    for (const c of report.preflight)
      out.push(
        `${c.ok ? '[ok]' : '[!!]'} ${c.name}: ${t(lang, c.ok ? 'preflight.ok' : 'preflight.failed')} — ${c.detail}`,
      );
  }
  if (report.plan) {
    out.push(...heading(t(lang, 'section.plan')));
    for (const s of report.plan.schemas)
      out.push(t(lang, 'plan.schema', { schema: s.name, job: s.jobName, file: s.dumpFile }));
    out.push(t(lang, 'plan.archives', { names: report.plan.archives.join(', ') }));
    out.push(t(lang, 'plan.destinations', { names: report.plan.destinations.join(', ') }));
  }

  const tail = logTail(options.runLogText);
  out.push(...heading(t(lang, 'section.log', { count: tail.length })));
  out.push(t(lang, 'log.attached', { name: options.runLogName }));
  out.push('');
  out.push(...(tail.length ? tail : [t(lang, 'log.empty')]));
  out.push('');
  out.push('-- ');
  out.push(t(lang, 'footer.sentBy', { tool: report.tool.name, version: report.tool.version, id: report.id }));
  if (report.logPath && report.reportPath)
    out.push(t(lang, 'footer.files', { log: report.logPath, report: report.reportPath }));
  const configured = settingsConfigured(report, lang);
  if (configured) out.push(configured);
  return out.map((line) => line.replace(CONTROL_RE, '')).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------

/** The whole e-mail for one run: subject (status first), HTML and plain-text parts, the run log attached. */
export function buildEmail(report: RunReport, options: BuildEmailOptions): EmailMessage {
  const scrub = options.scrub ?? ((s: string) => s);
  const database = options.database || databaseName(report.database.connectString);
  const subject = scrub(buildSubject(report, options, database));
  return {
    subject,
    html: scrub(buildHtml(report, options, subject, database)),
    text: scrub(buildText(report, options, database)),
    attachments: [{ filename: options.runLogName, content: scrub(options.runLogText) }],
  };
}

/** Whether `email-on` asks for a mail about a run with this status. */
export function shouldSend(emailOn: EmailOn, status: RunStatus): boolean {
  if (emailOn === 'always') return true;
  if (emailOn === 'problems') return status !== 'success';
  return status === 'failure';
}

// ---------------------------------------------------------------------------------------------------------------
// Sending

export interface SendResult {
  ok: boolean;
  /** What failed, in words, with what to check; never the password. */
  error?: string;
  attempts: number;
  messageId?: string;
}

export interface SendOptions {
  /** Pause before the one retry (5 s unless given). */
  retryDelayMs?: number;
  /** Connection and greeting timeouts (30 s unless given); an idle socket gets twice as long. */
  timeoutMs?: number;
}

/** nodemailer's options for these settings: TLS is never optional unless `none` was chosen, and always verified. */
export function transportOptions(settings: SmtpSettings, timeoutMs = 30_000): SMTPTransportOptions {
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.username ? { user: settings.username, pass: settings.password } : undefined,
    // A private CA is trusted besides Node's list, so a relay with a public certificate keeps working.
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(settings.ca ? { ca: [...rootCertificates, settings.ca] } : {}),
    },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // Longer than the greeting's, so that a silent server is reported as the greeting timeout it is.
    socketTimeout: 2 * timeoutMs,
    dnsTimeout: timeoutMs,
    // The message carries inline content only; nothing in it may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface Described {
  message: string;
  /** Worth one more try: the network or the server may be back in a moment. */
  transient: boolean;
}

/** nodemailer's error → what failed and what to check, in words. */
export function describeSmtpError(error: unknown, settings: SmtpSettings, timeoutMs = 30_000): Described {
  const e = (error ?? {}) as NodemailerError & { cause?: { code?: string; message?: string } };
  const where = `SMTP server ${settings.host}:${settings.port}`;
  const codes = [e.code, e.originalCode, e.cause?.code].filter((c): c is string => typeof c === 'string');
  const text = `${e.message ?? String(error)} ${e.cause?.message ?? ''}`;
  const response = e.response ? ` (server said: ${oneLine(e.response).slice(0, 200)})` : '';
  const has = (...wanted: string[]): boolean => wanted.some((w) => codes.includes(w));

  if (has(...CERT_CODES) || /certificate|self[- ]signed/i.test(text)) {
    // Node's own hint (`--use-system-ca`) is no use to a workflow: smtp-ca is the way here.
    const detail = oneLine(e.cause?.message ?? e.message ?? '')
      .replace(/^Error initiating TLS - /, '')
      .replace(/; if the root CA is installed locally.*$/, '');
    if (has('ERR_TLS_CERT_ALTNAME_INVALID') || /altnames|Hostname\/IP does not match/i.test(text))
      return {
        transient: false,
        message:
          `${where}: its TLS certificate is not valid for the name "${settings.host}" (${detail}); set ` +
          'smtp-host to a name the certificate was issued for.',
      };
    if (has('CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'))
      return {
        transient: false,
        message: `${where}: its TLS certificate is expired or not yet valid (${detail}); renew it on the server.`,
      };
    return {
      transient: false,
      message: settings.ca
        ? `${where}: its TLS certificate is not trusted, even with smtp-ca (${detail}); check that smtp-ca holds the ` +
          'CA certificate that signed the server certificate (the root, and any intermediate the server does not send).'
        : `${where}: its TLS certificate is not trusted (${detail}); if the relay uses a private or self-signed ` +
          'certificate, put its CA certificate (PEM text) in smtp-ca. The certificate is never accepted unchecked.',
    };
  }
  if (has('ECONNREFUSED'))
    return {
      transient: true,
      message:
        `${where}: connection refused (nothing listens on that port, or a firewall rejects it); check smtp-host ` +
        'and smtp-port.',
    };
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EDNS'))
    return {
      transient: has('EAI_AGAIN'),
      message: `${where}: the host name could not be resolved; check smtp-host and the runner's DNS.`,
    };
  if (has('EHOSTUNREACH', 'ENETUNREACH'))
    return {
      transient: true,
      message: `${where}: the host cannot be reached from this runner (no route); check smtp-host and the network.`,
    };
  if (e.command === 'STARTTLS' || /STARTTLS/.test(text))
    return {
      transient: false,
      message:
        `${where}: the server does not offer STARTTLS${response}, and smtp-security starttls requires it so that ` +
        'nothing (the password least of all) crosses the network in clear; use smtp-security tls if the server ' +
        'speaks implicit TLS (port 465), or none only for a trusted relay that needs no login.',
    };
  if (/wrong version number|packet length too long|unknown protocol|EPROTO/i.test(text) || has('EPROTO'))
    return {
      transient: false,
      message:
        `${where}: the server did not answer with TLS; with smtp-security tls the port must expect implicit TLS ` +
        '(usually 465) — for port 587 use smtp-security starttls.',
    };
  if (has('ETIMEDOUT') || /timeout|timed out/i.test(text)) {
    const seconds = Math.round(timeoutMs / 1000);
    // A server expecting implicit TLS says nothing until the handshake: a greeting timeout is the sign of it.
    const mixup =
      settings.security === 'tls'
        ? ' If the port expects STARTTLS (587, 25), use smtp-security starttls.'
        : settings.port === 465 || e.timeoutType === 'GREETING_TIMEOUT'
          ? ' A port that expects implicit TLS (usually 465) sends no greeting: then use smtp-security tls.'
          : '';
    return {
      transient: true,
      message:
        `${where}: no answer within ${seconds}s (${e.timeoutType ?? 'timeout'}); check smtp-host, smtp-port and ` +
        `any firewall between the runner and the server.${mixup}`,
    };
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH')
    return {
      transient: false,
      message:
        e.code === 'ENOAUTH' || !settings.username
          ? `${where}: the server requires a login${response}; set smtp-username and smtp-password.`
          : `${where}: authentication failed for smtp-username "${settings.username}"${response}; check ` +
            'smtp-username and smtp-password (an app password where the provider asks for one).',
    };
  if (e.code === 'EENVELOPE')
    return {
      transient: e.permanent === false,
      message:
        `${where}: the sender or the recipients were refused${response}; check email-from and email-to (the ` +
        'relay may only accept its own sender addresses).',
    };
  if (e.code === 'EMESSAGE')
    return {
      transient: e.permanent === false,
      message: `${where}: the message was refused${response}.`,
    };
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET')
    return {
      transient: true,
      message: `${where}: the connection failed (${oneLine(e.message ?? '')})${response}.`,
    };
  return {
    transient: e.permanent !== true,
    message: `${where}: sending failed (${oneLine(e.message ?? String(error))})${response}.`,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends the report; retried once when the failure may pass (network, timeout, 4xx), not when it cannot (a wrong
 * password — a second try only brings the account closer to a lockout —, an untrusted certificate, a refused
 * recipient). Never throws: a mail that could not be sent must not hide the backup's own result.
 */
export async function sendEmail(
  settings: SmtpSettings,
  message: EmailMessage,
  options: SendOptions = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  // Neither the content nor an error may carry the SMTP password, or the AUTH tokens made from it.
  const mask = makeMasker(
    settings.password
      ? [
          settings.password,
          Buffer.from(settings.password).toString('base64'),
          Buffer.from(`\u0000${settings.username}\u0000${settings.password}`).toString('base64'),
        ]
      : [],
  );
  const mail = {
    from: settings.from,
    to: settings.to,
    subject: mask(message.subject),
    text: mask(message.text),
    html: mask(message.html),
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      content: mask(a.content),
      contentType: 'text/plain; charset=utf-8',
    })),
  };
  for (let attempt = 1; ; attempt++) {
    let transporter: Transporter | undefined;
    let failure: Described;
    try {
      transporter = await createTransport(settings, timeoutMs);
      const info = await transporter.sendMail(mail);
      return { ok: true, attempts: attempt, messageId: info.messageId };
    } catch (error) {
      failure = describeSmtpError(error, settings, timeoutMs);
    } finally {
      transporter?.close();
    }
    if (!failure.transient || attempt >= 2) {
      const tries = attempt > 1 ? ` (after ${attempt} attempts)` : '';
      return { ok: false, attempts: attempt, error: mask(`${failure.message}${tries}`) };
    }
    await sleep(retryDelayMs);
  }
}

/** nodemailer is loaded only when an e-mail is sent or checked: a run without SMTP does not carry it in memory. */
async function createTransport(settings: SmtpSettings, timeoutMs: number): Promise<Transporter> {
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport(transportOptions(settings, timeoutMs));
}

/** Connects and logs in without sending, for a dry run: the same checks a real send would meet first. */
export async function checkSmtp(settings: SmtpSettings, options: SendOptions = {}): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let transporter: Transporter | undefined;
  try {
    transporter = await createTransport(settings, timeoutMs);
    await transporter.verify();
    return { ok: true, attempts: 1 };
  } catch (error) {
    const hide = makeMasker(settings.password ? [settings.password] : []);
    return { ok: false, attempts: 1, error: hide(describeSmtpError(error, settings, timeoutMs).message) };
  } finally {
    transporter?.close();
  }
}
