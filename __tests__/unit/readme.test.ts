import { existsSync, readFileSync } from 'node:fs';
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

  it('links the files users look for before adopting an action, and they exist', () => {
    for (const file of ['LICENSE', 'SECURITY.md', 'CHANGELOG.md']) {
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      expect(readme).toContain(`](${file})`);
    }
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(
      (parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string }).license,
    ).toBe('MIT');
    expect(readme).toMatch(/^## Versioning$/m);
    expect(readme).toContain('v2.327.1');
  });

  it('has update configurations for npm and the workflow actions (Dependabot, Renovate)', () => {
    const dependabot = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      updates: Array<{ 'package-ecosystem': string }>;
    };
    expect(dependabot.updates.map((u) => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm',
    ]);
    const renovate = JSON.parse(readFileSync(join(ROOT, 'renovate.json'), 'utf8')) as {
      enabledManagers: string[];
    };
    expect(renovate.enabledManagers.sort()).toEqual(['github-actions', 'npm']);
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

  it('names a real author, not the action', () => {
    const author = (parse(actionYml) as { author?: string }).author ?? '';
    expect(author).not.toBe('');
    expect(author).not.toBe('oidc-deploy-action');
  });

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
