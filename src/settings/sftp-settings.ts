// The sftp-* inputs: an optional SFTP destination. Pure like the rest of the settings: inputs come through `get`,
// problems and secrets go to the collector in its house style. The private key is parsed here (with ssh2's own
// parser) so that a wrong key or passphrase stops the run before any export starts.
import { createPrivateKey } from 'node:crypto';
import ssh2 from 'ssh2';
import { Collector, MASKED, show } from './collector.js';

export interface SftpSettings {
  host: string;
  port: number;
  username: string;
  /** '' when not given. */
  password: string;
  /** Normalised key text (OpenSSH or PEM; PKCS#8 RSA/ECDSA keys converted to PEM); '' when not given. */
  privateKey: string;
  /** '' when the key is not encrypted. */
  passphrase: string;
  /** `SHA256:` + 43 base64 characters, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** Remote folder, absolute or relative to the login folder. */
  dir: string;
}

/** Every sftp-* input, as named in action.yml. */
export const SFTP_INPUT_NAMES = [
  'sftp-host',
  'sftp-port',
  'sftp-username',
  'sftp-password',
  'sftp-private-key',
  'sftp-passphrase',
  'sftp-fingerprint',
  'sftp-dir',
] as const;

export type SftpInputName = (typeof SFTP_INPUT_NAMES)[number];

/** Defaults applied when an input is '' (action.yml states the same ones). */
export const SFTP_DEFAULTS = {
  'sftp-port': '22',
  'sftp-dir': '.',
} as const;

const SECRET_INPUTS = new Set<SftpInputName>(['sftp-password', 'sftp-private-key', 'sftp-passphrase']);

export const FINGERPRINT_HINT =
  'give the server key fingerprint as ssh-keygen prints it, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8: ' +
  'on the server run ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or from a trusted network ' +
  'ssh-keyscan -p PORT HOST | ssh-keygen -lf - (the ED25519 line)';
const KEY_HINT =
  'give an ed25519, ECDSA or RSA private key in OpenSSH format (BEGIN OPENSSH PRIVATE KEY) or PEM ' +
  '(BEGIN RSA PRIVATE KEY, BEGIN EC PRIVATE KEY, BEGIN PRIVATE KEY), from a secret';
const HOST_HINT = 'give a host name or IP address only, e.g. backup.example.com or 10.0.0.5';

const FINGERPRINT_RE = /^SHA256:([A-Za-z0-9+/]{43})=?$/;
const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+(?:%[\w.-]+)?$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * Reads the sftp-* inputs. Returns undefined when sftp-host is empty (no SFTP destination); any other sftp-* input
 * set then is an error. Every secret (password, passphrase, the key and each of its lines) is registered first.
 */
export function parseSftpSettings(get: (name: string) => string, c: Collector): SftpSettings | undefined {
  const raw = (name: SftpInputName) => get(name) ?? '';
  const password = raw('sftp-password');
  const passphrase = raw('sftp-passphrase');
  const keyText = raw('sftp-private-key');
  c.secret(password, passphrase, keyText, ...keyLines(keyText));

  const host = raw('sftp-host').trim();
  if (host === '') {
    for (const name of SFTP_INPUT_NAMES) {
      const value = raw(name).trim();
      const defaultValue: string | undefined = (SFTP_DEFAULTS as Record<string, string>)[name];
      if (name === 'sftp-host' || value === '' || value === defaultValue) continue;
      c.notAllowed(
        name,
        SECRET_INPUTS.has(name) ? MASKED : show(value),
        'sftp-host is missing',
        'set sftp-host to copy the backup to an SFTP server, or remove the sftp-* inputs',
      );
    }
    return undefined;
  }

  const settings: SftpSettings = {
    host: parseHost(host, c),
    port: parsePort(raw('sftp-port').trim() || SFTP_DEFAULTS['sftp-port'], c),
    username: parseUsername(raw('sftp-username').trim(), c),
    password,
    privateKey: '',
    passphrase,
    fingerprint: parseFingerprint(raw('sftp-fingerprint').trim(), c),
    dir: parseDir(raw('sftp-dir').trim() || SFTP_DEFAULTS['sftp-dir'], c),
  };

  if (keyText.trim() !== '') {
    const key = parsePrivateKey(keyText, passphrase, c);
    settings.privateKey = key.key;
    settings.passphrase = key.passphrase;
    c.secret(key.key, ...keyLines(key.key));
  } else if (passphrase !== '') {
    c.notAllowed(
      'sftp-passphrase',
      MASKED,
      'sftp-private-key is empty',
      'give the encrypted key in sftp-private-key, or remove sftp-passphrase',
    );
  }
  if (password === '' && keyText.trim() === '') {
    c.notAllowed(
      'sftp-password',
      '""',
      'sftp-password or sftp-private-key is required with sftp-host',
      'give the SFTP password or a private key (from a secret); with both, the key is tried first',
    );
  }
  return settings;
}

