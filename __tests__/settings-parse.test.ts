import { describe, expect, it } from 'vitest';
import { expandName, makeNameTokens, NAME_TOKENS, validateNameTemplate } from '../src/settings/names.js';
import {
  formatDuration,
  MAX_DURATION_MS,
  parseBoolean,
  parseDuration,
  parseList,
  parseSize,
} from '../src/settings/parse.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['3h', 10_800_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['2H', 7_200_000],
    [' 10m ', 600_000],
    ['90m', 5_400_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['0', '0s', '0h0m', 'soon', '-5m', '1.5h', '', '5', '30m1h', '1h 30m', '2d', 'h'])(
    'refuses %j',
    (text) => {
      const result = parseDuration(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^[a-z]/);
    },
  );

  it('explains why', () => {
    expect(parseDuration('0')).toMatchObject({ error: expect.stringContaining('longer than zero') });
    expect(parseDuration('1.5h')).toMatchObject({ error: expect.stringContaining('fractions') });
    expect(parseDuration('2d')).toMatchObject({ error: expect.stringContaining('48h') });
    expect(parseDuration('5')).toMatchObject({ error: expect.stringContaining('unit') });
    expect(parseDuration('soon')).toEqual({
      ok: false,
      error: 'use whole numbers with h, m and s, e.g. 90s, 45m, 3h or 1h30m',
    });
  });

  it('refuses durations Node timers cannot hold', () => {
    expect(parseDuration('596h')).toEqual({ ok: true, value: 596 * 3_600_000 });
    expect(parseDuration('597h').ok).toBe(false);
    expect(parseDuration('99999999999999999999h').ok).toBe(false);
    expect(MAX_DURATION_MS).toBe(2 ** 31 - 1);
  });
});

describe('formatDuration', () => {
  it.each([
    [5_400_000, '1h30m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_605_000, '1h0m5s'],
    [45_000, '45s'],
    [0, '0s'],
    [-5, '0s'],
    [1_499, '1s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const text of ['1h30m', '45s', '3h', '1h0m5s', '2m']) {
      const parsed = parseDuration(text);
      expect(parsed.ok && formatDuration(parsed.value)).toBe(text);
    }
  });
});

describe('parseSize', () => {
  it.each([
    ['500M', 500 * 1024 ** 2],
    ['10G', 10 * 1024 ** 3],
    ['10g', 10 * 1024 ** 3],
    ['10GB', 10 * 1024 ** 3],
    ['10GiB', 10 * 1024 ** 3],
    ['1.5K', 1536],
    ['2T', 2 * 1024 ** 4],
    ['2048B', 2048],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseSize(text)).toEqual({ ok: true, value: bytes });
  });

  it.each(['', '500', 'big', '0M', '-1G', '10X', '1iB', 'G'])('refuses %j', (text) => {
    expect(parseSize(text).ok).toBe(false);
  });
});

describe('parseList', () => {
  it('splits on commas and lines, trims, drops blanks and comments', () => {
    const text = 'HR, SALES\n\n  # the finance schemas\nFIN#2 , # GL is archived elsewhere\n  AP  \r\n,,';
    expect(parseList(text)).toEqual(['HR', 'SALES', 'FIN#2', 'AP']);
  });

  it('keeps UNC and Windows paths', () => {
    expect(parseList('\\\\nas01\\backups\\oracle\nD:\\Backups')).toEqual([
      '\\\\nas01\\backups\\oracle',
      'D:\\Backups',
    ]);
  });

  it('gives nothing for empty text', () => {
    expect(parseList('')).toEqual([]);
    expect(parseList('  \n # only a comment')).toEqual([]);
  });
});

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['Yes', true],
    ['1', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['False', false],
  ])('%s → %s', (text, value) => {
    expect(parseBoolean(text)).toEqual({ ok: true, value });
  });

  it.each(['', 'y', 'on', 'maybe', '2'])('refuses %j', (text) => {
    expect(parseBoolean(text)).toEqual({
      ok: false,
      error: 'use true or false (yes/no and 1/0 are accepted too)',
    });
  });
});

