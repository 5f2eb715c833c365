// Every example is valid workflow YAML and passes only inputs that action.yml declares, with the required ones set.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { INPUT_NAMES } from '../src/settings/inputs.js';
import { parseSettings } from '../src/settings/settings.js';
import { REPO_ROOT } from './helpers/run-action.js';

interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: string }>;
}

const action = YAML.parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml;
const examplesDir = path.join(REPO_ROOT, 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yml'));

/** Every step that uses this action, with its `with:` block. */
function actionSteps(workflow: unknown): Array<Record<string, unknown>> {
  const jobs = (
    workflow as {
      jobs?: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
    }
  ).jobs;
  return Object.values(jobs ?? {})
    .flatMap((job) => job.steps ?? [])
    .filter((step) => step.uses?.includes('oracle-backup-action'))
    .map((step) => step.with ?? {});
}

describe('examples', () => {
  it('exist', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples)('%s is a workflow that uses only declared inputs', (file) => {
    const doc = YAML.parseDocument(readFileSync(path.join(examplesDir, file), 'utf8'));
    expect(doc.errors).toEqual([]);
    const workflow = doc.toJS() as { on?: unknown; jobs?: unknown };
    expect(workflow.on).toBeDefined();
    const steps = actionSteps(workflow);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      for (const key of Object.keys(step)) expect(action.inputs, `${file}: ${key}`).toHaveProperty([key]);
      for (const [name, input] of Object.entries(action.inputs)) {
        if (input.required) expect(step, `${file}: required ${name}`).toHaveProperty([name]);
      }
    }
  });
});

/** A workflow as a string (an example file or a README code block), named for messages. */
interface Example {
  name: string;
  text: string;
}

function readmeBlocks(readme: string): Example[] {
  const blocks: Example[] = [];
  for (const match of readme.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)) {
    const line = readme.slice(0, match.index).split('\n').length;
    blocks.push({ name: `README.md:${line}`, text: match[1] ?? '' });
  }
  return blocks;
}

const SECRET_NAME_RE = /^(?!GITHUB_)[A-Z_][A-Z0-9_]*$/;

/** The values one `matrix.<key>` takes in a workflow: every `include` entry's and every list's. */
function matrixValues(workflow: unknown, key: string): string[] | undefined {
  const jobs = (
    workflow as { jobs?: Record<string, { strategy?: { matrix?: Record<string, unknown> } }> } | null
  )?.jobs;
  const values: string[] = [];
  for (const job of Object.values(jobs ?? {})) {
    const matrix = job.strategy?.matrix;
    if (!matrix) continue;
    const list = matrix[key];
    if (Array.isArray(list)) values.push(...list.map(String));
    const include = matrix.include;
    if (Array.isArray(include))
      for (const entry of include as Array<Record<string, unknown>>)
        if (entry[key] !== undefined) values.push(String(entry[key]));
  }
  return values.length > 0 ? values : undefined;
}

/** Every secret name an example can ask for, and what the check cannot resolve. */
export function secretNames(text: string): { names: string[]; unresolved: string[] } {
  let workflow: unknown;
  try {
    workflow = YAML.parse(text);
  } catch {
    workflow = undefined;
  }
  const names = [...text.matchAll(/\bsecrets\.([\w-]+)/g)].map((m) => m[1] ?? '');
  const unresolved: string[] = [];
  for (const match of text.matchAll(/\bsecrets\[([^\]]+)\]/g)) {
    const expression = (match[1] ?? '').trim();
    const literal = /^'([^']*)'$/.exec(expression);
    const direct = /^matrix\.([\w-]+)$/.exec(expression);
    const formatted = /^format\('([^']*)',\s*matrix\.([\w-]+)\)$/.exec(expression);
    if (literal) names.push(literal[1] ?? '');
    else if (direct || formatted) {
      const key = (direct?.[1] ?? formatted?.[2]) as string;
      const values = matrixValues(workflow, key);
      if (values === undefined) unresolved.push(match[0]);
      else names.push(...values.map((v) => (formatted ? (formatted[1] ?? '').replaceAll('{0}', v) : v)));
    } else unresolved.push(match[0]);
  }
  const declared = (
    workflow as { on?: { workflow_call?: { secrets?: Record<string, unknown> } } } | undefined
  )?.on?.workflow_call?.secrets;
  names.push(...Object.keys(declared ?? {}));
  return { names, unresolved };
}

/**
 * What is wrong with the concurrency of the jobs that back up with the action: a job on a runner chosen by an expression
 * (matrix, inputs) needs a group with that same runner expression and a database name (`db`, `database`); no group
 * may be built from the connect string (every runner's `localhost:1521/ORCLPDB1` is the same); every such job has one.
 */
