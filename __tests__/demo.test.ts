// The README promise: `npm run demo` runs the bundled action end to end and says where everything went.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

/** Whether `command` is a runnable file in a folder of PATH. */
function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

describe('npm run demo', () => {
  // Its own folder: the default one (/tmp/oracle-backup-demo) is shared by every checkout on the machine.
  const demoDir = mkdtempSync(path.join(tmpdir(), 'oba-demo-test-'));
  afterAll(() => rmSync(demoDir, { recursive: true, force: true }));
  let stdout = '';

  it('runs dist/ on the simulated parts and prints paths that exist', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, OBA_DEMO_DIR: demoDir },
    });
    stdout = result.stdout;
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^status: +partial \(exit code 0\)$/m);
    for (const label of ['archive', 'manifest', 'job summary', 'report JSON', 'run log']) {
      const match = new RegExp(`^${label}: +(\\S+)`, 'm').exec(result.stdout);
      expect(match, label).not.toBeNull();
      expect(existsSync(match![1]!), `${label} ${match![1]}`).toBe(true);
      expect(match![1]!.startsWith(demoDir), `${label} ${match![1]}`).toBe(true);
    }
    const mail = /^e-mail: +(\S+\.eml)/m.exec(result.stdout);
    expect(mail && existsSync(mail[1]!)).toBe(true);
  });

  it('writes the e-mail as HTML beside the .eml and prints its path', () => {
    const eml = /^e-mail: +(\S+\.eml)/m.exec(stdout)![1]!;
    const html = /^e-mail \(HTML\): +(\S+\.html)$/m.exec(stdout)?.[1];
    expect(html).toBe(eml.replace(/\.eml$/, '.html'));
    const page = readFileSync(html!, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    expect(page).toContain('PARTIAL');
  });

  it('names a tool on this machine that opens the AES-256 archive', () => {
    const hint = /^Open the archive with: (\S+) x -p(\S+) "(.+)"$/m.exec(stdout);
    if (!onPath('7zz') && !onPath('7z')) {
      // Nothing here can open it: the demo says so and how to get 7-Zip.
      expect(stdout).toMatch(/^No tool on PATH opens this AES-256 archive.*apt-get install 7zip/m);
      return;
    }
    expect(hint, stdout).not.toBeNull();
    expect(onPath(hint![1]!)).toBe(true);
    const out = path.join(demoDir, 'extracted');
    const run = spawnSync(hint![1]!, ['x', `-p${hint![2]}`, `-o${out}`, hint![3]!], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
  });

  it('shows no path of the checkout in what it reports (the pictures in docs/ are drawn from it)', () => {
    const summary = readFileSync(/^job summary: +(\S+)/m.exec(stdout)![1]!, 'utf8');
    const html = readFileSync(/^e-mail \(HTML\): +(\S+)$/m.exec(stdout)![1]!, 'utf8');
    expect(summary).not.toContain(REPO_ROOT);
    expect(html).not.toContain(REPO_ROOT);
  });
});
