// ignore-codes: harmless messages at this site count as information; fatal codes cannot be ignored.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyIgnoreCodes, classifyExport } from '../src/export/classify.js';
import { parseExpdpLog } from '../src/export/expdp-log.js';
import { Collector } from '../src/settings/collector.js';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseIgnoreCodes, parseSettings } from '../src/settings/settings.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUCCESS = readFileSync(path.join(here, 'fixtures', 'expdp-logs', 'windows-crlf-success.log'), 'utf8');
const WITH_39181 = SUCCESS.replace(
  /(Master table)/,
  'ORA-39181: Only partial table data may be exported due to fine grain access control on "FIN"."ACCOUNTS"\r\n$1',
);

function classify(text: string): ReturnType<typeof classifyExport> {
  return classifyExport({
    process: { exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 1000 },
    log: parseExpdpLog(text),
    logFound: true,
    schema: 'FIN',
    timeoutMs: 3_600_000,
  });
}

describe('parseIgnoreCodes', () => {
  it('takes codes in any case, each once', () => {
    const c = new Collector();
    expect(parseIgnoreCodes('ora-39181, EXP-00091\nORA-39181', c)).toEqual(['ORA-39181', 'EXP-00091']);
    expect(c.errors).toEqual([]);
  });

  it('refuses codes that make an export fail, and what is not a code', () => {
    const c = new Collector();
    parseIgnoreCodes('ORA-01017, ORA-39087, 39181', c);
    expect(c.errors).toEqual([
      'ignore-codes: "ORA-01017" is not allowed; ORA-01017 (invalid username/password) makes the export fail, so ' +
        'it cannot be ignored; list only codes of warnings, such as ORA-39181 or EXP-00091.',
      expect.stringMatching(
        /^ignore-codes: "ORA-39087" is not allowed; ORA-39087 \(.*\) makes the export fail/,
      ),
      'ignore-codes: "39181" is not allowed; use message codes such as ORA-39181 or EXP-00091.',
    ]);
  });

  it('is part of the settings', () => {
    const raw = {
      ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])),
      'connect-string': 'db:1521/PDB',
      username: 'backup',
      password: 'pw',
      schemas: 'HR',
      'dump-path': '/u01/dpdump',
    };
    const ok = parseSettings({ ...raw, 'ignore-codes': 'ORA-39181' }, { GITHUB_WORKSPACE: '/w' });
    expect(ok.ok && ok.settings.ignoreCodes).toEqual(['ORA-39181']);
    const refused = parseSettings({ ...raw, 'ignore-codes': 'UDE-01017' }, { GITHUB_WORKSPACE: '/w' });
    expect(refused.ok ? [] : refused.errors).toEqual([expect.stringMatching(/^ignore-codes: "UDE-01017"/)]);
  });
});

describe('applyIgnoreCodes', () => {
  it('without ignore-codes, ORA-39181 makes the schema a warning', () => {
    expect(classify(WITH_39181).outcome).toBe('warning');
  });

  it('a schema whose only message is ignored is a success; the finding stays, marked ignored', () => {
    const verdict = applyIgnoreCodes(classify(WITH_39181), ['ORA-39181']);
    expect(verdict.outcome).toBe('success');
    expect(verdict.reason).toBe('completed; ignored messages: ORA-39181');
    expect(verdict.findings).toHaveLength(1);
    expect(verdict.findings[0]).toMatchObject({ code: 'ORA-39181', severity: 'warning', ignored: true });
    expect(verdict.findings[0]!.message).toContain('(ignored: listed in ignore-codes)');
  });

  it('another warning keeps the schema a warning', () => {
    const text = WITH_39181.replace(
      /(Master table)/,
      'ORA-39346: data loss in character set conversion\r\n$1',
    );
    const verdict = applyIgnoreCodes(classify(text), ['ORA-39181']);
    expect(verdict.outcome).toBe('warning');
    expect(verdict.findings.map((f) => [f.code, f.ignored ?? false])).toEqual([
      ['ORA-39181', true],
      ['ORA-39346', false],
    ]);
  });

  it("a table's error stack is ignored only when every code of it is listed", () => {
    const text = WITH_39181.replace(
      /ORA-39181[^\r\n]*\r\n/,
      'ORA-31693: Table data object "FIN"."LEDGER" failed to load/unload and is being skipped due to error:\r\n' +
        'ORA-02354: error in exporting/unloading data\r\n' +
        'ORA-01555: snapshot too old: rollback segment number 9 too small\r\n\r\n',
    );
    expect(classify(text).findings.map((f) => f.code)).toEqual(['ORA-01555']);
    for (const partial of [['ORA-01555'], ['ORA-31693'], ['ORA-31693', 'ORA-02354']]) {
      const verdict = applyIgnoreCodes(classify(text), partial);
      expect(verdict.outcome, partial.join()).toBe('warning');
      expect(verdict.findings[0]!.ignored, partial.join()).toBeUndefined();
    }
    const all = applyIgnoreCodes(classify(text), ['ORA-31693', 'ORA-02354', 'ORA-01555']);
    expect(all.outcome).toBe('success');
    expect(all.findings[0]).toMatchObject({ code: 'ORA-01555', ignored: true });
  });

  it('changes nothing without codes or on a clean run', () => {
    const verdict = classify(WITH_39181);
    expect(applyIgnoreCodes(verdict, undefined)).toBe(verdict);
    expect(applyIgnoreCodes(classify(SUCCESS), ['ORA-39181'])).toEqual(classify(SUCCESS));
  });
});
