export const id = 954;
export const ids = [954];
export const modules = {

/***/ 80954:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   actionsArtifactUploader: () => (/* binding */ actionsArtifactUploader),
/* harmony export */   uploadRunArtifact: () => (/* binding */ uploadRunArtifact)
/* harmony export */ });
/* unused harmony exports artifactAvailable, artifactName, artifactFiles */
/* harmony import */ var _actions_artifact__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(40119);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(51455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(48161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
// The workflow artifact of a run (`upload-artifact`): the run log, the report JSON and the manifests — with `all`,
// the verified archives too. Uploaded through `ArtifactUploader` (the Actions implementation wraps
// @actions/artifact's DefaultArtifactClient). Outside Actions, without the runtime variables, it is skipped with
// a notice; a failed upload is a warning. Neither changes the run's status: the backup is at its destinations.
//
// Layout of the artifact (`oracle-backup-<run id>-<attempt>[-<database>]`):
//   <run log>.log, <run log>.report.json, manifests/<archive>.zip.manifest.json, archives/<archive>.zip (all only)
// The files are linked (not copied) into a staging folder, so that an archive of many GiB costs no disk space.




const actionsArtifactUploader = {
    async upload(name, files, rootDirectory) {
        const result = await new _actions_artifact__WEBPACK_IMPORTED_MODULE_0__/* .DefaultArtifactClient */ .t9().uploadArtifact(name, files, rootDirectory);
        return { id: result.id, size: result.size };
    },
};
/** Whether the runner gave this step what the artifact service needs. */
function artifactAvailable(env = process.env) {
    return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}
/**
 * `oracle-backup-<run id>-<attempt>`, with the database name when given (two jobs of one run backing up two
 * databases must not collide). Only characters every artifact name and file system accepts.
 */
function artifactName(runId, attempt = '1', database) {
    const clean = (text) => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
    const parts = ['oracle-backup', clean(runId) || 'local', clean(attempt) || '1'];
    const db = database ? clean(database).slice(0, 60) : '';
    if (db)
        parts.push(db);
    return parts.join('-');
}
/** The files `mode` puts in the artifact, as the report names them (whether they exist is checked later). */
function artifactFiles(report, mode) {
    if (mode === 'none')
        return [];
    const files = [];
    if (report.logPath)
        files.push({ source: report.logPath, name: node_path__WEBPACK_IMPORTED_MODULE_3___default().basename(report.logPath) });
    if (report.reportPath)
        files.push({ source: report.reportPath, name: node_path__WEBPACK_IMPORTED_MODULE_3___default().basename(report.reportPath) });
    // Only a verified archive has a manifest written beside it; it is the one worth having.
    const good = report.archives.filter((a) => a.verified);
    for (const a of good)
        files.push({ source: a.manifestPath, name: `manifests/${node_path__WEBPACK_IMPORTED_MODULE_3___default().basename(a.manifestPath)}` });
    if (mode === 'all')
        for (const a of good)
            files.push({ source: a.path, name: `archives/${node_path__WEBPACK_IMPORTED_MODULE_3___default().basename(a.path)}` });
    return files;
}
/** A name for `source` at `target` without copying: a symbolic link, else a hard link, else (last) a copy. */
async function place(source, target) {
    await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdir)(node_path__WEBPACK_IMPORTED_MODULE_3___default().dirname(target), { recursive: true });
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.symlink)(node_path__WEBPACK_IMPORTED_MODULE_3___default().resolve(source), target, 'file');
    }
    catch {
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.link)(source, target);
        }
        catch {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.copyFile)(source, target);
        }
    }
}
/** Uploads the run's artifact. Never throws. */
async function uploadRunArtifact(report, options) {
    const name = artifactName(options.runId, options.attempt, options.database);
    const outcome = {
        uploaded: false,
        name,
        files: [],
        missing: [],
        info: [],
        notices: [],
        warnings: [],
    };
    if (options.mode === 'none') {
        outcome.info.push('workflow artifact: not uploaded (upload-artifact is none)');
        return outcome;
    }
    if (!artifactAvailable(options.env ?? process.env)) {
        outcome.notices.push('workflow artifact: skipped, this is not a GitHub Actions job (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL ' +
            'are not set); the run log and report are in log-dir');
        return outcome;
    }
    const wanted = artifactFiles(report, options.mode);
    const present = [];
    for (const file of wanted) {
        const info = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.stat)(file.source).catch(() => undefined);
        if (info?.isFile())
            present.push(file);
        else
            outcome.missing.push(file.source);
    }
    if (outcome.missing.length > 0)
        outcome.warnings.push(`workflow artifact: left out, not found: ${outcome.missing.join(', ')}`);
    if (present.length === 0) {
        outcome.warnings.push('workflow artifact: not uploaded, none of its files exists');
        return outcome;
    }
    let stage;
    try {
        stage = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.mkdtemp)(node_path__WEBPACK_IMPORTED_MODULE_3___default().join(options.tempRoot || (0,node_os__WEBPACK_IMPORTED_MODULE_2__.tmpdir)(), 'oracle-backup-artifact-'));
        const staged = [];
        for (const file of present) {
            const target = node_path__WEBPACK_IMPORTED_MODULE_3___default().join(stage, ...file.name.split('/'));
            await place(file.source, target);
            staged.push(target);
        }
        const result = await options.uploader.upload(name, staged, stage);
        outcome.uploaded = true;
        outcome.files = present.map((f) => f.name);
        outcome.id = result.id;
        outcome.bytes = result.size;
        const archives = present.filter((f) => f.name.startsWith('archives/')).length;
        outcome.info.push(`workflow artifact: ${name} uploaded (${present.length} file(s)` +
            (archives ? `, ${archives} archive(s): readable by anyone with read access to the repository` : '') +
            ')');
    }
    catch (error) {
        const e = error;
        if (e?.name === 'GHESNotSupportedError')
            outcome.notices.push(`workflow artifact: skipped, ${e.message}`);
        else
            outcome.warnings.push(`workflow artifact: ${name} not uploaded: ${e?.message ?? String(error)}; the backup is not affected ` +
                '(the run log and report are in log-dir)');
    }
    finally {
        if (stage)
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.rm)(stage, { recursive: true, force: true }).catch(() => undefined);
    }
    return outcome;
}


/***/ })

};
