// Kept equal to package.json's version by a test (a JSON import would drag package.json into dist/).
export const TOOL = { name: 'oracle-backup-action', version: '0.1.0' } as const;
