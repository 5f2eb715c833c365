// Builds the expdp parameter file. Everything goes through a parfile (never argv) so the password stays off `ps`
// and quoted values survive (Data Pump reads a parfile's quotes as the shell would not).
import { fileSizeParameter } from '../settings/export-settings.js';
import { useridLine } from './userid.js';

/** One point in time for every job of a run: an SCN (with database queries) or a timestamp (without). */
export type Flashback = { scn: string } | { time: Date };

export interface ParfileSpec {
  username: string;
  password: string;
  connectString: string;
  schema: string;
  directory: string;
  /** Dump file name or `%U` template, `.dmp` included. */
  dumpFile: string;
  logFile: string;
  jobName: string;
  /** PARALLEL (1 leaves it out). */
  parallel?: number;
  /** FILESIZE in bytes (0 or absent leaves it out). */
  fileSize?: number;
  flashback?: Flashback;
  /** `EXCLUDE=` values of this schema. */
  exclude?: string[];
  /** Validated extra `KEY=VALUE` lines from `expdp-parameters`. */
  extra: string[];
}

/** PARALLEL above 1 or a FILESIZE make Data Pump write several files, so the dump name needs a `%U` template. */
export function needsMultipleFiles(options: { parallel?: number; fileSize?: number }): boolean {
  return (options.parallel ?? 1) > 1 || (options.fileSize ?? 0) > 0;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * `FLASHBACK_TIME="TO_TIMESTAMP('2026-11-21 01:30:00', 'YYYY-MM-DD HH24:MI:SS')"` in the runner's local time: the
 * form Oracle documents for a parfile, evaluated by the database in its own time zone.
 */
export function flashbackTimeValue(time: Date): string {
  const stamp =
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
  return `"TO_TIMESTAMP('${stamp}', 'YYYY-MM-DD HH24:MI:SS')"`;
}

/** The parfile line that makes a job consistent as of the run's point in time. */
export function flashbackLine(flashback: Flashback): string {
  return 'scn' in flashback
    ? `FLASHBACK_SCN=${flashback.scn}`
    : `FLASHBACK_TIME=${flashbackTimeValue(flashback.time)}`;
}

/** Schema names given in quotes keep their case; plain names are upper case already. */
export function schemaValue(schema: string): string {
  return schema.startsWith('"') ? `'${schema}'` : schema;
}

export function buildParfile(spec: ParfileSpec, options: { maskPassword: boolean }): string {
  const lines = [
    useridLine(spec, { mask: options.maskPassword }),
    `SCHEMAS=${schemaValue(spec.schema)}`,
    `DIRECTORY=${spec.directory}`,
    `DUMPFILE=${spec.dumpFile}`,
    `LOGFILE=${spec.logFile}`,
    `JOB_NAME=${spec.jobName}`,
    'LOGTIME=ALL',
    'METRICS=YES',
    ...((spec.parallel ?? 1) > 1 ? [`PARALLEL=${spec.parallel}`] : []),
    ...(spec.fileSize ? [`FILESIZE=${fileSizeParameter(spec.fileSize)}`] : []),
    ...(spec.flashback ? [flashbackLine(spec.flashback)] : []),
    ...(spec.exclude ?? []).map((value) => `EXCLUDE=${value}`),
    ...spec.extra,
  ];
  return lines.join('\n') + '\n';
}

/** Every job this action starts is named `OBA_<SCHEMA>_<RUN>`: how its own jobs (and orphans) are recognised. */
export const JOB_PREFIX = 'OBA_';
const OUR_JOB_RE = /^OBA_[A-Z0-9]{1,14}_[A-Z0-9]{1,10}$/;

/** Whether a Data Pump job (or control table) name is one that makeJobName generates. */
export function isOurJobName(name: string): boolean {
  return OUR_JOB_RE.test(name);
}

/**
 * A Data Pump job name unique to this run and recognisable as ours (prefix `OBA_`), kept within the 30 bytes that
 * releases before 12.2 allow.
 */
export function makeJobName(schema: string, runToken: string): string {
  const cleanSchema =
    schema
      .replace(/[^A-Za-z0-9]/g, '')
      .toUpperCase()
      .slice(0, 14) || 'SCHEMA';
  const token = runToken
    .replace(/[^A-Za-z0-9]/g, '')
    .toUpperCase()
    .slice(-10);
  return `${JOB_PREFIX}${cleanSchema}_${token}`;
}
