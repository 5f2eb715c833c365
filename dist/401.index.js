export const id = 401;
export const ids = [401];
export const modules = {

/***/ 88401:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runModeStep: () => (/* binding */ runModeStep)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 7 modules
var core = __webpack_require__(33838);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./src/report/email.ts
var email = __webpack_require__(36142);
// EXTERNAL MODULE: ./src/report/run-files.ts
var run_files = __webpack_require__(26753);
// EXTERNAL MODULE: ./src/report/run-log.ts
var run_log = __webpack_require__(41992);
// EXTERNAL MODULE: ./src/settings/names.ts
var names = __webpack_require__(14761);
// EXTERNAL MODULE: ./src/status.ts
var src_status = __webpack_require__(65565);
// EXTERNAL MODULE: ./src/retention/policy.ts
var policy = __webpack_require__(24310);
// EXTERNAL MODULE: ./src/retention/sets.ts
var sets = __webpack_require__(87745);
// EXTERNAL MODULE: ./src/report/format.ts
var format = __webpack_require__(12011);
// EXTERNAL MODULE: ./src/settings/parse.ts
var parse = __webpack_require__(66894);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./src/deliver/folder.ts
var folder = __webpack_require__(58077);
// EXTERNAL MODULE: ./src/deliver/sftp-session.ts
var sftp_session = __webpack_require__(99609);
;// CONCATENATED MODULE: ./src/deliver/sftp-download.ts
// Downloads a file from sftp-dir to this runner (mode: verify), over the same session layer as the upload: the host
// key pinned, pipelined reads (many requests in flight, as OpenSSH's own client does), the SHA-256 computed while
// the bytes are written, never the whole file in memory. A dropped connection or a stall is retried, resuming at
// the last byte written; a host key or login failure never is.




const DEFAULTS = {
    retries: 2,
    concurrency: 64,
    chunkSize: 256 * 1024,
    readyTimeoutMs: 20_000,
    stallTimeoutMs: 120_000,
};
function defaultBackoffMs(attempt) {
    return Math.min(60_000, 5_000 * 3 ** (attempt - 1));
}
function checkName(name) {
    if (name === '' || name === '.' || name === '..' || /[/\\\0\r\n]/.test(name))
        throw new TypeError(`downloadFromSftp: ${JSON.stringify(name)} is not a plain file name`);
}
/**
 * Downloads `<sftp-dir>/<name>` to `localPath`, which must not exist yet (it is created with `wx`). On failure the
 * partial local file is removed and an SftpError says what happened (kind `local` for this runner's disk).
 */
async function downloadFromSftp(settings, name, localPath, options = {}) {
    checkName(name);
    const started = Date.now();
    const retries = options.retries ?? DEFAULTS.retries;
    const backoffMs = options.backoffMs ?? defaultBackoffMs;
    const log = (line) => options.log?.((0,sftp_session/* scrubSecrets */.Zg)(`sftp: ${line}`, settings));
    const transfer = {
        concurrency: Math.max(1, options.concurrency ?? DEFAULTS.concurrency),
        chunkSize: Math.max(1, options.chunkSize ?? DEFAULTS.chunkSize),
        stallTimeoutMs: options.stallTimeoutMs ?? DEFAULTS.stallTimeoutMs,
    };
    const remotePath = external_node_path_default().posix.join(settings.dir, name);
    let out;
    try {
        out = await (0,promises_.open)(localPath, 'wx', 0o600);
    }
    catch (err) {
        throw new sftp_session/* SftpError */.G3(`cannot create ${localPath}: ${err.message}`, 'local');
    }
    const hash = (0,external_node_crypto_.createHash)('sha256');
    let written = 0;
    let attempts = 0;
    let ok = false;
    try {
        for (;;) {
            attempts++;
            let session;
            try {
                session = await (0,sftp_session/* connectSftp */.Cu)(settings, {
                    readyTimeoutMs: options.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
                });
                if (attempts > 1)
                    log(`reconnected to ${(0,sftp_session/* hostPort */.QL)(settings)} (attempt ${attempts}); resuming at byte ${written}`);
                const stats = await session.stat(remotePath);
                if (!stats)
                    throw new sftp_session/* SftpError */.G3(`${remotePath} not found on ${(0,sftp_session/* hostPort */.QL)(settings)}`, 'remote', 'ENOENT');
                if (!stats.isFile())
                    throw new sftp_session/* SftpError */.G3(`${remotePath} is not a regular file`, 'remote');
                const size = stats.size;
                if (size < written)
                    throw new sftp_session/* SftpError */.G3(`${remotePath} shrank to ${size} bytes during the download`, 'remote', 'EOF');
                if (attempts === 1)
                    log(`downloading ${remotePath} (${size} bytes) to ${localPath}`);
                const handle = await session.open(remotePath, 'r');
                try {
                    await readPipelined(session, handle, remotePath, written, size, transfer, async (chunk) => {
                        try {
                            await out.write(chunk, 0, chunk.length, written);
                        }
                        catch (err) {
                            throw new sftp_session/* SftpError */.G3(`cannot write ${localPath}: ${err.message}`, 'local');
                        }
                        hash.update(chunk);
                        written += chunk.length;
                    });
                }
                finally {
                    if (!session.lost)
                        await session.closeHandle(handle, remotePath).catch(() => undefined);
                }
                await session.close();
                await out.sync().catch(() => undefined);
                ok = true;
                return {
                    remotePath,
                    localPath,
                    bytes: written,
                    sha256: hash.digest('hex'),
                    attempts,
                    durationMs: Date.now() - started,
                };
            }
            catch (err) {
                session?.destroy();
                const error = err instanceof sftp_session/* SftpError */.G3 ? err : new sftp_session/* SftpError */.G3(String(err?.message ?? err), 'remote');
                if (error.retryable && attempts <= retries) {
                    const wait = Math.max(0, backoffMs(attempts));
                    log(`attempt ${attempts} of ${retries + 1} failed: ${error.message}; retrying in ${Math.round(wait / 1000)} s`);
                    await new Promise((resolve) => setTimeout(resolve, wait));
                    continue;
                }
                const gaveUp = error.retryable && attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
                const final = new sftp_session/* SftpError */.G3((0,sftp_session/* scrubSecrets */.Zg)(`${error.message}${gaveUp}`, settings), error.kind, error.code);
                throw final;
            }
        }
    }
    finally {
        await out.close().catch(() => undefined);
        if (!ok)
            await (0,promises_.rm)(localPath, { force: true }).catch(() => undefined);
    }
}
/**
 * Reads bytes [from, to) of an open remote file with `concurrency` requests in flight and hands them to `sink` in
 * order. No answer for `stallTimeoutMs` drops the connection (a retryable error).
 */
async function readPipelined(session, handle, remotePath, from, to, transfer, sink) {
    const chunkSize = Math.max(1, Math.min(transfer.chunkSize, session.maxReadLength));
    const pending = [];
    let next = from;
    const issue = () => {
        const length = Math.min(chunkSize, to - next);
        const read = readExact(session, handle, next, length, remotePath);
        // Handled here so that a later read failing first is not an unhandled rejection; awaited in order below.
        read.catch(() => undefined);
        pending.push(read);
        next += length;
    };
    while (pending.length < transfer.concurrency && next < to)
        issue();
    while (pending.length > 0) {
        const chunk = await withStallLimit(session, pending.shift(), transfer.stallTimeoutMs);
        await sink(chunk);
        if (next < to)
            issue();
    }
}
async function withStallLimit(session, promise, stallTimeoutMs) {
    let timer;
    const stalled = new Promise((_, reject) => {
        timer = setTimeout(() => {
            const error = new sftp_session/* SftpError */.G3(`download from ${(0,sftp_session/* hostPort */.QL)(session.settings)} stalled: no answer for ${Math.round(stallTimeoutMs / 1000)} s`, 'connection', 'ETIMEDOUT');
            session.destroy(error);
            reject(error);
        }, stallTimeoutMs);
    });
    try {
        return await Promise.race([promise, stalled]);
    }
    finally {
        clearTimeout(timer);
    }
}
async function readExact(session, handle, position, length, remotePath) {
    const buffer = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
        const n = await session.read(handle, buffer, got, length - got, position + got, remotePath);
        if (!n)
            throw new sftp_session/* SftpError */.G3(`${remotePath} is shorter than expected (${position + got} bytes)`, 'remote', 'EOF');
        got += n;
    }
    return buffer;
}

