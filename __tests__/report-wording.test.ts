import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyExport } from '../src/export/classify.js';
import { parseExpdpLog } from '../src/export/expdp-log.js';
import { renderModeSummary } from '../src/modes/summary.js';
import { buildEmail } from '../src/report/email.js';
import { measureFreeSpace, previousFree } from '../src/report/free-space.js';
import { historyEntry, parseHistory, serializeHistory, type RunHistoryEntry } from '../src/report/history.js';
import { buildSummary } from '../src/report/summary.js';
import type { RunReport } from '../src/run-report.js';
import { sampleReport, sampleRunLog } from './fixtures/email-report.js';
import { markdownProblems } from './helpers/markdown.js';

const emailOptions = { lang: 'en' as const, runLogText: sampleRunLog(10), runLogName: 'run.log' };

/** The AUDIT schema of the sample night, as the classifier words it from an expdp log skipping `tables`. */
function auditRun(tables: string[], undoTexts = 1): RunReport {
  const log = tables
    .flatMap((table, i) => [
      `21-NOV-26 01:31:0${i % 10}.552: W-1 ORA-31693: Table data object "AUDIT"."${table}" failed to load/unload and is being skipped due to error:`,
      'ORA-02354: error in exporting/unloading data',
      `ORA-01555: snapshot too old: rollback segment number ${i % undoTexts} with name "_SYSSMU$" too small`,
      '',
    ])
    .concat(
      `Job "BACKUP"."OBA_AUDIT_1" completed with ${tables.length} error(s) at Sat Nov 21 01:31:05 2026 elapsed 0 00:01:03`,
    )
    .join('\n');
  const parsed = parseExpdpLog(log);
  const verdict = classifyExport({
    process: { exitCode: 5, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 63_000 },
    log: parsed,
    logFound: true,
    schema: 'AUDIT',
    timeoutMs: 3_600_000,
  });
  const base = sampleReport();
  return sampleReport({
    schemas: base.schemas.map((s) =>
      s.name === 'AUDIT'
        ? { ...s, reason: verdict.reason, findings: verdict.findings, skippedTables: parsed.skippedTables }
        : s,
    ),
  });
}

const count = (text: string, part: string): number => text.split(part).length - 1;

