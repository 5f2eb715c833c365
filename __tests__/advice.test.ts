import { describe, expect, it } from 'vitest';
import { describeFolderError } from '../src/deliver/folder.js';
import { describeConnectionError } from '../src/deliver/sftp-session.js';
import { describeSmtpError } from '../src/report/email.js';
import {
  adviceFor,
  classifyLocalFailure,
  describeLocalFailure,
  findingFor,
  LOCAL_FAILURE_CODES,
  localFailureFinding,
  localFailureOf,
} from '../src/report/advice.js';
import { REPORT_LANGUAGES } from '../src/report/i18n.js';
import type { SftpSettings } from '../src/settings/sftp-settings.js';
import type { SmtpSettings } from '../src/settings/smtp-settings.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

const sftp: SftpSettings = {
  host: 'files.example.com',
  port: 22,
  username: 'backup',
  password: 'pw',
  privateKey: '',
  passphrase: '',
  fingerprint: 'SHA256:' + 'A'.repeat(43),
  dir: '/upload',
};

const smtp: SmtpSettings = {
  host: 'mail.example.com',
  port: 587,
  security: 'starttls',
  username: 'dba@example.com',
  password: 'pw',
  from: 'dba@example.com',
  to: ['team@example.com'],
  emailOn: 'always',
  ca: '',
  subject: '',
};

describe('the local failure table', () => {
  it.each(REPORT_LANGUAGES)('has a meaning and a fix for every code in %s', (lang) => {
    for (const code of LOCAL_FAILURE_CODES) {
      const { meaning, advice } = describeLocalFailure(code, lang);
      expect(meaning.length, code).toBeGreaterThan(10);
      expect(advice.length, code).toBeGreaterThan(40);
    }
  });

  it('makes findings with the English advice the pipeline writes', () => {
    expect(localFailureFinding('DISK-FULL', 'disk full at /backup (ENOSPC)')).toEqual({
      severity: 'error',
      code: 'DISK-FULL',
      message: 'disk full at /backup (ENOSPC)',
      advice: describeLocalFailure('DISK-FULL').advice,
    });
    const fallback = { code: 'ARCHIVE', advice: 'Check work-dir.' };
    expect(findingFor('archive a.zip failed: ENOSPC: no space left on device', fallback).code).toBe(
      'DISK-FULL',
    );
    expect(findingFor('archive a.zip failed: CRC mismatch', fallback)).toEqual({
      severity: 'error',
      code: 'ARCHIVE',
      message: 'archive a.zip failed: CRC mismatch',
      advice: 'Check work-dir.',
    });
  });
});

