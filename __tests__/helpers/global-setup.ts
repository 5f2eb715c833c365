// Vitest global setup: after every test file has run, deletes the local user the SFTP tests created
// (helpers/sshd.ts), so `npm test` as root leaves no account behind. A user that existed before is kept.
import { removeCreatedTestUser, TEST_USER } from './sshd.js';

export default function setup(): () => void {
  return () => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
    try {
      if (removeCreatedTestUser() === 'removed')
        console.log(`Removed the test user ${TEST_USER} (userdel -r).`);
    } catch (error) {
      console.warn(`Could not remove the test user ${TEST_USER}: ${(error as Error).message}`);
    }
  };
}
