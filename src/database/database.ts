// What the action asks the database, behind a small interface: node-oracledb (thin.ts) in production, a recorded
// fake (fake.ts) in tests. Every statement is a constant here with bind variables only; the one statement that
// needs an identifier (dropping a control table) quotes a name this tool generated.
import { isOurJobName } from '../export/parfile.js';

export interface Credential {
  username: string;
  password: string;
}

/** A row of DBA_DATAPUMP_JOBS (or USER_DATAPUMP_JOBS, whose owner is the login itself). */
export interface DataPumpJob {
  owner: string;
  jobName: string;
  operation: string;
  jobMode: string;
  /** EXECUTING, NOT RUNNING, DEFINING, IDLING, STOP PENDING, STOPPING, COMPLETING... */
  state: string;
  attachedSessions: number;
}

export interface DatabaseInfo {
  /** The login as Oracle knows it (SELECT USER). */
  user: string;
  /** DB_NAME, and the container (PDB) name when there is one. */
  name?: string;
  container?: string;
  /** The server's release, e.g. 19.27.0.0.0. */
  version: string;
}

export interface DirectoryInfo {
  path: string;
  /** READ/WRITE granted to the login, PUBLIC or an enabled role. */
  read: boolean;
  write: boolean;
}

/** One logged-in session of one credential. */
export interface OracleSession {
  readonly info: DatabaseInfo;
  /** The current SCN, as text (SCNs can outgrow what other tools keep exact). */
  currentScn(): Promise<string>;
  /** The directory object as this login sees it; undefined when it does not exist or is not visible. */
  directory(name: string): Promise<DirectoryInfo | undefined>;
  /** Bytes of the schema's segments; undefined when this login cannot see them. */
  schemaBytes(schema: string): Promise<number | undefined>;
  /** Data Pump jobs: every one when DBA_DATAPUMP_JOBS is visible, else the login's own. */
  dataPumpJobs(): Promise<{ jobs: DataPumpJob[]; scope: 'all' | 'own' }>;
  /** DBMS_DATAPUMP.ATTACH + STOP_JOB(h, immediate 1, keep_master 0). */
  stopJob(owner: string, jobName: string): Promise<void>;
  /** Drops the control table of an orphaned job of this tool; refuses any other name. */
  dropControlTable(owner: string, jobName: string): Promise<void>;
}

/** The database, reached with one session per distinct credential (logging in is the login check). */
export interface OracleDatabase {
  /** Logs in (once per credential; later calls reuse the session). Throws a DatabaseError. */
  session(credential: Credential): Promise<OracleSession>;
  close(): Promise<void>;
}

/** A failed database call, with its message code (ORA-01017, NJS-503...) when there is one. */
export class DatabaseError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** The SQL driver underneath: node-oracledb, or the recorded fake. Rows come with upper-case column names. */
export interface SqlConnection {
  readonly serverVersion: string;
  execute(sql: string, binds: Record<string, string | number>): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export interface SqlDriver {
  connect(credential: Credential, connectString: string): Promise<SqlConnection>;
}

/** Every statement the action runs. */
export const SQL = {
  whoami:
    "SELECT USER AS username, SYS_CONTEXT('USERENV', 'DB_NAME') AS db_name, " +
    "SYS_CONTEXT('USERENV', 'CON_NAME') AS con_name FROM dual",
  scn: 'SELECT TO_CHAR(current_scn) AS scn FROM v$database',
  scnFlashback: 'SELECT TO_CHAR(DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER) AS scn FROM dual',
  directory: 'SELECT directory_path FROM all_directories WHERE directory_name = :name',
  directoryGrants:
    "SELECT DISTINCT privilege FROM all_tab_privs WHERE table_name = :name AND type = 'DIRECTORY' " +
    "AND privilege IN ('READ', 'WRITE') " +
    "AND (grantee = USER OR grantee = 'PUBLIC' OR grantee IN (SELECT role FROM session_roles))",
  segmentsAll: 'SELECT TO_CHAR(NVL(SUM(bytes), 0)) AS bytes FROM dba_segments WHERE owner = :owner',
  segmentsOwn: 'SELECT TO_CHAR(NVL(SUM(bytes), 0)) AS bytes FROM user_segments',
  jobsAll:
    'SELECT owner_name, job_name, operation, job_mode, state, attached_sessions FROM dba_datapump_jobs',
  jobsOwn:
    'SELECT USER AS owner_name, job_name, operation, job_mode, state, attached_sessions FROM user_datapump_jobs',
  stopJob:
    'DECLARE h NUMBER; BEGIN h := DBMS_DATAPUMP.ATTACH(job_name => :job, job_owner => :owner); ' +
    'DBMS_DATAPUMP.STOP_JOB(h, 1, 0); END;',
  controlTable: 'SELECT COUNT(*) AS n FROM all_tables WHERE owner = :owner AND table_name = :job',
  /** The one statement with identifiers: built by dropControlTableSql from a checked name only. */
  dropControlTablePrefix: 'DROP TABLE ',
} as const;

// Errors that mean "this login may not see that view": fall back to a narrower one.
const NOT_VISIBLE = new Set(['ORA-00942', 'ORA-01031', 'ORA-04043', 'ORA-06550', 'ORA-00904']);

/** The message code at the start of a driver error (ORA-01017, NJS-503, DPI-1047), if any. */
export function errorCode(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return /\b((?:ORA|NJS|DPI|DPY|TNS)-\d{3,5})\b/.exec(message)?.[1];
}

function asDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return new DatabaseError(message, errorCode(error));
}

