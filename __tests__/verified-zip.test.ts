import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader, ZipWriter } from '@zip.js/zip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrowingFile, GrowingFileStopped } from '../src/archive/growing-file.js';
import { createVerifiedZipArchive } from '../src/archive/verified-zip.js';
import type { EntrySpan } from '../src/archive/zip-engine.js';
import { ZipFollower } from '../src/archive/zip-follow.js';
import { verifyZipArchive, type EntryCheck } from '../src/archive/zip-verify.js';
import { createZipArchive, type ArchiveObserver, type ZipInputEntry } from '../src/archive/zip-writer.js';
import { eventually, flipByte } from './helpers/files.js';

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

/** What the writer tells an observer, in order. */
type WriterEvent =
  { kind: 'started'; name: string; headerOffset: number } | { kind: 'ended'; span: EntrySpan };

/** An observer that records the writer's events (and passes them on to `next`, if given). */
function recorder(next?: ArchiveObserver): ArchiveObserver & { events: WriterEvent[]; spans: EntrySpan[] } {
  const events: WriterEvent[] = [];
  return {
    events,
    get spans() {
      return events.flatMap((e) => (e.kind === 'ended' ? [e.span] : []));
    },
    opened: (file, bytesOnDisk) => next?.opened(file, bytesOnDisk),
    entryStarted: (name, headerOffset) => {
      events.push({ kind: 'started', name, headerOffset });
      next?.entryStarted(name, headerOffset);
    },
    entryEnded: (span) => {
      events.push({ kind: 'ended', span });
      next?.entryEnded(span);
    },
    closed: (error) => next?.closed(error),
  };
}

function spanOf(events: WriterEvent[], name: string): EntrySpan {
  const spans = events.flatMap((e) => (e.kind === 'ended' && e.span.name === name ? [e.span] : []));
  if (spans.length !== 1) throw new Error(`no span for ${name}`);
  return spans[0]!;
}

/** Follows a finished archive file as if it were being written, with the given (possibly altered) events. */
async function replay(file: string, events: WriterEvent[], password = ''): Promise<Map<string, EntryCheck>> {
  const follower = new ZipFollower({ password });
  const size = (await stat(file)).size;
  await follower.opened(file, () => size);
  for (const event of events) {
    if (event.kind === 'started') follower.entryStarted(event.name, event.headerOffset);
    else follower.entryEnded(event.span);
  }
  follower.closed();
  return new Map(await follower.checks());
}

