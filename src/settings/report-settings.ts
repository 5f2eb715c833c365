// The reports' part of the settings that is neither e-mail nor language: what goes into the workflow artifact.
// Pure: values come in through `get`, problems go to the Collector in the house style.
import { Collector, show } from './collector.js';

export type UploadArtifact = 'report' | 'none' | 'all';
export const UPLOAD_ARTIFACT_VALUES: readonly UploadArtifact[] = ['report', 'none', 'all'];

export interface ReportSettings {
  uploadArtifact: UploadArtifact;
}

/** The inputs this part reads, with the default and description action.yml should declare. */
export const REPORT_INPUTS = {
  'upload-artifact': {
    default: 'report',
    description:
      'workflow artifact of the run: report (run log, report JSON and manifests), none, or all (the backup ' +
      'archives too; anyone with read access to the repository can download artifacts)',
  },
} as const satisfies Record<string, { default: string; description: string }>;

export type ReportInputName = keyof typeof REPORT_INPUTS;
export const REPORT_INPUT_NAMES = Object.keys(REPORT_INPUTS) as ReportInputName[];

const UPLOAD_HINT =
  'use report (run log, report JSON and manifests), none (no artifact) or all (the archives too, readable by ' +
  'anyone with read access to the repository)';

/** The warning `all` always gets: where the archives end up, and who can read them there. */
export function allArtifactWarning(encrypted: boolean): string {
  return (
    'upload-artifact: all puts the backup archives in a workflow artifact, which anyone with read access to the ' +
    'repository can download for as long as the artifact is kept (the repository or organisation artifact ' +
    'retention, 90 days by default), and which counts against the artifact storage quota; ' +
    (encrypted
      ? 'the archives are AES-256 encrypted, so keep archive-password out of the repository.'
      : 'archive-password is empty, so the archives are NOT encrypted: anyone who can read the repository can ' +
        'read the data. Set archive-password, or use upload-artifact: report.')
  );
}

/**
 * `upload-artifact` (`report` when empty). `get` returns an input's raw value ('' when not given); `archive-password`
 * is only looked at to say whether archives uploaded with `all` are encrypted.
 */
export function parseReportSettings(get: (name: string) => string, c: Collector): ReportSettings {
  const given = get('upload-artifact').trim();
  const value = (given || REPORT_INPUTS['upload-artifact'].default).toLowerCase();
  if ((UPLOAD_ARTIFACT_VALUES as readonly string[]).includes(value)) {
    const uploadArtifact = value as UploadArtifact;
    if (uploadArtifact === 'all') c.warnings.push(allArtifactWarning(get('archive-password') !== ''));
    return { uploadArtifact };
  }
  const clauses = ['false', 'no', 'off', '0'].includes(value)
    ? ['to upload nothing, use none']
    : ['true', 'yes', 'on', '1'].includes(value)
      ? ['it is not a yes/no input']
      : [];
  c.notAllowed('upload-artifact', show(given), ...clauses, UPLOAD_HINT);
  return { uploadArtifact: 'report' };
}
