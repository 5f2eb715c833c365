// Legacy exp, the last resort (`export-tool: exp|auto`): its parfile (OWNER=, FILE=, LOG=, CONSISTENT=Y with
// client-side paths), its log and its verdict. Only the last line tells the outcome; exit codes differ by platform:
// 0 on Unix means success with or without warnings, 3 on Windows means warnings, 1 is failure.
import type { ExportClassification, ExportedTable, Finding, OracleMessage, ProcessResult } from '../types.js';
import { formatDuration } from '../settings/parse.js';
import { causeRank, describeCode, isCredentialCode, isGenericCode } from './oracle-messages.js';
import { useridLine } from './userid.js';

export interface ExpParfileSpec {
  username: string;
  password: string;
  connectString: string;
  schema: string;
  /** Full paths on the runner. */
  file: string;
  log: string;
  consistent: boolean;
}

/** A client-side path as a parfile value: double-quoted when it holds anything but plain path characters. */
function pathValue(file: string): string {
  if (file.includes('"'))
    throw new Error(`a path containing a double quote cannot be passed to exp: ${file}`);
  return /^[A-Za-z0-9_./:\\-]+$/.test(file) ? file : `"${file}"`;
}

export function buildExpParfile(spec: ExpParfileSpec, options: { maskPassword: boolean }): string {
  return (
    [
      useridLine(spec, { mask: options.maskPassword }),
      `OWNER=${spec.schema}`,
      `FILE=${pathValue(spec.file)}`,
      `LOG=${pathValue(spec.log)}`,
      ...(spec.consistent ? ['CONSISTENT=Y'] : []),
    ].join('\n') + '\n'
  );
}

export type ExpEnding = 'clean' | 'warnings' | 'failed';

export interface ParsedExpLog {
  /** `Export: Release 11.2.0.4.0 - Production ...` */
  release?: string;
  tables: ExportedTable[];
  messages: OracleMessage[];
  /** The last non-empty line. */
  lastLine?: string;
  /** What that last line says, when it is one of the three endings. */
  ending?: ExpEnding;
  /** exp asked `Username:` again (wrong credentials). */
  reprompted: boolean;
}

