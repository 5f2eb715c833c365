// The job summary in GitHub Markdown, built once from the run report in the report language: the e-mail's content
// (status, facts, schemas, size and time charts, archives and copies, problems with what to do, pre-flight, plan,
// run log tail) plus retention, the trend of the last runs (Mermaid charts fed by the run history) and the
// size-change alert. User data is escaped; every section has a byte budget, so the text stays well under
// GitHub's 1 MiB cap and is never cut inside a table, a code block or a <details> element.
import { adviceFor } from './advice.js';
import { archiveShare, copyCheck, destinationKind, schemasOk } from './figures.js';
import { reportProblems, skippedTablesNote } from './problems.js';
import { retentionExtras } from './retention-extras.js';
import {
  sizeChanges,
  trendPoints,
  SIZE_ALERT_THRESHOLD,
  type RunHistoryEntry,
  type SizeAlertOptions,
  type SizeChange,
  type TrendPoint,
} from './history.js';
import { freePercent, previousFree, spaceChange } from './free-space.js';
import {
  formatDateTime,
  formatElapsed,
  formatNumber,
  isoDate,
  messages,
  t,
  type MessageKey,
  type MessageParams,
  type ReportLanguage,
} from './i18n.js';
import type { RunReport } from '../run-report.js';
import type { RunStatus, SchemaOutcome } from '../types.js';

/** GitHub refuses summaries over 1 MiB; leave room for anything appended by other steps. */
export const SUMMARY_LIMIT = 512 * 1024;
/** Runs shown in the trend charts (the history keeps more). */
export const TREND_RUNS = 30;
/** Run log lines shown at the end (the whole log is in log-dir and in the artifact). */
export const SUMMARY_LOG_LINES = 100;

export interface SummaryOptions {
  /** `report-language`; English unless given. */
  lang?: ReportLanguage;
  /** This database's earlier runs (loadHistory): the trend and the size alert come from them. */
  history?: readonly RunHistoryEntry[];
  /** The run log (already scrubbed): its last lines are shown collapsed. */
  runLogText?: string;
  /** IANA time zone for the times shown; UTC unless given. */
  timeZone?: string;
  /** Thresholds of the size alert (history.ts defaults: ±50%, 1 MiB). */
  sizeAlert?: SizeAlertOptions;
  /**
   * Masks secrets in every text of the report before it is escaped (RunLog.scrub). Masking the finished Markdown
   * is not enough: escaping turns `my_pass` into `my\_pass`, which a mask no longer finds.
   */
  scrub?: (text: string) => string;
}

const STATUS_ICON: Record<RunStatus, string> = { success: '✅', partial: '⚠️', failure: '❌' };
const OUTCOME_ICON: Record<SchemaOutcome, string> = { success: '✅', warning: '⚠️', failed: '❌' };

/** Byte budgets per section; their sum stays under SUMMARY_LIMIT with room for the fixed parts. */
const BUDGET = {
  alerts: 30_000,
  schemas: 100_000,
  chart: 30_000,
  trend: 20_000,
  archives: 40_000,
  destinations: 40_000,
  retention: 40_000,
  freeSpace: 10_000,
  problems: 80_000,
  preflight: 20_000,
  settings: 20_000,
  plan: 30_000,
  log: 30_000,
};
/** Longest run data shown in one place; the run log has the rest. */
const CLIP = { cell: 400, message: 1_500, advice: 800, reason: 2_000, log: 1_000 };

// ---------------------------------------------------------------------------------------------------------------
// Escaping

// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Escapes text for a Markdown table cell or line: HTML is live in summaries and `|` splits cells. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(CONTROL_RE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]#|~]/g, (m) => `\\${m}`);
}

/** Text that starts a paragraph: escaped, and a leading `-`, `+` or `1.` is not a list. */
function paragraph(text: string): string {
  return escapeMarkdown(text.trim())
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d{1,9})([.)])/, '$1\\$2');
}

