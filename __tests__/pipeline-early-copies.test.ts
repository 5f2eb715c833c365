// A folder gets the archive as it is written and while it is read back; the manifest, which makes the
// copy a backup set, follows only once the archive verified, and a copy of an archive that fails is removed.
// The writer's end and the verification are held (or the verification made to fail) through a wrapper around the
// real createVerifiedZipArchive, so the order is proven by what is on disk at that moment, not by timing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { VerifiedZip } from '../src/archive/verified-zip.js';
import type { VerifyZipResult } from '../src/archive/zip-verify.js';
import type { ArchiveObserver } from '../src/archive/zip-writer.js';
import { temporaryWriter } from '../src/temporary-names.js';
import { eventually } from './helpers/files.js';
import { pipelineScenario, runPipeline } from './helpers/pipeline-run.js';

/** Replaces the verification of the archive being written, given the real one; observes the writer too. */
const hook = vi.hoisted(() => ({
  verification: undefined as
    undefined | ((real: Promise<VerifyZipResult>, archivePath: string) => Promise<VerifyZipResult>),
  observer: undefined as undefined | ArchiveObserver,
}));

vi.mock('../src/archive/verified-zip.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/archive/verified-zip.js')>();
  return {
    ...original,
    createVerifiedZipArchive: async (
      ...args: Parameters<typeof original.createVerifiedZipArchive>
    ): Promise<VerifiedZip> => {
      const [opts] = args;
      const observers = [...(opts.observers ?? []), ...(hook.observer ? [hook.observer] : [])];
      const written = await original.createVerifiedZipArchive({ ...opts, observers });
      const replace = hook.verification;
      return replace
        ? { ...written, verification: replace(written.verification, written.archive.path) }
        : written;
    },
  };
});

const scenario = async () => {
  const s = await pipelineScenario(
    { HR: { behavior: 'success', tables: 2, bytes: 512 * 1024 } },
    { 'oracle-queries': 'false', 'archive-password': 'zip-Secret-9f8e7d' },
  );
  const folders = [path.join(s.root, 'share-a'), path.join(s.root, 'share-b')];
  for (const folder of folders) await mkdir(folder);
  s.settings = { ...s.settings, copyTo: folders };
  return { s, folders };
};

describe('copies to folders while the archive is written and read back', () => {
  it('each folder has the whole archive under a hidden name before the archive itself is complete', async () => {
    const { s, folders } = await scenario();
    const seen: Array<{ partial: boolean; archiveThere: boolean }> = [];
    let file = '';
    let bytesOnDisk: () => number = () => 0;
    hook.observer = {
      opened: (temp, onDisk) => {
        file = temp;
        bytesOnDisk = onDisk;
      },
      entryStarted: () => undefined,
      entryEnded: () => undefined,
      // The writer waits for this before it renames the file to the archive's name.
      closed: async (error) => {
        if (error) return;
        const final = path.join(
          path.dirname(file),
          path.basename(file).replace(/^\.(.*)\.oba-partial-.*$/, '$1'),
        );
        for (const folder of folders) {
          const partial = await eventually(async () => {
            const names = (await readdir(folder)).filter((n) => n.includes('.oba-partial-'));
            const sizes = await Promise.all(
              names.map((n) => stat(path.join(folder, n)).then((st) => st.size)),
            );
            return sizes.includes(bytesOnDisk());
          });
          seen.push({ partial, archiveThere: existsSync(final) });
        }
      },
    };
    try {
      const { report } = await runPipeline(s);
      expect(seen).toEqual([
        { partial: true, archiveThere: false },
        { partial: true, archiveThere: false },
      ]);
      expect(report.status).toBe('success');
      const archive = report.archives[0]!;
      for (const folder of folders) {
        expect((await readdir(folder)).sort()).toEqual([archive.name, `${archive.name}.manifest.json`]);
      }
    } finally {
      hook.observer = undefined;
    }
  });

  it('the archive is copied before its verification ends (held under a hidden name), named with its manifest after', async () => {
    const { s, folders } = await scenario();
    const seen: Array<{ copied: boolean; archive: boolean; manifest: boolean }> = [];
    hook.verification = async (real, heldPath) => {
      // The archive itself is held under its temporary name until its manifest is in place.
      const name = temporaryWriter(path.basename(heldPath))!.finalName;
      const bytes = statSync(heldPath).size;
      // Held until both folders have the whole archive: the copies do not wait for the verification.
      for (const folder of folders) {
        const copied = await eventually(() =>
          readdirSync(folder).some(
            (n) => temporaryWriter(n)?.finalName === name && statSync(path.join(folder, n)).size === bytes,
          ),
        );
        seen.push({
          copied,
          archive: existsSync(path.join(folder, name)),
          manifest: existsSync(path.join(folder, `${name}.manifest.json`)),
        });
      }
      return real;
    };
    try {
      const { report, log } = await runPipeline(s);
      expect(seen).toEqual([
        { copied: true, archive: false, manifest: false },
        { copied: true, archive: false, manifest: false },
      ]);
      expect(report.status).toBe('success');
      const archive = report.archives[0]!;
      expect(archive.verified).toBe(true);
      for (const folder of folders) {
        expect((await readdir(folder)).sort()).toEqual([archive.name, `${archive.name}.manifest.json`]);
        const destination = archive.destinations.find((d) => d.location === folder)!;
        expect(destination).toMatchObject({ kind: 'folder', ok: true });
        expect(destination.files.map((f) => f.name)).toEqual([archive.name, `${archive.name}.manifest.json`]);
        expect(destination.bytes).toBe(destination.files.reduce((n, f) => n + f.bytes, 0));
        // One "copying" line per folder, logged when the archive's copy started.
        // It says why it can come before a later schema's export has ended.
        expect(
          log.lines.filter((l) =>
            l.endsWith(
              `copying ${archive.name} to ${folder} as it is written (later schemas may still be exporting)`,
            ),
          ),
        ).toHaveLength(1);
      }
    } finally {
      hook.verification = undefined;
    }
  });

  it('an archive that fails its verification: its copies are discarded, no manifest anywhere, the dumps kept', async () => {
    const { s, folders } = await scenario();
    hook.verification = async (real, heldPath) => {
      await real;
      const name = temporaryWriter(path.basename(heldPath))!.finalName;
      for (const folder of folders)
        await eventually(() => readdirSync(folder).some((n) => temporaryWriter(n)?.finalName === name));
      return { ok: false, problems: ['entry HR.dmp is corrupt: CRC-32 mismatch (injected)'], entries: [] };
    };
    try {
      const { report, log } = await runPipeline(s);
      const archive = report.archives[0]!;
      expect(archive.verified).toBe(false);
      expect(archive.problems).toContain('entry HR.dmp is corrupt: CRC-32 mismatch (injected)');
      expect(report.status).toBe('failure');
      for (const folder of folders) {
        expect(await readdir(folder)).toEqual([]);
        expect(
          log.lines.some((l) => l.includes(`${folder}: discarded the unfinished copy of ${archive.name}`)),
        ).toBe(true);
      }
      // Nothing presents the archive as a backup set, and the dumps it would have replaced are still there.
      expect((await readdir(s.workDir)).filter((f) => f.endsWith('.manifest.json'))).toEqual([]);
      expect((await readdir(s.dumpDir)).filter((f) => f.endsWith('.dmp'))).toHaveLength(1);
    } finally {
      hook.verification = undefined;
    }
  });
});
