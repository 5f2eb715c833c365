// The run log and report JSON a run leaves in log-dir. Two runs can share log-dir and start in the same second
// (a run refused by the work-dir lock while another exports, two jobs of one workflow on one runner), so the names
// carry the workflow run and attempt, and a name is claimed with an exclusive create: a run never takes a name
// another run holds, and moves to the next suffix instead. The text is written under a temporary name and renamed
// over the claim once complete, so a final name never holds a partial file; a file that could not be written is
// removed, claim and all, and its path is not given out.
import { lstat, mkdir, open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { localFile, removeFile } from '../deletion.js';
import { temporaryPath } from '../temporary-names.js';
import type { NameTokens } from '../types.js';

type Env = Record<string, string | undefined>;

/** Names tried after the first one (`<stem>_2` ...) before giving up on log-dir. */
const MAX_SUFFIX = 100;

export interface RunFilePaths {
  log: string;
  report: string;
}

const clean = (text: string): string => text.replace(/[^A-Za-z0-9]/g, '');

/** The tags runFileTag gives, as a regular expression source: how retention knows this action's run logs. */
export const RUN_FILE_TAG_PATTERN = String.raw`(?:run[A-Za-z0-9]+-[A-Za-z0-9]+|local\d+-[a-z0-9]+)`;

/**
 * What tells this run's files from other runs': `run<GITHUB_RUN_ID>-<GITHUB_RUN_ATTEMPT>` in Actions, else
 * `local<pid>-<random hex>` (the timestamp is already in the name).
 */
export function runFileTag(env: Env, pid: number, randomHex: string): string {
  const runId = clean(env.GITHUB_RUN_ID ?? '');
  if (runId) return `run${runId}-${clean(env.GITHUB_RUN_ATTEMPT ?? '') || '1'}`;
  return `local${pid}-${clean(randomHex).toLowerCase() || '0'}`;
}

/** `<prefix>_YYYY-MM-DD_HHmmss_<tag>`: sorts by time, and the tag names the run. */
export function runFileStem(prefix: string, tokens: NameTokens, tag: string): string {
  return `${prefix}_${tokens.date}_${tokens.time}_${tag}`;
}

/** The pair of names for suffix `n` (1: none; then `_2`, `_3` ...). */
export function runFilePaths(dir: string, stem: string, n = 1): RunFilePaths {
  const name = n === 1 ? stem : `${stem}_${n}`;
  return { log: path.join(dir, `${name}.log`), report: path.join(dir, `${name}.report.json`) };
}

const exists = (file: string): Promise<boolean> =>
  lstat(file).then(
    () => true,
    () => false,
  );

/** The first pair of names that no file holds yet: what the run calls its files until it claims them. */
export async function freeRunFilePaths(dir: string, stem: string): Promise<RunFilePaths> {
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const paths = runFilePaths(dir, stem, n);
    if (!(await exists(paths.log)) && !(await exists(paths.report))) return paths;
  }
  return runFilePaths(dir, stem, MAX_SUFFIX + 1);
}

/** Creates `file` empty, only if no file has that name; false when one has. */
async function claim(file: string): Promise<boolean> {
  try {
    await (await open(file, 'wx')).close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Claims a pair of names in `dir` (both created empty, exclusively), starting from the stem's own names and moving
 * to the next suffix when either is taken. Throws when `dir` cannot take a file at all.
 */
export async function claimRunFiles(dir: string, stem: string): Promise<RunFilePaths> {
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const paths = runFilePaths(dir, stem, n);
    if (!(await claim(paths.report))) continue;
    let claimedLog = false;
    try {
      claimedLog = await claim(paths.log);
    } finally {
      if (!claimedLog) await releaseRunFile(paths.report);
    }
    if (claimedLog) return paths;
  }
  throw new Error(`no free name for ${stem} in ${dir} after ${MAX_SUFFIX} tries`);
}

/** Gives back a claimed name that will not be written, so no empty file stays behind. */
export async function releaseRunFile(file: string): Promise<void> {
  await removeFile(localFile(file), { kind: 'own-claim' }).catch(() => undefined);
}

/**
 * Writes `text` to a claimed `file`: whole, under a hidden temporary name beside it, then renamed over the claim.
 * On failure (a full disk) the temporary file and the claim are removed and the error is thrown.
 */
export async function writeClaimedRunFile(file: string, text: string): Promise<void> {
  const temp = temporaryPath(file);
  try {
    await writeFile(temp, text, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await removeFile(localFile(temp), { kind: 'own-temporary' }).catch(() => undefined);
    await releaseRunFile(file);
    throw error;
  }
}

export interface RunFileTexts {
  /** The report JSON, given the names claimed (the report names both files). */
  report(paths: RunFilePaths): string;
  /** The run log, called once the report is written or has failed (so the log can say which). */
  log(paths: RunFilePaths, reportWritten: boolean): string;
  /** A file that could not be written: `what` it is, `where` it was to go, and why. Called at once. */
  onProblem(what: string, where: string, error: Error): void;
}

/** Where the files went; a file that was not written has no path. */
export interface WrittenRunFiles {
  report?: string;
  log?: string;
}

/**
 * Claims a pair of names in `dir` and writes the report, then the run log, each whole or not at all. Never throws:
 * every failure goes to `onProblem`, and the file it concerns has no path in the result.
 */
export async function writeRunFiles(
  dir: string | undefined,
  stem: string,
  texts: RunFileTexts,
): Promise<WrittenRunFiles> {
  let paths: RunFilePaths;
  try {
    if (!dir) throw new Error('log-dir is not known: dump-path could not be looked up');
    await mkdir(dir, { recursive: true });
    paths = await claimRunFiles(dir, stem);
  } catch (error) {
    texts.onProblem('the run log and report', dir || 'log-dir', error as Error);
    return {};
  }
  const written: WrittenRunFiles = {};
  try {
    await writeClaimedRunFile(paths.report, texts.report(paths));
    written.report = paths.report;
  } catch (error) {
    texts.onProblem('the report', paths.report, error as Error);
  }
  try {
    await writeClaimedRunFile(paths.log, texts.log(paths, written.report !== undefined));
    written.log = paths.log;
  } catch (error) {
    texts.onProblem('the run log', paths.log, error as Error);
  }
  return written;
}
