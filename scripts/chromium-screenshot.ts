// A screenshot of a local page with Debian's headless Chromium, shared by `npm run docs:pictures` and the e-mail
// rendering test. The flags keep Chromium off the network this machine does not have (background services, QUIC,
// updates) and out of any profile but a fresh one.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface Screenshot {
  /** Chromium's exit status (0 when it wrote the picture) and what it said on stderr. */
  status: number | null;
  stderr: string;
}

export function chromiumScreenshot(options: {
  chromium?: string;
  page: string;
  png: string;
  width: number;
  height: number;
  profileDir: string;
}): Screenshot {
  const run = spawnSync(
    options.chromium ?? 'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${options.profileDir}`,
      `--screenshot=${options.png}`,
      `--window-size=${options.width},${options.height}`,
      pathToFileURL(options.page).href,
    ],
    { encoding: 'utf8', timeout: 90_000 },
  );
  return { status: run.status, stderr: run.stderr };
}
