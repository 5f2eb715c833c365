// Acceptance of the `config` input: the bundled action configured only by `config: backup.yml` (three schemas with
// their own timeouts and one with its own login, two copy-to folders, SFTP to a real OpenSSH sshd, e-mail to a real
// SMTP server in this process, every secret through a `-env` variable) gives the same archives and the same report
// as the same settings passed as workflow inputs. What must differ between two runs (times, job names, the
// scenario's temp folders) is normalised explicitly; nothing else is.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { RunReport } from '../src/run-report.js';
import { runAction, type ActionRun } from './helpers/run-action.js';
import { ARCHIVE_PASSWORD, PASSWORD, scenario, sevenZip, sha256, type Scenario } from './helpers/scenario.js';
import { sshdUnavailableReason, startSshd, TEST_USER, type TestSshd } from './helpers/sshd.js';
import { makeTestCertificates, type TestCertificates } from './helpers/tls-certs.js';
import { readSimCalls, SIM_ORACLE_HOME, writeSimConfig, type SimConfig } from './oracle-sim/sim.js';
import { skipMeta } from './helpers/skip-reasons.js';

const unavailable = sshdUnavailableReason();

const FIN_PASSWORD = 'Fin#Own_Secret77';
const SMTP_USER = 'backup-mailer';
const SMTP_PASSWORD = 'Smtp-Secret-77x';
const SCHEMAS: SimConfig['schemas'] = {
  HR: { behavior: 'success', tables: 3, bytes: 256 * 1024 },
  SALES: { behavior: 'success', tables: 2, bytes: 384 * 1024 },
  FIN: { behavior: 'success', tables: 2, bytes: 128 * 1024 },
};
/** The limit each schema must be exported with, as the run log says it (`limit ...`). */
const LIMITS = { HR: '45m', SALES: '2h', FIN: '1h30m' };
/** The mock header of each simulated dump file (expdp-sim.mjs HEADER_BYTES): it names the Data Pump job. */
const DUMP_HEADER_BYTES = 4096;

/** The action's log as the runner shows it (mask commands consumed). */
function shownLog(result: ActionRun): string {
  return result.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

/** Every file under `dir` (recursively). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

interface Side {
  label: 'config' | 'inputs';
  s: Scenario;
  share2: string;
  remote: string;
  /** The config file's content (the `config` side) or the inputs (the `inputs` side), before secrets. */
  file: Record<string, unknown>;
  result: ActionRun;
  report: RunReport;
  runLog: string;
  mail: ParsedMail;
  rawMail: string;
  /** Each archive extracted (7-Zip with the archive password): entry name → path. */
  extracted: Array<{ archive: string; dir: string; entries: string[] }>;
}

/** Each run's own folder under RUNNER_TEMP (run-action.ts makes one per run), where the action writes parfiles. */
const RUNNER_TEMP_RE = new RegExp(
  `${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/oba-runner-\\w+/temp/oracle-backup-\\w+`,
  'g',
);

/**
 * What must differ between two runs, made equal: the scenario's folders and the SFTP folder, date and time in
 * names and in the FLASHBACK_TIME, the Data Pump job names (they end with the run's date and time), and the
 * runner's temp folder where the parfiles are written.
 */
function normaliser(side: { s: Scenario; remote: string }): (text: string) => string {
  return (text) =>
    text
      .split(side.remote)
      .join('<remote>')
      .split(side.s.root)
      .join('<root>')
      .replace(RUNNER_TEMP_RE, '<runner-temp>')
      .replace(/\d{4}-\d{2}-\d{2}_\d{6}/g, '<date>_<time>')
      .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/g, '<date> <time>')
      .replace(/\bOBA_([A-Z0-9]+)_\d{10}\b/g, 'OBA_$1_<run>')
      .replace(/\.oba-\d+-\d+-[0-9a-f]{6}\./g, '.oba-<tag>.');
}

