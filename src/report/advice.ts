// What to do about failures on the runner's side — the counterpart of oracle-messages.ts, which covers the
// ORA-/UDE-/LRM-/EXP- codes. Each local failure has a finding code, and its meaning and fix in every report
// language (i18n.ts, `advice.*`).
//
// How a finding gets this advice:
// - a finding whose code is one of LOCAL_FAILURE_CODES (made with `localFailureFinding`) always does;
// - a finding with one of the pipeline's broad codes (PREFLIGHT, COPY, ARCHIVE, EMAIL, ...) does when its message
//   is recognised (`classifyLocalFailure`: ENOSPC, "folder not reachable", "expdp is not on PATH", ...);
// - any other finding (Oracle codes, TIMEOUT, ...) keeps the advice the pipeline wrote.
// `adviceFor` applies these rules; the summary uses it for every finding it shows.
import type { Finding } from '../types.js';
import { t, type MessageKey, type ReportLanguage } from './i18n.js';

export const LOCAL_FAILURE_CODES = [
  'EXPDP-NOT-FOUND',
  'DISK-FULL',
  'SHARE-UNREACHABLE',
  'PERMISSION-DENIED',
  'SFTP-REFUSED',
  'SFTP-HOST-KEY',
  'SMTP-REFUSED',
] as const;
export type LocalFailureCode = (typeof LOCAL_FAILURE_CODES)[number];

const KEYS = {
  'EXPDP-NOT-FOUND': ['advice.expdpNotFound.meaning', 'advice.expdpNotFound.fix'],
  'DISK-FULL': ['advice.diskFull.meaning', 'advice.diskFull.fix'],
  'SHARE-UNREACHABLE': ['advice.shareUnreachable.meaning', 'advice.shareUnreachable.fix'],
  'PERMISSION-DENIED': ['advice.permissionDenied.meaning', 'advice.permissionDenied.fix'],
  'SFTP-REFUSED': ['advice.sftpRefused.meaning', 'advice.sftpRefused.fix'],
  'SFTP-HOST-KEY': ['advice.sftpHostKey.meaning', 'advice.sftpHostKey.fix'],
  'SMTP-REFUSED': ['advice.smtpRefused.meaning', 'advice.smtpRefused.fix'],
} as const satisfies Record<LocalFailureCode, readonly [MessageKey, MessageKey]>;

/**
 * The pipeline's broad finding codes whose message may name a local failure. Findings with other codes (Oracle
 * messages, TIMEOUT, LOCKED...) carry specific advice already and are left alone.
 */
export const BROAD_CODES: readonly string[] = [
  'PREFLIGHT',
  'COPY',
  'ARCHIVE',
  'EMAIL',
  'LOG-DIR',
  'CLEANUP',
  'EXIT-CODE',
];

export function isLocalFailureCode(code: string): code is LocalFailureCode {
  return (LOCAL_FAILURE_CODES as readonly string[]).includes(code);
}

export interface LocalFailureDescription {
  /** Short words, usable inside a sentence. */
  meaning: string;
  /** What to do, concretely. */
  advice: string;
}

export function describeLocalFailure(
  code: LocalFailureCode,
  lang: ReportLanguage = 'en',
): LocalFailureDescription {
  const [meaning, advice] = KEYS[code];
  return { meaning: t(lang, meaning), advice: t(lang, advice) };
}

/** Where the failure happened, when the caller knows: narrows what a message can mean. */
export type FailureSite = 'expdp' | 'folder' | 'share' | 'sftp' | 'smtp';

const DISK_FULL = /\bENOSPC\b|\bEDQUOT\b|disk full|quota exceeded|no space left|^disk space: 0 B free/i;
const PERMISSION = /permission denied|\bEACCES\b|\bEPERM\b|\bEROFS\b|read-only file system/i;
const UNREACHABLE =
  /not reachable|\b(?:EHOSTDOWN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ESTALE)\b|stale file handle/i;
const EXPDP_MISSING =
  /expdp is not on PATH|no executable bin\/expdp|\bno (?:expdp|exp)(?: or exp)? (?:under|on PATH)|spawn \S*\b(?:expdp|exp)(?:\.exe)? ENOENT/i;