/** Text inside raw HTML (`<summary>`): no Markdown is processed there, so only HTML is escaped. */
function htmlText(text: string): string {
  return text
    .replace(/\r\n?|\n/g, ' ')
    .replace(CONTROL_RE, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** A code span shows text literally (paths, names); a fence longer than any backtick run inside keeps it closed. */
function code(text: string, inTable = true): string {
  let clean = text.replace(/\r\n?|\n/g, ' ').replace(CONTROL_RE, '');
  if (inTable) clean = clean.replace(/\|/g, '\\|');
  if (clean === '') return '—';
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${clean}${pad}${ticks}`;
}

/** A fenced block for literal text (parfiles, the log): the fence is longer than any backtick run inside. */
function fenced(text: string, info = ''): string {
  const clean = text.replace(/\r\n?/g, '\n').replace(CONTROL_RE, '').replace(/\n+$/, '');
  const longest = Math.max(0, ...(clean.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${clean}\n${fence}`;
}

/** At most `max` characters, with an ellipsis when cut (never half a surrogate pair). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Words and numbers

type Params<K extends MessageKey> = [keyof MessageParams<K>] extends [never]
  ? []
  : [Record<keyof MessageParams<K>, string>];

/** A catalogue text as Markdown: the text escaped, then the parameters (already Markdown) filled in. */
function md<K extends MessageKey>(lang: ReportLanguage, key: K, ...params: Params<K>): string {
  const values = (params[0] ?? {}) as Record<string, string>;
  return escapeMarkdown(messages(lang)[key]).replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    name in values ? values[name]! : whole,
  );
}

/** Sizes as the e-mail writes them, but never grouped (`1023.5 KiB`): one token a reader's eye can take in. */
function size(lang: ReportLanguage, bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 ? 0 : 1;
  const text = new Intl.NumberFormat(lang, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false,
  }).format(value);
  return `${text} ${units[unit]}`;
}

function statusWord(lang: ReportLanguage, status: RunStatus): string {
  return t(lang, `status.${status}`).toLocaleLowerCase(lang);
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks within a budget

/** A table with as many rows as fit in `budget` bytes; the rest counted in a line after it. */
function table(lang: ReportLanguage, header: string[], rows: string[][], budget: number): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  let used = Buffer.byteLength(lines.join('\n'));
  let shown = 0;
  for (const row of rows) {
    const line = `| ${row.map((cell) => cell || '—').join(' | ')} |`;
    const bytes = Buffer.byteLength(line) + 1;
    if (used + bytes > budget) break;
    lines.push(line);
    used += bytes;
    shown++;
  }
  const rest = rows.length - shown;
  return lines.join('\n') + (rest > 0 ? `\n\n${md(lang, 'summary.more', { count: String(rest) })}` : '');
}

/** List items (one line each) within `budget` bytes; the rest counted. */
function list(lang: ReportLanguage, items: string[], budget: number): string {
  const out: string[] = [];
  let used = 0;
  for (const item of items) {
    const bytes = Buffer.byteLength(item) + 1;
    if (used + bytes > budget) break;
    out.push(item);
    used += bytes;
  }
  const rest = items.length - out.length;
  if (rest > 0) out.push(`\n${md(lang, 'summary.more', { count: String(rest) })}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// What the report says

// ---------------------------------------------------------------------------------------------------------------
// Sections

function headSection(report: RunReport, lang: ReportLanguage, timeZone?: string): string[] {
  const status = escapeMarkdown(statusWord(lang, report.status));
  const title = report.dryRun
    ? `🧪 ${md(lang, 'summary.titleDryRun', { status })}`
    : `${STATUS_ICON[report.status]} ${md(lang, 'summary.title', { status })}`;
  const facts = [
    md(lang, 'summary.database', { database: code(report.database.connectString, false) }),
    md(lang, 'summary.started', { time: escapeMarkdown(formatDateTime(lang, report.startedAt, timeZone)) }),
    md(lang, 'summary.took', { duration: escapeMarkdown(formatElapsed(lang, report.durationMs)) }),
    md(lang, 'subject.schemas', { ok: String(schemasOk(report)), total: String(report.schemas.length) }),
    md(lang, 'summary.exported', { size: size(lang, report.bytesExported) }),
    md(lang, 'summary.archived', { size: size(lang, report.bytesArchived) }),
  ];
  return [
    `## ${title}`,
    ...(report.statusReason ? [paragraph(clip(report.statusReason, CLIP.reason))] : []),
    ...(report.dryRun ? [`🧪 ${md(lang, 'banner.dryRun')}`] : []),
    ...runFileWarnings(report),
    facts.join(' · '),
    ...exportFacts(report),
  ];
}

