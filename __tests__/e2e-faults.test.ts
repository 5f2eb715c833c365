// Faults of the bundled action that the other end-to-end tests do not inject: SIGINT and kill -9 while the archive
// goes to a real OpenSSH sshd, SIGINT while retention deletes, a read-only and a full copy-to folder. Each test
// checks that no good data is lost, that the status is never `success` when something failed, and that the run
// (or the post step) says what it kept where.
import { execFileSync } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { runPost, startAction } from './helpers/action-process.js';
import { writeBackupSet } from './helpers/backup-sets.js';
import { eventually } from './helpers/files.js';
import { run as runAction, scenario, sha256, type Scenario } from './helpers/scenario.js';
import { sshdUnavailableReason, startSshd, type TestSshd } from './helpers/sshd.js';
import { TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

const names = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();
const zips = async (dir: string) => (await names(dir)).filter((n) => n.endsWith('.zip'));
const partials = async (dir: string) => (await names(dir)).filter((n) => n.includes('.oba-partial-'));
/** This run's partial archive (dated name), not pre-flight's write probe nor a planted foreign partial. */
const archivePartials = async (dir: string) =>
  (await partials(dir)).filter((n) => /^\.oracle-backup_\d{4}-.*\.zip\.oba-partial-/.test(n));

/** Every archive at `dir` has its manifest beside it. */
async function expectNoOrphanArchive(dir: string): Promise<void> {
  const all = await names(dir);
  for (const zip of all.filter((n) => n.endsWith('.zip'))) expect(all, dir).toContain(`${zip}.manifest.json`);
}

/**
 * A test whose prerequisite (root, sshd) is missing: a failure in CI, where it must run; elsewhere a skip that
 * says why.
 */
function requirePrerequisite(ctx: TestContext, reason: string | undefined): void {
  if (reason === undefined) return;
  if (process.env.CI) throw new Error(`${reason}; CI must run this test`);
  ctx.skip(reason);
}

/** The verified set in work-dir: the archive whose SHA-256 the outputs give, with its manifest beside it. */
async function expectVerifiedLocalSet(
  s: Scenario,
  outputs: Record<string, string>,
): Promise<{ archive: string; manifest: Record<string, unknown> }> {
  const archive = outputs.archives!;
  expect(path.dirname(archive)).toBe(s.workDir);
  expect(await sha256(archive)).toBe(outputs['archive-sha256']);
  const manifest = JSON.parse(await readFile(`${archive}.manifest.json`, 'utf8'));
  expect(manifest.archives[0].sha256).toBe(outputs['archive-sha256']);
  await expectNoOrphanArchive(s.workDir);
  return { archive, manifest };
}

/** The end of a started run, bounded: a run that hangs is killed, so the test fails instead of leaving it behind. */
function finishedWithin(action: Awaited<ReturnType<typeof startAction>>, ms = 60_000) {
  const timer = setTimeout(() => action.child.kill('SIGKILL'), ms);
  return action.finished().finally(() => clearTimeout(timer));
}

const sshdUnavailable = sshdUnavailableReason();

describe('interrupted SFTP uploads (a real OpenSSH sshd)', () => {
  let sshd: TestSshd | undefined;
  beforeAll(async () => {
    if (sshdUnavailable === undefined) sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  /** A run whose archive (stored, so big enough to be caught mid-upload) goes to sshd only, in its own folder. */
  async function uploadScenario(folder: string): Promise<{ s: Scenario; remote: string }> {
    const remote = path.join(sshd!.root, 'oracle', folder);
    await mkdir(remote, { recursive: true });
    await chown(path.dirname(remote), sshd!.uid, sshd!.gid);
    await chown(remote, sshd!.uid, sshd!.gid);
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 96 * 1024 * 1024 } },
      {
        'archive-password': '',
        'compression-level': '0',
        'copy-to': '',
        'sftp-host': sshd!.host,
        'sftp-port': String(sshd!.port),
        'sftp-username': sshd!.user,
        'sftp-private-key': sshd!.keys.ed25519,
        'sftp-fingerprint': sshd!.fingerprint,
        'sftp-dir': remote,
      },
    );
    return { s, remote };
  }

  it('SIGINT while the archive is uploaded: cancelled, the upload is finished and verified (no partial left), the local set and dump stay', async (ctx) => {
    requirePrerequisite(ctx, sshdUnavailable);
    const { s, remote } = await uploadScenario('cancelled');
    const action = await startAction(s);
    const uploading = await eventually(async () => (await archivePartials(remote)).length > 0, 60_000);
    action.child.kill('SIGINT');
    const result = await finishedWithin(action);
    expect(uploading).toBe(true);
    const log = result.stdout;
    // The signal came while the archive was on its way to the server.
    const signalled = log.indexOf('SIGINT received: cancelling the run');
    expect(signalled).toBeGreaterThan(log.indexOf('sftp: sending oracle-backup_'));
    expect(signalled).toBeLessThan(log.search(/sftp: oracle-backup_\S+\.zip sent:/));

    expect(result.outputs.status).toBe('failure');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'archiving and delivery' });
    // A verified archive is data: it stays in work-dir with its manifest.
    const { archive } = await expectVerifiedLocalSet(s, result.outputs);
    const name = path.basename(archive);
    // The upload is not stopped by the cancellation (it takes well under the runner's 10 s): it ends verified and
    // renamed, manifest last, so the run itself leaves no partial upload behind and nothing half-written under a
    // final name.
    expect(await partials(remote)).toEqual([]);
    expect(await names(remote)).toEqual([name, `${name}.manifest.json`]);
    expect(await sha256(path.join(remote, name))).toBe(result.outputs['archive-sha256']);
    expect(log).toMatch(/sftp .*cancelled.*: uploaded and verified/);
    const sftp = report.archives[0].destinations.find((d: { kind: string }) => d.kind === 'sftp');
    expect(sftp.ok).toBe(true);
    // The finished export stays too, under its final name, and the run says where and why.
    const dumps = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(dumps).toEqual([expect.stringMatching(/^HORIZONTE_\d{4}-\d\d-\d\d_\d{6}\.dmp$/)]);
    const dump = path.join(s.dumpDir, dumps[0]!);
    expect(log).toContain(
      `HORIZONTE: kept dump file ${dump} (archived in ${name}, and the run was cancelled before its clean-up)`,
    );
    expect(report.statusReason).toBe(
      `cancelled (SIGINT) during archiving and delivery; finished exports kept: HORIZONTE (${dump})`,
    );

    // The post step after the cancelled run sweeps the server and leaves the finished upload alone.
    const post = await runPost(s, result.state, result.runnerTemp);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('the main step was cancelled (SIGINT)');
    expect(await names(remote)).toEqual([name, `${name}.manifest.json`]);
    expect(await sha256(archive)).toBe(result.outputs['archive-sha256']);
  }, 90_000);

  it('kill -9 while the archive is uploaded: the post step removes that partial upload and no other file, the local set stays', async (ctx) => {
    requirePrerequisite(ctx, sshdUnavailable);
    const { s, remote } = await uploadScenario('killed');
    // A hidden file of someone else, and a partial upload from another host (its writer may still be running):
    // both owned by the SFTP user, so only the rule keeps them, not a permission.
    const foreign = ['.dba-notes', '.oracle-backup_z.zip.oba-partial-00000000-1-00c0ffee'];
    for (const name of foreign) {
      await writeFile(path.join(remote, name), "not this run's");
      await chown(path.join(remote, name), sshd!.uid, sshd!.gid);
    }
    const action = await startAction(s);
    const uploading = await eventually(async () => (await archivePartials(remote)).length > 0, 60_000);
    action.child.kill('SIGKILL');
    const killed = await finishedWithin(action);
    expect(uploading).toBe(true);
    const left = (await partials(remote)).filter((n) => !foreign.includes(n));
    expect(left).toEqual([
      expect.stringMatching(/^\.oracle-backup_[\d_-]+\.zip\.oba-partial-[0-9a-f]{8}-\d+-[0-9a-f]{8}$/),
    ]);
    expect(left[0]).toContain(`-${action.child.pid}-`);
    expect((await names(remote)).filter((n) => !n.startsWith('.'))).toEqual([]);

    const post = await runPost(s, killed.state, killed.runnerTemp);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('the main step ended before it finished its report (killed?)');
    expect(post.stdout).toContain(`removed ${left[0]}, a temporary file of an interrupted run`);
    expect(post.stdout).toContain(
      `left ${foreign[1]} alone: it was written on another host, where its writer may still run`,
    );
    expect(await names(remote)).toEqual(foreign.sort());
    // The archive was published in work-dir (manifest first) before the upload began: it stays, whole.
    const local = await zips(s.workDir);
    expect(local).toEqual([expect.stringMatching(/^oracle-backup_[\d_-]+\.zip$/)]);
    await expectNoOrphanArchive(s.workDir);
    const manifest = JSON.parse(await readFile(path.join(s.workDir, `${local[0]}.manifest.json`), 'utf8'));
    expect(await sha256(path.join(s.workDir, local[0]!))).toBe(manifest.archives[0].sha256);
    // The export was archived but not cleaned up: it stays, and the post step says where.
    const dumps = (await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'));
    expect(dumps).toEqual([expect.stringMatching(/^HORIZONTE_[\w-]+\.oba-[\w-]+\.dmp$/)]);
    expect(post.stdout).toContain(`kept ${path.join(s.dumpDir, dumps[0]!)}`);
  }, 90_000);
});

