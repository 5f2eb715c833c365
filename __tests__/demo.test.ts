// The README promise: `npm run demo` runs the bundled action end to end and says where everything went.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

describe('npm run demo', () => {
  it('runs dist/ on the simulated parts and prints paths that exist', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.mjs')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^status: +partial \(exit code 0\)$/m);
    for (const label of ['archive', 'manifest', 'job summary', 'report JSON', 'run log']) {
      const match = new RegExp(`^${label}: +(\\S+)`, 'm').exec(result.stdout);
      expect(match, label).not.toBeNull();
      expect(existsSync(match![1]!), `${label} ${match![1]}`).toBe(true);
    }
    const mail = /^e-mail: +(\S+\.eml)/m.exec(result.stdout);
    expect(mail && existsSync(mail[1]!)).toBe(true);
  });
});
