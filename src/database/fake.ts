// The recorded fake database for tests (never imported by the action itself): a SqlDriver that records every
// statement and its binds, and answers from a small scripted model of an Oracle database (users and their
// privileges, directory objects and grants, segment sizes, an SCN, Data Pump jobs). The SQL it sees is exactly what
// the real driver would send, so tests check the statements themselves.
import {
  createOracleDatabase,
  DatabaseError,
  SQL,
  type Credential,
  type DataPumpJob,
  type OracleDatabase,
  type SqlConnection,
  type SqlDriver,
} from './database.js';

export type StatementName = Exclude<keyof typeof SQL, 'dropControlTablePrefix'> | 'dropControlTable';

export interface FakeCall {
  /** The login that ran it, upper case. */
  user: string;
  statement: StatementName;
  sql: string;
  binds: Record<string, string | number>;
}

/** Where the fake keeps its Data Pump jobs: in memory by default, or shared with the simulated expdp. */
export interface FakeJobStore {
  list(): DataPumpJob[];
  /** STOP_JOB(h, 1, 0): the job ends and its control table is dropped. */
  stop(owner: string, jobName: string): void;
  hasControlTable(owner: string, jobName: string): boolean;
  dropControlTable(owner: string, jobName: string): void;
}

export interface FakeUser {
  password: string;
  /** Sees DBA_ views and V$DATABASE (DATAPUMP_EXP_FULL_DATABASE, SELECT_CATALOG_ROLE). */
  dba?: boolean;
  roles?: string[];
}

export interface FakeOracleModel {
  version?: string;
  dbName?: string;
  container?: string;
  /** Upper-case user names. */
  users: Record<string, FakeUser>;
  /** Directory objects → path and grants (grantee: a user, a role or PUBLIC). */
  directories?: Record<string, { path: string; grants?: Record<string, Array<'READ' | 'WRITE'>> }>;
  /** Schema → bytes of its segments. */
  segments?: Record<string, number>;
  /** The current SCN; every read moves it on by one. */
  scn?: number;
  jobs?: FakeJobStore | DataPumpJob[];
  /** Make a statement fail with this message (e.g. `ORA-01555: snapshot too old`). */
  failures?: Partial<Record<StatementName, string>>;
  /** How long a login takes, to test slow databases. */
  loginDelayMs?: number;
}

const oraError = (code: string, text: string): DatabaseError => new DatabaseError(`${code}: ${text}`, code);

/** An in-memory job store. */
export function memoryJobStore(initial: DataPumpJob[] = []): FakeJobStore & { jobs: DataPumpJob[] } {
  const jobs = initial.map((j) => ({ ...j }));
  const tables = new Set(jobs.map((j) => `${j.owner}.${j.jobName}`));
  const remove = (owner: string, name: string) => {
    const i = jobs.findIndex((j) => j.owner === owner && j.jobName === name);
    if (i >= 0) jobs.splice(i, 1);
  };
  return {
    jobs,
    list: () => jobs.map((j) => ({ ...j })),
    stop(owner, name) {
      remove(owner, name);
      tables.delete(`${owner}.${name}`);
    },
    hasControlTable: (owner, name) => tables.has(`${owner}.${name}`),
    dropControlTable(owner, name) {
      tables.delete(`${owner}.${name}`);
      remove(owner, name);
    },
  };
}

function statementOf(sql: string): StatementName {
  if (sql.startsWith(SQL.dropControlTablePrefix)) return 'dropControlTable';
  const found = (Object.keys(SQL) as Array<keyof typeof SQL>).find((k) => SQL[k] === sql);
  if (!found || found === 'dropControlTablePrefix') throw new Error(`fake database: unexpected SQL: ${sql}`);
  return found;
}

export class RecordedFakeDriver implements SqlDriver {
  readonly calls: FakeCall[] = [];
  /** Every login attempt, with whether it succeeded. */
  readonly logins: Array<{ user: string; ok: boolean }> = [];
  readonly jobs: FakeJobStore;
  private scn: number;

  constructor(readonly model: FakeOracleModel) {
    this.jobs =
      Array.isArray(model.jobs) || model.jobs === undefined ? memoryJobStore(model.jobs) : model.jobs;
    this.scn = model.scn ?? 4_812_337;
  }

  /** Calls of one statement (e.g. `stopJob`), in order. */
  callsOf(statement: StatementName): FakeCall[] {
    return this.calls.filter((c) => c.statement === statement);
  }

