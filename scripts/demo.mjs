#!/usr/bin/env node
// `npm run demo`: runs the real bundle (dist/index.js) the way a runner does — inputs as INPUT_* variables,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files — against the simulated Oracle in __tests__/oracle-sim, with three
// schemas (one ends with skipped tables), an AES-256 archive and a copy to a local "network" folder.
//
// Everything goes to one neutral folder, /tmp/oracle-backup-demo (OBA_DEMO_DIR overrides it), so what it shows —
// and the pictures in docs/ drawn from it (`npm run docs:pictures`) — names no checkout's path.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.env.OBA_DEMO_DIR || path.join(os.tmpdir(), 'oracle-backup-demo');
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
// The simulated Oracle home is reached through a link in the demo folder, so the reports name no checkout's path.
const oracleHome = path.join(out, 'oracle', 'home');
await symlink(path.join(root, '__tests__', 'oracle-sim'), oracleHome, 'dir');

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
      const raw = Buffer.concat(chunks);
      await writeFile(file, raw);
      // The HTML part beside it, to open in a browser as a mail client would show it.
      const { html } = await simpleParser(raw);
      const htmlFile = html ? file.replace(/\.eml$/, '.html') : undefined;
      if (htmlFile) await writeFile(htmlFile, html);
      mails.push({ file, html: htmlFile });
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
  'oracle-home': oracleHome,
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
  GITHUB_WORKSPACE: out,
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
console.log(
  `e-mail:        ${mails.map((m) => m.file).join(', ') || '(none arrived)'} (received by a local SMTP server)`,
);
console.log(`e-mail (HTML): ${mails.map((m) => m.html ?? '(no HTML part)').join(', ') || '(none arrived)'}`);
console.log(`outputs file:  ${files.GITHUB_OUTPUT}`);
console.log(`\n${openArchiveHint(inputs['archive-password'], outputs.archives)}`);
process.exit(exitCode === 0 ? 0 : 1);

/** The first of these commands on PATH, as a runnable file. */
function onPath(...commands) {
  for (const command of commands) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      try {
        accessSync(path.join(dir, command), constants.X_OK);
        return command;
      } catch {
        // not in this folder
      }
    }
  }
  return undefined;
}

/**
 * How to open the AES-256 archive with what this machine has: Debian's 7zip package installs `7zz` only, older
 * p7zip `7z`. Info-ZIP's `unzip` cannot decrypt AES-256 (it stops at "need PK compat. v5.1").
 */
function openArchiveHint(password, archive) {
  const sevenZip = onPath('7zz', '7z');
  if (sevenZip) return `Open the archive with: ${sevenZip} x -p${password} "${archive}"`;
  const unzip = onPath('unzip') ? ' (unzip, which is on PATH, cannot decrypt AES-256)' : '';
  return (
    `No tool on PATH opens this AES-256 archive${unzip}: install 7-Zip (Debian/Ubuntu: sudo apt-get install 7zip), ` +
    `then: 7zz x -p${password} "${archive}"`
  );
}