/**
 * A run log or report that log-dir could not take (full, read-only), at the top: the backup may be good and the step
 * green, yet the files someone would look for are not there. In English, as exportFacts below.
 */
function runFileWarnings(report: RunReport): string[] {
  return report.findings
    .filter((f) => f.code === 'LOG-DIR')
    .map((f) => `> [!WARNING]\n> ⚠️ ${escapeMarkdown(clip(f.message, CLIP.message))}`);
}

/**
 * The export's own facts: the point in time every schema was exported as of, the orphaned Data Pump jobs
 * of earlier runs that were cleaned, the export tool when it is legacy exp. In English for now: the message
 * catalogue (i18n.ts) has no keys for them yet.
 */
function exportFacts(report: RunReport): string[] {
  const lines: string[] = [];
  const c = report.consistency;
  if (c?.scn)
    lines.push(
      `🕓 Consistent as of SCN ${code(c.scn, false)}: every schema's job had FLASHBACK_SCN=${escapeMarkdown(c.scn)}.`,
    );
  else if (c) lines.push(`🕓 ${escapeMarkdown(clip(c.note, CLIP.message))}`);
  const orphans = report.orphans;
  if (orphans && orphans.cleaned.length > 0)
    lines.push(
      `🧹 Cleaned ${orphans.cleaned.length} orphaned Data Pump job(s) of earlier runs before exporting: ` +
        orphans.cleaned.map((o) => code(`${o.owner}.${o.jobName}`, false)).join(', '),
    );
  if (orphans && orphans.failed.length > 0)
    lines.push(
      `⚠️ Could not clean ${orphans.failed.map((o) => code(`${o.owner}.${o.jobName}`, false)).join(', ')}`,
    );
  if (report.exportTool?.kind === 'exp')
    lines.push(
      `📼 Exported with legacy exp ${escapeMarkdown(report.exportTool.release ?? '')} (client-side files).`,
    );
  return lines;
}

function alertSection(
  lang: ReportLanguage,
  changes: SizeChange[],
  options: SizeAlertOptions,
  timeZone?: string,
): string[] {
  if (changes.length === 0) return [];
  const percent = String(Math.round((options.threshold ?? SIZE_ALERT_THRESHOLD) * 100));
  const rows = changes.map((c) => {
    const amount = String(Math.round(Math.abs(c.change) * 100));
    const words =
      c.direction === 'shrank'
        ? `📉 ${md(lang, 'alert.shrank', { percent: amount })}`
        : `📈 ${md(lang, 'alert.grew', { percent: amount })}`;
    return [
      escapeMarkdown(clip(c.schema, CLIP.cell)),
      `**${words}**`,
      `${size(lang, c.beforeBytes)} (${escapeMarkdown(isoDate(c.baseline.startedAt, timeZone))})`,
      size(lang, c.nowBytes),
      `${formatNumber(lang, c.beforeRows)} → ${formatNumber(lang, c.nowRows)}`,
    ];
  });
  return [
    `### ⚠️ ${md(lang, 'alert.title')}`,
    md(lang, 'alert.intro', { percent }),
    table(
      lang,
      [
        md(lang, 'col.schema'),
        md(lang, 'alert.change'),
        md(lang, 'alert.before'),
        md(lang, 'alert.now'),
        md(lang, 'col.rows'),
      ],
      rows,
      BUDGET.alerts,
    ),
  ];
}

function schemaSection(report: RunReport, lang: ReportLanguage): string[] {
  if (report.schemas.length === 0) return [];
  const none = t(lang, 'value.none');
  const rows = report.schemas.map((s) => {
    const share = archiveShare(report, s);
    const detail = [
      s.reason,
      ...(s.outcome !== 'success' ? [skippedTablesNote(lang, s)].filter((n) => n !== undefined) : []),
    ].join(' · ');
    return [
      escapeMarkdown(clip(s.name, CLIP.cell)),
      `${OUTCOME_ICON[s.outcome]} ${md(lang, `outcome.${s.outcome}`)}`,
      formatNumber(lang, s.tables),
      formatNumber(lang, s.rows),
      size(lang, s.dumpBytes),
      share ? `${size(lang, share.bytes)} (${share.percent}%)` : none,
      share ? `${formatNumber(lang, share.ratio, 1)}×` : none,
      escapeMarkdown(formatElapsed(lang, s.durationMs)),
      escapeMarkdown(clip(detail, CLIP.cell)),
    ];
  });
  return [
    `### ${md(lang, 'section.schemas')}`,
    table(
      lang,
      [
        md(lang, 'col.schema'),
        md(lang, 'col.status'),
        md(lang, 'col.tables'),
        md(lang, 'col.rows'),
        md(lang, 'col.dumpSize'),
        md(lang, 'col.archiveShare'),
        md(lang, 'col.compression'),
        md(lang, 'col.time'),
        md(lang, 'col.detail'),
      ],
      rows,
      BUDGET.schemas,
    ),
  ];
}

