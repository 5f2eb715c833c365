// End to end: the bundled dist/ run as the runner runs it, against the simulated Oracle, checked from outside with
// independent tools (7-Zip, sha256 of extracted files) — under the test's Node and under Node 24.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE24, SYSTEM_NODE, type ActionRun } from './helpers/run-action.js';
import {
  ARCHIVE_PASSWORD,
  PASSWORD,
  run,
  scenario,
  sevenZip,
  sha256,
  type Scenario,
} from './helpers/scenario.js';
import { readSimCalls, SIM_ORACLE_HOME } from './oracle-sim/sim.js';

/** What the runner shows of the step's output: everything but the `::add-mask::` commands it consumes. */
function shownLog(result: ActionRun): string {
  return result.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

/** The simulated expdp's export calls (pre-flight's `expdp help=y` reads the release and logs in nowhere). */
function exportCalls(record: string): ReturnType<typeof readSimCalls> {
  return readSimCalls(record).filter((c) => c.parfile !== '');
}

/** Every text the action left behind, for leak checks. */
async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.join(entry.parentPath, entry.name));
  }
  return out;
}

describe('the bundled action end to end', () => {
  beforeAll(() => {
    if (!existsSync(path.join(SIM_ORACLE_HOME, 'bin', 'expdp'))) throw new Error('simulated expdp missing');
  });

  describe.each([
    [
      `the machine's Node ${execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim()}`,
      SYSTEM_NODE,
    ],
    ['Node 24', NODE24],
  ])('a clean run of three schemas (%s)', (_label, node) => {
    let s: Scenario;
    let result: ActionRun;
    beforeAll(async () => {
      s = await scenario({
        HR: { behavior: 'success', tables: 5, bytes: 3 * 1024 * 1024 },
        SALES: { behavior: 'success', tables: 3, bytes: 1024 * 1024 },
        APP: { behavior: 'success', tables: 2, bytes: 512 * 1024 },
      });
      result = await run(s, node);
    });

    it('succeeds with status success and exit code 0', () => {
      expect(result.stderr).toBe('');
      expect(result.outputs.status).toBe('success');
      expect(result.exitCode).toBe(0);
    });

    it('sets every output of the contract', async () => {
      const archives = result.outputs.archives!.split('\n');
      expect(archives).toHaveLength(1);
      expect(archives[0]).toMatch(
        new RegExp(`^${s.workDir}/oracle-backup_\\d{4}-\\d{2}-\\d{2}_\\d{6}\\.zip$`),
      );
      expect(result.outputs['archive-sha256']).toBe(await sha256(archives[0]!));
      expect(result.outputs.manifest).toBe(`${archives[0]}.manifest.json`);
      expect(existsSync(result.outputs.report!)).toBe(true);
      expect(Number(result.outputs['bytes-exported'])).toBeGreaterThanOrEqual(4.5 * 1024 * 1024);
      expect(Number(result.outputs['bytes-archived'])).toBe((await stat(archives[0]!)).size);
      expect(Number(result.outputs['bytes-archived'])).toBeLessThan(
        Number(result.outputs['bytes-exported']) / 2,
      );
      expect(Number(result.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);
    });

    it('writes an AES-256 archive whose entries match the manifest hashes (checked with 7-Zip)', async () => {
      const archive = result.outputs.archives!;
      const listing = execFileSync(sevenZip(), ['l', '-slt', `-p${ARCHIVE_PASSWORD}`, archive], {
        encoding: 'utf8',
      });
      expect(listing).toContain('AES-256');
      const out = await mkdtemp(path.join(tmpdir(), 'oba-extract-'));
      execFileSync(sevenZip(), ['x', `-p${ARCHIVE_PASSWORD}`, `-o${out}`, archive], { stdio: 'ignore' });
      const inner = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
      expect(inner.schemas.map((x: { name: string }) => x.name)).toEqual(['HR', 'SALES', 'APP']);
      for (const schema of inner.schemas) {
        expect(schema.status).toBe('success');
        expect(schema.rows).toBeGreaterThan(0);
        expect(schema.dumpFiles.length).toBeGreaterThan(0);
        for (const file of schema.dumpFiles) {
          const extracted = path.join(out, file.name);
          expect((await stat(extracted)).size).toBe(file.bytes);
          expect(await sha256(extracted)).toBe(file.sha256);
        }
      }
      const logs = await readdir(path.join(out, 'logs'));
      expect(logs).toHaveLength(3);
      expect(() =>
        execFileSync(sevenZip(), ['t', '-pnot-the-password', archive], { stdio: 'ignore' }),
      ).toThrow();
      // Without a password 7-Zip cannot test it either (stdin closed: no prompt to answer).
      expect(() => execFileSync(sevenZip(), ['t', archive], { stdio: 'ignore' })).toThrow();
    });

    it('copies the archive and its manifest to the folder, verified, and removes the raw dumps', async () => {
      const archive = result.outputs.archives!;
      const copy = path.join(s.shareDir, path.basename(archive));
      expect(await sha256(copy)).toBe(result.outputs['archive-sha256']);
      const beside = JSON.parse(await readFile(`${copy}.manifest.json`, 'utf8'));
      expect(beside.tool.name).toBe('oracle-backup-action');
      expect(beside.database.connectString).toBe('dbhost:1521/ORCLPDB1');
      expect(beside.archives).toEqual([
        {
          name: path.basename(archive),
          bytes: (await stat(archive)).size,
          sha256: result.outputs['archive-sha256'],
          encrypted: true,
        },
      ]);
      expect((await readdir(s.shareDir)).filter((n) => n.includes('partial'))).toEqual([]);
      expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
    });

    it('writes a summary with a row per schema and the verified destinations', () => {
      expect(result.summary).toContain('Oracle backup: success');
      for (const name of ['HR', 'SALES', 'APP'])
        expect(result.summary).toMatch(new RegExp(`^\\| ${name} \\| ✅ success \\|`, 'm'));
      expect(result.summary).toContain(s.shareDir);
      expect(result.summary).toContain('SHA-256 match');
    });

    it('never lets the password reach expdp argv or environment, logs, summary, outputs, manifest or file names', async () => {
      const calls = exportCalls(s.record);
      expect(calls).toHaveLength(3);
      for (const call of calls) {
        expect(call.argv).toHaveLength(1);
        expect(call.argv[0]).toMatch(/^parfile=/);
        expect(call.parfileMode).toBe('600');
        expect(JSON.stringify(call.argv)).not.toContain(PASSWORD);
        expect(JSON.stringify(call.env)).not.toContain(PASSWORD);
        expect(JSON.stringify(call.env)).not.toContain(ARCHIVE_PASSWORD);
        expect(call.env.NLS_LANG).toBe('AMERICAN_AMERICA.AL32UTF8');
        expect(existsSync(call.parfile)).toBe(false);
      }
      // The private parfile folders were handed to the post step, and are gone already.
      const tempDirs = JSON.parse(result.state['temp-dirs']!) as string[];
      expect(tempDirs).toHaveLength(3);
      for (const dir of tempDirs) expect(existsSync(dir)).toBe(false);
      expect(calls.map((c) => path.dirname(c.parfile)).sort()).toEqual([...tempDirs].sort());
      // The runner consumes `::add-mask::` commands (that is how the secrets get masked); everything else is shown.
      const masks = result.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
      expect(masks).toContain(`::add-mask::${PASSWORD}`);
      expect(masks).toContain(`::add-mask::${ARCHIVE_PASSWORD}`);
      expect(masks).toContain(`::add-mask::backup/${PASSWORD}@dbhost:1521/ORCLPDB1`);
      const texts = [shownLog(result), result.summary, JSON.stringify(result.outputs)];
      // Everything the run left, except the simulated database's own configuration (it holds the user's password).
      for (const file of (await allFiles(s.root)).filter((f) => f !== s.config)) {
        expect(file).not.toContain(PASSWORD);
        if (/\.(log|json|md)$/.test(file)) texts.push(await readFile(file, 'utf8'));
      }
      for (const text of texts) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(ARCHIVE_PASSWORD);
      }
    });
  });

  it('reports partial (and fails the step) when a schema ends with skipped tables', async () => {
    const s = await scenario({
      HR: { behavior: 'success', tables: 3, bytes: 256 * 1024 },
      AUDIT: { behavior: 'skipped-tables', tables: 4, bytes: 256 * 1024 },
      SALES: { behavior: 'success', tables: 2, bytes: 256 * 1024 },
    });
    const result = await run(s);
    expect(result.outputs.status).toBe('partial');
    expect(result.exitCode).toBe(1);
    expect(result.summary).toMatch(/^\| AUDIT \| ⚠️ completed with errors \|/m);
    expect(result.summary).toContain('ORA-01555');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    const audit = report.schemas.find((x: { name: string }) => x.name === 'AUDIT');
    expect(audit.skippedTables.length).toBe(2);
    // The dump with skipped tables is still archived: it holds every other table.
    expect(report.archives[0].schemas).toEqual(['HR', 'AUDIT', 'SALES']);
  });

  it('keeps the figures of earlier runs in the work dir and shows their trend in the next summary', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 256 * 1024 } },
      { 'archive-password': '' },
    );
    await run(s);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new {time} for the next run's names
    const second = await run(s);
    expect(second.outputs.status).toBe('success');
    const history = JSON.parse(await readFile(path.join(s.workDir, '.oracle-backup-history.json'), 'utf8'));
    expect(JSON.stringify(history)).not.toContain(PASSWORD);
    expect(JSON.stringify(history)).not.toContain('dbhost');
    expect(second.summary).toContain('xychart-beta');
    // Free space on every run, not only when a check fails: the second run compares with the first.
    expect(history.runs.at(-1).freeSpace).toContainEqual(
      expect.objectContaining({ role: 'work-dir', folder: s.workDir }),
    );
    expect(second.summary).toContain('### Free space');
    expect(second.summary).toMatch(
      /^\| `work-dir` \| .* free\) \| (?:[+−]|±)[\d.]+ \w+ \(\d{4}-\d\d-\d\d \d\d:\d\d /m,
    );
  });

  it('with fail-on: failure, a partial run does not fail the step', async () => {
    const s = await scenario(
      { HR: { behavior: 'skipped-tables', tables: 3, bytes: 128 * 1024 } },
      { 'fail-on': 'failure', 'archive-password': '' },
    );
    const result = await run(s);
    expect(result.outputs.status).toBe('partial');
    expect(result.exitCode).toBe(0);
  });

  it('reports failure, fails the step and still writes the report when every schema fails', async () => {
    const s = await scenario({
      HR: { behavior: 'directory-invalid' },
      SALES: { behavior: 'fatal', tables: 2, bytes: 128 * 1024 },
    });
    const result = await run(s);
    expect(result.outputs.status).toBe('failure');
    expect(result.exitCode).toBe(1);
    expect(result.outputs.archives).toBe('');
    expect(result.summary).toContain('Oracle backup: failure');
    expect(result.summary).toMatch(/^\| HR \| ❌ failed \|/m);
    expect(result.summary).toContain('ORA-39087');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.status).toBe('failure');
    expect(report.schemas.map((x: { outcome: string }) => x.outcome)).toEqual(['failed', 'failed']);
    // A failed export's partial dump is not a backup and is not left behind.
    expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp'))).toEqual([]);
    expect(existsSync(s.shareDir) ? await readdir(s.shareDir) : []).toEqual([]);
  });

  it('ends a wrong password in seconds with "invalid username/password", not a hang', async () => {
    const s = await scenario(
      { HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } },
      { password: 'wrong-one' },
    );
    const started = Date.now();
    const result = await run(s);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.outputs.status).toBe('failure');
    expect(result.summary).toContain('invalid username/password');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.schemas[0].reason).toContain('invalid username/password');
  });

  it('stops a schema at its timeout, removes its partial dump and goes on with the others', async () => {
    const s = await scenario(
      {
        HR: { behavior: 'hang', tables: 2, bytes: 256 * 1024 },
        SALES: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
      },
      { timeout: '2s' },
    );
    const started = Date.now();
    const result = await run(s);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.outputs.status).toBe('partial');
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.schemas[0]).toMatchObject({ name: 'HR', outcome: 'failed' });
    expect(report.schemas[0].reason).toContain('timed out after 2s');
    expect(report.schemas[1]).toMatchObject({ name: 'SALES', outcome: 'success' });
    expect(report.archives[0].schemas).toEqual(['SALES']);
    expect((await readdir(s.dumpDir)).filter((n) => n.startsWith('HR_'))).toEqual([]);
  });

  it('counts a failed folder as partial while the other folders still get a verified copy', async () => {
    const s = await scenario({ HR: { behavior: 'success', tables: 2, bytes: 128 * 1024 } });
    const blocker = path.join(s.root, 'not-a-folder');
    await writeFile(blocker, 'a file where a folder should be');
    const result = await run({
      ...s,
      inputs: { ...s.inputs, 'copy-to': `${blocker}/oracle\n${s.shareDir}` },
    });
    expect(result.outputs.status).toBe('partial');
    expect(result.exitCode).toBe(1);
    expect(await sha256(path.join(s.shareDir, path.basename(result.outputs.archives!)))).toBe(
      result.outputs['archive-sha256'],
    );
    expect(result.summary).toContain(`${blocker}/oracle`);
    expect(result.summary).toMatch(/❌ .*not a folder/);
  });

  it('writes one verified archive per schema with archive-per: schema, and a failed one is left out', async () => {
    const s = await scenario(
      {
        HR: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
        SALES: { behavior: 'empty-dump', tables: 2, bytes: 128 * 1024 },
        APP: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
      },
      { 'archive-per': 'schema', 'archive-password': '', 'keep-dumps': 'true' },
    );
    const result = await run(s);
    expect(result.outputs.status).toBe('partial');
    const archives = result.outputs.archives!.split('\n');
    expect(archives.map((a) => path.basename(a).split('_')[0])).toEqual(['HR', 'APP']);
    expect(result.outputs['archive-sha256']!.split('\n')).toEqual([
      await sha256(archives[0]!),
      await sha256(archives[1]!),
    ]);
    for (const archive of archives) execFileSync('unzip', ['-tq', archive], { stdio: 'ignore' });
    const report = JSON.parse(await readFile(result.outputs.report!, 'utf8'));
    expect(report.schemas[1].reason).toMatch(/empty/);
    // keep-dumps: the good dumps stay where expdp wrote them.
    expect((await readdir(s.dumpDir)).filter((n) => n.endsWith('.dmp')).length).toBe(2);
  });

  it('refuses to start while another run holds the work dir lock', async () => {
    const s = await scenario({ HR: { behavior: 'success', tables: 2, bytes: 64 * 1024 } });
    await mkdir(s.workDir, { recursive: true });
    // This test process is alive, so its lock is not stale.
    const holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), runId: '4241' };
    await writeFile(path.join(s.workDir, '.oracle-backup.lock'), JSON.stringify(holder));
    const result = await run(s);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('failure');
    expect(result.summary).toContain('another backup run holds');
    expect(exportCalls(s.record)).toEqual([]);
  });

  it('refuses invalid settings before anything runs, listing every problem in one message', async () => {
    const s = await scenario(
      {},
      {
        schemas: '',
        'compression-level': '12',
        timeout: 'soon',
        'dump-name': '../{schema}',
        'expdp-parameters': 'DIRECTORY=OTHER_DIR',
      },
    );
    const result = await run(s);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('failure');
    const errorLines = result.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errorLines).toHaveLength(1);
    const message = errorLines[0]!;
    for (const input of ['schemas', 'compression-level', 'timeout', 'dump-name', 'expdp-parameters']) {
      expect(message).toContain(input);
    }
    expect(message).toContain('12');
    expect(message).toContain('soon');
    expect(existsSync(s.record)).toBe(false);
    expect(result.summary).toContain('configuration is invalid');
  });

  it('dry run prints the plan with the parfile, password masked, and exports nothing', async () => {
    const s = await scenario({ HR: { behavior: 'success' } }, { 'dry-run': 'true' });
    const result = await run(s);
    expect(result.exitCode).toBe(0);
    expect(result.outputs.status).toBe('success');
    expect(result.summary).toContain('dry run');
    expect(result.summary).toContain('USERID=backup/********@dbhost:1521/ORCLPDB1');
    expect(result.summary).toContain('JOB_NAME=OBA_HR_');
    expect(shownLog(result) + result.summary).not.toContain(PASSWORD);
    expect(exportCalls(s.record)).toEqual([]);
    expect(existsSync(s.workDir) ? (await readdir(s.workDir)).filter((n) => n.endsWith('.zip')) : []).toEqual(
      [],
    );
  });
});