describe('skipped tables in the reports', () => {
  it('each skipped table is named once in the schema row of the summary and the e-mail', () => {
    const run = auditRun(['AUDIT_LOG', 'LOGIN_HISTORY']);
    const summary = buildSummary(run, { runLogText: sampleRunLog(10) });
    const row = summary.split('\n').find((l) => l.startsWith('| AUDIT |'))!;
    expect(count(row, 'AUDIT.AUDIT\\_LOG')).toBe(1);
    expect(count(row, 'AUDIT.LOGIN\\_HISTORY')).toBe(1);
    expect(row).not.toContain('Skipped tables');

    const email = buildEmail(run, emailOptions);
    const note = email.html.slice(email.html.indexOf('completed with 2 error(s)'));
    expect(count(note.slice(0, note.indexOf('</td>')), 'AUDIT.AUDIT_LOG')).toBe(1);
    const text = email.text.split('\n');
    const at = text.findIndex((l) => l.startsWith('  AUDIT: completed with'));
    expect(count(text.slice(at, at + 2).join('\n'), 'AUDIT.LOGIN_HISTORY')).toBe(1);
  });

  it('"more" says what is left out and where the full list is; the tables past the reason are listed once', () => {
    const tables = Array.from({ length: 8 }, (_, i) => `T${i + 1}`);
    const run = auditRun(tables, 2);
    const audit = run.schemas.find((s) => s.name === 'AUDIT')!;
    expect(audit.reason).toContain('and 3 more tables (listed in the report JSON)');
    const email = buildEmail(run, emailOptions);
    for (const part of [email.text, email.html]) {
      expect(part).not.toMatch(/\(\+\d+ more\)/);
      expect(part).not.toMatch(/\band \d+ more\)/);
      expect(part).toContain('Also skipped: AUDIT.T6, AUDIT.T7, AUDIT.T8');
    }
    const summary = buildSummary(run, { runLogText: sampleRunLog(10) });
    const row = summary.split('\n').find((l) => l.startsWith('| AUDIT |'))!;
    for (const table of tables) expect(count(row, `AUDIT.${table}`)).toBe(1);
  });

  it('a code seen with several texts says how many more and where, not "(+1 more)"', () => {
    const log = [
      '21-NOV-26 01:31:00.552: ORA-01555: snapshot too old: rollback segment number 4 with name "_SYSSMU4$" too small',
      '21-NOV-26 01:31:01.552: ORA-01555: snapshot too old: rollback segment number 5 with name "_SYSSMU5$" too small',
      'Job "BACKUP"."OBA_AUDIT_1" completed with 2 error(s) at Sat Nov 21 01:31:05 2026 elapsed 0 00:01:03',
    ].join('\n');
    const verdict = classifyExport({
      process: { exitCode: 5, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 63_000 },
      log: parseExpdpLog(log),
      logFound: true,
      schema: 'AUDIT',
      timeoutMs: 3_600_000,
    });
    const messages = verdict.findings.map((f) => f.message).join('\n');
    expect(messages).not.toMatch(/\(\+\d+ more\)/);
    expect(messages).toContain('(and 1 more message with this code in the expdp log)');
  });

  it('a long list is cut with a count and where the rest is, in the report language', () => {
    const many = Array.from({ length: 14 }, (_, i) => `AUDIT.T${i + 1}`);
    const base = sampleReport();
    const run = sampleReport({
      schemas: base.schemas.map((s) =>
        s.name === 'AUDIT' ? { ...s, reason: 'completed with 14 error(s)', skippedTables: many } : s,
      ),
    });
    expect(buildEmail(run, emailOptions).text).toContain(
      'Skipped tables: AUDIT.T1, AUDIT.T2, AUDIT.T3, AUDIT.T4, AUDIT.T5, AUDIT.T6, AUDIT.T7, AUDIT.T8, AUDIT.T9, ' +
        'AUDIT.T10 and 4 more tables, listed under skippedTables in the report JSON',
    );
    expect(buildEmail(run, { ...emailOptions, lang: 'pt-BR' }).text).toContain(
      'e mais 4 tabelas, listadas em skippedTables no JSON do relatório',
    );
  });
});

describe('durations and dates in the reports', () => {
  const quick = (): RunReport => {
    const base = sampleReport();
    return sampleReport({
      schemas: base.schemas.map((s) => (s.name === 'HR' ? { ...s, durationMs: 714 } : s)),
    });
  };

  it('a schema that took 714 ms reads <1s in the summary, the e-mail and its text, as in the run log', () => {
    const summary = buildSummary(quick(), { runLogText: '' });
    const email = buildEmail(quick(), emailOptions);
    for (const part of [summary, email.html, email.text]) {
      expect(part).not.toContain('714 ms');
      expect(part).toMatch(/&lt;1s|<1s/);
    }
  });

  it('retention dates are shown in the runner zone with the zone, never as raw ISO strings', () => {
    const run = retentionRun();
    const summary = buildSummary(run, { runLogText: '', timeZone: 'America/Sao_Paulo' });
    expect(summary).not.toContain('2026-11-21T01:30:00.000Z');
    expect(summary).toContain('2026-11-20 22:30 -03:00');
    expect(summary).toContain('2026-11-18 22:30 -03:00');
  });
});

