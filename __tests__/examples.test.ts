// Every example is valid workflow YAML and passes only inputs that action.yml declares, with the required ones set.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
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
