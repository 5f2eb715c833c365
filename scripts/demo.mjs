#!/usr/bin/env node
// `npm run demo`: runs the real bundle (dist/index.js) the way a runner does — inputs as INPUT_* variables,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files — against the simulated Oracle in __tests__/oracle-sim, with three
// schemas (one ends with skipped tables), an AES-256 archive and a copy to a local "network" folder.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'demo-output');
const dist = path.join(root, 'dist', 'index.js');
if (!existsSync(dist)) {
  console.error('dist/index.js is missing: run `npm run bundle` first.');
  process.exit(1);
}

await rm(out, { recursive: true, force: true });
const dirs = {
  dump: path.join(out, 'oracle', 'dpdump'),
  work: path.join(out, 'backups'),
  share: path.join(out, 'network-share', 'oracle'),
  runner: path.join(out, 'runner'),
  mail: path.join(out, 'mail'),
};
for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });

const password = 'demo-Password-1';
const simConfig = path.join(out, 'oracle', 'sim-config.json');
await writeFile(
  simConfig,
  JSON.stringify(
    {
      directories: { DATA_PUMP_DIR: dirs.dump },
      users: { BACKUP_USER: password },
      schemas: {
        HR: { behavior: 'success', tables: 6, bytes: 8 * 1024 * 1024, delayMs: 300 },
        SALES: { behavior: 'success', tables: 4, bytes: 4 * 1024 * 1024, delayMs: 300 },
        AUDIT: { behavior: 'skipped-tables', tables: 5, bytes: 2 * 1024 * 1024, delayMs: 300 },
      },
    },
    null,
    2,
  ),
);

const files = {
  GITHUB_OUTPUT: path.join(dirs.runner, 'output.txt'),
  GITHUB_STEP_SUMMARY: path.join(dirs.runner, 'summary.md'),
  GITHUB_STATE: path.join(dirs.runner, 'state.txt'),
};
for (const file of Object.values(files)) await writeFile(file, '');

// A local mail server stands in for the company relay: it keeps what arrives as .eml files.
const mails = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', async () => {
      const file = path.join(dirs.mail, `report-${mails.length + 1}.eml`);
      await writeFile(file, Buffer.concat(chunks));
      mails.push(file);
      callback();
    });
  },
});
await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));

const inputs = {
  'connect-string': 'demo-db:1521/ORCLPDB1',
  username: 'backup_user',
  password,
  schemas: 'HR, SALES, AUDIT',
  'dump-path': dirs.dump,
  'oracle-home': path.join(root, '__tests__', 'oracle-sim'),
  // The simulated Oracle has no listener for node-oracledb: expdp alone does everything (jobs stopped with ATTACH).
  'oracle-queries': 'false',
  'work-dir': dirs.work,
  'copy-to': dirs.share,
  'archive-password': 'demo-Archive-Key-1',
  // The skipped tables make this run `partial`; the demo shows it without failing the command.
  'fail-on': 'failure',
  'smtp-host': '127.0.0.1',
  'smtp-port': String(smtp.server.address().port),
  'smtp-security': 'none',
  'email-from': 'oracle-backup@demo.example',
  'email-to': 'dba@demo.example',
};
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  RUNNER_TEMP: dirs.runner,
  GITHUB_WORKSPACE: root,
  ORACLE_SIM_CONFIG: simConfig,
  ...files,
};
for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;

console.log('Running dist/index.js against the simulated Oracle (schemas HR, SALES, AUDIT)…\n');
// Asynchronous, so the mail server in this process can answer while the action runs.
const child = spawn(process.execPath, [dist], { env, stdio: 'inherit' });
const exitCode = await new Promise((resolve) => child.on('close', resolve));
await new Promise((resolve) => smtp.close(resolve));

const outputs = Object.fromEntries(
  [...(await readFile(files.GITHUB_OUTPUT, 'utf8')).matchAll(/^([^<\n]+)<<(.+)\n([\s\S]*?)\n\2$/gm)].map(
    (m) => [m[1], m[3]],
  ),
);
const report = outputs.report ? JSON.parse(await readFile(outputs.report, 'utf8')) : undefined;
console.log('\n──────── demo result ────────');
console.log(`status:        ${outputs.status} (exit code ${exitCode})`);
console.log(`archive:       ${outputs.archives || '(none)'}`);
console.log(`sha256:        ${outputs['archive-sha256'] || '(none)'}`);
console.log(`manifest:      ${outputs.manifest || '(none)'}`);
console.log(`copy:          ${dirs.share}`);
console.log(`job summary:   ${files.GITHUB_STEP_SUMMARY}`);
console.log(`report JSON:   ${outputs.report || '(none)'}`);
console.log(`run log:       ${report?.logPath ?? '(none)'}`);
console.log(`e-mail:        ${mails.join(', ') || '(none arrived)'} (received by a local SMTP server)`);
console.log(`outputs file:  ${files.GITHUB_OUTPUT}`);
console.log(`\nOpen the archive with: 7z x -p${inputs['archive-password']} "${outputs.archives}"`);
process.exit(exitCode === 0 ? 0 : 1);
