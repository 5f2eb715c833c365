// Import rules checked by `npm run lint` (dependency-cruiser): no import cycles in src/, type-only imports included,
// and the GitHub Actions toolkit (@actions/*) only in the modules that talk to the runner.
/** The modules that may import @actions/*: the entry points and the adapters of the runner's services. */
const ACTIONS_ADAPTERS = [
  '^src/main\\.ts$',
  '^src/post\\.ts$',
  '^src/state\\.ts$',
  '^src/modes/run-mode\\.ts$',
  '^src/report/artifact\\.ts$',
  '^src/report/history-cache\\.ts$',
  '^src/settings/inputs\\.ts$',
  '^src/settings/settings\\.ts$',
  '^src/types\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that depend on each other cannot be understood, tested or moved apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'actions-only-in-adapters',
      severity: 'error',
      comment: 'Only the entry points and the runner adapters use the Actions toolkit; the rest stays plain code.',
      from: { pathNot: ACTIONS_ADAPTERS },
      to: { path: '(^|/)node_modules/@actions/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
