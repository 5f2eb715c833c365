import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEmail,
  databaseName,
  LOG_TAIL_LINES,
  sendEmail,
  shouldSend,
  wrapLogLine,
  type BuildEmailOptions,
} from '../src/report/email.js';
import { makeMasker } from '../src/report/run-log.js';
import type { RunReport } from '../src/run-report.js';
import type { SmtpSettings } from '../src/settings/smtp-settings.js';
import { sampleReport, sampleRunLog } from './fixtures/email-report.js';
import { makeTestCertificates } from './helpers/tls-certs.js';

const SMTP_USER = 'backup@example.com';
const SMTP_PASSWORD = 'Smtp-S3cret!pw';
const DB_PASSWORD = 'Db-Pa55word#2026';

const options = (overrides: Partial<BuildEmailOptions> = {}): BuildEmailOptions => ({
  lang: 'en',
  runLogText: sampleRunLog(),
  runLogName: 'oracle-backup_2026-11-21_013000.log',
  host: 'db-runner-01',
  ...overrides,
});

describe('buildEmail', () => {
  it('times zipping by the local copy, since the copies to destinations run at the same time', () => {
    const report = sampleReport();
    const archive = report.archives[0]!;
    const [local, folder] = archive.destinations;
    archive.destinations.push({ ...folder!, location: '/mnt/second-share', durationMs: 30_000 });
    archive.durationMs = local!.durationMs + folder!.durationMs; // the slower copy ends the archive's time
    const text = buildEmail(report, options()).text;
    const line = (label: string) => text.split('\n').find((l) => l.includes(label)) ?? '';
    expect(line('Zip and verify')).toMatch(/3m21s/);
    expect(line('Copy to /mnt/backup-share/oracle')).toMatch(/45s/);
    expect(line('Copy to /mnt/second-share')).toMatch(/30s/);
  });

  it('puts the status first in the subject, with the database, date, schemas and size', () => {
    expect(buildEmail(sampleReport(), options()).subject).toBe(
      '[PARTIAL] Oracle backup ORCLPDB1 2026-11-21: 2/3 schemas OK, 1.1 GiB',
    );
    expect(buildEmail(sampleReport({ status: 'success' }), options({ lang: 'pt-BR' })).subject).toBe(
      '[SUCESSO] Backup Oracle ORCLPDB1 2026-11-21: 2/3 schemas OK, 1,1 GiB',
    );
    const failed = sampleReport({ status: 'failure', archives: [], bytesArchived: 0 });
    expect(buildEmail(failed, options({ lang: 'es' })).subject).toBe(
      '[FALLO] Respaldo de Oracle ORCLPDB1 2026-11-21: 0/3 esquemas OK',
    );
    expect(buildEmail(sampleReport({ dryRun: true }), options()).subject).toBe(
      '[PARTIAL] Oracle backup ORCLPDB1 2026-11-21: dry run',
    );
  });

  it('fills an email-subject template', () => {
    const subject = buildEmail(
      sampleReport(),
      options({ subjectTemplate: '{status} {database}@{host} {date} {schemas} {size}', database: 'PROD' }),
    ).subject;
    expect(subject).toBe('PARTIAL PROD@db-runner-01 2026-11-21 2/3 1.1 GiB');
  });

  it.each([
    ['db:1521/ORCLPDB1', 'ORCLPDB1'],
    ['//db.example.com:1521/sales.example.com:dedicated/inst1', 'sales.example.com'],
    ['tcps://db:2484/FREEPDB1?wallet_location=/w', 'FREEPDB1'],
    ['PROD', 'PROD'],
    ['db', 'db'],
  ])('names the database of %s as %s', (connect, name) => {
    expect(databaseName(connect)).toBe(name);
  });

  it('shows every schema, the archive, the copies and every finding with its advice', () => {
    const { html, text } = buildEmail(sampleReport(), options());
    for (const name of ['HR', 'SALES', 'AUDIT']) {
      expect(html).toContain(`<b>${name}</b>`);
      expect(text).toMatch(new RegExp(`^${name} +(success|completed with errors) `, 'm'));
    }
    expect(html).toContain('completed with errors');
    // The reason names both skipped tables already: they are not listed a second time.
    expect(html).toContain('2 tables skipped (AUDIT.AUDIT_LOG, AUDIT.LOGIN_HISTORY)');
    expect(html).not.toContain('Skipped tables:');
    expect(html).toContain('48,213,907');
    expect(html).toContain('fa73f36118fdeead0cb5a6922e35e35f91aff83a27fd784a601765e52a59ad63');
    expect(html).toContain('/<wbr>mnt/<wbr>backup-share/<wbr>oracle');
    expect(html).toContain('raise UNDO_RETENTION');
    expect(text).toContain('What to do: Undo was too small');
    expect(text).toContain('[Warning] AUDIT ORA-31693: table data skipped');
    expect(text).toContain('Export HR');
    expect(text).toContain('Copy to /mnt/backup-share/oracle');
  });

  it('draws the bar charts with table cells sized in percent', () => {
    const { html } = buildEmail(sampleReport(), options());
    // HR has the largest dump (100%), SALES 1.6/2.1 of it, AUDIT 0.5/2.1.
    expect(html).toContain('width="76%" height="14" bgcolor="#2da44e"');
    expect(html).toContain('width="24%" height="14" bgcolor="#d4a72c"');
    expect(html).not.toMatch(/<script|<img|<link|url\(|<style/i);
  });

  it('is laid out for mail clients: a 640px table, inline styles only', () => {
    const { html } = buildEmail(sampleReport(), options());
    expect(html).toContain('width="640"');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<html lang="en">');
  });

  it('shows the last 100 lines of the run log and attaches all of it', () => {
    const log = sampleRunLog(140);
    const email = buildEmail(sampleReport(), options({ runLogText: log }));
    expect(email.attachments).toEqual([{ filename: 'oracle-backup_2026-11-21_013000.log', content: log }]);
    expect(email.text).toContain('LAST 100 LINES OF THE RUN LOG');
    expect(email.text).toContain('log line 39:'.replace('39', String(140 - LOG_TAIL_LINES)));
    expect(email.text).not.toContain('log line 39:');
    expect(email.text).toContain('status: partial (1 schema(s) completed with errors)');
    expect(email.html).toContain('Last 100 lines of the run log');
    expect(email.html).toContain('oracle-backup_2026-11-21_013000.log');
  });

  it('escapes every piece of run data in the HTML', () => {
    const evil = '<script>alert("x")</script>';
    const report = sampleReport({
      statusReason: `reason ${evil}`,
      database: { connectString: `db/<img src=x onerror=alert(1)>` },
      findings: [
        { severity: 'error', code: '<b>X</b>', message: evil, advice: `"quoted" & 'single' ${evil}` },
      ],
    });
    report.schemas[0]!.name = '<i>HR</i>';
    report.archives[0]!.destinations[1]!.location = `/mnt/${evil}`;
    const { html } = buildEmail(report, options({ runLogText: `line with ${evil}\n`, host: evil }));
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>HR</i>');
    expect(html).not.toContain('<b>X</b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; &#39;single&#39;');
  });

  it('translates the headings and words', () => {
    const pt = buildEmail(sampleReport(), options({ lang: 'pt-BR' }));
    expect(pt.html).toContain('Avisos e erros: o que fazer');
    expect(pt.html).toContain('concluído com erros');
    expect(pt.html).toContain('48.213.907');
    expect(pt.text).toContain('O que fazer:');
    const es = buildEmail(sampleReport(), options({ lang: 'es' }));
    expect(es.html).toContain('Tamaño del volcado por esquema');
    expect(es.html).toContain('<html lang="es">');
  });

  it('says so when there is nothing to worry about, and shows failed copies as errors with advice', () => {
    const clean = sampleReport({ status: 'success' });
    clean.schemas = clean.schemas.slice(0, 2);
    expect(buildEmail(clean, options()).html).toContain('No warnings and no errors.');

    const failedCopy = sampleReport();
    Object.assign(failedCopy.archives[0]!.destinations[1]!, {
      ok: false,
      error: 'EACCES: permission denied',
    });
    const { html, text } = buildEmail(failedCopy, options());
    expect(html).toContain('copy of oracle-backup_2026-11-21_013000.zip to /mnt/backup-share/oracle failed');
    expect(text).toContain('[Error] Run COPY: copy of oracle-backup_2026-11-21_013000.zip');
    expect(text).toContain('What to do: Check that the destination is reachable');
  });

  it('never carries a secret, even when one slipped into the report or the log (defence in depth)', () => {
    const secrets = [DB_PASSWORD, 'p&ss<word>"1', SMTP_PASSWORD];
    const report: RunReport = sampleReport();
    report.schemas[2]!.findings[0]!.message = `leaked ${secrets[0]} and ${secrets[1]}`;
    report.statusReason = `reason ${secrets[1]}`;
    const log = `${sampleRunLog(20)}connect backup_user/${DB_PASSWORD}@db and ${secrets[1]}\n`;
    // A secret cut by the HTML log wrapping must be masked before it is cut.
    const long = `${'x'.repeat(70)} ${DB_PASSWORD}${DB_PASSWORD}${DB_PASSWORD}`;
    const email = buildEmail(report, options({ runLogText: `${log}${long}\n`, scrub: makeMasker(secrets) }));
    const everything = [email.subject, email.html, email.text, email.attachments[0].content].join('\n');
    for (const secret of secrets) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(
        secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'),
      );
    }
    expect(email.text).toContain('leaked *** and ***');
  });
});

