// The import rules `npm run lint` enforces with dependency-cruiser (.dependency-cruiser.cjs): the project's source
// keeps them, and deliberate violations in a fixture (an import cycle, only through a type import on one side, and
// the Actions toolkit outside the runner adapters) are caught.
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IConfiguration, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

const config = createRequire(import.meta.url)(
  path.join(REPO_ROOT, '.dependency-cruiser.cjs'),
) as IConfiguration;

async function violations(root: string): Promise<Array<{ rule: string; from: string; to: string }>> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const result: IReporterOutput = await cruise(['src'], {
      ...config.options,
      validate: true,
      ruleSet: { forbidden: config.forbidden },
      tsConfig: { fileName: path.join(REPO_ROOT, 'tsconfig.json') },
    });
    if (typeof result.output === 'string') throw new Error('expected the cruise result, not a report');
    return result.output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  } finally {
    process.chdir(cwd);
  }
}

describe('import rules (npm run lint)', () => {
  it('the source has no import cycle and uses the Actions toolkit only in the runner adapters', async () => {
    expect(await violations(REPO_ROOT)).toEqual([]);
  }, 30_000);

  it('a cycle, and the toolkit outside the adapters, are violations', async () => {
    const found = await violations(path.join(REPO_ROOT, '__tests__', 'fixtures', 'import-rules'));
    // A cycle is reported once, at the import that closes it.
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'no-circular', from: 'src/a.ts', to: 'src/b.ts' }),
        expect.objectContaining({ rule: 'actions-only-in-adapters', from: 'src/toolkit-user.ts' }),
      ]),
    );
  }, 30_000);
});
