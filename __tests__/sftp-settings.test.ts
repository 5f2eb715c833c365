import { generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { Collector } from '../src/settings/collector.js';
import {
  keyLines,
  parseSftpSettings,
  SFTP_DEFAULTS,
  SFTP_INPUT_NAMES,
  type SftpSettings,
} from '../src/settings/sftp-settings.js';

const FINGERPRINT = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const PASSPHRASE = 'correct horse battery';

// Keys made here so the test needs no ssh-keygen: OpenSSH format from ssh2, PEM and PKCS#8 from node:crypto.
const ed25519 = ssh2.utils.generateKeyPairSync('ed25519').private;
const ed25519Encrypted = ssh2.utils.generateKeyPairSync('ed25519', {
  passphrase: PASSPHRASE,
  cipher: 'aes256-ctr',
  rounds: 4,
}).private;
const ecdsaOpenSsh = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).private;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const rsaPemEncrypted = rsa.privateKey.export({
  type: 'pkcs1',
  format: 'pem',
  cipher: 'aes-256-cbc',
  passphrase: PASSPHRASE,
}) as string;
const rsaPkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const rsaPkcs8Encrypted = rsa.privateKey.export({
  type: 'pkcs8',
  format: 'pem',
  cipher: 'aes-256-cbc',
  passphrase: PASSPHRASE,
}) as string;
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const ecPem = ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string;
const ed25519Pkcs8 = generateKeyPairSync('ed25519').privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;
const ed25519Public = ssh2.utils.generateKeyPairSync('ed25519').public;

function parse(inputs: Record<string, string>): { settings?: SftpSettings; c: Collector } {
  const c = new Collector();
  const settings = parseSftpSettings((name) => inputs[name] ?? '', c);
  return { settings, c };
}

const base = {
  'sftp-host': 'backup.example.com',
  'sftp-username': 'backup',
  'sftp-password': 'S3cret-pw!',
  'sftp-fingerprint': FINGERPRINT,
};

