// The checks of the CI self-test (.github/self-test/, used by .github/workflows/ci.yml and
// .forgejo/workflows/self-test.yml) run here against the bundled action and the local issuer,
// with the inputs the workflows give, so that a check that cannot pass (or cannot fail) is found
// before it runs on a real runner.
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { ROOT, runAction, runPost, type RunResult } from '../helpers/runner.js';

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}

const SELF_TEST = join(ROOT, '.github', 'self-test');
const workflows = {
  github: parse(readFileSync(join(ROOT, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  },
  forgejo: parse(readFileSync(join(ROOT, '.forgejo', 'workflows', 'self-test.yml'), 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  },
};

/** The `with:` of the step `id` in the self-test job, expressions replaced by `values`. */
function inputsOf(steps: Step[], id: string, values: Record<string, string>) {
  const step = steps.find((s) => s.id === id);
  if (!step?.with) throw new Error(`no step ${id} with inputs`);
  return Object.fromEntries(
    Object.entries(step.with).map(([name, value]) => [
      name,
      String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
        const known = values[expr];
        if (known === undefined) throw new Error(`no value for ${expr}`);
        return known;
      }),
    ]),
  );
}

/** The first certificate of the system's CA bundle, as the workflows' `ca` step takes it. */
function systemCa(): string {
  const bundle = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(bundle)?.[0];
  return Buffer.from(`${pem ?? ''}\n`).toString('base64');
}

/** A `run:` step of the job: node with the job's environment plus `env`. */
async function runStep(
  run: RunResult,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: run.dirs.home,
        RUNNER_TEMP: run.dirs.temp,
        GITHUB_WORKSPACE: run.dirs.workspace,
        GITHUB_REPOSITORY: 'org/app',
        ...env,
      },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

describe.each(['github', 'forgejo'] as const)('the %s self-test', (platform) => {
  const steps = Object.values(workflows[platform].jobs).find((job) =>
    job.steps.some((s) => s.uses === './'),
  )?.steps as Step[];
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({ shape: platform });
  });
  afterAll(() => issuer.close());

  it('token mode: its check accepts the outputs of a verified token, and refuses others', async () => {
    const inputs = inputsOf(steps, 'token', {});
    expect(inputs).toMatchObject({ mode: 'token', 'verify-token': 'true' });
    const token = await runAction({ inputs, env: issuer.env() });
    expect(token.code, token.stdout).toBe(0);
    const outputs = {
      ISSUER: token.outputs['issuer'] ?? '',
      SUBJECT: token.outputs['subject'] ?? '',
      AUDIENCE: token.outputs['audience'] ?? '',
      ID_TOKEN: token.outputs['id-token'] ?? '',
    };
    const check = (env: Record<string, string>, issuerUrl = issuer.issuer) =>
      runStep(
        token,
        [join(SELF_TEST, 'check-token.mjs'), issuerUrl, inputs['audience'] ?? ''],
        env,
      );

    const ok = await check(outputs);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).not.toContain(outputs.ID_TOKEN.split('.')[2]);
    // It can fail: another issuer, a subject of another repository.
    expect((await check(outputs, 'https://token.actions.githubusercontent.com')).code).toBe(1);
    const other = await check({ ...outputs, SUBJECT: 'repo:org/other:ref:refs/heads/main' });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('::error::');
    // GitHub's immutable and Forgejo's id-based subjects of the same repository pass its pattern
    // (the token's sub must still equal the output, so these fail on that check only).
    for (const sub of [
      'repo:org@123/app@456:ref:refs/heads/main',
      'repo:org-123/app-456:ref:refs/heads/main',
    ]) {
      const result = await check({ ...outputs, SUBJECT: sub });
      expect(result.stdout).not.toContain('is not of org/app');
    }
  });

  it('kubernetes mode: the kubeconfig passes its check, the post step removes it', async () => {
    const inputs = inputsOf(steps, 'kube', { 'steps.ca.outputs.data': systemCa() });
    const main = await runAction({ inputs, env: issuer.env() });
    expect(main.code, main.stdout).toBe(0);
    const path = main.outputs['kubeconfig-path'] ?? '';
    const jobEnv = { ...issuer.env(), KUBECONFIG: main.exported['KUBECONFIG'] ?? '' };
    const check = () =>
      runStep(
        main,
        [join(SELF_TEST, 'check-kubeconfig.mjs'), path, inputs['audience'] ?? ''],
        jobEnv,
      );

    const minted = issuer.issued.length;
    const ok = await check();
    expect(ok.code, ok.stdout).toBe(0);
    // The check ran the plugin, which asked the job's endpoint for a token of that audience.
    expect(issuer.issued.length).toBe(minted + 1);
    expect(issuer.requests.at(-1)?.audience).toBe(inputs['audience']);
    expect(ok.stdout).not.toContain(issuer.issued.at(-1)?.split('.')[2]);

    // It can fail: a readable kubeconfig.
    chmodSync(path, 0o644);
    const readable = await check();
    expect(readable.code).toBe(1);
    expect(readable.stdout).toContain("the kubeconfig's mode is 644");
    chmodSync(path, 0o600);

    // The checker's post step: fails while the kubeconfig exists, passes after the action's post.
    const afterPost = () =>
      runStep(main, [join(SELF_TEST, 'removed-after-post', 'post.mjs')], {
        SELF_TEST_KUBECONFIG: path,
      });
    expect((await afterPost()).code).toBe(1);
    const post = await runPost(main);
    expect(post.code, post.stdout).toBe(0);
    const removed = await afterPost();
    expect(removed.code, removed.stdout).toBe(0);
  });
});