/** The sample night with retention at its local folder: two sets kept. */
function retentionRun(): RunReport {
  const kept = (createdAt: string) => ({
    id: createdAt,
    manifest: `${createdAt}.manifest.json`,
    archives: [`${createdAt}.zip`],
    createdAt,
    status: 'success' as const,
    database: 'db',
    schemas: ['HR'],
    verified: true,
    good: true,
    problems: [],
    action: 'keep' as const,
    reasons: [],
    outcome: 'kept' as const,
    bytes: 10,
  });
  return sampleReport({
    retention: {
      places: [
        {
          place: '/u01/backup',
          kind: 'local',
          dryRun: false,
          policy: { retentionDays: 10, keepMin: 2, keepMax: 7, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
          sets: [kept('2026-11-19T01:30:00.000Z'), kept('2026-11-21T01:30:00.000Z')],
          setsKept: 2,
          setsDeleted: 0,
          setsFailed: 0,
          bytesFreed: 0,
          oldestKept: { id: 'a', createdAt: '2026-11-19T01:30:00.000Z', manifest: 'a' },
          newestKept: { id: 'b', createdAt: '2026-11-21T01:30:00.000Z', manifest: 'b' },
          ignored: [],
          warnings: [],
          notes: [],
        },
      ],
    },
  });
}

describe('retention, trend and free space in the e-mail; free space on every run', () => {
  const GiB = 1024 ** 3;
  /** Earlier nights of the same database, a day apart, each with the free space it measured. */
  const earlier = (freeAtWork: number[]): RunHistoryEntry[] =>
    freeAtWork.map((free, i) => {
      const day = 21 - freeAtWork.length + i;
      return historyEntry(
        sampleReport({
          id: `run-${day}`,
          status: 'success',
          startedAt: `2026-11-${String(day).padStart(2, '0')}T01:30:00.000Z`,
          bytesArchived: (1 + i * 0.25) * GiB,
          freeSpace: [{ role: 'work-dir', folder: '/u01/backup', freeBytes: free, totalBytes: 500 * GiB }],
        }),
      );
    });
  const withSpace = (report: RunReport): RunReport => ({
    ...report,
    freeSpace: [
      {
        role: 'dump-path',
        folder: '/u01/app/oracle/admin/ORCL/dpdump',
        freeBytes: 80 * GiB,
        totalBytes: 200 * GiB,
      },
      { role: 'work-dir', folder: '/u01/backup', freeBytes: 398 * GiB, totalBytes: 500 * GiB },
      { role: 'copy-to', folder: '/mnt/<b>share</b>', error: 'could not be measured' },
    ],
  });

  it('the e-mail has a retention section: per place kept/deleted, bytes freed and the newest kept set', () => {
    const base = retentionRun();
    const place = {
      ...base.retention!.places[0]!,
      place: '/u01/<i>backup</i>',
      setsDeleted: 3,
      bytesFreed: 3 * GiB,
    };
    const run = { ...base, retention: { places: [place] } };
    const email = buildEmail(run, { ...emailOptions, timeZone: 'UTC' });
    expect(email.html).toContain('>Retention<');
    expect(email.html).toContain('3.0 GiB');
    expect(email.html).toContain('2026-11-21 01:30 UTC');
    expect(email.html).not.toContain('<i>backup');
    expect(email.html).toContain('&lt;i&gt;');
    const text = email.text.slice(email.text.indexOf('\nRETENTION\n'));
    expect(text).toMatch(/\/u01\/<i>backup<\/i>\s+2\s+3\s+3\.0 GiB\s+2026-11-21 01:30 UTC/);
  });

  it('the e-mail shows the trend of the last runs from the history, in HTML and text', () => {
    const history = earlier([400 * GiB, 410 * GiB, 405 * GiB]);
    const email = buildEmail(sampleReport(), { ...emailOptions, history });
    expect(email.html).toContain('Trend of the last 4 runs');
    expect(email.html).toContain('2026-11-18 01:30 UTC');
    expect(email.text).toContain('TREND OF THE LAST 4 RUNS');
    expect(email.text).toMatch(/2026-11-20 01:30 UTC SUCCESS +█+ +1\.5 GiB, 16m45s/);
    // Without history there is no trend to draw.
    expect(buildEmail(sampleReport(), emailOptions).html).not.toContain('Trend of the last');
  });

  it('free space of each folder, with the change since the last run, in the summary and the e-mail of a good run', () => {
    const history = earlier([400 * GiB, 410 * GiB]);
    const run = withSpace(sampleReport({ status: 'success' }));
    const summary = buildSummary(run, { history, runLogText: '' });
    expect(summary).toContain('### Free space');
    expect(summary).toContain(
      '| `work-dir` | `/u01/backup` | 398.0 GiB of 500.0 GiB (80% free) | −12.0 GiB (2026-11-20 01:30 UTC) |',
    );
    expect(summary).toContain(
      '| `dump-path` | `/u01/app/oracle/admin/ORCL/dpdump` | 80.0 GiB of 200.0 GiB (40% free) | first measurement |',
    );
    expect(summary).toContain('not measured');
    expect(markdownProblems(summary)).toEqual([]);
    const email = buildEmail(run, { ...emailOptions, history });
    expect(email.html).toContain('>Free space<');
    expect(email.html).toContain('−12.0 GiB (2026-11-20 01:30 UTC)');
    expect(email.html).not.toContain('<b>share</b>');
    expect(email.text).toMatch(
      /work-dir\s+\/u01\/backup\s+398\.0 GiB of 500\.0 GiB \(80% free\)\s+−12\.0 GiB/,
    );
    const pt = buildEmail(run, { ...emailOptions, lang: 'pt-BR', history });
    expect(pt.text).toContain('Espaço livre'.toLocaleUpperCase());
  });

  it('the history keeps the free space of each run, and a file without it still reads', () => {
    const entry = historyEntry(withSpace(sampleReport()));
    expect(entry.freeSpace).toEqual([
      { role: 'dump-path', folder: '/u01/app/oracle/admin/ORCL/dpdump', freeBytes: 80 * GiB },
      { role: 'work-dir', folder: '/u01/backup', freeBytes: 398 * GiB },
    ]);
    expect(parseHistory(serializeHistory([entry])).runs[0]!.freeSpace).toEqual(entry.freeSpace);
    const old = historyEntry(sampleReport({ id: 'old' }));
    expect(parseHistory(serializeHistory([old])).runs).toHaveLength(1);
    expect(previousFree([old, entry], '/u01/backup', 'now')).toEqual({
      freeBytes: 398 * GiB,
      startedAt: entry.startedAt,
    });
  });

  it('is measured for real folders; a missing one says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oba-space-'));
    try {
      const [work, gone] = await measureFreeSpace([
        { role: 'work-dir', folder: dir },
        { role: 'copy-to', folder: path.join(dir, 'not-mounted') },
        { role: 'copy-to', folder: dir },
      ]);
      expect(work!.freeBytes).toBeGreaterThan(0);
      expect(work!.totalBytes).toBeGreaterThanOrEqual(work!.freeBytes!);
      expect(gone).toMatchObject({
        role: 'copy-to',
        error: expect.stringContaining('could not be measured'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verify and monitor summaries', () => {
  it('say how many problems are left out and where, and show dates as the backup reports do', () => {
    const startedAt = '2026-11-21T01:30:00.000Z';
    const md = renderModeSummary({
      mode: 'verify',
      status: 'failure',
      statusReason: 'bad',
      destination: 'folder /x',
      startedAt,
      durationMs: 714,
      sets: [],
      problems: Array.from({ length: 103 }, (_, i) => `problem ${i}`),
      warnings: [],
      failedFiles: [],
    });
    expect(md).toContain('- … and 3 more problems, listed in the run log');
    expect(md).not.toContain(startedAt);
    expect(md).toMatch(/checked 2026-11-\d\d \d\d:\d\d (?:UTC|[+-]\d\d:\d\d) · took <1s/);
  });
});
