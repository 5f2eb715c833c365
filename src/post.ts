// The post step only cleans up and only warns: it removes private folders (parfiles hold passwords) that a
// killed main step could not remove itself.
import * as core from '@actions/core';
import { rm, stat } from 'node:fs/promises';
import { rememberedTempDirs } from './state.js';

export async function post(): Promise<void> {
  for (const dir of rememberedTempDirs()) {
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    try {
      await rm(dir, { recursive: true, force: true });
      core.info(`removed leftover private folder ${dir}`);
    } catch (error) {
      core.warning(
        `could not remove ${dir}: ${(error as Error).message}; it may hold a parfile with a password`,
      );
    }
  }
}
