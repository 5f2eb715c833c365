// Pre-flight: find everything that would break a long export before it starts, and report it all at once. The
// export client and its release, every login, the directory object (dump-path looked up when empty, else compared
// with it), the
// folders, the free space against an estimate (the database's segments, or the last run's sizes) with a margin.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  errorCode,
  type Credential,
  type DatabaseInfo,
  type OracleDatabase,
  type OracleSession,
} from './database/database.js';
import { localFile, removeFile } from './deletion.js';
import { describeFolderError, destinationFolderProblem } from './deliver/folder.js';
import { preflightSftp, sftpLabel } from './deliver/sftp.js';
import { compareWithDirectory } from './export/dump-location.js';
import { childEnvironment } from './export/expdp-process.js';
import { locateClient } from './export/locate-client.js';
import { checkSmtp } from './report/email.js';
import { formatBytes } from './report/format.js';
import { folderSpace } from './report/free-space.js';
import type { PreflightCheck } from './run-report.js';
import { MAX_DUMP_FILES } from './settings/export-settings.js';
import { resolveRunPaths } from './settings/settings.js';
import { temporaryName } from './temporary-names.js';
import type { Settings } from './types.js';

/** Free space must cover the estimate plus this share. */
export const SPACE_MARGIN = 0.2;
/** Archive size as a share of the dump size when no earlier run tells better (zip level 1-9; level 0 stores). */
const DEFAULT_ARCHIVE_RATIO = 0.5;
const VERSION_TIMEOUT_MS = 20_000;

export type ToolKind = 'expdp' | 'exp';

/** Proves a folder is writable with a probe file; the problem in words, or undefined. */
async function probeWritable(folder: string): Promise<string | undefined> {
  try {
    const probe = path.join(folder, temporaryName('write-probe'));
    await writeFile(probe, 'probe', { flag: 'wx' });
    await removeFile(localFile(probe), { kind: 'own-temporary' });
    return undefined;
  } catch (error) {
    return describeFolderError(folder, error);
  }
}

/** One of the action's own working folders (work-dir, log-dir): created if needed, then proved writable. */
export async function checkWritableFolder(folder: string): Promise<string | undefined> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    return describeFolderError(folder, error);
  }
  return probeWritable(folder);
}

/** A copy-to folder: it must exist already (a missing one may be a share that is not mounted), and be writable. */
export async function checkDestinationFolder(folder: string): Promise<string | undefined> {
  return (await destinationFolderProblem(folder)) ?? probeWritable(folder);
}

/**
 * The client's release from its banner (`Export: Release 19.0.0.0.0 - Production on ...`), read from `<client>
 * help=y`: it prints the banner and its help without logging in, so it is cheap and needs no credentials.
 */
export function readClientRelease(
  executable: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ release?: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(executable, ['help=y'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnvironment({ ...process.env, ...env }),
      windowsHide: true,
    });
    let output = '';
    const add = (chunk: Buffer) => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => child.kill('SIGKILL'), VERSION_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve({ release: /Export:\s+Release\s+(\d+(?:\.\d+)*)/.exec(output)?.[1], output });
    };
    child.on('error', (error) => {
      output += error.message;
      done();
    });
    child.on('close', done);
  });
}

const major = (version: string | undefined): number => Number.parseInt(version ?? '', 10);

/** Login errors that concern one credential; anything else (listener, network) concerns the database. */
const CREDENTIAL_CODES = new Set([
  'ORA-01017',
  'ORA-28000',
  'ORA-28001',
  'ORA-01045',
  'ORA-01005',
  'ORA-28040',
]);

export interface SchemaEstimate {
  schema: string;
  bytes?: number;
  source: 'segments' | 'last run' | 'none';
}

