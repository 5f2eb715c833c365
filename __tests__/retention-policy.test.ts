import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FUTURE_TOLERANCE_MS,
  REASONS,
  calendarKeys,
  planRetention,
  type PlanOptions,
  type RetentionPlan,
} from '../src/retention/policy.js';
import type { BackupSetInfo } from '../src/retention/sets.js';
import type { RetentionPolicy } from '../src/settings/retention-settings.js';
import type { RunStatus } from '../src/types.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = new Date('2026-11-21T01:30:00.000Z');
const SEED: RetentionPolicy = {
  retentionDays: 10,
  keepMin: 2,
  keepMax: 7,
  keepDaily: 0,
  keepWeekly: 0,
  keepMonthly: 0,
};

const DB = 'dbhost:1521/ORCLPDB1';
const SCHEMAS = ['APP', 'HR', 'SALES'];

function makeSet(
  index: number,
  createdMs: number,
  status: RunStatus = 'success',
  verified = true,
  more: { database?: string; schemas?: string[]; incomplete?: string[] } = {},
): BackupSetInfo {
  const archive = `oracle-backup_${String(index).padStart(3, '0')}.zip`;
  const schemas = more.schemas ?? SCHEMAS;
  // A partial set has some schemas that completed with errors (their data is there, not all of it).
  const incomplete = status === 'partial' ? (more.incomplete ?? schemas.slice(0, 1)) : [];
  return {
    id: `set-${index}`,
    manifest: `${archive}.manifest.json`,
    createdAt: new Date(createdMs).toISOString(),
    status,
    database: more.database ?? DB,
    schemas,
    completeSchemas: status === 'success' ? schemas : schemas.filter((s) => !incomplete.includes(s)),
    dataSchemas: status === 'failure' ? [] : schemas,
    verified,
    archives: [{ name: archive, expectedBytes: 1000 + index, ...(verified ? { bytes: 1000 + index } : {}) }],
    manifestBytes: 100,
    problems: verified ? [] : [`archive ${archive} is missing`],
  };
}

const good = (s: BackupSetInfo): boolean => s.verified && s.status !== 'failure';
const time = (s: BackupSetInfo): number => Date.parse(s.createdAt);
const newestFirst = (a: BackupSetInfo, b: BackupSetInfo): number =>
  time(b) - time(a) || (a.manifest < b.manifest ? 1 : a.manifest > b.manifest ? -1 : 0);

/** The decision for each set id, as `action: reasons`. */
function byId(plan: RetentionPlan): Map<string, string> {
  return new Map(plan.decisions.map((d) => [d.set.id, `${d.action}: ${d.reasons.join('; ')}`]));
}

function deleted(plan: RetentionPlan): string[] {
  return plan.decisions.filter((d) => d.action === 'delete').map((d) => d.set.id);
}

// ---- generators -------------------------------------------------------------------------------------------

interface Scenario {
  sets: BackupSetInfo[];
  policy: RetentionPolicy;
  options: PlanOptions;
}

const policyArb: fc.Arbitrary<RetentionPolicy> = fc.oneof(
  fc.constant(SEED),
  fc
    .record({
      retentionDays: fc.integer({ min: 0, max: 40 }),
      keepMin: fc.integer({ min: 1, max: 8 }),
      extra: fc.option(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 15 })), {
        nil: undefined,
      }),
      keepDaily: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 })),
      keepWeekly: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
      keepMonthly: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
    })
    .map(({ extra, ...p }) => ({ ...p, keepMax: extra === undefined ? 0 : p.keepMin + extra })),
);