describe('validateNameTemplate', () => {
  it('accepts the defaults', () => {
    expect(NAME_TOKENS).toEqual(['schema', 'date', 'time', 'weekday', 'run']);
    expect(validateNameTemplate('{schema}_{date}_{time}', { allowSchema: true })).toEqual([]);
    expect(validateNameTemplate('oracle-backup_{date}_{time}', { allowSchema: false })).toEqual([]);
    expect(validateNameTemplate('{schema}-{weekday}-{run}', { allowSchema: true })).toEqual([]);
  });

  it('reports each problem', () => {
    const opts = { allowSchema: false };
    expect(validateNameTemplate('', opts)).toEqual(['it is empty']);
    expect(validateNameTemplate('x_{host}_{Date}', opts)).toEqual(['{host}, {Date} are not tokens']);
    expect(validateNameTemplate('x_{date', opts)).toEqual([
      'it has a "{" or "}" that does not belong to a token',
    ]);
    expect(validateNameTemplate('a/b\\c', opts)).toEqual(['it contains a path separator ("/", "\\\\")']);
    expect(validateNameTemplate('a..b', opts)).toEqual(['it contains ".."']);
    expect(validateNameTemplate('a:b*?', opts)).toEqual([
      'it contains characters that Windows does not allow in file names (: ? *)',
    ]);
    expect(validateNameTemplate('a\tb', opts)).toEqual(['it contains control characters']);
    expect(validateNameTemplate('-x', opts)[0]).toMatch(/^it starts with "-"/);
    expect(validateNameTemplate('.x', opts)[0]).toMatch(/^it starts with "\."/);
    expect(validateNameTemplate('x'.repeat(201), opts)).toEqual([
      'it is 201 characters long; the limit is 200',
    ]);
    expect(validateNameTemplate('x'.repeat(200), opts)).toEqual([]);
  });

  it('requires {schema} in per-schema names and refuses it elsewhere', () => {
    expect(validateNameTemplate('backup_{date}', { allowSchema: true })).toEqual([
      'it must contain {schema} so that every schema gets its own name',
    ]);
    expect(validateNameTemplate('{schema}_{date}', { allowSchema: false })).toEqual([
      '{schema} cannot be used here, since the name is not made per schema',
    ]);
    expect(validateNameTemplate('backup_{date}', { allowSchema: true, requireSchema: false })).toEqual([]);
  });

  it('reports several problems of one name', () => {
    expect(validateNameTemplate('../{schema}', { allowSchema: true })).toEqual([
      'it contains a path separator ("/")',
      'it contains ".."',
      'it starts with ".", which tools mistake for an option or a hidden file',
    ]);
  });
});

describe('expandName and makeNameTokens', () => {
  // Local time on purpose: the tokens follow the runner's time zone.
  const date = new Date(2025, 4, 2, 7, 8, 9);

  it('makes local date, time, weekday and run tokens', () => {
    expect(makeNameTokens(date, '123456789')).toEqual({
      date: '2025-05-02',
      time: '070809',
      weekday: 'friday',
      run: '123456789',
    });
  });

  it('falls back to a timestamp run token and keeps run ids file-name safe', () => {
    expect(makeNameTokens(date, '').run).toBe('20250502070809');
    expect(makeNameTokens(date, 'a/b c').run).toBe('a_b_c');
  });

  it('expands every token', () => {
    const tokens = { ...makeNameTokens(date, '42'), schema: 'HR' };
    expect(expandName('{schema}_{date}_{time}_{weekday}_{run}', tokens)).toBe(
      'HR_2025-05-02_070809_friday_42',
    );
  });

  it('throws when a token has no value', () => {
    expect(() => expandName('{schema}_{date}', makeNameTokens(date, '1'))).toThrow(/\{schema\}/);
  });
});