/** A bar drawn with block characters: eighths make a 12-cell bar smooth enough to compare at a glance. */
function bar(value: number, max: number, width = 12): string {
  if (max <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / max) * width * 8));
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  return '█'.repeat(full) + (part ? ' ▏▎▍▌▋▊▉'[part]! : '');
}

function chartSection(
  lang: ReportLanguage,
  title: string,
  header: string[],
  rows: Array<{ label: string; value: number; shown: string; icon: string }>,
): string[] {
  if (!rows.some((r) => r.value > 0)) return [];
  const max = Math.max(...rows.map((r) => r.value));
  return [
    `### ${title}`,
    table(
      lang,
      header,
      rows.map((r) => [`${r.icon} ${escapeMarkdown(clip(r.label, CLIP.cell))}`, bar(r.value, max), r.shown]),
      BUDGET.chart,
    ),
  ];
}

function chartSections(report: RunReport, lang: ReportLanguage): string[] {
  const sizes = chartSection(
    lang,
    md(lang, 'section.dumpSizes'),
    [md(lang, 'col.schema'), '', md(lang, 'col.dumpSize')],
    report.schemas.map((s) => ({
      label: s.name,
      value: s.dumpBytes,
      shown: size(lang, s.dumpBytes),
      icon: OUTCOME_ICON[s.outcome],
    })),
  );
  const phases: Array<{ label: string; value: number; shown: string; icon: string }> = report.schemas.map(
    (s) => ({
      label: t(lang, 'phase.export', { schema: s.name }),
      value: s.durationMs,
      shown: escapeMarkdown(formatElapsed(lang, s.durationMs)),
      icon: s.outcome === 'failed' ? '❌' : '📤',
    }),
  );
  for (const a of report.archives) {
    const copies = a.destinations.filter((d) => d.kind !== 'local');
    const zipMs = Math.max(0, a.durationMs - copies.reduce((n, d) => n + d.durationMs, 0));
    phases.push({
      label: t(lang, 'phase.archive', { archive: a.name }),
      value: zipMs,
      shown: escapeMarkdown(formatElapsed(lang, zipMs)),
      icon: a.verified ? '🗜️' : '❌',
    });
    for (const d of copies)
      phases.push({
        label: t(lang, 'phase.copy', { destination: d.location }),
        value: d.durationMs,
        shown: escapeMarkdown(formatElapsed(lang, d.durationMs)),
        icon: d.ok ? '📦' : '❌',
      });
  }
  const times = chartSection(lang, md(lang, 'section.phases'), ['', '', md(lang, 'col.time')], phases);
  if (times.length > 0)
    times.push(md(lang, 'phase.total', { duration: escapeMarkdown(formatElapsed(lang, report.durationMs)) }));
  return [...sizes, ...times];
}

/** Mermaid text: a quoted string without quotes or line breaks. */
function mermaidString(text: string): string {
  return `"${text.replace(/["\r\n`]/g, "'")}"`;
}

/** Values in the largest unit that `max` reaches `minimum` times, rounded for the chart; the axis top above it. */
function scale(
  values: number[],
  units: Array<[string, number]>,
  minimum: number,
): { unit: string; values: number[]; max: number } {
  const max = Math.max(0, ...values);
  const [unit, factor] = units.find(([, f]) => max >= f * minimum) ?? units.at(-1)!;
  const scaled = values.map((v) => Number((v / factor).toFixed(2)));
  const top = Math.max(0, ...scaled);
  return { unit, values: scaled, max: top > 0 ? Number((top * 1.1).toPrecision(3)) : 1 };
}

