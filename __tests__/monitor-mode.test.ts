// mode: monitor's judgement, pure (evaluateMonitor / evaluateDatabase on sets as retention reads them), and the
// Markdown of both modes with hostile data in it.
import { describe, expect, it } from 'vitest';
import { evaluateDatabase, evaluateMonitor, type DestinationInventory } from '../src/modes/monitor.js';
import { buildModeEmail, renderModeSummary } from '../src/modes/summary.js';
import type { VerifyModeResult } from '../src/modes/verify.js';
import type { BackupSetInfo } from '../src/retention/sets.js';

const HOUR = 3600_000;
const NOW = new Date('2026-11-21T12:00:00Z');
const DB = 'dbhost:1521/ORCLPDB1';

let n = 0;
function set(hoursAgo: number, over: Partial<BackupSetInfo> & { bytes?: number } = {}): BackupSetInfo {
  const { bytes = 100 * 1024 * 1024, ...rest } = over;
  const name = `oracle-backup_${++n}.zip`;
  return {
    id: `id-${n}`,
    manifest: `${name}.manifest.json`,
    createdAt: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
    status: 'success',
    database: DB,
    schemas: ['HR', 'SALES'],
    completeSchemas: ['HR', 'SALES'],
    dataSchemas: ['HR', 'SALES'],
    verified: true,
    archives: [{ name, expectedBytes: bytes, bytes }],
    manifestBytes: 1000,
    problems: [],
    ...rest,
  };
}

const folder = (sets: BackupSetInfo[], label = 'folder /mnt/nas'): DestinationInventory => ({
  label,
  kind: 'folder',
  sets,
});
const judge = (inventories: DestinationInventory[], maxAgeHours = 26) =>
  evaluateMonitor(inventories, { now: NOW, maxAgeMs: maxAgeHours * HOUR });

describe('evaluateMonitor: age', () => {
  it('passes when the newest good backup is younger than max-age', () => {
    const r = judge([folder([set(50), set(26), set(2)])]);
    expect(r.status).toBe('success');
    expect(r.problems).toEqual([]);
    expect(r.destinations[0]!.databases[0]!.newestGood!.ageMs).toBe(2 * HOUR);
    expect(r.statusReason).toMatch(
      /^every destination holds a good backup of normal size younger than max-age 26h/,
    );
  });

  it('fails when it is older, naming the set, its age and max-age', () => {
    const old = set(30);
    const r = judge([folder([set(54), old])]);
    expect(r.status).toBe('failure');
    expect(r.problems).toEqual([
      `folder /mnt/nas: the newest good backup of ${DB} is 30h old (${old.createdAt}, ${old.manifest}), more than max-age 26h`,
    ]);
    expect(r.statusReason).toBe(r.problems[0]);
  });

  it('only good sets count: a newer failed or incomplete set does not make it fresh, but is a warning', () => {
    const failed = set(1, { status: 'failure' });
    const incomplete = set(2, { verified: false, problems: ['archive x.zip is missing'] });
    const r = judge([folder([set(30), failed, incomplete])]);
    expect(r.status).toBe('failure');
    expect(r.warnings[0]).toMatch(/the newest backup set of .* is not good: status failure$/);
    const partialRun = judge([folder([set(3, { status: 'partial' })])]);
    expect(partialRun.status).toBe('success');
  });

  it('ignores sets dated in the future (clock skew) with a warning', () => {
    const r = judge([folder([set(30), set(-5)])]);
    expect(r.status).toBe('failure');
    expect(r.warnings[0]).toMatch(/is dated in the future/);
  });

  it('no sets at all, or no destination readable, is a failure', () => {
    expect(judge([folder([])]).statusReason).toBe('no backup set of this action at any destination');
    const down: DestinationInventory = { label: 'sftp b@h:/x', kind: 'sftp', error: 'connection refused' };
    const r = judge([down]);
    expect(r.status).toBe('failure');
    expect(r.statusReason).toBe(
      'no destination could be read: sftp b@h:/x: cannot be read: connection refused',
    );
  });
});

describe('evaluateMonitor: several destinations and databases', () => {
  it('partial when every database is fresh somewhere but a destination lags or cannot be read', () => {
    const lagging = judge([folder([set(2)]), folder([set(40)], 'sftp b@h:/oracle')]);
    expect(lagging.status).toBe('partial');
    expect(lagging.problems[0]).toMatch(/^sftp b@h:\/oracle: the newest good backup .* is 40h old/);
    const down = judge([folder([set(2)]), { label: 'sftp b@h:/x', kind: 'sftp', error: 'timeout' }]);
    expect(down.status).toBe('partial');
  });

  it('each database on its own: one stale database fails the run', () => {
    const r = judge([
      folder([set(2), set(3, { database: 'other:1521/XE' }), set(40, { database: 'old:1521/DW' })]),
    ]);
    expect(r.status).toBe('failure');
    expect(r.destinations[0]!.databases.map((d) => [d.database, d.ok])).toEqual([
      [DB, true],
      ['old:1521/DW', false],
      ['other:1521/XE', true],
    ]);
  });
});

