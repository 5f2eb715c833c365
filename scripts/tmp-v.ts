import { verifyZipArchive } from '../src/archive/zip-verify.js';
let peak = 0;
setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20).unref();
for (const [f, pw] of [['/tmp/vm/x.zip', ''], ['/tmp/vm/xpw.zip', 'pw']] as const) {
  const t = Date.now();
  const v = await verifyZipArchive(f, { password: pw, expected: [] });
  console.log(process.env.OBA_INFLATE_CHUNK, f, (Date.now() - t) / 1000, v.entries.length, 'peak', Math.round(peak / 1048576));
}
