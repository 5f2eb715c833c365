// Carries the run history (history.ts) across ephemeral runners with the Actions cache: restored by key prefix
// before the run (the newest cache of this database and work-dir wins), saved under a new key after it (a cache
// entry can never be overwritten, so every run adds one; GitHub evicts the old ones). On a self-hosted runner the
// file simply stays in work-dir, and the cache only adds a copy.
//
// Caching is a convenience: outside Actions (no cache service variables) it is skipped with a notice, and any
// cache failure is a warning at most. Nothing here changes a run's status. The manifests at the destinations
// remain the source of truth about the backups; the history only feeds the trend chart and the size alert.
import * as cache from '@actions/cache';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { RunReport } from '../run-report.js';
import {
  addRun,
  historyPath,
  mergeRuns,
  readHistoryFile,
  runsOf,
  withHistoryLock,
  writeHistoryFile,
  type RunHistoryEntry,
} from './history.js';

/** The cache as the history needs it; the Actions implementation is `actionsHistoryCache`, tests use fakes. */
export interface HistoryCache {
  /** Restores `path` from the newest cache whose key starts with `keyPrefix`; false when there is none. */
  restore(path: string, keyPrefix: string): Promise<boolean>;
  /** Saves `path` under `key` (new per run). */
  save(path: string, key: string): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Whether the runner gives this step the cache service (the same variables @actions/cache reads). */
export function historyCacheAvailable(env: Env = process.env): boolean {
  const url = env.ACTIONS_CACHE_SERVICE_V2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL;
  return Boolean(url && env.ACTIONS_RUNTIME_TOKEN);
}

/** `oracle-backup-history-<hash of connect string + work-dir>-`: one history per database and work-dir. */
export function historyCacheKeyPrefix(connectString: string, workDir: string): string {
  const hash = createHash('sha256')
    .update(`${connectString.trim()}\n${path.resolve(workDir)}`)
    .digest('hex')
    .slice(0, 16);
  return `oracle-backup-history-${hash}-`;
}

/** A key no earlier run used: run id and attempt, and the time (the action may run twice in one job). */
export function historyCacheKey(prefix: string, runId: string, attempt: string, now: Date): string {
  const clean = (text: string): string => text.replace(/[^A-Za-z0-9._-]/g, '') || '0';
  return `${prefix}${clean(runId)}-${clean(attempt)}-${now.getTime().toString(36)}`;
}

/** @actions/cache. Its restore and save warn and return on most failures themselves; the rest throw. */
export const actionsHistoryCache: HistoryCache = {
  async restore(file, keyPrefix) {
    const key = await cache.restoreCache([file], keyPrefix, [keyPrefix]);
    return key !== undefined;
  },
  async save(file, key) {
    const id = await cache.saveCache([file], key);
    if (id === -1) throw new Error('the cache service did not store it (see the warning above)');
  },
};

export interface HistoryOptions {
  workDir: string;
  connectString: string;
  cache: HistoryCache;
  env?: Env;
}

export interface LoadedHistory {
  /** This database's earlier runs, oldest first: what buildSummary takes as `history`. */
  runs: RunHistoryEntry[];
  restored: boolean;
  /** For the log (core.info): what happened, nothing is wrong. */
  info: string[];
  /** For core.notice: the cache was skipped (outside Actions), nothing is wrong. */
  notices: string[];
  /** For core.warning: the history may be incomplete, the backup is not affected. */
  warnings: string[];
}

/**
 * Before the run: the history in work-dir, merged with the newest one in the cache. Restoring overwrites the
 * file, so the local runs are read first and written back merged (a self-hosted runner may hold runs the cache
 * lacks). Never throws.
 */
export async function loadHistory(options: HistoryOptions): Promise<LoadedHistory> {
  // Restoring overwrites the file and the merge writes it back: another run's update in between would be lost.
  return withHistoryLock(historyPath(options.workDir), () => loadHistoryLocked(options));
}

async function loadHistoryLocked(options: HistoryOptions): Promise<LoadedHistory> {
  const file = historyPath(options.workDir);
  const info: string[] = [];
  const notices: string[] = [];
  const warnings: string[] = [];
  const local = await readHistoryFile(file);
  if (local.problem) warnings.push(`run history: ${local.problem}; starting from what could be read`);
  let runs = local.runs;
  let restored = false;
  if (!historyCacheAvailable(options.env)) {
    notices.push(
      'run history: the Actions cache is not available here (no cache service variables), so only the history ' +
        `in ${file} is used`,
    );
  } else {
    const prefix = historyCacheKeyPrefix(options.connectString, options.workDir);
    try {
      restored = await options.cache.restore(file, prefix);
    } catch (error) {
      warnings.push(`run history: not restored from the Actions cache: ${(error as Error).message}`);
    }
    if (restored) {
      const cached = await readHistoryFile(file);
      if (cached.problem) warnings.push(`run history from the cache: ${cached.problem}`);
      runs = mergeRuns(local.runs, cached.runs);
      if (runs.length !== cached.runs.length || runs.some((r, i) => r.id !== cached.runs[i]?.id)) {
        try {
          await writeHistoryFile(file, runs);
        } catch (error) {
          warnings.push(`run history: cannot write ${file}: ${(error as Error).message}`);
        }
      }
      info.push(`run history: restored from the Actions cache (${runs.length} run(s))`);
    } else if (warnings.length === 0) {
      info.push('run history: none in the Actions cache yet; it starts with this run');
    }
  }
  return { runs: runsOf(runs, options.connectString), restored, info, notices, warnings };
}

export interface StoredHistory {
  /** This database's runs, this one included. */
  runs: RunHistoryEntry[];
  written: boolean;
  saved: boolean;
  /** For the log (core.info). */
  info: string[];
  /** For core.warning: the history was not kept; the backup is not affected. */
  warnings: string[];
}

/**
 * After the run (and after the summary): adds the run to the file in work-dir and saves the file to the cache
 * under a new key. A dry run is not recorded. Never throws.
 */
export async function storeHistory(
  options: HistoryOptions & {
    report: RunReport;
    /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (for the cache key and the entry). */
    runId: string;
    attempt?: string;
    now?: Date;
  },
): Promise<StoredHistory> {
  const file = historyPath(options.workDir);
  const result: StoredHistory = { runs: [], written: false, saved: false, info: [], warnings: [] };
  if (options.report.dryRun) {
    result.runs = runsOf((await readHistoryFile(file)).runs, options.connectString);
    result.info.push('run history: a dry run is not recorded');
    return result;
  }
  // Read, add and write as one step, so a run ending at the same moment (one refused by the work-dir lock while
  // the other finishes) adds its run to this file and does not write over it.
  await withHistoryLock(file, async () => {
    const all = addRun((await readHistoryFile(file)).runs, options.report, {
      runId: options.runId,
      attempt: options.attempt || '1',
    });
    result.runs = runsOf(all, options.connectString);
    try {
      await writeHistoryFile(file, all);
      result.written = true;
    } catch (error) {
      result.warnings.push(`run history: cannot write ${file}: ${(error as Error).message}`);
    }
  });
  if (!result.written) return result;
  if (!historyCacheAvailable(options.env)) {
    result.info.push(`run history: kept in ${file}; the Actions cache is not available here`);
    return result;
  }
  const key = historyCacheKey(
    historyCacheKeyPrefix(options.connectString, options.workDir),
    options.runId,
    options.attempt || '1',
    options.now ?? new Date(),
  );
  try {
    await options.cache.save(file, key);
    result.saved = true;
    result.info.push(`run history: saved to the Actions cache as ${key}`);
  } catch (error) {
    result.warnings.push(
      `run history: not saved to the Actions cache (${(error as Error).message}); the next run on another runner ` +
        'starts with an older history. The backup is not affected.',
    );
  }
  return result;
}
