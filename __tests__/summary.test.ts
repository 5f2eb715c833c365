import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyExport } from '../src/export/classify.js';
import { parseExpdpLog } from '../src/export/expdp-log.js';
import { describeLocalFailure } from '../src/report/advice.js';
import { historyEntry, type RunHistoryEntry } from '../src/report/history.js';
import { buildEmail } from '../src/report/email.js';
import { messages, REPORT_LANGUAGES } from '../src/report/i18n.js';
import { buildSummary, escapeMarkdown, SUMMARY_LIMIT } from '../src/report/summary.js';
import type { RetentionReport, RunReport, SchemaReport } from '../src/run-report.js';
import { sampleReport, sampleRunLog } from './fixtures/email-report.js';
import { markdownProblems } from './helpers/markdown.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    tool: { name: 'oracle-backup-action', version: '0.1.0' },
    id: 'id',
    status: 'success',
    statusReason: 'all good',
    failOn: 'partial',
    dryRun: false,
    startedAt: '2026-11-21T01:30:00.000Z',
    finishedAt: '2026-11-21T01:31:00.000Z',
    durationMs: 60_000,
    database: { connectString: 'db:1521/ORCL' },
    schemas: [],
    archives: [],
    preflight: [],
    findings: [],
    bytesExported: 0,
    bytesArchived: 0,
    ...overrides,
  };
}

/** Earlier runs of the sample night, a day apart, with the sizes given per schema. */
function earlierRuns(sizes: Array<Record<string, number>>, base = sampleReport()): RunHistoryEntry[] {
  return sizes.map((bySchema, i) => {
    const day = 21 - sizes.length + i;
    const entry = historyEntry(
      {
        ...base,
        id: `run-${day}`,
        status: 'success',
        startedAt: `2026-11-${String(day).padStart(2, '0')}T01:30:00.000Z`,
        durationMs: 900_000 + i * 60_000,
        bytesArchived: Math.round((1 + i * 0.1) * GiB),
      },
      String(4000 + i),
    );
    entry.schemas = entry.schemas.map((s) => ({
      ...s,
      status: 'success',
      dumpBytes: bySchema[s.name] ?? s.dumpBytes,
    }));
    return entry;
  });
}

/** Everything at its worst: user text with Markdown, HTML, pipes, fences and line breaks, and a lot of it. */
const NASTY =
  'x | y <script>alert(1)</script> `tick` ``` fence\n## heading\r\n- item *b* _i_ [l](http://e) ~~s~~ &amp; <details> ';

