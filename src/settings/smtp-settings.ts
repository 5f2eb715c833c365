// The e-mail report's part of the settings: the SMTP server, how to reach it safely, who gets the report and
// when, plus `report-language` (which the job summary uses too). Pure: values come in through `get`, problems go
// to the Collector in the house style.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { REPORT_LANGUAGES, type ReportLanguage } from '../report/i18n.js';
import { Collector, MASKED, show } from './collector.js';
import { parseList } from './parse.js';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';
export type EmailOn = 'always' | 'problems' | 'failure';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** '' when the relay takes mail without authentication. */
  username: string;
  password: string;
  /** An address, or `Name <address>`. */
  from: string;
  to: string[];
  emailOn: EmailOn;
  /** PEM certificate(s) of a private CA, trusted besides Node's own list; '' when none. */
  ca: string;
  /** `email-subject` template; '' for the status-first default. */
  subject: string;
}

/**
 * The inputs this part reads, with the default action.yml should declare. `smtp-port` is declared empty: its
 * default depends on smtp-security (587, or 465 for tls), which a fixed action.yml default would hide.
 */
export const SMTP_INPUTS = {
  'smtp-host': {
    default: '',
    description: 'SMTP server (host name or IP address); when set, an e-mail report is sent',
  },
  'smtp-port': { default: '', description: 'SMTP port; empty: 587, or 465 with smtp-security tls' },
  'smtp-security': {
    default: 'starttls',
    description:
      'starttls (STARTTLS required, never plain text), tls (implicit TLS, usually port 465) or none (a trusted ' +
      'relay without authentication)',
  },
  'smtp-username': { default: '', description: 'SMTP login; empty for a relay without authentication' },
  'smtp-password': { default: '', description: 'its password (from a secret)' },
  'email-from': {
    default: '',
    description: 'sender address (`Name <address>` allowed); empty: smtp-username',
  },
  'email-to': { default: '', description: 'recipients, one per line or comma-separated' },
  'email-on': {
    default: 'always',
    description: 'always, problems (partial or failed runs) or failure',
  },
  'smtp-ca': {
    default: '',
    description:
      'PEM text of a private CA to trust for the SMTP server (an internal relay); the certificate is always checked',
  },
  'email-subject': {
    default: '',
    description:
      'subject template with {status}, {database}, {host}, {date}, {schemas}, {size}; empty: status first',
  },
  'report-language': { default: 'en', description: 'en, pt-BR or es, for the e-mail and the job summary' },
} as const satisfies Record<string, { default: string; description: string }>;

export type SmtpInputName = keyof typeof SMTP_INPUTS;
export const SMTP_INPUT_NAMES = Object.keys(SMTP_INPUTS) as SmtpInputName[];

export const SUBJECT_TOKENS = ['status', 'database', 'host', 'date', 'schemas', 'size'] as const;

const SECURITY_HINT =
  'use starttls (port 587, STARTTLS required), tls (implicit TLS, port 465) or none (a trusted relay, no password)';
const EMAIL_ON_HINT = 'use always, problems (partial or failed runs) or failure (only failed runs)';
const ADDRESS_HINT = 'use an e-mail address such as dba@example.com, or Name <dba@example.com>';
const CA_HINT =
  'paste the PEM text of the CA certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----), ' +
  'e.g. from a variable or secret';

