// dump-path against the directory object: the database's DIRECTORY_PATH compared in pre-flight (the same folder by
// device and inode, never by name), and a dump file the log lists but dump-path does not hold.
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareWithDirectory, misplacedDumpFile } from '../src/export/dump-location.js';
import { pipelineScenario, runPipeline } from './helpers/pipeline-run.js';
import { readSimCalls } from './oracle-sim/sim.js';
import { simDatabase } from './oracle-sim/sim-database.js';

const exportCalls = (record: string) => readSimCalls(record).filter((c) => c.parfile !== '');

/** A folder outside any scenario: the directory object's own folder when dump-path points somewhere else. */
const otherFolder = async (name: string): Promise<string> => {
  const folder = path.join(await mkdtemp(path.join(tmpdir(), 'oba-dir-')), name);
  await mkdir(folder);
  return folder;
};

describe('pre-flight with database queries: dump-path against DIRECTORY_PATH', () => {
  it('fails when the directory is another folder on this runner; no export starts, a dry run says so too', async () => {
    const serverFolder = await otherFolder('dpdump');
    for (const dryRun of ['false', 'true']) {
      const s = await pipelineScenario(
        { HR: { behavior: 'success' } },
        { 'dry-run': dryRun },
        { directories: { DATA_PUMP_DIR: serverFolder } },
      );
      const { database } = simDatabase(s.config);
      const { report } = await runPipeline(s, { database });
      await database.close();

      expect(report.preflight.find((c) => c.name === 'dump-path')).toEqual({
        name: 'dump-path',
        ok: false,
        detail:
          `dump-path ${s.dumpDir} is not the folder of directory DATA_PUMP_DIR (DATA_PUMP_DIR is ` +
          `${serverFolder} in the database): set dump-path to the folder of directory DATA_PUMP_DIR as this ` +
          'runner sees it, or fix the directory object DATA_PUMP_DIR',
      });
      expect(report.status).toBe('failure');
      expect(report.statusReason).toBe(
        dryRun === 'true'
          ? 'dry run: pre-flight checks failed; nothing was exported or deleted'
          : 'pre-flight checks failed, so no export was started',
      );
      expect(exportCalls(s.record)).toEqual([]);
    }
  });

  it('passes when dump-path reaches the same folder by another name (a symbolic link)', async () => {
    const s = await pipelineScenario({ HR: { behavior: 'success' } });
    const link = path.join(s.root, 'dpdump-link');
    await symlink(s.dumpDir, link);
    const { database } = simDatabase(s.config);
    const { report } = await runPipeline({ ...s, settings: { ...s.settings, dumpPath: link } }, { database });
    await database.close();

    expect(report.preflight.find((c) => c.name === 'dump-path')).toEqual({
      name: 'dump-path',
      ok: true,
      detail: `${link} (the folder of directory DATA_PUMP_DIR, ${s.dumpDir} in the database)`,
    });
    expect(report.status).toBe('success');
  });

  it('notes that a DIRECTORY_PATH this runner does not have cannot be compared, and exports', async () => {
    const serverPath = '/u01/app/oracle/admin/ORCLCDB/dpdump/3C90128E12098EEFE065000000000001';
    const s = await pipelineScenario({ HR: { behavior: 'success' } }, {}, {});
    // The runner sees the server's folder through a mount: the sim writes to s.dumpDir and names it serverPath.
    const { database } = simDatabase(s.config, {
      directories: { DATA_PUMP_DIR: { path: serverPath, grants: { BACKUP: ['READ', 'WRITE'] } } },
    });
    const { report } = await runPipeline(s, { database });
    await database.close();

    expect(report.preflight.find((c) => c.name === 'dump-path')).toEqual({
      name: 'dump-path',
      ok: true,
      detail:
        `${s.dumpDir}; DATA_PUMP_DIR is ${serverPath} in the database, which is not a folder on this runner, ` +
        'so the two cannot be compared from here',
    });
    expect(report.status).toBe('success');
  });
});

describe('misplacedDumpFile', () => {
  it('is the listed path when dump-path does not hold the file and the log names another folder', () => {
    expect(misplacedDumpFile('/mnt/dpdump/HR.dmp', ['/u01/dpdump/GUID/HR.dmp'], '/mnt/dpdump')).toBe(
      '/u01/dpdump/GUID/HR.dmp',
    );
    expect(
      misplacedDumpFile(
        '/mnt/dpdump/HR.dmp',
        ['C:\\app\\oracle\\admin\\ORCL\\dpdump\\HR.dmp'],
        '/mnt/dpdump',
      ),
    ).toBe('C:\\app\\oracle\\admin\\ORCL\\dpdump\\HR.dmp');
  });

  it('is undefined when the log names dump-path itself (the file really is missing) or nothing', () => {
    expect(misplacedDumpFile('/mnt/dpdump/HR.dmp', ['/mnt/dpdump/HR.dmp'], '/mnt/dpdump/')).toBeUndefined();
    expect(misplacedDumpFile('/mnt/dpdump/HR.dmp', [], '/mnt/dpdump')).toBeUndefined();
  });
});

describe('compareWithDirectory', () => {
  it('says nothing is wrong for the same folder, and fails another one', async () => {
    const a = await otherFolder('a');
    const b = await otherFolder('b');
    expect(await compareWithDirectory(a, 'DATA_PUMP_DIR', a)).toMatchObject({ ok: true });
    expect(await compareWithDirectory(a, 'DATA_PUMP_DIR', b)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^dump-path .* is not the folder of directory DATA_PUMP_DIR/),
    });
  });
});
