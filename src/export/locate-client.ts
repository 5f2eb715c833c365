// Where an Oracle client (expdp, exp, impdp) is: `<oracle-home>/bin/<name>`, else the first on PATH. One rule for
// every client, Windows included (`.exe`, and no execute bit to test there).
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Where an export client is: `<oracle-home>/bin/<name>` when oracle-home is known, else the first on PATH. */
export async function locateClient(
  name: 'expdp' | 'exp' | 'impdp',
  oracleHome: string,
  envPath = process.env.PATH ?? '',
  platform = process.platform,
): Promise<string | undefined> {
  const exe = platform === 'win32' ? `${name}.exe` : name;
  const candidates = oracleHome
    ? [path.join(oracleHome, 'bin', exe)]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, exe));
  for (const candidate of candidates) {
    try {
      await access(candidate, platform === 'win32' ? constants.F_OK : constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Where the impdp client is (for the SQLFILE check), found as expdp is. */
export const locateImpdp = (
  oracleHome: string,
  envPath = process.env.PATH ?? '',
): Promise<string | undefined> => locateClient('impdp', oracleHome, envPath);
