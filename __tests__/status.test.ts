import { describe, expect, it } from 'vitest';
import type { ArchiveReport, DestinationReport, SchemaReport } from '../src/run-report.js';
import { decideStatus, stepFails } from '../src/status.js';

function schema(name: string, outcome: SchemaReport['outcome']): SchemaReport {
  return {
    name,
    outcome,
    reason: outcome,
    findings: [],
    jobName: `OBA_${name}_1`,
    startedAt: '2026-11-21T01:30:00.000Z',
    durationMs: 1000,
    exitCode: outcome === 'success' ? 0 : outcome === 'warning' ? 5 : 1,
    dumpFiles: [],
    tables: 1,
    rows: 1,
    rowCounts: [],
    skippedTables: [],
    dumpBytes: 1,
  };
}

function destination(ok: boolean, kind: DestinationReport['kind'] = 'folder'): DestinationReport {
  return { kind, location: '/x', ok, verification: '', durationMs: 1, bytes: 1, files: [] };
}

function archive(schemas: string[], verified: boolean, destinations: DestinationReport[]): ArchiveReport {
  return {
    setId: 'set-1',
    name: 'a.zip',
    path: '/w/a.zip',
    bytes: 1,
    sha256: 'x',
    encrypted: false,
    entries: [],
    schemas,
    verified,
    problems: [],
    manifestPath: '/w/a.zip.manifest.json',
    destinations,
    durationMs: 1,
  };
}

describe('decideStatus', () => {
  const local = destination(true, 'local');

  it('is success only when every schema and every copy is good', () => {
    const result = decideStatus({
      schemas: [schema('HR', 'success'), schema('SALES', 'success')],
      archives: [archive(['HR', 'SALES'], true, [local, destination(true)])],
      findings: [],
    });
    expect(result.status).toBe('success');
  });

  it('is partial when a schema completed with errors, a schema failed, or a copy failed', () => {
    expect(
      decideStatus({
        schemas: [schema('HR', 'warning')],
        archives: [archive(['HR'], true, [local])],
        findings: [],
      }),
    ).toMatchObject({ status: 'partial', reason: expect.stringContaining('completed with errors') });
    expect(
      decideStatus({
        schemas: [schema('HR', 'success'), schema('X', 'failed')],
        archives: [archive(['HR'], true, [local])],
        findings: [],
      }),
    ).toMatchObject({ status: 'partial', reason: expect.stringContaining('1/2 schema(s) not backed up') });
    expect(
      decideStatus({
        schemas: [schema('HR', 'success')],
        archives: [archive(['HR'], true, [local, destination(false)])],
        findings: [],
      }),
    ).toMatchObject({ status: 'partial', reason: expect.stringContaining('copy') });
  });

  it('is failure when nothing verified was written anywhere', () => {
    expect(decideStatus({ schemas: [schema('HR', 'failed')], archives: [], findings: [] }).status).toBe(
      'failure',
    );
    expect(
      decideStatus({
        schemas: [schema('HR', 'success')],
        archives: [archive(['HR'], false, [])],
        findings: [],
      }).status,
    ).toBe('failure');
  });

  it('counts a failed retention delete as partial', () => {
    expect(
      decideStatus({
        schemas: [schema('HR', 'success')],
        archives: [archive(['HR'], true, [local])],
        findings: [],
        retentionWarnings: ['folder /x: could not delete a.zip: permission denied'],
      }),
    ).toMatchObject({ status: 'partial', reason: 'retention failed to delete 1 item(s)' });
  });

  it('counts a run-level error as partial', () => {
    expect(
      decideStatus({
        schemas: [schema('HR', 'success')],
        archives: [archive(['HR'], true, [local])],
        findings: [{ severity: 'error', code: 'X', message: 'm', advice: 'a' }],
      }).status,
    ).toBe('partial');
  });
});

describe('stepFails', () => {
  it('follows fail-on', () => {
    expect(stepFails('partial', 'partial')).toBe(true);
    expect(stepFails('partial', 'failure')).toBe(false);
    expect(stepFails('failure', 'failure')).toBe(true);
    expect(stepFails('success', 'partial')).toBe(false);
  });
});