describe('wrapLogLine', () => {
  it('wraps at a space when it can and indents the continuation', () => {
    expect(wrapLogLine('aaaa bbbb cccc dddd', 10)).toEqual(['aaaa bbbb', '    cccc', '    dddd']);
    expect(wrapLogLine('x'.repeat(25), 10)).toEqual([
      'x'.repeat(10),
      `    ${'x'.repeat(6)}`,
      `    ${'x'.repeat(6)}`,
      '    xxx',
    ]);
    expect(wrapLogLine('short', 10)).toEqual(['short']);
  });
});

describe('shouldSend', () => {
  it.each([
    ['always', 'success', true],
    ['always', 'partial', true],
    ['always', 'failure', true],
    ['problems', 'success', false],
    ['problems', 'partial', true],
    ['problems', 'failure', true],
    ['failure', 'success', false],
    ['failure', 'partial', false],
    ['failure', 'failure', true],
  ] as const)('email-on %s, status %s → %s', (emailOn, status, expected) => {
    expect(shouldSend(emailOn, status)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A real SMTP server in this process: STARTTLS or implicit TLS with a certificate from a private CA, and AUTH.

interface Received {
  raw: Buffer;
  from: string;
  to: string[];
  user: string | undefined;
}

interface TestServer {
  port: number;
  received: Received[];
  authAttempts: string[];
  close: () => Promise<void>;
}

async function startServer(kind: { secure?: boolean; noStartTls?: boolean } = {}): Promise<TestServer> {
  const certs = makeTestCertificates();
  const received: Received[] = [];
  const authAttempts: string[] = [];
  const server = new SMTPServer({
    secure: kind.secure ?? false,
    key: certs.serverKey,
    cert: certs.serverCert,
    authMethods: ['PLAIN', 'LOGIN'],
    // A server without STARTTLS that would take a login in clear: only the client can refuse.
    ...(kind.noStartTls
      ? { hideSTARTTLS: true, disabledCommands: ['STARTTLS'], allowInsecureAuth: true }
      : {}),
    logger: false,
    onAuth(auth, _session, callback) {
      authAttempts.push(auth.username ?? '');
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          raw: Buffer.concat(chunks),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
        });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    authAttempts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function smtpSettings(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port,
    security: 'starttls',
    username: SMTP_USER,
    password: SMTP_PASSWORD,
    from: `Oracle Backup <${SMTP_USER}>`,
    to: ['dba@example.com', 'Ops <ops@example.com>'],
    emailOn: 'always',
    ca: makeTestCertificates().caCert,
    subject: '',
    ...overrides,
  };
}

const FAST = { retryDelayMs: 10, timeoutMs: 5_000 };

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) =>
    a.value.map((v) => v.address ?? ''),
  );
}

/** Every form in which a password could show up in a raw message: as is, base64 or quoted-printable encoded. */
function expectNoSecret(raw: Buffer, parsed: ParsedMail, secret: string): void {
  const decoded = [
    parsed.subject,
    parsed.html,
    parsed.text,
    ...parsed.attachments.map((a) => a.content.toString()),
  ].join('\n');
  expect(decoded).not.toContain(secret);
  const text = raw.toString('latin1');
  expect(text).not.toContain(secret);
  expect(text).not.toContain(Buffer.from(secret).toString('base64'));
  expect(text).not.toContain(Buffer.from(`\u0000${SMTP_USER}\u0000${secret}`).toString('base64'));
}

describe('sendEmail over SMTP', () => {
  let starttls: TestServer;
  let implicit: TestServer;
  let plainOnly: TestServer;

  beforeAll(async () => {
    [starttls, implicit, plainOnly] = await Promise.all([
      startServer(),
      startServer({ secure: true }),
      startServer({ noStartTls: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([starttls, implicit, plainOnly].map((s) => s?.close()));
  });

  it('delivers the report over required STARTTLS with AUTH, trusting the private CA from smtp-ca', async () => {
    // A log line that picked up the SMTP password: sendEmail masks it, whatever the caller passed.
    const runLogText = `${sampleRunLog(130)}oops smtp password ${SMTP_PASSWORD} in a log line\n`;
    const message = buildEmail(sampleReport(), options({ runLogText, scrub: makeMasker([DB_PASSWORD]) }));
    const before = starttls.received.length;
    const result = await sendEmail(smtpSettings(starttls.port), message, FAST);
    expect(result).toMatchObject({ ok: true, attempts: 1 });
    expect(result.messageId).toMatch(/^<.+>$/);
    expect(starttls.received).toHaveLength(before + 1);

    const got = starttls.received.at(-1)!;
    expect(got.user).toBe(SMTP_USER);
    expect(got.from).toBe(SMTP_USER);
    expect(got.to).toEqual(['dba@example.com', 'ops@example.com']);

    const mail = await simpleParser(got.raw);
    expect(mail.subject).toBe('[PARTIAL] Oracle backup ORCLPDB1 2026-11-21: 2/3 schemas OK, 1.1 GiB');
    expect(addresses(mail.to)).toEqual(['dba@example.com', 'ops@example.com']);
    expect(addresses(mail.from)).toEqual([SMTP_USER]);
    expect(mail.html).toBeTypeOf('string');
    const html = mail.html as string;
    for (const name of ['HR', 'SALES', 'AUDIT']) {
      expect(html).toContain(`<b>${name}</b>`);
      expect(mail.text).toMatch(new RegExp(`^${name} +`, 'm'));
    }
    expect(html).toContain('Warnings and errors: what to do');
    expect(mail.text).toContain('2 tables skipped (AUDIT.AUDIT_LOG, AUDIT.LOGIN_HISTORY)');

    expect(mail.attachments).toHaveLength(1);
    const [log] = mail.attachments;
    expect(log!.filename).toBe('oracle-backup_2026-11-21_013000.log');
    expect(log!.contentType).toBe('text/plain');
    const logText = log!.content.toString('utf8');
    expect(logText).toContain('oracle-backup-action 1.0.0: 3 schema(s)');
    expect(logText).toContain('log line 1:');
    expect(logText).toContain('oops smtp password *** in a log line');

    expectNoSecret(got.raw, mail, SMTP_PASSWORD);
    expectNoSecret(got.raw, mail, DB_PASSWORD);
  });

  it('delivers over implicit TLS (smtp-security tls)', async () => {
    const message = buildEmail(sampleReport({ status: 'success' }), options({ lang: 'es' }));
    const result = await sendEmail(smtpSettings(implicit.port, { security: 'tls' }), message, FAST);
    expect(result).toMatchObject({ ok: true, attempts: 1 });
    const mail = await simpleParser(implicit.received.at(-1)!.raw);
    expect(mail.subject).toBe('[ÉXITO] Respaldo de Oracle ORCLPDB1 2026-11-21: 2/3 esquemas OK, 1,1 GiB');
    expect(mail.html).toContain('Tamaño del volcado por esquema');
  });

  it('refuses a self-signed relay without smtp-ca, and says to set smtp-ca (no silent acceptance)', async () => {
    const before = starttls.received.length;
    const result = await sendEmail(
      smtpSettings(starttls.port, { ca: '' }),
      buildEmail(sampleReport(), options()),
      FAST,
    );
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.error).toMatch(/TLS certificate is not trusted/);
    expect(result.error).toContain('smtp-ca');
    expect(starttls.received).toHaveLength(before);

    const implicitResult = await sendEmail(
      smtpSettings(implicit.port, { security: 'tls', ca: '' }),
      buildEmail(sampleReport(), options()),
      FAST,
    );
    expect(implicitResult.error).toMatch(/TLS certificate is not trusted.*smtp-ca/);
  });

  it('refuses a server without STARTTLS under starttls, before any login', async () => {
    const result = await sendEmail(smtpSettings(plainOnly.port), buildEmail(sampleReport(), options()), FAST);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.error).toMatch(/does not offer STARTTLS/);
    expect(plainOnly.authAttempts).toEqual([]);
    expect(plainOnly.received).toEqual([]);
  });

  it('reports a wrong SMTP password as an authentication error, without the password, and does not retry', async () => {
    const wrong = 'Wrong-Pa55!';
    const result = await sendEmail(
      smtpSettings(starttls.port, { password: wrong }),
      buildEmail(sampleReport(), options()),
      FAST,
    );
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(1);
    expect(result.error).toMatch(/authentication failed for smtp-username "backup@example.com"/);
    expect(result.error).toContain('535');
    expect(result.error).not.toContain(wrong);
    expect(result.error).not.toContain(Buffer.from(wrong).toString('base64'));
  });

  it('gives up with a clear reason after one retry when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    const result = await sendEmail(smtpSettings(port), buildEmail(sampleReport(), options()), FAST);
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(2);
    expect(result.error).toBe(
      `SMTP server 127.0.0.1:${port}: connection refused (nothing listens on that port, or a firewall rejects ` +
        'it); check smtp-host and smtp-port. (after 2 attempts)',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out on an implicit-TLS port under starttls and names the likely mix-up', async () => {
    const result = await sendEmail(smtpSettings(implicit.port), buildEmail(sampleReport(), options()), {
      retryDelayMs: 10,
      timeoutMs: 800,
    });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(2);
    expect(result.error).toMatch(/no answer within 1s \(GREETING_TIMEOUT\)/);
    expect(result.error).toContain('use smtp-security tls');
  });

  it('email-on problems: only partial and failed runs are sent', async () => {
    const settings = smtpSettings(starttls.port, { emailOn: 'problems' });
    const before = starttls.received.length;
    for (const status of ['success', 'partial', 'failure'] as const) {
      if (!shouldSend(settings.emailOn, status)) continue;
      const result = await sendEmail(settings, buildEmail(sampleReport({ status }), options()), FAST);
      expect(result.ok).toBe(true);
    }
    const subjects = await Promise.all(
      starttls.received.slice(before).map(async (r) => (await simpleParser(r.raw)).subject),
    );
    expect(subjects.map((s) => s?.split(']')[0])).toEqual(['[PARTIAL', '[FAILURE']);
  });
});
