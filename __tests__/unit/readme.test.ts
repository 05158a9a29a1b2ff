import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderReadme } from '../../scripts/action-tables.js';
import { ROOT } from '../helpers/runner.js';

const actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('has the inputs and outputs tables of action.yml (run `npm run docs` after changing it)', async () => {
    expect(readme).toBe(await renderReadme(readme, actionYml));
  });

  it('names every input and output of action.yml in its tables', () => {
    const action = parse(actionYml) as { inputs: object; outputs: object };
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    }
  });

  it('gives the two commands for a fresh clone', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });
});

describe('action.yml', () => {
  const action = parse(actionYml) as {
    runs: Record<string, string>;
    inputs: Record<string, { description?: string; default?: string }>;
    outputs: Record<string, { description?: string }>;
  };

  it('runs dist/index.js on node24 with a post step', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/post.js' });
  });

  it('describes every input and output in one line, and declares a default for each input', () => {
    for (const [name, spec] of Object.entries(action.inputs)) {
      expect(spec.description, name).toMatch(/^[^\n]+$/);
      expect(spec.default, name).toBeTypeOf('string');
    }
    for (const [name, spec] of Object.entries(action.outputs))
      expect(spec.description, name).toMatch(/^[^\n]+$/);
  });
});
