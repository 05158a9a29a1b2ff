// The example workflows, the CI workflows (.github/workflows, .forgejo/workflows), action.yml and
// the self-test's local action, validated with GitHub's own workflow and action parser
// (@actions/workflow-parser, the schema of the Actions service and its language server), and
// every step of this action in them checked against action.yml and the action's input checks.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ValidationRequest } from '../../scripts/validate-workflows.js';
import { readSettings } from '../../src/action/inputs.js';
import { ROOT } from '../helpers/runner.js';

/** The workflow files of a directory of the repository (none if it does not exist). */
function workflowFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const examples = workflowFiles('examples');
const ciWorkflows = [...workflowFiles('.github/workflows'), ...workflowFiles('.forgejo/workflows')];
const actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const actionInputs = Object.keys((parse(actionYml) as { inputs: object }).inputs);
/** Local actions the workflows use (`uses: ./path`), validated as actions. */
const localActions = ['.github/self-test/removed-after-post/action.yml'];

interface Step {
  uses?: string;
  with?: Record<string, string | number | boolean>;
}
interface Job {
  steps: Step[];
  permissions?: Record<string, string>;
  'enable-openid-connect'?: unknown;
}
interface Workflow {
  'enable-openid-connect'?: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * Forgejo's workflow syntax is GitHub's plus `enable-openid-connect` (top level or per job), which
 * GitHub's schema does not know. That key, and only that key, is taken out before validation,
 * after checking that it is `true`.
 */
function withoutForgejoKeys(workflow: Workflow): Workflow {
  const copy = structuredClone(workflow);
  delete copy['enable-openid-connect'];
  for (const job of Object.values(copy.jobs)) delete job['enable-openid-connect'];
  return copy;
}

const workflows = [...examples, ...ciWorkflows].map((file) => {
  const content = readFileSync(join(ROOT, file), 'utf8');
  const workflow = parse(content) as Workflow;
  const forgejo = file.startsWith('.forgejo/') || /(^|\/)forgejo-[^/]*$/.test(file);
  return {
    file,
    workflow,
    forgejo,
    checked: forgejo ? stringify(withoutForgejoKeys(workflow)) : content,
  };
});

// Negative controls: the validator must reject these, or the checks above prove nothing.
const BAD_WORKFLOW =
  'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n        bogus: 1\n';
const FORGEJO_ONLY =
  'on: push\nenable-openid-connect: true\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n';
const BROKEN_ACTION = actionYml.replace('  main: dist/index.js', '  mian: dist/index.js');

const requests: ValidationRequest[] = [
  ...workflows.map((w): ValidationRequest => ({
    kind: 'workflow',
    name: w.file,
    content: w.checked,
  })),
  { kind: 'workflow', name: 'bad.yml', content: BAD_WORKFLOW },
  { kind: 'workflow', name: 'forgejo-only.yml', content: FORGEJO_ONLY },
  { kind: 'action', name: 'action.yml', content: actionYml },
  { kind: 'action', name: 'action.yml', content: BROKEN_ACTION },
  ...localActions.map((file): ValidationRequest => ({
    kind: 'action',
    name: file,
    content: readFileSync(join(ROOT, file), 'utf8'),
  })),
];
const answers = JSON.parse(
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'scripts', 'validate-workflows.ts')],
    {
      cwd: ROOT,
      input: JSON.stringify(requests),
      encoding: 'utf8',
    },
  ),
) as string[][];
const errorsOf = (index: number) => answers[index] as string[];
const badWorkflow = errorsOf(workflows.length);
const forgejoOnly = errorsOf(workflows.length + 1);
const action = errorsOf(workflows.length + 2);
const brokenAction = errorsOf(workflows.length + 3);
const localActionErrors = (index: number) => errorsOf(workflows.length + 4 + index);

/** This action's steps: `uses: …oidc-deploy-action@…`, or `uses: ./` in its own CI. */
function isThisAction(step: Step): boolean {
  return step.uses === './' || step.uses?.includes('oidc-deploy-action') === true;
}

function actionSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .filter(isThisAction);
}

/** Placeholders of the shape an input's expression stands for. */
function placeholder(input: string): string {
  if (input === 'certificate-authority-data')
    return Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64');
  // Azure's ids (subscription, client, tenant) are GUIDs, kept in variables.
  if (/^azure-(subscription|client|tenant)-id$/.test(input))
    return '00000000-0000-0000-0000-000000000000';
  return `registry.example/app@sha256:${'0'.repeat(64)}`;
}

afterEach(() => {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('INPUT_')) delete process.env[name];
  }
});

/** The action's own input checks on the step's `with` (an expression becomes a placeholder). */
function settingsFor(step: Step) {
  for (const [name, value] of Object.entries(step.with ?? {})) {
    process.env[`INPUT_${name.toUpperCase()}`] = String(value).replace(
      /\$\{\{[^}]*\}\}/g,
      placeholder(name),
    );
  }
  try {
    return readSettings(process.env).settings;
  } finally {
    for (const name of Object.keys(step.with ?? {}))
      delete process.env[`INPUT_${name.toUpperCase()}`];
  }
}

describe('the validator', () => {
  it('rejects what GitHub rejects (it can fail)', () => {
    expect(badWorkflow.join('\n')).toContain("Unexpected value 'bogus'");
    expect(forgejoOnly.join('\n')).toContain("Unexpected value 'enable-openid-connect'");
    expect(brokenAction.join('\n')).toContain("Unexpected value 'mian'");
  });
});

describe('the workflow files', () => {
  it('include the examples and the CI of both platforms', () => {
    expect(examples.length).toBeGreaterThan(0);
    expect(ciWorkflows).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.forgejo/workflows/self-test.yml']),
    );
  });
});

describe.each(workflows.map((w, index) => ({ ...w, index })))('$file', (example) => {
  it('is a valid workflow that gives every job using the action an ID token', () => {
    for (const job of Object.values(example.workflow.jobs)) {
      if (!job.steps.some(isThisAction)) continue;
      if (example.forgejo) {
        const flag = job['enable-openid-connect'] ?? example.workflow['enable-openid-connect'];
        expect(flag, 'a Forgejo workflow enables OIDC').toBe(true);
      } else {
        const permission =
          job.permissions?.['id-token'] ?? example.workflow.permissions?.['id-token'];
        expect(permission, 'a GitHub workflow grants id-token').toBe('write');
      }
    }
    expect(errorsOf(example.index)).toEqual([]);
  });

  it('uses the action with inputs that action.yml declares and the action accepts', () => {
    const steps = actionSteps(example.workflow);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      for (const name of Object.keys(step.with ?? {})) expect(actionInputs).toContain(name);
      expect(() => settingsFor(step)).not.toThrow();
    }
  });
});

describe('the examples', () => {
  it('cover kubernetes, aws and chainguard', () => {
    const modes = workflows
      .filter((w) => w.file.startsWith('examples/'))
      .flatMap((w) => actionSteps(w.workflow).map((s) => settingsFor(s).mode));
    expect(new Set(modes)).toEqual(new Set(['kubernetes', 'aws', 'chainguard']));
  });
});

describe('action.yml', () => {
  it("is a valid action by GitHub's schema", () => {
    expect(action).toEqual([]);
  });
});

describe.each(localActions.map((file, index) => ({ file, index })))('$file', ({ index }) => {
  it("is a valid action by GitHub's schema", () => {
    expect(localActionErrors(index)).toEqual([]);
  });
});
