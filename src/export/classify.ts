// Decides what one expdp run achieved. expdp's contract: exit 0 = EX_SUCC, 5 = EX_SUCC_ERR (completed with
// errors), 1 = EX_FAIL; but an exit code alone is never trusted, the final `Job ...` line must agree with it.
import type {
  ExportClassification,
  Finding,
  OracleMessage,
  ParsedExpdpLog,
  ProcessResult,
  SchemaOutcome,
  TableErrorStack,
} from '../types.js';
import { formatDuration } from '../settings/parse.js';
import { causeRank, describeCode, isCredentialCode, isGenericCode } from './oracle-messages.js';
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
  /** Index of the first occurrence among all messages: where its finding goes in the list. */
  first: number;
  /** Index of the last occurrence among all messages: causes come last in Oracle's error stacks. */
  last: number;
}

/** Each code once, in order of appearance; holes (undefined) keep the other messages' indices. */
function distinctCodes(messages: (OracleMessage | undefined)[]): CodeSeen[] {
  const byCode = new Map<string, CodeSeen>();
  messages.forEach((message, index) => {
    if (!message || CONTEXT_CODES.has(message.code)) return;
    const seen = byCode.get(message.code) ?? { code: message.code, texts: [], first: index, last: index };
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

/**
 * Table names for a reason or a finding: the first MAX_LISTED, then what is left out and where to find it, since
 * a bare "and 3 more" leaves the DBA guessing. The report JSON lists every skipped table (`skippedTables`).
 */
function listNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  const rest = names.length - MAX_LISTED;
  return rest > 0 ? `${shown} and ${plural(rest, 'more table')} (listed in the report JSON)` : shown;
}

// Lines of a call stack a dying process prints below its error: PL/SQL (`----- PL/SQL Call Stack -----`, its
// column headings and `0x1f6df7a08  27116  package body SYS.KUPW$WORKER` frames), Java (`at pkg.Class.method(...)`)
// and C (`#3 0x00007f... in kpufch ()`) frames. They say where, not what: never the reason.
const TRACE_LINE =
  /^(?:-{3,}.*-{3,}|object\s+line\s+object|handle\s+number\s+name|0x[0-9a-f]+\s+\d+\s+\S.*|at\s+[\w$.<>]+\(.*\)|#\d+\s+0x[0-9a-f]+.*|\.{3}\s*\d+\s+more)$/i;

/** The last line of the output that says something (stderr first), call-stack frames left out. */
function lastOutputLine(result: ProcessResult): string | undefined {
  for (const stream of [result.stderr, result.stdout]) {
    const lines = (stream ?? '').split(/\r\n|\r|\n/).map((l) => l.trim());
    const last = lines.filter((l) => l !== '' && !TRACE_LINE.test(l)).pop();
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
 * The most specific explanation (causeRank): a known fatal code beats an unknown one, which beats a known
 * non-fatal one, which beats wrappers such as ORA-39002 or a dying worker's ORA-39014; among equals the last, as
 * Oracle prints the cause at the bottom of a stack.
 */
function bestCause(codes: CodeSeen[]): { seen: CodeSeen; reason: string } | undefined {
  const score = (seen: CodeSeen): number => causeRank(seen.code);
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

/**
 * Non-wrapper codes for "completed with N error(s): ...", the most telling first (causeRank: a code Oracle's table
 * here does not know before a known warning), else in order of appearance.
 */
function causesOf(codes: CodeSeen[]): string {
  let causes = codes.filter((c) => !isGenericCode(c.code));
  if (causes.length === 0) causes = codes.filter((c) => c.code !== 'ORA-31693');
  causes = [...causes].sort((a, b) => causeRank(b.code) - causeRank(a.code));
  const shown = causes.slice(0, 3).map(codeWithMeaning);
  if (causes.length > 3) shown.push(`and ${plural(causes.length - 3, 'more code')} in the expdp log`);
  return shown.join('; ');
}

function unknownCodeAdvice(code: string): string {
  return (
    "Look the code up in Oracle's error messages" +
    (code.startsWith('ORA-') ? ` (https://docs.oracle.com/error-help/db/${code.toLowerCase()}/)` : '') +
    ' and read the lines around it in the expdp log.'
  );
}

function codeFindings(codes: CodeSeen[], log: ParsedExpdpLog, outcome: SchemaOutcome): Finding[] {
  return codes.map((seen) => {
    const described = describeCode(seen.code);
    // Only the first text is shown; say how many others the code had and where they are, not a bare "+1 more".
    const others = seen.texts.length - 1;
    const extra =
      others > 0 ? ` (and ${plural(others, 'more message')} with this code in the expdp log)` : '';
    const text = seen.texts[0] ?? '';
    if (!described) {
      return {
        severity: outcome === 'failed' ? 'error' : 'warning',
        code: seen.code,
        message: `${clip(text || seen.code)}${extra}`,
        advice: unknownCodeAdvice(seen.code),
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

/**
 * The table error stacks of a log, one per distinct list of codes (two tables skipped for the same reason are one
 * problem), in order of appearance, with the tables each names.
 */
function tableErrorGroups(
  stacks: TableErrorStack[],
): { codes: CodeSeen[]; objects: string[]; first: number }[] {
  const groups = new Map<string, { codes: CodeSeen[]; objects: string[]; first: number }>();
  for (const stack of stacks) {
    const codes = distinctCodes(stack.messages);
    const key = codes.map((c) => c.code).join(' ');
    const group = groups.get(key) ?? { codes, objects: [], first: stack.first };
    for (const seen of codes) {
      const known = group.codes.find((c) => c.code === seen.code)!;
      for (const text of seen.texts) if (!known.texts.includes(text)) known.texts.push(text);
    }
    if (stack.object && !group.objects.includes(stack.object)) group.objects.push(stack.object);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * One finding for an ORA-31693 → ORA-02354 → cause stack: the skip, the export error and its cause are one
 * problem, so the finding names the tables and the root cause (bestCause of the stack), takes the root cause's
 * advice, and keeps the whole chain in its message (`ORA-31693 ← ORA-02354 ← ORA-01555`) and in `codes`.
 */
function tableErrorFinding(group: { codes: CodeSeen[]; objects: string[] }, outcome: SchemaOutcome): Finding {
  const root = bestCause(group.codes)!.seen;
  const described = describeCode(root.code);
  const chain = group.codes.map((c) => c.code).join(' ← ');
  const tables = group.objects.length > 0 ? listNames(group.objects) : 'a table';
  const why = described ? described.meaning : clip(root.texts[0] ?? root.code);
  const severity = described
    ? described.fatal
      ? 'error'
      : 'warning'
    : outcome === 'failed'
      ? 'error'
      : 'warning';
  return {
    severity,
    code: root.code,
    codes: group.codes.map((c) => c.code),
    message: `table data of ${tables} skipped: ${why} (${chain})`,
    advice: described?.advice ?? unknownCodeAdvice(root.code),
  };
}

/** The outcome of one schema's export, with a one-line reason and what to do about each problem found. */
export function classifyExport(input: ClassifyInput): ExportClassification {
  const messages = input.log.messages ?? [];
  const codes = distinctCodes(messages);
  const { outcome, reason, extra } = decide(input, codes);
  // Messages of a table's error stack become one finding for the stack; the others one finding per code.
  const stacks = input.log.tableErrors ?? [];
  const inStack = new Set(stacks.flatMap((s) => s.messages.map((_, i) => s.first + i)));
  const single = distinctCodes(messages.map((m, i) => (inStack.has(i) ? undefined : m)));
  const located = [
    ...tableErrorGroups(stacks).map((g) => ({ at: g.first, finding: tableErrorFinding(g, outcome) })),
    ...codeFindings(single, input.log, outcome).map((finding, i) => ({ at: single[i]!.first, finding })),
  ].sort((a, b) => a.at - b.at);
  return { outcome, reason, findings: [...extra, ...located.map((l) => l.finding)] };
}

/**
 * ignore-codes: findings with an ignored code are kept, marked ignored; a schema whose every finding is ignored is
 * a success. Failures never change (fatal codes cannot be ignored, and a failed export is not made good by it).
 * A table's error stack (one finding for ORA-31693, ORA-02354 and the cause) is ignored only when every code of it
 * is listed: before the stack was one finding, each of its codes was a finding that had to be ignored for the
 * schema to become a success, and listing ORA-31693 alone must not hide a cause such as ORA-01555.
 */
export function applyIgnoreCodes(
  verdict: ExportClassification,
  ignoreCodes: readonly string[] | undefined,
): ExportClassification {
  if (!ignoreCodes || ignoreCodes.length === 0) return verdict;
  const ignore = new Set(ignoreCodes.map((code) => code.toUpperCase()));
  const findings = verdict.findings.map((f) =>
    (f.codes ?? [f.code]).every((code) => ignore.has(code)) && f.severity === 'warning'
      ? { ...f, ignored: true, message: `${f.message} (ignored: listed in ignore-codes)` }
      : f,
  );
  const ignored = findings.filter((f) => f.ignored).map((f) => f.code);
  if (verdict.outcome === 'warning' && ignored.length > 0 && ignored.length === findings.length) {
    return { outcome: 'success', reason: `completed; ignored messages: ${ignored.join(', ')}`, findings };
  }
  return { ...verdict, findings };
}