describe('parseSftpSettings', () => {
  it('exports the input names and the defaults action.yml must state', () => {
    expect(SFTP_INPUT_NAMES).toEqual([
      'sftp-host',
      'sftp-port',
      'sftp-username',
      'sftp-password',
      'sftp-private-key',
      'sftp-passphrase',
      'sftp-fingerprint',
      'sftp-dir',
    ]);
    expect(SFTP_DEFAULTS).toEqual({ 'sftp-port': '22', 'sftp-dir': '.' });
  });

  it('is undefined without sftp-host, also with the action.yml defaults present', () => {
    expect(parse({})).toMatchObject({ settings: undefined, c: { errors: [] } });
    expect(parse({ 'sftp-port': '22', 'sftp-dir': '.' })).toMatchObject({
      settings: undefined,
      c: { errors: [] },
    });
  });

  it('refuses other sftp-* inputs without sftp-host, masking secrets', () => {
    const { settings, c } = parse({
      'sftp-username': 'backup',
      'sftp-password': 'pw-123456',
      'sftp-port': '2222',
    });
    expect(settings).toBeUndefined();
    expect(c.errors).toEqual([
      'sftp-port: "2222" is not allowed; sftp-host is missing; set sftp-host to copy the backup to an SFTP server, or remove the sftp-* inputs.',
      'sftp-username: "backup" is not allowed; sftp-host is missing; set sftp-host to copy the backup to an SFTP server, or remove the sftp-* inputs.',
      'sftp-password: "***" is not allowed; sftp-host is missing; set sftp-host to copy the backup to an SFTP server, or remove the sftp-* inputs.',
    ]);
    expect(c.secrets).toContain('pw-123456');
  });

  it('reads a password login with the defaults', () => {
    const { settings, c } = parse(base);
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(settings).toEqual({
      host: 'backup.example.com',
      port: 22,
      username: 'backup',
      password: 'S3cret-pw!',
      privateKey: '',
      passphrase: '',
      fingerprint: FINGERPRINT,
      dir: '.',
    });
    expect(c.secrets).toEqual(['S3cret-pw!']);
  });

  it('accepts a port, a folder, an IPv4 and a bracketed IPv6 address', () => {
    expect(
      parse({ ...base, 'sftp-port': ' 2222 ', 'sftp-dir': '/srv/backups/oracle' }).settings,
    ).toMatchObject({
      port: 2222,
      dir: '/srv/backups/oracle',
    });
    expect(parse({ ...base, 'sftp-host': '10.0.0.5' }).settings?.host).toBe('10.0.0.5');
    expect(parse({ ...base, 'sftp-host': '[fd00::1]' }).settings?.host).toBe('fd00::1');
  });

  it.each([
    [
      '0',
      'sftp-port: "0" is not allowed; use a TCP port number from 1 to 65535 (SSH listens on 22 by default).',
    ],
    [
      '65536',
      'sftp-port: "65536" is not allowed; use a TCP port number from 1 to 65535 (SSH listens on 22 by default).',
    ],
    [
      'ssh',
      'sftp-port: "ssh" is not allowed; use a TCP port number from 1 to 65535 (SSH listens on 22 by default).',
    ],
  ])('refuses port %s', (port, error) => {
    expect(parse({ ...base, 'sftp-port': port }).c.errors).toEqual([error]);
  });

  it.each([
    ['backup@nas', 'it contains "@"; put the user name in sftp-username'],
    ['nas:2222', 'it contains a port; put the port in sftp-port'],
    ['sftp://nas/backups', 'it is a URL'],
    ['nas/backups', 'it contains a path; put the folder in sftp-dir'],
    ['my nas', 'it contains spaces or control characters'],
  ])('refuses host %s', (host, why) => {
    const { c } = parse({ ...base, 'sftp-host': host });
    expect(c.errors).toEqual([
      `sftp-host: ${JSON.stringify(host)} is not allowed; ${why}; give a host name or IP address only, e.g. backup.example.com or 10.0.0.5.`,
    ]);
  });

  it('requires a user name and a password or a key', () => {
    const { c } = parse({ 'sftp-host': 'nas', 'sftp-fingerprint': FINGERPRINT });
    expect(c.errors).toEqual([
      'sftp-username: "" is not allowed; it is required with sftp-host; give the account to log in as, e.g. backup.',
      'sftp-password: "" is not allowed; sftp-password or sftp-private-key is required with sftp-host; ' +
        'give the SFTP password or a private key (from a secret); with both, the key is tried first.',
    ]);
  });

  describe('sftp-fingerprint', () => {
    const hint =
      'give the server key fingerprint as ssh-keygen prints it, e.g. SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8: ' +
      'on the server run ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub, or from a trusted network ' +
      'ssh-keyscan -p PORT HOST | ssh-keygen -lf - (the ED25519 line)';

    it('is required, with how to get it', () => {
      expect(parse({ ...base, 'sftp-fingerprint': '' }).c.errors).toEqual([
        `sftp-fingerprint: "" is not allowed; it is required with sftp-host: the server's host key is checked on every ` +
          `connection and never trusted blindly; ${hint}.`,
      ]);
    });

    it.each([
      ['nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', 'the SHA256: prefix is missing'],
      ['MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', 'it is an MD5 fingerprint'],
      ['16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', 'it is an MD5 fingerprint'],
      ['SHA256:short', 'it is not a SHA-256 key fingerprint'],
    ])('refuses %s', (value, why) => {
      expect(parse({ ...base, 'sftp-fingerprint': value }).c.errors).toEqual([
        `sftp-fingerprint: ${JSON.stringify(value)} is not allowed; ${why}; ${hint}.`,
      ]);
    });

    it('refuses a whole ssh-keygen line but says which part to keep', () => {
      const line = `256 ${FINGERPRINT} root@nas (ED25519)`;
      expect(parse({ ...base, 'sftp-fingerprint': line }).c.errors[0]).toMatch(
        /^sftp-fingerprint: ".*" is not allowed; it holds more than the fingerprint; give only the SHA256:\.\.\. part; /,
      );
    });

    it('drops base64 padding', () => {
      expect(parse({ ...base, 'sftp-fingerprint': `${FINGERPRINT}=` }).settings?.fingerprint).toBe(
        FINGERPRINT,
      );
    });
  });

  it('refuses ~ and backslashes in sftp-dir', () => {
    expect(parse({ ...base, 'sftp-dir': '~/backups' }).c.errors).toEqual([
      'sftp-dir: "~/backups" is not allowed; SFTP does not expand "~"; a relative path already starts in the login ' +
        'folder: use backups/oracle instead of ~/backups/oracle.',
    ]);
    expect(parse({ ...base, 'sftp-dir': 'backups\\oracle' }).c.errors).toEqual([
      'sftp-dir: "backups\\\\oracle" is not allowed; it contains "\\"; SFTP paths use "/", e.g. backups/oracle or /srv/backups.',
    ]);
  });

  describe('sftp-private-key', () => {
    const withKey = (key: string, passphrase = '') =>
      parse({ ...base, 'sftp-password': '', 'sftp-private-key': key, 'sftp-passphrase': passphrase });

    it.each([
      ['ed25519 (OpenSSH)', ed25519, ''],
      ['ed25519 (OpenSSH, encrypted)', ed25519Encrypted, PASSPHRASE],
      ['ECDSA (OpenSSH)', ecdsaOpenSsh, ''],
      ['RSA (PEM)', rsaPem, ''],
      ['RSA (PEM, encrypted)', rsaPemEncrypted, PASSPHRASE],
      ['ECDSA (PEM)', ecPem, ''],
    ])('accepts %s', (_label, key, passphrase) => {
      const { settings, c } = withKey(key, passphrase);
      expect(c.errors).toEqual([]);
      expect(c.warnings).toEqual([]);
      expect(settings?.privateKey).toBe(`${key.trim()}\n`);
      expect(settings?.passphrase).toBe(passphrase);
      expect(ssh2.utils.parseKey(settings!.privateKey, settings!.passphrase || undefined)).not.toBeInstanceOf(
        Error,
      );
    });

    it.each([
      ['RSA (PKCS#8)', rsaPkcs8, '', 'BEGIN RSA PRIVATE KEY'],
      ['RSA (PKCS#8, encrypted)', rsaPkcs8Encrypted, PASSPHRASE, 'BEGIN RSA PRIVATE KEY'],
      [
        'ECDSA (PKCS#8)',
        ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        '',
        'BEGIN EC PRIVATE KEY',
      ],
    ])('converts %s to a PEM key ssh2 reads', (_label, key, passphrase, header) => {
      const { settings, c } = withKey(key, passphrase);
      expect(c.errors).toEqual([]);
      expect(settings?.privateKey).toContain(header);
      expect(settings?.passphrase).toBe('');
      expect(ssh2.utils.parseKey(settings!.privateKey)).not.toBeInstanceOf(Error);
      // The converted key is a secret too.
      expect(c.secrets).toContain(settings!.privateKey);
      for (const line of keyLines(settings!.privateKey)) expect(c.secrets).toContain(line);
    });

    it('normalises CRLF, surrounding blanks and a key pasted with literal \\n', () => {
      expect(withKey(`  ${ed25519.replace(/\n/g, '\r\n')}  `).settings?.privateKey).toBe(
        `${ed25519.trim()}\n`,
      );
      expect(withKey(ed25519.trim().replace(/\n/g, '\\n')).settings?.privateKey).toBe(`${ed25519.trim()}\n`);
    });

    it('asks for the passphrase of an encrypted key', () => {
      expect(withKey(ed25519Encrypted).c.errors).toEqual([
        `sftp-passphrase: "" is not allowed; sftp-private-key is encrypted; give the key's passphrase (from a secret).`,
      ]);
      expect(withKey(rsaPemEncrypted).c.errors).toEqual([
        `sftp-passphrase: "" is not allowed; sftp-private-key is encrypted; give the key's passphrase (from a secret).`,
      ]);
    });

    it.each([
      ['OpenSSH', ed25519Encrypted],
      ['PEM', rsaPemEncrypted],
    ])('refuses a wrong passphrase (%s)', (_label, key) => {
      expect(withKey(key, 'not the passphrase').c.errors).toEqual([
        `sftp-passphrase: "***" is not allowed; it does not decrypt sftp-private-key; give the key's passphrase ` +
          `(ssh-keygen -y -f <key file> asks for it and shows whether it is right).`,
      ]);
    });

    it('refuses a wrong passphrase for an encrypted PKCS#8 key', () => {
      expect(withKey(rsaPkcs8Encrypted, 'nope').c.errors).toEqual([
        `sftp-passphrase: "***" is not allowed; it does not decrypt sftp-private-key; give the key's passphrase.`,
      ]);
    });

    it('refuses a public key, an ed25519 PKCS#8 key and garbage without echoing them', () => {
      const hint =
        'give an ed25519, ECDSA or RSA private key in OpenSSH format (BEGIN OPENSSH PRIVATE KEY) or PEM ' +
        '(BEGIN RSA PRIVATE KEY, BEGIN EC PRIVATE KEY, BEGIN PRIVATE KEY), from a secret';
      expect(withKey(ed25519Public).c.errors).toEqual([
        `sftp-private-key: "***" is not allowed; it is a public key; ${hint} (the file without .pub).`,
      ]);
      expect(withKey(ed25519Pkcs8).c.errors).toEqual([
        'sftp-private-key: "***" is not allowed; it is a PKCS#8 ed25519 key, which the SSH library cannot read; ' +
          `convert it to OpenSSH format with ssh-keygen -p -f <key file>; ${hint}.`,
      ]);
      expect(
        withKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAnotakey\n-----END OPENSSH PRIVATE KEY-----').c
          .errors,
      ).toEqual([
        expect.stringMatching(
          /^sftp-private-key: "\*\*\*" is not allowed; it cannot be read \([^)]*\); give an ed25519/,
        ),
      ]);
    });

    it('refuses a passphrase without a key, and warns about one the key does not need', () => {
      expect(parse({ ...base, 'sftp-passphrase': 'pp-123456' }).c.errors).toEqual([
        'sftp-passphrase: "***" is not allowed; sftp-private-key is empty; give the encrypted key in sftp-private-key, ' +
          'or remove sftp-passphrase.',
      ]);
      const { c } = withKey(ed25519, 'unneeded-pp');
      expect(c.errors).toEqual([]);
      expect(c.warnings).toEqual([
        'sftp-passphrase is set but sftp-private-key is not encrypted; the passphrase is not used.',
      ]);
    });

    it('registers the password, the passphrase, the key and every line of it as secrets, and shows none', () => {
      const inputs = {
        ...base,
        'sftp-private-key': ed25519Encrypted,
        'sftp-passphrase': PASSPHRASE,
        'sftp-port': 'x',
        'sftp-fingerprint': 'bad',
      };
      const { c } = parse(inputs);
      expect(c.errors.length).toBe(2);
      expect(c.secrets).toEqual(
        expect.arrayContaining([base['sftp-password'], PASSPHRASE, ed25519Encrypted]),
      );
      for (const line of keyLines(ed25519Encrypted)) expect(c.secrets).toContain(line);
      const wrong = parse({ ...inputs, 'sftp-passphrase': 'wrong passphrase 1' }).c;
      for (const error of [...c.errors, ...wrong.errors]) {
        for (const secret of [...c.secrets, ...wrong.secrets].filter((s) => !s.startsWith('-----'))) {
          expect(error).not.toContain(secret);
        }
      }
    });
  });
});
