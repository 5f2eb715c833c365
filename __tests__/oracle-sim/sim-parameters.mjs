// How the simulated Data Pump clients (expdp-sim.mjs, impdp-sim.mjs) read their parameters, as the real ones do:
// command-line `KEY=VALUE` arguments and a parfile (several parameters per line, `\` continuations, quotes).
// Each client passes the parameters it knows and which of them may repeat. Also what every client shares: USERID
// parsing, parfile masking for the call record, and reading answers to its prompts from stdin.
import fs from 'node:fs';
import path from 'node:path';

/** The LRM-/UDE- messages of parameter problems (the same for every Data Pump client). */
export const PARAMETER_MESSAGES = {
  unknownParameter: (name) => `LRM-00101: unknown parameter name '${name}'`,
  cannotOpenParfile: (file) => `LRM-00109: could not open parameter file '${file}'`,
  noClosingQuote: (value) => `LRM-00111: no closing quote for value '${value}'`,
  parfileError: (file) => `LRM-00113: error when processing file '${file}'`,
  invalidValue: (name) => `UDE-00014: invalid value for parameter, '${name.toLowerCase()}'.`,
};
const MSG = PARAMETER_MESSAGES;
/** How the clients print a password they echo. */
const MASK = '********';

/** A parameter problem found while reading arguments: the message lines, printed after the banner. */
export class ParameterError extends Error {
  constructor(lines) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

/**
 * Splits one parfile line into `KEY=VALUE` tokens on the whitespace outside quotes and parentheses, as the real
 * client does (Oracle's own example parfile puts several parameters on one line). `KEY = VALUE` is joined back, and
 * a token ending with a comma continues onto the next one (`SCHEMAS=HR, OE`).
 */
function tokenizeLine(line, parfile) {
  const tokens = [];
  let current = '';
  let quote = null;
  let depth = 0;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (/\s/.test(ch) && depth === 0) {
      if (current) tokens.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  if (quote) throw new ParameterError([MSG.noClosingQuote(current), MSG.parfileError(parfile)]);
  if (current) tokens.push(current);
  // Re-join `KEY = VALUE`, `KEY= VALUE`, `KEY =VALUE` and list continuations (`HR, OE`).
  const joined = [];
  for (const token of tokens) {
    const last = joined[joined.length - 1];
    if (last !== undefined && (token.startsWith('=') || last.endsWith('=') || last.endsWith(','))) {
      joined[joined.length - 1] = last + token;
    } else joined.push(token);
  }
  return joined;
}

/** Reads a parfile into tokens: `\` continues a line, `#` lines and blank lines are ignored, CRLF accepted. */
function readParfile(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ParameterError([MSG.cannotOpenParfile(file)]);
  }
  const logical = [];
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1);
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending) logical.push(pending);
  const tokens = [];
  for (const line of logical) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    tokens.push(...tokenizeLine(trimmed, file));
  }
  return tokens;
}

/**
 * Reads argv (and the parfile it names) into `{ params, startingArgs, parfile }`. `params` maps upper-case keys to
 * raw values (quotes kept; repeatable keys map to arrays). The first command-line argument may be a bare
 * `user/password@connect`, as with the real client. `startingArgs` is what the `Starting` line echoes.
 */
export function readParameters(argv, { known: KNOWN_PARAMETERS, repeatable: REPEATABLE_PARAMETERS }) {
  const params = {};
  const echoed = [];
  let parfile = null;
  const add = (token, fromCommandLine, index) => {
    const eq = token.indexOf('=');
    if (eq < 0) {
      if (fromCommandLine && index === 0) {
        params.USERID = token;
        return;
      }
      throw new ParameterError([MSG.unknownParameter(token)]);
    }
    const keyText = token.slice(0, eq).trim();
    const key = keyText.toUpperCase();
    const value = token.slice(eq + 1).trim();
    if (key === 'PARFILE' && fromCommandLine) {
      parfile = path.resolve(value.replace(/^"(.*)"$/, '$1'));
      echoed.push(token);
      for (const inner of readParfile(parfile)) add(inner, false, -1);
      return;
    }
    if (!KNOWN_PARAMETERS.has(key)) throw new ParameterError([MSG.unknownParameter(keyText)]);
    if (value === '') throw new ParameterError([MSG.invalidValue(key)]);
    if (REPEATABLE_PARAMETERS.has(key)) (params[key] ??= []).push(value);
    else params[key] = value;
    if (fromCommandLine && key !== 'USERID') echoed.push(token);
  };
  argv.forEach((arg, index) => add(arg, true, index));
  return { params, echoed, parfile };
}

