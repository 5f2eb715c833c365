import { configure, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsArtifactUploader,
  artifactAvailable,
  artifactFiles,
  artifactName,
  uploadRunArtifact,
  type ArtifactUploader,
} from '../src/report/artifact.js';
import type { RunReport } from '../src/run-report.js';
import { sampleReport } from './fixtures/email-report.js';
import { FakeResultsService } from './helpers/fake-results-service.js';

configure({ useWebWorkers: false });

const sha256 = (data: Buffer | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A finished run on disk: log and report in log-dir, a verified archive with its manifest in work-dir. */
async function runOnDisk(): Promise<{ report: RunReport; files: Record<string, Buffer>; root: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'oba-artifact-'));
  const logDir = path.join(root, 'logs');
  const workDir = path.join(root, 'work');
  await mkdir(logDir);
  await mkdir(workDir);
  const report = sampleReport();
  const archive = report.archives[0]!;
  archive.path = path.join(workDir, archive.name);
  archive.manifestPath = `${archive.path}.manifest.json`;
  // An unverified archive (no manifest beside it) is never part of the artifact.
  report.archives.push({
    ...archive,
    name: 'broken.zip',
    path: path.join(workDir, 'broken.zip'),
    manifestPath: path.join(workDir, 'broken.zip.manifest.json'),
    verified: false,
  });
  report.logPath = path.join(logDir, 'oracle-backup_2026-11-21_013000.log');
  report.reportPath = path.join(logDir, 'oracle-backup_2026-11-21_013000.report.json');
  const files: Record<string, Buffer> = {
    [report.logPath]: Buffer.from('2026-11-21T01:30:00.001Z INFO  started\n'.repeat(200)),
    [report.reportPath]: Buffer.from(JSON.stringify(report, null, 2)),
    [archive.manifestPath]: Buffer.from('{"format":"oracle-backup-manifest"}\n'),
    // Large enough for several blocks would take long; random, so the zip cannot shrink it to nothing.
    [archive.path]: randomBytes(3 * 1024 * 1024),
    [path.join(workDir, 'broken.zip')]: Buffer.from('not a zip'),
  };
  for (const [file, content] of Object.entries(files)) await writeFile(file, content);
  return { report, files, root };
}

/** The entries of the uploaded zip, by name. */
async function unzip(blob: Buffer): Promise<Record<string, Buffer>> {
  const reader = new ZipReader(new Uint8ArrayReader(new Uint8Array(blob)));
  const out: Record<string, Buffer> = {};
  for (const entry of await reader.getEntries()) {
    if (entry.directory || !entry.getData) continue;
    out[entry.filename] = Buffer.from(await entry.getData(new Uint8ArrayWriter()));
  }
  await reader.close();
  return out;
}

describe('artifact naming and content', () => {
  it('names the artifact per run and attempt, and per database', () => {
    expect(artifactName('4242', '2')).toBe('oracle-backup-4242-2');
    expect(artifactName('4242', '1', 'ORCLPDB1')).toBe('oracle-backup-4242-1-ORCLPDB1');
    expect(artifactName('4242', '1', 'db/x:"y"')).toBe('oracle-backup-4242-1-db-x-y');
  });

  it('holds the run log, report and manifests; the archives only with all', async () => {
    const { report } = await runOnDisk();
    const names = (mode: 'report' | 'all' | 'none'): string[] =>
      artifactFiles(report, mode).map((f) => f.name);
    expect(names('report')).toEqual([
      'oracle-backup_2026-11-21_013000.log',
      'oracle-backup_2026-11-21_013000.report.json',
      'manifests/oracle-backup_2026-11-21_013000.zip.manifest.json',
    ]);
    expect(names('all')).toEqual([...names('report'), 'archives/oracle-backup_2026-11-21_013000.zip']);
    expect(names('none')).toEqual([]);
  });
});

describe('uploadRunArtifact outside Actions', () => {
  it('is skipped with a notice, never an error, and nothing is touched', async () => {
    const { report } = await runOnDisk();
    const calls: string[] = [];
    const uploader: ArtifactUploader = {
      async upload(name) {
        calls.push(name);
        return {};
      },
    };
    expect(artifactAvailable({})).toBe(false);
    const outcome = await uploadRunArtifact(report, { mode: 'report', uploader, runId: '1', env: {} });
    expect(outcome).toMatchObject({ uploaded: false, warnings: [] });
    expect(outcome.notices.join()).toMatch(/skipped, this is not a GitHub Actions job/);
    expect(calls).toEqual([]);
    const none = await uploadRunArtifact(report, {
      mode: 'none',
      uploader,
      runId: '1',
      env: { ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'http://x' },
    });
    expect(none).toMatchObject({ uploaded: false, warnings: [], notices: [] });
    expect(none.info.join()).toMatch(/upload-artifact is none/);
    expect(calls).toEqual([]);
  });
});

