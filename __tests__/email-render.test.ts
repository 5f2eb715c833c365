// Renders the e-mail with headless Chromium and checks the picture: the right size, not blank, the status banner
// and the bar colours where they belong. docs/email-report.png is drawn from the demo (`npm run docs:pictures`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chromiumScreenshot } from '../scripts/chromium-screenshot.js';
import { buildEmail } from '../src/report/email.js';
import { sampleReport, sampleRunLog } from './fixtures/email-report.js';
import { PREPARE_COMMAND } from './helpers/skip-reasons.js';

const WIDTH = 800;
const HEIGHT = 1800;

function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

interface Image {
  width: number;
  height: number;
  /** RGB of a pixel. */
  rgb: (x: number, y: number) => [number, number, number];
}

/** A minimal PNG reader for what Chromium writes: 8-bit RGB or RGBA, not interlaced, the five row filters. */
function readPng(file: string): Image {
  const data = readFileSync(file);
  expect(data.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      expect({ depth, interlace }).toEqual({ depth: 8, interlace: 0 });
      expect([2, 6]).toContain(colour);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      pixels[y * stride + i] = (line[i]! + predictor) & 0xff;
    }
  }
  return {
    width,
    height,
    rgb: (x, y) => {
      const at = y * stride + x * channels;
      return [pixels[at]!, pixels[at + 1]!, pixels[at + 2]!];
    },
  };
}

const hex = ([r, g, b]: [number, number, number]): string =>
  `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** How many pixels of a region have exactly this colour. */
function count(image: Image, colour: string, region = { top: 0, bottom: image.height }): number {
  let n = 0;
  for (let y = region.top; y < region.bottom; y++)
    for (let x = 0; x < image.width; x++) if (hex(image.rgb(x, y)) === colour) n++;
  return n;
}

describe('e-mail rendering', () => {
  const chromium = findChromium();

  it('renders as a report: banner, tables and bars, not a blank page', (context) => {
    if (!chromium) {
      // CI installs chromium (see .ci/run); a developer machine without it only skips.
      if (process.env.CI) expect.fail('chromium is not installed, and CI must render the e-mail');
      context.skip(`the e-mail rendering check needs chromium — run: ${PREPARE_COMMAND}`);
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'oba-email-render-'));
    try {
      const email = buildEmail(sampleReport(), {
        lang: 'en',
        runLogText: sampleRunLog(140),
        runLogName: 'oracle-backup_2026-11-21_013000.log',
        host: 'db-runner-01',
      });
      const htmlFile = path.join(dir, 'email.html');
      const png = path.join(dir, 'email.png');
      writeFileSync(htmlFile, email.html);
      const run = chromiumScreenshot({
        chromium,
        page: htmlFile,
        png,
        width: WIDTH,
        height: HEIGHT,
        profileDir: path.join(dir, 'profile'),
      });
      expect(existsSync(png), `chromium wrote no screenshot: ${run.stderr}`).toBe(true);
      expect(statSync(png).size).toBeGreaterThan(50 * 1024);

      const image = readPng(png);
      expect({ width: image.width, height: image.height }).toEqual({ width: WIDTH, height: HEIGHT });

      // Not blank: many colours, and the page is mostly, but not all, light.
      const colours = new Set<string>();
      for (let y = 0; y < image.height; y += 3)
        for (let x = 0; x < image.width; x += 3) colours.add(hex(image.rgb(x, y)));
      expect(colours.size).toBeGreaterThan(50);

      // The amber banner of a partial run across the top, the status colours of the dump-size bars below it.
      const banner = count(image, '#9a6700', { top: 0, bottom: 200 });
      expect(banner).toBeGreaterThan(500 * 60);
      expect(count(image, '#2da44e')).toBeGreaterThan(2_000); // HR and SALES exported cleanly
      expect(count(image, '#d4a72c')).toBeGreaterThan(500); // AUDIT with skipped tables
      expect(count(image, '#8250df')).toBeGreaterThan(500); // the zip-and-verify phase
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
