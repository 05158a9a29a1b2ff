// Kubernetes mode end to end: the bundled action writes a kubeconfig for the local API server
// fixture, then real kubectl uses it as a later step of the job would (a separate process with
// KUBECONFIG from GITHUB_ENV), and the post step removes it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import type { KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, UNAUTHORIZED_MESSAGES, type KubectlVersion } from '../fixtures/kube/kubectl.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { runAction, runPost, type RunResult } from '../helpers/runner.js';
import { isInside } from '../../src/action/file-store.js';
import { STATE } from '../../src/base/state.js';

const USER = 'forgejo:repo:org/app:ref:refs/heads/main';

let issuer: Issuer;
let server: KubeApiServer;

withTrustingCluster({ stepMs: 20 }, (started) => {
  ({ issuer, server } = started);
  server.addDeployment({ name: 'web', namespace: 'demo' });
  server.addDeployment({ name: 'api', namespace: 'other' });
});

/** A later step of the same job: kubectl with KUBECONFIG from GITHUB_ENV. */
function laterStep(
  run: RunResult,
  args: string[],
  env: Record<string, string> = {},
  version?: KubectlVersion,
) {
  const path = run.exported['KUBECONFIG'];
  if (!path) throw new Error(`the action exported no KUBECONFIG:\n${run.stdout}${run.stderr}`);
  return kubectl(args, { kubeconfigPath: path, env, ...(version ? { version } : {}) });
}

/** The token the action got for this run (the issuer's latest). */
function tokenOf(before: number): string {
  const token = issuer.issued[before];
  if (!token) throw new Error('the issuer handed out no token');
  return token;
}

/** Files under the run's directories that contain `secret`. */
function filesHolding(run: RunResult, secret: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (readFileSync(path, 'utf8').includes(secret)) found.push(path);
    }
  };
  walk(run.dirs.root);
  return found;
}

/** Static credentials unless a test asks otherwise: most tests here are about the token in the file. */
async function runKubernetes(inputs: Record<string, string>): Promise<RunResult> {
  return runAction({
    inputs: { audience: AUDIENCE, 'kubeconfig-credentials': 'static', ...inputs },
    env: issuer.env(),
  });
}

