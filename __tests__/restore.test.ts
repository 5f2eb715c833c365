// The README's restore section, proven: an archive written by the bundled action (AES-256) is extracted with 7-Zip
// exactly as the README says, the dump files are checked against the manifest with sha256sum, and the simulated
// impdp reads the dump set with SQLFILE= and REMAP_SCHEMA= (and imports it). One altered byte or a truncated file
// makes impdp fail, as it would with a real damaged dump.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_PASSWORD, run, scenario, sevenZip, sha256, type Scenario } from './helpers/scenario.js';
import { SIM_ORACLE_HOME } from './oracle-sim/sim.js';

const SYSTEM_PASSWORD = 'Restore#Pw_2026';
const IMPDP = path.join(SIM_ORACLE_HOME, 'bin', 'impdp');

let made: Scenario;
let archive: string;
let manifest: {
  schemas: Array<{ name: string; dumpFiles: Array<{ name: string; bytes: number; sha256: string }> }>;
};
const temps: string[] = [];

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** The restore host: the extracted archive in RESTORE_DIR, on the same simulated database (plus SYSTEM). */
async function restoreHost(restoreDir: string): Promise<string> {
  const config = JSON.parse(await readFile(made.config, 'utf8'));
  config.directories = { ...config.directories, RESTORE_DIR: restoreDir };
  config.users = { ...config.users, SYSTEM: SYSTEM_PASSWORD };
  delete config.record;
  const file = path.join(path.dirname(restoreDir), 'restore-sim.json');
  await writeFile(file, JSON.stringify(config));
  return file;
}

/** `impdp system ...` as typed on the restore host: the password answered at the prompt. */
function impdp(config: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(IMPDP, ['system', ...args], {
      env: { ...process.env, ORACLE_SIM_CONFIG: config },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.endsWith('Password: ')) child.stdin.end(`${SYSTEM_PASSWORD}\n`);
    });
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** README: `7z x -p'<archive-password>' <archive>.zip -o/u01/restore` (7-Zip for AES). */
async function extract(): Promise<string> {
  const restoreDir = path.join(await temp('oba-restore-'), 'restore');
  execFileSync(sevenZip(), ['x', `-p${ARCHIVE_PASSWORD}`, archive, `-o${restoreDir}`], { stdio: 'ignore' });
  return restoreDir;
}

const dumpOf = (schema: string) => manifest.schemas.find((s) => s.name === schema)!.dumpFiles[0]!;

beforeAll(async () => {
  made = await scenario({ HR: { tables: 5, bytes: 1536 * 1024 }, SALES: { tables: 2, bytes: 600 * 1024 } });
  const result = await run(made);
  expect(result.outputs.status).toBe('success');
  const names = await readdir(made.shareDir);
  archive = path.join(
    made.shareDir,
    names.find((n) => n.endsWith('.zip'))!,
  );
  manifest = JSON.parse(await readFile(`${archive}.manifest.json`, 'utf8'));
}, 120_000);

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
  if (made) await rm(made.root, { recursive: true, force: true });
});

describe("the README's restore steps", () => {
  it('7-Zip extracts the AES archive; every dump matches the manifest (sha256sum)', async () => {
    const restoreDir = await extract();
    const files = (await readdir(restoreDir, { recursive: true })).sort();
    expect(files).toContain('manifest.json');
    for (const schema of manifest.schemas) {
      for (const dump of schema.dumpFiles) {
        expect(files).toContain(dump.name);
        const out = execFileSync('sha256sum', [path.join(restoreDir, dump.name)], { encoding: 'utf8' });
        expect(out.split(/\s+/)[0]).toBe(dump.sha256);
        expect(await sha256(path.join(restoreDir, dump.name))).toBe(dump.sha256);
      }
    }
  });

  it('impdp SQLFILE= with REMAP_SCHEMA reads the dump set and writes the DDL for the new schema', async () => {
    const restoreDir = await extract();
    const config = await restoreHost(restoreDir);
    const hr = dumpOf('HR');
    const r = await impdp(config, [
      'DIRECTORY=RESTORE_DIR',
      `DUMPFILE=${hr.name}`,
      'REMAP_SCHEMA=HR:HR_RESTORED',
      'SQLFILE=hr_restored.sql',
    ]);
    expect(r.stdout).toContain('Password: ');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Job "SYSTEM"\."SYS_SQL_FILE_FULL_01" successfully completed at /);
    expect(r.stdout).not.toContain(SYSTEM_PASSWORD);
    const sql = await readFile(path.join(restoreDir, 'hr_restored.sql'), 'utf8');
    expect(sql).toContain('CREATE USER "HR_RESTORED"');
    expect(sql.match(/CREATE TABLE "HR_RESTORED"\./g)).toHaveLength(5);
    expect(sql).not.toMatch(/"HR"\./);
  });

  it('the literal README import (no SQLFILE) succeeds too', async () => {
    const restoreDir = await extract();
    const config = await restoreHost(restoreDir);
    const r = await impdp(config, [
      'DIRECTORY=RESTORE_DIR',
      `DUMPFILE=${dumpOf('SALES').name}`,
      'REMAP_SCHEMA=SALES:SALES_RESTORED',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Starting "SYSTEM"."SYS_IMPORT_FULL_01"');
    expect(r.stdout).toContain('Processing object type SCHEMA_EXPORT/TABLE/TABLE_DATA');
  });

  it('one altered byte in the extracted dump makes impdp fail, naming the file', async () => {
    const restoreDir = await extract();
    const config = await restoreHost(restoreDir);
    const file = path.join(restoreDir, dumpOf('HR').name);
    const fd = openSync(file, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, 777_777);
    b[0] = b[0]! ^ 0x20;
    writeSync(fd, b, 0, 1, 777_777);
    closeSync(fd);
    expect(await sha256(file)).not.toBe(dumpOf('HR').sha256);
    const r = await impdp(config, [
      'DIRECTORY=RESTORE_DIR',
      `DUMPFILE=${dumpOf('HR').name}`,
      'SQLFILE=x.sql',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`ORA-31619: invalid dump file "${file}"`);
    expect(r.stdout).toMatch(/stopped due to fatal error/);
  });

  it('a truncated dump makes impdp fail before any job', async () => {
    const restoreDir = await extract();
    const config = await restoreHost(restoreDir);
    const file = path.join(restoreDir, dumpOf('SALES').name);
    await truncate(file, (await stat(file)).size - 1);
    const r = await impdp(config, [
      'DIRECTORY=RESTORE_DIR',
      `DUMPFILE=${dumpOf('SALES').name}`,
      'SQLFILE=x.sql',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `ORA-39000: bad dump file specification\nORA-31619: invalid dump file "${file}"`,
    );
    expect(r.stdout).not.toContain('Starting');
  });

  it('the archive itself, copied elsewhere, still extracts (no absolute paths inside)', async () => {
    const elsewhere = await temp('oba-restore-copy-');
    await cp(archive, path.join(elsewhere, path.basename(archive)));
    const listing = execFileSync(
      sevenZip(),
      ['l', '-slt', `-p${ARCHIVE_PASSWORD}`, path.join(elsewhere, path.basename(archive))],
      {
        encoding: 'utf8',
      },
    );
    const paths = [...listing.matchAll(/^Path = (.+)$/gm)].map((m) => m[1]!).slice(1);
    expect(paths.every((p) => !path.isAbsolute(p) && !p.includes('..'))).toBe(true);
    expect(listing).toMatch(/Method = AES-256/);
  });
});
