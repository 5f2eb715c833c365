// Why a test skips on this machine, and the command that makes it run. A test that skips says so through
// `ctx.skip(reason)` or, for a whole block skipped before it runs, through `{ meta: { skipReason } }`; the
// skip-summary reporter prints one line per reason at the end of `npm test`.

/** Installs 7-Zip, unzip, OpenSSH server and client, Chromium and OpenSSL (apt-get; asks sudo as a normal user). */
export const PREPARE_COMMAND = 'npm run test:prepare';
/** The tests that create a local user, start sshd or mount a tmpfs run only as root. */
export const AS_ROOT_COMMAND = 'sudo npm test';

export const TMPFS_NEEDS_ROOT = `the disk-full tests mount a small tmpfs, which needs root — run: ${AS_ROOT_COMMAND}`;

declare module 'vitest' {
  interface TaskMeta {
    /** Why the block or test is skipped here (set only when it is), with the command that enables it. */
    skipReason?: string;
  }
}

/** Test or suite options that carry `reason` to the skip summary; empty options when the test runs. */
export function skipMeta(reason: string | undefined): { meta: { skipReason?: string } } {
  return { meta: reason ? { skipReason: reason } : {} };
}
