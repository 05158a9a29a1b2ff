// verify-access (issue 22), on the bundle as a runner runs it: the README's quick start (a
// kubeconfig without credentials and an audience) against a cluster that refuses the token fails
// in the step with the explanation, and against one that accepts it says who the job is to the
// cluster, the same user `kubectl auth whoami` then shows in a later step. An unreachable
// cluster warns within the bound; verify-access: false sends nothing; a deploy makes no extra
// request. Also the warnings of first contact: a kubeconfig user's own credentials dropped, an
// input the mode does not read.
import { createServer, type Server } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl } from '../fixtures/kube/kubectl.js';
import { expectClean, expectFailure, secretsOf } from '../helpers/hostile.js';
import { runAction, type RunResult } from '../helpers/runner.js';

const AUDIENCE = 'https://kubernetes.fixture';
const USER = 'forgejo:repo:org/app:ref:refs/heads/main';

let issuer: Issuer;
let server: KubeApiServer;

beforeAll(async () => {
  issuer = await startIssuer();
  server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
    stepMs: 20,
  });
  server.addDeployment({ name: 'web', namespace: 'demo', replicas: 1 });
});
afterAll(async () => {
  await Promise.all([server.close(), issuer.close()]);
});
beforeEach(() => {
  server.faults.length = 0;
});

/** The quick start of the README: the kubeconfig variable (no credentials) and the audience. */
function quickStart(inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runAction({
    inputs: { kubeconfig: server.kubeconfig(), audience: AUDIENCE, ...inputs },
    env: { ...issuer.env(), ...env },
  });
}

const warnings = (run: RunResult) =>
  run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::warning'))
    .map((l) => l.replace(/^::warning[^:]*::/, '').replace(/%0A/g, '\n'));
const reviews = (from: number) =>
  server.requests.slice(from).filter((r) => r.path.endsWith('/selfsubjectreviews'));
const secrets = () => secretsOf(issuer.issued, [issuer.requestToken]);

describe('the quick start meets the cluster', () => {
  it('a cluster that accepts the token: the user and groups it sees, in the log, the summary and an output; kubectl auth whoami agrees', async () => {
    const from = server.requests.length;
    const run = await quickStart();
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(reviews(from).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /apis/authentication.k8s.io/v1/selfsubjectreviews 201',
    ]);
    expect(run.stdout).toContain(
      `verify-access: the cluster accepts the token as user "${USER}", groups "system:authenticated" (SelfSubjectReview authentication.k8s.io/v1)`,
    );
    expect(run.outputs['cluster-user']).toBe(USER);
    expect(run.summary).toMatch(
      /\| cluster user \| forgejo:repo:org\/app:ref:refs\/heads\/main \|/,
    );
    expect(run.summary).toContain('| cluster groups | system:authenticated |');
    expect(warnings(run)).toEqual([]);
    // A later step: kubectl with the written kubeconfig (its plugin re-mints the token).
    const whoami = await kubectl(['auth', 'whoami', '-o', 'json'], {
      kubeconfigPath: run.exported['KUBECONFIG'] as string,
      env: issuer.env(),
    });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(JSON.parse(whoami.stdout).status.userInfo.username).toBe(run.outputs['cluster-user']);
    expectClean(run, secrets());
  });

  it.each([
    [
      'a wrong "audience" input',
      { audience: 'https://wrong.example' },
      'It is what input "audience" asked for',
    ],
    ['no "audience" input (the platform default)', { audience: '' }, 'Input "audience" is not set'],
  ])(
    'a cluster that refuses the token (%s): the step fails with the explanation, naming the audience input',
    async (_name, inputs, cause) => {
      const run = await quickStart(inputs);
      const error = expectFailure(run);
      expect(error).toContain(
        'The cluster did not accept the ID token (401 Unauthorized) when asked to verify access (a SelfSubjectReview, as kubectl auth whoami sends).',
      );
      expect(error).toContain('one must be in jwt[].issuer.audiences');
      expect(error).toContain(cause);
      expect(error).toContain(`iss: ${issuer.issuer}  must equal jwt[].issuer.url exactly`);
      expect(error).toContain('kind: AuthenticationConfiguration');
      expect(run.outputs['cluster-user']).toBeUndefined();
      expectClean(run, secrets());
    },
  );

  it('verify-access: false sends nothing to the cluster', async () => {
    const from = server.requests.length;
    const run = await quickStart({ 'verify-access': 'false', audience: 'https://wrong.example' });
    expect(run.code, run.stdout).toBe(0);
    expect(server.requests.length).toBe(from);
    expect(run.outputs['cluster-user']).toBeUndefined();
  });

  it('with workloads, the deploy is the check: no SelfSubjectReview', async () => {
    const from = server.requests.length;
    const run = await quickStart({
      namespace: 'demo',
      workloads: 'deployment/web',
      images: 'web=nginx:1.27',
      'rollout-timeout': '0',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(reviews(from)).toEqual([]);
  });

  it('a server that serves no SelfSubjectReview (1.26): accepted, by an authenticated GET /api', async () => {
    const old = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      usernamePrefix: 'forgejo:',
      stepMs: 0,
      version: { major: '1', minor: '26' },
    });
    try {
      const run = await runAction({
        inputs: { kubeconfig: old.kubeconfig(), audience: AUDIENCE },
        env: issuer.env(),
      });
      expect(run.code, run.stdout).toBe(0);
      expect(old.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'POST /apis/authentication.k8s.io/v1/selfsubjectreviews 404',
        'POST /apis/authentication.k8s.io/v1beta1/selfsubjectreviews 404',
        'POST /apis/authentication.k8s.io/v1alpha1/selfsubjectreviews 404',
        'GET /api 200',
      ]);
      expect(run.stdout).toContain(
        'verify-access: the cluster accepts the token (the cluster serves no SelfSubjectReview)',
      );
    } finally {
      await old.close();
    }
  });

  it('a review RBAC refuses: accepted, with the user the 403 names', async () => {
    server.faults.push({
      match: { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews' },
      status: 403,
      message: `selfsubjectreviews.authentication.k8s.io is forbidden: User "${USER}" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope`,
    });
    const run = await quickStart();
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['cluster-user']).toBe(USER);
    expect(run.stdout).toContain(`verify-access: the cluster accepts the token as user "${USER}"`);
  });
});