/** A name as an Oracle identifier in double quotes; names holding a quote or NUL are refused. */
export function quoteIdentifier(name: string): string {
  if (name === '' || name.includes('"') || name.includes('\u0000') || name.length > 128)
    throw new DatabaseError(`refusing to quote the identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** `DROP TABLE "OWNER"."OBA_..." PURGE`, only for a control table named by this tool. */
export function dropControlTableSql(owner: string, jobName: string): string {
  if (!isOurJobName(jobName))
    throw new DatabaseError(
      `refusing to drop ${owner}.${jobName}: its name was not generated by this action`,
    );
  return `${SQL.dropControlTablePrefix}${quoteIdentifier(owner)}.${quoteIdentifier(jobName)} PURGE`;
}

/** A schema name as stored in the dictionary: quoted names keep their case, others are upper case already. */
export const dictionaryName = (name: string): string => name.replace(/^"|"$/g, '');

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

class SqlSession implements OracleSession {
  constructor(
    private readonly conn: SqlConnection,
    readonly info: DatabaseInfo,
  ) {}

  private async query(sql: string, binds: Record<string, string | number> = {}) {
    try {
      return await this.conn.execute(sql, binds);
    } catch (error) {
      throw asDatabaseError(error);
    }
  }

  private async tryQuery(sql: string, binds: Record<string, string | number> = {}) {
    try {
      return await this.query(sql, binds);
    } catch (error) {
      if ((error as DatabaseError).code && NOT_VISIBLE.has((error as DatabaseError).code!)) return undefined;
      throw error;
    }
  }

  async currentScn(): Promise<string> {
    // V$DATABASE needs SELECT_CATALOG_ROLE or similar; DBMS_FLASHBACK is the usual grant of backup users.
    const rows = (await this.tryQuery(SQL.scn)) ?? (await this.query(SQL.scnFlashback));
    const scn = text(rows[0]?.SCN);
    if (!/^\d+$/.test(scn)) throw new DatabaseError(`the database returned no SCN (${JSON.stringify(scn)})`);
    return scn;
  }

  async directory(name: string): Promise<DirectoryInfo | undefined> {
    const rows = await this.query(SQL.directory, { name });
    if (rows.length === 0) return undefined;
    const grants = new Set((await this.query(SQL.directoryGrants, { name })).map((r) => text(r.PRIVILEGE)));
    return { path: text(rows[0]?.DIRECTORY_PATH), read: grants.has('READ'), write: grants.has('WRITE') };
  }

  async schemaBytes(schema: string): Promise<number | undefined> {
    const owner = dictionaryName(schema);
    const all = await this.tryQuery(SQL.segmentsAll, { owner });
    if (all) return Number(text(all[0]?.BYTES) || 0);
    if (owner !== this.info.user) return undefined;
    const own = await this.tryQuery(SQL.segmentsOwn);
    return own ? Number(text(own[0]?.BYTES) || 0) : undefined;
  }

  async dataPumpJobs(): Promise<{ jobs: DataPumpJob[]; scope: 'all' | 'own' }> {
    const all = await this.tryQuery(SQL.jobsAll);
    const rows = all ?? (await this.query(SQL.jobsOwn));
    return {
      scope: all ? 'all' : 'own',
      jobs: rows.map((r) => ({
        owner: text(r.OWNER_NAME),
        jobName: text(r.JOB_NAME),
        operation: text(r.OPERATION),
        jobMode: text(r.JOB_MODE),
        state: text(r.STATE),
        attachedSessions: Number(r.ATTACHED_SESSIONS ?? 0),
      })),
    };
  }

  async stopJob(owner: string, jobName: string): Promise<void> {
    await this.query(SQL.stopJob, { job: jobName, owner });
  }

  async dropControlTable(owner: string, jobName: string): Promise<void> {
    const sql = dropControlTableSql(owner, jobName);
    const exists = await this.query(SQL.controlTable, { owner, job: jobName });
    if (Number(exists[0]?.N ?? 0) === 0) return;
    await this.query(sql);
  }
}

/** The OracleDatabase of one connect string over a SQL driver: one session per distinct credential. */
export function createOracleDatabase(driver: SqlDriver, connectString: string): OracleDatabase {
  const sessions = new Map<string, Promise<{ session: SqlSession; conn: SqlConnection }>>();
  const open = async (credential: Credential) => {
    let conn: SqlConnection;
    try {
      conn = await driver.connect(credential, connectString);
    } catch (error) {
      throw asDatabaseError(error);
    }
    try {
      const row = (await conn.execute(SQL.whoami, {}))[0] ?? {};
      const info: DatabaseInfo = {
        user: text(row.USERNAME),
        name: text(row.DB_NAME) || undefined,
        container: text(row.CON_NAME) || undefined,
        version: conn.serverVersion,
      };
      return { session: new SqlSession(conn, info), conn };
    } catch (error) {
      await conn.close().catch(() => undefined);
      throw asDatabaseError(error);
    }
  };
  return {
    async session(credential) {
      const key = JSON.stringify([credential.username, credential.password]);
      let entry = sessions.get(key);
      if (!entry) {
        entry = open(credential);
        sessions.set(key, entry);
        // A failed login is not cached: the next call tries again.
        entry.catch(() => sessions.delete(key));
      }
      return (await entry).session;
    },
    async close() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((entry) => entry.then(({ conn }) => conn.close()).catch(() => undefined)));
    },
  };
}