describe('classifyLocalFailure recognises the messages the pipeline writes', () => {
  it('expdp not found (pre-flight, or expdp that could not be started)', () => {
    expect(classifyLocalFailure('expdp client: expdp is not on PATH; set oracle-home or ORACLE_HOME')).toBe(
      'EXPDP-NOT-FOUND',
    );
    expect(
      classifyLocalFailure('expdp client: no executable bin/expdp under oracle-home "/opt/oracle"'),
    ).toBe('EXPDP-NOT-FOUND');
    const spawnFailed = {
      severity: 'error' as const,
      code: 'EXIT-CODE',
      message:
        'expdp exited with code 1 and wrote no log: cannot run /opt/oracle/bin/expdp: spawn /opt/oracle/bin/expdp ENOENT',
      advice: 'Run expdp by hand.',
    };
    expect(localFailureOf(spawnFailed)).toBe('EXPDP-NOT-FOUND');
    // Any other exit of expdp keeps the exporter's own advice.
    expect(
      localFailureOf({
        ...spawnFailed,
        message: 'expdp exited with code 1: error while loading shared libraries',
      }),
    ).toBeUndefined();
  });

  it('disk full, wherever it happens', () => {
    expect(classifyLocalFailure(`work-dir: ${describeFolderError('/backup', errno('ENOSPC'))}`)).toBe(
      'DISK-FULL',
    );
    expect(classifyLocalFailure(describeFolderError('/mnt/share', errno('EDQUOT')), 'share')).toBe(
      'DISK-FULL',
    );
    expect(classifyLocalFailure('disk space: 0 B free at /backup')).toBe('DISK-FULL');
    expect(classifyLocalFailure('archive a.zip failed: ENOSPC: no space left on device, write')).toBe(
      'DISK-FULL',
    );
    expect(
      classifyLocalFailure('remote disk full at /upload: 1.0 MiB free, a.zip needs 2.0 GiB (ENOSPC)', 'sftp'),
    ).toBe('DISK-FULL');
  });

  it('a network share that cannot be reached', () => {
    expect(classifyLocalFailure(describeFolderError('\\\\nas\\backup', errno('EHOSTDOWN')), 'share')).toBe(
      'SHARE-UNREACHABLE',
    );
    expect(
      classifyLocalFailure(`copy-to //nas/backup: ${describeFolderError('//nas/backup', errno('ENOENT'))}`),
    ).toBe('SHARE-UNREACHABLE');
    expect(
      classifyLocalFailure(
        'copy-to /mnt/nas: copy-to folder /mnt/nas does not exist (is the share mounted?); ' +
          'the action never creates a destination folder',
      ),
    ).toBe('SHARE-UNREACHABLE');
    expect(classifyLocalFailure(describeFolderError('/mnt/nas', errno('ETIMEDOUT')), 'share')).toBe(
      'SHARE-UNREACHABLE',
    );
    expect(classifyLocalFailure(describeFolderError('/mnt/nas', errno('EACCES')), 'share')).toBe(
      'PERMISSION-DENIED',
    );
  });

  it('an SFTP server that refuses, and a host key that does not match', () => {
    const refused = describeConnectionError(errno('ECONNREFUSED'), sftp, 20_000).message;
    const login = describeConnectionError(
      Object.assign(new Error('All configured authentication methods failed'), {
        level: 'client-authentication',
      }),
      sftp,
      20_000,
    ).message;
    const hostKey = describeConnectionError(new Error('x'), sftp, 20_000, {
      type: 'ssh-ed25519',
      fingerprint: 'SHA256:' + 'B'.repeat(43),
    }).message;
    expect(classifyLocalFailure(refused, 'sftp')).toBe('SFTP-REFUSED');
    expect(classifyLocalFailure(login, 'sftp')).toBe('SFTP-REFUSED');
    expect(classifyLocalFailure(`sftp backup@files.example.com:/upload: ${refused}`)).toBe('SFTP-REFUSED');
    expect(classifyLocalFailure(hostKey)).toBe('SFTP-HOST-KEY');
  });

  it('an SMTP server that refuses', () => {
    for (const error of [
      errno('ECONNREFUSED'),
      Object.assign(new Error('Invalid login'), { code: 'EAUTH' }),
    ]) {
      const message = describeSmtpError(error, smtp).message;
      expect(classifyLocalFailure(`e-mail report not sent: ${message}`)).toBe('SMTP-REFUSED');
      expect(classifyLocalFailure(`smtp mail.example.com:587: ${message}`)).toBe('SMTP-REFUSED');
    }
  });

  it('leaves alone what it does not know, and a path that only looks like a keyword', () => {
    expect(classifyLocalFailure('archive a.zip failed: CRC mismatch in HR.dmp')).toBeUndefined();
    expect(classifyLocalFailure('dump-path: folder not found: /u01/dpdump (ENOENT)')).toBeUndefined();
    expect(
      classifyLocalFailure('copy of a.zip to /mnt/smtp-files failed: source changed', 'share'),
    ).toBeUndefined();
  });
});

describe('adviceFor', () => {
  const preflight = {
    severity: 'error' as const,
    code: 'PREFLIGHT',
    message: 'expdp client: expdp is not on PATH; set oracle-home or ORACLE_HOME',
    advice: 'Fix the folder or path named here; the check runs again at the start of every run.',
  };

  it('gives broad findings the table advice in the report language', () => {
    expect(adviceFor(preflight, 'en')).toBe(describeLocalFailure('EXPDP-NOT-FOUND', 'en').advice);
    expect(adviceFor(preflight, 'pt-BR')).toBe(describeLocalFailure('EXPDP-NOT-FOUND', 'pt-BR').advice);
    expect(adviceFor({ ...preflight, code: 'DISK-FULL', message: 'x' }, 'es')).toBe(
      describeLocalFailure('DISK-FULL', 'es').advice,
    );
  });

  it('keeps the advice of Oracle findings and of unknown local ones', () => {
    const oracle = {
      ...preflight,
      code: 'ORA-39095',
      message: 'dump file space exhausted (ENOSPC)',
      advice: 'Free space.',
    };
    expect(adviceFor(oracle, 'es')).toBe('Free space.');
    const unknown = { ...preflight, message: 'dump-path: /x is not a folder' };
    expect(adviceFor(unknown, 'pt-BR')).toBe(preflight.advice);
  });
});
