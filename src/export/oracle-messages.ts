// The message codes an expdp/exp user meets, with what they mean and what to do. Keyed on codes only: the
// text after a code is translated with NLS_LANG, the code never is.

export interface CodeDescription {
  /** Short words, usable inside a sentence ("invalid username/password"). */
  meaning: string;
  /** What the DBA should do, concretely. */
  advice: string;
  /** True when the export cannot have produced a usable dump. */
  fatal: boolean;
}

interface Entry extends CodeDescription {
  /**
   * A wrapper that only announces the error on the next lines (ORA-39002 "invalid operation"): never the best
   * reason when a more specific code is present.
   */
  generic?: boolean;
}

const CREDENTIALS_ADVICE =
  'Check the username and password of this schema (passwords are case-sensitive since 11g) and test them with ' +
  'sqlplus user@connect-string; repeated failures can lock the account (ORA-28000).';

const ENTRIES: Record<string, Entry> = {
  // Logging in
  'ORA-01017': { meaning: 'invalid username/password', advice: CREDENTIALS_ADVICE, fatal: true },
  'UDE-01017': { meaning: 'invalid username/password', advice: CREDENTIALS_ADVICE, fatal: true },
  'UDI-01017': { meaning: 'invalid username/password', advice: CREDENTIALS_ADVICE, fatal: true },
  'EXP-00004': { meaning: 'invalid username/password', advice: CREDENTIALS_ADVICE, fatal: true },
  'ORA-28000': {
    meaning: 'the account is locked',
    advice:
      'Unlock it (ALTER USER backup_user ACCOUNT UNLOCK;) after fixing the stored password: wrong passwords lock ' +
      "it again once the profile's FAILED_LOGIN_ATTEMPTS is reached.",
    fatal: true,
  },
  'ORA-28001': {
    meaning: 'the password has expired',
    advice:
      'Set a new password (ALTER USER backup_user IDENTIFIED BY ...;) and update the secret; a profile with ' +
      'PASSWORD_LIFE_TIME UNLIMITED keeps expiry from breaking the backups.',
    fatal: true,
  },
  'ORA-28002': {
    meaning: 'the password will expire soon',
    advice:
      'Change the password (and the secret) before it expires, or the next backups fail with ORA-28001.',
    fatal: false,
  },
  'ORA-01031': {
    meaning: 'insufficient privileges',
    advice:
      'Grant the export user what the failing step needs; to export another schema it needs ' +
      'DATAPUMP_EXP_FULL_DATABASE.',
    fatal: false,
  },
  'ORA-31631': {
    meaning: 'privileges are required for this export',
    advice:
      'Exporting another schema needs GRANT DATAPUMP_EXP_FULL_DATABASE TO backup_user; or log in as the schema owner.',
    fatal: true,
  },
  'ORA-39109': {
    meaning: "an unprivileged user may not export other users' schemas",
    advice:
      'GRANT DATAPUMP_EXP_FULL_DATABASE TO backup_user; or export each schema with its own credentials.',
    fatal: true,
  },

  // Reaching the database
  'ORA-12154': {
    meaning: 'the connect identifier could not be resolved',
    advice:
      'Use an Easy Connect string (host:port/service) or point TNS_ADMIN to a tnsnames.ora that defines the alias.',
    fatal: true,
  },
  'ORA-12514': {
    meaning: 'the listener does not know the requested service',
    advice:
      'Check the service name (a PDB service such as FREEPDB1, not the SID); lsnrctl services on the database host ' +
      'lists the registered services.',
    fatal: true,
  },
  'ORA-12505': {
    meaning: 'the listener does not know the requested SID',
    advice: 'Connect with a service name (host:port/service) instead of a SID; lsnrctl services lists them.',
    fatal: true,
  },
  'ORA-12541': {
    meaning: 'no listener at the given host and port',
    advice:
      'Check host and port (default 1521) and that the listener runs (lsnrctl status); for a container, that the ' +
      'port is published.',
    fatal: true,
  },
  'ORA-12170': {
    meaning: 'connect timeout',
    advice:
      'The database host did not answer in time: check the host name and any firewall between expdp and the port.',
    fatal: true,
  },
  'ORA-12537': {
    meaning: 'the connection was closed by the server',
    advice:
      'Check the listener log and sqlnet.ora access rules (TCP.VALIDNODE_CHECKING, INVITED_NODES) on the server.',
    fatal: true,
  },
  'ORA-01034': {
    meaning: 'the database is not available',
    advice: 'Start the database (or the PDB: ALTER PLUGGABLE DATABASE ... OPEN;) and retry.',
    fatal: true,
  },
  'ORA-01033': {
    meaning: 'the database is starting up or shutting down',
    advice: 'Retry once the database is open; schedule backups outside maintenance windows.',
    fatal: true,
  },

  // Directory object and files
  'ORA-39002': {
    meaning: 'invalid operation',
    advice: 'See the error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'ORA-39070': {
    meaning: 'unable to open the log file',
    advice: 'The directory object or its folder is not usable; see the error that follows it.',
    fatal: true,
    generic: true,
  },
  'ORA-39087': {
    meaning: 'directory object missing or no READ/WRITE grant',
    advice:
      'Create the directory object or grant READ, WRITE on it to the export user: ' +
      'GRANT READ, WRITE ON DIRECTORY DATA_PUMP_DIR TO backup_user;',
    fatal: true,
  },
  'ORA-39145': {
    meaning: 'no directory object was given',
    advice: 'Set DIRECTORY= to a directory object the export user can read and write.',
    fatal: true,
  },
  'ORA-29283': {
    meaning: "the directory object's folder is missing or not writable by the oracle OS user",
    advice:
      'Create the folder on the database server and make it writable by the oracle user; its path: SELECT ' +
      "directory_path FROM all_directories WHERE directory_name = 'DATA_PUMP_DIR';",
    fatal: true,
  },
  'ORA-39001': {
    meaning: 'invalid argument value',
    advice: 'See the error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'ORA-39000': {
    meaning: 'bad dump file specification',
    advice: 'See the error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'ORA-31641': {
    meaning: 'unable to create the dump file',
    advice:
      'See the error that follows it: the file exists already (ORA-27038) or the folder is not writable.',
    fatal: true,
  },
  'ORA-27038': {
    meaning: 'dump file already exists',
    advice:
      'Remove the old file from the directory or use a unique dump file name (date/time tokens); ' +
      'REUSE_DUMPFILES=YES overwrites it instead.',
    fatal: true,
  },
  'OSD-04010': {
    meaning: 'dump file already exists',
    advice:
      'Remove the old file from the directory or use a unique dump file name (date/time tokens); ' +
      'REUSE_DUMPFILES=YES overwrites it instead.',
    fatal: true,
  },
  'ORA-27040': {
    meaning: 'the operating system refused to create the dump file',
    advice: "Make the directory object's folder writable by the oracle OS user and check that it exists.",
    fatal: true,
  },
  'ORA-39095': {
    meaning: 'dump file space exhausted',
    advice:
      'Free space in the dump folder, or use a %U dump file template so FILESIZE can spread the dump over ' +
      'several files.',
    fatal: true,
  },

  // The job and its control (master) table
  'ORA-31626': {
    meaning: 'job does not exist',
    advice: 'See the error that follows it; if none, look for orphaned jobs in DBA_DATAPUMP_JOBS.',
    fatal: true,
    generic: true,
  },
  'ORA-31633': {
    meaning: "unable to create the job's control table",
    advice:
      'The export user needs CREATE TABLE and quota on its default tablespace; see the error that follows it.',
    fatal: true,
  },
  'ORA-01950': {
    meaning: "no quota on the default tablespace for the job's control table",
    advice:
      'Give the export user quota on its default tablespace, e.g. ALTER USER backup_user QUOTA 100M ON users; ' +
      'Data Pump creates its control table there.',
    fatal: true,
  },
  'ORA-31634': {
    meaning: 'a job with this name already exists',
    advice:
      'An earlier run left its job behind: check DBA_DATAPUMP_JOBS and, once it is NOT RUNNING, drop its control ' +
      'table (DROP TABLE owner.job_name PURGE;).',
    fatal: true,
  },
  'UDE-00008': {
    meaning: 'the Data Pump client got an Oracle error',
    advice: 'See the ORA- error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'ORA-25254': {
    meaning: 'time-out waiting for the Data Pump job, often orphaned jobs of an earlier killed run',
    advice:
      'Look in DBA_DATAPUMP_JOBS for old jobs in state NOT RUNNING, drop their control tables ' +
      '(DROP TABLE owner.job_name PURGE;) and retry; if it persists, check STREAMS_POOL_SIZE.',
    fatal: true,
  },
  'ORA-39006': {
    meaning: 'Data Pump internal error',
    advice:
      'Check the alert log and trace files of the database and search My Oracle Support for the error stack.',
    fatal: true,
  },
  'ORA-39097': {
    meaning: 'the Data Pump job hit an unexpected error',
    advice: 'See the error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  // A dying job prints these first and the worker's own error below them: that last error is the cause.
  'ORA-39014': {
    meaning: 'one or more Data Pump workers exited prematurely',
    advice:
      "Check the database alert log and the workers' trace files (DW processes) for the crash, then retry.",
    fatal: true,
    generic: true,
  },
  'ORA-39029': {
    meaning: 'a Data Pump worker process terminated prematurely',
    advice:
      "Check the database alert log and the worker's trace file for the cause (often ORA-04030/ORA-07445).",
    fatal: true,
    generic: true,
  },
  'ORA-31672': {
    meaning: 'a Data Pump worker process died unexpectedly',
    advice:
      "Check the database alert log and the worker's trace file for the cause (often ORA-04030/ORA-07445).",
    fatal: true,
    generic: true,
  },
  'ORA-31671': {
    meaning: 'a Data Pump worker had an unhandled exception',
    advice: 'See the error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'ORA-04030': {
    meaning: 'the database server ran out of process memory',
    advice:
      'Raise PGA_AGGREGATE_LIMIT / PGA_AGGREGATE_TARGET or lower PARALLEL, check memory on the host, then retry.',
    fatal: true,
  },
  'ORA-31697': {
    meaning: 'the job aborted its operation',
    advice: 'See the errors before it; ABORT_STEP in the parameters also causes this.',
    fatal: true,
  },
  'ORA-39123': {
    meaning: 'transportable tablespace job aborted',
    advice:
      'See the failure list that follows; transportable tablespaces must be read only during the export.',
    fatal: true,
  },
  'ORA-39185': {
    meaning: 'transportable tablespace failure list follows',
    advice: 'See the errors that follow it.',
    fatal: true,
    generic: true,
  },
  'ORA-29335': {
    meaning: 'tablespace is not read only',
    advice: 'Make the tablespace read only for a transportable export, or use a schema export instead.',
    fatal: true,
  },
  'ORA-39126': {
    meaning: 'a Data Pump worker failed on an object',
    advice:
      'Part of the export may be missing: the text names the failing step; search My Oracle Support for it, ' +
      'fix or patch, then export again.',
    fatal: false,
  },
  'ORA-39127': {
    meaning: 'an object could not be exported',
    advice: 'See the error that follows it; the named object is missing from the dump.',
    fatal: false,
    generic: true,
  },
  'ORA-31655': {
    meaning: 'no data or metadata objects selected',
    advice:
      'The dump holds nothing: check the schema name (upper case unless quoted), INCLUDE/EXCLUDE filters, and that ' +
      'the user may export that schema.',
    fatal: true,
  },
  'ORA-39170': {
    meaning: 'the schema does not exist',
    advice: 'Check the schema name (upper case unless quoted) and that the export user can see it.',
    fatal: true,
  },
  'ORA-39165': {
    meaning: 'schema not found',
    advice:
      'Check the schema name (upper case unless quoted); exporting another schema needs ' +
      'DATAPUMP_EXP_FULL_DATABASE.',
    fatal: false,
  },
  'ORA-39171': {
    meaning: 'the job waited for space (resumable wait)',
    advice:
      'A tablespace filled up during the export: add space to the tablespace named in the following error.',
    fatal: false,
  },

  // Table data skipped; the job goes on and ends "completed with N error(s)"
  'ORA-31693': {
    meaning: 'table data skipped',
    advice: 'The table is missing from the dump: fix the cause in the error that follows, then export again.',
    fatal: false,
    generic: true,
  },
  'ORA-02354': {
    meaning: 'error exporting table data',
    advice: 'See the error that follows it for the cause.',
    fatal: false,
    generic: true,
  },
  'ORA-02358': {
    meaning: "fatal error unloading a table's data",
    advice:
      'The table is missing from the dump; the error that follows it says why: fix that, then export again.',
    fatal: false,
    generic: true,
  },
  'ORA-00904': {
    meaning: 'invalid identifier',
    advice:
      'Usually the expdp client does not match the database release (use the Oracle home of the database, ' +
      'oracle-home), or a column or object name in an EXCLUDE, INCLUDE or QUERY clause of expdp-parameters is ' +
      'wrong: check the name the message quotes.',
    fatal: false,
  },
  'ORA-01555': {
    meaning: 'snapshot too old',
    advice:
      'Undo was too small for this consistent export: raise UNDO_RETENTION and the undo tablespace size, or run ' +
      'the backup when fewer changes happen.',
    fatal: false,
  },
  'ORA-01466': {
    meaning: 'table definition changed during the consistent export',
    advice:
      'A table was altered or truncated after the flashback point: avoid DDL during the backup and retry.',
    fatal: false,
  },
  'ORA-28365': {
    meaning: 'TDE wallet is not open',
    advice:
      'Open the keystore before exporting encrypted tables: ADMINISTER KEY MANAGEMENT SET KEYSTORE OPEN ' +
      'IDENTIFIED BY ...;',
    fatal: false,
  },
  'ORA-39181': {
    meaning: 'only partial table data exported due to fine grain access control',
    advice:
      'A VPD policy hid rows from the export user: GRANT EXEMPT ACCESS POLICY TO backup_user; to export every row.',
    fatal: false,
  },
  'ORA-39346': {
    meaning: 'data loss in character set conversion',
    advice:
      "Some characters could not be converted: check the database character set against the objects' data; the " +
      'named object may differ in the dump.',
    fatal: false,
  },
  'ORA-39173': {
    meaning: 'encrypted data was stored unencrypted in the dump',
    advice: 'Protect the dump like the data itself, or set ENCRYPTION parameters if your license allows.',
    fatal: false,
  },
  'ORA-06512': {
    meaning: 'PL/SQL call stack line',
    advice: 'Context for the error above it; act on that error.',
    fatal: false,
    generic: true,
  },

  // Parameters
  'ORA-39050': {
    meaning: 'incompatible parameters',
    advice: 'Remove one of the two parameters named in the message from expdp-parameters.',
    fatal: true,
  },
  'LRM-00101': {
    meaning: 'unknown parameter name',
    advice: 'Fix or remove the misspelled parameter; expdp help=y lists the parameters of this release.',
    fatal: true,
  },
  'LRM-00111': {
    meaning: 'no closing quote for a parameter value',
    advice:
      'Balance the quotes of the value in expdp-parameters (EXCLUDE/INCLUDE name clauses, FLASHBACK_TIME).',
    fatal: true,
  },
  'LRM-00113': {
    meaning: 'error processing the parameter file',
    advice: 'See the LRM- error before it for the faulty parameter.',
    fatal: true,
    generic: true,
  },
  'UDE-00014': {
    meaning: 'invalid value for a parameter',
    advice: 'Fix the value of the parameter named in the message; quotes inside values often cause this.',
    fatal: true,
  },
  'UDE-00010': {
    meaning: 'multiple job modes requested',
    advice:
      'Use one mode only: this action sets SCHEMAS=, so remove FULL=, TABLES= or TABLESPACES= from expdp-parameters.',
    fatal: true,
  },
  'UDE-00011': {
    meaning: 'incompatible parameters',
    advice: 'Remove one of the two parameters named in the message from expdp-parameters.',
    fatal: true,
  },
  'UDE-00005': {
    meaning: 'unexpected end of file while the client read its input',
    advice:
      'expdp wanted more input than it got: check the parameter file (a USERID without password makes it prompt, ' +
      'and this action closes stdin; unbalanced quotes or a trailing backslash run past the end), that the client ' +
      "is the database's release, and that the connection to the database did not drop.",
    fatal: true,
  },
  'UDE-00018': {
    meaning: 'the expdp client is newer than the database',
    advice:
      "Use the expdp of the database's own Oracle home (oracle-home) or a client of the database's release.",
    fatal: true,
  },

  // Legacy exp
  'EXP-00000': {
    meaning: 'export terminated unsuccessfully',
    advice: 'See the errors before it for the cause.',
    fatal: true,
    generic: true,
  },
  'EXP-00056': {
    meaning: 'Oracle error during export',
    advice: 'See the ORA- error that follows it for the cause.',
    fatal: true,
    generic: true,
  },
  'EXP-00008': {
    meaning: 'Oracle error during export',
    advice: 'See the ORA- error that follows it for the cause.',
    fatal: false,
    generic: true,
  },
  'EXP-00019': {
    meaning: 'failed to process parameters',
    advice: 'Fix the exp parameters; exp help=y lists them.',
    fatal: true,
  },
  'EXP-00058': {
    meaning: 'password verification failed',
    advice:
      'exp could not log in: check the password (case-sensitive; one with special characters must be in double ' +
      'quotes, as this action writes it), and that the account is neither locked (ORA-28000) nor expired ' +
      '(ORA-28001).',
    fatal: true,
  },
  'EXP-00091': {
    meaning: 'exporting questionable statistics',
    advice:
      'Harmless for the data; set NLS_LANG to the database character set or use STATISTICS=NONE to avoid it.',
    fatal: false,
  },
  'EXP-00009': {
    meaning: 'no privilege to export a table',
    advice:
      "The named table is missing from the dump: grant the export user access or export as the table's owner.",
    fatal: false,
  },
};

const CODE = /^([A-Z]{3})-(\d{5})$/;

function normalize(code: string): string {
  return typeof code === 'string' ? code.trim().toUpperCase() : '';
}

function entry(code: string): Entry | undefined {
  const key = normalize(code);
  const own = ENTRIES[key];
  if (own) return own;
  // The clients wrap server errors as UDE-nnnnn/UDI-nnnnn "operation generated ORACLE error nnnnn".
  const match = CODE.exec(key);
  if (match && (match[1] === 'UDE' || match[1] === 'UDI')) return ENTRIES[`ORA-${match[2]}`];
  return undefined;
}

/** What a message code means and what to do about it; undefined for codes not in the table. */
export function describeCode(code: string): { meaning: string; advice: string; fatal: boolean } | undefined {
  const found = entry(code);
  return found ? { meaning: found.meaning, advice: found.advice, fatal: found.fatal } : undefined;
}

/**
 * How well a code explains what went wrong, highest first: a known fatal code (4), a code not in the table (3:
 * Oracle's own text is more telling than a known warning), a known non-fatal code (2), then wrappers that only
 * announce the next line (1 when fatal, 0 otherwise).
 */
export function causeRank(code: string): number {
  const found = entry(code);
  if (!found) return 3;
  if (found.generic) return found.fatal ? 1 : 0;
  return found.fatal ? 4 : 2;
}

/** True for codes that only announce the real error on the next lines (ORA-39002, ORA-31693...). */
export function isGenericCode(code: string): boolean {
  return entry(code)?.generic === true;
}

/** Codes that mean the credentials were refused. */
export function isCredentialCode(code: string): boolean {
  const key = normalize(code);
  return key === 'ORA-01017' || key === 'UDE-01017' || key === 'UDI-01017' || key === 'EXP-00004';
}
