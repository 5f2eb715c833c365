import { open, type FileHandle } from 'node:fs/promises';
import type { ArchiveResult } from '../types.js';
import { verifyWrittenEntry } from './zip-entry-verify.js';
import { verifyZipArchive, type EntryCheck, type VerifyZipResult } from './zip-verify.js';
import { createZipArchive, type CreateZipOptions } from './zip-writer.js';

export interface VerifiedZip {
  /** The archive, complete at its final path. */
  archive: ArchiveResult;
  /**
   * Its verification, which may still be reading the last entries back when `archive` is ready; never rejects.
   * Nothing may present the archive as good (a manifest) before this says `ok`.
   */
  verification: Promise<VerifyZipResult>;
}

/**
 * Writes a zip archive and reads it back as a restore would, the reading overlapping the writing: each entry is
 * decoded from disk as soon as it is there (one at a time, while the next is compressed), and once the archive is
 * complete its directory is read, every record must point at exactly the bytes decoded (else the entry is decoded
 * again), and the whole file's SHA-256 must be what was written. A large archive is then verified moments after its
 * last entry, instead of after a second pass over all of it.
 *
 * Resolves once the archive is complete; its verification goes on and is given as a promise, so that copies of
 * the archive can start meanwhile.
 */
export async function createVerifiedZipArchive(
  opts: Omit<CreateZipOptions, 'onEntryWritten'>,
): Promise<VerifiedZip> {
  const password = opts.password ?? '';
  const checks = new Map<string, EntryCheck>();
  // One handle on the archive for every early check: it stays valid when the writer renames the file.
  let handle: Promise<FileHandle> | undefined;
  let queue = Promise.resolve();
  const closeHandle = (): Promise<void> =>
    queue.then(() => handle?.then((h) => h.close()).catch(() => undefined));
  let archive: ArchiveResult;
  try {
    archive = await createZipArchive({
      ...opts,
      // Resolves once the entry's check is queued (the writer renames the file only after that), not checked.
      onEntryWritten: async (span, file) => {
        handle ??= open(file, 'r');
        // Without it the entries are simply decoded by the final pass instead.
        const opened = await handle.catch(() => undefined);
        if (!opened) return;
        queue = queue.then(async () => {
          checks.set(span.name, await verifyWrittenEntry(opened, span, password, opts.signal));
        });
      },
    });
  } catch (error) {
    void closeHandle();
    throw error;
  }
  const verification = (async (): Promise<VerifyZipResult> => {
    await closeHandle();
    return verifyZipArchive(archive.path, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
      verified: checks,
    });
  })();
  return { archive, verification };
}
