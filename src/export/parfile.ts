// Builds the expdp parameter file. Everything goes through a parfile (never argv) so the password stays off `ps`
// and quoted values survive; see oracle-data-pump.md.

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
  /** Validated extra `KEY=VALUE` lines from `expdp-parameters`. */
  extra: string[];
}

const MASK = '********';

/** Keys that make Data Pump write several files, so the dump name needs a `%U` template. */
export function needsMultipleFiles(extra: string[]): boolean {
  return extra.some((line) => {
    const [key = '', value = ''] = line.split('=', 2).map((s) => s.trim().toUpperCase());
    return key === 'FILESIZE' || (key === 'PARALLEL' && Number(value) > 1);
  });
}

/**
 * Quotes a password for USERID: Oracle needs double quotes around passwords with special characters, and a
 * password cannot itself contain a double quote (settings refuse those).
 */
function quotePassword(password: string): string {
  if (password.includes('"'))
    throw new Error('a password containing a double quote cannot be passed to expdp');
  return /^[A-Za-z][A-Za-z0-9_$#]*$/.test(password) ? password : `"${password}"`;
}

/** Schema names given in quotes keep their case; plain names are upper case already. */
function schemaValue(schema: string): string {
  return schema.startsWith('"') ? `'${schema}'` : schema;
}

export function buildParfile(spec: ParfileSpec, options: { maskPassword: boolean }): string {
  const password = options.maskPassword ? MASK : quotePassword(spec.password);
  const lines = [
    `USERID=${spec.username}/${password}@${spec.connectString}`,
    `SCHEMAS=${schemaValue(spec.schema)}`,
    `DIRECTORY=${spec.directory}`,
    `DUMPFILE=${spec.dumpFile}`,
    `LOGFILE=${spec.logFile}`,
    `JOB_NAME=${spec.jobName}`,
    'LOGTIME=ALL',
    'METRICS=YES',
    ...spec.extra,
  ];
  return lines.join('\n') + '\n';
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
  return `OBA_${cleanSchema}_${token}`;
}
