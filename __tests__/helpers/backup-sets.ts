// Old backup sets as the action writes them (archive + `<archive>.manifest.json`), for retention and mode tests.
import { createHash } from 'node:crypto';
import { chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildManifest, manifestJson } from '../../src/manifest.js';
import type { RunStatus } from '../../src/types.js';

export async function writeBackupSet(
  dir: string,
  name: string,
  createdAt: Date,
  status: RunStatus,
  options: { connectString?: string; owner?: { uid: number; gid: number } } = {},
): Promise<void> {
  const content = Buffer.from(`archive ${name}`);
  const manifest = buildManifest({
    tool: { name: 'oracle-backup-action', version: '0.1.0' },
    setId: `id-${name}`,
    createdAt: createdAt.toISOString(),
    runId: '1',
    status,
    connectString: options.connectString ?? 'dbhost:1521/ORCLPDB1',
    schemas: [
      {
        name: 'HR',
        outcome: status === 'failure' ? 'failed' : 'success',
        reason: '',
        findings: [],
        jobName: 'OBA_HR_1',
        startedAt: createdAt.toISOString(),
        durationMs: 1,
        exitCode: 0,
        dumpFiles: [],
        tables: 1,
        rows: 1,
        rowCounts: [],
        skippedTables: [],
        dumpBytes: 1,
      },
    ],
  });
  const sha256 = createHash('sha256').update(content).digest('hex');
  manifest.archives = [{ name, bytes: content.length, sha256, encrypted: false }];
  for (const [file, data] of [
    [name, content],
    [`${name}.manifest.json`, manifestJson(manifest)],
  ] as const) {
    await writeFile(path.join(dir, file), data);
    if (options.owner) await chown(path.join(dir, file), options.owner.uid, options.owner.gid);
  }
}
