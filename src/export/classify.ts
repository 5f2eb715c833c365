// Decides what one expdp run achieved. expdp's contract: exit 0 = EX_SUCC, 5 = EX_SUCC_ERR (completed with
// errors), 1 = EX_FAIL; but an exit code alone is never trusted, the final `Job ...` line must agree with it.
import type {
  ExportClassification,
  Finding,
  OracleMessage,
  ParsedExpdpLog,
  ProcessResult,
  SchemaOutcome,
} from '../types.js';
import { formatDuration } from '../settings/parse.js';
import { describeCode, isCredentialCode, isGenericCode } from './oracle-messages.js';
import type { JobStopReport } from './expdp-process.js';

export interface ClassifyInput {
  process: ProcessResult;
  log: ParsedExpdpLog;
  /** Whether the log file itself was found (the text may come from stdout/stderr only). */
  logFound: boolean;
  schema: string;
  timeoutMs: number;
  /** What stopping the server-side job did after a timeout or a cancellation. */
  jobStop?: JobStopReport;
}

// Call-stack lines: context for the error above them, never a finding of their own.
const CONTEXT_CODES = new Set(['ORA-06512']);
const MAX_LISTED = 5;
const MAX_TEXT = 200;

interface CodeSeen {
  code: string;
  /** Distinct texts, in order. */
  texts: string[];
  /** Index of the last occurrence among all messages: causes come last in Oracle's error stacks. */
  last: number;
}