function hugeReport(): RunReport {
  const long = (n: number): string => NASTY.repeat(Math.ceil(n / NASTY.length)).slice(0, n);
  const schemas: SchemaReport[] = Array.from({ length: 100 }, (_, i) => ({
    name: `SCHEMA_${i}|${i % 7 === 0 ? '`<b>`' : ''}`,
    outcome: i % 3 === 0 ? 'failed' : i % 3 === 1 ? 'warning' : 'success',
    reason: long(5_000),
    findings: Array.from({ length: 5 }, (_, j) => ({
      severity: j % 2 ? ('error' as const) : ('warning' as const),
      code: `ORA-${31693 + j}|x`,
      message: long(10_000),
      advice: long(3_000),
    })),
    jobName: `OBA_${i}`,
    startedAt: '2026-11-21T01:30:00.000Z',
    durationMs: 60_000 + i,
    exitCode: 5,
    dumpFiles: [],
    tables: i,
    rows: i * 1000,
    rowCounts: [],
    skippedTables: Array.from({ length: 50 }, (_, k) => `T${k}|${long(40)}`),
    dumpBytes: (i + 1) * MiB,
    archive: `A_${i}.zip`,
  }));
  const retention: RetentionReport = {
    places: Array.from({ length: 3 }, (_, p) => ({
      place: `/mnt/place ${p} | ${long(300)}`,
      kind: 'copy-to' as const,
      dryRun: false,
      policy: { retentionDays: 10, keepMin: 2, keepMax: 7, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      blocked: long(2_000),
      sets: Array.from({ length: 400 }, (_, k) => ({
        id: `s${k}`,
        manifest: `m${k}`,
        archives: [`old ${k}.zip`, long(200)],
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'success' as const,
        database: 'db',
        schemas: ['HR'],
        verified: true,
        good: true,
        problems: [],
        action: 'delete' as const,
        reasons: [long(500)],
        outcome: 'deleted' as const,
        bytes: 1,
      })),
      setsKept: 2,
      setsDeleted: 400,
      setsFailed: 3,
      bytesFreed: 400,
      ignored: [],
      warnings: [long(1_000)],
      notes: [],
    })),
  };
  return report({
    status: 'partial',
    statusReason: `1. ${long(20_000)}`,
    schemas,
    archives: schemas.map((s, i) => ({
      setId: `set-${i}`,
      name: `A_${i}.zip`,
      path: `/w/A_${i}.zip`,
      bytes: 1000 + i,
      sha256: 'ab'.repeat(32),
      encrypted: i % 2 === 0,
      entries: [],
      schemas: [s.name],
      verified: i % 5 !== 0,
      problems: i % 5 === 0 ? [long(3_000)] : [],
      manifestPath: `/w/A_${i}.zip.manifest.json`,
      durationMs: 1000,
      destinations: [
        {
          kind: 'local',
          location: '/w',
          ok: true,
          verification: long(500),
          durationMs: 10,
          bytes: 1,
          files: [],
        },
        {
          kind: 'sftp',
          location: `sftp u@h:/x ${long(300)}`,
          ok: false,
          verification: 'not verified',
          error: long(4_000),
          durationMs: 10,
          bytes: 0,
          files: [],
        },
      ],
    })),
    preflight: Array.from({ length: 50 }, (_, i) => ({
      name: `check ${i} ${long(100)}`,
      ok: i % 2 === 0,
      detail: long(4_000),
    })),
    findings: Array.from({ length: 300 }, () => ({
      severity: 'error' as const,
      code: 'COPY',
      message: long(10_000),
      advice: long(5_000),
    })),
    retention,
    bytesExported: 5050 * MiB,
    bytesArchived: 100_000,
    logPath: `/logs/${long(100)}.log`,
    reportPath: '/logs/r.json',
  });
}

describe('escapeMarkdown', () => {
  it('neutralises HTML, table pipes and Markdown syntax', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)> | *b* `c`')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; \\| \\*b\\* \\`c\\`',
    );
  });

  it('keeps everything on one line and drops control characters', () => {
    expect(escapeMarkdown('a\r\nb\nc\rd\u0007~e~')).toBe('a b c d\\~e\\~');
  });
});

