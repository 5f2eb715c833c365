export const id = 970;
export const ids = [970];
export const modules = {

/***/ 82970:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   clientLibDir: () => (/* binding */ clientLibDir),
/* harmony export */   thinDriver: () => (/* binding */ thinDriver)
/* harmony export */ });
/* harmony import */ var oracledb__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(56364);
/* harmony import */ var oracledb__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(oracledb__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _database_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(77172);
// node-oracledb as the SqlDriver: Thin mode (pure JavaScript, no Oracle client) by default. When the database
// needs what only Thick mode has (old password verifiers, databases before 12.1, native network encryption) and
// oracle-home is known, that home's client libraries are loaded; otherwise the error says what to do.



/** Seconds to reach the listener: a wrong host must fail the pre-flight, not hang it. */
const CONNECT_TIMEOUT_S = 15;
/** Milliseconds per round trip (STOP_JOB included). */
const CALL_TIMEOUT_MS = 120_000;
/** Thin-mode errors that Thick mode solves. */
const THICK_ONLY = new Set(['NJS-116', 'NJS-138', 'NJS-533']);
let thickEnabled = false;
/** The client library folder of an Oracle home (bin on Windows, lib elsewhere). */
function clientLibDir(oracleHome, platform = process.platform) {
    return platform === 'win32' ? node_path__WEBPACK_IMPORTED_MODULE_1___default().win32.join(oracleHome, 'bin') : node_path__WEBPACK_IMPORTED_MODULE_1___default().join(oracleHome, 'lib');
}
function explainThick(code, cause, oracleHome, thickError) {
    const why = code === 'NJS-116'
        ? 'the login uses an old password verifier'
        : code === 'NJS-138'
            ? 'the database is older than 12.1'
            : 'the database requires native network encryption';
    const base = `${cause} — ${why}, which node-oracledb supports only in Thick mode`;
    if (!oracleHome)
        return `${base}; set oracle-home to an Oracle home (or Instant Client) whose client libraries can be loaded, or set oracle-queries: false`;
    return (`${base}; Thick mode with ${clientLibDir(oracleHome)} failed too (${thickError}); on Linux start the step with ` +
        `LD_LIBRARY_PATH=${clientLibDir(oracleHome)}, or set oracle-queries: false`);
}
function thinDriver(options) {
    const connectOnce = async (user, password, connectString) => {
        const conn = await oracledb__WEBPACK_IMPORTED_MODULE_0___default().getConnection({
            user,
            password,
            connectString,
            connectTimeout: CONNECT_TIMEOUT_S,
            transportConnectTimeout: CONNECT_TIMEOUT_S,
        });
        conn.callTimeout = CALL_TIMEOUT_MS;
        return conn;
    };
    return {
        async connect(credential, connectString) {
            let conn;
            try {
                conn = await connectOnce(credential.username, credential.password, connectString);
            }
            catch (error) {
                const code = (0,_database_js__WEBPACK_IMPORTED_MODULE_2__/* .errorCode */ .CA)(error);
                if (!code || !THICK_ONLY.has(code) || thickEnabled)
                    throw error;
                const cause = error.message.split('\n')[0] ?? code;
                if (!options.oracleHome)
                    throw new _database_js__WEBPACK_IMPORTED_MODULE_2__/* .DatabaseError */ .a$(explainThick(code, cause, ''), code);
                try {
                    oracledb__WEBPACK_IMPORTED_MODULE_0___default().initOracleClient({ libDir: clientLibDir(options.oracleHome) });
                    thickEnabled = true;
                    options.log?.(`node-oracledb Thick mode with the client libraries of ${options.oracleHome} (${code})`);
                }
                catch (thickError) {
                    const detail = thickError.message.split('\n')[0];
                    throw new _database_js__WEBPACK_IMPORTED_MODULE_2__/* .DatabaseError */ .a$(explainThick(code, cause, options.oracleHome, detail), code);
                }
                conn = await connectOnce(credential.username, credential.password, connectString);
            }
            return {
                serverVersion: conn.oracleServerVersionString,
                async execute(sql, binds) {
                    const result = await conn.execute(sql, binds, {
                        outFormat: (oracledb__WEBPACK_IMPORTED_MODULE_0___default().OUT_FORMAT_OBJECT),
                    });
                    return result.rows ?? [];
                },
                close: () => conn.close(),
            };
        },
    };
}


/***/ })

};
