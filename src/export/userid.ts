// The USERID line of every parameter file this action writes: expdp exports, legacy exp, impdp SQLFILE checks and
// `expdp ATTACH=` stops. One function, so that a password can only ever be written one way.

export interface Login {
  username: string;
  password: string;
  connectString: string;
}

const MASK = '********';

/**
 * The password in double quotes, always: legacy exp reads an unquoted `#` as the start of a comment, and `@`, `/`
 * or spaces would split the value; inside quotes every client takes the characters as they are. A double quote
 * cannot be escaped inside them, so such a password is refused (settings refuse it first).
 */
function quotedPassword(password: string): string {
  if (password.includes('"'))
    throw new Error(
      'a password containing a double quote cannot be passed to expdp, exp or impdp: USERID has no way to escape it',
    );
  return `"${password}"`;
}

/** `USERID=user/"password"@connect`, or `USERID=user/********@connect` for what is shown or logged. */
export function useridLine(login: Login, options: { mask: boolean }): string {
  const password = quotedPassword(login.password);
  return `USERID=${login.username}/${options.mask ? MASK : password}@${login.connectString}`;
}
