import type { ArchiveResult } from '../types.js';
import { verifyWrittenEntry } from './zip-entry-verify.js';
import { verifyZipArchive, type EntryCheck, type VerifyZipResult } from './zip-verify.js';
import { createZipArchive, type CreateZipOptions } from './zip-writer.js';

export interface VerifiedZip {
  archive: ArchiveResult;
  verification: VerifyZipResult;
}

/**
 * Writes a zip archive and reads it back as a restore would, the reading overlapping the writing: each entry is
 * decoded from disk as soon as it is there (one at a time, while the next is compressed), and once the archive is
 * complete its directory is read, every record must point at exactly the bytes decoded (else the entry is decoded
 * again), and the whole file's SHA-256 must be what was written. A large archive is then ready moments after its
 * last entry, instead of after a second pass over all of it.
 */
export async function createVerifiedZipArchive(
  opts: Omit<CreateZipOptions, 'onEntryWritten'>,
): Promise<VerifiedZip> {
  const password = opts.password ?? '';
  const checks = new Map<string, EntryCheck>();
  let queue = Promise.resolve();
  const archive = await createZipArchive({
    ...opts,
    onEntryWritten: (span, file) => {
      queue = queue.then(async () => {
        checks.set(span.name, await verifyWrittenEntry(file, span, password, opts.signal));
      });
      return queue;
    },
  });
  const verification = await verifyZipArchive(archive.path, {
    password,
    expected: archive.entries,
    expectedSha256: archive.sha256,
    verified: checks,
  });
  return { archive, verification };
}
