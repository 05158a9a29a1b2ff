// The README's inputs and outputs tables, generated from action.yml so they cannot drift.
// `npm run docs` rewrites them; a unit test fails when README.md differs from what this makes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');

interface ActionYml {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * An input's default and the rest of its description. No input has a default in action.yml
 * (a runner passes a default in every mode, so the action could not tell it was given: see
 * __tests__/unit/registry.test.ts); its description ends with "Default: `VALUE`." instead.
 */
export function inputDefault(spec: { description: string; default?: string }): {
  value: string;
  description: string;
} {
  const m = /^(.*?)\s*Default: `([^`]*)`\.$/s.exec(spec.description);
  if (m) return { value: m[2] as string, description: m[1] as string };
  return { value: spec.default ? String(spec.default) : '', description: spec.description };
}

export function actionTables(actionYml: string): { inputs: string; outputs: string } {
  const action = parse(actionYml) as ActionYml;
  const inputs = [
    '| input | default | description |',
    '| --- | --- | --- |',
    ...Object.entries(action.inputs).map(([name, spec]) => {
      const { value, description } = inputDefault(spec);
      return `| \`${name}\` | ${value ? `\`${cell(value)}\`` : ''} | ${cell(description)} |`;
    }),
  ].join('\n');
  const outputs = [
    '| output | description |',
    '| --- | --- |',
    ...Object.entries(action.outputs).map(
      ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`,
    ),
  ].join('\n');
  return { inputs, outputs };
}

/** README.md with the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` replaced. */
export function withTables(readme: string, tables: { inputs: string; outputs: string }): string {
  let text = readme;
  for (const [name, table] of Object.entries(tables)) {
    const pattern = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!pattern.test(text))
      throw new Error(`README.md lacks the <!-- ${name}:start/end --> markers`);
    text = text.replace(
      pattern,
      (_m, start: string, end: string) => `${start}\n\n${table}\n\n${end}`,
    );
  }
  return text;
}

/** README.md as it must be: tables from action.yml, formatted as Prettier formats it. */
export async function renderReadme(readme: string, actionYml: string): Promise<string> {
  const options = (await prettier.resolveConfig(join(root, 'README.md'))) ?? {};
  return prettier.format(withTables(readme, actionTables(actionYml)), {
    ...options,
    parser: 'markdown',
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const readmePath = join(root, 'README.md');
  const readme = await renderReadme(
    readFileSync(readmePath, 'utf8'),
    readFileSync(join(root, 'action.yml'), 'utf8'),
  );
  writeFileSync(readmePath, readme);
  console.log('README.md tables regenerated from action.yml');
}