describe('evaluateDatabase: size', () => {
  const opts = { now: NOW.getTime(), maxAgeMs: 26 * HOUR };
  const mb = 1024 * 1024;

  it('fails below 50% of the median of the earlier good sets of the same schemas', () => {
    const sets = [
      set(72, { bytes: 100 * mb }),
      set(48, { bytes: 120 * mb }),
      set(24, { bytes: 90 * mb }),
      set(1, { bytes: 40 * mb }),
    ];
    const r = evaluateDatabase(DB, sets, opts);
    expect(r.ok).toBe(false);
    expect(r.sizeChecks).toEqual([
      {
        schemas: ['HR', 'SALES'],
        manifest: sets[3]!.manifest,
        bytes: 40 * mb,
        medianBytes: 100 * mb,
        previous: 3,
        ok: false,
      },
    ]);
    expect(r.problems).toEqual([
      `the newest good backup of ${DB} (HR, SALES; ${sets[3]!.manifest}) has 40.0 MiB, less than 50% of the median 100.0 MiB of the 3 earlier good set(s)`,
    ]);
  });

  it('passes at or above the threshold, with no earlier set, or when the schema list changed', () => {
    expect(evaluateDatabase(DB, [set(30, { bytes: 100 }), set(1, { bytes: 50 })], opts).ok).toBe(true);
    expect(evaluateDatabase(DB, [set(1, { bytes: 1 })], opts)).toMatchObject({ ok: true, sizeChecks: [] });
    const changed = evaluateDatabase(
      DB,
      [set(30, { bytes: 1000 }), set(1, { bytes: 10, schemas: ['HR'] })],
      opts,
    );
    expect(changed).toMatchObject({ ok: true, sizeChecks: [] });
  });

  it('archive-per schema: each schema series is compared with its own history', () => {
    const hr = (h: number, bytes: number) => set(h, { schemas: ['HR'], bytes });
    const sales = (h: number, bytes: number) => set(h, { schemas: ['SALES'], bytes });
    const r = evaluateDatabase(
      DB,
      [hr(48, 1000), sales(48, 10), hr(24, 1000), sales(24, 10), hr(1, 990), sales(1, 2)],
      opts,
    );
    expect(r.sizeChecks.map((c) => [c.schemas.join(), c.ok])).toEqual([
      ['HR', true],
      ['SALES', false],
    ]);
  });

  it('honours minSizeRatio and sizeHistory', () => {
    const sets = [
      set(72, { bytes: 10 }),
      set(48, { bytes: 1000 }),
      set(24, { bytes: 1000 }),
      set(1, { bytes: 400 }),
    ];
    expect(evaluateDatabase(DB, sets, { ...opts, minSizeRatio: 0.3 }).ok).toBe(true);
    expect(evaluateDatabase(DB, sets, { ...opts, sizeHistory: 1 }).sizeChecks[0]).toMatchObject({
      previous: 1,
      medianBytes: 1000,
    });
  });
});

describe('the summaries escape what destinations hold', () => {
  const hostile = 'evil<script>alert(1)</script>|`x`*[link](http://e)';

  it('monitor: a hostile database name and label are escaped in Markdown and HTML', () => {
    const r = judge([folder([set(40, { database: hostile })], `folder /mnt/${hostile}`)]);
    const md = renderModeSummary(r);
    expect(md).not.toContain('<script>');
    expect(md).toContain('evil&lt;script&gt;');
    expect(md).not.toMatch(/[^\\]\|`x`/);
    const email = buildModeEmail(r, { runLogText: 'log', runLogName: 'run.log' });
    expect(email.html).not.toContain('<script>');
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.attachments[0]).toEqual({ filename: 'run.log', content: 'log' });
  });

  it('verify: file names and problems are escaped; long lists are capped', () => {
    const result: VerifyModeResult = {
      mode: 'verify',
      status: 'failure',
      statusReason: `bad ${hostile}`,
      destination: 'folder /x',
      startedAt: NOW.toISOString(),
      durationMs: 5,
      sets: [],
      problems: Array.from({ length: 150 }, (_, i) => `problem ${i} ${hostile}`),
      warnings: [],
      failedFiles: [],
    };
    const md = renderModeSummary(result);
    expect(md).not.toContain('<script>');
    expect(md).toContain('- … and 50 more');
    expect(md.split('\n').filter((l) => l.startsWith('- ❌'))).toHaveLength(100);
  });
});
