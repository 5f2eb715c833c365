// Writes the README's inputs and outputs reference from action.yml, so the two never drift apart.
// `npm run docs` rewrites the README; `npm run docs -- --check` fails when it is out of date.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { configJsonSchema } from '../src/settings/config-file.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const cell = (text: string): string => text.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');

export function referenceSections(actionYml: string): { inputs: string; outputs: string } {
  const action = YAML.parse(actionYml) as ActionYml;
  const inputs = [
    '| input | required | default | description |',
    '|---|---|---|---|',
    ...Object.entries(action.inputs).map(
      ([name, input]) =>
        `| \`${name}\` | ${input.required ? 'yes' : ''} | ${input.default ? `\`${cell(input.default)}\`` : ''} | ${cell(input.description)} |`,
    ),
  ].join('\n');
  const outputs = [
    '| output | description |',
    '|---|---|',
    ...Object.entries(action.outputs).map(
      ([name, output]) => `| \`${name}\` | ${cell(output.description)} |`,
    ),
  ].join('\n');
  return { inputs, outputs };
}

/** Where the JSON Schema of the `config` file is committed, relative to the repository. */
export const CONFIG_SCHEMA_PATH = 'schema/oracle-backup.schema.json';

/** The committed form of the config file's JSON Schema, generated from the settings validator. */
export function renderConfigSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`. */
export function fillSection(readme: string, name: string, body: string): string {
  const start = `<!-- ${name}:start (generated from action.yml by npm run docs) -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  return `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`;
}

export function renderReadme(readme: string, actionYml: string): string {
  const { inputs, outputs } = referenceSections(actionYml);
  return fillSection(fillSection(readme, 'inputs', inputs), 'outputs', outputs);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const readmePath = path.join(ROOT, 'README.md');
  const schemaPath = path.join(ROOT, CONFIG_SCHEMA_PATH);
  const readme = readFileSync(readmePath, 'utf8');
  const fresh = renderReadme(readme, readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
  const schema = renderConfigSchema();
  if (process.argv.includes('--check')) {
    if (fresh !== readme) {
      console.error('README.md is out of date with action.yml: run npm run docs');
      process.exit(1);
    }
    if (!existsSync(schemaPath) || readFileSync(schemaPath, 'utf8') !== schema) {
      console.error(`${CONFIG_SCHEMA_PATH} is out of date with the settings validator: run npm run docs`);
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, fresh);
    mkdirSync(path.dirname(schemaPath), { recursive: true });
    writeFileSync(schemaPath, schema);
  }
}
