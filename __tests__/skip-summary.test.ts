// The line at the end of `npm test` that says which tests were skipped, why, and the command that runs them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

describe('skip summary at the end of the run', () => {
  it('prints one line per reason with its count and command, after the totals', () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        path.join(repoRoot, '__tests__/fixtures/skip-summary/vitest.config.ts'),
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '' } },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    const lines = out.split('\n');
    expect(lines).toContain('2 tests skipped: the fixture tool is missing — run: fixture-prepare');
    expect(lines).toContain('1 test skipped: the fixture needs root — run: sudo fixture-test');
    // A skip that gives no reason (a name filter, `.only`) and a todo are not counted.
    expect(lines.filter((line) => / skipped: /.test(line))).toHaveLength(2);
    // At the end, after vitest's own totals.
    const totals = lines.findIndex((line) => /^\s*Tests\s/.test(line));
    expect(totals).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((line) => line.startsWith('2 tests skipped:'))).toBeGreaterThan(totals);
  });

  it('is wired into the project config beside the default reporter', () => {
    expect(config.test?.reporters).toEqual(['default', './__tests__/helpers/skip-summary-reporter.ts']);
  });
});
