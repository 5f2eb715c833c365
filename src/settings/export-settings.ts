// The export inputs: database queries, one consistent point in time, PARALLEL/FILESIZE and the export
// tool. Pure like the rest of the settings: inputs come through `get`, problems go to the collector in its house
// style. Per-schema `parallel` and `exclude` are checked here too (settings.ts reads the schema list).
import { Collector, show } from './collector.js';
import { parseBoolean, parseSize, type Result } from './parse.js';

export type ExportTool = 'expdp' | 'exp' | 'auto';

export interface ExportSettings {
  /** Use node-oracledb for the directory path, the shared SCN, size estimates, pre-flight and stopping jobs. */
  oracleQueries: boolean;
  /** Export every schema as of one point in time (FLASHBACK_SCN, or FLASHBACK_TIME without queries). */
  consistent: boolean;
  /** Data Pump PARALLEL for every schema without its own; above 1 the dump files get a `%U` template. */
  parallel: number;
  /** FILESIZE in bytes; 0 means one file per worker, whatever its size. */
  fileSize: number;
  /** `auto`: expdp when it is found, else exp (decided in pre-flight). */
  tool: ExportTool;
}

/** Every export input, as named in action.yml. */
export const EXPORT_INPUT_NAMES = [
  'oracle-queries',
  'consistent',
  'parallel',
  'filesize',
  'export-tool',
] as const;

/** Defaults applied when an input is '' (action.yml states the same ones). */
export const EXPORT_DEFAULTS = {
  'oracle-queries': 'true',
  consistent: 'true',
  parallel: '1',
  filesize: '',
  'export-tool': 'expdp',
} as const;

/** `%U` gives 01..99, so no dump file set can have more files than this. */
export const MAX_DUMP_FILES = 99;
export const MAX_PARALLEL = 99;
/** Smaller pieces only make more files: Data Pump's own minimum is far below, but nobody means it. */
export const MIN_FILESIZE = 1024 * 1024;

const PARALLEL_HINT = `use a whole number from 1 to ${MAX_PARALLEL} (Data Pump PARALLEL; above 1 needs Enterprise Edition)`;
const FILESIZE_HINT = 'use a size such as 2G or 500M (binary units), at least 1M; empty means no limit';
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** PARALLEL as given in the input or per schema: a whole number from 1 to MAX_PARALLEL. */
export function parseParallel(text: string): Result<number> {
  const value = text.trim();
  const n = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  return n >= 1 && n <= MAX_PARALLEL ? { ok: true, value: n } : { ok: false, error: PARALLEL_HINT };
}

/**
 * One `EXCLUDE=` value of a schema (`STATISTICS`, `TABLE:"IN ('AUDIT_LOG')"`); undefined when it cannot be put
 * on a parfile line safely.
 */
export function checkExclude(text: string, schema: string, c: Collector): string | undefined {
  const value = text.trim();
  const where = `exclude of ${schema}`;
  const hint =
    'use an object type, optionally with a name clause in double quotes, e.g. STATISTICS or ' +
    `TABLE:"IN ('AUDIT_LOG')" (without EXCLUDE=)`;
  if (value === '') c.notAllowed('schemas', `"" (${where})`, 'it is empty', hint);
  else if (CONTROL_RE.test(value))
    c.notAllowed(
      'schemas',
      `${show(value)} (${where})`,
      'it contains a line break or control character',
      hint,
    );
  else if (/^EXCLUDE\s*=/i.test(value))
    c.notAllowed('schemas', `${show(value)} (${where})`, 'it starts with EXCLUDE=', hint);
  else if (/["']/.test(value.replace(/"[^"]*"|'[^']*'/g, '')))
    c.notAllowed('schemas', `${show(value)} (${where})`, 'a quote is not closed', hint);
  else if (!/^[A-Za-z_][A-Za-z0-9_/ ]*(?::.*)?$/.test(value))
    c.notAllowed('schemas', `${show(value)} (${where})`, 'it does not start with an object type', hint);
  else return value;
  return undefined;
}

/** `FILESIZE=` text for a byte count: the largest whole Data Pump unit (KB = 1024), else bytes. */
export function fileSizeParameter(bytes: number): string {
  const units: Array<[string, number]> = [
    ['TB', 1024 ** 4],
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ];
  for (const [unit, factor] of units) if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  return String(bytes);
}

export function parseExportSettings(get: (name: string) => string, c: Collector): ExportSettings {
  const value = (name: keyof typeof EXPORT_DEFAULTS): string => get(name).trim() || EXPORT_DEFAULTS[name];

  const queriesText = value('oracle-queries');
  const queries = parseBoolean(queriesText);
  if (!queries.ok) c.notAllowed('oracle-queries', show(queriesText), queries.error);

  const consistentText = value('consistent');
  const consistent = parseBoolean(consistentText);
  if (!consistent.ok) c.notAllowed('consistent', show(consistentText), consistent.error);

  const parallelText = value('parallel');
  const parallelParsed = parseParallel(parallelText);
  if (!parallelParsed.ok) c.notAllowed('parallel', show(parallelText), parallelParsed.error);
  const parallel = parallelParsed.ok ? parallelParsed.value : 1;

  let fileSize = 0;
  const fileSizeText = value('filesize');
  if (fileSizeText !== '') {
    const size = parseSize(fileSizeText);
    if (!size.ok) c.notAllowed('filesize', show(fileSizeText), size.error);
    else if (size.value < MIN_FILESIZE)
      c.notAllowed('filesize', show(fileSizeText), 'it is smaller than 1M', FILESIZE_HINT);
    else fileSize = size.value;
  }

  const toolText = value('export-tool');
  const tool = toolText.toLowerCase();
  if (tool !== 'expdp' && tool !== 'exp' && tool !== 'auto')
    c.notAllowed(
      'export-tool',
      show(toolText),
      'use expdp (Data Pump), exp (legacy export, client-side files) or auto (expdp when found, else exp)',
    );

  const settings: ExportSettings = {
    oracleQueries: queries.ok ? queries.value : true,
    consistent: consistent.ok ? consistent.value : true,
    parallel,
    fileSize,
    tool: tool === 'exp' || tool === 'auto' ? tool : 'expdp',
  };
  if (settings.tool === 'exp') {
    if (parallel > 1)
      c.notAllowed('parallel', show(parallelText), 'legacy exp has no PARALLEL', 'use export-tool: expdp');
    if (fileSize > 0)
      c.notAllowed(
        'filesize',
        show(fileSizeText),
        'legacy exp writes one file per schema here',
        'use export-tool: expdp, or leave filesize empty',
      );
  }
  return settings;
}