function trendSection(
  report: RunReport,
  lang: ReportLanguage,
  history: readonly RunHistoryEntry[],
  timeZone?: string,
): string[] {
  const points = trendPoints(report, history, TREND_RUNS);
  if (points.length < 2) return [`📈 ${md(lang, 'trend.none')}`];

  const day = (p: TrendPoint): string => isoDate(p.startedAt, timeZone).slice(5);
  const sameDay = new Set(points.map(day)).size < points.length;
  const clock = (p: TrendPoint): string =>
    new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: timeZone ?? 'UTC',
    }).format(new Date(p.startedAt));
  const labels = points.map((p) => (sameDay ? `${day(p)} ${clock(p)}` : day(p)));
  const axis = `x-axis [${labels.map(mermaidString).join(', ')}]`;

  const sizes = scale(
    points.map((p) => p.archiveBytes),
    [
      ['TiB', 1024 ** 4],
      ['GiB', 1024 ** 3],
      ['MiB', 1024 ** 2],
      ['KiB', 1024],
      ['B', 1],
    ],
    1,
  );
  const durations = scale(
    points.map((p) => p.durationMs),
    [
      ['h', 3_600_000],
      ['min', 60_000],
      ['s', 1_000],
    ],
    2,
  );
  const sizeTitle = t(lang, 'trend.size', { unit: sizes.unit });
  const durationTitle = t(lang, 'trend.duration', { unit: durations.unit });
  const chart = (title: string, unit: string, max: number, series: string): string =>
    fenced(
      [
        'xychart-beta',
        `  title ${mermaidString(title)}`,
        `  ${axis}`,
        `  y-axis ${mermaidString(unit)} 0 --> ${max}`,
        `  ${series}`,
      ].join('\n'),
      'mermaid',
    );
  const figures = table(
    lang,
    [md(lang, 'trend.run'), md(lang, 'col.status'), md(lang, 'archive.size'), md(lang, 'fact.duration')],
    points.map((p) => {
      const when = escapeMarkdown(formatDateTime(lang, p.startedAt, timeZone));
      return [
        p.current ? `**${when}** (${md(lang, 'alert.now')})` : when,
        `${STATUS_ICON[p.status]} ${escapeMarkdown(statusWord(lang, p.status))}`,
        size(lang, p.archiveBytes),
        escapeMarkdown(formatElapsed(lang, p.durationMs)),
      ];
    }),
    BUDGET.trend,
  );
  return [
    `### ${md(lang, 'trend.title', { count: String(points.length) })}`,
    chart(sizeTitle, sizes.unit, sizes.max, `bar [${sizes.values.join(', ')}]`),
    chart(durationTitle, durations.unit, durations.max, `line [${durations.values.join(', ')}]`),
    details(htmlText(t(lang, 'trend.figures')), figures),
  ];
}

function archiveSections(report: RunReport, lang: ReportLanguage): string[] {
  if (report.archives.length === 0) return [];
  const none = t(lang, 'value.none');
  const archives = table(
    lang,
    [
      md(lang, 'col.archive'),
      md(lang, 'archive.schemas'),
      md(lang, 'archive.size'),
      md(lang, 'archive.encrypted'),
      md(lang, 'archive.verified'),
      md(lang, 'archive.sha256'),
    ],
    report.archives.map((a) => [
      code(clip(a.name, CLIP.cell)),
      escapeMarkdown(clip(a.schemas.join(', '), CLIP.cell)),
      size(lang, a.bytes),
      md(lang, a.encrypted ? 'archive.aes' : 'archive.notEncrypted'),
      a.verified
        ? `✅ ${md(lang, 'archive.verifiedOk')}`
        : `❌ ${md(lang, 'archive.notVerified', { problems: escapeMarkdown(clip(a.problems.join('; '), CLIP.cell)) })}`,
      a.sha256 ? code(a.sha256) : none,
    ]),
    BUDGET.archives,
  );
  const copies = report.archives.flatMap((a) =>
    a.destinations.map((d) => [
      code(clip(a.name, CLIP.cell)),
      `${escapeMarkdown(destinationKind(lang, d))} ${code(clip(d.location, CLIP.cell))}`,
      d.ok
        ? `✅ ${md(lang, 'destination.copied')}`
        : `❌ ${escapeMarkdown(clip(d.error ?? t(lang, 'destination.failed'), CLIP.cell))}`,
      escapeMarkdown(clip(copyCheck(lang, d), CLIP.cell)),
      escapeMarkdown(formatElapsed(lang, d.durationMs)),
      d.throughputBytesPerSec ? `${size(lang, d.throughputBytesPerSec)}/s` : none,
    ]),
  );
  const parts = [`### ${md(lang, 'section.archives')}`, archives];
  if (copies.length > 0)
    parts.push(
      table(
        lang,
        [
          md(lang, 'col.archive'),
          md(lang, 'col.destination'),
          md(lang, 'col.result'),
          md(lang, 'col.verification'),
          md(lang, 'col.time'),
          md(lang, 'col.throughput'),
        ],
        copies,
        BUDGET.destinations,
      ),
    );
  return parts;
}

