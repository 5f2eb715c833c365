// One install command everywhere, and no package in package-lock.json that refuses the oldest Node that
// package.json's engines allow (npm ci would print EBADENGINE for it on that Node).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-action.js';

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

/** The packages of a lock file whose engines.node does not admit `node`. */
export function refusing(lock: Lock, node: string): string[] {
  return Object.entries(lock.packages)
    .filter(([name]) => name !== '')
    .flatMap(([name, entry]) => {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (range === undefined || semver.satisfies(node, range)) return [];
      return [`${name.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} wants node ${range}`];
    });
}

const INSTALL_RE = /\bnpm (?:ci|install|i)\b[^\n#]*/g;

/** The npm install commands a file tells people (or a machine) to run, without options that only quiet npm. */
function installCommands(text: string): string[] {
  return [...text.matchAll(INSTALL_RE)].map((m) =>
    m[0]
      .replace(/--no-(?:audit|fund)\b/g, '')
      .replace(/[`'"].*$/, '')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe('install', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  const oldest = semver.minVersion(pkg.engines.node)?.version ?? '';

  it('package.json names an oldest Node', () => {
    expect(oldest).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('no package in package-lock.json refuses the oldest Node package.json allows', () => {
    expect(refusing(JSON.parse(read('package-lock.json')) as Lock, oldest)).toEqual([]);
  });

  it('the check finds a package that refuses it', () => {
    const lock: Lock = {
      packages: {
        '': {},
        'node_modules/content-type': { version: '3.1.1', engines: { node: '>=22' } },
        'node_modules/a/node_modules/b': { version: '1.0.0', engines: { node: '^20.19.0 || >=22.12.0' } },
        'node_modules/c': { version: '1.0.0', engines: { node: '>=18' } },
      },
    };
    expect(refusing(lock, '20.15.0')).toEqual([
      'content-type@3.1.1 wants node >=22',
      'b@1.0.0 wants node ^20.19.0 || >=22.12.0',
    ]);
  });

  it('README, CONTRIBUTING, .ci/run and the workflows give the same install command', () => {
    const files = [
      'README.md',
      'CONTRIBUTING.md',
      '.ci/run',
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
    ];
    const found = files.flatMap((file) => installCommands(read(file)).map((command) => ({ file, command })));
    expect(found.filter((f) => f.file === 'README.md').length).toBeGreaterThan(0);
    expect(found.filter((f) => f.command !== 'npm ci --ignore-scripts')).toEqual([]);
  });
});