export function concurrencyProblems(text: string): string[] {
  let workflow: {
    concurrency?: unknown;
    jobs?: Record<
      string,
      {
        'runs-on'?: unknown;
        concurrency?: unknown;
        steps?: Array<{ uses?: string; with?: { mode?: unknown } }>;
      }
    >;
  };
  try {
    workflow = YAML.parse(text) as typeof workflow;
  } catch {
    return [];
  }
  if (typeof workflow !== 'object' || workflow === null) return [];
  const groupOf = (c: unknown): string | undefined =>
    typeof c === 'string' ? c : (c as { group?: string } | undefined)?.group;
  const expressions = (s: string): string[] =>
    [...s.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ' '));
  const problems: string[] = [];
  for (const [id, job] of Object.entries(workflow.jobs ?? {})) {
    // A job that exports (monitor and verify read only the destinations and need no group).
    const backs = job.steps?.some(
      (s) =>
        s.uses?.includes('oracle-backup-action') &&
        !['monitor', 'verify'].includes(String(s.with?.mode ?? '')),
    );
    if (!backs) continue;
    const group = groupOf(job.concurrency) ?? groupOf(workflow.concurrency);
    if (group === undefined) {
      problems.push(`${id}: no concurrency group`);
      continue;
    }
    const inGroup = expressions(group);
    if (inGroup.some((e) => /connect/i.test(e)))
      problems.push(`${id}: group ${group} is built from the connect string`);
    const runner = expressions(JSON.stringify(job['runs-on'] ?? ''));
    if (runner.length === 0) continue;
    for (const e of runner)
      if (!inGroup.includes(e)) problems.push(`${id}: group ${group} lacks the runner (\${{ ${e} }})`);
    if (!inGroup.some((e) => /\b(?:db|database)\b/.test(e)))
      problems.push(`${id}: group ${group} lacks the database name`);
  }
  return problems;
}

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const allExamples: Example[] = [
  ...examples.map((file) => ({
    name: `examples/${file}`,
    text: readFileSync(path.join(examplesDir, file), 'utf8'),
  })),
  ...readmeBlocks(readme),
];

describe('every example (examples/*.yml and the README code blocks)', () => {
  it('README has code blocks to check', () => {
    expect(readmeBlocks(readme).length).toBeGreaterThanOrEqual(4);
  });

  it.each(allExamples)('$name asks only for secrets that can exist', ({ text }) => {
    const { names, unresolved } = secretNames(text);
    expect(unresolved, 'secret names the check cannot work out').toEqual([]);
    expect(names.filter((n) => !SECRET_NAME_RE.test(n))).toEqual([]);
  });

  it.each(allExamples)('$name has a concurrency group per runner and database', ({ text }) => {
    expect(concurrencyProblems(text)).toEqual([]);
  });

  it('the secret names in error messages are the README Secrets table', () => {
    const table = readme.slice(
      readme.indexOf('## Secrets'),
      readme.indexOf('\n## ', readme.indexOf('## Secrets') + 1),
    );
    const documented = [...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]);
    const sources = readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(REPO_ROOT, 'src', f), 'utf8'));
    const inMessages = sources.flatMap((s) =>
      [...s.matchAll(/\bsecrets\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]),
    );
    expect(inMessages.length).toBeGreaterThan(0);
    expect(inMessages.filter((n) => !documented.includes(n))).toEqual([]);
  });
});

describe('the example checks catch', () => {
  const matrix = (db: string, extra = ''): string => `
on: workflow_dispatch
jobs:
  backup:
    strategy:
      matrix:
        include:
          - { db: ${db}, runner: oracle-prod${extra} }
    runs-on: [self-hosted, '\${{ matrix.runner }}']
    concurrency: oracle-backup-\${{ matrix.runner }}-\${{ matrix.db }}
    steps:
      - uses: your-org/oracle-backup-action@v1
        with:
          password: \${{ secrets[format('{0}_BACKUP_PASSWORD', matrix.db)] }}
`;

  it('a secret name built from a name with a hyphen', () => {
    expect(secretNames(matrix('orcl-prod')).names).toContain('orcl-prod_BACKUP_PASSWORD');
    expect(SECRET_NAME_RE.test('orcl-prod_BACKUP_PASSWORD')).toBe(false);
    expect(SECRET_NAME_RE.test('ORCL_PROD_BACKUP_PASSWORD')).toBe(true);
    expect(SECRET_NAME_RE.test('GITHUB_TOKEN_X')).toBe(false);
    expect(SECRET_NAME_RE.test('1_PASSWORD')).toBe(false);
  });

  it('a secret name it cannot work out', () => {
    expect(secretNames("password: ${{ secrets[format('{0}_PW', matrix.db)] }}").unresolved).toHaveLength(1);
  });

  it('a concurrency group built from the connect string, or without the runner', () => {
    const reusable = `
on: workflow_call
jobs:
  backup:
    runs-on: [self-hosted, '\${{ inputs.runner }}']
    concurrency: oracle-backup-\${{ inputs.connect-string }}
    steps:
      - uses: your-org/oracle-backup-action@v1
`;
    expect(concurrencyProblems(reusable)).toEqual([
      'backup: group oracle-backup-${{ inputs.connect-string }} is built from the connect string',
      'backup: group oracle-backup-${{ inputs.connect-string }} lacks the runner (${{ inputs.runner }})',
      'backup: group oracle-backup-${{ inputs.connect-string }} lacks the database name',
    ]);
    expect(concurrencyProblems(matrix('orcl').replace('${{ matrix.runner }}-', ''))).toEqual([
      'backup: group oracle-backup-${{ matrix.db }} lacks the runner (${{ matrix.runner }})',
    ]);
    expect(concurrencyProblems(matrix('orcl'))).toEqual([]);
  });
});

