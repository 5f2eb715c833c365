// The e-mail report end to end: the bundled action sends to a real SMTP server (STARTTLS + AUTH, private CA) in
// this process; the message is parsed as a mail client would. An unreachable server makes the run partial.
import { simpleParser } from 'mailparser';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { makeTestCertificates, type TestCertificates } from './helpers/tls-certs.js';
import { ARCHIVE_PASSWORD, PASSWORD, run, scenario } from './helpers/scenario.js';

const SMTP_USER = 'backup-mailer';
const SMTP_PASSWORD = 'Smtp-Secret-77';

let server: SMTPServer;
let port: number;
let certs: TestCertificates;
const received: Buffer[] = [];

beforeAll(async () => {
  certs = makeTestCertificates();
  server = new SMTPServer({
    key: certs.serverKey,
    cert: certs.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const free = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

function smtpInputs(smtpPort: number): Record<string, string> {
  return {
    'smtp-host': '127.0.0.1',
    'smtp-port': String(smtpPort),
    'smtp-security': 'starttls',
    'smtp-username': SMTP_USER,
    'smtp-password': SMTP_PASSWORD,
    'email-from': 'Oracle backups <backup@example.com>',
    'email-to': 'dba@example.com, oncall@example.com',
    'smtp-ca': certs.caCert,
  };
}

describe('the e-mail report of the bundled action', () => {
  it('arrives with the status first in the subject, a row per schema and the run log attached, no secrets', async () => {
    const s = await scenario(
      {
        HR: { behavior: 'success', tables: 3, bytes: 128 * 1024 },
        AUDIT: { behavior: 'skipped-tables', tables: 3, bytes: 128 * 1024 },
      },
      { ...smtpInputs(port), 'report-language': 'pt-BR', 'fail-on': 'failure' },
    );
    const before = received.length;
    const result = await run(s);
    expect(result.outputs.status).toBe('partial');
    expect(received.length).toBe(before + 1);
    const raw = received.at(-1)!;
    const mail = await simpleParser(raw);
    expect(mail.subject).toMatch(/^\[PARCIAL\] .*ORCLPDB1/);
    expect(
      (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a!.value.map((v) => v.address)),
    ).toEqual(['dba@example.com', 'oncall@example.com']);
    expect(mail.html).toContain('HR');
    expect(mail.html).toContain('AUDIT');
    expect(mail.text).toContain('ORA-01555');
    const log = mail.attachments.find((a) => a.filename?.endsWith('.log'));
    expect(log?.content.toString('utf8')).toContain('exporting HR as job OBA_HR_');
    for (const secret of [PASSWORD, ARCHIVE_PASSWORD, SMTP_PASSWORD]) {
      expect(raw.toString('utf8')).not.toContain(secret);
      expect(mail.html).not.toContain(secret);
      expect(log?.content.toString('utf8')).not.toContain(secret);
    }
    expect(result.summary).not.toContain(SMTP_PASSWORD);
  });

  it('with email-on: problems stays quiet after a clean run', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { ...smtpInputs(port), 'email-on': 'problems' },
    );
    const before = received.length;
    const result = await run(s);
    expect(result.outputs.status).toBe('success');
    expect(received.length).toBe(before);
  });

  it('makes a good run partial, with the reason, when the mail server cannot be reached', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      smtpInputs(await closedPort()),
    );
    const result = await run(s);
    expect(result.outputs.status).toBe('partial');
    expect(result.exitCode).toBe(1);
    // The backup itself is intact: archived and copied.
    expect(result.outputs.archives).not.toBe('');
    expect(result.summary).toMatch(/e-mail report not sent: .*refused/i);
    expect(result.summary).not.toContain(SMTP_PASSWORD);
  });
});
