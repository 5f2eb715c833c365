// The mode inputs: `mode`, `verify-dump`, `max-age`, `verify-from`. Pure: inputs come through `get`,
// problems go to the collector in the house style. parseMode is separate so that the caller can learn the mode
// first and, in verify and monitor modes, skip the database inputs entirely.
import { Collector, show } from './collector.js';
import { formatDuration, parseDuration, parseList } from './parse.js';

export const ACTION_MODES = ['backup', 'verify', 'monitor'] as const;
export type ActionMode = (typeof ACTION_MODES)[number];

/** What is checked after each export: nothing, each dump file's header, or the whole set with impdp SQLFILE=. */
export const VERIFY_DUMP_MODES = ['none', 'header', 'sqlfile'] as const;
export type VerifyDumpMode = (typeof VERIFY_DUMP_MODES)[number];

/** The destination `mode: verify` reads: the SFTP folder or one copy-to folder (its resolved path). */
export type VerifyFrom = { kind: 'sftp' } | { kind: 'folder'; folder: string };

export interface ModeSettings {
  mode: ActionMode;
  /** After each export (backup mode). */
  verifyDump: VerifyDumpMode;
  /** monitor: the newest good backup may be this old. */
  maxAgeMs: number;
  /** verify: where the newest set is read from; undefined in the other modes. */
  verifyFrom?: VerifyFrom;
}

/** The destinations the rest of the settings found, for verify-from and for the checks of verify and monitor. */
export interface ModeDestinations {
  /** copy-to folders, resolved as the settings resolve them, in the order given. */
  copyTo: string[];
  /** Whether an SFTP destination (sftp-host) is configured. */
  sftp: boolean;
}

/** Defaults applied when an input is '' (action.yml must state the same ones). */
export const MODE_DEFAULTS = {
  mode: 'backup',
  'verify-dump': 'header',
  'max-age': '26h',
  'verify-from': '',
} as const;

export const MODE_INPUT_NAMES = Object.keys(MODE_DEFAULTS) as Array<keyof typeof MODE_DEFAULTS>;

const MODE_HINT =
  'use backup (the default: export, archive, copy), verify (check the newest backup set at a destination) ' +
  'or monitor (fail when the newest good backup is too old)';
const VERIFY_DUMP_HINT =
  'use none, header (the default: each dump file header is read) or sqlfile (impdp SQLFILE= reads the whole ' +
  'dump file set)';
const VERIFY_FROM_HINT = 'use sftp or one of the copy-to folders';

/** `mode`, case-insensitive; an invalid value is reported and read as backup. */
export function parseMode(get: (name: string) => string, c: Collector): ActionMode {
  const text = (get('mode') ?? '').trim();
  if (text === '') return MODE_DEFAULTS.mode;
  const mode = ACTION_MODES.find((m) => m === text.toLowerCase());
  if (!mode) c.notAllowed('mode', show(text), MODE_HINT);
  return mode ?? MODE_DEFAULTS.mode;
}

/** A folder path without trailing separators (a root stays as it is), for comparisons. */
function normalise(folder: string): string {
  const trimmed = folder.replace(/[\\/]+$/, '');
  return trimmed === '' || /^[A-Za-z]:$/.test(trimmed) ? folder : trimmed;
}

/**
 * Reads the mode inputs. `destinations` are the copy-to folders and the SFTP destination the other settings
 * found (parse those first). verify-from, when empty, is the SFTP destination if there is one, else the first
 * copy-to folder; a folder given must be one of copy-to (as written there, or as its resolved path).
 */
export function parseModeSettings(
  get: (name: string) => string,
  c: Collector,
  destinations: ModeDestinations,
): ModeSettings {
  const raw = (name: keyof typeof MODE_DEFAULTS) => (get(name) ?? '').trim();
  const mode = parseMode(get, c);

  const dumpText = raw('verify-dump');
  let verifyDump: VerifyDumpMode = MODE_DEFAULTS['verify-dump'];
  if (dumpText !== '') {
    const found = VERIFY_DUMP_MODES.find((m) => m === dumpText.toLowerCase());
    if (found) verifyDump = found;
    else c.notAllowed('verify-dump', show(dumpText), VERIFY_DUMP_HINT);
  }

  const ageText = raw('max-age') || MODE_DEFAULTS['max-age'];
  const age = parseDuration(ageText);
  if (!age.ok) c.notAllowed('max-age', show(ageText), age.error);
  const maxAgeMs = age.ok ? age.value : (parseDuration(MODE_DEFAULTS['max-age']) as { value: number }).value;

  const hasDestination = destinations.sftp || destinations.copyTo.length > 0;
  if (mode === 'monitor' && !hasDestination)
    c.notAllowed(
      'mode',
      show(raw('mode')),
      'monitor reads the manifests at the destinations and none is configured',
      'set copy-to (folders) and/or sftp-host with its sftp-* inputs',
    );

  const fromText = raw('verify-from');
  let verifyFrom: VerifyFrom | undefined;
  if (mode === 'verify') {
    if (fromText === '') {
      if (destinations.sftp) verifyFrom = { kind: 'sftp' };
      else if (destinations.copyTo[0] !== undefined)
        verifyFrom = { kind: 'folder', folder: destinations.copyTo[0] };
      else
        c.notAllowed(
          'mode',
          show(raw('mode')),
          'verify reads a backup set from a destination and none is configured',
          'set copy-to (a folder) or sftp-host with its sftp-* inputs',
        );
    } else if (fromText.toLowerCase() === 'sftp') {
      if (destinations.sftp) verifyFrom = { kind: 'sftp' };
      else
        c.notAllowed(
          'verify-from',
          show(fromText),
          'sftp-host is not set',
          'set the sftp-* inputs, or name one of the copy-to folders',
        );
    } else {
      const given = parseList(get('copy-to') ?? '');
      const wanted = normalise(fromText);
      const index = destinations.copyTo.findIndex(
        (folder, i) =>
          normalise(folder) === wanted || (given[i] !== undefined && normalise(given[i]!) === wanted),
      );
      if (index >= 0) verifyFrom = { kind: 'folder', folder: destinations.copyTo[index]! };
      else
        c.notAllowed(
          'verify-from',
          show(fromText),
          destinations.copyTo.length > 0
            ? `it is not one of the copy-to folders (${destinations.copyTo.map((f) => show(f)).join(', ')})`
            : 'no copy-to folder is set',
          VERIFY_FROM_HINT,
        );
    }
  } else if (fromText !== '') {
    c.warnings.push(`verify-from: ${show(fromText)} is only used with mode: verify; it was ignored.`);
  }

  if (mode !== 'monitor' && raw('max-age') !== '' && age.ok)
    c.warnings.push(
      `max-age: ${show(raw('max-age'))} is only used with mode: monitor; it was ignored ` +
        `(${formatDuration(maxAgeMs)}).`,
    );
  if (mode !== 'backup' && dumpText !== '')
    c.warnings.push(`verify-dump: ${show(dumpText)} is only used with mode: backup; it was ignored.`);

  return { mode, verifyDump, maxAgeMs, ...(verifyFrom ? { verifyFrom } : {}) };
}
