// The local user the SFTP tests log in as is removed at the end of the run (global-setup.ts), and only when the
// tests created it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AS_ROOT_COMMAND, skipMeta } from './helpers/skip-reasons.js';
import { createdUserMarker, removeCreatedTestUser, sshdUnavailableReason } from './helpers/sshd.js';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const unavailable = sshdUnavailableReason();
const exists = (user: string) => spawnSync('id', ['-u', user]).status === 0;
const here = path.dirname(fileURLToPath(import.meta.url));
const fresh = () => `obarm${randomBytes(4).toString('hex')}`;

describe.skipIf(!root)(
  'removing the test user',
  skipMeta(
    root
      ? undefined
      : `the test-user tests run useradd and userdel, which need root — run: ${AS_ROOT_COMMAND}`,
  ),
  () => {
    const made: string[] = [];
    const useradd = (user: string) => {
      expect(spawnSync('useradd', ['--create-home', '--shell', '/bin/sh', user]).status).toBe(0);
      made.push(user);
    };
    afterEach(() => {
      for (const user of made.splice(0)) {
        if (exists(user)) spawnSync('userdel', ['-r', user]);
        // userdel -r now and then leaves the home folder (exit 12).
        rmSync(`/home/${user}`, { recursive: true, force: true });
        rmSync(createdUserMarker(user), { force: true });
      }
      vi.unstubAllEnvs();
      vi.resetModules();
    });

    it('deletes a user the tests created, with its home folder and the marker', () => {
      const user = fresh();
      useradd(user);
      writeFileSync(createdUserMarker(user), 'test\n');
      expect(removeCreatedTestUser(user)).toBe('removed');
      expect(exists(user)).toBe(false);
      expect(existsSync(`/home/${user}`)).toBe(false);
      expect(existsSync(createdUserMarker(user))).toBe(false);
    });

    it('keeps a user that existed before the tests', () => {
      const user = fresh();
      useradd(user);
      expect(removeCreatedTestUser(user)).toBe('not created by the tests');
      expect(exists(user)).toBe(true);
    });

    it.skipIf(unavailable !== undefined)(
      'three workers starting sshd at once for a missing user all start, and the user is marked once',
      skipMeta(unavailable),
      async () => {
        const user = fresh();
        made.push(user);
        const tsx = path.join(here, '..', 'node_modules', '.bin', 'tsx');
        const code = `(async () => {
          const m = await import(${JSON.stringify(path.join(here, 'helpers', 'sshd.ts'))});
          const s = await m.startSshd({ password: 'Pw1' });
          await s.stop();
        })().catch((error) => { console.error(error); process.exit(1); });`;
        const worker = () =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const child = spawn(tsx, ['--eval', code], {
              env: { ...process.env, OBA_TEST_SSH_USER: user },
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let err = '';
            child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
            child.on('close', (exit) => resolve({ code: exit, err }));
          });
        const results = await Promise.all([worker(), worker(), worker()]);
        for (const r of results) expect(r.code, r.err).toBe(0);
        expect(exists(user)).toBe(true);
        expect(existsSync(createdUserMarker(user))).toBe(true);
        expect(removeCreatedTestUser(user)).toBe('removed');
        expect(exists(user)).toBe(false);
      },
    );

    it.skipIf(unavailable !== undefined)(
      'startSshd marks the user it creates, and the teardown removes it',
      skipMeta(unavailable),
      async () => {
        const user = fresh();
        made.push(user);
        vi.stubEnv('OBA_TEST_SSH_USER', user);
        vi.resetModules();
        const sshd = await import('./helpers/sshd.js');
        const server = await sshd.startSshd();
        await server.stop();
        expect(exists(user)).toBe(true);
        expect(existsSync(createdUserMarker(user))).toBe(true);
        const teardown = (await import('./helpers/global-setup.js')).default();
        teardown();
        expect(exists(user)).toBe(false);
        expect(existsSync(createdUserMarker(user))).toBe(false);
      },
    );
  },
);