/**
 * Every line of a key: the runner masks line by line, and scrubbing must find a single line too. A final line of
 * a few characters (`Qw==`) is no secret on its own and would mask unrelated text everywhere.
 */
export function keyLines(key: string): string[] {
  return key
    .split(/\r?\n|\\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 8);
}

function parseHost(value: string, c: Collector): string {
  const bracketed = /^\[(.*)\]$/.exec(value);
  const host = bracketed ? bracketed[1]! : value;
  if (CONTROL_RE.test(host) || /\s/.test(host)) {
    c.notAllowed('sftp-host', show(value), 'it contains spaces or control characters', HOST_HINT);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    c.notAllowed('sftp-host', show(value), 'it is a URL', HOST_HINT);
  } else if (host.includes('@')) {
    c.notAllowed(
      'sftp-host',
      show(value),
      'it contains "@"',
      'put the user name in sftp-username',
      HOST_HINT,
    );
  } else if (host.includes(':') && !host.includes('::') && /^[^:]+:\d+$/.test(host)) {
    c.notAllowed('sftp-host', show(value), 'it contains a port', 'put the port in sftp-port', HOST_HINT);
  } else if (host.includes('/') || host.includes('\\')) {
    c.notAllowed('sftp-host', show(value), 'it contains a path', 'put the folder in sftp-dir', HOST_HINT);
  } else if (!(HOSTNAME_RE.test(host) || (host.includes(':') && IPV6_RE.test(host)))) {
    c.notAllowed('sftp-host', show(value), 'it is not a host name or IP address', HOST_HINT);
  }
  return host;
}

function parsePort(value: string, c: Collector): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    c.notAllowed(
      'sftp-port',
      show(value),
      'use a TCP port number from 1 to 65535 (SSH listens on 22 by default)',
    );
    return Number(SFTP_DEFAULTS['sftp-port']);
  }
  return port;
}

function parseUsername(value: string, c: Collector): string {
  if (value === '') {
    c.notAllowed(
      'sftp-username',
      '""',
      'it is required with sftp-host',
      'give the account to log in as, e.g. backup',
    );
  } else if (CONTROL_RE.test(value) || /\s/.test(value)) {
    c.notAllowed(
      'sftp-username',
      show(value),
      'it contains spaces or control characters',
      'give the login name only',
    );
  }
  return value;
}

