import { describe, expect, it } from 'vitest';
import { buildSummary, escapeMarkdown, SUMMARY_LIMIT } from '../src/report/summary.js';
import type { RunReport } from '../src/run-report.js';

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

describe('escapeMarkdown', () => {
  it('neutralises HTML, table pipes and Markdown syntax', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)> | *b* `c`')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; \\| \\*b\\* \\`c\\`',
    );
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
  });
});