const specArb = fc.record({
  // Mostly within ±90 days; a few far in the future (a manifest written by a runner with a wrong clock).
  offsetMs: fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: -90 * DAY, max: 90 * DAY }) },
    { weight: 3, arbitrary: fc.integer({ min: -90, max: 0 }).map((d) => d * DAY + 5400_000) },
    { weight: 1, arbitrary: fc.integer({ min: 2 * HOUR, max: 80 * 365 * DAY }) },
  ),
  status: fc.constantFrom<RunStatus>('success', 'success', 'partial', 'failure'),
  // Of a partial set: the schemas that completed with errors.
  incomplete: fc.subarray(SCHEMAS),
  verified: fc.constantFrom(true, true, true, false),
  // Mostly every schema in one set (archive-per: run), sometimes one (archive-per: schema) or a partial night.
  schemas: fc.oneof(
    { weight: 4, arbitrary: fc.constant(SCHEMAS) },
    { weight: 3, arbitrary: fc.subarray(SCHEMAS, { minLength: 1 }) },
    { weight: 1, arbitrary: fc.constant([] as string[]) },
  ),
  // Another job may back up another database into the same folder; the same one may be spelt differently.
  database: fc.constantFrom(DB, DB, DB, ' DBHOST:1521/orclpdb1', 'otherhost:1521/SALESDB'),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    specs: fc.array(specArb, { maxLength: 60 }),
    policy: policyArb,
    runProducedGoodBackup: fc.constantFrom(true, true, false),
    thisRun: fc.constantFrom('new', 'none', 'existing'),
    calendar: fc.constantFrom<'utc' | 'local'>('utc', 'local'),
    database: fc.constantFrom<string | undefined>(undefined, DB),
  })
  .map(({ specs, policy, runProducedGoodBackup, thisRun, calendar, database }) => {
    // Past offsets are negative: createdAt = NOW + offset.
    const sets = specs.map((s, i) =>
      makeSet(i, NOW.getTime() + s.offsetMs, s.status, s.verified, {
        database: s.database,
        schemas: s.schemas,
        incomplete: s.incomplete,
      }),
    );
    let thisRunSetIds: string[] = [];
    if (thisRun === 'new' && runProducedGoodBackup) {
      const own = makeSet(sets.length, NOW.getTime() - 60_000);
      sets.push(own);
      thisRunSetIds = [own.id];
    } else if (thisRun === 'existing' && sets.length > 0) thisRunSetIds = [sets[sets.length - 1]!.id];
    return { sets, policy, options: { now: NOW, runProducedGoodBackup, thisRunSetIds, calendar, database } };
  });

const isFuture = (s: BackupSetInfo, o: PlanOptions): boolean =>
  !o.thisRunSetIds.includes(s.id) && time(s) > o.now.getTime() + FUTURE_TOLERANCE_MS;
const dbKey = (s: BackupSetInfo): string => s.database.trim().toLowerCase();
const series = (s: BackupSetInfo): string[] => (s.schemas.length > 0 ? s.schemas : ['']);
/** The sets a plan may delete from: this run's database when named, else each database in turn. */
function groups(sets: BackupSetInfo[], o: PlanOptions): BackupSetInfo[][] {
  const keys = [...new Set(sets.map(dbKey))].filter(
    (k) => o.database === undefined || k === o.database.trim().toLowerCase(),
  );
  return keys.map((k) => sets.filter((s) => dbKey(s) === k));
}
/** Per database in scope and per schema: the good, non-future sets holding that schema, newest first. */
function schemaSeries(sets: BackupSetInfo[], o: PlanOptions): BackupSetInfo[][] {
  return groups(sets, o).flatMap((g) => {
    const counted = g.filter((s) => good(s) && !isFuture(s, o)).sort(newestFirst);
    return [...new Set(counted.flatMap(series))].map((x) => counted.filter((s) => series(s).includes(x)));
  });
}

const blockedByAbsence = (sc: Scenario): boolean =>
  sc.options.thisRunSetIds.length > 0 &&
  !sc.sets.some((s) => good(s) && sc.options.thisRunSetIds.includes(s.id));

const RUNS = { numRuns: 500 };