describe('copy-to folders that cannot take the set', () => {
  const mounts: string[] = [];
  afterAll(() => {
    for (const dir of mounts.reverse()) execFileSync('umount', [dir]);
  });
  const rootUnavailable = process.getuid?.() !== 0 ? TMPFS_NEEDS_ROOT : undefined;

  /** A tmpfs of `size` at a fresh folder under the scenario's root, unmounted after the tests. */
  async function tmpfs(s: Scenario, name: string, options: string): Promise<string> {
    const dir = path.join(s.root, name);
    await mkdir(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  /** The set of this run: verified in work-dir, complete at `share`, and how the run reports `failed`. */
  async function expectSetKeptBesides(
    s: Scenario,
    result: Awaited<ReturnType<typeof runAction>>,
    failed: string,
  ): Promise<{ name: string; error: string }> {
    const { archive } = await expectVerifiedLocalSet(s, result.outputs);
    const name = path.basename(archive);
    expect(await names(s.shareDir)).toEqual([name, `${name}.manifest.json`]);
    expect(await sha256(path.join(s.shareDir, name))).toBe(result.outputs['archive-sha256']);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    const destinations = report.archives[0].destinations.map((d: Record<string, unknown>) => ({
      kind: d.kind,
      location: d.location,
      ok: d.ok,
    }));
    expect(destinations).toEqual([
      { kind: 'local', location: s.workDir, ok: true },
      { kind: 'folder', location: failed, ok: false },
      { kind: 'folder', location: s.shareDir, ok: true },
    ]);
    // The dump files go because the set is verified in work-dir (and at the other share), and the log says so.
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
    expect(result.stdout).toContain(
      `removed the dump files of HORIZONTE: they are safely archived in ${name}, verified at work-dir ${s.workDir}, ${s.shareDir}`,
    );
    expect(result.stdout).toContain(`${s.shareDir}: copied and verified`);
    return { name, error: report.archives[0].destinations[1].error };
  }

  it('a read-only copy-to: partial, the set verified in work-dir and at the other copy-to, that folder failed as read-only and left empty', async (ctx) => {
    requirePrerequisite(ctx, rootUnavailable);
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 512 * 1024 } },
      { 'archive-password': '' },
    );
    // Root writes through a folder's mode bits, not through a read-only mount.
    const readOnly = await tmpfs(s, 'readonly-share', 'size=1m,ro');
    s.inputs['copy-to'] = `${readOnly}\n${s.shareDir}`;
    const result = await runAction(s);
    expect(result.outputs.status).toBe('partial');
    const reason = `read-only file system at ${readOnly} (EROFS)`;
    // Pre-flight says so at once, and the export still runs for work-dir and the other share.
    expect(result.stdout).toContain(`::error::pre-flight copy-to ${readOnly}: ${reason}`);
    const { name, error } = await expectSetKeptBesides(s, result, readOnly);
    expect(error).toBe(`${name}: ${reason}`);
    expect(result.stdout).toContain(`::error::${readOnly}: copy failed: ${name}: ${reason}`);
    expect(result.summary).toContain(reason);
    expect(await names(readOnly)).toEqual([]);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.statusReason).toBe('1 copy(ies) failed; 1 other error(s)');
    // Retention deletes nothing where this run's set is not.
    expect(result.stdout).toContain(
      `retention at folder ${readOnly}: kept 0, deleted 0 set(s) — no backup of this run is verified at this place`,
    );
  });

  it('a full copy-to: partial, nothing of the set left there, work-dir and the other copy-to complete, dumps removed as archived', async (ctx) => {
    requirePrerequisite(ctx, rootUnavailable);
    // Stored, the archive (4 MiB) cannot fit in the 1 MiB share; its copy starts while the zip is being written.
    const s = await scenario(
      { HORIZONTE: { behavior: 'success', tables: 3, bytes: 4 * 1024 * 1024 } },
      { 'archive-password': '', 'compression-level': '0' },
    );
    const full = await tmpfs(s, 'small-share', 'size=1m');
    s.inputs['copy-to'] = `${full}\n${s.shareDir}`;
    const result = await runAction(s);
    expect(result.outputs.status).toBe('partial');
    const { name, error } = await expectSetKeptBesides(s, result, full);
    const reason = `disk full at ${full} (ENOSPC)`;
    expect(error).toBe(`${name}: ${reason}`);
    expect(result.stdout).toContain(`::error::${full}: copy failed: ${name}: ${reason}`);
    expect(result.summary).toContain(reason);
    // Neither the partial copy nor anything under the set's names stays on the full share.
    expect(await names(full)).toEqual([]);
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.statusReason).toBe('1 copy(ies) failed');
  });
});

