// The mode inputs: mode, verify-dump, max-age, verify-from, in the house style of the other settings.
import { describe, expect, it } from 'vitest';
import { Collector } from '../src/settings/collector.js';
import {
  MODE_DEFAULTS,
  parseMode,
  parseModeSettings,
  type ModeDestinations,
} from '../src/settings/mode-settings.js';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseModeRunSettings, parseSettings } from '../src/settings/settings.js';

const none: ModeDestinations = { copyTo: [], sftp: false };
const both: ModeDestinations = { copyTo: ['/mnt/nas/oracle', '/mnt/usb'], sftp: true };

function parse(inputs: Record<string, string>, destinations: ModeDestinations = both) {
  const c = new Collector();
  const settings = parseModeSettings((name) => inputs[name] ?? '', c, destinations);
  return { settings, errors: c.errors, warnings: c.warnings };
}

describe('parseModeSettings', () => {
  it('defaults: backup, header, 26h', () => {
    expect(parse({}, none)).toEqual({
      settings: { mode: 'backup', verifyDump: 'header', maxAgeMs: 26 * 3600_000 },
      errors: [],
      warnings: [],
    });
    expect(MODE_DEFAULTS).toEqual({
      mode: 'backup',
      'verify-dump': 'header',
      'max-age': '26h',
      'verify-from': '',
    });
  });

  it('reads every value, case-insensitively', () => {
    expect(parse({ mode: 'Monitor', 'max-age': '1h30m' }).settings).toEqual({
      mode: 'monitor',
      verifyDump: 'header',
      maxAgeMs: 90 * 60_000,
    });
    expect(parse({ 'verify-dump': 'SQLFILE' }).settings.verifyDump).toBe('sqlfile');
    expect(parse({ 'verify-dump': 'none' }).settings.verifyDump).toBe('none');
  });

  it('refuses bad values in the house style', () => {
    const { errors } = parse({ mode: 'restore', 'verify-dump': 'full', 'max-age': '2d' });
    expect(errors).toEqual([
      'mode: "restore" is not allowed; use backup (the default: export, archive, copy), verify (check the newest ' +
        'backup set at a destination) or monitor (fail when the newest good backup is too old).',
      'verify-dump: "full" is not allowed; use none, header (the default: each dump file header is read) or sqlfile ' +
        '(impdp SQLFILE= reads the whole dump file set).',
      'max-age: "2d" is not allowed; days are not supported; use hours (48h).',
    ]);
    expect(parse({ 'max-age': '0' }).errors[0]).toMatch(
      /^max-age: "0" is not allowed; a duration must be longer/,
    );
  });

  it('parseMode alone, for choosing which inputs are required', () => {
    const c = new Collector();
    expect(parseMode((n) => (n === 'mode' ? ' verify ' : ''), c)).toBe('verify');
    expect(parseMode(() => 'nope', c)).toBe('backup');
    expect(c.errors).toHaveLength(1);
  });
});

describe('verify-from', () => {
  it('defaults to the SFTP destination, else the first copy-to folder', () => {
    expect(parse({ mode: 'verify' }).settings.verifyFrom).toEqual({ kind: 'sftp' });
    expect(parse({ mode: 'verify' }, { copyTo: ['/a', '/b'], sftp: false }).settings.verifyFrom).toEqual({
      kind: 'folder',
      folder: '/a',
    });
  });

  it('names sftp or a copy-to folder, as written or resolved, trailing slash ignored', () => {
    expect(parse({ mode: 'verify', 'verify-from': 'SFTP' }).settings.verifyFrom).toEqual({ kind: 'sftp' });
    expect(parse({ mode: 'verify', 'verify-from': '/mnt/usb/' }).settings.verifyFrom).toEqual({
      kind: 'folder',
      folder: '/mnt/usb',
    });
    const relative = parse(
      { mode: 'verify', 'copy-to': 'backups\n/other', 'verify-from': 'backups' },
      { copyTo: ['/ws/backups', '/other'], sftp: false },
    );
    expect(relative.settings.verifyFrom).toEqual({ kind: 'folder', folder: '/ws/backups' });
  });

  it('refuses a folder that is not a copy-to, sftp without sftp-host, and verify without destinations', () => {
    expect(parse({ mode: 'verify', 'verify-from': '/elsewhere' }).errors).toEqual([
      'verify-from: "/elsewhere" is not allowed; it is not one of the copy-to folders ("/mnt/nas/oracle", ' +
        '"/mnt/usb"); use sftp or one of the copy-to folders.',
    ]);
    expect(parse({ mode: 'verify', 'verify-from': 'sftp' }, { copyTo: ['/a'], sftp: false }).errors).toEqual([
      'verify-from: "sftp" is not allowed; sftp-host is not set; set the sftp-* inputs, or name one of the ' +
        'copy-to folders.',
    ]);
    expect(parse({ mode: 'verify' }, none).errors).toEqual([
      'mode: "verify" is not allowed; verify reads a backup set from a destination and none is configured; ' +
        'set copy-to (a folder) or sftp-host with its sftp-* inputs.',
    ]);
  });

  it('monitor needs a destination too', () => {
    expect(parse({ mode: 'monitor' }, none).errors).toEqual([
      'mode: "monitor" is not allowed; monitor reads the manifests at the destinations and none is configured; ' +
        'set copy-to (folders) and/or sftp-host with its sftp-* inputs.',
    ]);
  });

  it('warns about inputs the mode does not use', () => {
    expect(parse({ 'verify-from': 'sftp', 'max-age': '2h' }).warnings).toEqual([
      'verify-from: "sftp" is only used with mode: verify; it was ignored.',
      'max-age: "2h" is only used with mode: monitor; it was ignored (2h).',
    ]);
    expect(parse({ mode: 'monitor', 'verify-dump': 'sqlfile' }).warnings).toEqual([
      'verify-dump: "sqlfile" is only used with mode: backup; it was ignored.',
    ]);
  });
});

describe('a mode problem is reported once', () => {
  const raw = (inputs: Record<string, string>) => ({
    ...Object.fromEntries(INPUT_NAMES.map((n) => [n, ''])),
    'connect-string': 'dbhost:1521/ORCLPDB1',
    username: 'backup',
    password: 'pw',
    schemas: 'HR',
    'dump-path': '/u01/dpdump',
    ...inputs,
  });
  const env = { GITHUB_WORKSPACE: '/ws', RUNNER_TEMP: '/tmp/runner' };
  const modeLines = (errors: string[]) => errors.filter((e) => e.startsWith('mode:'));

  it('an invalid mode in a backup run', () => {
    const result = parseSettings(raw({ mode: 'restore' }), env);
    expect(result.ok).toBe(false);
    expect(modeLines(result.ok ? [] : result.errors)).toEqual([
      expect.stringMatching(/^mode: "restore" is not/),
    ]);
  });

  it.each(['verify', 'monitor'])('%s with no destination', (mode) => {
    const result = parseModeRunSettings(raw({ mode }), env);
    expect(result.ok).toBe(false);
    expect(modeLines(result.ok ? [] : result.errors)).toHaveLength(1);
  });
});