function retentionSection(report: RunReport, lang: ReportLanguage, timeZone?: string): string[] {
  const retention = report.retention;
  if (!retention) return [];
  const dry = report.dryRun;
  const none = t(lang, 'value.none');
  const budget = BUDGET.retention / 2;
  const parts = [`### ${md(lang, 'summary.retention')}`];
  parts.push(
    table(
      lang,
      [
        md(lang, 'retention.place'),
        md(lang, 'retention.kept'),
        md(lang, dry ? 'retention.wouldDelete' : 'retention.deleted'),
        md(lang, 'retention.freed'),
        md(lang, 'retention.oldestKept'),
        md(lang, 'retention.newestKept'),
        md(lang, 'retention.note'),
      ],
      retention.places.map((p) => [
        code(clip(p.place, CLIP.cell)),
        formatNumber(lang, p.setsKept),
        formatNumber(lang, p.setsDeleted) +
          (p.setsFailed
            ? ` (${md(lang, 'retention.failed', { count: formatNumber(lang, p.setsFailed) })})`
            : ''),
        size(lang, p.bytesFreed),
        p.oldestKept ? escapeMarkdown(formatDateTime(lang, p.oldestKept.createdAt, timeZone)) : none,
        p.newestKept ? escapeMarkdown(formatDateTime(lang, p.newestKept.createdAt, timeZone)) : none,
        escapeMarkdown(clip([p.blocked, ...p.warnings].filter(Boolean).join('; '), CLIP.cell)) || none,
      ]),
      budget,
    ),
  );
  const gone = retention.places.flatMap((p) =>
    p.sets
      .filter((x) => x.action === 'delete')
      .map(
        (x) =>
          `- ${code(clip(p.place, CLIP.cell), false)}: ${x.archives.map((a) => code(clip(a, CLIP.cell), false)).join(', ')} — ` +
          escapeMarkdown(clip(x.reasons.join('; '), CLIP.cell)),
      ),
  );
  if (gone.length > 0) {
    const count = formatNumber(lang, gone.length);
    const title = t(lang, dry ? 'retention.setsWouldDelete' : 'retention.setsDeleted', { count });
    parts.push(details(htmlText(title), list(lang, gone, budget)));
  }
  const extra = retentionExtras(retention, dry).map((e) =>
    'bytes' in e
      ? md(lang, e.key, { count: formatNumber(lang, e.count), size: size(lang, e.bytes) })
      : md(lang, e.key, { count: formatNumber(lang, e.count), days: formatNumber(lang, e.days) }),
  );
  if (extra.length > 0) parts.push(extra.map((e) => `- ${e}`).join('\n'));
  return parts;
}

/** Free space at each backup folder on every run (not only when a check fails), with the change since the last. */
function freeSpaceSection(
  report: RunReport,
  lang: ReportLanguage,
  history: readonly RunHistoryEntry[],
  timeZone?: string,
): string[] {
  const places = report.freeSpace ?? [];
  if (places.length === 0) return [];
  const rows = places.map((f) => {
    const before = previousFree(history, f.folder, report.id);
    const free =
      f.freeBytes === undefined
        ? `⚠️ ${md(lang, 'space.notMeasured')}`
        : md(lang, 'space.ofTotal', {
            free: size(lang, f.freeBytes),
            total: size(lang, f.totalBytes ?? 0),
            percent: formatNumber(lang, freePercent(f)),
          });
    const change =
      f.freeBytes === undefined
        ? t(lang, 'value.none')
        : before
          ? `${escapeMarkdown(spaceChange(lang, f.freeBytes - before.freeBytes))} ` +
            `(${escapeMarkdown(formatDateTime(lang, before.startedAt, timeZone))})`
          : md(lang, 'space.first');
    return [code(f.role), code(clip(f.folder, CLIP.cell)), free, change];
  });
  return [
    `### ${md(lang, 'section.freeSpace')}`,
    md(lang, 'space.measured'),
    table(
      lang,
      [md(lang, 'space.place'), md(lang, 'space.folder'), md(lang, 'space.free'), md(lang, 'space.change')],
      rows,
      BUDGET.freeSpace,
    ),
  ];
}