// EXTERNAL MODULE: ./src/deliver/sftp.ts + 1 modules
var sftp = __webpack_require__(48061);
// EXTERNAL MODULE: ./src/hash.ts
var hash = __webpack_require__(56495);
// EXTERNAL MODULE: ./src/retention/folder-place.ts
var folder_place = __webpack_require__(19578);
;// CONCATENATED MODULE: ./src/modes/places.ts
// The destinations verify and monitor read, seen as retention sees them (BackupPlace), plus a way to get one file
// onto this runner: a folder's file is read where it is, an SFTP file is downloaded to a private temporary folder.







/** `folder /mnt/backup`, `sftp backup@host:/oracle`. */
function modePlaceLabel(place) {
    return place.kind === 'folder' ? `folder ${place.folder}` : (0,sftp/* sftpLabel */.O$)(place.settings);
}
/** Opens a destination for reading; rejects when it cannot be reached (SFTP connection, host key, login). */
async function openModePlace(target, options = {}) {
    if (target.kind === 'folder') {
        // A folder place lists a missing folder as empty; here that is worth saying (a share not mounted).
        const stats = await (0,promises_.stat)(target.folder).catch((error) => {
            throw new Error((0,folder/* describeFolderError */.Ik)(target.folder, error));
        });
        if (!stats.isDirectory())
            throw new Error(`${target.folder} is not a folder`);
        const place = (0,folder_place/* createFolderPlace */.Q)(target.folder, 'copy-to');
        return {
            place,
            async fetch(name) {
                const started = Date.now();
                const file = external_node_path_default().join(target.folder, name);
                const { bytes, sha256 } = await (0,hash/* sha256File */.Q)(file);
                return { path: file, bytes, sha256, how: 'read in place', durationMs: Date.now() - started };
            },
            close: async () => undefined,
        };
    }
    const place = await (0,sftp/* openSftpPlace */.rE)(target.settings, { readyTimeoutMs: options.readyTimeoutMs });
    return {
        place,
        async fetch(name, tempDir) {
            const result = await downloadFromSftp(target.settings, name, external_node_path_default().join(tempDir, name), {
                readyTimeoutMs: options.readyTimeoutMs,
                ...options.sftp,
            });
            return {
                path: result.localPath,
                bytes: result.bytes,
                sha256: result.sha256,
                how: 'downloaded',
                durationMs: result.durationMs,
            };
        },
        close: () => place.close(),
    };
}