describe('uploadRunArtifact through @actions/artifact to a local results service', () => {
  const service = new FakeResultsService();
  const saved = { ...process.env };

  beforeAll(async () => {
    await service.start();
  });
  afterAll(async () => {
    await service.stop();
  });
  afterEach(() => {
    process.env = { ...saved };
    service.failCreate = undefined;
  });

  function actionsEnv(tempRoot: string): Record<string, string> {
    const env = {
      ACTIONS_RUNTIME_TOKEN: service.token,
      ACTIONS_RESULTS_URL: service.url,
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: tempRoot,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    };
    // @actions/artifact reads the process environment itself.
    Object.assign(process.env, env);
    return env;
  }

  it('uploads the run log, report JSON and manifest, and they arrive intact', async () => {
    const { report, files, root } = await runOnDisk();
    const env = actionsEnv(root);
    const outcome = await uploadRunArtifact(report, {
      mode: 'report',
      uploader: actionsArtifactUploader,
      runId: '4242',
      attempt: '1',
      database: 'ORCLPDB1',
      tempRoot: root,
      env,
    });
    expect(outcome.warnings).toEqual([]);
    expect(outcome).toMatchObject({ uploaded: true, name: 'oracle-backup-4242-1-ORCLPDB1', id: 4711 });

    const artifact = service.artifacts.get('oracle-backup-4242-1-ORCLPDB1')!;
    expect(artifact.createRequest).toMatchObject({
      workflow_run_backend_id: 'run-backend-1',
      workflow_job_run_backend_id: 'job-backend-1',
      name: 'oracle-backup-4242-1-ORCLPDB1',
    });
    expect(artifact.blocksStaged).toBeGreaterThan(0);
    expect(service.requests.some((r) => r.includes('comp=blocklist'))).toBe(true);
    // What finalize reported is what arrived.
    expect(artifact.finalizeRequest).toMatchObject({ hash: `sha256:${sha256(artifact.blob!)}` });
    expect(Number(artifact.finalizeRequest!.size)).toBe(artifact.blob!.length);

    const arrived = await unzip(artifact.blob!);
    expect(Object.keys(arrived).sort()).toEqual([
      'manifests/oracle-backup_2026-11-21_013000.zip.manifest.json',
      'oracle-backup_2026-11-21_013000.log',
      'oracle-backup_2026-11-21_013000.report.json',
    ]);
    expect(sha256(arrived['oracle-backup_2026-11-21_013000.log']!)).toBe(sha256(files[report.logPath!]!));
    expect(arrived['oracle-backup_2026-11-21_013000.report.json']!.equals(files[report.reportPath!]!)).toBe(
      true,
    );
    expect(
      arrived['manifests/oracle-backup_2026-11-21_013000.zip.manifest.json']!.equals(
        files[report.archives[0]!.manifestPath]!,
      ),
    ).toBe(true);
    // The staging folder of links is gone; the files themselves are still there.
    expect((await readdir(root)).filter((n) => n.startsWith('oracle-backup-artifact-'))).toEqual([]);
    expect(await readFile(report.archives[0]!.path)).toHaveLength(3 * 1024 * 1024);
  });

  it('with all, the archives go too, byte for byte', async () => {
    const { report, files, root } = await runOnDisk();
    const env = actionsEnv(root);
    const outcome = await uploadRunArtifact(report, {
      mode: 'all',
      uploader: actionsArtifactUploader,
      runId: '4243',
      tempRoot: root,
      env,
    });
    expect(outcome).toMatchObject({ uploaded: true, warnings: [] });
    expect(outcome.info.join()).toMatch(/1 archive\(s\): readable by anyone with read access/);
    expect(outcome.notices).toEqual([]);
    const arrived = await unzip(service.artifacts.get('oracle-backup-4243-1')!.blob!);
    const zip = arrived['archives/oracle-backup_2026-11-21_013000.zip']!;
    expect(sha256(zip)).toBe(sha256(files[report.archives[0]!.path]!));
    expect(Object.keys(arrived)).not.toContain('archives/broken.zip');
  });

  it('leaves out missing files with a warning, and a refused upload is a warning, not an exception', async () => {
    const { report, root } = await runOnDisk();
    const env = actionsEnv(root);
    report.reportPath = path.join(root, 'logs', 'never-written.report.json');
    const partial = await uploadRunArtifact(report, {
      mode: 'report',
      uploader: actionsArtifactUploader,
      runId: '4244',
      tempRoot: root,
      env,
    });
    expect(partial.uploaded).toBe(true);
    expect(partial.missing).toEqual([report.reportPath]);
    expect(partial.warnings.join()).toMatch(/left out, not found: .*never-written/);

    service.failCreate = { status: 403, msg: 'artifact storage quota has been hit' };
    const refused = await uploadRunArtifact(report, {
      mode: 'report',
      uploader: actionsArtifactUploader,
      runId: '4245',
      tempRoot: root,
      env,
    });
    expect(refused.uploaded).toBe(false);
    expect(refused.warnings.join()).toMatch(
      /oracle-backup-4245-1 not uploaded: .*the backup is not affected/,
    );
  });
});
