import { describe, expect, it } from 'vitest';
import { Collector } from '../src/settings/collector.js';
import {
  RETENTION_DEFAULTS,
  RETENTION_INPUT_NAMES,
  parseRetentionSettings,
  policyFor,
  type RetentionSettings,
} from '../src/settings/retention-settings.js';

function parse(inputs: Record<string, string> = {}): { settings: RetentionSettings; c: Collector } {
  const c = new Collector();
  const settings = parseRetentionSettings((name) => inputs[name] ?? '', c);
  return { settings, c };
}

function valid(inputs: Record<string, string> = {}): RetentionSettings {
  const { settings, c } = parse(inputs);
  expect(c.errors).toEqual([]);
  return settings;
}

function errors(inputs: Record<string, string>): string[] {
  const { c } = parse(inputs);
  expect(c.errors.length).toBeGreaterThan(0);
  return c.errors;
}

const DEFAULT_POLICY = {
  retentionDays: 10,
  keepMin: 2,
  keepMax: 7,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
};

describe('parseRetentionSettings: valid', () => {
  it('applies the contract defaults when nothing is given', () => {
    const { settings, c } = parse();
    expect(settings).toEqual({ policy: DEFAULT_POLICY, overrides: {}, logRetentionDays: 30 });
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it('exports every input name with its default for action.yml', () => {
    expect(RETENTION_INPUT_NAMES).toEqual([
      'retention-days',
      'keep-min',
      'keep-max',
      'keep-daily',
      'keep-weekly',
      'keep-monthly',
      'log-retention-days',
      'retention-overrides',
    ]);
    expect(RETENTION_DEFAULTS['keep-min']).toBe('2');
  });

  it('takes every input when given (spaces trimmed)', () => {
    expect(
      valid({
        'retention-days': ' 30 ',
        'keep-min': '3',
        'keep-max': '0',
        'keep-daily': '7',
        'keep-weekly': '4',
        'keep-monthly': '12',
        'log-retention-days': '90',
      }),
    ).toEqual({
      policy: { retentionDays: 30, keepMin: 3, keepMax: 0, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 },
      overrides: {},
      logRetentionDays: 90,
    });
  });

  it('accepts keep-max equal to keep-min, and keep-max 0 (no limit) whatever keep-min is', () => {
    expect(valid({ 'keep-min': '5', 'keep-max': '5' }).policy.keepMax).toBe(5);
    expect(valid({ 'keep-min': '50', 'keep-max': '0' }).policy.keepMax).toBe(0);
  });

  it('warns when nothing would ever be removed', () => {
    const { c } = parse({ 'retention-days': '0', 'keep-max': '0' });
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([
      'retention-days and keep-max are both 0, so backups are never removed by retention ' +
        '(keep-daily/-weekly/-monthly only add to what is kept).',
    ]);
  });

  it('builds full per-kind policies from the overrides, the rest inherited', () => {
    const settings = valid({ 'keep-max': '10', 'retention-overrides': 'sftp: {keep-max: 3}' });
    expect(settings.overrides).toEqual({ sftp: { ...DEFAULT_POLICY, keepMax: 3 } });
    expect(policyFor(settings, 'sftp')).toEqual({ ...DEFAULT_POLICY, keepMax: 3 });
    expect(policyFor(settings, 'local')).toEqual({ ...DEFAULT_POLICY, keepMax: 10 });
    expect(policyFor(settings, 'copy-to')).toBe(settings.policy);
  });

  it('reads block-style YAML overrides for several kinds; an empty kind is no override', () => {
    const settings = valid({
      'retention-overrides': [
        'sftp:',
        '  keep-max: 3',
        '  retention-days: 5',
        'copy-to:',
        '  keep-monthly: 12',
        'local:',
      ].join('\n'),
    });
    expect(settings.overrides).toEqual({
      sftp: { ...DEFAULT_POLICY, keepMax: 3, retentionDays: 5 },
      'copy-to': { ...DEFAULT_POLICY, keepMonthly: 12 },
    });
  });
});

describe('parseRetentionSettings: errors in the house style', () => {
  it('refuses keep-min 0 with the reason', () => {
    expect(errors({ 'keep-min': '0' })).toEqual([
      'keep-min: "0" is not allowed; keep-min must be at least 1, so that the newest good backup is never ' +
        'deleted (a policy that keeps nothing would delete every backup); use 1 or more (default 2).',
    ]);
  });

  it('refuses keep-max smaller than keep-min', () => {
    expect(errors({ 'keep-max': '1' })).toEqual([
      'keep-max: "1" is not allowed; it is smaller than keep-min (2); ' +
        'use 0 (no limit) or a number of at least 2, or lower keep-min.',
    ]);
  });

  it.each([
    ['retention-days', 'ten', 'use a whole number of days, e.g. 10 (0 = no age limit)'],
    ['retention-days', '-1', 'use a whole number of days, e.g. 10 (0 = no age limit)'],
    ['keep-min', '1.5', 'use a whole number of at least 1, e.g. 2'],
    ['keep-max', '1000001', 'use a whole number, e.g. 7 (0 = no limit)'],
    ['keep-daily', '7d', 'use a whole number of days, e.g. 7 (0 = off)'],
    ['keep-weekly', 'four', 'use a whole number of weeks, e.g. 4 (0 = off)'],
    ['keep-monthly', '1e3', 'use a whole number of months, e.g. 12 (0 = off)'],
    ['log-retention-days', '30 days', 'use a whole number of days, e.g. 30 (0 = keep run logs forever)'],
  ])('%s: %s', (input, value, hint) => {
    expect(errors({ [input]: value })).toEqual([
      `${input}: ${JSON.stringify(value)} is not allowed; ${hint}.`,
    ]);
  });

  it('reports every problem at once', () => {
    expect(
      errors({
        'retention-days': 'x',
        'keep-min': '0',
        'log-retention-days': '-3',
        'retention-overrides': 'ftp: {keep-max: 3}',
      }),
    ).toHaveLength(4);
  });

  it('refuses an unknown kind of place, naming the work-dir alias', () => {
    expect(errors({ 'retention-overrides': 'work-dir: {keep-max: 3}' })).toEqual([
      'retention-overrides: "work-dir" is not allowed; it is not a kind of place (the work-dir is "local"); ' +
        'use a YAML mapping from local, copy-to or sftp to a mapping of retention-days, keep-min, keep-max, ' +
        'keep-daily, keep-weekly, keep-monthly, e.g. "sftp: {keep-max: 3}".',
    ]);
  });

  it('refuses unknown keys, log-retention-days and bad values inside an override', () => {
    const found = errors({
      'retention-overrides': 'sftp: {keep-last: 3, log-retention-days: 5}\ncopy-to: {keep-max: three}',
    });
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(
      /^retention-overrides: "sftp: keep-last" is not allowed; it is not a retention setting/,
    );
    expect(found[1]).toMatch(
      /^retention-overrides: "sftp: log-retention-days" is not allowed; log-retention-days applies to log-dir only/,
    );
    expect(found[2]).toBe(
      'retention-overrides: "copy-to: keep-max: three" is not allowed; use a whole number, e.g. 7 (0 = no limit).',
    );
  });

  it('checks an override against keep-min and keep-max after merging with the base', () => {
    expect(errors({ 'retention-overrides': 'sftp: {keep-max: 1}' })).toEqual([
      'retention-overrides: "sftp: keep-max: 1" is not allowed; it is smaller than keep-min (2); ' +
        'use 0 (no limit) or a number of at least 2, or lower keep-min.',
    ]);
    expect(errors({ 'retention-overrides': 'sftp: {keep-min: 0}' })[0]).toMatch(
      /^retention-overrides: "sftp: keep-min: 0" is not allowed; keep-min must be at least 1/,
    );
    expect(valid({ 'retention-overrides': 'sftp: {keep-max: 1, keep-min: 1}' }).overrides.sftp?.keepMax).toBe(
      1,
    );
  });

  it('refuses YAML that is not a mapping of mappings', () => {
    expect(errors({ 'retention-overrides': '- sftp' })[0]).toMatch(
      /^retention-overrides: "- sftp" is not allowed; it is not a YAML mapping; /,
    );
    expect(errors({ 'retention-overrides': 'sftp: 3' })[0]).toMatch(
      /^retention-overrides: "sftp: 3" is not allowed; sftp needs a mapping; /,
    );
    expect(errors({ 'retention-overrides': 'sftp: {keep-max: 3' })[0]).toMatch(
      /^retention-overrides: "sftp: \{keep-max: 3" is not allowed; it cannot be read as YAML \(/,
    );
  });
});