describe('examples/windows-runner.yml', () => {
  const text = readFileSync(path.join(examplesDir, 'windows-runner.yml'), 'utf8');
  const workflow = YAML.parse(text) as { jobs: Record<string, { 'runs-on': string[] }> };
  const [step] = actionSteps(workflow);

  it('runs on a Windows self-hosted runner with legacy exp', () => {
    expect(Object.values(workflow.jobs)[0]?.['runs-on']).toEqual(['self-hosted', 'windows', 'oracle-win']);
    expect(step?.['export-tool']).toBe('exp');
  });

  it('gives Windows paths and a UNC share that the action reads as they are', () => {
    const raw = Object.fromEntries(INPUT_NAMES.map((n) => [n, '']));
    for (const [name, value] of Object.entries(step ?? {}))
      raw[name] = String(value).replace(/\$\{\{[^}]*\}\}/g, 'from-a-secret');
    const result = parseSettings(raw, { GITHUB_WORKSPACE: 'D:\\a\\repo\\repo' });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.settings).toMatchObject({
      dumpPath: 'D:\\oracle\\admin\\ORCL\\dpdump',
      workDir: 'E:\\oracle-backup\\work',
      logDir: 'E:\\oracle-backup\\work\\logs',
      copyTo: ['\\\\nas01\\backup\\oracle'],
      oracleHome: 'C:\\app\\oracle\\product\\11.2.0\\dbhome_1',
      export: { tool: 'exp' },
      ignoreCodes: ['EXP-00091'],
    });
  });

  it('README says what is tested on Windows and points at the example', () => {
    const start = readme.indexOf('## Windows runners');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    expect(section).toContain('examples/windows-runner.yml');
    expect(section).toMatch(/nothing in this repository's CI runs on Windows/);
  });
});

describe('Getting started', () => {
  const start = readme.indexOf('## Getting started');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const minimal = YAML.parse(readFileSync(path.join(examplesDir, 'minimal.yml'), 'utf8')) as {
    on: { workflow_dispatch?: { inputs?: Record<string, { default?: unknown }> } };
    jobs: Record<string, { 'runs-on': string[] }>;
  };

  it('comes before the details, in five steps', () => {
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThan(readme.indexOf('## What a run does'));
    expect(section.match(/^\d\. /gm)).toEqual(['1. ', '2. ', '3. ', '4. ', '5. ']);
  });

  it('says how to pin the action, the runner version node24 needs, the secrets and to dry-run first', () => {
    const using = (
      YAML.parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { runs: { using: string } }
    ).runs.using;
    expect(using).toBe('node24');
    expect(section).toContain('`using: node24`');
    expect(section).toContain('2.327.1 or later');
    expect(section).toMatch(/full 40-character commit SHA/);
    expect(section).toMatch(/Never a branch/);
    expect(section).toContain('ORACLE_BACKUP_PASSWORD');
    expect(section).toContain('ORACLE_ARCHIVE_PASSWORD');
    expect(section).toContain('`dry-run: true` first');
    expect(section).toContain('examples/minimal.yml');
  });

  it('registers the runner with the label examples/minimal.yml runs on', () => {
    const label = /--labels ([\w-]+)/.exec(section)?.[1];
    expect(label).toBe('oracle-prod');
    expect(Object.values(minimal.jobs)[0]?.['runs-on']).toEqual(['self-hosted', label]);
    expect(section).toContain(`runs-on: [self-hosted, ${label}]`);
  });

  it('examples/minimal.yml starts as a dry run', () => {
    expect(minimal.on.workflow_dispatch?.inputs?.['dry-run']?.default).toBe(true);
    const [step] = actionSteps(minimal);
    expect(step?.['dry-run']).toBe('${{ inputs.dry-run || false }}');
  });
});
