// verify and monitor through the bundled action: a backup run first, then a second step that reads only the
// destination, as a separate workflow (even on a GitHub-hosted runner) would.
import { open, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from './helpers/run-action.js';
import { ARCHIVE_PASSWORD, run, scenario } from './helpers/scenario.js';

async function backupThenModeInputs(): Promise<{ share: string; archive: string }> {
  const s = await scenario({ HR: { behavior: 'success', tables: 3, bytes: 256 * 1024 } });
  const result = await run(s);
  expect(result.outputs.status).toBe('success');
  return { share: s.shareDir, archive: path.join(s.shareDir, path.basename(result.outputs.archives!)) };
}

describe('mode: verify and mode: monitor of the bundled action', () => {
  it('verify passes for a good set and fails, naming the file, when one byte of the archive changed', async () => {
    const { share, archive } = await backupThenModeInputs();
    const inputs = { mode: 'verify', 'copy-to': share, 'archive-password': ARCHIVE_PASSWORD };
    const good = await runAction({ inputs });
    expect(good.outputs.status).toBe('success');
    expect(good.exitCode).toBe(0);

    const handle = await open(archive, 'r+');
    const size = (await handle.stat()).size;
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.floor(size / 2));
    await handle.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, Math.floor(size / 2));
    await handle.close();
    const bad = await runAction({ inputs });
    expect(bad.outputs.status).toBe('failure');
    expect(bad.exitCode).toBe(1);
    // Markdown escapes the underscores of file names.
    const shown = bad.summary.replace(/\\_/g, '_');
    expect(shown).toContain(`${path.basename(archive)} is altered`);
    expect(shown).toMatch(/entry HR_\S+\.dmp is corrupt/);
  });

  it('monitor needs only the destination: passes when fresh, fails when older than max-age', async () => {
    const { share } = await backupThenModeInputs();
    const fresh = await runAction({ inputs: { mode: 'monitor', 'copy-to': share, 'max-age': '26h' } });
    expect(fresh.outputs.status).toBe('success');
    // Make the only set look two days old by its manifest's own time (the source of truth).
    const manifestName = (await readdir(share)).find((n) => n.endsWith('.manifest.json'))!;
    const manifestPath = path.join(share, manifestName);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.set.createdAt = new Date(Date.now() - 48 * 3_600_000).toISOString();
    await import('node:fs/promises').then((fs) => fs.writeFile(manifestPath, JSON.stringify(manifest)));
    const stale = await runAction({ inputs: { mode: 'monitor', 'copy-to': share, 'max-age': '26h' } });
    expect(stale.outputs.status).toBe('failure');
    expect(stale.exitCode).toBe(1);
  });

  it('refuses verify without any destination, saying what to set', async () => {
    const result = await runAction({ inputs: { mode: 'verify' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/set copy-to \(a folder\) or sftp-host/);
  });
});