describe.each([
  ['plain', ''],
  ['AES-256', PASSWORD],
])('%s archive read back as it is written', (_label, password) => {
  it('every entry is decoded from disk while the archive is still open, and the finished archive verifies', async () => {
    const out = path.join(dir, `early-${password ? 'aes' : 'plain'}.zip`);
    const checked: EntryCheck[] = [];
    let firstChecked: () => void = () => undefined;
    const first = new Promise<void>((resolve) => (firstChecked = resolve));
    const follower = new ZipFollower({
      password,
      onChecked: (check) => {
        checked.push(check);
        firstChecked();
      },
    });
    const seen = recorder(follower);
    // The second entry is only offered once the first was read back: proof the check runs mid-archive.
    async function* slowEntries(): AsyncIterable<ZipInputEntry> {
      const [head, ...rest] = entries();
      yield head!;
      await first;
      expect(checked.map((c) => c.span?.name)).toEqual(['HR.dmp']);
      yield* rest;
    }
    const archive = await createZipArchive({
      path: out,
      entries: slowEntries(),
      level: 6,
      password,
      observers: [seen],
    });
    const { spans } = seen;
    expect(spans.map((s) => s.name)).toEqual(entries().map((e) => e.name));
    // The spans tile the file from its first byte: each entry starts where the previous one ended.
    expect(seen.events.filter((e) => e.kind === 'started').map((e) => e.headerOffset)).toEqual(
      spans.map((s) => s.headerOffset),
    );
    expect(spans[0]!.headerOffset).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.headerOffset).toBe(spans[i - 1]!.end);

    const verified = await follower.checks();
    expect([...verified.keys()]).toEqual(entries().map((e) => e.name));
    for (const { name, bytes, sha256 } of archive.entries) {
      expect(verified.get(name)?.problems).toEqual([]);
      expect(verified.get(name)?.actual).toEqual({ name, bytes, sha256 });
      expect(verified.get(name)?.span).toEqual(spans.find((s) => s.name === name));
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

  it('a byte changed on disk before the follower reads it is found: it reads the disk, not the writer', async () => {
    const out = path.join(dir, `flip-${password ? 'aes' : 'plain'}.zip`);
    const follower = new ZipFollower({ password });
    // The follower sees no byte of HR.dmp until the whole entry is on disk and one byte of its data was flipped.
    let gate: number | undefined;
    let file = '';
    let flipped = Promise.resolve();
    let onDisk: () => number = () => 0;
    await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      password,
      observers: [
        {
          opened: (temp, bytesOnDisk) => {
            file = temp;
            onDisk = bytesOnDisk;
            return follower.opened(temp, () => Math.min(gate ?? Infinity, bytesOnDisk()));
          },
          entryStarted: (name, headerOffset) => {
            if (name === 'HR.dmp') gate = headerOffset;
            follower.entryStarted(name, headerOffset);
          },
          entryEnded: (span) => {
            follower.entryEnded(span);
            if (span.name !== 'HR.dmp') return;
            flipped = (async () => {
              await eventually(() => onDisk() >= span.end);
              await flipByte(file, Math.floor((span.headerOffset + span.dataEnd) / 2));
              gate = undefined;
            })();
          },
          closed: async (error) => {
            await flipped;
            follower.closed(error);
          },
        },
      ],
    });
    const checks = await follower.checks();
    const { problems, actual } = checks.get('HR.dmp')!;
    if (password) {
      expect(problems).toEqual(['entry HR.dmp is corrupt: AES authentication code mismatch']);
      expect(actual).toBeUndefined();
    } else {
      // Inflated to other bytes (or not at all): the CRC-32 or zlib says so.
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatch(/^entry HR\.dmp (is corrupt|cannot be read)/);
      expect(actual?.sha256).not.toBe(hex(bigData));
    }
    // Nothing else is wrong.
    expect([...checks.entries()].filter(([, c]) => c.problems.length > 0).map(([name]) => name)).toEqual([
      'HR.dmp',
    ]);
  });

  it('a byte changed after the early check is found by the hash of the finished archive', async () => {
    const out = path.join(dir, `late-${password ? 'aes' : 'plain'}.zip`);
    let file = '';
    let flip: () => void = () => undefined;
    const flipped = new Promise<void>((resolve) => (flip = resolve)).then(() => flipByte(file, hrEnd - 40));
    let hrEnd = 0;
    const follower = new ZipFollower({
      password,
      onChecked: (check) => {
        if (check.span?.name !== 'HR.dmp') return;
        hrEnd = check.span.dataEnd;
        flip();
      },
    });
    const archive = await createZipArchive({
      path: out,
      entries: entries(),
      level: 6,
      password,
      observers: [
        {
          ...recorder(follower),
          opened: (temp, bytesOnDisk) => {
            file = temp;
            return follower.opened(temp, bytesOnDisk);
          },
          // The flip must land before the file is renamed.
          closed: async () => {
            await flipped;
            follower.closed();
          },
        },
      ],
    });
    const verified = await follower.checks();
    expect(verified.get('HR.dmp')?.problems).toEqual([]);
    const v = await verifyZipArchive(out, {
      password,
      expected: archive.entries,
      expectedSha256: archive.sha256,
      verified,
    });
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/archive SHA-256 is [0-9a-f]{64}, expected/);
  });
});

