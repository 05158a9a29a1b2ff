// The rules every workflow of this repository follows: the CI workflows (.github/workflows,
// .forgejo/workflows) and the examples users copy (examples/), and the YAML snippets of the
// README and docs/ where they apply.
//
// - Every `uses:` of another action is pinned by its full commit SHA, with its release in a
//   trailing comment (`actions/checkout@<40 hex> # v5.1.0`), the same commit wherever that action
//   is used: a tag can be moved, a commit cannot, and Dependabot and Renovate update both parts.
//   Exempt: local actions (`./…`), and this action itself. The CI uses it as `./`; the examples
//   write it `OWNER/oidc-deploy-action@v1` or `https://forgejo.example.com/org/oidc-deploy-action@v1`
//   (a placeholder for the reader's own reference: `@v1` once released, until then a commit SHA of
//   this repository, as examples/README.md says), or already with a 40-character SHA.
// - No `${{ }}` expression inside a `run:` script: an expression is pasted into the script before
//   the shell reads it, so an output, input or variable could become shell code. Values go
//   through `env:` and are used as "$VAR".
// - Every job has `timeout-minutes` (the platform default is 6 hours on GitHub).
// - The CI workflows: one run per workflow and ref (`concurrency`), a pull request's older run
//   cancelled; moto installed at an exact version.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The moto the end-to-end tests are written against (the project's machines have it). */
const MOTO_VERSION = '5.2.1';

