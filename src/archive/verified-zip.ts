import type { ArchiveResult } from '../types.js';
import { ZipFollower } from './zip-follow.js';
import { verifyZipArchive, type VerifyZipResult } from './zip-verify.js';
import { createZipArchive, type CreateZipOptions } from './zip-writer.js';

export interface VerifiedZip {
  /** The archive, complete at its final path. */
  archive: ArchiveResult;
  /**
   * Its verification, which may still be finishing when `archive` is ready; never rejects. Nothing may present
   * the archive as good (a manifest) before this says `ok`.
   */
  verification: Promise<VerifyZipResult>;
}

/**
 * Writes a zip archive and reads it back as a restore would, the reading following the writing: each entry is
 * decoded from disk as its bytes land (ZipFollower), and once the archive is complete its directory is read, every
 * record must point at exactly the bytes decoded (else the entry is decoded again), and the whole file's SHA-256
 * must be what was written. A large archive is then verified moments after its last byte, instead of after a second
 * pass over all of it.
 *
 * Resolves once the archive is complete; its verification goes on and is given as a promise, so that copies of
 * the archive can start meanwhile.
 */
export async function createVerifiedZipArchive(opts: CreateZipOptions): Promise<VerifiedZip> {
  const password = opts.password ?? '';
  const follower = new ZipFollower({ password, signal: opts.signal });
  const archive = await createZipArchive({ ...opts, observers: [follower, ...(opts.observers ?? [])] });
  const verification = (async (): Promise<VerifyZipResult> =>
    verifyZipArchive(archive.path, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
      verified: await follower.checks(),
    }))();
  return { archive, verification };
}
