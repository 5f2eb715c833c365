// node-oracledb as the SqlDriver: Thin mode (pure JavaScript, no Oracle client) by default. When the database
// needs what only Thick mode has (old password verifiers, databases before 12.1, native network encryption) and
// oracle-home is known, that home's client libraries are loaded; otherwise the error says what to do.
import oracledb from 'oracledb';
import path from 'node:path';
import { DatabaseError, errorCode, type SqlConnection, type SqlDriver } from './database.js';

/** Seconds to reach the listener: a wrong host must fail the pre-flight, not hang it. */
const CONNECT_TIMEOUT_S = 15;
/** Milliseconds per round trip (STOP_JOB included). */
const CALL_TIMEOUT_MS = 120_000;

/** Thin-mode errors that Thick mode solves. */
const THICK_ONLY = new Set(['NJS-116', 'NJS-138', 'NJS-533']);

export interface ThinDriverOptions {
  /** The Oracle home whose client libraries Thick mode may load ('' when unknown). */
  oracleHome: string;
  log?: (message: string) => void;
}

let thickEnabled = false;

/** The client library folder of an Oracle home (bin on Windows, lib elsewhere). */
export function clientLibDir(oracleHome: string, platform = process.platform): string {
  return platform === 'win32' ? path.win32.join(oracleHome, 'bin') : path.join(oracleHome, 'lib');
}

function explainThick(code: string, cause: string, oracleHome: string, thickError?: string): string {
  const why =
    code === 'NJS-116'
      ? 'the login uses an old password verifier'
      : code === 'NJS-138'
        ? 'the database is older than 12.1'
        : 'the database requires native network encryption';
  const base = `${cause} — ${why}, which node-oracledb supports only in Thick mode`;
  if (!oracleHome)
    return `${base}; set oracle-home to an Oracle home (or Instant Client) whose client libraries can be loaded, or set oracle-queries: false`;
  return (
    `${base}; Thick mode with ${clientLibDir(oracleHome)} failed too (${thickError}); on Linux start the step with ` +
    `LD_LIBRARY_PATH=${clientLibDir(oracleHome)}, or set oracle-queries: false`
  );
}

export function thinDriver(options: ThinDriverOptions): SqlDriver {
  const connectOnce = async (user: string, password: string, connectString: string) => {
    const conn = await oracledb.getConnection({
      user,
      password,
      connectString,
      connectTimeout: CONNECT_TIMEOUT_S,
      transportConnectTimeout: CONNECT_TIMEOUT_S,
    });
    conn.callTimeout = CALL_TIMEOUT_MS;
    return conn;
  };
  return {
    async connect(credential, connectString): Promise<SqlConnection> {
      let conn: oracledb.Connection;
      try {
        conn = await connectOnce(credential.username, credential.password, connectString);
      } catch (error) {
        const code = errorCode(error);
        if (!code || !THICK_ONLY.has(code) || thickEnabled) throw error;
        const cause = (error as Error).message.split('\n')[0] ?? code;
        if (!options.oracleHome) throw new DatabaseError(explainThick(code, cause, ''), code);
        try {
          oracledb.initOracleClient({ libDir: clientLibDir(options.oracleHome) });
          thickEnabled = true;
          options.log?.(
            `node-oracledb Thick mode with the client libraries of ${options.oracleHome} (${code})`,
          );
        } catch (thickError) {
          const detail = (thickError as Error).message.split('\n')[0];
          throw new DatabaseError(explainThick(code, cause, options.oracleHome, detail), code);
        }
        conn = await connectOnce(credential.username, credential.password, connectString);
      }
      return {
        serverVersion: conn.oracleServerVersionString,
        async execute(sql, binds) {
          const result = await conn.execute<Record<string, unknown>>(sql, binds, {
            outFormat: oracledb.OUT_FORMAT_OBJECT,
          });
          return result.rows ?? [];
        },
        close: () => conn.close(),
      };
    },
  };
}