function yamlFiles(dir: string): string[] {
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const ciFiles = [...yamlFiles('.github/workflows'), ...yamlFiles('.forgejo/workflows')];
const exampleFiles = yamlFiles('examples');

interface Step {
  uses?: string;
  run?: unknown;
}
interface Job {
  uses?: string;
  steps?: Step[];
  'timeout-minutes'?: unknown;
}
interface Workflow {
  concurrency?: { group?: unknown; 'cancel-in-progress'?: unknown } | string;
  jobs?: Record<string, Job>;
}

interface Uses {
  ref: string;
  comment: string | undefined;
}

/** Every `uses:` line of a YAML text, with its trailing comment (which a YAML parser drops). */
function usesLines(text: string): Uses[] {
  return [
    ...text.matchAll(/^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1[ \t]*(?:#[ \t]*(.*?))?[ \t]*$/gm),
  ].map((m) => ({ ref: m[2] as string, comment: m[3] }));
}

const SHA = /^[0-9a-f]{40}$/;
/** owner/repo[/path]@ref, optionally behind https://HOST/ (Forgejo's absolute action URLs). */
const REMOTE = /^(?:https:\/\/[^/\s]+\/)?([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([^@\s]+)$/;
const THIS_ACTION = /(?:^|\/)oidc-deploy-action@([^@\s]+)$/;

/** What is wrong with one `uses:` (undefined: nothing). */
function usesProblem(use: Uses, where: 'ci' | 'example' | 'doc'): string | undefined {
  const { ref, comment } = use;
  if (ref.startsWith('./')) return undefined;
  const self = THIS_ACTION.exec(ref);
  if (self) {
    if (where === 'ci') return `${ref}: the CI uses this action as ./`;
    return self[1] === 'v1' || SHA.test(self[1] as string)
      ? undefined
      : `${ref}: this action is written @v1 (or @ a full commit SHA)`;
  }
  if (ref.startsWith('docker://')) {
    return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : `${ref}: not pinned by digest`;
  }
  const remote = REMOTE.exec(ref);
  if (!remote) return `${ref}: not an action reference`;
  if (!SHA.test(remote[2] as string)) return `${ref}: not pinned by a full commit SHA`;
  if (!comment || !/^v\d+\.\d+\.\d+$/.test(comment))
    return `${ref}: no "# vX.Y.Z" comment naming the release of that commit`;
  return undefined;
}

/** The action a pinned `uses:` names, wherever it is fetched from (github.com or the default). */
function actionName(ref: string): string | undefined {
  const remote = REMOTE.exec(ref.replace(/^https:\/\/github\.com\//, ''));
  return remote && !THIS_ACTION.test(ref) ? remote[1] : undefined;
}

function jobsOf(workflow: Workflow): Array<[string, Job]> {
  return Object.entries(workflow.jobs ?? {});
}

/** Every rule above that a workflow file breaks, as readable lines. */
function workflowProblems(text: string, where: 'ci' | 'example'): string[] {
  const problems: string[] = [];
  const workflow = parse(text) as Workflow;
  const jobs = jobsOf(workflow);
  if (jobs.length === 0) problems.push('no jobs');
  const lines = usesLines(text);
  const parsedUses = jobs.flatMap(([, job]) => [
    ...(job.uses ? [job.uses] : []),
    ...(job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])),
  ]);
  // The line scan must see every `uses:` the parser sees, or a rule could be skipped unseen.
  if (lines.map((u) => u.ref).join('\n') !== parsedUses.join('\n'))
    problems.push(`uses: lines not all recognised: ${JSON.stringify(parsedUses)}`);
  for (const use of lines) {
    const problem = usesProblem(use, where);
    if (problem) problems.push(problem);
  }
  for (const [name, job] of jobs) {
    // A job that calls a reusable workflow cannot set timeout-minutes; that workflow's jobs do.
    if (!job.uses && job['timeout-minutes'] === undefined)
      problems.push(`job ${name}: no timeout-minutes`);
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (typeof step.run === 'string' && step.run.includes('${{'))
        problems.push(`job ${name}, step ${index + 1}: \${{ }} inside run: (use env:)`);
    }
  }
  return problems;
}

const files = [
  ...ciFiles.map((file) => ({ file, where: 'ci' as const })),
  ...exampleFiles.map((file) => ({ file, where: 'example' as const })),
];

describe('the rules can fail', () => {
  const bad = [
    'on: push',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444',
    '      - uses: https://code.forgejo.org/actions/checkout@v4 # v4',
    '      - uses: docker://alpine:3.20',
    '      - uses: OWNER/oidc-deploy-action@main',
    '      - run: echo "${{ github.head_ref }}"',
    '      - run: |',
    '          echo ok',
    '          echo ${{ steps.x.outputs.y }}',
    '',
  ].join('\n');

  it('finds each broken rule in a bad workflow', () => {
    expect(workflowProblems(bad, 'example')).toEqual([
      'actions/checkout@v4: not pinned by a full commit SHA',
      'actions/setup-node@a0853c24544627f65ddf259abe73b1d18a591444: no "# vX.Y.Z" comment naming the release of that commit',
      'https://code.forgejo.org/actions/checkout@v4: not pinned by a full commit SHA',
      'docker://alpine:3.20: not pinned by digest',
      'OWNER/oidc-deploy-action@main: this action is written @v1 (or @ a full commit SHA)',
      'job a: no timeout-minutes',
      'job a, step 6: ${{ }} inside run: (use env:)',
      'job a, step 7: ${{ }} inside run: (use env:)',
    ]);
  });

  it('accepts what the rules allow', () => {
    const good = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    timeout-minutes: 5',
      '    steps:',
      '      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0',
      '      - uses: https://github.com/actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0',
      `      - uses: docker://alpine@sha256:${'0'.repeat(64)}`,
      '      - uses: ./.github/local',
      '      - uses: https://forgejo.example.com/org/oidc-deploy-action@v1',
      '      - env:',
      '          REF: ${{ github.head_ref }}',
      '        run: echo "$REF" "{{ not an expression }}"',
      '',
    ].join('\n');
    expect(workflowProblems(good, 'example')).toEqual([]);
    expect(workflowProblems(good, 'ci')).toEqual([
      'https://forgejo.example.com/org/oidc-deploy-action@v1: the CI uses this action as ./',
    ]);
  });
});

describe('the workflow files', () => {
  it('are found: the CI of both platforms and the examples', () => {
    expect(ciFiles).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', '.forgejo/workflows/self-test.yml']),
    );
    expect(exampleFiles.length).toBeGreaterThanOrEqual(6);
  });
});

describe.each(files)('$file', ({ file, where }) => {
  it('pins every other action by commit SHA, has timeout-minutes on every job, no ${{ }} in run:', () => {
    expect(workflowProblems(read(file), where)).toEqual([]);
  });
});

describe('the actions used', () => {
  it('are at the same commit and release in the CI and in every example', () => {
    const seen = new Map<string, Set<string>>();
    for (const { file } of files) {
      for (const use of usesLines(read(file))) {
        const name = actionName(use.ref);
        if (!name) continue;
        const pin = `${use.ref.slice(use.ref.lastIndexOf('@') + 1)} # ${use.comment ?? ''}`;
        seen.set(name, (seen.get(name) ?? new Set()).add(pin));
      }
    }
    expect(seen.has('actions/checkout'), 'the scan finds actions/checkout').toBe(true);
    for (const [name, pins] of seen) expect([...pins], name).toHaveLength(1);
  });
});

describe('the CI workflows', () => {
  it.each(ciFiles)(
    '%s: one run per workflow and ref, a pull request’s older run cancelled',
    (file) => {
      const { concurrency } = parse(read(file)) as Workflow;
      expect(typeof concurrency).toBe('object');
      const { group, 'cancel-in-progress': cancel } = concurrency as Record<string, unknown>;
      expect(String(group)).toMatch(/github\.workflow/);
      expect(String(group)).toMatch(/github\.ref/);
      expect(String(cancel).replace(/\s+/g, ' ')).toBe(
        "${{ github.event_name == 'pull_request' }}",
      );
    },
  );

  it(`install moto at exactly ${MOTO_VERSION} wherever they install it`, () => {
    const installs = ciFiles.flatMap((file) =>
      jobsOf(parse(read(file)) as Workflow).flatMap(([, job]) =>
        (job.steps ?? [])
          .map((s) => s.run)
          .filter((run): run is string => typeof run === 'string' && /\bmoto\b/.test(run)),
      ),
    );
    expect(installs.length, 'the GitHub CI installs moto for the e2e tests').toBeGreaterThan(0);
    for (const run of installs) {
      expect(run).toMatch(/(?:pipx?|uv pip|uv tool) install /);
      const specs = [...run.matchAll(/["']?moto(?:\[[\w,]+\])?([^\s"']*)["']?/g)].map((m) => m[1]);
      for (const spec of specs) expect(spec, run).toBe(`==${MOTO_VERSION}`);
    }
  });
});

describe('YAML snippets in the README and docs/', () => {
  const pages = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter(
    (p) => p.endsWith('.md'),
  );

  /** Steps (objects with `uses` or `run`) anywhere in the page's ```yaml blocks. */
  function steps(page: string): Step[] {
    const found: Step[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const step = node as Step;
        if (typeof step.uses === 'string' || typeof step.run === 'string') found.push(step);
        Object.values(node).forEach(visit);
      }
    };
    for (const [, block] of read(page).matchAll(/^```yaml\n([\s\S]*?)^```/gm)) {
      for (const doc of parseAllDocuments(block as string)) visit(doc.toJS());
    }
    return found;
  }

  it('are found', () => {
    expect(steps('README.md').length).toBeGreaterThan(3);
  });

  it.each(pages)('%s: no ${{ }} inside run:, and other actions pinned by commit SHA', (page) => {
    const text = read(page);
    for (const step of steps(page)) {
      if (typeof step.run === 'string') expect(step.run, page).not.toContain('${{');
    }
    const blocks = [...text.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1] as string);
    for (const use of blocks.flatMap(usesLines))
      expect(usesProblem(use, 'doc'), page).toBeUndefined();
  });
});

describe('examples/README.md', () => {
  const page = read('examples/README.md');

  it('lists every example, and its relative links resolve', () => {
    for (const file of exampleFiles)
      expect(page, file).toContain(`](${file.replace('examples/', '')})`);
    const links = [...page.matchAll(/\]\((?!https?:)([^)#\s]+)(?:#[^)\s]*)?\)/g)].map(
      (m) => m[1] as string,
    );
    expect(links.length).toBeGreaterThan(exampleFiles.length);
    for (const link of links) expect(existsSync(join(ROOT, 'examples', link)), link).toBe(true);
  });

  it('names the checkout commit the workflows use', () => {
    const checkout = usesLines(read('.github/workflows/ci.yml')).find(
      (u) => actionName(u.ref) === 'actions/checkout',
    ) as Uses;
    expect(page).toContain(`${checkout.ref} # ${checkout.comment ?? ''}`);
  });
});