describe('kubernetes mode: the written kubeconfig works for kubectl in a later step', () => {
  it('from kubeconfig YAML: kubectl gets the deployment; 0600 under RUNNER_TEMP; no leak; post removes it', async () => {
    const before = issuer.issued.length;
    const run = await runKubernetes({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const token = tokenOf(before);
    expect(issuer.requests.at(-1)?.audience).toBe(AUDIENCE);

    const path = run.exported['KUBECONFIG'] as string;
    expect(run.outputs['kubeconfig-path']).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(isInside(path, run.dirs.temp)).toBe(true);
    expect(isInside(path, run.dirs.workspace)).toBe(false);

    const before2 = server.requests.length;
    const got = await laterStep(run, ['get', 'deployment', 'web']);
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^NAME\s+AGE\nweb\s+\d+[sm]/);
    expect(
      server.requests.slice(before2).find((r) => r.path.endsWith('/deployments/web'))?.user,
    ).toBe(USER);

    // The token is masked before anything prints it, and only the kubeconfig holds it.
    expect(maskedValues(run)).toContain(token);
    expect(findLeaks(run, [...jwtSecrets(token), issuer.requestToken])).toEqual([]);
    expect(filesHolding(run, token)).toEqual([path]);
    expect(filesHolding(run, jwtSecrets(token)[1] as string)).toEqual([path]);

    // The job summary says where the kubeconfig points.
    expect(run.summary).toContain(`| cluster | fixture (${server.url}) |`);
    expect(run.summary).toContain('| context | fixture |');
    expect(run.summary).toContain('| namespace | demo |');
    expect(run.summary).toContain('| user | ci |');

    const post = await runPost(run);
    expect(post.code, post.stdout).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(post.stdout).toContain('Removed the credential files');
    expect((await laterStep(run, ['get', 'deployment', 'web'])).code).not.toBe(0);
  });

  it('from base64 of the kubeconfig (wrapped at 76 columns, as base64 without -w0)', async () => {
    const kubeconfig = Buffer.from(server.kubeconfig(undefined, { namespace: 'demo' }))
      .toString('base64')
      .replace(/.{76}/g, '$&\n');
    const run = await runKubernetes({ kubeconfig });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const got = await laterStep(run, ['get', 'deployment', 'web', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/web');
    await runPost(run);
  });

  it('from server + certificate-authority-data (namespace input, default user oidc)', async () => {
    const run = await runKubernetes({
      server: server.url,
      'certificate-authority-data': server.caData,
      namespace: 'other',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const got = await laterStep(run, ['get', 'deployment', 'api', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/api');
    const view = await laterStep(run, [
      'config',
      'view',
      '--minify',
      '-o',
      'jsonpath={.contexts[0].context.namespace} {.contexts[0].context.user} {.clusters[0].cluster.server}',
    ]);
    expect(view.stdout).toBe(`other oidc ${server.url}`);
    expect(run.summary).toContain('| user | oidc |');
    await runPost(run);
  });

  it('with insecure-skip-tls-verify: true, drops the CA, warns, and kubectl still connects', async () => {
    const run = await runKubernetes({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      'insecure-skip-tls-verify': 'true',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/::warning::TLS verification of 127\.0\.0\.1:\d+ is off/);
    const written = parse(readFileSync(run.exported['KUBECONFIG'] as string, 'utf8')) as {
      clusters: Array<{ cluster: Record<string, unknown> }>;
    };
    expect(written.clusters[0]?.cluster).toEqual({
      server: server.url,
      'insecure-skip-tls-verify': true,
    });
    const got = await laterStep(run, ['get', 'deployment', 'web', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    await runPost(run);
  });

  // verify-access (on by default) fails the step itself on a refused token (verify-access.test.ts):
  // off, the kubeconfig is written and a later kubectl is refused, as this shows.
  it('with a token of the wrong audience and verify-access: false, kubectl is refused (Unauthorized)', async () => {
    const run = await runKubernetes({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      audience: 'wrong',
      'verify-access': 'false',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['audience']).toBe('wrong');
    const got = await laterStep(run, ['get', 'deployment', 'web']);
    expect(got.code).toBe(1);
    expect(UNAUTHORIZED_MESSAGES).toContain(got.stderr.trim().split('\n').at(-1));
    expect(server.authFailures.at(-1)).toMatch(/aud/);
    await runPost(run);
  });

  it('honours the context, namespace and user inputs (kubectl reads them back)', async () => {
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fixture',
          cluster: { server: server.url, 'certificate-authority-data': server.caData },
        },
        { name: 'elsewhere', cluster: { server: 'https://127.0.0.1:1' } },
      ],
      contexts: [
        { name: 'staging', context: { cluster: 'elsewhere', user: 'ci', namespace: 'staging' } },
        { name: 'prod', context: { cluster: 'fixture', user: 'ci', namespace: 'demo' } },
      ],
      'current-context': 'staging',
      users: [{ name: 'ci', user: {} }],
    };
    const run = await runKubernetes({
      kubeconfig: JSON.stringify(kubeconfig),
      context: 'prod',
      namespace: 'other',
      user: 'robot',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const view = await laterStep(run, [
      'config',
      'view',
      '--minify',
      '-o',
      'jsonpath={.current-context} {.contexts[0].context.namespace} {.contexts[0].context.user} {.users[0].name}',
    ]);
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toBe('prod other robot robot');
    // No -n: the namespace input is the context's namespace.
    const got = await laterStep(run, ['get', 'deployment', 'api', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    expect(run.summary).toContain('| context | prod |');
    expect(run.summary).toContain('| namespace | other |');
    expect(run.summary).toContain('| user | robot |');
    await runPost(run);
  });

  it("replaces the user's exec, client certificate and auth-provider with the token", async () => {
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'fixture',
          cluster: { server: server.url, 'certificate-authority-data': server.caData },
        },
      ],
      contexts: [
        { name: 'main', context: { cluster: 'fixture', user: 'admin', namespace: 'demo' } },
      ],
      'current-context': 'main',
      users: [
        {
          name: 'admin',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: 'false',
              interactiveMode: 'Never',
            },
            'client-certificate-data': Buffer.from('not a cert').toString('base64'),
            'client-key-data': Buffer.from('not a key').toString('base64'),
            'auth-provider': { name: 'oidc', config: { 'id-token': 'stale-id-token' } },
            username: 'basic',
            password: 'basic-password',
          },
        },
      ],
    };
    const before = issuer.issued.length;
    const run = await runKubernetes({ kubeconfig: JSON.stringify(kubeconfig) });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const written = parse(readFileSync(run.exported['KUBECONFIG'] as string, 'utf8')) as {
      users: Array<{ name: string; user: Record<string, unknown> }>;
    };
    expect(written.users).toEqual([{ name: 'admin', user: { token: tokenOf(before) } }]);
    const got = await laterStep(run, ['get', 'deployment', 'web', '-o', 'name']);
    expect(got.code, got.stderr).toBe(0);
    expect(findLeaks(run, ['basic-password', 'stale-id-token'])).toEqual([]);
    expect(filesHolding(run, 'basic-password')).toEqual([]);
    await runPost(run);
  });

  it('with kubeconfig-credentials: refresh, kubectl mints its own token through the exec plugin', async () => {
    const run = await runKubernetes({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      'kubeconfig-credentials': 'refresh',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const text = readFileSync(run.exported['KUBECONFIG'] as string, 'utf8');
    for (const token of issuer.issued) expect(text).not.toContain(token);
    const before = issuer.issued.length;
    // A later step of a job with OIDC enabled has the token request variables too.
    for (const version of [undefined, '1.27', '1.33'] as const) {
      const minted = issuer.issued.length;
      const got = await laterStep(
        run,
        ['get', 'deployment', 'web', '-o', 'name'],
        issuer.env(),
        version,
      );
      expect(got.code, `kubectl ${version ?? 'default'}: ${got.stderr}`).toBe(0);
      expect(got.stdout.trim()).toBe('deployment.apps/web');
      expect(issuer.issued.length).toBeGreaterThan(minted);
    }
    expect(issuer.issued.length).toBeGreaterThan(before);
    expect(issuer.requests.at(-1)?.audience).toBe(AUDIENCE);
    await runPost(run);
  });

  it('post removes the kubeconfig after a main that failed once it was written', async () => {
    server.addDeployment({ name: 'broken', namespace: 'demo', progressDeadlineSeconds: 1 });
    const run = await runKubernetes({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      workloads: 'deployment/broken',
      images: 'broken=nginx:does-not-exist',
      'rollout-timeout': '20s',
    });
    expect(run.code).toBe(1);
    const dirs = JSON.parse(run.state[STATE.credentialDirs] ?? '[]') as string[];
    expect(dirs).toHaveLength(1);
    const dir = dirs[0] as string;
    expect(readdirSync(dir)).toContain('kubeconfig.yaml');
    const post = await runPost(run);
    expect(post.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});