function parseFingerprint(value: string, c: Collector): string {
  const match = FINGERPRINT_RE.exec(value);
  if (match && Buffer.from(match[1]!, 'base64').length === 32) return `SHA256:${match[1]}`;
  if (value === '') {
    c.notAllowed(
      'sftp-fingerprint',
      '""',
      "it is required with sftp-host: the server's host key is checked on every connection and never trusted blindly",
      FINGERPRINT_HINT,
    );
  } else if (/^MD5:|^([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(value)) {
    c.notAllowed('sftp-fingerprint', show(value), 'it is an MD5 fingerprint', FINGERPRINT_HINT);
  } else if (/^[A-Za-z0-9+/]{43}=?$/.test(value)) {
    c.notAllowed('sftp-fingerprint', show(value), 'the SHA256: prefix is missing', FINGERPRINT_HINT);
  } else if (/SHA256:[A-Za-z0-9+/]{43}/.test(value)) {
    c.notAllowed(
      'sftp-fingerprint',
      show(value),
      'it holds more than the fingerprint',
      `give only the SHA256:... part; ${FINGERPRINT_HINT}`,
    );
  } else {
    c.notAllowed('sftp-fingerprint', show(value), 'it is not a SHA-256 key fingerprint', FINGERPRINT_HINT);
  }
  return value;
}

function parseDir(value: string, c: Collector): string {
  if (CONTROL_RE.test(value)) {
    c.notAllowed(
      'sftp-dir',
      show(value),
      'it contains control characters',
      'give a folder such as backups/oracle',
    );
  } else if (value.includes('\\')) {
    c.notAllowed(
      'sftp-dir',
      show(value),
      'it contains "\\"',
      'SFTP paths use "/", e.g. backups/oracle or /srv/backups',
    );
  } else if (value.startsWith('~')) {
    c.notAllowed(
      'sftp-dir',
      show(value),
      'SFTP does not expand "~"',
      'a relative path already starts in the login folder: use backups/oracle instead of ~/backups/oracle',
    );
  }
  return value;
}

/**
 * Normalises a key pasted into a secret (CRLF, surrounding spaces, `\n` typed literally) and checks that ssh2 can
 * use it with the passphrase. Returns what ssh2 will be given; an empty key when it cannot be used.
 */
function parsePrivateKey(
  text: string,
  passphrase: string,
  c: Collector,
): { key: string; passphrase: string } {
  const unusable = { key: '', passphrase };
  let key = text.trim().replace(/\r\n?/g, '\n');
  if (!key.includes('\n') && key.includes('\\n')) key = key.replace(/\\n/g, '\n');
  key = `${key}\n`;

  if (/^(ssh-|ecdsa-sha2-|sk-)\S+ [A-Za-z0-9+/=]+/.test(key) || key.includes('BEGIN SSH2 PUBLIC KEY')) {
    c.notAllowed('sftp-private-key', MASKED, 'it is a public key', `${KEY_HINT} (the file without .pub)`);
    return unusable;
  }
  // ssh2 reads OpenSSH, PKCS#1 and SEC1 keys but not PKCS#8 ("BEGIN PRIVATE KEY"): convert RSA and ECDSA ones.
  if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(key)) {
    let converted: string | undefined;
    try {
      const object = createPrivateKey({ key, format: 'pem', ...(passphrase ? { passphrase } : {}) });
      if (object.asymmetricKeyType === 'rsa')
        converted = object.export({ type: 'pkcs1', format: 'pem' }) as string;
      else if (object.asymmetricKeyType === 'ec')
        converted = object.export({ type: 'sec1', format: 'pem' }) as string;
      else {
        c.notAllowed(
          'sftp-private-key',
          MASKED,
          `it is a PKCS#8 ${object.asymmetricKeyType ?? 'unknown'} key, which the SSH library cannot read`,
          'convert it to OpenSSH format with ssh-keygen -p -f <key file>',
          KEY_HINT,
        );
        return unusable;
      }
    } catch {
      if (key.includes('ENCRYPTED') && passphrase === '') {
        c.notAllowed(
          'sftp-passphrase',
          '""',
          'sftp-private-key is encrypted',
          "give the key's passphrase (from a secret)",
        );
      } else if (key.includes('ENCRYPTED')) {
        c.notAllowed(
          'sftp-passphrase',
          MASKED,
          'it does not decrypt sftp-private-key',
          "give the key's passphrase",
        );
      } else {
        c.notAllowed('sftp-private-key', MASKED, 'it cannot be read as a PKCS#8 private key', KEY_HINT);
      }
      return unusable;
    }
    key = converted;
    // The converted PEM is no longer encrypted: the passphrase has done its job.
    passphrase = '';
  }

  const parsed = ssh2.utils.parseKey(key, passphrase || undefined);
  if (parsed instanceof Error) {
    const message = parsed.message;
    if (/no passphrase given/i.test(message)) {
      c.notAllowed(
        'sftp-passphrase',
        '""',
        'sftp-private-key is encrypted',
        "give the key's passphrase (from a secret)",
      );
    } else if (/passphrase|integrity check failed|bad decrypt/i.test(message)) {
      c.notAllowed(
        'sftp-passphrase',
        MASKED,
        'it does not decrypt sftp-private-key',
        "give the key's passphrase (ssh-keygen -y -f <key file> asks for it and shows whether it is right)",
      );
    } else {
      c.notAllowed('sftp-private-key', MASKED, `it cannot be read (${safeParserMessage(message)})`, KEY_HINT);
    }
    return unusable;
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first || !first.isPrivateKey()) {
    c.notAllowed('sftp-private-key', MASKED, 'it is a public key', `${KEY_HINT} (the file without .pub)`);
    return unusable;
  }
  if (!/^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa)$/.test(first.type)) {
    c.notAllowed('sftp-private-key', MASKED, `it is a ${first.type} key`, KEY_HINT);
    return unusable;
  }
  if (passphrase !== '' && !(ssh2.utils.parseKey(key) instanceof Error)) {
    c.warnings.push(
      'sftp-passphrase is set but sftp-private-key is not encrypted; the passphrase is not used.',
    );
  }
  return { key, passphrase };
}

/** ssh2's parser messages name formats, never key material; anything unexpected is replaced all the same. */
function safeParserMessage(message: string): string {
  return /^[\w\s.,:()'/-]{1,120}$/.test(message) && !/[A-Za-z0-9+/]{24,}/.test(message)
    ? message
    : 'unreadable';
}
