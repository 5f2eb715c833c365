// README, action.yml and the settings module must agree on every input: name, default and whether it is required.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { renderReadme } from '../scripts/docs.js';
import { INPUT_DEFAULTS, INPUT_NAMES, REQUIRED_INPUTS } from '../src/settings/inputs.js';
import { REPO_ROOT } from './helpers/run-action.js';

const actionText = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
const action = YAML.parse(actionText) as {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
};

describe('no drift between README, action.yml and the settings module', () => {
  it('the README reference is what npm run docs generates from action.yml', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme, 'run npm run docs').toBe(renderReadme(readme, actionText));
  });

  it('declares exactly the inputs the settings module reads', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUT_NAMES].sort());
  });

  it('declares the defaults the settings module applies', () => {
    for (const name of INPUT_NAMES) {
      expect(action.inputs[name]?.default ?? '', `default of ${name}`).toBe(INPUT_DEFAULTS[name] ?? '');
    }
  });

  it('marks as required exactly the inputs the settings module requires', () => {
    const required = Object.entries(action.inputs)
      .filter(([, input]) => input.required)
      .map(([name]) => name);
    expect(required.sort()).toEqual([...REQUIRED_INPUTS].sort());
  });

  it('describes every input', () => {
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description?.length ?? 0, name).toBeGreaterThan(10);
    }
  });
});