function distinctCodes(messages: OracleMessage[]): CodeSeen[] {
  const byCode = new Map<string, CodeSeen>();
  messages.forEach((message, index) => {
    if (CONTEXT_CODES.has(message.code)) return;
    const seen = byCode.get(message.code) ?? { code: message.code, texts: [], last: index };
    if (message.text && !seen.texts.includes(message.text)) seen.texts.push(message.text);
    seen.last = index;
    byCode.set(message.code, seen);
  });
  return [...byCode.values()];
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function listNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

function lastOutputLine(result: ProcessResult): string | undefined {
  for (const stream of [result.stderr, result.stdout]) {
    const lines = (stream ?? '').split(/\r\n|\r|\n/).map((l) => l.trim());
    const last = lines.filter((l) => l !== '').pop();
    if (last) return clip(last);
  }
  return undefined;
}

/** `ORA-01555 snapshot too old`, or the code with Oracle's own text when the code is not in the table. */
function codeWithMeaning(seen: CodeSeen): string {
  const described = describeCode(seen.code);
  return described ? `${seen.code} ${described.meaning}` : `${seen.code} ${clip(seen.texts[0] ?? '')}`.trim();
}

/**
 * The most specific explanation: a known fatal code beats an unknown one, which beats a known non-fatal
 * one, which beats wrappers such as ORA-39002; among equals the last, as Oracle prints the cause at the
 * bottom of a stack.
 */
function bestCause(codes: CodeSeen[]): { seen: CodeSeen; reason: string } | undefined {
  const score = (seen: CodeSeen): number => {
    const described = describeCode(seen.code);
    if (!described) return 3;
    if (isGenericCode(seen.code)) return described.fatal ? 1 : 0;
    return described.fatal ? 4 : 2;
  };
  let best: CodeSeen | undefined;
  for (const seen of codes) {
    if (!best || score(seen) > score(best) || (score(seen) === score(best) && seen.last > best.last))
      best = seen;
  }
  if (!best) return undefined;
  const described = describeCode(best.code);
  const reason = described
    ? `${described.meaning} (${best.code})`
    : `${best.code}: ${clip(best.texts[0] ?? 'no message text')}`;
  return { seen: best, reason };
}

/** Non-wrapper codes, in order of appearance, for "completed with N error(s): ...". */
function causesOf(codes: CodeSeen[]): string {
  let causes = codes.filter((c) => !isGenericCode(c.code));
  if (causes.length === 0) causes = codes.filter((c) => c.code !== 'ORA-31693');
  const shown = causes.slice(0, 3).map(codeWithMeaning);
  if (causes.length > 3) shown.push(`${causes.length - 3} more`);
  return shown.join('; ');
}

function codeFindings(codes: CodeSeen[], log: ParsedExpdpLog, outcome: SchemaOutcome): Finding[] {
  return codes.map((seen) => {
    const described = describeCode(seen.code);
    const extra = seen.texts.length > 1 ? ` (+${seen.texts.length - 1} more)` : '';
    const text = seen.texts[0] ?? '';
    if (!described) {
      return {
        severity: outcome === 'failed' ? 'error' : 'warning',
        code: seen.code,
        message: `${clip(text || seen.code)}${extra}`,
        advice:
          "Look the code up in Oracle's error messages" +
          (seen.code.startsWith('ORA-')
            ? ` (https://docs.oracle.com/error-help/db/${seen.code.toLowerCase()}/)`
            : '') +
          ' and read the lines around it in the expdp log.',
      };
    }
    let message = described.meaning;
    if (seen.code === 'ORA-31693' && log.skippedTables.length > 0) {
      message += `: ${listNames(log.skippedTables)}`;
    } else if (text) {
      // Oracle's text often says the same more precisely ("snapshot too old: rollback segment number 9 ...").
      const redundant = text.toLowerCase().includes(described.meaning.toLowerCase());
      message = `${redundant ? '' : `${message}: `}${clip(text)}${extra}`;
    }
    return {
      severity: described.fatal ? 'error' : 'warning',
      code: seen.code,
      message,
      advice: described.advice,
    };
  });
}

function jobLabel(log: ParsedExpdpLog): string {
  return log.jobOwner && log.jobName ? `${log.jobOwner}.${log.jobName}` : 'the job';
}

interface Decision {
  outcome: SchemaOutcome;
  reason: string;
  /** Findings that come from the run itself rather than from a message code; listed first. */
  extra: Finding[];
}

function decide(input: ClassifyInput, codes: CodeSeen[]): Decision {
  const { process: proc, log, logFound, schema, timeoutMs } = input;
  const failed = (reason: string, ...extra: Finding[]): Decision => ({ outcome: 'failed', reason, extra });
  const limit = formatDuration(timeoutMs);
  const stop = input.jobStop;
  const stopped = stop?.gone ? `; ${stop.detail}` : '';
  const stillRunning =
    `The server-side job may still run: check DBA_DATAPUMP_JOBS for ${jobLabel(log)} and stop it ` +
    `(expdp ATTACH=${log.jobName ?? 'JOB'}, then KILL_JOB)` +
    (stop ? ` — stopping it failed: ${stop.detail}` : '');
  const timeoutFinding: Finding = {
    severity: 'error',
    code: 'TIMEOUT',
    message: `the export of ${schema} did not finish within ${limit}${stopped}`,
    advice: stop?.gone
      ? 'Raise the timeout if the export is simply slow, or look for what held it up (locks, undo, I/O).'
      : `${stillRunning}; raise the timeout if the export is simply slow.`,
  };

  // Wrong credentials first: the re-prompt is also what makes a client hang until its time limit.
  const credential = codes.find((c) => c.code === 'ORA-01017') ?? codes.find((c) => isCredentialCode(c.code));
  if (credential || log.reprompted) {
    const extra: Finding[] = [];
    if (!credential) {
      extra.push({
        severity: 'error',
        code: 'REPROMPT',
        message: 'invalid username/password: expdp asked for the username again',
        advice: describeCode('ORA-01017')?.advice ?? '',
      });
    }
    let reason = `invalid username/password (${credential ? credential.code : 'expdp asked for the username again'})`;
    if (proc.timedOut) {
      reason += `; expdp then waited at the prompt until it timed out after ${limit}`;
      extra.push(timeoutFinding);
    }
    return failed(reason, ...extra);
  }

  // What happened to the server-side job, for the reason.
  const jobWords = stop?.gone
    ? stop.found
      ? '; its Data Pump job was stopped on the server'
      : '; no Data Pump job had started on the server'
    : '';
  if (proc.timedOut) return failed(`timed out after ${limit}${jobWords}`, timeoutFinding);

  if (proc.cancelled) {
    return failed(`cancelled${jobWords}`, {
      severity: 'error',
      code: 'CANCELLED',
      message: `the run was cancelled during the export of ${schema}${stopped}`,
      advice: stop?.gone
        ? 'Run the backup again when it suits.'
        : `${stillRunning}; the post step tries again.`,
    });
  }

  if (proc.exitCode === null && proc.signal) {
    return failed(`expdp was killed by ${proc.signal}`, {
      severity: 'error',
      code: 'KILLED',
      message: `expdp was killed by ${proc.signal} before it finished`,
      advice:
        `The server-side job may still run: check DBA_DATAPUMP_JOBS for ${jobLabel(log)} and stop it ` +
        'if it is not wanted; look for what killed the client (runner cancellation, out of memory).',
    });
  }

  const cause = bestCause(codes);
  const end = log.jobEnd;

  if (end?.kind === 'stopped') {
    if (cause) return failed(cause.reason);
    return failed('the Data Pump job stopped due to fatal error without an error code', {
      severity: 'error',
      code: 'JOB-STOPPED',
      message: end.line,
      advice:
        'Someone or something stopped the job on the server (STOP_JOB, KILL_JOB, instance shutdown): check the ' +
        'database alert log, then run the backup again.',
    });
  }

  if (cause && describeCode(cause.seen.code)?.fatal) return failed(cause.reason);

  const exit = proc.exitCode;
  if (exit !== 0 && exit !== 5) {
    if (cause) return failed(cause.reason);
    const last = lastOutputLine(proc);
    const what = exit === null ? 'expdp ended without an exit code' : `expdp exited with code ${exit}`;
    const reason = `${what}${logFound ? '' : ' and wrote no log'}${last ? `: ${last}` : ''}`;
    return failed(reason, {
      severity: 'error',
      code: 'EXIT-CODE',
      message: reason,
      advice:
        'Run expdp by hand with the same parameters on the runner to see the error; check that the expdp found ' +
        'is the one of the Oracle home and that its libraries load.',
    });
  }

  if (!end) {
    const detail = cause ? `: ${cause.reason}` : '';
    const reason = `expdp exited with code ${exit} but reported no completed job${logFound ? '' : ' and wrote no log'}${detail}`;
    return failed(reason, {
      severity: 'error',
      code: 'NO-JOB-LINE',
      message: `no "Job ... completed" line in the output of the export of ${schema}`,
      advice:
        "The export's outcome is unknown, so the dump is not trusted: read the expdp log and output, and check " +
        'DBA_DATAPUMP_JOBS for a job still running.',
    });
  }

  if (end.kind === 'completed-with-errors') {
    const parts = [`completed with ${end.errorCount} error(s)`];
    if (log.skippedTables.length > 0) {
      parts.push(`${plural(log.skippedTables.length, 'table')} skipped (${listNames(log.skippedTables)})`);
    }
    const causes = causesOf(codes);
    if (causes) parts.push(causes);
    return { outcome: 'warning', reason: parts.join(': '), extra: [] };
  }

  // A "successfully completed" job.
  if (exit === 5) {
    const causes = causesOf(codes);
    return {
      outcome: 'warning',
      reason: `expdp exited with code 5 (errors logged) although the job completed${causes ? `: ${causes}` : ''}`,
      extra: [],
    };
  }
  if (codes.length > 0) {
    return { outcome: 'warning', reason: `completed with warnings: ${causesOf(codes)}`, extra: [] };
  }
  const rows = log.tables.reduce((sum, t) => sum + t.rows, 0);
  const files = log.dumpFiles.length > 0 ? ` in ${plural(log.dumpFiles.length, 'dump file')}` : '';
  return {
    outcome: 'success',
    reason: `completed: ${plural(log.tables.length, 'table')}, ${plural(rows, 'row')}${files}`,
    extra: [],
  };
}

/** The outcome of one schema's export, with a one-line reason and what to do about each problem found. */
export function classifyExport(input: ClassifyInput): ExportClassification {
  const codes = distinctCodes(input.log.messages ?? []);
  const { outcome, reason, extra } = decide(input, codes);
  return { outcome, reason, findings: [...extra, ...codeFindings(codes, input.log, outcome)] };
}

/**
 * ignore-codes: findings with an ignored code are kept, marked ignored; a schema whose every finding is ignored is
 * a success. Failures never change (fatal codes cannot be ignored, and a failed export is not made good by it).
 */
export function applyIgnoreCodes(
  verdict: ExportClassification,
  ignoreCodes: readonly string[] | undefined,
): ExportClassification {
  if (!ignoreCodes || ignoreCodes.length === 0) return verdict;
  const ignore = new Set(ignoreCodes.map((code) => code.toUpperCase()));
  const findings = verdict.findings.map((f) =>
    ignore.has(f.code) && f.severity === 'warning'
      ? { ...f, ignored: true, message: `${f.message} (ignored: listed in ignore-codes)` }
      : f,
  );
  const ignored = findings.filter((f) => f.ignored).map((f) => f.code);
  if (verdict.outcome === 'warning' && ignored.length > 0 && ignored.length === findings.length) {
    return { outcome: 'success', reason: `completed; ignored messages: ${ignored.join(', ')}`, findings };
  }
  return { ...verdict, findings };
}