describe('a cluster that cannot be asked: a warning naming the server, not a failure', () => {
  /** A kubeconfig for `server` with the fixture's CA. */
  const kubeconfigFor = (url: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: url, 'certificate-authority-data': server.caData } },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
      users: [{ name: 'u', user: {} }],
    });

  it('connection refused', async () => {
    const run = await quickStart({ kubeconfig: kubeconfigFor('https://127.0.0.1:1') });
    expect(run.code, run.stdout).toBe(0);
    const [warning] = warnings(run);
    expect(warning).toContain(
      'verify-access: could not ask https://127.0.0.1:1 whether it accepts the token',
    );
    expect(warning).toContain('ECONNREFUSED');
    expect(run.outputs['kubeconfig-path']).toBeTruthy();
    expect(run.summary).toContain('| cluster access | not verified:');
  });

  it('a server that never answers: the warning within the 10 s bound', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const run = await quickStart({ kubeconfig: kubeconfigFor(url) });
      expect(run.code, run.stdout).toBe(0);
      expect(warnings(run)[0]).toContain(`verify-access: could not ask ${url}`);
      expect(run.seconds).toBeLessThan(15);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('first contact warnings', () => {
  it("a kubeconfig user's own credentials are dropped, with a warning (aws eks get-token: use eks-cluster)", async () => {
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: server.url, 'certificate-authority-data': server.caData } },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
      users: [
        {
          name: 'u',
          user: {
            token: 'long-lived-token-in-a-variable',
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'aws',
              args: ['eks', 'get-token', '--cluster-name', 'demo'],
            },
          },
        },
      ],
    });
    const run = await quickStart({ kubeconfig, 'role-duration-seconds': '7200' });
    expect(run.code, run.stdout).toBe(0);
    const all = warnings(run).join('\n');
    expect(all).toContain(
      'Input "kubeconfig": user "u" carries credentials of its own (token, exec); they were dropped',
    );
    expect(all).toContain("readable by anyone who can read the repository's variables");
    expect(all).toContain('give input "eks-cluster"');
    expect(all).toContain(
      'Input "role-duration-seconds" has no effect: kubernetes mode with "kubeconfig" does not read it.',
    );
    expect(run.stdout).not.toContain('long-lived-token-in-a-variable');
  });
});
