import { describe, expect, it } from 'vitest';
import { Collector } from '../src/settings/collector.js';
import { parseReportSettings, REPORT_INPUT_NAMES, REPORT_INPUTS } from '../src/settings/report-settings.js';

function parse(inputs: Record<string, string>): {
  settings: ReturnType<typeof parseReportSettings>;
  c: Collector;
} {
  const c = new Collector();
  const settings = parseReportSettings((name) => inputs[name] ?? '', c);
  return { settings, c };
}

describe('upload-artifact', () => {
  it('defaults to report', () => {
    expect(REPORT_INPUT_NAMES).toEqual(['upload-artifact']);
    expect(REPORT_INPUTS['upload-artifact'].default).toBe('report');
    const { settings, c } = parse({});
    expect(settings).toEqual({ uploadArtifact: 'report' });
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it('takes report, none and all in any case', () => {
    expect(parse({ 'upload-artifact': 'None' }).settings.uploadArtifact).toBe('none');
    expect(parse({ 'upload-artifact': ' REPORT ' }).settings.uploadArtifact).toBe('report');
    expect(parse({ 'upload-artifact': 'all' }).settings.uploadArtifact).toBe('all');
  });

  it('warns with all that the archives become readable by anyone with access to the repository', () => {
    const encrypted = parse({ 'upload-artifact': 'all', 'archive-password': 'x' }).c.warnings;
    expect(encrypted).toHaveLength(1);
    expect(encrypted[0]).toMatch(/anyone with read access to the repository/);
    expect(encrypted[0]).toMatch(/AES-256 encrypted/);
    expect(encrypted[0]).not.toContain('"x"');
    const plain = parse({ 'upload-artifact': 'all' }).c.warnings;
    expect(plain[0]).toMatch(/NOT encrypted/);
  });

  it('refuses anything else in the house style, naming the input, the value and what is allowed', () => {
    expect(parse({ 'upload-artifact': 'everything' }).c.errors).toEqual([
      'upload-artifact: "everything" is not allowed; use report (run log, report JSON and manifests), none (no ' +
        'artifact) or all (the archives too, readable by anyone with read access to the repository).',
    ]);
    expect(parse({ 'upload-artifact': 'false' }).c.errors[0]).toMatch(/to upload nothing, use none/);
    expect(parse({ 'upload-artifact': 'true' }).c.errors[0]).toMatch(/not a yes\/no input/);
  });
});