const LOCAL_PART_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DOMAIN_RE = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const HOSTNAME_RE = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.?$`);
const NAMED_ADDRESS_RE = /^(.*?)\s*<([^<>]*)>$/;
const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** True for `local@domain` (ASCII, no quoted local parts: what a backup report's recipients look like). */
export function isEmailAddress(text: string): boolean {
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.length > 254) return false;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  const literal = /^\[(.+)\]$/.exec(domain)?.[1];
  return (
    local.length <= 64 && LOCAL_PART_RE.test(local) && (DOMAIN_RE.test(domain) || isIP(literal ?? '') > 0)
  );
}

/** The address inside `Name <address>` or the text itself; undefined when it is not a valid address. */
export function mailboxAddress(text: string): string | undefined {
  const named = NAMED_ADDRESS_RE.exec(text);
  const address = (named ? named[2] : text)?.trim() ?? '';
  const name = named?.[1] ?? '';
  // A name with its own `<`, `>` or `@` would be read as another address by mail clients.
  if (/[<>@,;]/.test(name.replace(/^"(.*)"$/, '$1'))) return undefined;
  return isEmailAddress(address) ? address : undefined;
}

function defaultedInputs(get: (name: string) => string): Array<[SmtpInputName, string]> {
  return SMTP_INPUT_NAMES.filter((name) => name !== 'smtp-host' && name !== 'report-language')
    .map((name): [SmtpInputName, string] => [name, get(name).trim()])
    .filter(([name, value]) => value !== '' && value.toLowerCase() !== SMTP_INPUTS[name].default);
}

function parseHost(value: string, c: Collector): string {
  const withPort = /^([^:\s]+):(\d+)$/.exec(value);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    c.notAllowed('smtp-host', show(value), 'it is a URL', 'use the host name alone, e.g. smtp.example.com');
  else if (withPort)
    c.notAllowed(
      'smtp-host',
      show(value),
      'it contains a port',
      `use the host name alone (${withPort[1]}) and put ${withPort[2]} in smtp-port`,
    );
  else if (!HOSTNAME_RE.test(value) && isIP(value.replace(/^\[(.*)\]$/, '$1')) === 0)
    c.notAllowed('smtp-host', show(value), 'use a host name such as smtp.example.com or an IP address');
  else return value.replace(/^\[(.*)\]$/, '$1');
  return '';
}

function parseSecurity(value: string, c: Collector): SmtpSecurity {
  const text = value.toLowerCase();
  if (text === 'starttls' || text === 'tls' || text === 'none') return text;
  const clauses = text === 'ssl' ? ['"ssl" is implicit TLS here: use tls'] : [SECURITY_HINT];
  c.notAllowed('smtp-security', show(value), ...clauses);
  return 'starttls';
}

function parsePort(value: string, security: SmtpSecurity, c: Collector): number {
  if (value === '') return security === 'tls' ? 465 : 587;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    c.notAllowed(
      'smtp-port',
      show(value),
      'use a port number from 1 to 65535, usually 587 (starttls) or 465 (tls)',
    );
    return 0;
  }
  // The two classic mix-ups end in a timeout that says nothing, so name them now.
  if (security === 'tls' && (port === 587 || port === 25))
    c.warnings.push(
      `smtp-port: ${port} usually expects STARTTLS, not implicit TLS; if sending times out, set smtp-security: starttls.`,
    );
  if (security !== 'tls' && port === 465)
    c.warnings.push(
      'smtp-port: 465 usually expects implicit TLS; if sending times out, set smtp-security: tls.',
    );
  return port;
}

function parseAddressList(value: string, c: Collector): string[] {
  const result: string[] = [];
  const seen = new Set<string>();
  for (const item of parseList(value)) {
    const address = mailboxAddress(item);
    if (address === undefined) {
      c.notAllowed(
        'email-to',
        show(item),
        ADDRESS_HINT,
        'separate recipients with commas or put one per line',
      );
      continue;
    }
    if (seen.has(address.toLowerCase())) {
      c.notAllowed('email-to', show(item), `${address} is listed twice`, 'list each recipient once');
      continue;
    }
    seen.add(address.toLowerCase());
    result.push(item);
  }
  return result;
}

function parseEmailOn(value: string, c: Collector): EmailOn {
  const text = value.toLowerCase();
  if (text === 'always' || text === 'problems' || text === 'failure') return text;
  const clauses = text === 'partial' ? ['partial runs are included in problems: use problems'] : [];
  c.notAllowed('email-on', show(value), ...clauses, EMAIL_ON_HINT);
  return 'always';
}

/** The PEM certificate blocks of `smtp-ca`, each checked to parse; '' when empty or invalid. */
function parseCa(value: string, c: Collector): string {
  if (value === '') return '';
  // A value pasted through JSON or a one-line variable may carry `\n` escapes instead of line breaks.
  const text = (!value.includes('\n') && value.includes('\\n') ? value.replace(/\\n/g, '\n') : value)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .join('\n');
  if (/PRIVATE KEY-----/.test(text)) {
    c.secret(value, text);
    c.notAllowed('smtp-ca', MASKED, 'it contains a private key', `give only the CA certificate; ${CA_HINT}`);
    return '';
  }
  const blocks = text.match(PEM_CERT_RE) ?? [];
  if (blocks.length === 0) {
    const looksLikePath = !text.includes('\n') && /^(?:[A-Za-z]:)?[\\/~.]/.test(text);
    c.notAllowed(
      'smtp-ca',
      show(value),
      looksLikePath ? 'it is a file path, not the certificate itself' : 'it holds no PEM certificate',
      CA_HINT,
    );
    return '';
  }
  let ok = true;
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      ok = false;
      const which = blocks.length > 1 ? `certificate ${index + 1} of ${blocks.length}` : 'the certificate';
      c.notAllowed('smtp-ca', show(value), `${which} cannot be read (${(error as Error).message})`, CA_HINT);
    }
  });
  return ok ? blocks.join('\n') + '\n' : '';
}

function parseSubject(value: string, c: Collector): string {
  if (value === '') return '';
  const unknown = [...value.matchAll(/\{([^{}]*)\}/g)]
    .map((m) => m[1] ?? '')
    .filter((token) => !(SUBJECT_TOKENS as readonly string[]).includes(token));
  if (unknown.length > 0 || /[\r\n]/.test(value)) {
    c.notAllowed(
      'email-subject',
      show(value),
      ...(unknown.length > 0 ? [`${unknown.map((u) => `{${u}}`).join(', ')} is not a token`] : []),
      ...(/[\r\n]/.test(value) ? ['it contains a line break'] : []),
      `use one line of text with the tokens ${SUBJECT_TOKENS.map((t) => `{${t}}`).join(', ')}`,
    );
    return '';
  }
  return value;
}

/**
 * The e-mail settings, or undefined when `smtp-host` is empty (no e-mail). `get` returns an input's raw value
 * ('' when not given). Every problem is collected in `c`; the values returned with problems are placeholders.
 */
export function parseSmtpSettings(get: (name: string) => string, c: Collector): SmtpSettings | undefined {
  const value = (name: SmtpInputName): string => get(name).trim();
  const password = value('smtp-password');
  const username = value('smtp-username');
  // Masked first, whatever else is wrong: the AUTH PLAIN/LOGIN tokens carry it too.
  c.secret(password);
  if (password) {
    c.secret(Buffer.from(password).toString('base64'));
    c.secret(Buffer.from(`\u0000${username}\u0000${password}`).toString('base64'));
  }

  const hostText = value('smtp-host');
  if (hostText === '') {
    for (const [name, given] of defaultedInputs(get))
      c.notAllowed(
        name,
        name === 'smtp-password' ? MASKED : show(given),
        'it has no effect because smtp-host is missing',
        `set smtp-host to send the e-mail report, or remove ${name}`,
      );
    return undefined;
  }

  const host = parseHost(hostText, c);
  const security = parseSecurity(value('smtp-security') || SMTP_INPUTS['smtp-security'].default, c);
  const port = parsePort(value('smtp-port'), security, c);

  if (password && !username)
    c.notAllowed(
      'smtp-password',
      MASKED,
      'smtp-username is empty',
      'set smtp-username too, or remove smtp-password',
    );
  if (username && !password)
    c.notAllowed(
      'smtp-username',
      show(username),
      'smtp-password is empty',
      'set smtp-password from a secret (smtp-password: ${{ secrets.SMTP_PASSWORD }}), or remove smtp-username ' +
        'for a relay without authentication',
    );
  if (password && security === 'none')
    c.notAllowed(
      'smtp-security',
      show('none'),
      'the password would cross the network unencrypted',
      'use starttls or tls with smtp-username and smtp-password, or none only for a relay that needs no login',
    );

  const fromText = value('email-from');
  let from = fromText || username;
  if (fromText === '' && username === '') {
    c.notAllowed('email-from', '""', 'it is required when smtp-username is empty', ADDRESS_HINT);
    from = '';
  } else if (mailboxAddress(from) === undefined) {
    if (fromText === '')
      c.notAllowed(
        'email-from',
        '""',
        `smtp-username ${show(username)} is not an e-mail address, so it cannot be the sender`,
        ADDRESS_HINT,
      );
    else c.notAllowed('email-from', show(fromText), ADDRESS_HINT);
    from = '';
  }

  const toText = value('email-to');
  const to = toText === '' ? [] : parseAddressList(toText, c);
  if (toText === '') c.notAllowed('email-to', '""', 'it is required with smtp-host', ADDRESS_HINT);
  else if (to.length === 0 && parseList(toText).length === 0)
    c.notAllowed('email-to', show(toText), 'it lists no recipient', ADDRESS_HINT);

  const emailOn = parseEmailOn(value('email-on') || SMTP_INPUTS['email-on'].default, c);

  const ca = parseCa(get('smtp-ca'), c);
  if (ca && security === 'none')
    c.notAllowed(
      'smtp-ca',
      '"-----BEGIN CERTIFICATE----- ..."',
      'smtp-security is none, so no certificate is checked',
      'use smtp-security starttls or tls with smtp-ca, or remove smtp-ca',
    );

  const subject = parseSubject(value('email-subject'), c);
  return { host, port, security, username, password, from, to, emailOn, ca, subject };
}

/** `report-language`: the e-mail's and the job summary's language (en when empty). */
export function parseReportLanguage(get: (name: string) => string, c: Collector): ReportLanguage {
  const given = get('report-language').trim();
  if (given === '') return 'en';
  const wanted = given.replace('_', '-').toLowerCase();
  const found = REPORT_LANGUAGES.find((lang) => lang.toLowerCase() === wanted);
  if (found) return found;
  const clauses = wanted === 'pt' ? ['Portuguese is available as Brazilian Portuguese: use pt-BR'] : [];
  c.notAllowed('report-language', show(given), ...clauses, 'use en, pt-BR or es');
  return 'en';
}
