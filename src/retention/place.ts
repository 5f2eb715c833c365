// A place where backup sets live (the local work dir, a copy-to folder, the SFTP folder), seen the same way by
// retention whatever the transport. Implementations: folder (node:fs) and SFTP.

export interface PlaceEntry {
  /** Plain file name in the place's folder (no sub-folders are walked). */
  name: string;
  bytes: number;
  /** Modification time as the place reports it; informative only, retention trusts manifests. */
  modifiedMs: number;
  isFile: boolean;
}

export interface BackupPlace {
  /** For messages and the report, e.g. `work-dir /backups`, `folder \\nas\oracle`, `sftp backup@host:/oracle`. */
  readonly label: string;
  readonly kind: 'local' | 'copy-to' | 'sftp';
  list(): Promise<PlaceEntry[]>;
  /** Reads a small text file (a manifest); refuses more than `maxBytes`. */
  readText(name: string, maxBytes: number): Promise<string>;
  /** Removes one file; a missing file is not an error. */
  remove(name: string): Promise<void>;
}
