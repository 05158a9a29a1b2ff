// The example workflows and action.yml, validated with GitHub's own workflow and action parser
// (@actions/workflow-parser, the schema of the Actions service and its language server), and
// every step of this action in them checked against action.yml and the action's input checks.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ValidationRequest } from '../../scripts/validate-workflows.js';
import { readSettings } from '../../src/inputs.js';
import { ROOT } from '../helpers/runner.js';

const examplesDir = join(ROOT, 'examples');
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const actionInputs = Object.keys((parse(actionYml) as { inputs: object }).inputs);

interface Step {
  uses?: string;
  with?: Record<string, string | number | boolean>;
}
interface Workflow {
  'enable-openid-connect'?: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[]; 'enable-openid-connect'?: unknown }>;
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

function forgejoOidcFlag(workflow: Workflow): unknown {
  return (
    workflow['enable-openid-connect'] ??
    Object.values(workflow.jobs).find((j) => j['enable-openid-connect'] !== undefined)?.[
      'enable-openid-connect'
    ]
  );
}

const workflows = examples.map((file) => {
  const content = readFileSync(join(examplesDir, file), 'utf8');
  const workflow = parse(content) as Workflow;
  const forgejo = file.startsWith('forgejo-');
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

function actionSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .filter((step) => step.uses?.includes('oidc-deploy-action'));
}

afterEach(() => {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('INPUT_')) delete process.env[name];
  }
});

/** The action's own input checks on the step's `with` (an expression becomes an image digest). */
function settingsFor(step: Step) {
  for (const [name, value] of Object.entries(step.with ?? {})) {
    process.env[`INPUT_${name.toUpperCase()}`] = String(value).replace(
      /\$\{\{[^}]*\}\}/g,
      `registry.example/app@sha256:${'0'.repeat(64)}`,
    );
  }
  try {
    return readSettings(process.env);
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

describe.each(workflows.map((w, index) => ({ ...w, index })))('examples/$file', (example) => {
  it('is a valid workflow', () => {
    if (example.forgejo) {
      expect(forgejoOidcFlag(example.workflow), 'a Forgejo example enables OIDC').toBe(true);
    } else {
      expect(example.workflow.permissions?.['id-token'], 'a GitHub example grants id-token').toBe(
        'write',
      );
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
    const modes = workflows.flatMap((w) => actionSteps(w.workflow).map((s) => settingsFor(s).mode));
    expect(new Set(modes)).toEqual(new Set(['kubernetes', 'aws', 'chainguard']));
  });
});

describe('action.yml', () => {
  it("is a valid action by GitHub's schema", () => {
    expect(action).toEqual([]);
  });
});