describe('planRetention: safety properties over random histories', () => {
  it('decides every set exactly once, with at least one reason', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        expect(plan.decisions.map((d) => d.set.id).sort()).toEqual(sets.map((s) => s.id).sort());
        for (const d of plan.decisions) expect(d.reasons.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('deletes nothing at all when this run produced no good backup, and says so', () => {
    fc.assert(
      fc.property(scenarioArb, policyArb, ({ sets, options }, policy) => {
        const plan = planRetention(sets, policy, { ...options, runProducedGoodBackup: false });
        expect(deleted(plan)).toEqual([]);
        expect(plan.blocked).toBe(REASONS.noGoodBackup);
        for (const d of plan.decisions) expect(d.reasons).toEqual([REASONS.noGoodBackup]);
      }),
      RUNS,
    );
  });

  it("deletes nothing when this run's sets are named but none is a good set at this place", () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const plan = planRetention(sc.sets, sc.policy, { ...sc.options, thisRunSetIds: ['not-here'] });
        expect(deleted(plan)).toEqual([]);
        if (sc.options.runProducedGoodBackup) expect(plan.blocked).toBe(REASONS.notHere);
      }),
      RUNS,
    );
  });

  it('always keeps, per database and schema, the keep-min newest good sets; failed or unverified never count', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const decision = new Map(plan.decisions.map((d) => [d.set.id, d]));
        for (const list of schemaSeries(sets, options))
          for (const s of list.slice(0, policy.keepMin)) {
            expect(decision.get(s.id)?.action).toBe('keep');
            if (!plan.blocked)
              expect(
                decision.get(s.id)?.reasons.some((r) => r.startsWith(REASONS.floor(policy.keepMin))),
              ).toBe(true);
          }
        // The plain floor too: the keep-min newest good sets of each database, whatever they hold.
        for (const g of groups(sets, options))
          for (const s of g
            .filter((x) => good(x) && !isFuture(x, options))
            .sort(newestFirst)
            .slice(0, policy.keepMin))
            expect(decision.get(s.id)?.action).toBe('keep');
        for (const d of plan.decisions)
          if (!good(d.set)) expect(d.reasons.some((r) => r.startsWith('newest '))).toBe(false);
      }),
      RUNS,
    );
  });

  it('always keeps, per database and schema, the newest complete set, whatever keep-max says', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const action = new Map(plan.decisions.map((d) => [d.set.id, d.action]));
        for (const group of groups(sets, options)) {
          const counted = group.filter((s) => good(s) && !isFuture(s, options)).sort(newestFirst);
          for (const x of new Set(counted.flatMap((s) => s.completeSchemas))) {
            const newestComplete = counted.find((s) => s.completeSchemas.includes(x))!;
            expect(action.get(newestComplete.id), `${x}: ${newestComplete.id}`).toBe('keep');
          }
        }
      }),
      RUNS,
    );
  });

  it('deletes a set only while each schema whose data it holds keeps a newer good set', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const byId = new Map(plan.decisions.map((d) => [d.set.id, d]));
        for (const d of plan.decisions.filter((x) => x.action === 'delete')) {
          for (const x of d.set.verified ? d.set.dataSchemas : []) {
            const newer = byId.get(d.keptNewer?.[x] ?? '');
            expect(newer?.action, `${d.set.id} ${x}`).toBe('keep');
            expect(newer!.good && newer!.set.dataSchemas.includes(x)).toBe(true);
            expect(newestFirst(newer!.set, d.set)).toBeLessThanOrEqual(0);
          }
        }
      }),
      RUNS,
    );
  });

  it("never deletes another database's sets when this run's database is named, nor lets databases mix", () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, { ...options, database: DB });
        const ours = (s: BackupSetInfo) => dbKey(s) === DB.toLowerCase();
        for (const d of plan.decisions) if (!ours(d.set)) expect(d.action).toBe('keep');
        // Without the name, each database is planned as if it were alone.
        const whole = planRetention(sets, policy, { ...options, database: undefined });
        if (whole.blocked) return;
        const together = byId(whole);
        for (const key of new Set(sets.map(dbKey))) {
          const group = sets.filter((s) => dbKey(s) === key);
          const ownHere = options.thisRunSetIds.filter((id) => group.some((s) => s.id === id));
          const alone = byId(
            planRetention(group, policy, { ...options, database: undefined, thisRunSetIds: ownHere }),
          );
          for (const [id, decision] of alone) expect(together.get(id)).toBe(decision);
        }
      }),
      RUNS,
    );
  });

  it('never deletes the newest good backup, nor any set of this run', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const gone = deleted(plan);
        for (const list of schemaSeries(sets, options)) if (list[0]) expect(gone).not.toContain(list[0].id);
        for (const id of options.thisRunSetIds) expect(gone).not.toContain(id);
      }),
      RUNS,
    );
  });

  it('deletes for age only sets older than retention-days by their manifest time, and only for age or keep-max', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        for (const d of plan.decisions) {
          if (d.action !== 'delete') continue;
          expect(d.reasons).toHaveLength(1);
          const age = options.now.getTime() - time(d.set);
          if (d.reasons[0] === REASONS.older(policy.retentionDays)) {
            expect(policy.retentionDays).toBeGreaterThan(0);
            expect(age).toBeGreaterThan(policy.retentionDays * DAY);
          } else {
            expect(d.reasons[0]).toBe(REASONS.overMax(policy.keepMax));
            expect(policy.keepMax).toBeGreaterThan(0);
          }
        }
      }),
      RUNS,
    );
  });

  it('keeps at most keep-max good sets per schema by the age window; "over the maximum" only past keep-max', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const keptGood = new Map<string, number>();
        const key = (d: (typeof plan.decisions)[number], x: string) => `${dbKey(d.set)}/${x}`;
        for (const d of plan.decisions) {
          const counts = series(d.set).map((x) => keptGood.get(key(d, x)) ?? 0);
          if (d.reasons.includes(REASONS.overMax(policy.keepMax)))
            for (const n of counts) expect(n).toBeGreaterThanOrEqual(policy.keepMax);
          const windowOnly =
            d.action === 'keep' &&
            d.reasons.length === 1 &&
            (d.reasons[0] === REASONS.within(policy.retentionDays) || d.reasons[0] === REASONS.noAgeLimit);
          if (windowOnly && policy.keepMax > 0) expect(Math.min(...counts)).toBeLessThan(policy.keepMax);
          if (good(d.set) && !isFuture(d.set, options) && d.action === 'keep')
            for (const x of series(d.set)) keptGood.set(key(d, x), (keptGood.get(key(d, x)) ?? 0) + 1);
        }
        if (policy.keepMax === 0)
          for (const d of plan.decisions) expect(d.reasons).not.toContain(REASONS.overMax(0));
      }),
      RUNS,
    );
  });

  it('keeps the newest good set of each of the last keep-daily days / keep-weekly weeks / keep-monthly months', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        const plan = planRetention(sets, policy, options);
        const action = new Map(plan.decisions.map((d) => [d.set.id, d.action]));
        const rules = [
          [policy.keepDaily, 'day'],
          [policy.keepWeekly, 'week'],
          [policy.keepMonthly, 'month'],
        ] as const;
        for (const list of schemaSeries(sets, options))
          for (const [n, unit] of rules) {
            const newestOf = new Map<string, BackupSetInfo>();
            for (const s of list) {
              const key = calendarKeys(new Date(time(s)), options.calendar)[unit];
              if (!newestOf.has(key)) newestOf.set(key, s);
            }
            for (const s of [...newestOf.values()].slice(0, n)) expect(action.get(s.id)).toBe('keep');
          }
      }),
      RUNS,
    );
  });

  it('keeps every set dated in the future, and such sets never change what happens to the others', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.array(fc.integer({ min: 2 * HOUR, max: 100 * 365 * DAY }), { minLength: 1, maxLength: 5 }),
        ({ sets, policy, options }, offsets) => {
          const before = byId(planRetention(sets, policy, options));
          const bogus = offsets.map((o, i) => makeSet(500 + i, NOW.getTime() + o));
          const plan = planRetention([...sets, ...bogus], policy, options);
          const after = byId(plan);
          for (const s of bogus) expect(after.get(s.id)).toMatch(/^keep: /);
          for (const s of sets) expect(after.get(s.id)).toBe(before.get(s.id));
          if (!plan.blocked) for (const s of bogus) expect(after.get(s.id)).toContain('dated in the future');
          expect(plan.notes.length).toBeGreaterThanOrEqual(bogus.length);
        },
      ),
      RUNS,
    );
  });

  it('a clock that jumped back before every set deletes none of them', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, policy, options }) => {
        if (sets.length === 0) return;
        const now = new Date(Math.min(...sets.map(time)) - 2 * HOUR);
        const own = makeSet(999, now.getTime() - 60_000);
        const plan = planRetention([...sets, own], policy, {
          ...options,
          now,
          runProducedGoodBackup: true,
          thisRunSetIds: [own.id],
        });
        expect(deleted(plan)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('does not depend on the order the sets were found in', () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((sc) =>
          fc.tuple(fc.constant(sc), fc.shuffledSubarray(sc.sets, { minLength: sc.sets.length })),
        ),
        ([sc, shuffled]) => {
          expect(byId(planRetention(shuffled, sc.policy, sc.options))).toEqual(
            byId(planRetention(sc.sets, sc.policy, sc.options)),
          );
        },
      ),
      RUNS,
    );
  });

  it('with the seed defaults and a good run, keeps between keep-min and keep-max good sets (no future, no calendar)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ sets, options }) => {
        const plan = planRetention(sets, SEED, options);
        if (plan.blocked || blockedByAbsence({ sets, policy: SEED, options })) return;
        const keptGood = plan.decisions.filter((d) => d.action === 'keep' && d.good && !d.future).length;
        const goodCount = sets.filter((s) => good(s) && !isFuture(s, options)).length;
        expect(keptGood).toBeGreaterThanOrEqual(Math.min(SEED.keepMin, goodCount));
        // This run's set may be one extra when it is older than the newest ones (it is always kept).
        expect(keptGood).toBeLessThanOrEqual(SEED.keepMax + options.thisRunSetIds.length);
      }),
      RUNS,
    );
  });
});