export interface PreflightContext {
  /** The database, when oracle-queries is on. */
  database?: OracleDatabase;
  /** Extra environment for the clients (tests point the simulator at its configuration). */
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export interface PreflightResult {
  checks: PreflightCheck[];
  /** The settings with dump-path (looked up when empty), work-dir and log-dir resolved as far as possible. */
  settings: Settings;
  /** Whether the paths could be resolved (dump-path known). */
  pathsResolved: boolean;
  tool?: { kind: ToolKind; executable: string; release?: string };
  /** False when the export cannot start at all. */
  canExport: boolean;
  /** Logins that failed, by credentialKey, with the reason. */
  loginFailures: Map<string, string>;
  /** One session per login that worked, by credentialKey. */
  sessions: Map<string, OracleSession>;
  database?: DatabaseInfo;
  estimates: SchemaEstimate[];
}

/** The key of a credential in maps (never shown). */
export const credentialKey = (c: Credential): string => JSON.stringify([c.username, c.password]);

function distinctCredentials(settings: Settings): Credential[] {
  const seen = new Map<string, Credential>();
  for (const s of settings.schemas) {
    const c = { username: s.username, password: s.password };
    if (!seen.has(credentialKey(c))) seen.set(credentialKey(c), c);
  }
  return [...seen.values()];
}

/** Data Pump features that legacy exp cannot honour, as a sentence, or undefined when none is asked for. */
function dataPumpOnlyFeatures(settings: Settings): string | undefined {
  const used = [
    settings.export.parallel > 1 && 'parallel',
    settings.export.fileSize > 0 && 'filesize',
    settings.expdpParameters.length > 0 && 'expdp-parameters',
    settings.schemas.some((s) => s.parallel !== undefined || s.exclude !== undefined) &&
      'per-schema parallel/exclude',
  ].filter(Boolean);
  return used.length > 0 ? used.join(', ') : undefined;
}

export async function runPreflight(
  settings: Settings,
  context: PreflightContext = {},
): Promise<PreflightResult> {
  const checks: PreflightCheck[] = [];
  let canExport = true;
  const add = (name: string, ok: boolean, detail: string, blocking: boolean): void => {
    checks.push({ name, ok, detail });
    if (!ok && blocking) canExport = false;
  };
  const result: PreflightResult = {
    checks,
    settings,
    pathsResolved: false,
    canExport: true,
    loginFailures: new Map(),
    sessions: new Map(),
    estimates: [],
  };
  const platform = context.platform ?? process.platform;

  // 1. The export client, and its release.
  const wanted = settings.export.tool;
  const home = settings.oracleHome
    ? `under oracle-home "${settings.oracleHome}"`
    : 'on PATH (set oracle-home)';
  const expdp =
    wanted === 'exp' ? undefined : await locateClient('expdp', settings.oracleHome, undefined, platform);
  const exp =
    wanted === 'exp' || (wanted === 'auto' && !expdp)
      ? await locateClient('exp', settings.oracleHome, undefined, platform)
      : undefined;
  if (expdp) {
    result.tool = { kind: 'expdp', executable: expdp };
    add('export tool', true, `expdp at ${expdp}`, true);
  } else if (exp) {
    result.tool = { kind: 'exp', executable: exp };
    const unsupported = wanted === 'auto' ? dataPumpOnlyFeatures(settings) : undefined;
    add(
      'export tool',
      !unsupported,
      wanted === 'auto'
        ? unsupported
          ? `export-tool auto: expdp is not ${home}, and exp (${exp}) cannot honour ${unsupported}: install expdp, or remove those inputs`
          : `export-tool auto: expdp is not ${home}; using legacy exp at ${exp} (client-side files in work-dir)`
        : `legacy exp at ${exp} (client-side files in work-dir)`,
      true,
    );
  } else {
    const names = wanted === 'expdp' ? 'expdp' : wanted === 'exp' ? 'exp' : 'expdp or exp';
    add('export tool', false, `no ${names} ${home}${settings.oracleHome ? '' : ' or ORACLE_HOME'}`, true);
  }
  if (result.tool) {
    const { release, output } = await readClientRelease(result.tool.executable, context.env);
    result.tool.release = release;
    const last = output.trim().split('\n').pop()?.trim() ?? '';
    add(
      `${result.tool.kind} release`,
      release !== undefined,
      release
        ? `${result.tool.kind} ${release}`
        : `could not read the release from "${result.tool.kind} help=y"${last ? `: ${last}` : ''}`,
      false,
    );
  }
  const kind: ToolKind = result.tool?.kind ?? (wanted === 'exp' ? 'exp' : 'expdp');

  // 2. Logins, the database, the directory object and dump-path.
  let dumpPath = settings.dumpPath;
  let dumpPathSource = 'given';
  // The directory object's path in the database, to compare a given dump-path with.
  let directoryPath: string | undefined;
  if (context.database) {
    for (const credential of distinctCredentials(settings)) {
      const label = `login ${credential.username}`;
      try {
        const session = await context.database.session(credential);
        result.sessions.set(credentialKey(credential), session);
        result.database ??= session.info;
        add(label, true, `logged in as ${session.info.user}`, false);
      } catch (error) {
        const code = errorCode(error);
        const message = (error as Error).message;
        if (code && CREDENTIAL_CODES.has(code)) {
          result.loginFailures.set(credentialKey(credential), message);
          const users = settings.schemas.filter((s) => s.username === credential.username).map((s) => s.name);
          add(label, false, `${message} (schemas ${users.join(', ')} will not be exported)`, false);
        } else {
          add(
            'database',
            false,
            `cannot reach ${settings.connectString} as ${credential.username}: ${message}; check connect-string ` +
              'and the network, or set oracle-queries: false where only expdp can log in',
            true,
          );
          break;
        }
      }
    }
    const info = result.database;
    if (info) {
      add(
        'database',
        true,
        `${[info.name, info.container].filter(Boolean).join('/') || settings.connectString}, release ${info.version}`,
        false,
      );
      if (result.tool?.release && major(result.tool.release) > major(info.version))
        add(
          `${kind} compatibility`,
          false,
          `${kind} ${result.tool.release} is newer than the database (${info.version}), which fails with UDE-00018: ` +
            "use the client of the database's own Oracle home (oracle-home)",
          true,
        );
    }
    if (kind === 'expdp') {
      for (const session of result.sessions.values()) {
        const user = session.info.user;
        const name = `directory ${settings.directory} (${user})`;
        try {
          const dir = await session.directory(settings.directory);
          if (!dir) {
            add(
              name,
              false,
              `${user} cannot see the directory object ${settings.directory} (expdp would fail with ORA-39087): ` +
                `CREATE DIRECTORY ${settings.directory} AS '<folder>'; GRANT READ, WRITE ON DIRECTORY ${settings.directory} TO ${user};`,
              true,
            );
            continue;
          }
          const missing = [!dir.read && 'READ', !dir.write && 'WRITE'].filter(Boolean).join(' and ');
          add(
            name,
            missing === '',
            missing
              ? `${user} has no ${missing} on ${settings.directory} (${dir.path}): GRANT READ, WRITE ON DIRECTORY ${settings.directory} TO ${user};`
              : `${dir.path}, READ and WRITE granted`,
            true,
          );
          directoryPath ??= dir.path || undefined;
          if (dumpPath === '') {
            dumpPath = dir.path;
            dumpPathSource = `looked up in ALL_DIRECTORIES for ${settings.directory}`;
          }
        } catch (error) {
          add(name, false, `could not read ALL_DIRECTORIES: ${(error as Error).message}`, true);
        }
      }
    }
  }

  // 3. The folders: dump-path (as this runner sees it), work-dir, log-dir, copy-to.
  if (kind === 'expdp' && dumpPath === '') {
    add(
      'dump-path',
      false,
      `dump-path is empty and could not be looked up (no working login could read ALL_DIRECTORIES); give the folder of ${settings.directory} as this runner sees it`,
      true,
    );
  }
  if (dumpPath !== '' || settings.workDir !== '') {
    result.settings = resolveRunPaths(settings, dumpPath, kind);
    result.pathsResolved = true;
  }
  const resolved = result.settings;
  if (kind === 'expdp' && dumpPath !== '') {
    try {
      const info = await stat(dumpPath);
      if (!info.isDirectory()) add('dump-path', false, `${dumpPath} is not a folder`, true);
      else {
        await access(dumpPath, constants.R_OK);
        // A given dump-path that exists may still be another folder than the one Data Pump writes to.
        const directory =
          dumpPathSource === 'given' && directoryPath !== undefined
            ? await compareWithDirectory(dumpPath, settings.directory, directoryPath)
            : undefined;
        add(
          'dump-path',
          directory?.ok ?? true,
          directory?.detail ?? (dumpPathSource === 'given' ? dumpPath : `${dumpPath} (${dumpPathSource})`),
          true,
        );
      }
    } catch (error) {
      const why = describeFolderError(dumpPath, error);
      add(
        'dump-path',
        false,
        dumpPathSource === 'given'
          ? why
          : `${why}: the database's path of ${settings.directory} is not reachable from this runner; give dump-path as the runner sees that folder`,
        true,
      );
    }
  }
  if (resolved.workDir) {
    const workProblem = await checkWritableFolder(resolved.workDir);
    add('work-dir', !workProblem, workProblem ?? `${resolved.workDir} is writable`, true);
  }
  if (resolved.logDir) {
    const logProblem = await checkWritableFolder(resolved.logDir);
    add('log-dir', !logProblem, logProblem ?? `${resolved.logDir} is writable`, false);
  }
  // A destination problem fails that destination only: the export still runs for work-dir and the others.
  for (const folder of resolved.copyTo) {
    const problem = await checkDestinationFolder(folder);
    add(`copy-to ${folder}`, !problem, problem ?? 'reachable and writable', false);
  }

  // 4. Free space against the estimate.
  if (result.pathsResolved) {
    const { estimates, archiveRatio } = await estimateSizes(resolved, result.sessions);
    result.estimates = estimates;
    for (const check of await spaceChecks(resolved, estimates, archiveRatio))
      add(check.name, check.ok, check.detail, true);
  }

  // 5. Destinations and the e-mail server.
  if (resolved.sftp) {
    // Connects, pins the host key and writes a probe file: a wrong fingerprint shows before the export.
    const sftp = await preflightSftp(resolved.sftp);
    add(sftpLabel(resolved.sftp), sftp.ok, sftp.detail, false);
  }
  if (resolved.smtp) {
    // Connect and log in without sending: a wrong password should show before a long export, not after it.
    const smtp = await checkSmtp(resolved.smtp);
    const where = `smtp ${resolved.smtp.host}:${resolved.smtp.port}`;
    add(where, smtp.ok, smtp.ok ? 'connected and logged in' : (smtp.error ?? 'failed'), false);
  }
  result.canExport = canExport;
  return result;
}

/** The newest report JSON in log-dir that has per-schema sizes, for its dump and archive sizes. */
async function lastRunSizes(
  logDir: string,
): Promise<{ dumpBytes: Map<string, number>; archiveRatio?: number } | undefined> {
  const names = (await readdir(logDir).catch(() => [] as string[]))
    .filter((n) => /^oracle-backup_.*\.report\.json$/.test(n))
    .sort()
    .reverse();
  for (const name of names.slice(0, 10)) {
    try {
      const report = JSON.parse(await readFile(path.join(logDir, name), 'utf8')) as {
        dryRun?: boolean;
        bytesExported?: number;
        bytesArchived?: number;
        schemas?: Array<{ name?: string; outcome?: string; dumpBytes?: number }>;
      };
      if (report.dryRun || !Array.isArray(report.schemas)) continue;
      const dumpBytes = new Map<string, number>();
      for (const s of report.schemas)
        if (s.name && s.outcome !== 'failed' && (s.dumpBytes ?? 0) > 0) dumpBytes.set(s.name, s.dumpBytes!);
      if (dumpBytes.size === 0) continue;
      const ratio =
        (report.bytesExported ?? 0) > 0 && (report.bytesArchived ?? 0) > 0
          ? report.bytesArchived! / report.bytesExported!
          : undefined;
      return { dumpBytes, archiveRatio: ratio };
    } catch {
      // not a report of ours: the next one
    }
  }
  return undefined;
}

/** Per schema: the last run's dump size when there is one (what a dump really takes), else its segments. */
async function estimateSizes(
  settings: Settings,
  sessions: Map<string, OracleSession>,
): Promise<{ estimates: SchemaEstimate[]; archiveRatio?: number }> {
  const last = await lastRunSizes(settings.logDir);
  const estimates: SchemaEstimate[] = [];
  for (const schema of settings.schemas) {
    const previous = last?.dumpBytes.get(schema.name);
    if (previous !== undefined) {
      estimates.push({ schema: schema.name, bytes: previous, source: 'last run' });
      continue;
    }
    // Its own login may only see its own segments; another login may see DBA_SEGMENTS.
    const session = sessions.get(credentialKey(schema)) ?? [...sessions.values()][0];
    const bytes = session ? await session.schemaBytes(schema.name).catch(() => undefined) : undefined;
    estimates.push({ schema: schema.name, bytes, source: bytes === undefined ? 'none' : 'segments' });
  }
  return { estimates, archiveRatio: last?.archiveRatio };
}

interface SpaceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** Measured as the reports' free-space section measures it at the end of the run. */
async function freeBytes(folder: string): Promise<{ free: number; device: number } | undefined> {
  const space = await folderSpace(folder);
  return space && { free: space.free, device: space.device };
}

async function spaceChecks(
  settings: Settings,
  estimates: SchemaEstimate[],
  archiveRatio: number | undefined,
): Promise<SpaceCheck[]> {
  const known = estimates.filter((e) => e.bytes !== undefined);
  const total = known.reduce((n, e) => n + (e.bytes ?? 0), 0);
  const unknown = estimates.filter((e) => e.bytes === undefined).map((e) => e.schema);
  const ratio = archiveRatio ?? (settings.compressionLevel === 0 ? 1 : DEFAULT_ARCHIVE_RATIO);
  const sources = [...new Set(known.map((e) => e.source))].join(' and ');
  const basis =
    known.length === 0
      ? 'no size estimate (no database query and no earlier report)'
      : `estimate ${formatBytes(total)} from ${sources}` +
        (unknown.length > 0 ? `; none for ${unknown.join(', ')}` : '');

  const checks: SpaceCheck[] = [];
  const places = [
    { label: 'dump-path', folder: settings.dumpPath, need: total },
    { label: 'work-dir', folder: settings.workDir, need: Math.round(total * ratio) },
  ];
  const dump = await freeBytes(places[0]!.folder);
  const work = await freeBytes(places[1]!.folder);
  const sameDevice = dump && work && dump.device === work.device;
  const targets = sameDevice
    ? [
        {
          label: 'dump-path and work-dir',
          folder: settings.workDir,
          need: places[0]!.need + places[1]!.need,
          free: work,
        },
      ]
    : [
        { ...places[0]!, free: dump },
        { ...places[1]!, free: work },
      ];
  for (const t of targets) {
    if (!t.free) continue;
    const name = `disk space ${t.label}`;
    if (known.length === 0) {
      checks.push({
        name,
        ok: t.free.free > 0,
        detail: `${formatBytes(t.free.free)} free at ${t.folder}; ${basis}`,
      });
      continue;
    }
    const needed = Math.ceil(t.need * (1 + SPACE_MARGIN));
    const what =
      t.label === 'work-dir'
        ? `archives (${Math.round(ratio * 100)}% of the dumps)`
        : t.label === 'dump-path'
          ? 'dumps'
          : `dumps and archives (${Math.round(ratio * 100)}%)`;
    const ok = t.free.free >= needed;
    checks.push({
      name,
      ok,
      detail:
        `${formatBytes(t.free.free)} free at ${t.folder}, ${formatBytes(needed)} needed for the ${what} ` +
        `(${basis}, + ${Math.round(SPACE_MARGIN * 100)}% margin)` +
        (ok ? '' : `: free ${formatBytes(needed - t.free.free)} or more there`),
    });
  }
  if (settings.export.fileSize > 0) {
    for (const e of known) {
      const files = Math.ceil((e.bytes ?? 0) / settings.export.fileSize);
      if (files > MAX_DUMP_FILES)
        checks.push({
          name: `filesize ${e.schema}`,
          ok: false,
          detail:
            `${e.schema} is estimated at ${formatBytes(e.bytes ?? 0)}: in pieces of ${formatBytes(settings.export.fileSize)} ` +
            `that is ${files} files, but %U allows ${MAX_DUMP_FILES} (ORA-39095); raise filesize`,
        });
    }
  }
  return checks;
}