describe.skipIf(unavailable !== undefined && !process.env.CI)(
  'a run configured by a config file and the same run configured by inputs',
  skipMeta(unavailable),
  () => {
    let sshd: TestSshd;
    let smtp: SMTPServer;
    let smtpPort: number;
    let certs: TestCertificates;
    const received: Buffer[] = [];
    const sides: Partial<Record<'config' | 'inputs', Side>> = {};
    let secrets: string[];

    /** The settings of one side, as the config file holds them (secrets as `-env` keys). */
    function settingsFor(s: Scenario, share2: string, remote: string): Record<string, unknown> {
      return {
        'connect-string': 'dbhost:1521/ORCLPDB1',
        username: 'backup',
        'password-env': 'ORACLE_PASSWORD',
        schemas: [
          { name: 'HR', timeout: LIMITS.HR },
          { name: 'SALES', timeout: LIMITS.SALES },
          { name: 'FIN', username: 'fin', 'password-env': 'FIN_PASSWORD', timeout: LIMITS.FIN },
        ],
        timeout: '3h',
        'dump-path': s.dumpDir,
        'oracle-home': SIM_ORACLE_HOME,
        'oracle-queries': false,
        'work-dir': s.workDir,
        'copy-to': [s.shareDir, share2],
        'archive-per': 'schema',
        'archive-password-env': 'ZIP_PASSWORD',
        'compression-level': 9,
        'sftp-host': sshd.host,
        'sftp-port': sshd.port,
        'sftp-username': sshd.user,
        'sftp-private-key-env': 'SFTP_KEY',
        'sftp-fingerprint': sshd.fingerprint,
        'sftp-dir': remote,
        'smtp-host': '127.0.0.1',
        'smtp-port': smtpPort,
        'smtp-security': 'starttls',
        'smtp-username': SMTP_USER,
        'smtp-password-env': 'SMTP_PASSWORD',
        'smtp-ca': certs.caCert,
        'email-from': 'Oracle backups <backup@example.com>',
        'email-to': ['dba@example.com', 'oncall@example.com'],
        'email-subject': '[{status}] {database}: {schemas}, {size}',
        'upload-artifact': 'none',
      };
    }

    /** The variables the `-env` keys name. */
    function secretEnv(): Record<string, string> {
      return {
        ORACLE_PASSWORD: PASSWORD,
        FIN_PASSWORD,
        ZIP_PASSWORD: ARCHIVE_PASSWORD,
        SFTP_KEY: sshd.keys.ed25519,
        SMTP_PASSWORD,
      };
    }

    /** The same settings as workflow inputs: `-env` keys become the secret inputs, lists one item a line. */
    function asInputs(file: Record<string, unknown>): Record<string, string> {
      const env = secretEnv();
      const inputs: Record<string, string> = {};
      for (const [key, value] of Object.entries(file)) {
        if (key.endsWith('-env')) inputs[key.slice(0, -4)] = env[value as string]!;
        else if (key === 'schemas')
          inputs.schemas = YAML.stringify(
            (value as Array<Record<string, unknown>>).map(({ 'password-env': variable, ...rest }) =>
              variable ? { ...rest, password: env[variable as string] } : rest,
            ),
          );
        else if (Array.isArray(value)) inputs[key] = value.join('\n');
        else inputs[key] = String(value);
      }
      return inputs;
    }

    async function newScenario(): Promise<Scenario> {
      const s = await scenario(SCHEMAS);
      writeSimConfig(s.root, {
        ...(JSON.parse(readFileSync(s.config, 'utf8')) as SimConfig),
        users: { BACKUP: PASSWORD, FIN: FIN_PASSWORD },
      });
      return s;
    }

    async function runSide(label: 'config' | 'inputs'): Promise<Side> {
      const s = await newScenario();
      const share2 = path.join(s.root, 'share2', 'oracle');
      await mkdir(share2, { recursive: true });
      const remote = path.join(sshd.root, `parity-${label}`, 'nightly');
      const file = settingsFor(s, share2, remote);
      const before = received.length;
      let result: ActionRun;
      if (label === 'config') {
        await writeFile(path.join(s.root, 'backup.yml'), YAML.stringify(file));
        result = await runAction({
          inputs: { config: 'backup.yml' },
          env: { ORACLE_SIM_CONFIG: s.config, GITHUB_WORKSPACE: s.root, ...secretEnv() },
        });
      } else {
        result = await runAction({
          inputs: asInputs(file),
          env: { ORACLE_SIM_CONFIG: s.config, GITHUB_WORKSPACE: s.root },
        });
      }
      expect(result.stderr, label).toBe('');
      expect(received.length, `${label}: one e-mail`).toBe(before + 1);
      const rawMail = received.at(-1)!.toString('utf8');
      const report = JSON.parse(await readFile(result.outputs.report!, 'utf8')) as RunReport;
      const extracted = [];
      for (const archive of result.outputs.archives!.split('\n')) {
        const dir = await mkdtemp(path.join(tmpdir(), 'oba-parity-unzip-'));
        execFileSync(sevenZip(), ['x', '-y', `-p${ARCHIVE_PASSWORD}`, `-o${dir}`, archive], {
          stdio: 'pipe',
        });
        const entries = (await filesUnder(dir)).map((f) => path.relative(dir, f));
        extracted.push({ archive, dir, entries });
      }
      return {
        label,
        s,
        share2,
        remote,
        file,
        result,
        report,
        runLog: await readFile(report.logPath!, 'utf8'),
        mail: await simpleParser(received.at(-1)!),
        rawMail,
        extracted,
      };
    }

    beforeAll(async () => {
      sshd = await startSshd();
      certs = makeTestCertificates();
      smtp = new SMTPServer({
        key: certs.serverKey,
        cert: certs.serverCert,
        authMethods: ['PLAIN', 'LOGIN'],
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
            callback(null, { user: SMTP_USER });
          else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        },
        onData(stream, _session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push(Buffer.concat(chunks));
            callback();
          });
        },
      });
      await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
      smtpPort = (smtp.server.address() as AddressInfo).port;
      secrets = [
        PASSWORD,
        FIN_PASSWORD,
        ARCHIVE_PASSWORD,
        SMTP_PASSWORD,
        ...sshd.keys.ed25519.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----')),
      ];
      // One after the other: each run's e-mail is the one that arrives during it.
      sides.config = await runSide('config');
      sides.inputs = await runSide('inputs');
    }, 240_000);

    afterAll(async () => {
      await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
      await sshd?.stop();
    });

    const both = (): [Side, Side] => [sides.config!, sides.inputs!];

    it('both succeed, with the same status and the same per-schema outcomes', () => {
      for (const side of both()) {
        expect(side.result.outputs.status, side.label).toBe('success');
        expect(side.result.exitCode, side.label).toBe(0);
        expect(side.report.status).toBe('success');
      }
      const outcomes = (side: Side) =>
        side.report.schemas.map((s) => ({
          name: s.name,
          outcome: s.outcome,
          reason: s.reason,
          tables: s.tables,
          rows: s.rows,
          rowCounts: s.rowCounts,
          dumpBytes: s.dumpBytes,
          exitCode: s.exitCode,
          findings: s.findings,
          dumpFiles: s.dumpFiles.map((d) => ({ name: normaliser(side)(d.name), bytes: d.bytes })),
        }));
      const [config, inputs] = both();
      expect(outcomes(config).map((o) => o.name)).toEqual(['HR', 'SALES', 'FIN']);
      expect(outcomes(config)).toEqual(outcomes(inputs));
      expect(config.report.statusReason).toBe(inputs.report.statusReason);
      expect(config.report.bytesExported).toBe(inputs.report.bytesExported);
      expect(config.result.outputs['bytes-exported']).toBe(inputs.result.outputs['bytes-exported']);
    });

    it('exports each schema with its own limit and login: same parfiles, same limits in the run log', () => {
      const limits = (side: Side) =>
        Object.fromEntries(
          [...side.runLog.matchAll(/exporting (\w+) as job OBA_\w+ \(limit ([0-9hms]+)\)/g)].map((m) => [
            m[1],
            m[2],
          ]),
        );
      const calls = (side: Side) =>
        readSimCalls(side.s.record).map((c) => ({
          argv: c.argv.map(normaliser(side)),
          parfile: normaliser(side)(c.parfileText),
        }));
      const parfiles = (side: Side) =>
        calls(side)
          .filter((c) => c.parfile !== '')
          .map((c) => c.parfile);
      const [config, inputs] = both();
      // The same calls of expdp (the release check, then one job per schema) with the same parfiles.
      expect(calls(config)).toEqual(calls(inputs));
      expect(limits(config)).toEqual(LIMITS);
      expect(limits(inputs)).toEqual(LIMITS);
      expect(parfiles(config)).toHaveLength(3);
      expect(parfiles(config)).toEqual(parfiles(inputs));
      expect(parfiles(config).map((p) => /USERID=(\w+)\//i.exec(p)?.[1]?.toLowerCase())).toEqual([
        'backup',
        'backup',
        'fin',
      ]);
    });

    it('writes the same archives: entry names, and dump files equal byte for byte but for the job name', async () => {
      const [config, inputs] = both();
      const names = (side: Side) =>
        side.result.outputs.archives!.split('\n').map((a) => normaliser(side)(path.basename(a)));
      expect(names(config)).toEqual([
        'HR_<date>_<time>.zip',
        'SALES_<date>_<time>.zip',
        'FIN_<date>_<time>.zip',
      ]);
      expect(names(config)).toEqual(names(inputs));
      // Not byte for byte: the zips hold the Oracle logs and the manifest (times, ids) and dumps whose headers name
      // the job; their sizes stay within a few bytes of each other.
      for (const [i, a] of config.report.archives.entries())
        expect(Math.abs(a.bytes - inputs.report.archives[i]!.bytes)).toBeLessThan(a.bytes * 0.005);

      for (let i = 0; i < config.extracted.length; i++) {
        const a = config.extracted[i]!;
        const b = inputs.extracted[i]!;
        expect(a.entries.map(normaliser(config))).toEqual(b.entries.map(normaliser(inputs)));
        const dumps = a.entries.filter((e) => e.endsWith('.dmp'));
        expect(dumps.length).toBeGreaterThan(0);
        for (const [k, entry] of dumps.entries()) {
          const bytesA = await readFile(path.join(a.dir, entry));
          const bytesB = await readFile(path.join(b.dir, b.entries.filter((e) => e.endsWith('.dmp'))[k]!));
          expect(bytesA.length).toBe(bytesB.length);
          // The simulated expdp writes the same table data for a schema every time (seeded by its name); only the
          // 4 KiB header differs, by the job name, which ends with the run's date and time. With that name
          // normalised (same length), the whole files hash the same.
          const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
          expect(sha(bytesA.subarray(DUMP_HEADER_BYTES))).toBe(sha(bytesB.subarray(DUMP_HEADER_BYTES)));
          const normalisedDump = (side: Side, bytes: Buffer) =>
            sha(Buffer.from(normaliser(side)(bytes.toString('latin1')), 'latin1'));
          expect(normalisedDump(config, bytesA)).toBe(normalisedDump(inputs, bytesB));
        }
        // The manifest inside each archive: the same set, database, consistency and schema data; each dump's
        // SHA-256 in it is the one of the dump in the archive. The set's id, its creation time and each export's
        // start and duration differ between runs and are left out.
        const manifest = async (side: Side, dir: string, entries: string[]) => {
          const file = path.join(
            dir,
            entries.find((e) => e.endsWith('manifest.json'))!,
          );
          const m = JSON.parse(await readFile(file, 'utf8')) as {
            set: Record<string, unknown>;
            schemas: Array<Record<string, unknown> & { dumpFiles: Array<Record<string, unknown>> }>;
          } & Record<string, unknown>;
          for (const schema of m.schemas)
            for (const dump of schema.dumpFiles) {
              const inArchive = entries.find((e) => path.basename(e) === dump.name)!;
              expect(await sha256(path.join(dir, inArchive))).toBe(dump.sha256);
            }
          const set = { ...m.set };
          delete set.id;
          delete set.createdAt;
          const schemas = m.schemas.map((schema) => {
            const copy: Record<string, unknown> = {
              ...schema,
              dumpFiles: schema.dumpFiles.map(({ name, bytes }) => ({ name, bytes })),
            };
            delete copy.startedAt;
            delete copy.durationMs;
            return copy;
          });
          const comparable = { ...m, set, schemas };
          return JSON.parse(normaliser(side)(JSON.stringify(comparable))) as unknown;
        };
        expect(await manifest(config, a.dir, a.entries)).toEqual(await manifest(inputs, b.dir, b.entries));
      }
    });

    it('copies every archive to the same three destinations, each copy verified and hashing as the archive', async () => {
      for (const side of both()) {
        const hashes = side.result.outputs['archive-sha256']!.split('\n');
        const archives = side.result.outputs.archives!.split('\n');
        expect(hashes).toHaveLength(3);
        for (const [i, archive] of archives.entries()) {
          const name = path.basename(archive);
          expect(await sha256(archive)).toBe(hashes[i]);
          for (const folder of [side.s.shareDir, side.share2, side.remote])
            expect(await sha256(path.join(folder, name)), `${side.label} ${folder}`).toBe(hashes[i]);
        }
      }
      const destinations = (side: Side) =>
        side.report.archives.map((a) =>
          a.destinations.map((d) => ({
            kind: d.kind,
            location: normaliser(side)(d.location),
            ok: d.ok,
            verification: d.verification,
            files: d.files.map((f) => ({ name: normaliser(side)(f.name), verified: f.verified })),
          })),
        );
      const [config, inputs] = both();
      expect(destinations(config)).toEqual(destinations(inputs));
      const kinds = destinations(config)[0]!.map((d) => `${d.kind} ${d.location}`);
      expect(kinds).toEqual([
        expect.stringMatching(/^local <root>\/work$/),
        'folder <root>/share/oracle',
        'folder <root>/share2/oracle',
        expect.stringMatching(
          new RegExp(`^sftp sftp ${TEST_USER}@127\\.0\\.0\\.1:<remote> \\(port \\d+\\)$`),
        ),
      ]);
      expect(
        destinations(config)
          .flat()
          .every((d) => d.ok && d.files.every((f) => f.verified)),
      ).toBe(true);
      // The same relative file names in every folder, on both sides.
      const listing = async (side: Side) =>
        Promise.all(
          [side.s.shareDir, side.share2, side.remote].map(async (dir) =>
            (await readdir(dir)).map(normaliser(side)).sort(),
          ),
        );
      expect(await listing(config)).toEqual(await listing(inputs));
    });

    it('sends the same e-mail: subject pattern, recipients and statistics', () => {
      const [config, inputs] = both();
      for (const side of both())
        expect(side.mail.subject, side.label).toMatch(/^\[SUCCESS\] ORCLPDB1: 3\/3, [\d.]+ [KMG]?i?B$/);
      const stats = (side: Side) => {
        const text = side.mail.text ?? '';
        return {
          subject: side.mail.subject?.replace(/, [\d.,]+ \w+$/, ', <size>'),
          to: (Array.isArray(side.mail.to) ? side.mail.to : [side.mail.to]).flatMap((a) =>
            a!.value.map((v) => v.address),
          ),
          from: side.mail.from?.text,
          schemasOk: /Schemas OK:\s+(\S+)/.exec(text)?.[1],
          exported: /Exported:\s+(.+)/.exec(text)?.[1]?.trim(),
          schemaRows: ['HR', 'SALES', 'FIN'].map((name) =>
            // Name, status, rows and dump size (archive share and time may differ by a rounding, not compared).
            text
              .split('\n')
              .find((l) => l.trimStart().startsWith(`${name} `))
              ?.trim()
              .split(/\s{2,}/)
              .slice(0, 4),
          ),
          attachments: side.mail.attachments.map((a) => normaliser(side)(a.filename ?? '')),
        };
      };
      expect(stats(config)).toEqual(stats(inputs));
      expect(stats(config).schemasOk).toBe('3/3');
      expect(stats(config).schemaRows.every((row) => row && row.length === 4)).toBe(true);
      // The one difference in the e-mail: the config side says where its settings came from.
      expect(config.mail.text).toMatch(
        /Configured from backup\.yml: \d+ from the file · 0 from workflow inputs/,
      );
      expect(inputs.mail.text).not.toContain('Configured from');
    });

    it('reports the same in the job summary, and the config side says where its settings came from', () => {
      const [config, inputs] = both();
      const rows = (side: Side) =>
        side.result.summary
          .split('\n')
          // The schema table and the dump-size chart.
          .filter((l) => /^\| (✅ )?(HR|SALES|FIN) \|/.test(l))
          // In the schema table, the archive share and ratio (6th and 7th cells) may differ by a rounding: the
          // archives differ by a few bytes (job names and times in the dump headers and logs compress a little
          // differently). The time (8th cell) differs between runs.
          .map((l) =>
            l
              .split(' | ')
              .filter((_c, i) => i < 5 || i > 7)
              .join(' | '),
          );
      expect(rows(config)).toHaveLength(6);
      expect(rows(config)).toEqual(rows(inputs));
      const settings = config.report.settingSources!;
      // Every key of the file is a setting from the file; nothing came from the workflow but `config` itself.
      expect(settings).toEqual({
        configPath: 'backup.yml',
        counts: { config: Object.keys(config.file).length, workflow: 0, default: expect.any(Number) },
        overrides: [],
      });
      expect(config.result.summary).toContain('### ⚙️ Settings');
      expect(config.result.summary).toContain(
        `Configured from \`backup.yml\`: ${Object.keys(config.file).length} from the file · 0 from workflow inputs`,
      );
      expect(inputs.report.settingSources).toBeUndefined();
      expect(inputs.result.summary).not.toContain('⚙️ Settings');
    });

    it('masks every secret read through -env, and none appears in any output, file, archive or e-mail', async () => {
      const config = sides.config!;
      for (const secret of [PASSWORD, FIN_PASSWORD, ARCHIVE_PASSWORD, SMTP_PASSWORD])
        expect(config.result.stdout).toContain(`::add-mask::${secret}`);
      for (const line of secrets.slice(4)) expect(config.result.stdout).toContain(`::add-mask::${line}`);
      for (const side of both()) {
        const texts: Array<[string, string]> = [
          ['log', shownLog(side.result)],
          ['stderr', side.result.stderr],
          ['summary', side.result.summary],
          ['outputs', JSON.stringify(side.result.outputs)],
          ['e-mail', side.rawMail],
          ['e-mail text', side.mail.text ?? ''],
          ['e-mail html', String(side.mail.html)],
          ...side.mail.attachments.map((a): [string, string] => [
            `attachment ${a.filename}`,
            a.content.toString(),
          ]),
        ];
        // Everything the action wrote: work-dir (archives' neighbours, run log, report), both folders, SFTP; and
        // every entry of every archive. The simulator's own record and config are not the action's output.
        const written = [
          ...(await filesUnder(side.s.workDir)),
          ...(await filesUnder(side.s.shareDir)),
          ...(await filesUnder(side.share2)),
          ...(await filesUnder(side.remote)),
          ...(await filesUnder(side.s.dumpDir)),
          ...side.extracted.flatMap((x) => x.entries.map((e) => path.join(x.dir, e))),
        ];
        expect(written.length).toBeGreaterThan(20);
        for (const file of written) {
          if ((await stat(file)).size > 8 * 1024 * 1024) continue;
          texts.push([file, (await readFile(file)).toString('latin1')]);
        }
        for (const [where, text] of texts)
          for (const secret of secrets) expect(text.includes(secret), `${side.label}: ${where}`).toBe(false);
      }
    });
  },
);
