// The destinations verify and monitor read, seen as retention sees them (BackupPlace), plus a way to get one file
// onto this runner: a folder's file is read where it is, an SFTP file is downloaded to a private temporary folder.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFolderError } from '../deliver/folder.js';
import { downloadFromSftp, type SftpDownloadOptions } from '../deliver/sftp-download.js';
import { openSftpPlace, sftpLabel } from '../deliver/sftp.js';
import { sha256File } from '../hash.js';
import { createFolderPlace } from '../retention/folder-place.js';
import type { BackupPlace } from '../retention/place.js';
import type { SftpSettings } from '../settings/sftp-settings.js';

/** A destination to read: a copy-to folder or the SFTP folder. */
export type ModePlace = { kind: 'folder'; folder: string } | { kind: 'sftp'; settings: SftpSettings };

/** `folder /mnt/backup`, `sftp backup@host:/oracle`. */
export function modePlaceLabel(place: ModePlace): string {
  return place.kind === 'folder' ? `folder ${place.folder}` : sftpLabel(place.settings);
}

export interface LocalCopy {
  /** Where the file can be read on this runner. */
  path: string;
  bytes: number;
  sha256: string;
  how: 'read in place' | 'downloaded';
  durationMs: number;
}

export interface OpenedModePlace {
  place: BackupPlace;
  /** Puts `name` on this runner (into `tempDir` when it has to be copied) with its size and SHA-256. */
  fetch(name: string, tempDir: string): Promise<LocalCopy>;
  close(): Promise<void>;
}

export interface OpenModePlaceOptions {
  readyTimeoutMs?: number;
  sftp?: SftpDownloadOptions;
}

/** Opens a destination for reading; rejects when it cannot be reached (SFTP connection, host key, login). */
export async function openModePlace(
  target: ModePlace,
  options: OpenModePlaceOptions = {},
): Promise<OpenedModePlace> {
  if (target.kind === 'folder') {
    // A folder place lists a missing folder as empty; here that is worth saying (a share not mounted).
    const stats = await stat(target.folder).catch((error: NodeJS.ErrnoException) => {
      throw new Error(describeFolderError(target.folder, error));
    });
    if (!stats.isDirectory()) throw new Error(`${target.folder} is not a folder`);
    const place = createFolderPlace(target.folder, 'copy-to');
    return {
      place,
      async fetch(name) {
        const started = Date.now();
        const file = path.join(target.folder, name);
        const { bytes, sha256 } = await sha256File(file);
        return { path: file, bytes, sha256, how: 'read in place', durationMs: Date.now() - started };
      },
      close: async () => undefined,
    };
  }
  const place = await openSftpPlace(target.settings, { readyTimeoutMs: options.readyTimeoutMs });
  return {
    place,
    async fetch(name, tempDir) {
      const result = await downloadFromSftp(target.settings, name, path.join(tempDir, name), {
        readyTimeoutMs: options.readyTimeoutMs,
        ...options.sftp,
      });
      return {
        path: result.localPath,
        bytes: result.bytes,
        sha256: result.sha256,
        how: 'downloaded',
        durationMs: result.durationMs,
      };
    },
    close: () => place.close(),
  };
}