describe('SIGINT while retention deletes', () => {
  it('cancelled during retention: every archive left has its manifest, the newest sets stay, and the run says the export is archived, not kept as dumps', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { 'archive-password': '', 'keep-min': '1', 'keep-max': '2', 'retention-days': '0' },
    );
    // Many old sets of HR at the share, a minute apart: deleting all but the newest takes long enough (about
    // a tenth of a millisecond per file) that the signal, sent when the oldest archive goes, lands while retention
    // still deletes.
    const now = Date.now();
    // 2,000 sets: a window of a few hundred milliseconds even on a fast disk.
    const old = Array.from({ length: 2000 }, (_, i) => `old-${String(i).padStart(4, '0')}.zip`);
    for (const [i, name] of old.entries())
      await writeBackupSet(s.shareDir, name, new Date(now - (i + 1) * 60_000), 'success');
    const oldest = path.join(s.shareDir, old.at(-1)!);
    const action = await startAction(s);
    // The share's changes in the order they happened (inotify keeps it; a listing taken while thousands of files
    // go is not atomic). The old sets existed before, so their events are their deletions: a set's archive must go
    // before its manifest, so that no archive is ever without the manifest that makes it recognisable.
    const events: string[] = [];
    let signalled = false;
    const watcher = watch(s.shareDir, (_type, file) => {
      if (file) events.push(file);
      if (!signalled && !existsSync(oldest)) {
        signalled = true;
        action.child.kill('SIGINT');
      }
    });
    const result = await finishedWithin(action).finally(() => watcher.close());
    expect(signalled).toBe(true);
    const deleted = old.filter((zip) => events.includes(zip));
    expect(deleted.length).toBe(old.length - 1);
    for (const zip of deleted)
      expect(events.indexOf(zip), zip).toBeLessThan(events.indexOf(`${zip}.manifest.json`));
    const log = result.stdout;
    const received = log.indexOf('SIGINT received: cancelling the run');
    expect(received).toBeGreaterThan(log.indexOf(`retention at work-dir ${s.workDir}:`));
    expect(received).toBeLessThan(log.indexOf(`retention at folder ${s.shareDir}:`));

    expect(result.outputs.status).toBe('failure');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.cancelled).toEqual({ signal: 'SIGINT', during: 'retention' });
    const { archive } = await expectVerifiedLocalSet(s, result.outputs);
    const name = path.basename(archive);
    // Retention is not stopped half-way through a set: it ends, and keeps the newest complete set (this run's) and
    // the newest old one (keep-max 2), each whole.
    expect(await names(s.shareDir)).toEqual([
      old[0]!,
      `${old[0]}.manifest.json`,
      name,
      `${name}.manifest.json`,
    ]);
    expect(await sha256(path.join(s.shareDir, name))).toBe(result.outputs['archive-sha256']);
    const share = report.retention.places.find((p: { kind: string }) => p.kind === 'copy-to');
    expect(share.setsDeleted).toBe(old.length - 1);
    const kept = share.sets
      .filter((x: { action: string }) => x.action === 'keep')
      .map((x: { archives: string[]; reasons: string[] }) => ({ archives: x.archives, reasons: x.reasons }));
    expect(kept).toEqual([
      { archives: [name], reasons: ['written by this run', 'newest good backup'] },
      { archives: [old[0]], reasons: ['no age limit'] },
    ]);
    // The dump went with the clean-up before the signal, as safely archived; the run says where the export is now
    // and claims no dump file kept.
    expect((await names(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
    expect(log).toContain(
      `removed the dump files of HR: they are safely archived in ${name}, verified at work-dir ${s.workDir}, ${s.shareDir}`,
    );
    expect(report.statusReason).toBe(
      `cancelled (SIGINT) during retention; finished exports safely archived: HR (${archive})`,
    );
    expect(log).not.toContain('kept dump file');
    expect(log).not.toContain('could not keep');
    expect((await names(path.join(s.workDir, 'logs'))).filter((n) => n.startsWith('HR_'))).toEqual([
      expect.stringMatching(/^HR_[\d_-]+\.log$/),
    ]);
  });
});