;// CONCATENATED MODULE: ./src/modes/monitor.ts
// `mode: monitor`: the alarm for backups that stopped. Reads only the manifests at the destinations (every copy-to
// folder and the SFTP folder; no database, no Oracle client, no archive download) and fails when a database's newest
// good backup is older than max-age, or smaller than expected.
//
// Definitions (also in the README):
// - A good backup set: this action's manifest, every archive it names present at that size, status success or
//   partial (what retention counts). Sets are grouped per database (the manifest's connect string).
// - Age: now − the newest good set's `set.createdAt`. A set dated more than 1 h in the future is ignored (clock).
// - Smaller than expected: for each list of schemas still being backed up (its newest good set within max-age), the
//   newest good set's archive bytes are below `minSizeRatio` (50%) of the median of up to `sizeHistory` (7) earlier
//   good sets of the same schemas and database at that destination. With no earlier set there is nothing to compare.
// - Status: `success` when every destination is readable and every database there is fresh and of normal size;
//   `failure` when some database has no destination where it is (or no destination can be read, or none holds a
//   backup); `partial` when each database is fine somewhere but a destination lags, is unreadable or holds a
//   too-small set.





const MONITOR_DEFAULTS = {
    /** The newest good set must hold at least this share of the median size of the earlier ones. */
    minSizeRatio: 0.5,
    /** How many earlier good sets the median is taken over. */
    sizeHistory: 7,
};
const isGood = (set) => set.verified && set.status !== 'failure';
const bytesOf = (set) => set.archives.reduce((n, a) => n + a.expectedBytes, 0);
const newestFirst = (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.manifest < b.manifest ? 1 : -1);
function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
function describeSet(set, now) {
    return {
        id: set.id,
        manifest: set.manifest,
        createdAt: set.createdAt,
        ageMs: now - Date.parse(set.createdAt),
        status: set.status,
        good: isGood(set),
        schemas: set.schemas,
        archiveBytes: bytesOf(set),
    };
}
/** `3h12m ago` */
const ago = (ms) => `${(0,parse/* formatDuration */.a3)(Math.max(0, ms))} ago`;
/** Judges one database's sets at one destination. Pure. */
function evaluateDatabase(database, sets, options) {
    const ratio = options.minSizeRatio ?? MONITOR_DEFAULTS.minSizeRatio;
    const history = options.sizeHistory ?? MONITOR_DEFAULTS.sizeHistory;
    const name = database || 'the database';
    const sorted = [...sets].sort(newestFirst);
    const good = sorted.filter(isGood);
    const result = {
        database,
        ok: false,
        goodSets: good.length,
        sizeChecks: [],
        problems: [],
        warnings: [],
    };
    const newest = sorted[0];
    if (newest && !isGood(newest)) {
        result.newerNotGood = describeSet(newest, options.now);
        const why = newest.status === 'failure' ? 'status failure' : newest.problems.join('; ');
        result.warnings.push(`the newest backup set of ${name}, ${newest.manifest} (${newest.createdAt}), is not good: ${why}`);
    }
    const newestGood = good[0];
    if (!newestGood) {
        result.problems.push(`no good backup of ${name}`);
        return result;
    }
    result.newestGood = describeSet(newestGood, options.now);
    if (result.newestGood.ageMs > options.maxAgeMs)
        result.problems.push(`the newest good backup of ${name} is ${(0,parse/* formatDuration */.a3)(result.newestGood.ageMs)} old ` +
            `(${newestGood.createdAt}, ${newestGood.manifest}), more than max-age ${(0,parse/* formatDuration */.a3)(options.maxAgeMs)}`);
    // Size, per list of schemas still being backed up.
    const groups = new Map();
    for (const set of good) {
        const key = set.schemas.join(',');
        groups.set(key, [...(groups.get(key) ?? []), set]);
    }
    for (const [, group] of [...groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        const [latest, ...earlier] = group;
        if (!latest || options.now - Date.parse(latest.createdAt) > options.maxAgeMs)
            continue;
        const previous = earlier.slice(0, history);
        if (previous.length === 0)
            continue;
        const check = {
            schemas: latest.schemas,
            manifest: latest.manifest,
            bytes: bytesOf(latest),
            medianBytes: median(previous.map(bytesOf)),
            previous: previous.length,
            ok: true,
        };
        check.ok = check.bytes >= ratio * check.medianBytes;
        result.sizeChecks.push(check);
        if (!check.ok)
            result.problems.push(`the newest good backup of ${name} (${latest.schemas.join(', ') || 'no schemas'}; ${latest.manifest}) ` +
                `has ${(0,format/* formatBytes */.z)(check.bytes)}, less than ${Math.round(ratio * 100)}% of the median ` +
                `${(0,format/* formatBytes */.z)(check.medianBytes)} of the ${previous.length} earlier good set(s)`);
    }
    result.ok = result.problems.length === 0;
    return result;
}
/** Judges what was read at every destination. Pure. */
function evaluateMonitor(inventories, options) {
    const now = options.now.getTime();
    const result = {
        mode: 'monitor',
        status: 'failure',
        statusReason: '',
        startedAt: (options.startedAt ?? options.now).toISOString(),
        durationMs: 0,
        maxAgeMs: options.maxAgeMs,
        minSizeRatio: options.minSizeRatio ?? MONITOR_DEFAULTS.minSizeRatio,
        destinations: [],
        problems: [],
        warnings: [],
    };
    for (const inventory of inventories) {
        const destination = {
            label: inventory.label,
            kind: inventory.kind,
            ok: false,
            databases: [],
            problems: [],
            warnings: [],
        };
        result.destinations.push(destination);
        if (inventory.error !== undefined || !inventory.sets) {
            destination.error = inventory.error ?? 'not read';
            destination.problems.push(`cannot be read: ${destination.error}`);
        }
        else {
            for (const u of inventory.unreadable ?? [])
                destination.warnings.push(`manifest ${u.name} could not be read: ${u.error}`);
            const byDatabase = new Map();
            for (const set of inventory.sets) {
                if (Date.parse(set.createdAt) > now + policy/* FUTURE_TOLERANCE_MS */.Pk) {
                    destination.warnings.push(`${set.manifest} is dated in the future (${set.createdAt}); not counted`);
                    continue;
                }
                byDatabase.set(set.database, [...(byDatabase.get(set.database) ?? []), set]);
            }
            if (byDatabase.size === 0)
                destination.problems.push('no backup set of this action found');
            for (const [database, sets] of [...byDatabase].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
                const judged = evaluateDatabase(database, sets, { ...options, now });
                destination.databases.push(judged);
                destination.problems.push(...judged.problems);
                destination.warnings.push(...judged.warnings);
            }
        }
        destination.ok = destination.problems.length === 0;
        result.problems.push(...destination.problems.map((p) => `${destination.label}: ${p}`));
        result.warnings.push(...destination.warnings.map((w) => `${destination.label}: ${w}`));
    }
    // Each database must be fine at one destination at least.
    const databases = new Set(result.destinations.flatMap((d) => d.databases.map((db) => db.database)));
    const uncovered = [...databases].filter((db) => !result.destinations.some((d) => d.databases.some((x) => x.database === db && x.ok)));
    const readable = result.destinations.filter((d) => d.error === undefined);
    if (result.destinations.length === 0) {
        result.statusReason = 'no destination to monitor';
    }
    else if (readable.length === 0) {
        result.statusReason = `no destination could be read: ${result.problems[0]}`;
    }
    else if (databases.size === 0) {
        result.statusReason = 'no backup set of this action at any destination';
    }
    else if (uncovered.length > 0) {
        const first = result.problems.find((p) => uncovered.some((db) => p.includes(db || 'the database')));
        result.statusReason = first ?? `no fresh good backup of ${uncovered.join(', ')}`;
    }
    else if (result.problems.length > 0) {
        result.status = 'partial';
        result.statusReason = `every database has a fresh good backup somewhere, but ${result.problems[0]}`;
    }
    else {
        result.status = 'success';
        const oldest = Math.max(...result.destinations.flatMap((d) => d.databases.map((db) => db.newestGood?.ageMs ?? 0)));
        result.statusReason =
            `every destination holds a good backup of normal size younger than max-age ` +
                `${(0,parse/* formatDuration */.a3)(options.maxAgeMs)} (the oldest of them was made ${ago(oldest)})`;
    }
    return result;
}
/**
 * Reads the manifests at every destination and judges them. Never throws: an unreachable destination is a
 * problem of that destination.
 */
async function runMonitorMode(options) {
    const now = options.now ?? (() => new Date());
    const started = now();
    const inventories = [];
    for (const target of options.places) {
        const label = modePlaceLabel(target);
        options.log?.(`reading the manifests at ${label}`);
        let opened;
        try {
            opened = await openModePlace(target, options);
            const inventory = await (0,sets/* readInventory */.zw)(opened.place);
            inventories.push({ label, kind: target.kind, sets: inventory.sets, unreadable: inventory.unreadable });
            options.log?.(`${label}: ${inventory.sets.length} backup set(s)`);
        }
        catch (error) {
            inventories.push({ label, kind: target.kind, error: error.message });
            options.log?.(`${label}: cannot be read: ${error.message}`);
        }
        finally {
            await opened?.close().catch(() => undefined);
        }
    }
    const result = evaluateMonitor(inventories, {
        now: now(),
        startedAt: started,
        maxAgeMs: options.maxAgeMs,
        minSizeRatio: options.minSizeRatio,
        sizeHistory: options.sizeHistory,
    });
    result.durationMs = now().getTime() - started.getTime();
    return result;
}

// EXTERNAL MODULE: ./src/report/i18n.ts
var i18n = __webpack_require__(31640);
// EXTERNAL MODULE: ./src/report/summary.ts + 1 modules
var summary = __webpack_require__(20963);
;// CONCATENATED MODULE: ./src/modes/summary.ts





const STATUS_ICON = { success: '✅', partial: '⚠️', failure: '❌' };
const BANNER = { success: '#1a7f37', partial: '#9a6700', failure: '#cf222e' };
/** Lines of problems or warnings shown; the rest are counted. */
const MAX_LINES = 100;
/** Control characters are dropped from any shown text (a manifest may hold anything). */
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
const md = (text) => (0,summary/* escapeMarkdown */.FV)(String(text).replace(CONTROL_RE, ''));
function table(header, rows) {
    return [
        `| ${header.join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
}
/** The first MAX_LINES; past them, how many more `what` there are and where: the run log has every one. */
function capped(lines, icon, what) {
    const shown = lines.slice(0, MAX_LINES).map((l) => `- ${icon} ${md(l)}`);
    if (lines.length > MAX_LINES)
        shown.push(`- … and ${lines.length - MAX_LINES} more ${what}, listed in the run log`);
    return shown;
}
/** A point in time as the backup reports show it: `2026-12-08 01:30 UTC`, in the runner's zone with the zone. */
const when = (iso) => (0,i18n/* formatDateTime */.r6)('en', iso, Intl.DateTimeFormat().resolvedOptions().timeZone);
const took = (ms) => (0,parse/* formatElapsed */.C7)(ms);
const title = (r) => `${STATUS_ICON[r.status]} Oracle backup ${r.mode}: ${r.status}`;
/** The job summary of a verify or monitor run, in GitHub Markdown. */
function renderModeSummary(result) {
    const parts = [`## ${title(result)}`, md(result.statusReason)];
    if (result.mode === 'verify') {
        parts.push(`Destination ${md(result.destination)} · checked ${md(when(result.startedAt))} · took ${took(result.durationMs)}`);
        if (result.sets.length > 0) {
            parts.push('### Backup sets verified');
            parts.push(table(['Set', 'Database', 'Created', 'Schemas', 'Archive', 'Size', 'Entries read', 'Result'], result.sets.flatMap((set) => (set.archives.length > 0 ? set.archives : [undefined]).map((a) => [
                md(set.manifest),
                md(set.database || '—'),
                md(when(set.createdAt)),
                md(set.schemas.join(', ') || '—'),
                a ? `${md(a.name)}${a.encrypted ? ' 🔒' : ''}${a.how ? ` (${md(a.how)})` : ''}` : '—',
                a?.bytes !== undefined ? (0,format/* formatBytes */.z)(a.bytes) : '—',
                a ? String(a.entries.length) : '—',
                !a
                    ? `❌ ${md(set.problems[0] ?? 'not checked')}`
                    : a.ok
                        ? '✅ SHA-256, CRC and every dump hash match'
                        : `❌ ${md(a.failedFiles.join(', ') || 'failed')}`,
            ]))));
        }
    }
    else {
        parts.push(`max-age ${(0,parse/* formatDuration */.a3)(result.maxAgeMs)} · smaller than ${Math.round(result.minSizeRatio * 100)}% of the ` +
            `usual size is an alarm · checked ${md(when(result.startedAt))} · took ${took(result.durationMs)}`);
        if (result.destinations.length > 0) {
            parts.push('### Destinations');
            parts.push(table(['Destination', 'Database', 'Newest good backup', 'Age', 'Size', 'Result'], result.destinations.flatMap((d) => d.databases.length === 0
                ? [[md(d.label), '—', '—', '—', '—', `❌ ${md(d.problems[0] ?? d.error ?? 'no backup')}`]]
                : d.databases.map((db) => {
                    const good = db.newestGood;
                    return [
                        md(d.label),
                        md(db.database || '—'),
                        good ? `${md(when(good.createdAt))} (${md(good.manifest)})` : '—',
                        good ? (0,parse/* formatDuration */.a3)(Math.max(0, good.ageMs)) : '—',
                        good ? (0,format/* formatBytes */.z)(good.archiveBytes) : '—',
                        db.ok ? '✅' : `❌ ${md(db.problems[0] ?? 'failed')}`,
                    ];
                }))));
        }
    }
    if (result.problems.length > 0)
        parts.push('### Problems', capped(result.problems, '❌', 'problems').join('\n'));
    if (result.warnings.length > 0)
        parts.push('### Warnings', capped(result.warnings, '⚠️', 'warnings').join('\n'));
    return parts.join('\n\n') + '\n';
}
/** The same facts as plain text, for the run log and the e-mail's text part. */
function renderModeText(result) {
    const clean = (t) => String(t).replace(CONTROL_RE, '');
    const lines = [`Oracle backup ${result.mode}: ${result.status}`, clean(result.statusReason), ''];
    if (result.mode === 'verify') {
        lines.push(`Destination: ${clean(result.destination)}`);
        for (const set of result.sets) {
            lines.push(`Set ${clean(set.manifest)} (${clean(when(set.createdAt))}, ${clean(set.schemas.join(', '))}):`);
            for (const a of set.archives)
                lines.push(`  ${clean(a.name)}: ${a.ok ? 'OK' : `FAILED (${clean(a.failedFiles.join(', '))})`}`);
        }
    }
    else {
        lines.push(`max-age: ${(0,parse/* formatDuration */.a3)(result.maxAgeMs)}`);
        for (const d of result.destinations) {
            lines.push(`${clean(d.label)}: ${d.ok ? 'OK' : 'PROBLEM'}`);
            for (const db of d.databases) {
                const good = db.newestGood;
                lines.push(`  ${clean(db.database || '(no database)')}: ` +
                    (good
                        ? `newest good ${clean(when(good.createdAt))}, ${(0,parse/* formatDuration */.a3)(Math.max(0, good.ageMs))} old, ${(0,format/* formatBytes */.z)(good.archiveBytes)}`
                        : 'no good backup'));
            }
        }
    }
    if (result.problems.length > 0)
        lines.push('', 'Problems:', ...result.problems.map((p) => `- ${clean(p)}`));
    if (result.warnings.length > 0)
        lines.push('', 'Warnings:', ...result.warnings.map((w) => `- ${clean(w)}`));
    return lines.join('\n') + '\n';
}
/** The e-mail of a verify or monitor run, for sendEmail (report/email.ts). */
function buildModeEmail(result, options) {
    const scrub = options.scrub ?? ((t) => t);
    const esc = (t) => (0,email/* escapeHtml */.ZD)(scrub(String(t)));
    const text = scrub(renderModeText(result));
    const reason = result.statusReason.replace(/\s+/g, ' ');
    const subject = scrub(`[${result.status}] Oracle backup ${result.mode}: ${reason.length > 120 ? `${reason.slice(0, 117)}...` : reason}`);
    const list = (items, color) => items.length === 0
        ? ''
        : `<ul style="margin:8px 0;padding-left:20px;color:${color}">${items
            .slice(0, MAX_LINES)
            .map((p) => `<li>${esc(p)}</li>`)
            .join('')}</ul>`;
    const html = [
        '<!DOCTYPE html><html><body style="margin:0;padding:16px;font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328">',
        `<table role="presentation" width="640" cellpadding="12" cellspacing="0" style="border-collapse:collapse">`,
        `<tr><td style="background:${BANNER[result.status]};color:#ffffff;font-size:18px;font-weight:bold">`,
        `${esc(`Oracle backup ${result.mode}: ${result.status}`)}</td></tr>`,
        `<tr><td>${esc(result.statusReason)}</td></tr>`,
        `<tr><td><pre style="font-family:Consolas,Menlo,monospace;font-size:12px;white-space:pre-wrap">${esc(text)}</pre></td></tr>`,
        `<tr><td>${list(result.problems, '#a40e26')}${list(result.warnings, '#7d4e00')}</td></tr>`,
        '</table></body></html>',
    ].join('');
    return {
        subject: subject.replace(/[\r\n]+/g, ' '),
        html,
        text,
        attachments: [{ filename: options.runLogName, content: options.runLogText }],
    };
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: ./src/archive/zip-verify.ts + 20 modules
var zip_verify = __webpack_require__(46992);
// EXTERNAL MODULE: ./src/manifest.ts
var manifest = __webpack_require__(25546);
;// CONCATENATED MODULE: ./src/modes/verify.ts
// `mode: verify`: proves the newest backup at one destination restorable without Oracle. The newest good set (by
// its manifest's set.createdAt; only sets this action wrote, per database) is fetched — read in place in a folder,
// downloaded from SFTP to a private temporary folder — and checked as a restore would read it: the archive's size
// and SHA-256 against the manifest, then every zip entry decrypted and decompressed (CRC-32, AES authentication
// code) with each dump file's SHA-256 compared to the manifest. Every failure names the file.









function readFullManifest(text) {
    const json = JSON.parse(text);
    const archives = (Array.isArray(json.archives) ? json.archives : []).map((a) => ({
        name: String(a.name),
        bytes: Number(a.bytes),
        sha256: typeof a.sha256 === 'string' ? a.sha256.toLowerCase() : '',
        encrypted: a.encrypted === true,
    }));
    const dumpFiles = (Array.isArray(json.schemas) ? json.schemas : []).flatMap((s) => (Array.isArray(s?.dumpFiles) ? s.dumpFiles : []).map((f) => ({
        name: String(f.name),
        bytes: Number(f.bytes),
        sha256: typeof f.sha256 === 'string' ? f.sha256.toLowerCase() : '',
    })));
    const inner = (0,manifest/* manifestJson */.c)({ ...json, archives: [] });
    return { archives, dumpFiles, innerSha256: (0,external_node_crypto_.createHash)('sha256').update(inner).digest('hex') };
}
const verify_isGood = (set) => set.verified && set.status !== 'failure';
const verify_newestFirst = (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.manifest < b.manifest ? 1 : -1);
/** Pulls entry names out of verifyZipArchive's problems (`entry X is corrupt: ...`, `missing entry X`). */
const ENTRY_IN_PROBLEM = /^(?:missing |unexpected )?entry (.+?)(?: (?:is|has|cannot|appears|uses|SHA-256)\b.*)?$/;
function entryKind(name) {
    if (name === 'manifest.json')
        return 'manifest';
    if (name.startsWith('logs/'))
        return 'log';
    if (name.toLowerCase().endsWith('.dmp'))
        return 'dump';
    return 'other';
}
/** Checks one archive that is on this runner (read in place or downloaded). */
async function checkArchive(file, archive, manifest, password) {
    const problems = [];
    const warnings = [];
    const failedFiles = new Set();
    if (archive.encrypted && !password) {
        problems.push(`${archive.name} is encrypted (AES-256) and archive-password is not set: its entries cannot be checked`);
        failedFiles.add(archive.name);
        return { problems, warnings, entries: [], failedFiles: [...failedFiles] };
    }
    const expected = manifest.dumpFiles;
    const result = await (0,zip_verify/* verifyZipArchive */.d5)(file, { password: archive.encrypted ? password : '', expected });
    const expectedNames = new Set(expected.map((e) => e.name));
    for (const problem of result.problems) {
        // The run's logs and manifest.json are in the archive but not in the manifest's dump list: expected extras.
        const extra = /^unexpected entry (.+)$/.exec(problem)?.[1];
        if (extra !== undefined && !expectedNames.has(extra)) {
            if (entryKind(extra) === 'other')
                warnings.push(`${archive.name}: entry ${extra} is not one this action writes`);
            continue;
        }
        const entry = ENTRY_IN_PROBLEM.exec(problem)?.[1];
        failedFiles.add(entry ?? archive.name);
        problems.push(`${archive.name}: ${problem.replace(file, archive.name)}`);
    }
    const entries = result.entries.map((e) => {
        const want = expected.find((x) => x.name === e.name);
        return { ...e, kind: entryKind(e.name), ...(want ? { expectedSha256: want.sha256 } : {}) };
    });
    const inner = entries.find((e) => e.kind === 'manifest');
    if (!inner)
        warnings.push(`${archive.name}: holds no manifest.json`);
    else if (inner.sha256 !== manifest.innerSha256)
        warnings.push(`${archive.name}: the manifest.json inside differs from the manifest beside the archive`);
    return { problems, warnings, entries, failedFiles: [...failedFiles] };
}
/**
 * Verifies the newest good backup set of each database at the destination. Never throws: an unreachable
 * destination is a failure with its reason. Status: `failure` when a set fails, no good set exists or the
 * destination cannot be read; `partial` when the verified sets are fine but something else is wrong there (a newer
 * set that is not good, a manifest that cannot be read); `success` otherwise.
 */
async function runVerifyMode(options) {
    const now = options.now ?? (() => new Date());
    const started = now();
    const log = options.log ?? (() => undefined);
    const destination = modePlaceLabel(options.source);
    const result = {
        mode: 'verify',
        status: 'failure',
        statusReason: '',
        destination,
        startedAt: started.toISOString(),
        durationMs: 0,
        sets: [],
        problems: [],
        warnings: [],
        failedFiles: [],
    };
    const finish = () => {
        result.failedFiles = [...new Set(result.sets.flatMap((s) => s.archives.flatMap((a) => a.failedFiles)))];
        const failed = result.sets.filter((s) => !s.ok);
        if (result.problems.length > 0 || failed.length > 0 || result.sets.length === 0) {
            result.status = 'failure';
            result.statusReason =
                result.sets.length === 0
                    ? (result.problems[0] ?? `no backup set to verify at ${destination}`)
                    : failed.length > 0
                        ? `${failed.length} of ${result.sets.length} backup set(s) failed verification: ` +
                            (result.failedFiles.length > 0 ? result.failedFiles.join(', ') : failed[0].problems[0])
                        : result.problems[0];
        }
        else if (result.warnings.length > 0) {
            result.status = 'partial';
            result.statusReason = `the newest good backup verified, with warnings: ${result.warnings[0]}`;
        }
        else {
            result.status = 'success';
            result.statusReason = `the newest backup at ${destination} is restorable: every hash and zip entry matches`;
        }
        result.durationMs = now().getTime() - started.getTime();
        return result;
    };
    let opened;
    try {
        opened = await openModePlace(options.source, options);
    }
    catch (error) {
        result.problems.push(`cannot read ${destination}: ${error.message}`);
        return finish();
    }
    const tempDir = await (0,promises_.mkdtemp)(external_node_path_default().join(options.tempRoot ?? (0,external_node_os_.tmpdir)(), 'oracle-backup-verify-'));
    try {
        const inventory = await (0,sets/* readInventory */.zw)(opened.place);
        for (const u of inventory.unreadable)
            result.warnings.push(`manifest ${u.name} could not be read: ${u.error}`);
        const limit = started.getTime() + policy/* FUTURE_TOLERANCE_MS */.Pk;
        const byDatabase = new Map();
        for (const set of inventory.sets) {
            if (Date.parse(set.createdAt) > limit) {
                result.warnings.push(`set ${set.manifest} is dated in the future (${set.createdAt}); not verified`);
                continue;
            }
            byDatabase.set(set.database, [...(byDatabase.get(set.database) ?? []), set]);
        }
        if (byDatabase.size === 0) {
            result.problems.push(`no backup set of this action at ${destination}` +
                (inventory.ignored.length > 0
                    ? ` (${inventory.ignored.length} other manifest-like file(s) ignored)`
                    : ''));
            return finish();
        }
        for (const [database, sets] of [...byDatabase].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
            sets.sort(verify_newestFirst);
            const good = sets.find(verify_isGood);
            const newest = sets[0];
            if (!good) {
                result.problems.push(`no good backup set of ${database || 'the database'} at ${destination}: the newest, ${newest.manifest}, ` +
                    (newest.status === 'failure' ? 'has status failure' : newest.problems.join('; ')));
                continue;
            }
            if (good !== newest)
                result.warnings.push(`the newest set, ${newest.manifest} (${newest.createdAt}), is not good ` +
                    `(${newest.status === 'failure' ? 'status failure' : newest.problems.join('; ') || newest.status}); ` +
                    `verified the newest good one, ${good.manifest}`);
            log(`verifying ${good.manifest} (${good.createdAt}) at ${destination}`);
            const verified = await verifySet(opened, good, tempDir, options, log);
            result.sets.push(verified);
            result.problems.push(...verified.problems);
            result.warnings.push(...verified.archives.flatMap((a) => a.warnings));
        }
    }
    catch (error) {
        result.problems.push(`cannot read ${destination}: ${error.message}`);
    }
    finally {
        await opened.close().catch(() => undefined);
        await (0,promises_.rm)(tempDir, { recursive: true, force: true }).catch(() => undefined);
    }
    return finish();
}
async function verifySet(opened, set, tempDir, options, log) {
    const verified = {
        id: set.id,
        manifest: set.manifest,
        createdAt: set.createdAt,
        database: set.database,
        status: set.status,
        schemas: set.schemas,
        ok: false,
        archives: [],
        problems: [],
    };
    let manifest;
    try {
        manifest = readFullManifest(await opened.place.readText(set.manifest, sets/* MAX_MANIFEST_BYTES */.ZJ));
    }
    catch (error) {
        verified.problems.push(`${set.manifest}: cannot be read again: ${error.message}`);
        return verified;
    }
    for (const archive of manifest.archives) {
        const checked = {
            name: archive.name,
            expectedBytes: archive.bytes,
            expectedSha256: archive.sha256,
            encrypted: archive.encrypted,
            durationMs: 0,
            ok: false,
            problems: [],
            warnings: [],
            entries: [],
            failedFiles: [],
        };
        verified.archives.push(checked);
        const started = Date.now();
        try {
            const copy = await opened.fetch(archive.name, tempDir);
            Object.assign(checked, { bytes: copy.bytes, sha256: copy.sha256, how: copy.how });
            log(`${archive.name}: ${copy.how}, ${copy.bytes} bytes, SHA-256 ${copy.sha256}`);
            if (copy.bytes !== archive.bytes) {
                checked.problems.push(`${archive.name} has ${copy.bytes} bytes; its manifest records ${archive.bytes} (truncated or replaced)`);
                checked.failedFiles.push(archive.name);
            }
            else if (!archive.sha256) {
                checked.problems.push(`${archive.name}: its manifest records no SHA-256`);
                checked.failedFiles.push(archive.name);
            }
            else if (copy.sha256 !== archive.sha256) {
                checked.problems.push(`${archive.name} is altered: SHA-256 ${copy.sha256}, its manifest records ${archive.sha256}`);
                checked.failedFiles.push(archive.name);
            }
            // Read every entry even when the archive's hash already failed: it tells which file is damaged.
            const inner = await checkArchive(copy.path, archive, manifest, options.archivePassword);
            checked.problems.push(...inner.problems);
            checked.warnings.push(...inner.warnings);
            checked.entries = inner.entries;
            for (const name of inner.failedFiles)
                if (!checked.failedFiles.includes(name))
                    checked.failedFiles.push(name);
            if (copy.how === 'downloaded')
                await (0,promises_.rm)(copy.path, { force: true }).catch(() => undefined);
        }
        catch (error) {
            checked.problems.push(`${archive.name} cannot be read: ${error.message}`);
            checked.failedFiles.push(archive.name);
        }
        checked.durationMs = Date.now() - started;
        checked.ok = checked.problems.length === 0;
        for (const line of checked.problems)
            log(`FAILED ${line}`);
    }
    verified.problems.push(...verified.archives.flatMap((a) => a.problems));
    verified.ok = verified.problems.length === 0 && verified.archives.length > 0;
    return verified;
}

;// CONCATENATED MODULE: ./src/modes/run-mode.ts
// `mode: verify` and `mode: monitor` as steps: read the backups at the destinations (no database, no export),
// then report like a backup run does — run log, report JSON, summary, outputs, e-mail — and fail per fail-on.











async function runModeStep(settings, secrets, warnings, started, runId) {
    const clock = () => new Date();
    const log = new run_log/* RunLog */.s(secrets, clock, (level, message) => {
        if (level === 'DEBUG')
            core/* debug */.Yz(message);
        else if (level === 'ERROR')
            core/* error */.z3(message);
        else if (level === 'WARN')
            core/* warning */.$e(message);
        else
            core/* info */.pq(message);
    });
    for (const warning of warnings)
        log.warn(warning);
    const info = (line) => log.info(line);
    const places = [
        ...settings.copyTo.map((folder) => ({ kind: 'folder', folder })),
        ...(settings.sftp ? [{ kind: 'sftp', settings: settings.sftp }] : []),
    ];
    let result;
    if (settings.mode === 'verify') {
        const from = settings.modes.verifyFrom;
        const source = from?.kind === 'folder' || !settings.sftp
            ? { kind: 'folder', folder: from?.kind === 'folder' ? from.folder : settings.copyTo[0] }
            : { kind: 'sftp', settings: settings.sftp };
        result = await runVerifyMode({
            source,
            archivePassword: settings.archivePassword,
            tempRoot: process.env.RUNNER_TEMP || undefined,
            log: info,
        });
    }
    else {
        result = await runMonitorMode({ places, maxAgeMs: settings.modes.maxAgeMs, log: info });
    }
    log.info(renderModeText(result));
    const stem = (0,run_files/* runFileStem */.ZY)(`oracle-backup-${settings.mode}`, (0,names/* makeNameTokens */.c0)(started, runId), (0,run_files/* runFileTag */.u8)(process.env, process.pid, (0,external_node_crypto_.randomBytes)(3).toString('hex')));
    // Provisional names for the e-mail, which names the run log; the files claim theirs when they are written.
    const provisional = await (0,run_files/* freeRunFilePaths */.kW)(settings.logDir, stem);
    if (settings.smtp && (0,email/* shouldSend */.kD)(settings.smtp.emailOn, result.status)) {
        const sent = await (0,email/* sendEmail */.ZM)(settings.smtp, buildModeEmail(result, {
            runLogText: log.text(),
            runLogName: external_node_path_default().basename(provisional.log),
            scrub: (text) => log.scrub(text),
        }));
        if (sent.ok)
            log.info(`e-mail report sent to ${settings.smtp.to.join(', ')}`);
        else
            log.error(`e-mail report not sent: ${sent.error}`);
    }
    // The result was read at the destinations: a log-dir that cannot take the files is a warning, not a failure.
    const written = await (0,run_files/* writeRunFiles */.ak)(settings.logDir, stem, {
        report: () => log.scrub(JSON.stringify(result, null, 2)) + '\n',
        log: () => log.text(),
        onProblem: (what, where, error) => log.warn(`log-dir: ${what} could not be written (${where}): ${error.message}`),
    });
    core/* setOutput */.uH('status', result.status);
    core/* setOutput */.uH('report', written.report ?? '');
    core/* setOutput */.uH('log', written.log ?? '');
    core/* setOutput */.uH('duration-seconds', String(Math.round((clock().getTime() - started.getTime()) / 1000)));
    for (const name of ['archives', 'archive-sha256', 'manifest', 'scn'])
        core/* setOutput */.uH(name, '');
    core/* setOutput */.uH('bytes-exported', '0');
    core/* setOutput */.uH('bytes-archived', '0');
    if (process.env.GITHUB_STEP_SUMMARY)
        await core/* summary */.z.addRaw(log.scrub(renderModeSummary(result)), true).write();
    const message = `Oracle backup ${settings.mode} ${result.status}: ${result.statusReason}`;
    if ((0,src_status/* stepFails */.ug)(result.status, settings.failOn))
        core/* setFailed */.C1(message);
    else
        core/* info */.pq(message);
}


/***/ })

};
