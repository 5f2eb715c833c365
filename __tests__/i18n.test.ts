import { describe, expect, it } from 'vitest';
import {
  CATALOGUES,
  formatBytesIn,
  formatDateTime,
  formatElapsed,
  isoDate,
  messages,
  REPORT_LANGUAGES,
  t,
  templateParams,
  tn,
  type MessageKey,
} from '../src/report/i18n.js';
import { formatElapsed as runLogElapsed } from '../src/settings/parse.js';

const english = CATALOGUES.en;
const keys = Object.keys(english) as MessageKey[];

describe('message catalogues', () => {
  it.each(REPORT_LANGUAGES)('%s has every key, each non-empty, and no key English lacks', (lang) => {
    const catalogue = messages(lang);
    for (const key of keys) {
      expect(catalogue[key], `${lang} ${key}`).toBeTypeOf('string');
      expect(catalogue[key].trim(), `${lang} ${key}`).not.toBe('');
    }
    expect(Object.keys(catalogue).sort()).toEqual([...keys].sort());
  });

  it.each(REPORT_LANGUAGES)('%s uses the same {params} as English in every template', (lang) => {
    for (const key of keys)
      expect(templateParams(messages(lang)[key]).sort(), `${lang} ${key}`).toEqual(
        templateParams(english[key]).sort(),
      );
  });

  it('has one and other forms for every counted text', () => {
    for (const key of keys.filter((k) => k.endsWith('.one')))
      expect(keys).toContain(key.replace(/\.one$/, '.other'));
  });

  it('is translated: Portuguese and Spanish differ from English for most texts', () => {
    for (const lang of ['pt-BR', 'es'] as const) {
      const same = keys.filter((k) => messages(lang)[k] === english[k]);
      // Codes, units and a few loan words (SHA-256, AES-256, work-dir, SFTP, Schema) are the same everywhere.
      expect(same.length / keys.length, `${lang}: ${same.join(', ')}`).toBeLessThan(0.2);
    }
  });
});

describe('t and tn', () => {
  it('fills the parameters', () => {
    expect(t('en', 'subject.schemas', { ok: 2, total: 3 })).toBe('2/3 schemas OK');
    expect(t('pt-BR', 'phase.export', { schema: 'HR' })).toBe('Exportar HR');
    expect(t('es', 'status.failure')).toBe('Fallo');
  });

  it('picks the plural form by the language rules and writes numbers its way', () => {
    expect(tn('en', 'schema.tables', 1)).toBe('1 table');
    expect(tn('en', 'schema.tables', 1234)).toBe('1,234 tables');
    expect(tn('pt-BR', 'schema.tables', 0)).toBe('0 tabelas');
    expect(tn('pt-BR', 'schema.tables', 1)).toBe('1 tabela');
    expect(tn('pt-BR', 'schema.tables', 12345)).toBe('12.345 tabelas');
    expect(tn('es', 'schema.tables', 2)).toBe('2 tablas');
  });
});

describe('formats', () => {
  it('sizes with the decimal mark of the language', () => {
    expect(formatBytesIn('en', 4.2 * 1024 ** 3)).toBe('4.2 GiB');
    expect(formatBytesIn('pt-BR', 4.2 * 1024 ** 3)).toBe('4,2 GiB');
    expect(formatBytesIn('es', 512)).toBe('512 B');
  });

  it('durations read the same in every report and in the run log: <1s below a second, whole seconds above', () => {
    for (const lang of REPORT_LANGUAGES) {
      expect(formatElapsed(lang, 714)).toBe('<1s');
      expect(formatElapsed(lang, 0)).toBe('<1s');
      expect(formatElapsed(lang, 1_499)).toBe('1s');
      expect(formatElapsed(lang, 5_405_000)).toBe('1h30m5s');
      expect(formatElapsed(lang, 714)).toBe(runLogElapsed(714));
    }
  });

  it('dates in the given time zone, ISO dates for subjects', () => {
    const at = '2026-11-21T01:30:00.000Z';
    expect(formatDateTime('en', at)).toBe('2026-11-21 01:30 UTC');
    expect(formatDateTime('pt-BR', at, 'America/Sao_Paulo')).toBe('2026-11-20 22:30 -03:00');
    expect(formatDateTime('es', at, 'Asia/Kolkata')).toBe('2026-11-21 07:00 +05:30');
    expect(formatDateTime('en', at, 'Europe/London')).toBe('2026-11-21 01:30 UTC');
    expect(isoDate(at)).toBe('2026-11-21');
    expect(isoDate(at, 'America/Sao_Paulo')).toBe('2026-11-20');
  });
});