function problemSection(report: RunReport, lang: ReportLanguage): string[] {
  const items = reportProblems(report, lang).map(({ owner, finding: f, site }) => {
    const icon = f.severity === 'error' ? '❌' : '⚠️';
    return (
      `- ${icon} **${escapeMarkdown(clip(owner, CLIP.cell))}** ${code(clip(f.code, 100), false)} ` +
      `${escapeMarkdown(clip(f.message, CLIP.message))}<br>➡️ ${escapeMarkdown(clip(adviceFor(f, lang, site), CLIP.advice))}`
    );
  });
  if (items.length === 0) return [];
  return [`### ${md(lang, 'section.problems')}`, list(lang, items, BUDGET.problems)];
}

function preflightSection(report: RunReport, lang: ReportLanguage): string[] {
  const failed = report.preflight.some((c) => !c.ok);
  if (!report.dryRun && !failed) return [];
  return [
    `### ${md(lang, 'section.preflight')}`,
    table(
      lang,
      [md(lang, 'col.check'), md(lang, 'col.result'), md(lang, 'col.detail')],
      report.preflight.map((c) => [
        escapeMarkdown(clip(c.name, CLIP.cell)),
        c.ok ? `✅ ${md(lang, 'preflight.ok')}` : `❌ ${md(lang, 'preflight.failed')}`,
        escapeMarkdown(clip(c.detail, CLIP.message)),
      ]),
      BUDGET.preflight,
    ),
  ];
}

/**
 * Where the settings came from, only when a config file was used: the file's path and how many settings came from
 * the file, the workflow and the defaults; then every setting given in both places with different values (the
 * workflow input won), with both values unless it is a secret.
 */
function settingsSection(report: RunReport, lang: ReportLanguage): string[] {
  const sources = report.settingSources;
  if (!sources) return [];
  const parts = [
    `### ⚙️ ${md(lang, 'section.settings')}`,
    md(lang, 'settings.configured', {
      path: code(clip(sources.configPath, CLIP.cell), false),
      file: formatNumber(lang, sources.counts.config),
      workflow: formatNumber(lang, sources.counts.workflow),
      defaults: formatNumber(lang, sources.counts.default),
    }),
  ];
  if (sources.overrides.length === 0) return parts;
  const secret = md(lang, 'settings.secret');
  parts.push(
    md(lang, 'settings.overridden'),
    table(
      lang,
      [
        md(lang, 'col.setting'),
        md(lang, 'settings.used'),
        md(lang, 'settings.workflowValue'),
        md(lang, 'settings.fileValue'),
      ],
      sources.overrides.map((o) => [
        code(clip(o.name, CLIP.cell)),
        `✅ ${md(lang, 'settings.workflowInput')}`,
        o.secret ? secret : code(clip(o.workflowValue ?? '', CLIP.cell)),
        o.secret
          ? md(lang, 'settings.fileSecret', { key: code(clip(o.fileKey, CLIP.cell)) })
          : code(clip(o.fileValue ?? '', CLIP.cell)),
      ]),
      BUDGET.settings,
    ),
  );
  return parts;
}

function planSection(report: RunReport, lang: ReportLanguage): string[] {
  const plan = report.plan;
  if (!plan) return [];
  const names = (items: string[]): string => items.map((n) => code(clip(n, CLIP.cell), false)).join(', ');
  const parts = [
    `### ${md(lang, 'section.plan')}`,
    md(lang, 'plan.archives', { names: names(plan.archives) }),
    md(lang, 'plan.destinations', { names: names(plan.destinations) }),
  ];
  let used = 0;
  const blocks: string[] = [];
  for (const s of plan.schemas) {
    const block = details(
      htmlText(t(lang, 'summary.parfile', { schema: s.name })),
      fenced(clip(s.parfile, 20_000)),
    );
    used += Buffer.byteLength(block);
    if (used > BUDGET.plan) {
      blocks.push(md(lang, 'summary.more', { count: String(plan.schemas.length - blocks.length) }));
      break;
    }
    blocks.push(block);
  }
  return [...parts, ...blocks];
}

