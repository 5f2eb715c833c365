import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyToFolder,
  describeFolderError,
  type FolderSourceFile,
  type GrowingSourceFile,
} from '../src/deliver/folder.js';
import { sha256File } from '../src/hash.js';
import { skipMeta, TMPFS_NEEDS_ROOT } from './helpers/skip-reasons.js';

let dir: string;
let archive: FolderSourceFile;
let manifest: FolderSourceFile;

async function source(name: string, content: Buffer | string): Promise<FolderSourceFile> {
  const file = path.join(dir, 'src', name);
  await writeFile(file, content);
  return { source: file, name, ...(await sha256File(file)) };
}

/** A destination folder that exists, as a mounted share does: copyToFolder never creates one. */
async function newFolder(...parts: string[]): Promise<string> {
  const folder = path.join(dir, ...parts);
  await mkdir(folder, { recursive: true });
  return folder;
}

/** Files left in a folder, hidden partial copies included. */
const list = (folder: string) => readdir(folder).then((names) => names.sort());

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'folder-test-'));
  await mkdir(path.join(dir, 'src'));
  archive = await source('HR_2025-01-01.zip', randomBytes(3 * 1024 * 1024 + 17));
  manifest = await source('HR_2025-01-01.manifest.json', '{"archives":[]}\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('copyToFolder', () => {
  it('copies into an existing folder, verifies, and leaves no partial file', async () => {
    const folder = await newFolder('dest', 'a', 'b', 'c');
    const result = await copyToFolder({ folder, files: [archive, manifest] });
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.folder).toBe(folder);
    expect(result.bytes).toBe(archive.bytes + manifest.bytes);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.files).toEqual([
      {
        name: archive.name,
        path: path.join(folder, archive.name),
        bytes: archive.bytes,
        sha256: archive.sha256,
        verified: true,
      },
      {
        name: manifest.name,
        path: path.join(folder, manifest.name),
        bytes: manifest.bytes,
        sha256: manifest.sha256,
        verified: true,
      },
    ]);
    expect(await list(folder)).toEqual([manifest.name, archive.name].sort());
    expect(await sha256File(path.join(folder, archive.name))).toEqual({
      sha256: archive.sha256,
      bytes: archive.bytes,
    });
  });

  it('an identical file already there counts as delivered', async () => {
    const folder = await newFolder('dest', 'again');
    expect((await copyToFolder({ folder, files: [archive] })).ok).toBe(true);
    const second = await copyToFolder({ folder, files: [archive, manifest] });
    expect(second.ok).toBe(true);
    expect(second.files.map((f) => f.verified)).toEqual([true, true]);
    expect(await list(folder)).toEqual([manifest.name, archive.name].sort());
  });

  it('never overwrites a different file with the same name, and stops there', async () => {
    const folder = path.join(dir, 'dest', 'clash');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, archive.name), 'someone else’s file');
    const result = await copyToFolder({ folder, files: [archive, manifest] });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(
      /^HR_2025-01-01\.zip: already exists in .*clash with different content; it was not overwritten$/,
    );
    expect(result.files).toEqual([]);
    expect(await readFile(path.join(folder, archive.name), 'utf8')).toBe('someone else’s file');
    // The manifest was not copied: a destination stops at its first failure.
    expect(await list(folder)).toEqual([archive.name]);
  });

  it('a folder that does not exist is a failed destination, and is not created', async () => {
    const share = path.join(dir, 'mnt', 'backup-share');
    const result = await copyToFolder({ folder: share, files: [archive, manifest] });
    expect(result).toMatchObject({ ok: false, files: [], bytes: 0 });
    expect(result.error).toBe(
      `copy-to folder ${share} does not exist (is the share mounted?); the action never creates a destination folder`,
    );
    expect(existsSync(path.dirname(share))).toBe(false);
  });

  it('a file where the folder should be is a failed destination', async () => {
    const file = path.join(await newFolder('dest'), 'not-a-folder');
    await writeFile(file, 'x');
    const result = await copyToFolder({ folder: file, files: [archive] });
    expect(result).toMatchObject({ ok: false, error: `copy-to ${file} is not a folder`, files: [] });
  });

  it('a folder under a regular file fails with the folder named', async () => {
    const file = path.join(dir, 'dest', 'plain-file');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'x');
    const folder = path.join(file, 'sub');
    const result = await copyToFolder({ folder, files: [archive] });
    expect(result.ok).toBe(false);
    expect(result.error).toContain(folder);
    expect(result.error).toMatch(/ENOTDIR/);
    expect(result.files).toEqual([]);
    expect(result.bytes).toBe(0);
  });

  it('a source that does not match its expected hash is refused and not left behind', async () => {
    const folder = await newFolder('dest', 'changed');
    const result = await copyToFolder({ folder, files: [{ ...archive, sha256: '0'.repeat(64) }] });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/changed/);
    expect(await list(folder)).toEqual([]);
  });

  it('a missing source fails naming it, and nothing is left behind', async () => {
    const folder = await newFolder('dest', 'missing');
    const gone = path.join(dir, 'src', 'gone.zip');
    const result = await copyToFolder({
      folder,
      files: [{ source: gone, name: 'gone.zip', sha256: 'a'.repeat(64), bytes: 1 }],
    });
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`cannot read source ${gone}`);
    expect(await list(folder)).toEqual([]);
  });

  it('refuses names that are not plain file names', async () => {
    await expect(copyToFolder({ folder: dir, files: [{ ...archive, name: '../x.zip' }] })).rejects.toThrow(
      TypeError,
    );
    await expect(copyToFolder({ folder: dir, files: [{ ...archive, name: 'a\\b.zip' }] })).rejects.toThrow(
      TypeError,
    );
  });

  const root = process.getuid?.() === 0;
  const inCi = Boolean(process.env.CI);
  const diskFull = root || inCi ? it : it.skip;
  diskFull(
    `a full disk fails with "disk full at <folder>" and removes the partial copy${
      root || inCi ? '' : ' [skipped: mounting a small tmpfs needs root]'
    }`,
    skipMeta(root || inCi ? undefined : TMPFS_NEEDS_ROOT),
    async () => {
      if (!root) throw new Error('this test mounts a tmpfs and must run as root in CI');
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'folder-full-'));
      try {
        const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], {
          encoding: 'utf8',
        });
        expect(mounted.status, mounted.stderr).toBe(0);
        const folder = path.join(mnt, 'backups');
        await mkdir(folder);
        const result = await copyToFolder({ folder, files: [archive, manifest] });
        expect(result.ok).toBe(false);
        expect(result.error).toContain(`disk full at ${folder}`);
        expect(result.files).toEqual([]);
        expect(await list(folder)).toEqual([]);
      } finally {
        spawnSync('umount', [mnt]);
        await rm(mnt, { recursive: true, force: true });
      }
    },
  );
});

