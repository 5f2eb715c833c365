import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifiedZipArchive } from '../src/archive/verified-zip.js';
import type { EntrySpan } from '../src/archive/zip-engine.js';
import { verifyWrittenEntry } from '../src/archive/zip-entry-verify.js';
import { verifyZipArchive, type EntryCheck } from '../src/archive/zip-verify.js';
import { createZipArchive, type ZipInputEntry } from '../src/archive/zip-writer.js';
import { flipByte } from './helpers/files.js';

const PASSWORD = 'Entry-by-entry pass ü';
const hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let dir: string;
let big: string;
let random: string;
let empty: string;
let bigData: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'verified-zip-'));
  await mkdir(path.join(dir, 'in'));
  // Table-like rows (compressible, several parallel-deflate blocks), random bytes (stored), and an empty file.
  const rows: string[] = [];
  for (let n = 0; n < 60_000; n++) rows.push(`${n},NAME_${n % 977},${(n * 7919) % 100_000},${n % 31}\n`);
  bigData = Buffer.from(rows.join(''));
  big = path.join(dir, 'in', 'HR.dmp');
  random = path.join(dir, 'in', 'SALES.dmp');
  empty = path.join(dir, 'in', 'EMPTY.dmp');
  await writeFile(big, bigData);
  await writeFile(random, randomBytes(700_000));
  await writeFile(empty, '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entries = (): ZipInputEntry[] => [
  { name: 'HR.dmp', file: big },
  { name: 'SALES.dmp', file: random },
  { name: 'EMPTY.dmp', file: empty },
  { name: 'logs/HR.log', content: 'export log\n' },
  { name: 'manifest.json', content: '{"schemas":["HR"]}' },
];

/** verifyWrittenEntry on a handle of its own. */
async function checkAt(file: string, span: EntrySpan, password: string): Promise<EntryCheck> {
  const handle = await open(file, 'r');
  try {
    return await verifyWrittenEntry(handle, span, password);
  } finally {
    await handle.close();
  }
}

describe.each([
  ['plain', ''],
  ['AES-256', PASSWORD],
])('%s archive read back entry by entry', (_label, password) => {
  it('every entry is decoded from disk while the archive is still open, and the finished archive verifies', async () => {
    const spans: EntrySpan[] = [];
    const early: EntryCheck[] = [];
    const out = path.join(dir, `early-${password ? 'aes' : 'plain'}.zip`);
    let release: () => void = () => undefined;
    const firstChecked = new Promise<void>((resolve) => (release = resolve));
    // The second entry is only offered once the first was read back: proof the check runs mid-archive.
    async function* slowEntries(): AsyncIterable<ZipInputEntry> {
      const [first, ...rest] = entries();
      yield first!;
      await firstChecked;
      yield* rest;
    }
    const archive = await createZipArchive({
      path: out,
      entries: slowEntries(),
      level: 6,
      password,
      onEntryWritten: async (span, file) => {
        expect(file).not.toBe(out);
        spans.push(span);
        early.push(await checkAt(file, span, password));
        release();
      },
    });
    expect(spans.map((s) => s.name)).toEqual(entries().map((e) => e.name));
    // The spans tile the file from its first byte: each entry starts where the previous one ended.
    expect(spans[0]!.headerOffset).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.headerOffset).toBe(spans[i - 1]!.end);
    // The callbacks run concurrently here (createVerifiedZipArchive queues them): match them by name.
    const verified = new Map(early.map((c) => [c.span!.name, c]));
    for (const { name, bytes, sha256 } of archive.entries) {
      expect(verified.get(name)?.problems).toEqual([]);
      expect(verified.get(name)?.actual).toEqual({ name, bytes, sha256 });
    }
    expect(verified.get('HR.dmp')!.actual!.sha256).toBe(hex(bigData));
    expect(verified.get('EMPTY.dmp')!.actual!.bytes).toBe(0);

    const v = await verifyZipArchive(out, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
      verified,
    });
    expect(v).toMatchObject({ ok: true, problems: [] });
    expect(v.entries.map((e) => e.sha256)).toEqual(archive.entries.map((e) => e.sha256));
  });

  it('createVerifiedZipArchive: written, read back and ready', async () => {
    const out = path.join(dir, `whole-${password ? 'aes' : 'plain'}.zip`);
    const written = await createVerifiedZipArchive({ path: out, entries: entries(), level: 6, password });
    const { archive } = written;
    const verification = await written.verification;
    expect(verification).toMatchObject({ ok: true, problems: [] });
    expect(verification.entries).toEqual(
      archive.entries.map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
    );
    // An independent full re-read (no early checks) agrees.
    const again = await verifyZipArchive(out, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
    });
    expect(again).toMatchObject({ ok: true, problems: [] });
  });

  it('a byte changed on disk in a written entry is found by its early check', async () => {
    const out = path.join(dir, `flip-${password ? 'aes' : 'plain'}.zip`);
    const early = new Map<string, EntryCheck>();
    await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      password,
      onEntryWritten: async (span, file) => {
        if (span.name === 'HR.dmp') await flipByte(file, Math.floor((span.headerOffset + span.dataEnd) / 2));
        early.set(span.name, await checkAt(file, span, password));
      },
    });
    const { problems, ...rest } = early.get('HR.dmp')!;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      password
        ? /HR\.dmp is corrupt: AES authentication code mismatch/
        : /HR\.dmp (is corrupt|cannot be read)/,
    );
    expect(rest.actual).toBeUndefined();
    expect([...early.values()].flatMap((c) => c.problems)).toHaveLength(1);
  });

  it('a byte changed after the early check is found by the hash of the finished archive', async () => {
    const out = path.join(dir, `late-${password ? 'aes' : 'plain'}.zip`);
    const early = new Map<string, EntryCheck>();
    const archive = await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      password,
      onEntryWritten: async (span, file) => {
        early.set(span.name, await checkAt(file, span, password));
        if (span.name === 'HR.dmp') await flipByte(file, span.dataEnd - 40);
      },
    });
    const v = await verifyZipArchive(out, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
      verified: early,
    });
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/archive SHA-256 is [0-9a-f]{64}, expected/);
  });
});

