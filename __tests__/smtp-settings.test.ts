import { describe, expect, it } from 'vitest';
import { Collector } from '../src/settings/collector.js';
import {
  isEmailAddress,
  mailboxAddress,
  parseReportLanguage,
  parseSmtpSettings,
  SMTP_INPUT_NAMES,
  SMTP_INPUTS,
} from '../src/settings/smtp-settings.js';
import { makeTestCertificates } from './helpers/tls-certs.js';

const PASSWORD = 'Smtp-S3cret!pw';

const BASE = {
  'smtp-host': 'smtp.example.com',
  'smtp-username': 'backup@example.com',
  'smtp-password': PASSWORD,
  'email-to': 'dba@example.com',
};

/** Parses inputs the way the runner gives them: action.yml defaults filled in, '' for the rest. */
function parse(inputs: Record<string, string>, withDefaults = true) {
  const c = new Collector();
  const get = (name: string): string =>
    inputs[name] ??
    (withDefaults && name in SMTP_INPUTS ? SMTP_INPUTS[name as keyof typeof SMTP_INPUTS].default : '');
  const settings = parseSmtpSettings(get, c);
  return { settings, errors: c.errors, warnings: c.warnings, secrets: c.secrets };
}

describe('parseSmtpSettings', () => {
  it('is undefined without smtp-host, and the action.yml defaults alone are no error', () => {
    const result = parse({});
    expect(result.settings).toBeUndefined();
    expect(result.errors).toEqual([]);
  });

  it('applies the defaults: STARTTLS required on 587, sender = login, always', () => {
    const { settings, errors } = parse(BASE);
    expect(errors).toEqual([]);
    expect(settings).toEqual({
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      username: 'backup@example.com',
      password: PASSWORD,
      from: 'backup@example.com',
      to: ['dba@example.com'],
      emailOn: 'always',
      ca: '',
      subject: '',
    });
  });

  it('defaults the port to 465 for implicit TLS', () => {
    expect(parse({ ...BASE, 'smtp-security': 'TLS' }).settings).toMatchObject({ security: 'tls', port: 465 });
  });

  it('reads recipient lists one per line or comma-separated, names allowed', () => {
    const { settings, errors } = parse({
      ...BASE,
      'email-to': 'dba@example.com, Ops Team <ops@example.com>\n# night shift\noncall@example.org',
      'email-from': '"Oracle Backup" <backup@example.com>',
    });
    expect(errors).toEqual([]);
    expect(settings?.to).toEqual(['dba@example.com', 'Ops Team <ops@example.com>', 'oncall@example.org']);
    expect(settings?.from).toBe('"Oracle Backup" <backup@example.com>');
  });

  it('needs smtp-host for any other e-mail input, and says so per input (password masked)', () => {
    const { errors, secrets } = parse({
      'smtp-username': 'backup@example.com',
      'smtp-password': PASSWORD,
      'email-to': 'dba@example.com',
      'smtp-security': 'tls',
    });
    expect(errors).toEqual([
      'smtp-security: "tls" is not allowed; it has no effect because smtp-host is missing; set smtp-host to send the e-mail report, or remove smtp-security.',
      'smtp-username: "backup@example.com" is not allowed; it has no effect because smtp-host is missing; set smtp-host to send the e-mail report, or remove smtp-username.',
      'smtp-password: "***" is not allowed; it has no effect because smtp-host is missing; set smtp-host to send the e-mail report, or remove smtp-password.',
      'email-to: "dba@example.com" is not allowed; it has no effect because smtp-host is missing; set smtp-host to send the e-mail report, or remove email-to.',
    ]);
    expect(secrets).toContain(PASSWORD);
    expect(errors.join('\n')).not.toContain(PASSWORD);
  });

  it('masks the password and its AUTH PLAIN form', () => {
    const { secrets } = parse(BASE);
    expect(secrets).toContain(PASSWORD);
    expect(secrets).toContain(Buffer.from(`\u0000backup@example.com\u0000${PASSWORD}`).toString('base64'));
  });

  it('collects every problem with the input, the value and what is allowed', () => {
    const { errors } = parse({
      'smtp-host': 'smtp://mail.example.com',
      'smtp-port': '99999',
      'smtp-security': 'ssl',
      'smtp-username': 'backup',
      'smtp-password': PASSWORD,
      'email-to': 'dba@example.com, not-an-address, dba@example.com',
      'email-on': 'partial',
      'email-subject': 'Backup {status} {whatever}',
    });
    expect(errors).toEqual([
      'smtp-host: "smtp://mail.example.com" is not allowed; it is a URL; use the host name alone, e.g. smtp.example.com.',
      'smtp-security: "ssl" is not allowed; "ssl" is implicit TLS here: use tls.',
      'smtp-port: "99999" is not allowed; use a port number from 1 to 65535, usually 587 (starttls) or 465 (tls).',
      'email-from: "" is not allowed; smtp-username "backup" is not an e-mail address, so it cannot be the sender; use an e-mail address such as dba@example.com, or Name <dba@example.com>.',
      'email-to: "not-an-address" is not allowed; use an e-mail address such as dba@example.com, or Name <dba@example.com>; separate recipients with commas or put one per line.',
      'email-to: "dba@example.com" is not allowed; dba@example.com is listed twice; list each recipient once.',
      'email-on: "partial" is not allowed; partial runs are included in problems: use problems; use always, problems (partial or failed runs) or failure (only failed runs).',
      'email-subject: "Backup {status} {whatever}" is not allowed; {whatever} is not a token; use one line of text with the tokens {status}, {database}, {host}, {date}, {schemas}, {size}.',
    ]);
  });

  it('refuses a host with a port, and credentials that do not pair', () => {
    expect(parse({ ...BASE, 'smtp-host': 'mail.example.com:465' }).errors).toEqual([
      'smtp-host: "mail.example.com:465" is not allowed; it contains a port; use the host name alone (mail.example.com) and put 465 in smtp-port.',
    ]);
    expect(parse({ ...BASE, 'smtp-password': '' }).errors).toEqual([
      'smtp-username: "backup@example.com" is not allowed; smtp-password is empty; set smtp-password from a secret (smtp-password: ${{ secrets.SMTP_PASSWORD }}), or remove smtp-username for a relay without authentication.',
    ]);
    const noUser = parse({ ...BASE, 'smtp-username': '', 'email-from': 'backup@example.com' });
    expect(noUser.errors).toEqual([
      'smtp-password: "***" is not allowed; smtp-username is empty; set smtp-username too, or remove smtp-password.',
    ]);
  });

  it('never sends a password in clear: no login with smtp-security none', () => {
    expect(parse({ ...BASE, 'smtp-security': 'none' }).errors).toEqual([
      'smtp-security: "none" is not allowed; the password would cross the network unencrypted; use starttls or tls with smtp-username and smtp-password, or none only for a relay that needs no login.',
    ]);
    const relay = parse({
      'smtp-host': 'relay.internal',
      'smtp-port': '25',
      'smtp-security': 'none',
      'email-from': 'oracle@db01.internal',
      'email-to': 'dba@example.com',
    });
    expect(relay.errors).toEqual([]);
    expect(relay.settings).toMatchObject({ security: 'none', port: 25, username: '', password: '' });
  });

  it('needs a sender and recipients', () => {
    expect(parse({ 'smtp-host': 'relay.internal', 'smtp-security': 'none' }).errors).toEqual([
      'email-from: "" is not allowed; it is required when smtp-username is empty; use an e-mail address such as dba@example.com, or Name <dba@example.com>.',
      'email-to: "" is not allowed; it is required with smtp-host; use an e-mail address such as dba@example.com, or Name <dba@example.com>.',
    ]);
  });

  it('warns about the classic port and security mix-ups', () => {
    expect(parse({ ...BASE, 'smtp-port': '465' }).warnings).toEqual([
      'smtp-port: 465 usually expects implicit TLS; if sending times out, set smtp-security: tls.',
    ]);
    expect(parse({ ...BASE, 'smtp-port': '587', 'smtp-security': 'tls' }).warnings).toEqual([
      'smtp-port: 587 usually expects STARTTLS, not implicit TLS; if sending times out, set smtp-security: starttls.',
    ]);
  });

  describe('smtp-ca', () => {
    const { caCert } = makeTestCertificates();

    it('takes the PEM text of a CA, also indented or with \\n escapes', () => {
      const indented = caCert
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n');
      expect(parse({ ...BASE, 'smtp-ca': indented }).settings?.ca).toBe(caCert.trim() + '\n');
      expect(parse({ ...BASE, 'smtp-ca': caCert.trim().replace(/\n/g, '\\n') }).settings?.ca).toBe(
        caCert.trim() + '\n',
      );
    });

    it('refuses what is not a certificate, says why, and never echoes a private key', () => {
      expect(parse({ ...BASE, 'smtp-ca': '/etc/ssl/certs/internal-ca.pem' }).errors).toEqual([
        'smtp-ca: "/etc/ssl/certs/internal-ca.pem" is not allowed; it is a file path, not the certificate itself; paste the PEM text of the CA certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), e.g. from a variable or secret.',
      ]);
      const broken = '-----BEGIN CERTIFICATE-----\nMIIBnotbase64atall\n-----END CERTIFICATE-----';
      expect(parse({ ...BASE, 'smtp-ca': broken }).errors[0]).toMatch(
        /^smtp-ca: ".*" is not allowed; the certificate cannot be read \(.+\); paste the PEM text/,
      );
      const key =
        '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';
      const withKey = parse({ ...BASE, 'smtp-ca': `${caCert}\n${key}` });
      expect(withKey.errors).toEqual([
        'smtp-ca: "***" is not allowed; it contains a private key; give only the CA certificate; paste the PEM text of the CA certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), e.g. from a variable or secret.',
      ]);
      expect(
        withKey.secrets.some((s) => s.includes('MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg')),
      ).toBe(true);
    });

    it('has no meaning without TLS', () => {
      const result = parse({
        'smtp-host': 'relay.internal',
        'smtp-security': 'none',
        'email-from': 'oracle@db01.internal',
        'email-to': 'dba@example.com',
        'smtp-ca': caCert,
      });
      expect(result.errors).toEqual([
        'smtp-ca: "-----BEGIN CERTIFICATE----- ..." is not allowed; smtp-security is none, so no certificate is checked; use smtp-security starttls or tls with smtp-ca, or remove smtp-ca.',
      ]);
    });
  });

  it('lists its inputs with the defaults action.yml declares', () => {
    expect(SMTP_INPUT_NAMES).toEqual([
      'smtp-host',
      'smtp-port',
      'smtp-security',
      'smtp-username',
      'smtp-password',
      'email-from',
      'email-to',
      'email-on',
      'smtp-ca',
      'email-subject',
      'report-language',
    ]);
    expect(SMTP_INPUTS['smtp-security'].default).toBe('starttls');
    expect(SMTP_INPUTS['email-on'].default).toBe('always');
    expect(SMTP_INPUTS['report-language'].default).toBe('en');
  });
});

