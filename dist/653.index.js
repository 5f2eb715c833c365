export const id = 653;
export const ids = [653];
export const modules = {

/***/ 95653:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   actionsHistoryCache: () => (/* binding */ actionsHistoryCache),
/* harmony export */   loadHistory: () => (/* binding */ loadHistory),
/* harmony export */   storeHistory: () => (/* binding */ storeHistory)
/* harmony export */ });
/* unused harmony exports historyCacheAvailable, historyCacheKeyPrefix, historyCacheKey */
/* harmony import */ var _actions_cache__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(50612);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(77598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _history_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(34518);
// Carries the run history (history.ts) across ephemeral runners with the Actions cache: restored by key prefix
// before the run (the newest cache of this database and work-dir wins), saved under a new key after it (a cache
// entry can never be overwritten, so every run adds one; GitHub evicts the old ones). On a self-hosted runner the
// file simply stays in work-dir, and the cache only adds a copy.
//
// Caching is a convenience: outside Actions (no cache service variables) it is skipped with a notice, and any
// cache failure is a warning at most. Nothing here changes a run's status. The manifests at the destinations
// remain the source of truth about the backups; the history only feeds the trend chart and the size alert.




/** Whether the runner gives this step the cache service (the same variables @actions/cache reads). */
function historyCacheAvailable(env = process.env) {
    const url = env.ACTIONS_CACHE_SERVICE_V2 ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL;
    return Boolean(url && env.ACTIONS_RUNTIME_TOKEN);
}
/** `oracle-backup-history-<hash of connect string + work-dir>-`: one history per database and work-dir. */
function historyCacheKeyPrefix(connectString, workDir) {
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_1__.createHash)('sha256')
        .update(`${connectString.trim()}\n${node_path__WEBPACK_IMPORTED_MODULE_2___default().resolve(workDir)}`)
        .digest('hex')
        .slice(0, 16);
    return `oracle-backup-history-${hash}-`;
}
/** A key no earlier run used: run id and attempt, and the time (the action may run twice in one job). */
function historyCacheKey(prefix, runId, attempt, now) {
    const clean = (text) => text.replace(/[^A-Za-z0-9._-]/g, '') || '0';
    return `${prefix}${clean(runId)}-${clean(attempt)}-${now.getTime().toString(36)}`;
}
/** @actions/cache. Its restore and save warn and return on most failures themselves; the rest throw. */
const actionsHistoryCache = {
    async restore(file, keyPrefix) {
        const key = await _actions_cache__WEBPACK_IMPORTED_MODULE_0__/* .restoreCache */ .P3([file], keyPrefix, [keyPrefix]);
        return key !== undefined;
    },
    async save(file, key) {
        const id = await _actions_cache__WEBPACK_IMPORTED_MODULE_0__/* .saveCache */ .Io([file], key);
        if (id === -1)
            throw new Error('the cache service did not store it (see the warning above)');
    },
};
/**
 * Before the run: the history in work-dir, merged with the newest one in the cache. Restoring overwrites the
 * file, so the local runs are read first and written back merged (a self-hosted runner may hold runs the cache
 * lacks). Never throws.
 */
async function loadHistory(options) {
    // Restoring overwrites the file and the merge writes it back: another run's update in between would be lost.
    return (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .withHistoryLock */ ._e)((0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .historyPath */ .ae)(options.workDir), () => loadHistoryLocked(options));
}
async function loadHistoryLocked(options) {
    const file = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .historyPath */ .ae)(options.workDir);
    const info = [];
    const notices = [];
    const warnings = [];
    const local = await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .readHistoryFile */ .tG)(file);
    if (local.problem)
        warnings.push(`run history: ${local.problem}; starting from what could be read`);
    let runs = local.runs;
    let restored = false;
    if (!historyCacheAvailable(options.env)) {
        notices.push('run history: the Actions cache is not available here (no cache service variables), so only the history ' +
            `in ${file} is used`);
    }
    else {
        const prefix = historyCacheKeyPrefix(options.connectString, options.workDir);
        try {
            restored = await options.cache.restore(file, prefix);
        }
        catch (error) {
            warnings.push(`run history: not restored from the Actions cache: ${error.message}`);
        }
        if (restored) {
            const cached = await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .readHistoryFile */ .tG)(file);
            if (cached.problem)
                warnings.push(`run history from the cache: ${cached.problem}`);
            runs = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .mergeRuns */ .rV)(local.runs, cached.runs);
            if (runs.length !== cached.runs.length || runs.some((r, i) => r.id !== cached.runs[i]?.id)) {
                try {
                    await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .writeHistoryFile */ .U4)(file, runs);
                }
                catch (error) {
                    warnings.push(`run history: cannot write ${file}: ${error.message}`);
                }
            }
            info.push(`run history: restored from the Actions cache (${runs.length} run(s))`);
        }
        else if (warnings.length === 0) {
            info.push('run history: none in the Actions cache yet; it starts with this run');
        }
    }
    return { runs: (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .runsOf */ .ky)(runs, options.connectString), restored, info, notices, warnings };
}
/**
 * After the run (and after the summary): adds the run to the file in work-dir and saves the file to the cache
 * under a new key. A dry run is not recorded. Never throws.
 */
async function storeHistory(options) {
    const file = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .historyPath */ .ae)(options.workDir);
    const result = { runs: [], written: false, saved: false, info: [], warnings: [] };
    if (options.report.dryRun) {
        result.runs = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .runsOf */ .ky)((await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .readHistoryFile */ .tG)(file)).runs, options.connectString);
        result.info.push('run history: a dry run is not recorded');
        return result;
    }
    // Read, add and write as one step, so a run ending at the same moment (one refused by the work-dir lock while
    // the other finishes) adds its run to this file and does not write over it.
    await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .withHistoryLock */ ._e)(file, async () => {
        const all = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .addRun */ .Z)((await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .readHistoryFile */ .tG)(file)).runs, options.report, {
            runId: options.runId,
            attempt: options.attempt || '1',
        });
        result.runs = (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .runsOf */ .ky)(all, options.connectString);
        try {
            await (0,_history_js__WEBPACK_IMPORTED_MODULE_3__/* .writeHistoryFile */ .U4)(file, all);
            result.written = true;
        }
        catch (error) {
            result.warnings.push(`run history: cannot write ${file}: ${error.message}`);
        }
    });
    if (!result.written)
        return result;
    if (!historyCacheAvailable(options.env)) {
        result.info.push(`run history: kept in ${file}; the Actions cache is not available here`);
        return result;
    }
    const key = historyCacheKey(historyCacheKeyPrefix(options.connectString, options.workDir), options.runId, options.attempt || '1', options.now ?? new Date());
    try {
        await options.cache.save(file, key);
        result.saved = true;
        result.info.push(`run history: saved to the Actions cache as ${key}`);
    }
    catch (error) {
        result.warnings.push(`run history: not saved to the Actions cache (${error.message}); the next run on another runner ` +
            'starts with an older history. The backup is not affected.');
    }
    return result;
}


/***/ })

};
