// The workflow artifact of a run (`upload-artifact`): the run log, the report JSON and the manifests — with `all`,
// the verified archives too. Uploaded through `ArtifactUploader` (the Actions implementation wraps
// @actions/artifact's DefaultArtifactClient). Outside Actions, without the runtime variables, it is skipped with
// a notice; a failed upload is a warning. Neither changes the run's status: the backup is at its destinations.
//
// Layout of the artifact (`oracle-backup-<run id>-<attempt>[-<database>]`):
//   <run log>.log, <run log>.report.json, manifests/<archive>.zip.manifest.json, archives/<archive>.zip (all only)
// The files are linked (not copied) into a staging folder, so that an archive of many GiB costs no disk space.
import { DefaultArtifactClient } from '@actions/artifact';
import { copyFile, link, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunReport } from '../run-report.js';
import type { UploadArtifact } from '../settings/report-settings.js';

export interface ArtifactUploadResult {
  id?: number;
  size?: number;
}

/** What uploading needs; `actionsArtifactUploader` is the real one, tests use a fake service or a fake uploader. */
export interface ArtifactUploader {
  /** Uploads `files` (absolute paths under `rootDirectory`, which is cut from their names) as artifact `name`. */
  upload(name: string, files: string[], rootDirectory: string): Promise<ArtifactUploadResult>;
}

export const actionsArtifactUploader: ArtifactUploader = {
  async upload(name, files, rootDirectory) {
    const result = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory);
    return { id: result.id, size: result.size };
  },
};

type Env = Record<string, string | undefined>;

/** Whether the runner gave this step what the artifact service needs. */
export function artifactAvailable(env: Env = process.env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}

/**
 * `oracle-backup-<run id>-<attempt>`, with the database name when given (two jobs of one run backing up two
 * databases must not collide). Only characters every artifact name and file system accepts.
 */
export function artifactName(runId: string, attempt = '1', database?: string): string {
  const clean = (text: string): string =>
    text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  const parts = ['oracle-backup', clean(runId) || 'local', clean(attempt) || '1'];
  const db = database ? clean(database).slice(0, 60) : '';
  if (db) parts.push(db);
  return parts.join('-');
}

export interface ArtifactFile {
  /** Where the file is on this runner. */
  source: string;
  /** Its path inside the artifact. */
  name: string;
}

/** The files `mode` puts in the artifact, as the report names them (whether they exist is checked later). */
export function artifactFiles(report: RunReport, mode: UploadArtifact): ArtifactFile[] {
  if (mode === 'none') return [];
  const files: ArtifactFile[] = [];
  if (report.logPath) files.push({ source: report.logPath, name: path.basename(report.logPath) });
  if (report.reportPath) files.push({ source: report.reportPath, name: path.basename(report.reportPath) });
  // Only a verified archive has a manifest written beside it; it is the one worth having.
  const good = report.archives.filter((a) => a.verified);
  for (const a of good)
    files.push({ source: a.manifestPath, name: `manifests/${path.basename(a.manifestPath)}` });
  if (mode === 'all')
    for (const a of good) files.push({ source: a.path, name: `archives/${path.basename(a.path)}` });
  return files;
}

export interface ArtifactOutcome {
  uploaded: boolean;
  name: string;
  /** Paths inside the artifact. */
  files: string[];
  /** Files the report names that were not there (e.g. log-dir was not writable). */
  missing: string[];
  id?: number;
  bytes?: number;
  /** For the log (core.info): what happened. */
  info: string[];
  /** For core.notice: the upload was skipped (outside Actions, GHES); nothing is wrong. */
  notices: string[];
  /** For core.warning: the artifact is missing or incomplete; the backup is not affected. */
  warnings: string[];
}

export interface UploadRunArtifactOptions {
  mode: UploadArtifact;
  uploader: ArtifactUploader;
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT. */
  runId: string;
  attempt?: string;
  /** Database name for the artifact name (email.ts `databaseName`). */
  database?: string;
  /** Where the staging folder goes (RUNNER_TEMP); the system's temp folder otherwise. */
  tempRoot?: string;
  env?: Env;
}

/** A name for `source` at `target` without copying: a symbolic link, else a hard link, else (last) a copy. */
async function place(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await symlink(path.resolve(source), target, 'file');
  } catch {
    try {
      await link(source, target);
    } catch {
      await copyFile(source, target);
    }
  }
}

/** Uploads the run's artifact. Never throws. */
export async function uploadRunArtifact(
  report: RunReport,
  options: UploadRunArtifactOptions,
): Promise<ArtifactOutcome> {
  const name = artifactName(options.runId, options.attempt, options.database);
  const outcome: ArtifactOutcome = {
    uploaded: false,
    name,
    files: [],
    missing: [],
    info: [],
    notices: [],
    warnings: [],
  };
  if (options.mode === 'none') {
    outcome.info.push('workflow artifact: not uploaded (upload-artifact is none)');
    return outcome;
  }
  if (!artifactAvailable(options.env ?? process.env)) {
    outcome.notices.push(
      'workflow artifact: skipped, this is not a GitHub Actions job (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL ' +
        'are not set); the run log and report are in log-dir',
    );
    return outcome;
  }

  const wanted = artifactFiles(report, options.mode);
  const present: ArtifactFile[] = [];
  for (const file of wanted) {
    const info = await stat(file.source).catch(() => undefined);
    if (info?.isFile()) present.push(file);
    else outcome.missing.push(file.source);
  }
  if (outcome.missing.length > 0)
    outcome.warnings.push(`workflow artifact: left out, not found: ${outcome.missing.join(', ')}`);
  if (present.length === 0) {
    outcome.warnings.push('workflow artifact: not uploaded, none of its files exists');
    return outcome;
  }

  let stage: string | undefined;
  try {
    stage = await mkdtemp(path.join(options.tempRoot || tmpdir(), 'oracle-backup-artifact-'));
    const staged: string[] = [];
    for (const file of present) {
      const target = path.join(stage, ...file.name.split('/'));
      await place(file.source, target);
      staged.push(target);
    }
    const result = await options.uploader.upload(name, staged, stage);
    outcome.uploaded = true;
    outcome.files = present.map((f) => f.name);
    outcome.id = result.id;
    outcome.bytes = result.size;
    const archives = present.filter((f) => f.name.startsWith('archives/')).length;
    outcome.info.push(
      `workflow artifact: ${name} uploaded (${present.length} file(s)` +
        (archives ? `, ${archives} archive(s): readable by anyone with read access to the repository` : '') +
        ')',
    );
  } catch (error) {
    const e = error as Error;
    if (e?.name === 'GHESNotSupportedError') outcome.notices.push(`workflow artifact: skipped, ${e.message}`);
    else
      outcome.warnings.push(
        `workflow artifact: ${name} not uploaded: ${e?.message ?? String(error)}; the backup is not affected ` +
          '(the run log and report are in log-dir)',
      );
  } finally {
    if (stage) await rm(stage, { recursive: true, force: true }).catch(() => undefined);
  }
  return outcome;
}