/** Oracle name rules: `"Quoted"` keeps its case (quotes removed), anything else is upper-cased. */
export function oracleName(value) {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v.toUpperCase();
}

/**
 * Parses `user/password@connect` (also `"user/password@connect"`, `user/"p@ss"@connect`, `user@connect`, `user`,
 * `... AS SYSDBA`). `password` is undefined when none was given (the client then prompts for it).
 */
export function parseUserid(text) {
  let value = text.trim();
  let wrapped = false;
  if (
    value.length >= 2 &&
    value.startsWith('"') &&
    value.endsWith('"') &&
    !value.slice(1, -1).includes('"')
  ) {
    value = value.slice(1, -1);
    wrapped = true;
  }
  let role = '';
  const roleMatch = /\s+AS\s+\w+$/i.exec(value);
  if (roleMatch) {
    role = roleMatch[0];
    value = value.slice(0, roleMatch.index);
  }
  // Split on the first unquoted `/` and `@`.
  let user = '';
  let password;
  let connect;
  let part = 'user';
  let quote = false;
  let buffer = '';
  const flush = () => {
    if (part === 'user') user = buffer;
    else if (part === 'password') password = buffer;
    else connect = buffer;
    buffer = '';
  };
  for (const ch of value) {
    if (ch === '"') quote = !quote;
    if (!quote && ch === '/' && part === 'user') {
      flush();
      part = 'password';
      continue;
    }
    if (!quote && ch === '@' && part !== 'connect') {
      flush();
      part = 'connect';
      continue;
    }
    buffer += ch;
  }
  flush();
  const passwordRaw = password;
  if (password !== undefined && password.length >= 2 && password.startsWith('"') && password.endsWith('"')) {
    password = password.slice(1, -1);
  }
  const masked = `${user}/${MASK}${connect !== undefined ? `@${connect}` : ''}${role}`;
  return {
    userText: user,
    user: user ? oracleName(user) : '',
    password,
    passwordRaw,
    connect,
    display: wrapped ? `"${masked}"` : masked,
  };
}

/**
 * The parfile text with the USERID password replaced by ********, for the call record. Double quotes around the
 * password are kept, so a test can see how the password was written without seeing it.
 */
export function maskParfile(text) {
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*userid\s*=\s*)(.*)$/i.exec(line);
      if (!m) return line;
      const cred = parseUserid(m[2]);
      if (cred.passwordRaw === undefined || cred.passwordRaw === '') return line;
      const at = m[2].indexOf(`/${cred.passwordRaw}`);
      if (at < 0) return `${m[1]}${MASK}`;
      const quoted = cred.passwordRaw !== cred.password;
      const masked = quoted ? `"${MASK}"` : MASK;
      return m[1] + m[2].slice(0, at + 1) + masked + m[2].slice(at + 1 + cred.passwordRaw.length);
    })
    .join('\n');
}

/** Reads stdin line by line on demand; `next()` resolves to null at end of input (stdin closed or /dev/null). */
export class LineReader {
  constructor(stream) {
    this.stream = stream;
    this.buffer = '';
    this.lines = [];
    this.waiting = [];
    this.ended = false;
    this.started = false;
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.stream.setEncoding('utf8');
    this.stream.on('data', (chunk) => {
      this.buffer += chunk;
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      this.flush();
    });
    const end = () => {
      if (this.buffer) this.lines.push(this.buffer);
      this.buffer = '';
      this.ended = true;
      this.flush();
    };
    this.stream.on('end', end);
    this.stream.on('error', end);
  }

  flush() {
    while (this.waiting.length > 0 && (this.lines.length > 0 || this.ended)) {
      this.waiting.shift()(this.lines.length > 0 ? this.lines.shift() : null);
    }
  }

  next() {
    this.start();
    this.stream.resume();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.flush();
    });
  }

  /** Stops reading so an open stdin no longer keeps the process alive. */
  stop() {
    if (this.started) this.stream.pause();
  }
}
