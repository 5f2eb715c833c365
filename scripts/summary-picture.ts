// `npm run docs:pictures`: draws the pictures of docs/ from the demo run (`npm run demo`, which runs first) with
// headless Chromium: its job summary as GitHub would show it (docs/job-summary.png) and its e-mail as a mail client
// shows the HTML part (docs/email-report.png). The demo works in a neutral folder, so no checkout's path shows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { marked } from 'marked';
import { chromiumScreenshot } from './chromium-screenshot.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = process.env.OBA_DEMO_DIR || path.join(tmpdir(), 'oracle-backup-demo');
const summary = readFileSync(path.join(DEMO, 'runner', 'summary.md'), 'utf8');
const css = `
  body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 24px;
         max-width: 1100px; }
  h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; } h3 { margin-top: 24px; }
  table { border-collapse: collapse; margin: 8px 0 16px; } th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
  tr:nth-child(2n) { background: #f6f8fa; } th { background: #f6f8fa; }
  code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
  pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: hidden; }`;
const dir = mkdtempSync(path.join(tmpdir(), 'oba-summary-'));
const html = path.join(dir, 'summary.html');
writeFileSync(
  html,
  `<!doctype html><meta charset="utf-8"><style>${css}</style>${await marked.parse(summary)}`,
);
screenshot(html, path.join(ROOT, 'docs', 'job-summary.png'), '1150,1500');
screenshot(path.join(DEMO, 'mail', 'report-1.html'), path.join(ROOT, 'docs', 'email-report.png'), '800,1800');

function screenshot(page: string, png: string, size: string): void {
  const [width, height] = size.split(',').map(Number) as [number, number];
  const run = chromiumScreenshot({ page, png, width, height, profileDir: path.join(dir, 'profile') });
  if (run.status !== 0) throw new Error(`chromium failed: ${run.stderr}`);
  console.log(`wrote ${png}`);
}