describe('ZipFollower on a finished archive', () => {
  const recorded: Record<'plain' | 'aes', { file: string; events: WriterEvent[] }> = {
    plain: { file: '', events: [] },
    aes: { file: '', events: [] },
  };
  beforeAll(async () => {
    for (const kind of ['plain', 'aes'] as const) {
      const seen = recorder();
      const file = path.join(dir, `replay-${kind}.zip`);
      await createZipArchive({
        path: file,
        entries: entries(),
        level: 6,
        password: kind === 'aes' ? PASSWORD : '',
        observers: [seen],
      });
      recorded[kind] = { file, events: seen.events };
    }
  });
  const alter = (
    events: WriterEvent[],
    name: string,
    change: (span: EntrySpan) => EntrySpan,
  ): WriterEvent[] =>
    events.map((e) =>
      e.kind === 'ended' && e.span.name === name ? { kind: 'ended', span: change(e.span) } : e,
    );

  it('reads every entry of it', async () => {
    for (const [kind, { file, events }] of Object.entries(recorded)) {
      const checks = await replay(file, events, kind === 'aes' ? PASSWORD : '');
      expect([...checks.values()].flatMap((c) => c.problems)).toEqual([]);
      expect(checks.get('SALES.dmp')?.actual?.bytes).toBe(700_000);
      expect(checks.get('HR.dmp')?.actual?.sha256).toBe(hex(bigData));
    }
  });

  it('an entry whose last bytes land after the writer said where it ends is checked without waiting for more', async () => {
    // As when the writer then waits minutes for the next export: nothing lands after this entry's descriptor.
    for (const [kind, { file, events }] of Object.entries(recorded)) {
      const span = spanOf(events, 'HR.dmp');
      let visible = 0;
      const checked: string[] = [];
      const follower = new ZipFollower({
        password: kind === 'aes' ? PASSWORD : '',
        onChecked: (check) => checked.push(check.span!.name),
      });
      await follower.opened(file, () => visible);
      follower.entryStarted('HR.dmp', span.headerOffset);
      // All but the last few KiB of its data are on disk when the writer reports the end...
      visible = span.dataEnd - 5000;
      await new Promise((resolve) => setTimeout(resolve, 50));
      follower.entryEnded(span);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // ...then the rest and the data descriptor land, and nothing after them.
      visible = span.end;
      expect(await eventually(() => checked.includes('HR.dmp'), 5000)).toBe(true);
      follower.closed();
      expect((await follower.checks()).get('HR.dmp')).toMatchObject({
        problems: [],
        actual: { sha256: hex(bigData) },
      });
    }
  });

  it('where the writer and the disk disagree, the check says so, naming the entry, without throwing', async () => {
    const { file, events } = recorded.plain;
    const span = spanOf(events, 'HR.dmp');
    const shifted = events.map((e) =>
      e.kind === 'started' && e.name === 'HR.dmp'
        ? { ...e, headerOffset: 1 }
        : e.kind === 'ended' && e.span.name === 'HR.dmp'
          ? { kind: 'ended' as const, span: { ...e.span, headerOffset: 1 } }
          : e,
    );
    expect((await replay(file, shifted)).get('HR.dmp')?.problems).toEqual([
      'entry HR.dmp at offset 1: no local file header on disk',
    ]);
    const longer = await replay(
      file,
      alter(events, 'HR.dmp', (s) => ({ ...s, compressedSize: s.compressedSize + 1 })),
    );
    expect(longer.get('HR.dmp')?.problems).toEqual([
      `entry HR.dmp at offset 0: ${span.compressedSize} bytes of data on disk, the writer reported ${span.compressedSize + 1}`,
    ]);
    const crc = await replay(
      file,
      alter(events, 'HR.dmp', (s) => ({ ...s, crc: (s.crc + 1) >>> 0 })),
    );
    expect(crc.get('HR.dmp')?.problems[0]).toMatch(/sizes and CRC-32 on disk .* differ from the writer's/);
    const renamed = await replay(
      file,
      events.map((e) => (e.kind === 'started' && e.name === 'HR.dmp' ? { ...e, name: 'OTHER.dmp' } : e)),
    );
    expect(renamed.get('OTHER.dmp')?.problems).toEqual([
      'entry OTHER.dmp at offset 0: the local header names "HR.dmp"',
    ]);
    // The other entries are read all the same.
    expect(renamed.get('SALES.dmp')).toMatchObject({ problems: [], actual: { bytes: 700_000 } });
  });

  it('a data end that cuts the deflate stream short, or a file that ends inside an entry, is a problem', async () => {
    const { file, events } = recorded.plain;
    const early = await replay(
      file,
      alter(events, 'HR.dmp', (s) => ({
        ...s,
        dataEnd: s.dataEnd - 100,
        end: s.end - 100,
        compressedSize: s.compressedSize - 100,
      })),
    );
    expect(early.get('HR.dmp')?.problems.join('\n')).toMatch(
      /HR\.dmp cannot be read \(corrupt or truncated archive\): unexpected end of file/,
    );
    const span = spanOf(events, 'HR.dmp');
    const cut = path.join(dir, 'cut.zip');
    await copyFile(file, cut);
    await truncate(cut, span.dataEnd - 1000);
    const checks = await replay(cut, events);
    expect(checks.get('HR.dmp')?.problems).toContain(
      `entry HR.dmp at offset 0: the archive file ends at offset ${span.dataEnd - 1000}, inside the entry`,
    );
    expect(checks.get('SALES.dmp')?.problems[0]).toBe(
      `entry SALES.dmp at offset ${span.end}: no local file header on disk`,
    );
  });

  it('deflate data zlib refuses is a problem naming the entry, and the next entries are still read', async () => {
    const { file, events } = recorded.plain;
    const span = spanOf(events, 'HR.dmp');
    const broken = path.join(dir, 'broken-deflate.zip');
    await copyFile(file, broken);
    // 0xFF opens a final block of the reserved type 3: zlib stops at once with "invalid block type".
    const data = await readFile(broken);
    const dataStart = span.headerOffset + 30 + data.readUInt16LE(26) + data.readUInt16LE(28);
    data.fill(0xff, dataStart, dataStart + 4);
    await writeFile(broken, data);
    const checks = await replay(broken, events);
    expect(checks.get('HR.dmp')?.problems).toEqual([
      'entry HR.dmp cannot be read (corrupt or truncated archive): invalid block type',
    ]);
    expect(checks.get('SALES.dmp')).toMatchObject({ problems: [], actual: { bytes: 700_000 } });
  });

  it('an unencrypted entry read with a password, or an encrypted one without or with the wrong one, is a problem', async () => {
    const plain = await replay(recorded.plain.file, recorded.plain.events, 'x');
    // Decoded all the same: what it holds is known.
    expect(plain.get('HR.dmp')).toMatchObject({
      problems: ['entry HR.dmp is not encrypted'],
      actual: { sha256: hex(bigData) },
    });
    const none = await replay(recorded.aes.file, recorded.aes.events, '');
    expect(none.get('HR.dmp')?.problems).toEqual(['entry HR.dmp is encrypted but no password was given']);
    const wrong = await replay(recorded.aes.file, recorded.aes.events, 'wrong');
    const problems = [...wrong.values()].flatMap((c) => c.problems);
    // One wrong password in 65536 passes the 2-byte verifier; the authentication code then fails.
    expect(
      problems.every((p) => p === 'wrong archive password' || /authentication code mismatch/.test(p)),
    ).toBe(true);
    expect(problems).toHaveLength(entries().length);
  });

  it('decrypts what an independent implementation encrypted (zip.js, WinZip AE-2, stored and deflated)', async () => {
    const file = path.join(dir, 'zipjs-aes.zip');
    const writer = new ZipWriter(new Uint8ArrayWriter(), {
      password: PASSWORD,
      encryptionStrength: 3,
      dataDescriptor: false,
      zip64: false,
    });
    const stored = randomBytes(70_000);
    await writer.add('stored.bin', new Uint8ArrayReader(stored), { level: 0 });
    await writer.add('rows.csv', new Uint8ArrayReader(bigData), { level: 6 });
    await writeFile(file, await writer.close());
    const data = await readFile(file);
    const events: WriterEvent[] = [];
    for (const entry of await new ZipReader(new Uint8ArrayReader(data)).getEntries()) {
      const headerOffset = entry.offset;
      const dataStart =
        headerOffset + 30 + data.readUInt16LE(headerOffset + 26) + data.readUInt16LE(headerOffset + 28);
      const dataEnd = dataStart + entry.compressedSize;
      const span = {
        name: entry.filename,
        headerOffset,
        dataEnd,
        end: dataEnd,
        compressedSize: entry.compressedSize,
        size: entry.uncompressedSize,
        crc: data.readUInt32LE(headerOffset + 14),
      };
      events.push({ kind: 'started', name: entry.filename, headerOffset }, { kind: 'ended', span });
    }
    const checks = await replay(file, events, PASSWORD);
    expect(checks.get('stored.bin')).toMatchObject({
      problems: [],
      actual: { bytes: 70_000, sha256: hex(stored) },
    });
    expect(checks.get('rows.csv')).toMatchObject({
      problems: [],
      actual: { bytes: bigData.length, sha256: hex(bigData) },
    });
  });
});

describe('GrowingFile', () => {
  it("gives the archive's bytes as they land, before it is complete, and exactly the finished file", async () => {
    const out = path.join(dir, 'growing.zip');
    const growing = new GrowingFile();
    const received: Buffer[] = [];
    const reading = (async () => {
      // A chunk is only valid until the next one is asked for: keep a copy.
      for await (const chunk of growing.chunks()) received.push(Buffer.from(chunk));
    })();
    async function* slowEntries(): AsyncIterable<ZipInputEntry> {
      const [head, ...rest] = entries();
      yield head!;
      // The reader has HR.dmp's bytes while the archive is still waiting for its next entry.
      expect(await eventually(() => received.length > 0)).toBe(true);
      expect(growing.complete).toBe(false);
      yield* rest;
    }
    const archive = await createZipArchive({
      path: out,
      entries: slowEntries(),
      level: 6,
      observers: [growing],
    });
    await reading;
    const copy = Buffer.concat(received);
    expect(copy.length).toBe(archive.bytes);
    expect(copy.equals(await readFile(out))).toBe(true);
  });

  it('a writer that fails makes its readers fail, saying why', async () => {
    const growing = new GrowingFile();
    const reading = (async () => {
      for await (const chunk of growing.chunks()) void chunk;
    })();
    reading.catch(() => undefined);
    const controller = new AbortController();
    async function* failing(): AsyncIterable<ZipInputEntry> {
      yield { name: 'HR.dmp', file: big };
      controller.abort(new Error('cancelled by the test'));
      yield { name: 'SALES.dmp', file: random };
    }
    const out = path.join(dir, 'growing-failed', 'x.zip');
    await expect(
      createZipArchive({
        path: out,
        entries: failing(),
        level: 6,
        observers: [growing],
        signal: controller.signal,
      }),
    ).rejects.toThrow('cancelled by the test');
    await expect(reading).rejects.toThrow(GrowingFileStopped);
    await expect(reading).rejects.toThrow('the file was not completed: cancelled by the test');
    expect(await readdir(path.dirname(out))).toEqual([]);
  });
});

describe('verifyZipArchive with early checks', () => {
  it('uses an early check only when the directory record points at exactly the bytes it decoded', async () => {
    const out = path.join(dir, 'reuse.zip');
    const seen = recorder();
    const archive = await createZipArchive({ path: out, entries: entries(), level: 6, observers: [seen] });
    const span = seen.spans.find((s) => s.name === 'HR.dmp')!;
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