describe('verifyWrittenEntry', () => {
  let out: string;
  const spans = new Map<string, EntrySpan>();
  beforeAll(async () => {
    out = path.join(dir, 'spans.zip');
    await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      onEntryWritten: (span) => void spans.set(span.name, span),
    });
  });

  it('reads an entry of the finished archive too', async () => {
    const check = await checkAt(out, spans.get('SALES.dmp')!, '');
    expect(check.problems).toEqual([]);
    expect(check.actual?.bytes).toBe(700_000);
  });

  it('a span that does not match the disk is a problem naming the entry, not an exception', async () => {
    const span = spans.get('HR.dmp')!;
    const shifted = await checkAt(out, { ...span, headerOffset: span.headerOffset + 1 }, '');
    expect(shifted.problems).toEqual([
      `entry HR.dmp at offset ${span.headerOffset + 1}: no local file header on disk`,
    ]);
    const longer = await checkAt(out, { ...span, compressedSize: span.compressedSize + 1 }, '');
    expect(longer.problems[0]).toMatch(
      /^entry HR\.dmp at offset 0: \d+ bytes of data on disk, the writer reported \d+$/,
    );
    const crc = await checkAt(out, { ...span, crc: (span.crc + 1) >>> 0 }, '');
    expect(crc.problems[0]).toMatch(/sizes and CRC-32 on disk .* differ from the writer's/);
    const renamed = await checkAt(out, { ...span, name: 'OTHER.dmp' }, '');
    expect(renamed.problems[0]).toMatch(/the local header names "HR\.dmp"/);
  });

  it('an unencrypted entry checked with a password, or the other way round, is a problem', async () => {
    const check = await checkAt(out, spans.get('HR.dmp')!, 'x');
    expect(check.problems).toEqual(['entry HR.dmp is not encrypted']);
  });
});

describe('verifyZipArchive with early checks', () => {
  it('uses an early check only when the directory record points at exactly the bytes it decoded', async () => {
    const out = path.join(dir, 'reuse.zip');
    const spans = new Map<string, EntrySpan>();
    const archive = await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      onEntryWritten: (span) => void spans.set(span.name, span),
    });
    const span = spans.get('HR.dmp')!;
    // A check that "found" other content: used as is when its span matches the directory...
    const liar: EntryCheck = {
      span,
      actual: { name: 'HR.dmp', bytes: bigData.length, sha256: 'a'.repeat(64) },
      problems: [],
    };
    const used = await verifyZipArchive(out, {
      expected: archive.entries,
      verified: new Map([['HR.dmp', liar]]),
    });
    expect(used.problems).toEqual([`entry HR.dmp SHA-256 is ${'a'.repeat(64)}, expected ${hex(bigData)}`]);
    // What the directory says about encryption is still checked against the password.
    const clean: EntryCheck = {
      span,
      actual: { name: 'HR.dmp', bytes: bigData.length, sha256: hex(bigData) },
      problems: [],
    };
    const withPassword = await verifyZipArchive(out, {
      password: 'x',
      expected: archive.entries.filter((e) => e.name === 'HR.dmp'),
      verified: new Map([['HR.dmp', clean]]),
    });
    expect(withPassword.problems[0]).toBe('entry HR.dmp is not encrypted');
    // ...and ignored (the entry decoded again) when it describes other bytes.
    for (const other of [
      { ...span, headerOffset: span.headerOffset + 1 },
      { ...span, compressedSize: span.compressedSize - 1 },
      { ...span, size: span.size + 1 },
      { ...span, crc: span.crc ^ 1 },
    ]) {
      const again = await verifyZipArchive(out, {
        expected: archive.entries,
        verified: new Map([['HR.dmp', { ...liar, span: other }]]),
      });
      expect(again).toMatchObject({ ok: true, problems: [] });
    }
  });
});

describe('createVerifiedZipArchive failures', () => {
  it('a cancelled archive rejects and leaves no file, early checks included', async () => {
    const out = path.join(dir, 'cancel', 'x.zip');
    const controller = new AbortController();
    async function* entriesThenCancel(): AsyncIterable<ZipInputEntry> {
      yield { name: 'HR.dmp', file: big };
      // Give the first entry's early check time to start, then cancel while waiting for the next entry.
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort(new Error('cancelled by the test'));
      yield { name: 'SALES.dmp', file: random };
    }
    await expect(
      createVerifiedZipArchive({
        path: out,
        entries: entriesThenCancel(),
        level: 6,
        signal: controller.signal,
      }),
    ).rejects.toThrow('cancelled by the test');
    expect(await readdir(path.dirname(out))).toEqual([]);
  });
});
