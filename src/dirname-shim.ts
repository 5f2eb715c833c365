// Imported first by the entry points: some CommonJS dependencies bundled into the ESM dist/ (ssh2's poly1305
// loader) read __dirname/__filename, which ESM does not define, and crash asynchronously at start-up.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const g = globalThis as { __filename?: string; __dirname?: string };
g.__filename ??= fileURLToPath(import.meta.url);
g.__dirname ??= path.dirname(g.__filename);
