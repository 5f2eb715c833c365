import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../src/export/expdp-process.js';
import { makeMasker, RunLog } from '../src/report/run-log.js';

describe('RunLog', () => {
  it('timestamps every line and masks secrets, longest first', () => {
    const sink: string[] = [];
    const log = new RunLog(
      ['pw', 'user/pw@db'],
      () => new Date('2026-11-21T01:30:00.000Z'),
      (level, m) => sink.push(`${level} ${m}`),
    );
    log.info('login user/pw@db then pw again\nsecond line');
    expect(log.lines).toEqual([
      '2026-11-21T01:30:00.000Z INFO  login *** then *** again',
      '2026-11-21T01:30:00.000Z INFO  second line',
    ]);
    expect(sink).toEqual(['INFO login *** then *** again\nsecond line']);
  });

  it('masks each line of a multi-line secret', () => {
    const mask = makeMasker(['-----BEGIN KEY-----\nAAAAB3NzaC1\n-----END KEY-----']);
    expect(mask('x AAAAB3NzaC1 y')).toBe('x *** y');
  });
});

describe('childEnvironment', () => {
  it('drops the action inputs and forces English messages', () => {
    const env = childEnvironment({
      PATH: '/bin',
      INPUT_PASSWORD: 'x',
      input_other: 'y',
      NLS_LANG: 'GERMAN_GERMANY.WE8MSWIN1252',
    });
    expect(env).toEqual({ PATH: '/bin', NLS_LANG: 'AMERICAN_AMERICA.AL32UTF8' });
  });
});

describe('debug lines', () => {
  it('go to the sink as DEBUG, masked, and stay out of the run log text', async () => {
    const { RunLog } = await import('../src/report/run-log.js');
    const seen: Array<[string, string]> = [];
    const log = new RunLog(
      ['s3cret'],
      () => new Date(0),
      (level, message) => seen.push([level, message]),
    );
    log.info('exporting HR');
    log.debug('4 of 15 blocks reused, key s3cret');
    expect(log.text()).not.toContain('blocks reused');
    expect(log.debugText()).toBe('1970-01-01T00:00:00.000Z DEBUG 4 of 15 blocks reused, key ***\n');
    expect(seen).toContainEqual(['DEBUG', '4 of 15 blocks reused, key ***']);
  });
});