describe('copyToFolder with a file still being written', () => {
  /** The archive's bytes in uneven chunks, a pause between each, as a writer lets them land; optionally failing. */
  function growing(
    file: FolderSourceFile,
    opts: { failAfter?: number; hash?: string; firstAfterMs?: number } = {},
  ): GrowingSourceFile & { delivered: number } {
    let finish: (done: { bytes: number; sha256: string }) => void = () => undefined;
    let fail: (error: Error) => void = () => undefined;
    const complete = new Promise<{ bytes: number; sha256: string }>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    complete.catch(() => undefined);
    const state: GrowingSourceFile & { delivered: number } = {
      source: file.source,
      name: file.name,
      complete,
      delivered: 0,
      chunks: produce(),
    };
    async function* produce(): AsyncGenerator<Buffer> {
      const data = await readFile(file.source);
      await new Promise((resolve) => setTimeout(resolve, opts.firstAfterMs ?? 0));
      for (let at = 0; at < data.length; at += 700_001) {
        if (opts.failAfter !== undefined && at >= opts.failAfter) {
          const error = new Error('the file was not completed: disk full');
          fail(error);
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        state.delivered = at;
        yield data.subarray(at, at + 700_001);
      }
      finish({ bytes: file.bytes, sha256: opts.hash ?? file.sha256 });
    }
    return state;
  }

  it('copies the bytes as they come, then checks the copy against the hash known at the end', async () => {
    const folder = await newFolder('growing-ok');
    const started = Date.now();
    const result = await copyToFolder({ folder, files: [growing(archive, { firstAfterMs: 400 }), manifest] });
    expect(result).toMatchObject({ ok: true, bytes: archive.bytes + manifest.bytes });
    // The time the writer took is not the copy's: its duration (and so its throughput) leaves the wait out.
    expect(result.durationMs).toBeLessThanOrEqual(Date.now() - started - 350);
    expect(result.files[0]).toEqual({
      name: archive.name,
      path: path.join(folder, archive.name),
      bytes: archive.bytes,
      sha256: archive.sha256,
      verified: true,
    });
    expect((await readFile(path.join(folder, archive.name))).equals(await readFile(archive.source))).toBe(
      true,
    );
    expect(await list(folder)).toEqual([manifest.name, archive.name].sort());
  });

  it('a writer that fails midway fails the copy, naming the source, and leaves nothing', async () => {
    const folder = await newFolder('growing-fail');
    const source = growing(archive, { failAfter: 1_500_000 });
    const result = await copyToFolder({ folder, files: [source, manifest] });
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      `${archive.name}: cannot read source ${archive.source}: the file was not completed: disk full`,
    );
    expect(source.delivered).toBeGreaterThan(0);
    expect(await list(folder)).toEqual([]);
  });

  it('a copy that does not match the hash the writer computed is refused and not left behind', async () => {
    const folder = await newFolder('growing-mismatch');
    const result = await copyToFolder({ folder, files: [growing(archive, { hash: 'b'.repeat(64) })] });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/changed: .* expected \d+ bytes, SHA-256 b{64}$/);
    expect(await list(folder)).toEqual([]);
  });

  it('a file already there is compared once the hash is known: same content counts, other content is kept', async () => {
    const folder = await newFolder('growing-existing');
    await writeFile(path.join(folder, archive.name), await readFile(archive.source));
    expect(await copyToFolder({ folder, files: [growing(archive)] })).toMatchObject({ ok: true });
    await writeFile(path.join(folder, archive.name), 'other');
    const result = await copyToFolder({ folder, files: [growing(archive)] });
    expect(result.error).toMatch(/already exists in .* with different content; it was not overwritten/);
    expect(await readFile(path.join(folder, archive.name), 'utf8')).toBe('other');
    expect(await list(folder)).toEqual([archive.name]);
  });
});

describe('describeFolderError', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });

  it('puts the usual causes in words', () => {
    expect(describeFolderError('/mnt/b', err('ENOSPC'))).toBe('disk full at /mnt/b (ENOSPC)');
    expect(describeFolderError('/mnt/b', err('EACCES'))).toBe('permission denied at /mnt/b (EACCES)');
    expect(describeFolderError('\\\\nas01\\backup\\oracle', err('ENOENT'))).toBe(
      'folder not reachable: \\\\nas01\\backup\\oracle (ENOENT)',
    );
    expect(describeFolderError('//nas01/backup', err('ETIMEDOUT'))).toMatch(/^folder not reachable/);
  });
});