function logSection(lang: ReportLanguage, runLogText: string | undefined): string[] {
  if (runLogText === undefined) return [];
  const all = runLogText.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  const lines = all.trim() === '' ? [] : all.split('\n').slice(-SUMMARY_LOG_LINES);
  if (lines.length === 0)
    return [details(htmlText(t(lang, 'section.log', { count: 0 })), md(lang, 'log.empty'))];
  // Newest lines matter most: drop from the start until the block fits.
  const kept = lines.map((line) => clip(line, CLIP.log));
  while (kept.length > 1 && Buffer.byteLength(kept.join('\n')) > BUDGET.log) kept.shift();
  return [details(htmlText(t(lang, 'section.log', { count: kept.length })), fenced(kept.join('\n')))];
}

function footer(report: RunReport, lang: ReportLanguage): string[] {
  const files = [
    report.logPath && md(lang, 'summary.runLog', { path: code(clip(report.logPath, CLIP.cell), false) }),
    report.reportPath &&
      md(lang, 'summary.report', { path: code(clip(report.reportPath, CLIP.cell), false) }),
  ].filter(Boolean);
  const tool = `${escapeMarkdown(report.tool.name)} ${escapeMarkdown(report.tool.version)}`;
  return [`<sub>${[...files, tool].join(' · ')}</sub>`];
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The job summary of a run. `options.lang` picks the language (English by default); `options.history` (this
 * database's earlier runs) adds the trend charts and the size-change alert.
 */
export function buildSummary(input: RunReport, options: SummaryOptions = {}): string {
  const lang = options.lang ?? 'en';
  const scrub = options.scrub;
  const report: RunReport = scrub
    ? JSON.parse(JSON.stringify(input), (_key, value: unknown) =>
        typeof value === 'string' ? scrub(value) : value,
      )
    : input;
  const runLogText =
    scrub && options.runLogText !== undefined ? scrub(options.runLogText) : options.runLogText;
  const history = options.history ?? [];
  const alertOptions = options.sizeAlert ?? {};
  const changes = sizeChanges(report, history, alertOptions);
  // In order of reading; the optional ones (`drop`) go first, last to first, should the whole be too large.
  const sections: Array<{ blocks: string[]; drop?: number }> = [
    { blocks: headSection(report, lang, options.timeZone) },
    { blocks: alertSection(lang, changes, alertOptions, options.timeZone) },
    { blocks: schemaSection(report, lang) },
    { blocks: chartSections(report, lang), drop: 4 },
    { blocks: trendSection(report, lang, history, options.timeZone), drop: 3 },
    { blocks: archiveSections(report, lang) },
    { blocks: retentionSection(report, lang, options.timeZone) },
    { blocks: freeSpaceSection(report, lang, history, options.timeZone) },
    { blocks: problemSection(report, lang) },
    { blocks: preflightSection(report, lang) },
    { blocks: settingsSection(report, lang) },
    { blocks: planSection(report, lang), drop: 2 },
    { blocks: logSection(lang, runLogText), drop: 1 },
    { blocks: footer(report, lang) },
  ];
  const render = (): string =>
    sections
      .flatMap((s) => s.blocks)
      .filter(Boolean)
      .join('\n\n') + '\n';
  let text = render();
  // The budgets keep this from happening; should it still, whole sections go, never half a block.
  for (let order = 1; Buffer.byteLength(text) > SUMMARY_LIMIT && order <= 4; order++) {
    for (const s of sections) if (s.drop === order) s.blocks = [];
    sections.at(-1)!.blocks = [...footer(report, lang), md(lang, 'summary.cut')];
    text = render();
  }
  while (Buffer.byteLength(text) > SUMMARY_LIMIT && sections.length > 2) {
    sections.splice(sections.length - 2, 1);
    text = render();
  }
  return text;
}
