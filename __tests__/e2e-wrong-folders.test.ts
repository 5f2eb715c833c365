// End to end: folders that exist but are not what the run needs, run through the bundled dist/ against the simulated
// Oracle. A copy-to share that is not mounted must not become a folder on the local disk, and a dump-path that is
// not the folder of the directory object must be named as such, not as a dump file that went missing.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE24 } from './helpers/run-action.js';
import { run, scenario } from './helpers/scenario.js';
import { readSimCalls, writeSimConfig, type SimConfig } from './oracle-sim/sim.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function reportOf(file: string | undefined) {
  return JSON.parse(await readFile(file!, 'utf8')) as {
    status: string;
    statusReason: string;
    preflight: Check[];
    archives: Array<{ destinations: Array<{ location: string; ok: boolean; error?: string }> }>;
    schemas: Array<{
      name: string;
      outcome: string;
      reason: string;
      findings: Array<{ code: string; message: string; advice: string }>;
    }>;
  };
}

const exportCalls = (record: string) => readSimCalls(record).filter((c) => c.parfile !== '');

describe('a copy-to folder that does not exist (a share that is not mounted)', () => {
  const unmounted = (root: string) => path.join(root, 'mnt', 'backup-share');
  const missingMessage = (folder: string) =>
    `copy-to folder ${folder} does not exist (is the share mounted?); the action never creates a destination folder`;

  it('is not created: pre-flight fails it, the export still runs, work-dir gets the backup, status partial', async () => {
    const s = await scenario({ HR: { behavior: 'success', tables: 2, bytes: 128 * 1024 } });
    const share = unmounted(s.root);
    const result = await run({ ...s, inputs: { ...s.inputs, 'copy-to': share } }, NODE24);

    expect(existsSync(share)).toBe(false);
    expect(existsSync(path.dirname(share))).toBe(false);
    expect(result.outputs.status).toBe('partial');
    expect(exportCalls(s.record)).toHaveLength(1);
    const report = await reportOf(result.outputs.report);
    expect(report.preflight).toContainEqual({
      name: `copy-to ${share}`,
      ok: false,
      detail: missingMessage(share),
    });
    const destinations = report.archives.flatMap((a) => a.destinations);
    expect(destinations).toEqual([
      expect.objectContaining({ location: s.workDir, ok: true }),
      expect.objectContaining({
        location: share,
        ok: false,
        error: expect.stringContaining(missingMessage(share)),
      }),
    ]);
    expect((await readdir(s.workDir)).filter((n) => n.endsWith('.zip'))).toHaveLength(1);
    expect(result.summary).toContain('is the share mounted?');
  });

  it('is reported by a dry run, which creates nothing there', async () => {
    const s = await scenario({ HR: { behavior: 'success' } });
    const share = unmounted(s.root);
    const result = await run({ ...s, inputs: { ...s.inputs, 'copy-to': share, 'dry-run': 'true' } }, NODE24);

    expect(existsSync(path.dirname(share))).toBe(false);
    expect(result.outputs.status).toBe('failure');
    const report = await reportOf(result.outputs.report);
    expect(report.statusReason).toBe('dry run: pre-flight checks failed; nothing was exported or deleted');
    expect(report.preflight).toContainEqual({
      name: `copy-to ${share}`,
      ok: false,
      detail: missingMessage(share),
    });
    expect(exportCalls(s.record)).toEqual([]);
  });

  it('a relative copy-to is refused before anything runs, naming the input, the value and what is allowed', async () => {
    const s = await scenario({ HR: { behavior: 'success' } });
    const result = await run({ ...s, inputs: { ...s.inputs, 'copy-to': 'backup-share/oracle' } }, NODE24);

    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toContain(
      'copy-to: "backup-share/oracle" is not allowed; it is a relative path, and a destination must be a folder ' +
        'that already exists; use an absolute path (e.g. /mnt/backup-share/oracle) or a UNC share ' +
        '(e.g. \\\\nas01\\backup\\oracle).',
    );
    expect(exportCalls(s.record)).toEqual([]);
  });
});

describe('a dump-path that exists but is not the folder of the directory object', () => {
  // DATA_PUMP_DIR of a PDB as the server names it (a GUID folder): not a path on this runner.
  const SERVER_PATH = '/u01/app/oracle/admin/ORCLCDB/dpdump/3C90128E12098EEFE065000000000001';

  it('fails the schema naming dump-path, the directory and where expdp wrote, not a dump file gone missing', async () => {
    const s = await scenario({ HR: { behavior: 'success', tables: 2, bytes: 128 * 1024 } });
    // The directory object's folder is elsewhere: the dumps land there, and dump-path (s.dumpDir) stays empty.
    const serverFolder = path.join(s.root, 'server-dpdump');
    await mkdir(serverFolder);
    const config = JSON.parse(await readFile(s.config, 'utf8')) as SimConfig;
    writeSimConfig(s.root, {
      ...config,
      directories: { DATA_PUMP_DIR: serverFolder },
      serverPaths: { DATA_PUMP_DIR: SERVER_PATH },
    });
    const result = await run(s, NODE24);

    expect(result.outputs.status).toBe('failure');
    const dump = (await readdir(serverFolder)).find((n) => n.endsWith('.dmp'));
    expect(dump).toBeDefined();
    const reason =
      `dump-path ${s.dumpDir} is not the folder of directory DATA_PUMP_DIR ` +
      `(expdp wrote to ${SERVER_PATH}/${dump})`;
    const [hr] = (await reportOf(result.outputs.report)).schemas;
    expect(hr).toMatchObject({ name: 'HR', outcome: 'failed', reason });
    expect(hr!.findings).toContainEqual({
      severity: 'error',
      code: 'DUMP-PATH',
      message: reason,
      advice:
        'Set dump-path to the folder of directory DATA_PUMP_DIR as this runner sees it, or fix the directory ' +
        'object DATA_PUMP_DIR.',
    });
    expect(result.summary).toContain(
      `is not the folder of directory DATA_PUMP_DIR (expdp wrote to ${SERVER_PATH}/`,
    );
  });
});
