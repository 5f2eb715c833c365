// One command installs what the tests need beside Node: `npm run test:prepare`, the same script `.ci/run` calls,
// named where a newcomer starts (README "Try it", CONTRIBUTING).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const read = (name: string) => readFileSync(path.join(repoRoot, name), 'utf8');
const SCRIPT = 'scripts/install-test-prerequisites.sh';
const PACKAGES = ['7zip', 'unzip', 'openssh-server', 'openssh-client', 'chromium', 'openssl'];

describe('installing the test prerequisites', () => {
  it('is `npm run test:prepare`', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test:prepare']).toBe(`bash ${SCRIPT}`);
  });

  it('installs the six packages with apt-get, only those missing', () => {
    const script = read(SCRIPT);
    const named = [...script.matchAll(/need\+=\(([a-z0-9-]+)\)/g)].map((m) => m[1]);
    expect(named).toEqual(PACKAGES);
    expect(script).toMatch(/apt-get install -y -qq "\$\{need\[@\]\}"/);
    expect(spawnSync('bash', ['-n', path.join(repoRoot, SCRIPT)]).status).toBe(0);
  });

  it('--list prints what is missing here and installs nothing', () => {
    const r = spawnSync('bash', [path.join(repoRoot, SCRIPT), '--list'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const line of r.stdout.split('\n').filter(Boolean)) expect(PACKAGES).toContain(line);
  });

  it('is what .ci/run calls, with no package list of its own', () => {
    const ci = read('.ci/run');
    expect(ci.split('\n')).toContain(SCRIPT);
    expect(ci).not.toMatch(/apt-get install|need\+=/);
  });

  it('is named in the README\'s "Try it" block and its Development section, and in CONTRIBUTING', () => {
    const readme = read('README.md');
    const tryIt = readme.slice(readme.indexOf('Try it on your machine'));
    const block = tryIt.slice(0, tryIt.indexOf('```', tryIt.indexOf('```') + 3));
    expect(block).toContain('npm run test:prepare');
    const development = readme.slice(readme.indexOf('## Development'), readme.indexOf('## Inputs'));
    expect(development).toContain('npm run test:prepare');
    expect(development).toMatch(/need root/);
    expect(read('CONTRIBUTING.md')).toContain('npm run test:prepare');
  });
});
