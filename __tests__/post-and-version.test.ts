import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOL } from '../src/version.js';
import { DIST_POST, REPO_ROOT, runAction } from './helpers/run-action.js';

describe('the post step (bundled)', () => {
  it('removes a private folder that a killed main step left behind, and only warns on trouble', async () => {
    const left = await mkdtemp(path.join(tmpdir(), 'oracle-backup-'));
    await writeFile(path.join(left, 'OBA_HR_1.par'), 'USERID=x/y@z\n', { mode: 0o600 });
    const result = await runAction({
      inputs: {},
      script: DIST_POST,
      env: { 'STATE_temp-dirs': JSON.stringify([left, '/nonexistent/already-gone']) },
    });
    expect(result.exitCode).toBe(0);
    expect(existsSync(left)).toBe(false);
    expect(result.stdout).toContain(`removed leftover private folder ${left}`);
    expect(result.stdout).not.toContain('::error::');
  });
});

describe('version', () => {
  it('matches package.json', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(TOOL).toEqual({ name: pkg.name, version: pkg.version });
  });
});