  async connect(credential: Credential): Promise<SqlConnection> {
    if (this.model.loginDelayMs) await new Promise((r) => setTimeout(r, this.model.loginDelayMs));
    const name = credential.username.replace(/^"|"$/g, '');
    const user = this.model.users[name.toUpperCase()] ?? this.model.users[name];
    const ok = user !== undefined && user.password === credential.password;
    this.logins.push({ user: name.toUpperCase(), ok });
    if (!ok) throw oraError('ORA-01017', 'invalid credential or not authorized; logon denied');
    const login = name.toUpperCase();
    let open = true;
    return {
      serverVersion: this.model.version ?? '19.27.0.0.0',
      execute: async (sql, binds) => {
        if (!open) throw new DatabaseError('NJS-003: invalid or closed connection', 'NJS-003');
        const statement = statementOf(sql);
        this.calls.push({ user: login, statement, sql, binds: { ...binds } });
        const failure = this.model.failures?.[statement];
        if (failure) throw new DatabaseError(failure, /^([A-Z]+-\d+)/.exec(failure)?.[1]);
        return this.answer(statement, login, user!, binds);
      },
      close: async () => {
        open = false;
      },
    };
  }

  private answer(
    statement: StatementName,
    login: string,
    user: FakeUser,
    binds: Record<string, string | number>,
  ): Array<Record<string, unknown>> {
    const noView = () => oraError('ORA-00942', 'table or view does not exist');
    const roles = new Set([...(user.roles ?? []), 'PUBLIC', login]);
    switch (statement) {
      case 'whoami':
        return [
          { USERNAME: login, DB_NAME: this.model.dbName ?? 'ORCL', CON_NAME: this.model.container ?? null },
        ];
      case 'scn':
        if (!user.dba) throw noView();
        return [{ SCN: String(this.scn++) }];
      case 'scnFlashback':
        return [{ SCN: String(this.scn++) }];
      case 'directory': {
        const dir = this.model.directories?.[String(binds.name)];
        const visible = dir && (user.dba || Object.keys(dir.grants ?? {}).some((g) => roles.has(g)));
        return visible ? [{ DIRECTORY_PATH: dir.path }] : [];
      }
      case 'directoryGrants': {
        const dir = this.model.directories?.[String(binds.name)];
        const privileges = new Set(
          Object.entries(dir?.grants ?? {})
            .filter(([grantee]) => roles.has(grantee))
            .flatMap(([, p]) => p),
        );
        return [...privileges].map((p) => ({ PRIVILEGE: p }));
      }
      case 'segmentsAll':
        if (!user.dba) throw noView();
        return [{ BYTES: String(this.model.segments?.[String(binds.owner)] ?? 0) }];
      case 'segmentsOwn':
        return [{ BYTES: String(this.model.segments?.[login] ?? 0) }];
      case 'jobsAll':
        if (!user.dba) throw noView();
        return this.jobs.list().map(jobRow);
      case 'jobsOwn':
        return this.jobs
          .list()
          .filter((j) => j.owner === login)
          .map((j) => ({ ...jobRow(j), OWNER_NAME: login }));
      case 'stopJob': {
        const owner = String(binds.owner);
        const name = String(binds.job);
        const job = this.jobs.list().find((j) => j.owner === owner && j.jobName === name);
        if (!job || (!user.dba && owner !== login)) throw oraError('ORA-31626', 'job does not exist');
        this.jobs.stop(owner, name);
        return [];
      }
      case 'controlTable':
        return [{ N: this.jobs.hasControlTable(String(binds.owner), String(binds.job)) ? 1 : 0 }];
      case 'dropControlTable': {
        const m = /^DROP TABLE "([^"]+)"\."([^"]+)" PURGE$/.exec(this.calls.at(-1)!.sql);
        if (!m) throw oraError('ORA-00903', 'invalid table name');
        if (!user.dba && m[1] !== login) throw oraError('ORA-01031', 'insufficient privileges');
        this.jobs.dropControlTable(m[1]!, m[2]!);
        return [];
      }
    }
  }
}

function jobRow(j: DataPumpJob): Record<string, unknown> {
  return {
    OWNER_NAME: j.owner,
    JOB_NAME: j.jobName,
    OPERATION: j.operation,
    JOB_MODE: j.jobMode,
    STATE: j.state,
    ATTACHED_SESSIONS: j.attachedSessions,
  };
}

/** A fake OracleDatabase over the recorded driver; `driver.calls` holds every statement it received. */
export function createFakeDatabase(
  model: FakeOracleModel,
  connectString = 'dbhost:1521/ORCLPDB1',
): { database: OracleDatabase; driver: RecordedFakeDriver } {
  const driver = new RecordedFakeDriver(model);
  return { database: createOracleDatabase(driver, connectString), driver };
}