const TABLE_LINE = /^\.\s*\.\s+exporting\s+(?:table|partition)\s+(\S+)\s+(\d+)\s+rows?\s+exported/i;
const MESSAGE = /(?<![A-Za-z0-9_$#-])(ORA|EXP|LRM)-(\d{5})(?![\w.-])/g;

/** Reads exp's output (stderr, stdout and/or the LOG file; lines may repeat across them). */
export function parseExpLog(text: string, owner: string): ParsedExpLog {
  const parsed: ParsedExpLog = { tables: [], messages: [], reprompted: false };
  const seenTables = new Set<string>();
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.trim());
  for (const line of lines) {
    if (line === '') continue;
    parsed.lastLine = line;
    const release = /^Export:\s+Release\s+(\S+)/.exec(line);
    if (release) parsed.release ??= release[1];
    if (/(?:^|\s)Username:\s*/.test(line)) parsed.reprompted = true;
    const table = TABLE_LINE.exec(line);
    if (table && !seenTables.has(table[1]!)) {
      seenTables.add(table[1]!);
      parsed.tables.push({ owner, table: table[1]!, bytes: 0, rows: Number(table[2]) });
    }
    for (const m of line.matchAll(MESSAGE)) {
      const code = `${m[1]}-${m[2]}`;
      const after = line.slice((m.index ?? 0) + code.length).replace(/^:\s*/, '');
      parsed.messages.push({ code, text: after });
    }
  }
  const last = parsed.lastLine ?? '';
  if (/Export terminated successfully without warnings/i.test(last)) parsed.ending = 'clean';
  else if (/Export terminated successfully with warnings/i.test(last)) parsed.ending = 'warnings';
  else if (/EXP-00000|Export terminated unsuccessfully/i.test(last)) parsed.ending = 'failed';
  return parsed;
}

function findingOf(code: string, text: string, outcome: 'warning' | 'failed'): Finding {
  const described = describeCode(code);
  return {
    severity: described
      ? described.fatal
        ? 'error'
        : 'warning'
      : outcome === 'failed'
        ? 'error'
        : 'warning',
    code,
    message: described ? `${described.meaning}${text ? `: ${text}` : ''}` : text || code,
    advice: described?.advice ?? `Look ${code} up in Oracle's error messages and read the exp log around it.`,
  };
}

/**
 * The verdict of one exp run. The last line decides; the exit code must agree (0 for both successes on Unix, 3 for
 * warnings on Windows, 1 for failure). A timeout or a wrong password fails whatever the output says.
 */
export function classifyExp(input: {
  process: ProcessResult;
  log: ParsedExpLog;
  schema: string;
  timeoutMs: number;
}): ExportClassification {
  const { process: proc, log, schema } = input;
  const distinct = new Map<string, string>();
  for (const m of log.messages) if (!distinct.has(m.code)) distinct.set(m.code, m.text);
  // The most telling first (causeRank), else in order of appearance; the reason of a failure is the most telling
  // one printed last, as Oracle prints the cause at the bottom of a stack.
  const causes = [...distinct.entries()]
    .filter(([code]) => !isGenericCode(code))
    .sort(([a], [b]) => causeRank(b) - causeRank(a));
  const fail = (reason: string, ...extra: Finding[]): ExportClassification => ({
    outcome: 'failed',
    reason,
    findings: [...extra, ...[...distinct.entries()].map(([c, t]) => findingOf(c, t, 'failed'))],
  });
  const describe = (code: string, text: string) => `${describeCode(code)?.meaning ?? text} (${code})`;

  if (proc.timedOut || proc.cancelled) {
    const limit = formatDuration(input.timeoutMs);
    return fail(proc.cancelled ? 'cancelled' : `timed out after ${limit}`, {
      severity: 'error',
      code: proc.cancelled ? 'CANCELLED' : 'TIMEOUT',
      message: proc.cancelled
        ? `the export of ${schema} was cancelled; exp was stopped`
        : `the export of ${schema} did not finish within ${limit}; exp was stopped (its session ends with it)`,
      advice: proc.cancelled ? 'Run the backup again.' : 'Raise the timeout if the export is simply slow.',
    });
  }
  const credential = [...distinct.keys()].find((c) => isCredentialCode(c) || c === 'ORA-01017');
  if (credential || log.reprompted) return fail('invalid username/password (ORA-01017)');
  if (log.ending === 'failed' || proc.exitCode === 1 || (proc.exitCode !== 0 && proc.exitCode !== 3)) {
    const cause = causes.filter(([code]) => causeRank(code) === causeRank(causes[0]![0])).at(-1);
    if (cause) return fail(describe(cause[0], cause[1]));
    return fail(
      log.ending === 'failed'
        ? 'exp terminated unsuccessfully (EXP-00000)'
        : `exp exited with code ${proc.exitCode}${log.lastLine ? `: ${log.lastLine}` : ''}`,
    );
  }
  if (log.ending === 'warnings' || proc.exitCode === 3) {
    if (log.ending === 'clean')
      return {
        outcome: 'warning',
        reason: 'exp exited with code 3 (warnings) although its last line says without warnings',
        findings: [...distinct.entries()].map(([c, t]) => findingOf(c, t, 'warning')),
      };
    const what = causes.map(([c, t]) => describe(c, t)).join('; ');
    return {
      outcome: 'warning',
      reason: `completed with warnings${what ? `: ${what}` : ''}`,
      findings: [...distinct.entries()].map(([c, t]) => findingOf(c, t, 'warning')),
    };
  }
  if (log.ending !== 'clean')
    return fail(
      `exp exited with code ${proc.exitCode} but its last line is not an ending: ${log.lastLine ?? '(none)'}`,
      {
        severity: 'error',
        code: 'NO-ENDING',
        message: `exp did not print "Export terminated ..." for ${schema}`,
        advice: 'The outcome is unknown, so the dump is not trusted: read the exp log.',
      },
    );
  const rows = log.tables.reduce((n, t) => n + t.rows, 0);
  return {
    outcome: 'success',
    reason: `completed: ${log.tables.length} table(s), ${rows} row(s) (legacy exp)`,
    findings: [],
  };
}