const SFTP_REFUSED =
  /refused|authentication failed|cannot connect|no SSH handshake|stopped answering|\b(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN)\b/i;

/** Where a message comes from, by the way the pipeline's messages start or what they name. */
function siteOf(text: string): FailureSite | undefined {
  if (/^smtp\s|\bSMTP server\b/i.test(text)) return 'smtp';
  if (/^sftp\s|host key (?:mismatch|not checked)/i.test(text)) return 'sftp';
  if (/^(?:expdp client|export tool):/i.test(text) || EXPDP_MISSING.test(text)) return 'expdp';
  if (/^copy-to\s/i.test(text)) return 'share';
  return undefined;
}

/**
 * The local failure a message describes, judged by the words the pipeline's own messages use (deliver/folder.ts,
 * deliver/sftp-session.ts, deliver/sftp.ts, preflight.ts, email.ts); undefined when it is none of them. `site`,
 * when known, says where it happened; otherwise it is read from the message.
 */
export function classifyLocalFailure(message: string, site?: FailureSite): LocalFailureCode | undefined {
  const text = message.trim();
  switch (site ?? siteOf(text)) {
    case 'smtp':
      return 'SMTP-REFUSED';
    case 'sftp':
      if (/host key (?:mismatch|not checked)/i.test(text)) return 'SFTP-HOST-KEY';
      if (DISK_FULL.test(text)) return 'DISK-FULL';
      if (SFTP_REFUSED.test(text)) return 'SFTP-REFUSED';
      if (PERMISSION.test(text)) return 'PERMISSION-DENIED';
      return undefined;
    case 'expdp':
      // Only a missing program is a local failure; anything else expdp says is Oracle's to explain.
      return EXPDP_MISSING.test(text) || /\bENOENT\b|not found/i.test(text) ? 'EXPDP-NOT-FOUND' : undefined;
    case 'share':
      if (DISK_FULL.test(text)) return 'DISK-FULL';
      if (UNREACHABLE.test(text) || /\bENOENT\b|not found|does not exist/i.test(text))
        return 'SHARE-UNREACHABLE';
      if (PERMISSION.test(text)) return 'PERMISSION-DENIED';
      return undefined;
    default:
      if (DISK_FULL.test(text)) return 'DISK-FULL';
      if (/folder not reachable/i.test(text)) return 'SHARE-UNREACHABLE';
      if (PERMISSION.test(text)) return 'PERMISSION-DENIED';
      return undefined;
  }
}

/** A finding for a local failure: its code, and the table's advice (in English, as the pipeline writes them). */
export function localFailureFinding(
  code: LocalFailureCode,
  message: string,
  severity: Finding['severity'] = 'error',
): Finding {
  return { severity, code, message, advice: describeLocalFailure(code).advice };
}

/**
 * A finding for a failure that may be local: the table's code and advice when the message is recognised, else
 * the fallback code and advice given.
 */
export function findingFor(
  message: string,
  fallback: { code: string; advice: string; severity?: Finding['severity'] },
  site?: FailureSite,
): Finding {
  const code = classifyLocalFailure(message, site);
  return code
    ? localFailureFinding(code, message, fallback.severity)
    : { severity: fallback.severity ?? 'error', code: fallback.code, message, advice: fallback.advice };
}

/** The local failure behind a finding, by its code or, for a broad code, by its message. */
export function localFailureOf(finding: Finding, site?: FailureSite): LocalFailureCode | undefined {
  if (isLocalFailureCode(finding.code)) return finding.code;
  // expdp's exit: only "could not be started" is local (spawn ENOENT).
  if (finding.code === 'EXIT-CODE') return classifyLocalFailure(finding.message, 'expdp');
  if (BROAD_CODES.includes(finding.code)) return classifyLocalFailure(finding.message, site);
  return undefined;
}

/** The advice a report shows for a finding, in `lang` when it comes from this table. */
export function adviceFor(finding: Finding, lang: ReportLanguage, site?: FailureSite): string {
  const code = localFailureOf(finding, site);
  return code ? describeLocalFailure(code, lang).advice : finding.advice;
}