describe('addresses', () => {
  it.each([
    ['dba@example.com', true],
    ['first.last+oracle@mail.example.co.uk', true],
    ['oracle@db01', true],
    ['root@[10.0.0.5]', true],
    ['no-at-sign', false],
    ['two@@example.com', false],
    ['.dot@example.com', false],
    ['a b@example.com', false],
    ['dba@-bad-.com', false],
  ])('%s → %s', (text, valid) => {
    expect(isEmailAddress(text)).toBe(valid);
  });

  it('reads Name <address>', () => {
    expect(mailboxAddress('DBA Team <dba@example.com>')).toBe('dba@example.com');
    expect(mailboxAddress('"Backup, Oracle" <dba@example.com>')).toBeUndefined();
    expect(mailboxAddress('<dba@example.com>')).toBe('dba@example.com');
  });
});

describe('parseReportLanguage', () => {
  const parseLang = (value: string) => {
    const c = new Collector();
    return { lang: parseReportLanguage(() => value, c), errors: c.errors };
  };

  it('accepts en, pt-BR and es in any case, with - or _', () => {
    expect(parseLang('').lang).toBe('en');
    expect(parseLang('pt_br').lang).toBe('pt-BR');
    expect(parseLang('ES').lang).toBe('es');
  });

  it('refuses others in the house style', () => {
    expect(parseLang('pt').errors).toEqual([
      'report-language: "pt" is not allowed; Portuguese is available as Brazilian Portuguese: use pt-BR; use en, pt-BR or es.',
    ]);
    expect(parseLang('fr').errors).toEqual(['report-language: "fr" is not allowed; use en, pt-BR or es.']);
  });
});
