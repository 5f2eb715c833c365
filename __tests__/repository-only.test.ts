// Tests use only what the repository holds: a fresh clone runs every test without files from beside the checkout.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const testsDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.dirname(testsDir);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [full] : [];
  });
}

describe('tests read only files inside the repository', () => {
  const files = sourceFiles(testsDir).filter((file) => file !== fileURLToPath(import.meta.url));

  it('no relative path in a test file leads outside the checkout', () => {
    const outside: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (/^\s*(import|export)\b|^\s*\}? ?from '/.test(line)) return;
        for (const match of line.matchAll(/'(\.\.\/[^']*|\.\.)'/g)) {
          const target = path.resolve(path.dirname(file), match[1]!);
          if (path.relative(repoRoot, target).startsWith('..')) {
            outside.push(`${path.relative(repoRoot, file)}:${index + 1}: ${match[1]}`);
          }
        }
      });
    }
    expect(outside).toEqual([]);
  });

  it('no test file names the shared reference folder', () => {
    const naming = files.filter((file) => readFileSync(file, 'utf8').includes('shared/reference'));
    expect(naming.map((file) => path.relative(repoRoot, file))).toEqual([]);
  });
});