describe('buildSummary', () => {
  it('escapes user data coming from Oracle logs', () => {
    const text = buildSummary(
      report({
        findings: [{ severity: 'error', code: 'ORA-1', message: '<script>x</script>', advice: 'a|b' }],
      }),
    );
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;');
  });

  it('masks secrets before escaping, so that escaping cannot hide them from the mask', () => {
    const secret = 'my_s3cret*pass';
    const r = report({
      statusReason: `login failed for backup/${secret}`,
      findings: [{ severity: 'error', code: 'X', message: `password ${secret}`, advice: secret }],
    });
    const mask = (text: string): string => text.split(secret).join('***');
    const text = buildSummary(r, { scrub: mask, runLogText: `line with ${secret}\n` });
    expect(text).not.toContain(escapeMarkdown(secret));
    expect(text).not.toContain(secret);
    expect(text).toContain('password \\*\\*\\*');
    // Without the option, the escaped form would slip past a mask applied afterwards.
    expect(mask(buildSummary(r))).toContain('my\\_s3cret\\*pass');
  });

  it('stays under the size limit whatever the number of findings', () => {
    const findings = Array.from({ length: 100_000 }, (_, i) => ({
      severity: 'warning' as const,
      code: `ORA-${i}`,
      message: 'x'.repeat(200),
      advice: 'y'.repeat(200),
    }));
    const text = buildSummary(report({ findings }));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(text).toContain('more in the run log');
    expect(markdownProblems(text)).toEqual([]);
  });

  it('keeps the English texts the end-to-end tests and users rely on', () => {
    const sample = sampleReport({ status: 'success', statusReason: '3/3 schema(s) exported' });
    const text = buildSummary(sample);
    expect(text).toMatch(/^## ✅ Oracle backup: success$/m);
    expect(text).toMatch(/^\| HR \| ✅ success \|/m);
    expect(text).toMatch(/^\| AUDIT \| ⚠️ completed with errors \|/m);
    expect(text).toContain('SHA-256 match');
    expect(text).toMatch(/\| folder `\/mnt\/backup-share\/oracle` \| ✅ copied \| copy re-read/);
    expect(text).toContain('ORA-01555');
    // File names are code: shown literally, underscores and all.
    expect(text).toContain('`oracle-backup_2026-11-21_013000.zip`');
    expect(markdownProblems(text)).toEqual([]);
  });

  it("says how the bytes of an SFTP copy travelled, in the reader's language", () => {
    const sample = sampleReport();
    sample.archives[0]!.destinations.push({
      kind: 'sftp',
      location: 'sftp://backup@vault:22/oracle',
      ok: true,
      verification: 'SHA-256 computed on the server (sha256sum) matches',
      transfer: 'OpenSSH (OpenSSH_9.2p1, ssh -s sftp)',
      durationMs: 9_000,
      bytes: 1_000_000,
      throughputBytesPerSec: 111_111,
      files: [],
    });
    expect(buildSummary(sample)).toContain(
      // Markdown-escaped: the underscore of the version shows as one.
      '(sha256sum) matches; transfer: OpenSSH (OpenSSH\\_9.2p1, ssh -s sftp) |',
    );
    expect(buildSummary(sample, { lang: 'pt-BR' })).toContain('; transferência: OpenSSH (OpenSSH\\_9.2p1');
    expect(markdownProblems(buildSummary(sample))).toEqual([]);
  });

  it('shows the same content as the e-mail: facts, charts, archives, problems, log tail', () => {
    const text = buildSummary(sampleReport(), { runLogText: sampleRunLog(140) });
    for (const part of [
      'db-prod-01.example.com:1521/ORCLPDB1',
      'took 16m45s',
      '2/3 schemas OK',
      '### Dump size per schema',
      '### Time per phase',
      'Whole run: 16m45s',
      '### Archives and copies',
      'AES-256',
      'fa73f36118fdeead0cb5a6922e35e35f91aff83a27fd784a601765e52a59ad63',
      '### Warnings and errors: what to do',
      'raise UNDO\\_RETENTION',
      'Last 100 lines of the run log',
      'status: partial (1 schema(s) completed with errors)',
    ])
      expect(text).toContain(part);
    // The tail, not the head, of a 140-line log.
    expect(text).not.toContain('log line 1:');
    expect(text).toContain('log line 138:');
    expect(text).toMatch(/█/);
    expect(markdownProblems(text)).toEqual([]);
  });

  it('keeps the retention and dry-run wording', () => {
    const place = {
      place: '/w',
      kind: 'local' as const,
      dryRun: true,
      policy: { retentionDays: 10, keepMin: 2, keepMax: 7, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
      sets: [
        {
          id: 's',
          manifest: 'good-12.5d.zip.manifest.json',
          archives: ['good-12.5d.zip'],
          createdAt: '2026-11-08T00:00:00.000Z',
          status: 'success' as const,
          database: 'db',
          schemas: ['HR'],
          verified: true,
          good: true,
          problems: [],
          action: 'delete' as const,
          reasons: ['older than 10 days'],
          outcome: 'planned' as const,
          bytes: 10,
        },
      ],
      setsKept: 2,
      setsDeleted: 1,
      setsFailed: 0,
      bytesFreed: 10,
      ignored: [],
      warnings: [],
      notes: [],
    };
    const text = buildSummary(
      report({
        dryRun: true,
        statusReason: 'dry run: every check passed; nothing was exported or deleted',
        retention: { places: [place] },
        preflight: [{ name: 'expdp client', ok: true, detail: '/opt/oracle/bin/expdp' }],
        plan: {
          schemas: [
            {
              name: 'HR',
              jobName: 'OBA_HR_1',
              dumpFile: 'HR.dmp',
              logFile: 'HR.log',
              parfile: 'USERID=backup/********@dbhost:1521/ORCLPDB1\nJOB_NAME=OBA_HR_1\n```\n',
            },
          ],
          archives: ['a.zip'],
          destinations: ['/w'],
        },
      }),
    );
    expect(text).toContain('dry run');
    expect(text).toContain('### Retention');
    expect(text).toContain('Would delete');
    expect(text).toContain('good-12.5d.zip');
    expect(text).toContain('older than 10 days');
    expect(text).toContain('USERID=backup/********@dbhost:1521/ORCLPDB1');
    expect(text).toContain('JOB_NAME=OBA_HR_1');
    expect(text).toContain('### Pre-flight checks');
    expect(markdownProblems(text)).toEqual([]);
  });

  it('a summary of 100 schemas and long error texts stays under 1 MiB and is valid Markdown', () => {
    const huge = hugeReport();
    for (const lang of REPORT_LANGUAGES) {
      const text = buildSummary(huge, {
        lang,
        history: earlierRuns([{}, {}, {}], huge),
        runLogText: Array.from({ length: 300 }, (_, i) => `${i} ${NASTY.repeat(40)}`).join('\n'),
      });
      const bytes = Buffer.byteLength(text);
      expect(bytes, lang).toBeLessThan(1024 * 1024);
      expect(bytes, lang).toBeLessThanOrEqual(SUMMARY_LIMIT);
      expect(markdownProblems(text), lang).toEqual([]);
      // No live HTML: <script> and <details> from user text only appear escaped or as code (markdownProblems).
      // Every schema row made it, and the long lists say how many are left out.
      expect(text.match(/^\| SCHEMA\\_\d+/gm)?.length ?? 0, lang).toBeGreaterThanOrEqual(100);
      expect(text).toMatch(/(more in the run log|no log de execução|en el registro de ejecución)/);
    }
  });

  it('is valid Markdown and raw-HTML-free whatever the names and messages are', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(
      fc.property(text, text, text, text, (name, message, location, log) => {
        const r = sampleReport({
          statusReason: message,
          findings: [{ severity: 'error', code: name, message, advice: message }],
        });
        r.schemas[0]!.name = name || 'X';
        r.schemas[0]!.reason = message;
        r.archives[0]!.destinations[1]!.location = location;
        r.archives[0]!.destinations[1]!.ok = false;
        r.archives[0]!.destinations[1]!.error = message;
        r.preflight.push({ name, ok: false, detail: location });
        const out = buildSummary(r, { runLogText: log, history: earlierRuns([{}, {}]) });
        expect(markdownProblems(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it.each(REPORT_LANGUAGES)('writes %s', (lang) => {
    const text = buildSummary(sampleReport(), { lang, runLogText: sampleRunLog(10) });
    expect(markdownProblems(text)).toEqual([]);
    if (lang === 'en') return;
    for (const english of ['Oracle backup:', 'What to do', 'Time per phase', 'Archives and copies'])
      expect(text, english).not.toContain(english);
  });

  it('writes the job summary in Portuguese and Spanish', () => {
    const pt = buildSummary(sampleReport(), { lang: 'pt-BR' });
    expect(pt).toMatch(/^## ⚠️ Backup Oracle: parcial$/m);
    expect(pt).toMatch(/^\| HR \| ✅ sucesso \| 42 \| 48\.213\.907 \| 2,1 GiB \|/m);
    expect(pt).toContain('### Avisos e erros: o que fazer');
    const es = buildSummary(sampleReport({ status: 'failure' }), { lang: 'es' });
    expect(es).toMatch(/^## ❌ Respaldo de Oracle: fallo$/m);
    expect(es).toContain('| AUDIT | ⚠️ completado con errores |');
  });
});

describe('trend and size-change alert', () => {
  it('with history from three earlier runs shows the trend chart, and a 60% drop of one schema raises the alert', () => {
    const now = sampleReport();
    const sales = now.schemas.find((s) => s.name === 'SALES')!.dumpBytes;
    // SALES was 2.5 times as large: it is now 60% smaller.
    const history = earlierRuns([{ SALES: sales * 2.5 }, { SALES: sales * 2.5 }, { SALES: sales * 2.5 }]);
    const text = buildSummary(now, { history });

    expect(text).toContain('### Trend of the last 4 runs');
    const charts = [...text.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    for (const chart of charts) {
      expect(chart).toMatch(/^xychart-beta\n/);
      expect(chart).toContain('x-axis ["11-18", "11-19", "11-20", "11-21"]');
      expect(chart).toMatch(/y-axis "\w+" 0 --> [\d.]+/);
    }
    expect(charts[0]).toContain('title "Archive size (GiB)"');
    expect(charts[0]).toMatch(/bar \[1, 1\.1, 1\.2, 1\.12\]/);
    expect(charts[1]).toContain('title "Duration (min)"');
    expect(charts[1]).toMatch(/line \[15, 16, 17, 16\.75\]/);

    expect(text).toContain('### ⚠️ Size changes against the last good run');
    expect(text).toMatch(/^\| SALES \| \*\*📉 shrank by 60%\*\* \| 4\.0 GiB \(2026-11-20\) \| 1\.6 GiB \|/m);
    expect(text).not.toMatch(/^\| HR \| \*\*/m);
    // The alert comes before the details: it is what a reader must see first.
    expect(text.indexOf('Size changes')).toBeLessThan(text.indexOf('### Schemas'));
    expect(markdownProblems(text)).toEqual([]);
  });

  it('raises it for growth too, in the report language, and not for a change under 50%', () => {
    const now = sampleReport();
    const hr = now.schemas[0]!.dumpBytes;
    const sales = now.schemas[1]!.dumpBytes;
    const history = earlierRuns([{ HR: hr / 3, SALES: sales * 1.4 }]);
    const text = buildSummary(now, { history, lang: 'es' });
    expect(text).toMatch(/^\| HR \| \*\*📈 creció un 200%\*\*/m);
    expect(text).not.toMatch(/^\| SALES \| \*\*/m);
  });

  it('compares against the last good run of each schema, and never a failed export', () => {
    const now = sampleReport();
    const sales = now.schemas[1]!.dumpBytes;
    const history = earlierRuns([{ SALES: sales * 3 }, { SALES: sales / 3 }]);
    // The newest earlier run lost tables of SALES: it is no baseline.
    history[1]!.schemas[1]!.status = 'warning';
    expect(buildSummary(now, { history })).toMatch(/^\| SALES \| \*\*📉 shrank by 67%\*\*/m);
    now.schemas[1]!.outcome = 'failed';
    expect(buildSummary(now, { history })).not.toContain('Size changes');
  });

  it('leaves out small dumps, and the thresholds can be changed', () => {
    const r = report({
      schemas: [{ ...sampleReport().schemas[0]!, name: 'TINY', dumpBytes: 100 * 1024, outcome: 'success' }],
    });
    const history = earlierRuns([{ TINY: 400 * 1024 }], r);
    expect(buildSummary(r, { history })).not.toContain('Size changes');
    expect(buildSummary(r, { history, sizeAlert: { minBytes: 0 } })).toContain('shrank by 75%');
    expect(buildSummary(r, { history, sizeAlert: { minBytes: 0, threshold: 0.8 } })).not.toContain('shrank');
  });

  it('says where the trend will come from on the first run, and shows no chart', () => {
    const text = buildSummary(sampleReport());
    expect(text).not.toContain('```mermaid');
    expect(text).toContain('The trend of archive size and duration appears from the next run on');
  });

  it('leaves runs refused by the work-dir lock out of the trend: they measured nothing', () => {
    const history = earlierRuns([{}, {}]);
    history[1] = { ...history[1]!, status: 'failure', refused: true, archiveBytes: 0, schemas: [] };
    const text = buildSummary(sampleReport(), { history });
    expect(text).toContain('x-axis ["11-19", "11-21"]');
  });

  it('puts a run log or report that log-dir could not take at the top, as a warning', () => {
    const message =
      'log-dir: the report could not be written (/logs/x.report.json): ENOSPC: no space left on device';
    const r = sampleReport({
      status: 'success',
      findings: [{ severity: 'warning', code: 'LOG-DIR', message, advice: 'Free space in log-dir.' }],
    });
    const lines = buildSummary(r).split('\n');
    const warning = lines.indexOf('> [!WARNING]');
    expect(warning).toBeGreaterThan(0);
    expect(warning).toBeLessThan(5);
    expect(lines[warning + 1]).toContain('no space left on device');
  });

  it('labels runs of the same day with their time, and escapes nothing into the chart', () => {
    const now = sampleReport();
    const history = earlierRuns([{}]).map((e) => ({ ...e, startedAt: '2026-11-21T00:10:00.000Z' }));
    const text = buildSummary(now, { history });
    expect(text).toContain('x-axis ["11-21 00:10", "11-21 01:30"]');
  });
});

describe('advice', () => {
  it('gives local failures the advice of the table, in the report language', () => {
    const r = sampleReport({
      findings: [
        {
          severity: 'error',
          code: 'PREFLIGHT',
          message: 'expdp client: expdp is not on PATH; set oracle-home or ORACLE_HOME',
          advice: 'Fix the folder or path named here; the check runs again at the start of every run.',
        },
        {
          severity: 'error',
          code: 'EMAIL',
          message: 'e-mail report not sent: SMTP server mail:587: connection refused',
          advice: 'Fix the smtp-* inputs.',
        },
      ],
    });
    r.archives[0]!.destinations[1] = {
      ...r.archives[0]!.destinations[1]!,
      ok: false,
      error: 'folder not reachable: \\\\nas\\backup (EHOSTDOWN)',
    };
    for (const lang of REPORT_LANGUAGES) {
      const text = buildSummary(r, { lang });
      for (const code of ['EXPDP-NOT-FOUND', 'SMTP-REFUSED', 'SHARE-UNREACHABLE'] as const)
        expect(text, `${lang} ${code}`).toContain(escapeMarkdown(describeLocalFailure(code, lang).advice));
    }
    // Oracle findings keep their own advice.
    expect(buildSummary(r)).toContain('raise UNDO\\_RETENTION');
  });
});

describe('a table error stack in the reports', () => {
  // What expdp prints when undo runs out under two tables: each stack is ORA-31693 ← ORA-02354 ← ORA-01555.
  const log = ['AUDIT_LOG', 'LOGIN_HISTORY']
    .flatMap((table, i) => [
      `21-NOV-26 01:31:0${i}.552: W-1 ORA-31693: Table data object "AUDIT"."${table}" failed to load/unload and is being skipped due to error:`,
      'ORA-02354: error in exporting/unloading data',
      `ORA-01555: snapshot too old: rollback segment number ${i + 4} with name "_SYSSMU${i + 4}$" too small`,
      '',
    ])
    .concat(
      'Job "BACKUP"."OBA_AUDIT_1" completed with 2 error(s) at Sat Nov 21 01:31:05 2026 elapsed 0 00:01:03',
    )
    .join('\n');
  const verdict = classifyExport({
    process: { exitCode: 5, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 63_000 },
    log: parseExpdpLog(log),
    logFound: true,
    schema: 'AUDIT',
    timeoutMs: 3_600_000,
  });
  const base = sampleReport();
  const run = sampleReport({
    schemas: base.schemas.map((s) => (s.name === 'AUDIT' ? { ...s, findings: verdict.findings } : s)),
  });
  const chain = 'ORA-31693 ← ORA-02354 ← ORA-01555';

  it('the job summary shows one problem naming both tables, the root cause and its advice', () => {
    const text = buildSummary(run, { runLogText: sampleRunLog(10) });
    const problems = text.slice(text.indexOf('### Warnings and errors'));
    const items = problems.split('\n').filter((l) => /^- ⚠️ \*\*AUDIT\*\*/.test(l));
    expect(items).toHaveLength(1);
    expect(items[0]).toContain(chain);
    expect(items[0]).toContain('AUDIT.AUDIT\\_LOG, AUDIT.LOGIN\\_HISTORY');
    expect(items[0]).toContain('raise UNDO\\_RETENTION');
  });

  it('the e-mail shows it once, in the HTML and in the text part', () => {
    const email = buildEmail(run, { lang: 'en', runLogText: sampleRunLog(10), runLogName: 'run.log' });
    expect(email.html.split(chain)).toHaveLength(2);
    expect(email.html).not.toContain('>ORA-02354<');
    expect(email.html).not.toContain('>ORA-31693<');
    const lines = email.text.split('\n').filter((l) => /^\[\w+\] AUDIT /.test(l));
    expect(lines).toEqual([
      expect.stringContaining(
        `AUDIT ORA-01555: table data of AUDIT.AUDIT_LOG, AUDIT.LOGIN_HISTORY skipped: snapshot too old (${chain})`,
      ),
    ]);
  });
});

describe('the Markdown checker used above', () => {
  it('catches what would break the rendering', () => {
    expect(markdownProblems('| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n')).toHaveLength(1);
    expect(markdownProblems('| a | b |\n| --- | --- |\n| 1 \\| 2 | 3 |\n')).toEqual([]);
    expect(markdownProblems('```\ncode\n')).toHaveLength(1);
    expect(markdownProblems('````\n```\n````\n')).toEqual([]);
    expect(markdownProblems('<details><summary>x</summary>\n\ny\n')).toHaveLength(1);
    expect(markdownProblems('text <img src=x onerror=alert(1)>')).toHaveLength(1);
    expect(markdownProblems('text `<img src=x>` and &lt;img&gt;')).toEqual([]);
  });
});

describe('where the settings came from', () => {
  const sources: NonNullable<RunReport['settingSources']> = {
    configPath: 'config/backup.yml',
    counts: { config: 12, workflow: 3, default: 43 },
    overrides: [
      { name: 'password', fileKey: 'password-env', secret: true },
      {
        name: 'schemas',
        fileKey: 'schemas',
        secret: false,
        workflowValue: 'HR',
        fileValue: '[ HR, { name: SALES, timeout: 2h } ]',
      },
      { name: 'copy-to', fileKey: 'copy-to', secret: false, workflowValue: '/mnt/a|b', fileValue: '/mnt/c' },
    ],
  };

  it('shows nothing of the kind without a config file', () => {
    for (const lang of REPORT_LANGUAGES) {
      const text = buildSummary(sampleReport(), { lang });
      expect(text).not.toContain('⚙️');
      expect(text).not.toContain(escapeMarkdown(messages(lang)['section.settings']));
    }
    expect(buildSummary(sampleReport())).not.toMatch(/Configured from|workflow input/);
  });

  it('says where the run was configured from and which workflow inputs won over the file, with both values', () => {
    const text = buildSummary(report({ settingSources: sources }));
    expect(text).toContain('### ⚙️ Settings');
    expect(text).toContain(
      'Configured from `config/backup.yml`: 12 from the file · 3 from workflow inputs · 43 at their defaults.',
    );
    expect(text).toContain(
      'Given both in the file and as workflow inputs, with different values: the workflow input won.',
    );
    expect(text).toContain('| Setting | Used | Workflow input | Config file |');
    expect(text).toContain(
      '| `schemas` | ✅ workflow input | `HR` | `[ HR, { name: SALES, timeout: 2h } ]` |',
    );
    expect(text).toContain('| `copy-to` | ✅ workflow input | `/mnt/a\\|b` | `/mnt/c` |');
    expect(markdownProblems(text)).toEqual([]);
  });

  it('shows only where a secret came from: the file key, never a value', () => {
    const text = buildSummary(report({ settingSources: sources }));
    expect(text).toContain(
      '| `password` | ✅ workflow input | secret, not shown | `password-env` (secret, not shown) |',
    );
  });

  it('is written in the report language', () => {
    const pt = buildSummary(report({ settingSources: sources }), { lang: 'pt-BR' });
    expect(pt).toContain('### ⚙️ Configurações');
    expect(pt).toContain('Configurado a partir de `config/backup.yml`: 12 do arquivo');
    expect(pt).toContain('| `password` | ✅ entrada do workflow | segredo, não exibido |');
    const es = buildSummary(report({ settingSources: sources }), { lang: 'es' });
    expect(es).toContain('### ⚙️ Configuración');
    expect(es).toContain('prevaleció la entrada del workflow');
    expect(es).toContain('`password-env` (secreto, no se muestra)');
    for (const text of [pt, es]) expect(markdownProblems(text)).toEqual([]);
  });

  it('puts the same line in the e-mail footer, and nothing without a config file', () => {
    const options = { lang: 'en' as const, runLogText: '', runLogName: 'run.log' };
    const withFile = buildEmail(report({ settingSources: sources }), options);
    const line =
      'Configured from config/backup.yml: 12 from the file · 3 from workflow inputs · 43 at their defaults.';
    expect(withFile.text).toContain(line);
    expect(withFile.html).toContain('Configured from config/backup.yml: 12 from the file');
    const without = buildEmail(report(), options);
    expect(without.text).not.toContain('Configured from');
    expect(without.html).not.toContain('Configured from');
  });
});
