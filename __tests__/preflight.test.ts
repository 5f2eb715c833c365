// Pre-flight helpers: finding the export client (.exe on Windows) and reading its release from `help=y`.
import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateClient } from '../src/export/locate-client.js';
import { readClientRelease } from '../src/preflight.js';
import { SIM_EXPDP, SIM_ORACLE_HOME, writeSimConfig } from './oracle-sim/sim.js';

describe('locateClient', () => {
  it('looks in oracle-home/bin only when oracle-home is known, with .exe on Windows, else on PATH', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'oba-home-'));
    await mkdir(path.join(home, 'bin'));
    await writeFile(path.join(home, 'bin', 'expdp.exe'), '');
    expect(await locateClient('expdp', home, '', 'win32')).toBe(path.join(home, 'bin', 'expdp.exe'));
    expect(await locateClient('exp', home, '', 'win32')).toBeUndefined();
    await writeFile(path.join(home, 'bin', 'expdp'), '#!/bin/sh\n');
    expect(await locateClient('expdp', home, '', 'linux')).toBeUndefined();
    await chmod(path.join(home, 'bin', 'expdp'), 0o755);
    expect(await locateClient('expdp', home, '', 'linux')).toBe(path.join(home, 'bin', 'expdp'));
    const onPath = ['/nonexistent', path.join(SIM_ORACLE_HOME, 'bin')].join(path.delimiter);
    expect(await locateClient('expdp', '', onPath, 'linux')).toBe(SIM_EXPDP);
  });
});

describe('readClientRelease', () => {
  it("reads the client's release from its help=y banner", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'oba-release-'));
    const config = writeSimConfig(dir, {
      directories: {},
      users: {},
      schemas: {},
      clientVersion: '21.3.0.0.0',
    });
    const { release } = await readClientRelease(SIM_EXPDP, { ORACLE_SIM_CONFIG: config });
    expect(release).toBe('21.3.0.0.0');
    const missing = await readClientRelease(path.join(dir, 'no-such-expdp'));
    expect(missing.release).toBeUndefined();
    expect(missing.output).toMatch(/ENOENT/);
  });
});
