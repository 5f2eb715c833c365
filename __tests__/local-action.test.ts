// `@github/local-action` runs an entry module by calling its exported `run()`: the main and the post module both
// export one, and CONTRIBUTING shows the command for each.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

describe('@github/local-action entry points', () => {
  it('src/main.ts exports run()', async () => {
    const main = await import('../src/main.js');
    expect(typeof main.run).toBe('function');
  });

  it('src/post.ts exports run(), the post step itself', async () => {
    const post = (await import('../src/post.js')) as Record<string, unknown>;
    expect(typeof post.run).toBe('function');
    expect(post.run).toBe(post.post);
  });

  it('CONTRIBUTING shows the command for both', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'CONTRIBUTING.md'), 'utf8');
    expect(text).toContain('npx @github/local-action run . src/main.ts .env');
    expect(text).toContain('npx @github/local-action run . src/post.ts .env');
  });
});