// ---- examples with exact decisions ------------------------------------------------------------------------

/** Nightly sets at 01:30 UTC, `days` ago each (0 = this run). */
function nightly(days: number[], mutate: (i: number, s: BackupSetInfo) => BackupSetInfo = (_, s) => s) {
  return days.map((d, i) => mutate(i, makeSet(i, NOW.getTime() - d * DAY)));
}

function table(plan: RetentionPlan): string[] {
  return plan.decisions.map((d) => `${d.set.createdAt.slice(0, 10)} ${d.action}: ${d.reasons.join('; ')}`);
}

describe('planRetention: examples', () => {
  it('seed defaults (10 days, keep-min 2, keep-max 7) over 20 nightly backups', () => {
    const sets = nightly([...Array(20).keys()]);
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    expect(plan.blocked).toBeUndefined();
    expect(table(plan)).toEqual([
      '2026-11-21 keep: written by this run; newest 2 good backups',
      '2026-11-20 keep: newest 2 good backups',
      '2026-11-19 keep: within 10 days',
      '2026-11-18 keep: within 10 days',
      '2026-11-17 keep: within 10 days',
      '2026-11-16 keep: within 10 days',
      '2026-11-15 keep: within 10 days',
      '2026-11-14 delete: over the maximum of 7',
      '2026-11-13 delete: over the maximum of 7',
      '2026-11-12 delete: over the maximum of 7',
      '2026-11-11 delete: over the maximum of 7', // exactly 10 days old: not older than 10 days
      '2026-11-10 delete: older than 10 days',
      ...[9, 8, 7, 6, 5, 4, 3, 2].map((d) => `2026-11-0${d} delete: older than 10 days`),
    ]);
  });

  it('after a long pause keeps the newest good sets whatever their age, skipping failed and unverified ones', () => {
    const sets = nightly([0, 30, 31, 32, 33, 34], (i, s) =>
      i === 1 ? { ...s, status: 'failure' } : i === 2 ? { ...s, verified: false, problems: ['gone'] } : s,
    );
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    expect(table(plan)).toEqual([
      '2026-11-21 keep: written by this run; newest 2 good backups',
      '2026-10-22 delete: older than 10 days',
      '2026-10-21 delete: older than 10 days',
      '2026-10-20 keep: newest 2 good backups',
      '2026-10-19 delete: older than 10 days',
      '2026-10-18 delete: older than 10 days',
    ]);
  });

  it('keeps the newest complete set through any number of partial runs after it, whatever keep-max says', () => {
    const day = (n: number) => NOW.getTime() - n * DAY;
    const clean = makeSet(1, day(3), 'success', true, { schemas: ['HORIZONTE'] });
    const partials = [2, 1].map((n) =>
      makeSet(10 - n, day(n), 'partial', true, { schemas: ['HORIZONTE'], incomplete: ['HORIZONTE'] }),
    );
    const own = makeSet(20, NOW.getTime() - 60_000, 'partial', true, {
      schemas: ['HORIZONTE'],
      incomplete: ['HORIZONTE'],
    });
    const policy = { ...SEED, retentionDays: 0, keepMin: 1, keepMax: 1 };
    const plan = planRetention([clean, ...partials, own], policy, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: [own.id],
    });
    expect(byId(plan).get(clean.id)).toBe(`keep: ${REASONS.newestComplete}`);
    expect(byId(plan).get(own.id)).toBe(`keep: ${REASONS.thisRun}; ${REASONS.floor(1)}`);
    expect(deleted(plan).sort()).toEqual(partials.map((s) => s.id).sort());
  });

  it('a failed run deletes nothing and says why', () => {
    const sets = nightly([1, 20, 40]);
    const plan = planRetention(sets, SEED, { now: NOW, runProducedGoodBackup: false, thisRunSetIds: [] });
    expect(plan.blocked).toBe('this run produced no good backup, so nothing is deleted');
    expect(deleted(plan)).toEqual([]);
  });

  it("a place that did not receive this run's backup deletes nothing", () => {
    const sets = nightly([1, 20, 40]);
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['elsewhere'],
    });
    expect(plan.blocked).toBe('no backup of this run is verified at this place, so nothing is deleted here');
    expect(deleted(plan)).toEqual([]);
  });

  it('a far-future manifest is kept, noted, and leaves the real newest sets alone', () => {
    const sets = [...nightly([0, 1, 2, 15]), makeSet(9, Date.parse('2099-01-01T00:00:00.000Z'))];
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    expect(table(plan)).toEqual([
      '2099-01-01 keep: dated in the future (2099-01-01T00:00:00.000Z); kept and not counted until the clock passes it',
      '2026-11-21 keep: written by this run; newest 2 good backups',
      '2026-11-20 keep: newest 2 good backups',
      '2026-11-19 keep: within 10 days',
      '2026-11-06 delete: older than 10 days',
    ]);
    expect(plan.notes).toEqual([
      "oracle-backup_009.zip.manifest.json: set set-9 is dated 2099-01-01T00:00:00.000Z, after this run's clock " +
        '(2026-11-21T01:30:00.000Z); it is kept and not counted. Check the clock of the runner that wrote it.',
    ]);
  });

  it('calendar buckets keep the newest of each of the last N weeks with backups, beyond keep-max', () => {
    // Nightly for 5 weeks; keep-weekly 3 with keep-max 2 and keep-min 1.
    const sets = nightly([...Array(35).keys()]);
    const policy = { ...SEED, keepMin: 1, keepMax: 2, keepWeekly: 3, retentionDays: 3 };
    const plan = planRetention(sets, policy, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    expect(table(plan).filter((line) => line.includes(' keep'))).toEqual([
      '2026-11-21 keep: written by this run; newest good backup; newest of week 2026-W47',
      '2026-11-20 keep: within 3 days',
      '2026-11-15 keep: newest of week 2026-W46',
      '2026-11-08 keep: newest of week 2026-W45',
    ]);
    expect(table(plan)).toContain('2026-11-19 delete: over the maximum of 2');
    expect(table(plan)).toContain('2026-11-17 delete: older than 3 days');
  });

  it('keep-daily and keep-monthly name their day and month', () => {
    const sets = nightly([0, 0.5, 1, 31, 45, 70]);
    const policy = { ...SEED, keepMin: 1, keepMax: 1, keepDaily: 2, keepMonthly: 3, retentionDays: 1 };
    const plan = planRetention(sets, policy, { now: NOW, runProducedGoodBackup: true, thisRunSetIds: [] });
    expect(table(plan)).toEqual([
      '2026-11-21 keep: newest good backup; newest of day 2026-11-21; newest of month 2026-11',
      '2026-11-20 keep: newest of day 2026-11-20', // 13:30, newer than the 01:30 set of that day
      '2026-11-20 delete: over the maximum of 1',
      '2026-10-21 keep: newest of month 2026-10',
      '2026-10-07 delete: older than 1 day',
      '2026-09-12 keep: newest of month 2026-09',
    ]);
  });

  it('with archive-per: schema, each schema keeps its own newest backups (a failing schema keeps its last ones)', () => {
    // HR and SALES nightly for 20 days; APP's exports have failed for two weeks.
    const sets: BackupSetInfo[] = [];
    for (let d = 0; d < 20; d++)
      for (const schema of d >= 15 ? SCHEMAS : ['HR', 'SALES'])
        sets.push(makeSet(sets.length, NOW.getTime() - d * DAY, 'success', true, { schemas: [schema] }));
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    const of = (schema: string) =>
      plan.decisions
        .filter((d) => d.set.schemas[0] === schema)
        .map((d) => `${d.action}: ${d.reasons.join('; ')}`);
    expect(of('APP')).toEqual([
      'keep: newest 2 good backups',
      'keep: newest 2 good backups',
      'delete: older than 10 days',
      'delete: older than 10 days',
      'delete: older than 10 days',
    ]);
    expect(of('SALES').filter((d) => d.startsWith('keep'))).toHaveLength(7);
    expect(of('HR').slice(0, 3)).toEqual([
      'keep: written by this run; newest 2 good backups',
      'keep: newest 2 good backups',
      'keep: within 10 days',
    ]);
    expect(of('HR')[7]).toBe('delete: over the maximum of 7');
  });

  it('keep-max counts per schema: a set is over the maximum only when every schema it holds is', () => {
    const sets = [
      makeSet(0, NOW.getTime(), 'success', true, { schemas: ['HR'] }),
      makeSet(1, NOW.getTime() - 1 * DAY, 'success', true, { schemas: ['HR'] }),
      makeSet(2, NOW.getTime() - 2 * DAY, 'success', true, { schemas: ['APP', 'HR'] }),
      makeSet(3, NOW.getTime() - 3 * DAY, 'success', true, { schemas: ['HR'] }),
      makeSet(4, NOW.getTime() - 4 * DAY, 'success', true, { schemas: ['APP', 'HR'] }),
    ];
    const policy = { ...SEED, retentionDays: 30, keepMin: 1, keepMax: 2 };
    const plan = planRetention(sets, policy, { now: NOW, runProducedGoodBackup: true, thisRunSetIds: [] });
    expect(table(plan)).toEqual([
      '2026-11-21 keep: newest good backup',
      '2026-11-20 keep: within 30 days',
      '2026-11-19 keep: newest good backup (APP)',
      '2026-11-18 delete: over the maximum of 2',
      '2026-11-17 keep: within 30 days', // APP's second
    ]);
  });

  it('with archive-per: run, names the schemas a reason holds for when it does not hold for all', () => {
    const sets = [
      makeSet(0, NOW.getTime(), 'partial', true, { schemas: ['HR', 'SALES'] }), // APP failed tonight
      ...nightly([1, 2, 12]).map((s, i) => ({ ...s, id: `set-${i + 1}`, manifest: `m${i + 1}` })),
    ];
    const plan = planRetention(sets, SEED, {
      now: NOW,
      runProducedGoodBackup: true,
      thisRunSetIds: ['set-0'],
    });
    expect(table(plan)).toEqual([
      '2026-11-21 keep: written by this run; newest 2 good backups', // for all it holds
      '2026-11-20 keep: newest 2 good backups',
      '2026-11-19 keep: newest 2 good backups (APP)',
      '2026-11-09 delete: older than 10 days',
    ]);
  });

  it("leaves another database's sets to that database's runs when this run's database is named", () => {
    const other = { database: 'otherhost:1521/SALESDB' };
    const sets = [
      ...nightly([0, 1, 30]),
      makeSet(7, NOW.getTime() - 40 * DAY, 'success', true, other),
      makeSet(8, NOW.getTime() - 50 * DAY, 'success', true, other),
      makeSet(9, NOW.getTime() - 60 * DAY, 'success', true, other),
    ];
    const opts = { now: NOW, runProducedGoodBackup: true, thisRunSetIds: ['set-0'] };
    expect(table(planRetention(sets, SEED, { ...opts, database: 'DBHOST:1521/orclpdb1' }))).toEqual([
      '2026-11-21 keep: written by this run; newest 2 good backups',
      '2026-11-20 keep: newest 2 good backups',
      '2026-10-22 delete: older than 10 days',
      "2026-10-12 keep: a backup of another database (otherhost:1521/SALESDB); left to that database's own runs",
      "2026-10-02 keep: a backup of another database (otherhost:1521/SALESDB); left to that database's own runs",
      "2026-09-22 keep: a backup of another database (otherhost:1521/SALESDB); left to that database's own runs",
    ]);
    // Without the name each database is on its own: the other one keeps its own newest two.
    expect(table(planRetention(sets, SEED, opts)).slice(3)).toEqual([
      '2026-10-12 keep: newest 2 good backups',
      '2026-10-02 keep: newest 2 good backups',
      '2026-09-22 delete: older than 10 days',
    ]);
  });

  it('names ISO weeks, including those that belong to the neighbouring year', () => {
    expect(calendarKeys(new Date('2026-11-21T12:00:00Z'))).toEqual({
      day: '2026-11-21',
      week: '2026-W47',
      month: '2026-11',
    });
    expect(calendarKeys(new Date('2026-11-15T12:00:00Z')).week).toBe('2026-W46'); // Sunday ends the week
    expect(calendarKeys(new Date('2026-11-16T12:00:00Z')).week).toBe('2026-W47'); // Monday starts one
    expect(calendarKeys(new Date('2027-01-01T12:00:00Z')).week).toBe('2026-W53');
    expect(calendarKeys(new Date('2024-12-30T12:00:00Z')).week).toBe('2025-W01');
  });

  it('retention-days 0 means no age limit; keep-max 0 no count limit', () => {
    const sets = nightly([0, 100, 200, 300]);
    const policy = { ...SEED, retentionDays: 0, keepMax: 0 };
    const plan = planRetention(sets, policy, { now: NOW, runProducedGoodBackup: true, thisRunSetIds: [] });
    expect(table(plan).slice(2)).toEqual(['2026-05-05 keep: no age limit', '2026-01-25 keep: no age limit']);
  });
});
