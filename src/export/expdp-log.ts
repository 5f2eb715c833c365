// Reads what expdp wrote: its log file and/or the client's stdout+stderr. The caller joins them, so every
// line can come twice; tables, dump files and skipped tables are de-duplicated, messages are kept as found.
import type { ExportedTable, OracleMessage, ParsedExpdpLog, TableErrorStack } from '../types.js';

// LOGTIME=ALL: `02-MAY-25 17:08:31.503: `. Month names follow NLS_DATE_LANGUAGE, hence any letters.
const LOGTIME_PREFIX = /^\d{1,2}-[\p{L}.]{2,12}-\d{2,4} \d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?:\s*/u;
// METRICS=YES: the worker number, `W-1 `.
const WORKER_PREFIX = /^W-\d+\s+/;

const RELEASE = /^Export:\s+Release\s+(\S+)/;
const CONNECTED = /^Connected to:\s*(.*)$/;
const STARTING = /^Starting\s+"([^"]*)"\."([^"]*)"/;
const MASTER_TABLE = /^Master table\s+"([^"]*)"\."([^"]*)"/;
const JOB_LINE = /^Job\s+"([^"]*)"\."([^"]*)"\s+(.*)$/;
const DUMP_SET = /^Dump file set for\s+\S.*\bis:?$/;
// `. . exported "HR"."EMPLOYEES"   17.19 KB   110 rows`, partitions `"HH"."EXPENSES":"SYS_P806"`, old
// releases may print bare bytes; METRICS adds `in 1 seconds using direct_path`, which is ignored.
const ROW_LINE =
  /^\.\s*\.\s+exported\s+"([^"]*)"\."([^"]*)"(?::"([^"]*)")?\s+(\d+(?:[.,]\d+)?)\s*(bytes?|[KMGT]?B|[KMGT])?\s+(\d+)\s+rows?\b/i;
const SIZE = /^(\d+(?:[.,]\d+)?)\s*(bytes?|[KMGT]?B|[KMGT])?$/i;
// Unix, Windows drive, UNC and ASM (`+DATA/...`) paths: the only lines of a dump file set.
const PATH_LINE = /^(?:\/|[A-Za-z]:[\\/]|\\\\|\+[A-Za-z])\S/;
const MESSAGE_CODE = /(?<![A-Za-z0-9_$#-])(ORA|UDE|UDI|LRM|EXP|OSD|KUP)-(\d{5})(?![\w.-])/g;
const QUOTED_OBJECT = /"([^"]*)"\."([^"]*)"(?::"([^"]*)")?/;
// A wrong password makes the client ask again; with stdin closed the next output may follow on the same line.
const PROMPT = /(?:^(?:Username|Password):)|(?:(?:^|\s)(?:Username|Password):\s*$)/;

const UNIT_FACTORS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/**
 * Bytes of an Oracle size such as `17.19 KB`, `2 MB`, `0 KB` or `1234` (KB = 1024), rounded to an integer;
 * NaN when the text is not a size.
 */
export function parseOracleSize(text: string): number {
  if (typeof text !== 'string') return Number.NaN;
  const match = SIZE.exec(text.trim());
  if (!match) return Number.NaN;
  return sizeToBytes(match[1] ?? '', match[2] ?? '');
}

function sizeToBytes(amount: string, unit: string): number {
  const value = Number(amount.replace(',', '.'));
  const upper = unit.toUpperCase();
  const factor = upper.startsWith('BYTE') ? 1 : (UNIT_FACTORS[upper.charAt(0)] ?? Number.NaN);
  return Math.round(value * factor);
}

/** Strips LOGTIME and METRICS prefixes and surrounding blanks. */
function cleanLine(raw: string): string {
  let line = raw.replace(/^\uFEFF/, '').trim();
  line = line.replace(LOGTIME_PREFIX, '');
  line = line.replace(WORKER_PREFIX, '');
  return line.trim();
}

function objectName(owner: string, table: string, partition?: string): string {
  return partition ? `${owner}.${table}:${partition}` : `${owner}.${table}`;
}

function jobEndOf(
  rest: string,
): { kind: 'completed' | 'completed-with-errors' | 'stopped'; errorCount: number } | undefined {
  const withErrors = /\bcompleted with (\d+) error/i.exec(rest);
  if (withErrors) {
    const errorCount = Number(withErrors[1]);
    return errorCount > 0
      ? { kind: 'completed-with-errors', errorCount }
      : { kind: 'completed', errorCount: 0 };
  }
  if (/\bsuccessfully completed\b/i.test(rest)) return { kind: 'completed', errorCount: 0 };
  // `stopped due to fatal error`, also when the job was stopped or killed from elsewhere.
  if (/\bstopped\b/i.test(rest)) return { kind: 'stopped', errorCount: 0 };
  // Other Job lines (`has been reopened`, `restarted`) do not end a job.
  return undefined;
}

function messagesOf(line: string): OracleMessage[] {
  const found: { code: string; start: number; end: number }[] = [];
  MESSAGE_CODE.lastIndex = 0;
  for (let match = MESSAGE_CODE.exec(line); match; match = MESSAGE_CODE.exec(line)) {
    found.push({ code: `${match[1]}-${match[2]}`, start: match.index, end: match.index + match[0].length });
  }
  // A message's text runs to the next code on the same line, or to the end of the line.
  return found.map((m, i) => ({
    code: m.code,
    text: line
      .slice(m.end, found[i + 1]?.start ?? line.length)
      .replace(/^\s*:?\s*/, '')
      .trim(),
  }));
}

/** Everything that can be read from an expdp log and/or the client's output. Never throws. */
export function parseExpdpLog(text: string): ParsedExpdpLog {
  const result: ParsedExpdpLog = {
    tables: [],
    dumpFiles: [],
    messages: [],
    skippedTables: [],
    reprompted: false,
  };
  if (typeof text !== 'string' || text.length === 0) return result;

  const tableKeys = new Set<string>();
  const dumpFiles = new Set<string>();
  const skipped = new Set<string>();
  let inDumpSet = false;
  let ownerFromStart = false;
  const tableErrors: TableErrorStack[] = [];
  // The ORA-31693 stack being read: its lines follow one another, each starting with a code.
  let stack: TableErrorStack | undefined;

  try {
    for (const raw of text.split(/\r\n|\r|\n/)) {
      const line = cleanLine(raw);

      if (inDumpSet) {
        if (line === '') continue;
        if (PATH_LINE.test(line)) {
          if (!dumpFiles.has(line)) {
            dumpFiles.add(line);
            result.dumpFiles.push(line);
          }
          continue;
        }
        // A Job line, asterisks, `Datafiles required ...`: the set is over.
        inDumpSet = false;
      }
      if (line === '') {
        stack = undefined;
        continue;
      }

      if (PROMPT.test(line)) result.reprompted = true;

      const messages = messagesOf(line);
      if (stack && (messages.length === 0 || !line.startsWith(messages[0]!.code))) stack = undefined;
      for (const message of messages) {
        if (message.code === 'ORA-31693') {
          const object = QUOTED_OBJECT.exec(message.text);
          const name = object ? objectName(object[1] ?? '', object[2] ?? '', object[3]) : undefined;
          if (name) skipped.add(name);
          stack = { ...(name ? { object: name } : {}), first: result.messages.length, messages: [] };
          tableErrors.push(stack);
        }
        result.messages.push(message);
        stack?.messages.push(message);
      }

      const row = ROW_LINE.exec(line);
      if (row) {
        const table: ExportedTable = {
          owner: row[1] ?? '',
          table: row[2] ?? '',
          bytes: sizeToBytes(row[4] ?? '0', row[5] ?? ''),
          rows: Number(row[6]),
        };
        if (row[3] !== undefined) table.partition = row[3];
        const key = objectName(table.owner, table.table, table.partition);
        if (!tableKeys.has(key)) {
          tableKeys.add(key);
          result.tables.push(table);
        }
        continue;
      }

      if (DUMP_SET.test(line)) {
        inDumpSet = true;
        continue;
      }

      const job = JOB_LINE.exec(line);
      if (job) {
        const end = jobEndOf(job[3] ?? '');
        // The last one wins: it is the job's final word.
        if (end) result.jobEnd = { ...end, line };
        if (!ownerFromStart && result.jobOwner === undefined) {
          result.jobOwner = job[1];
          result.jobName = job[2];
        }
        continue;
      }

      const starting = STARTING.exec(line);
      if (starting) {
        // The Starting line names the job for sure; an earlier guess from another line gives way.
        if (!ownerFromStart) {
          ownerFromStart = true;
          result.jobOwner = starting[1];
          result.jobName = starting[2];
        }
        continue;
      }
      const master = MASTER_TABLE.exec(line);
      if (master && result.jobOwner === undefined) {
        result.jobOwner = master[1];
        result.jobName = master[2];
        continue;
      }

      if (result.release === undefined) {
        const release = RELEASE.exec(line);
        if (release) {
          result.release = release[1];
          continue;
        }
      }
      if (result.connectedTo === undefined) {
        const connected = CONNECTED.exec(line);
        if (connected && connected[1]) result.connectedTo = connected[1].trim();
      }
    }
  } catch {
    // Garbage must not break a backup report: keep what was read so far.
  }
  result.skippedTables = [...skipped];
  if (tableErrors.length > 0) result.tableErrors = tableErrors;
  return result;
}
