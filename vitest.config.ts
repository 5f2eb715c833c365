import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The default output, then one line per reason tests were skipped with the command that enables them.
    reporters: ['default', './__tests__/helpers/skip-summary-reporter.ts'],
    // Removes the local user the SFTP tests created (helpers/sshd.ts) once every file has run.
    globalSetup: ['./__tests__/helpers/global-setup.ts'],
  },
});
