// The manifest's format tag, a leaf: the manifest writer and the readers that recognise this action's sets (retention,
// verify) share it without depending on each other.
export const MANIFEST_FORMAT = 'oracle-backup-action/manifest@1';
