// The evidence that the Kubernetes API server fixture is faithful: real kubectl (1.27, 1.32,
// 1.33) against it, with the requests and messages of docs/wire-formats.md, 2.
import { createServer } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import {
  rules,
  startKubeApiServer,
  type KubeApiServer,
  type KubeObject,
} from '../fixtures/kube-apiserver.js';
import {
  kubectl,
  rawRequest,
  UNAUTHORIZED_MESSAGES,
  type KubectlVersion,
} from '../fixtures/kube/kubectl.js';
import { jsonMergePatch, jsonPatch, strategicMergePatch } from '../fixtures/kube/patch.js';

const USER = 'forgejo:repo:org/app:ref:refs/heads/main';
const UNAUTHORIZED_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';

let issuer: Issuer;
let server: KubeApiServer;
let token: string;
let config: string;
let seq = 0;

/** A fresh workload name per test, so tests share one server without sharing state. */
const fresh = (base: string) => `${base}-${++seq}`;

withTrustingCluster({ stepMs: 15 }, async (started) => {
  ({ issuer, server } = started);
  token = await issuer.mint({ aud: AUDIENCE });
  config = server.kubeconfig(token);
});
beforeEach(() => {
  server.authorize = () => true;
  server.faults.length = 0;
});

const run = (args: string[], options: { version?: KubectlVersion; kubeconfig?: string } = {}) =>
  kubectl(args, {
    kubeconfig: options.kubeconfig ?? config,
    ...(options.version ? { version: options.version } : {}),
  });

/** The rollout status lines kubectl prints (docs/wire-formats.md), as patterns. */
const DEPLOYMENT_LINES = [
  /^Waiting for deployment spec update to be observed\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ out of \d+ new replicas have been updated\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ old replicas are pending termination\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ of \d+ updated replicas are available\.\.\.$/,
  /^deployment "[\w-]+" successfully rolled out$/,
];

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

/**
 * `kubectl set image` then `kubectl rollout status`, with the controller paused until kubectl's
 * watch is open, so kubectl sees every step whatever the machine's load; `duringWatch` acts
 * once the watch is open, before the rollout moves.
 */
async function setImageAndWait(
  target: string,
  image: string,
  options: {
    setup?: () => void;
    duringWatch?: () => void;
    timeout?: string;
    version?: KubectlVersion;
  } = {},
) {
  const name = target.split('/')[1] as string;
  server.pause();
  try {
    const version = options.version ? { version: options.version } : {};
    const set = await run(['set', 'image', target, `${name}=${image}`, '-n', 'demo'], version);
    expect(set.code, set.stderr).toBe(0);
    options.setup?.();
    const before = server.requests.length;
    const pending = run(
      ['rollout', 'status', target, '-n', 'demo', `--timeout=${options.timeout ?? '60s'}`],
      version,
    );
    await server.waitForRequest(
      (r) => r.verb === 'watch' && r.query['fieldSelector'] === `metadata.name=${name}`,
      { from: before },
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    options.duringWatch?.();
    server.resume();
    const result = await pending;
    const requests = server.requests
      .slice(before)
      .filter((r) => r.query['fieldSelector'] === `metadata.name=${name}`);
    return {
      result,
      requests,
      watches: requests.filter((r) => r.verb === 'watch').length,
      lists: requests.filter((r) => r.verb === 'list').length,
    };
  } finally {
    server.resume();
  }
}

/** kubectl on PATH (1.32) and the oldest and newest of the supported range. */
const KUBECTLS: Array<[string, KubectlVersion | undefined]> = [
  ['1.32 (PATH)', undefined],
  ['1.27', '1.27'],
  ['1.33', '1.33'],
];

describe('authentication (Structured Authentication: iss, aud, exp, JWKS from discovery)', () => {
  it.each(KUBECTLS)(
    'kubectl %s gets a deployment with a valid token, as prefix + sub',
    async (_label, version) => {
      const name = fresh('web');
      server.addDeployment({ name });
      const before = server.requests.length;
      const result = await run(
        ['get', 'deployment', name, '-n', 'demo'],
        version ? { version } : {},
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(lines(result.stdout)[0]).toMatch(/^NAME\s+AGE$/);
      expect(lines(result.stdout)[1]).toMatch(new RegExp(`^${name}\\s+\\d+s$`));
      const get = server.requests
        .slice(before)
        .find((r) => r.path === `/apis/apps/v1/namespaces/demo/deployments/${name}`);
      expect(get?.user).toBe(USER);
      expect(get?.verb).toBe('get');
    },
  );

  it.each(KUBECTLS)(
    'kubectl %s is refused a token of the wrong audience',
    async (_label, version) => {
      const wrong = await issuer.mint({ aud: 'wrong' });
      const result = await run(['get', 'deployment', 'anything', '-n', 'demo'], {
        kubeconfig: server.kubeconfig(wrong),
        ...(version ? { version } : {}),
      });
      expect(result.code).toBe(1);
      expect(UNAUTHORIZED_MESSAGES).toContain(lines(result.stderr).at(-1));
      expect(server.authFailures.at(-1)).toMatch(/aud/);
    },
  );

  it('answers every refusal with the one 401 body, and logs the reason', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, RegExp]> = [
      [await issuer.mint({ aud: 'wrong' }), /aud/],
      [await issuer.mint({ aud: AUDIENCE, iss: 'https://elsewhere.example' }), /iss/],
      [await issuer.mint({ aud: AUDIENCE, exp: now - 60, iat: now - 120, nbf: now - 120 }), /exp/],
      [await issuer.mint({ aud: AUDIENCE }, 'foreign'), /signature|key/i],
      ['not-a-jwt', /JWS|JWT|Invalid/i],
    ];
    for (const [bad, reason] of cases) {
      const response = await rawRequest(server.url, server.caData, '/api', { token: bad });
      expect(response.status).toBe(401);
      expect(response.body).toBe(UNAUTHORIZED_BODY);
      expect(server.authFailures.at(-1)).toMatch(reason);
    }
    const anonymous = await rawRequest(server.url, server.caData, '/apis/apps/v1');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toBe(UNAUTHORIZED_BODY);
  });

  it('kubectl sends no bearer token to an http:// server (why the fixture is HTTPS only)', async () => {
    const seen: Array<string | undefined> = [];
    const plain = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' }).end(UNAUTHORIZED_BODY);
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const port = (plain.address() as AddressInfo).port;
      const kubeconfig = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'plain', cluster: { server: `http://127.0.0.1:${port}` } }],
        contexts: [{ name: 'plain', context: { cluster: 'plain', user: 'ci' } }],
        'current-context': 'plain',
        users: [{ name: 'ci', user: { token } }],
      });
      const result = await run(['get', 'pods'], { kubeconfig });
      expect(result.code).toBe(1);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((header) => header === undefined)).toBe(true);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('refuses a token once it has expired (a short issuer lifetime)', async () => {
    issuer.setLifetime(3);
    try {
      const shortLived = await issuer.mint({ aud: AUDIENCE });
      expect(
        (await rawRequest(server.url, server.caData, '/version', { token: shortLived })).status,
      ).toBe(200);
      const { exp } = JSON.parse(
        Buffer.from(shortLived.split('.')[1] as string, 'base64url').toString(),
      ) as { exp: number };
      await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
      const later = await rawRequest(server.url, server.caData, '/version', { token: shortLived });
      expect(later.status).toBe(401);
      expect(server.authFailures.at(-1)).toMatch(/exp/);
    } finally {
      issuer.setLifetime(3600);
    }
  });
});

describe('kubectl auth whoami: SelfSubjectReview by served version (docs/wire-formats.md, 2f)', () => {
  /** The review requests of one kubectl run, as `VERSION STATUS`. */
  async function whoami(on: KubeApiServer, version: KubectlVersion, kubeconfig: string) {
    const from = on.requests.length;
    const result = await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig, version });
    const asked = on.requests
      .slice(from)
      .filter((r) => r.path.endsWith('/selfsubjectreviews'))
      .map((r) => `${r.method} ${r.path.split('/')[3] ?? ''} ${r.status}`);
    return { result, asked };
  }

  it.each([
    // kubectl 1.27 has no v1 client: it starts at v1beta1; from 1.28 at v1. Each falls back on 404.
    ['1.32', '1.27', ['POST v1beta1 201'], 'authentication.k8s.io/v1beta1'],
    ['1.32', '1.28', ['POST v1 201'], 'authentication.k8s.io/v1'],
    ['1.32', '1.33', ['POST v1 201'], 'authentication.k8s.io/v1'],
    ['1.27', '1.27', ['POST v1beta1 201'], 'authentication.k8s.io/v1beta1'],
    ['1.27', '1.33', ['POST v1 404', 'POST v1beta1 201'], 'authentication.k8s.io/v1beta1'],
  ] as Array<[string, KubectlVersion, string[], string]>)(
    'server %s, kubectl %s: %j, the user and groups the server authenticated',
    async (serverVersion, version, asked, apiVersion) => {
      const [major, minor] = serverVersion.split('.') as [string, string];
      const versioned = await startKubeApiServer({
        issuer: issuer.issuer,
        audiences: [AUDIENCE],
        usernamePrefix: 'forgejo:',
        stepMs: 0,
        version: { major, minor },
      });
      try {
        const seen = await whoami(versioned, version, versioned.kubeconfig(token));
        expect(seen.result.code, seen.result.stderr).toBe(0);
        expect(seen.asked).toEqual(asked);
        expect(JSON.parse(seen.result.stdout)).toEqual({
          kind: 'SelfSubjectReview',
          apiVersion,
          metadata: { creationTimestamp: null },
          status: { userInfo: { username: USER, groups: ['system:authenticated'] } },
        });
      } finally {
        await versioned.close();
      }
    },
  );

  it('a server that serves none (1.26): 404 on v1, v1beta1 and v1alpha1, and kubectl says so', async () => {
    const old = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      usernamePrefix: 'forgejo:',
      stepMs: 0,
      version: { major: '1', minor: '26' },
    });
    try {
      const seen = await whoami(old, '1.33', old.kubeconfig(token));
      expect(seen.asked).toEqual(['POST v1 404', 'POST v1beta1 404', 'POST v1alpha1 404']);
      expect(seen.result.code).toBe(1);
      expect(seen.result.stderr).toContain(
        'error: the selfsubjectreviews API is not enabled in the cluster',
      );
    } finally {
      await old.close();
    }
  });

  it('a refused token: the one 401, and kubectl\'s "You must be logged in"', async () => {
    const wrong = await issuer.mint({ aud: 'https://other.example' });
    const seen = await whoami(server, '1.33', server.kubeconfig(wrong));
    expect(seen.asked).toEqual(['POST v1 401']);
    expect(UNAUTHORIZED_MESSAGES).toContain(seen.result.stderr.trim());
  });

  it('a review the authorizer refuses (a fault here): kubectl says it may not call it', async () => {
    server.faults.push({
      match: { path: '/apis/authentication.k8s.io/v1/selfsubjectreviews' },
      status: 403,
      message: `selfsubjectreviews.authentication.k8s.io is forbidden: User "${USER}" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope`,
    });
    const seen = await whoami(server, '1.33', config);
    expect(seen.asked).toEqual(['POST v1 403']);
    expect(seen.result.stderr).toContain(
      'the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it',
    );
  });
});

describe('kubectl set image', () => {
  it('sends the GET and the strategic merge PATCH of docs/wire-formats.md, and the object changes', async () => {
    const name = fresh('web');
    server.addDeployment({
      name,
      containers: [
        { name: 'web', image: 'nginx:1.26' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ],
    });
    const before = server.requests.length;
    const result = await run([
      'set',
      'image',
      `deployment/${name}`,
      'web=nginx:1.27',
      '-n',
      'demo',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(`deployment.apps/${name} image updated`);
    const api = server.requests
      .slice(before)
      .filter((r) => r.path.startsWith('/apis/apps/v1/namespaces/'));
    expect(api.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /apis/apps/v1/namespaces/demo/deployments/${name}`,
      `PATCH /apis/apps/v1/namespaces/demo/deployments/${name}`,
    ]);
    const patch = api[1];
    expect(patch?.query).toEqual({ fieldManager: 'kubectl-set' });
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch?.body).toEqual({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ image: 'nginx:1.27', name: 'web' }],
          },
        },
      },
    });
    const after = server.get('apps/deployments', 'demo', name) as KubeObject;
    expect(after.metadata['generation']).toBe(2);
    const containers = (
      after['spec'] as {
        template: { spec: { containers: Array<{ name: string; image: string }> } };
      }
    ).template.spec.containers.map((c) => `${c.name}=${c.image}`);
    expect(containers).toEqual(['web=nginx:1.27', 'sidecar=busybox:1.36']);
  });

  it('patches every container and init container with *=image', async () => {
    const name = fresh('web');
    server.addDeployment({
      name,
      initContainers: [{ name: 'migrate', image: 'app:1' }],
      containers: [
        { name: 'web', image: 'nginx:1.26' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ],
    });
    const before = server.requests.length;
    const result = await run([
      'set',
      'image',
      `deployment/${name}`,
      '*=registry.example/app:2',
      '-n',
      'demo',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const patch = server.requests.slice(before).find((r) => r.method === 'PATCH');
    const spec = (patch?.body as { spec: { template: { spec: Record<string, unknown> } } }).spec
      .template.spec;
    expect(spec['$setElementOrder/initContainers']).toEqual([{ name: 'migrate' }]);
    expect(spec['initContainers']).toEqual([{ image: 'registry.example/app:2', name: 'migrate' }]);
    const stored = server.get('apps/deployments', 'demo', name) as KubeObject;
    const podSpec = (
      stored['spec'] as { template: { spec: Record<string, Array<{ image: string }>> } }
    ).template.spec;
    expect(
      [...(podSpec['initContainers'] ?? []), ...(podSpec['containers'] ?? [])].map((c) => c.image),
    ).toEqual(['registry.example/app:2', 'registry.example/app:2', 'registry.example/app:2']);
  });

  it('leaves an unknown container to kubectl: "unable to find container named"', async () => {
    const name = fresh('web');
    server.addDeployment({ name });
    const result = await run([
      'set',
      'image',
      `deployment/${name}`,
      'nope=nginx:1.27',
      '-n',
      'demo',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: unable to find container named "nope"');
  });

  it('gives the 403 message of docs/wire-formats.md to a user who may not patch', async () => {
    const name = fresh('web');
    server.addDeployment({ name });
    server.authorize = rules([{ verbs: ['get', 'list', 'watch'] }]);
    const result = await run([
      'set',
      'image',
      `deployment/${name}`,
      `${name}=nginx:1.27`,
      '-n',
      'demo',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error: failed to patch image update to pod template: deployments.apps "${name}" is forbidden: User "${USER}" cannot patch resource "deployments" in API group "apps" in the namespace "demo"`,
    );
  });
});

describe('403 bodies', () => {
  it('names the resource, group and scope as RBAC does (list without name, core group, cluster scope, reason)', async () => {
    server.authorize = (a) =>
      a.resource === 'pods' ? { allowed: false, reason: 'RBAC: role "x" not found' } : false;
    const cases: Array<[string, string, Record<string, string>]> = [
      [
        '/apis/apps/v1/namespaces/demo/deployments/web',
        `deployments.apps "web" is forbidden: User "${USER}" cannot get resource "deployments" in API group "apps" in the namespace "demo"`,
        { name: 'web', group: 'apps', kind: 'deployments' },
      ],
      [
        '/apis/apps/v1/namespaces/demo/deployments?fieldSelector=metadata.name%3Dweb',
        `deployments.apps is forbidden: User "${USER}" cannot list resource "deployments" in API group "apps" in the namespace "demo"`,
        { group: 'apps', kind: 'deployments' },
      ],
      [
        '/api/v1/namespaces/demo/pods?watch=true',
        `pods is forbidden: User "${USER}" cannot watch resource "pods" in API group "" in the namespace "demo": RBAC: role "x" not found`,
        { kind: 'pods' },
      ],
      [
        '/api/v1/namespaces/demo',
        `namespaces "demo" is forbidden: User "${USER}" cannot get resource "namespaces" in API group "" at the cluster scope`,
        { name: 'demo', kind: 'namespaces' },
      ],
    ];
    for (const [path, message, details] of cases) {
      const response = await rawRequest(server.url, server.caData, path, { token });
      expect(response.status).toBe(403);
      expect(JSON.parse(response.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: 'Forbidden',
        details,
        code: 403,
      });
      // The parser of docs/wire-formats.md reads every variant.
      expect(message).toMatch(
        /User "((?:[^"\\]|\\.)*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/,
      );
    }
  });
});

describe('kubectl rollout status', () => {
  it('prints the progress lines of a Deployment and "successfully rolled out"', async () => {
    const name = fresh('web');
    server.addDeployment({ name });
    const { result, requests: calls } = await setImageAndWait(`deployment/${name}`, 'nginx:1.27');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = lines(result.stdout);
    expect(printed.at(-1)).toBe(`deployment "${name}" successfully rolled out`);
    for (const line of printed)
      expect(
        DEPLOYMENT_LINES.some((p) => p.test(line)),
        line,
      ).toBe(true);
    expect(printed.some((l) => l.includes('new replicas have been updated'))).toBe(true);
    expect(printed.some((l) => l.includes('old replicas are pending termination'))).toBe(true);
    // LIST with resourceVersion=0, then a WATCH from the list's resourceVersion.
    const list = calls.find((r) => r.verb === 'list');
    const watch = calls.find((r) => r.verb === 'watch');
    expect(list?.query).toEqual({
      fieldSelector: `metadata.name=${name}`,
      limit: '500',
      resourceVersion: '0',
    });
    expect(watch?.query).toMatchObject({
      allowWatchBookmarks: 'true',
      fieldSelector: `metadata.name=${name}`,
      watch: 'true',
    });
    expect(Number(watch?.query['timeoutSeconds'])).toBeGreaterThanOrEqual(300);
    // Old pods may still be terminating (deletionTimestamp) when kubectl is satisfied.
    const pods = server
      .list('pods', 'demo')
      .filter((p) => String(p.metadata['name']).startsWith(`${name}-`))
      .filter((p) => !p.metadata['deletionTimestamp']);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      const status = pod['status'] as {
        phase: string;
        containerStatuses: Array<{ image: string; ready: boolean }>;
      };
      expect(status.phase).toBe('Running');
      expect(status.containerStatuses[0]).toMatchObject({ image: 'nginx:1.27', ready: true });
    }
  });

  it.each([['1.27'], ['1.33']] as Array<[KubectlVersion]>)(
    'kubectl %s: the same PATCH body and rollout lines',
    async (version) => {
      const name = fresh('web');
      server.addDeployment({
        name,
        containers: [
          { name, image: 'nginx:1.26' },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
      });
      const before = server.requests.length;
      const { result } = await setImageAndWait(`deployment/${name}`, 'nginx:1.27', { version });
      const patch = server.requests.slice(before).find((r) => r.method === 'PATCH');
      expect(patch?.query).toEqual({ fieldManager: 'kubectl-set' });
      expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
      expect(patch?.body).toEqual({
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name }, { name: 'sidecar' }],
              containers: [{ image: 'nginx:1.27', name }],
            },
          },
        },
      });
      expect(result.code, result.stderr).toBe(0);
      const printed = lines(result.stdout);
      expect(printed.at(-1)).toBe(`deployment "${name}" successfully rolled out`);
      for (const line of printed)
        expect(
          DEPLOYMENT_LINES.some((p) => p.test(line)),
          line,
        ).toBe(true);
    },
  );

  it('shows "N of M updated replicas are available" with maxUnavailable', async () => {
    const name = fresh('web');
    server.addDeployment({
      name,
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    });
    const { result } = await setImageAndWait(`deployment/${name}`, 'nginx:1.27');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `Waiting for deployment "${name}" rollout to finish: 1 of 2 updated replicas are available...`,
    );
    expect(lines(result.stdout).at(-1)).toBe(`deployment "${name}" successfully rolled out`);
  });

  it('ends a stuck rollout (ImagePullBackOff) with "exceeded its progress deadline"', async () => {
    const name = fresh('stuck');
    server.addDeployment({ name, progressDeadlineSeconds: 1 });
    await run(['set', 'image', `deployment/${name}`, `${name}=nginx:does-not-exist`, '-n', 'demo']);
    const result = await run([
      'rollout',
      'status',
      `deployment/${name}`,
      '-n',
      'demo',
      '--timeout=60s',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`error: deployment "${name}" exceeded its progress deadline`);
    const deployment = server.get('apps/deployments', 'demo', name) as KubeObject;
    const progressing = (
      deployment['status'] as { conditions: Array<Record<string, string>> }
    ).conditions.find((c) => c['type'] === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    const stuckPod = server
      .list('pods', 'demo')
      .find(
        (p) =>
          String(p.metadata['name']).startsWith(`${name}-`) &&
          JSON.stringify(p['status']).includes('ImagePullBackOff'),
      );
    expect(stuckPod).toBeDefined();
    const events = server
      .list('events', 'demo')
      .filter((e) => (e['involvedObject'] as { name: string }).name === stuckPod?.metadata['name']);
    expect(
      events.map((e) => `${String(e['type'])} ${String(e['reason'])} ${String(e['message'])}`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Warning Failed Failed to pull image "nginx:does-not-exist": .*not found$/,
        ),
        'Warning Failed Error: ErrImagePull',
        'Normal BackOff Back-off pulling image "nginx:does-not-exist"',
        'Warning Failed Error: ImagePullBackOff',
      ]),
    );
    // kubectl reads the same events with a field selector.
    const listed = await run([
      'get',
      'events',
      '-n',
      'demo',
      '--field-selector',
      `involvedObject.name=${String(stuckPod?.metadata['name'])},type=Warning`,
      '-o',
      'jsonpath={.items[*].reason}',
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split(' ').every((r) => r === 'Failed')).toBe(true);
  });

  it('gives "timed out waiting for the condition" for a too-short timeout', async () => {
    const name = fresh('slow');
    server.addDeployment({ name, progressDeadlineSeconds: 60 });
    server.setScenario('Deployment', 'demo', name, 'unschedulable');
    await run(['set', 'image', `deployment/${name}`, `${name}=nginx:1.27`, '-n', 'demo']);
    const result = await run([
      'rollout',
      'status',
      `deployment/${name}`,
      '-n',
      'demo',
      '--timeout=300ms',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: timed out waiting for the condition');
    // The scenario: a Pending pod with the scheduler's reason and a FailedScheduling event.
    const pending = server
      .list('pods', 'demo')
      .find(
        (p) =>
          String(p.metadata['name']).startsWith(`${name}-`) &&
          (p['status'] as { phase: string }).phase === 'Pending',
      );
    expect((pending?.['status'] as { conditions: unknown[] }).conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }),
    ]);
    expect(
      server
        .list('events', 'demo')
        .some(
          (e) =>
            e['reason'] === 'FailedScheduling' &&
            (e['involvedObject'] as { name: string }).name === pending?.metadata['name'],
        ),
    ).toBe(true);
  });

  it('shows a crash-looping pod as CrashLoopBackOff with its last exit code', async () => {
    const name = fresh('crash');
    server.addDeployment({ name, replicas: 1 });
    await run([
      'set',
      'image',
      `deployment/${name}`,
      `${name}=registry.example/crashloop:1`,
      '-n',
      'demo',
    ]);
    await server.waitFor('apps/deployments', 'demo', name, () =>
      server
        .list('pods', 'demo')
        .some((p) => JSON.stringify(p['status']).includes('CrashLoopBackOff')),
    );
    const result = await run(['get', 'pods', '-n', 'demo', '-l', `app=${name}`, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const items = (
      JSON.parse(result.stdout) as {
        items: Array<{ status: { containerStatuses: Array<Record<string, unknown>> } }>;
      }
    ).items;
    const crashing = items
      .map((p) => p.status.containerStatuses[0])
      .find((s) => JSON.stringify(s).includes('CrashLoopBackOff'));
    expect(crashing).toMatchObject({
      ready: false,
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error' } },
    });
  });

  it('follows a StatefulSet to "partitioned roll out complete"', async () => {
    const name = fresh('db');
    server.addStatefulSet({ name });
    const { result } = await setImageAndWait(`statefulset/${name}`, 'postgres:17');
    expect(result.code, result.stderr).toBe(0);
    const printed = lines(result.stdout);
    expect(printed.at(-1)).toBe('partitioned roll out complete: 3 new pods have been updated...');
    for (const line of printed.slice(0, -1))
      expect(line).toMatch(
        /^(Waiting for \d+ pods to be ready\.\.\.|Waiting for partitioned roll out to finish: \d+ out of 3 new pods have been updated\.\.\.|Waiting for statefulset spec update to be observed\.\.\.)$/,
      );
    const sts = server.get('apps/statefulsets', 'demo', name) as KubeObject;
    const status = sts['status'] as Record<string, unknown>;
    expect(status['currentRevision']).toBe(status['updateRevision']);
    expect(status['updatedReplicas']).toBe(3);
  });

  it('stops a StatefulSet at its partition', async () => {
    const name = fresh('db');
    server.addStatefulSet({
      name,
      strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
    });
    const { result } = await setImageAndWait(`statefulset/${name}`, 'postgres:17');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toBe(
      'partitioned roll out complete: 1 new pods have been updated...',
    );
    const images = server
      .list('pods', 'demo')
      .filter((p) => String(p.metadata['name']).startsWith(`${name}-`))
      .map(
        (p) =>
          `${String(p.metadata['name'])}=${(p['spec'] as { containers: Array<{ image: string }> }).containers[0]?.image}`,
      )
      .sort();
    expect(images).toEqual([
      `${name}-0=nginx:1.26`,
      `${name}-1=nginx:1.26`,
      `${name}-2=postgres:17`,
    ]);
  });

  it("follows a DaemonSet, and refuses OnDelete with kubectl's error", async () => {
    const name = fresh('agent');
    server.addDaemonSet({ name });
    const { result } = await setImageAndWait(`daemonset/${name}`, 'agent:2');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toBe(`daemon set "${name}" successfully rolled out`);
    expect(result.stdout).toContain(
      `Waiting for daemon set "${name}" rollout to finish: 0 out of 2 new pods have been updated...`,
    );

    const onDelete = fresh('agent');
    server.addDaemonSet({ name: onDelete, strategy: { type: 'OnDelete' } });
    const refused = await run(['rollout', 'status', `daemonset/${onDelete}`, '-n', 'demo']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      'error: rollout status is only available for RollingUpdate strategy type',
    );
  });

  it('refuses an OnDelete StatefulSet too; its pods change only when deleted', async () => {
    const name = fresh('db');
    server.addStatefulSet({ name, replicas: 2, strategy: { type: 'OnDelete' } });
    const refused = await run(['rollout', 'status', `statefulset/${name}`, '-n', 'demo']);
    expect(refused.stderr.trim()).toBe(
      'error: rollout status is only available for RollingUpdate strategy type',
    );
    await run(['set', 'image', `statefulset/${name}`, `${name}=postgres:17`, '-n', 'demo']);
    await server.waitFor(
      'apps/statefulsets',
      'demo',
      name,
      (o) => (o?.['status'] as { observedGeneration?: number })?.observedGeneration === 2,
    );
    server.step(5);
    const image = (pod: string) =>
      (
        server.get('pods', 'demo', pod)?.['spec'] as
          { containers: Array<{ image: string }> } | undefined
      )?.containers[0]?.image;
    expect(image(`${name}-1`)).toBe('nginx:1.26');
    expect((await run(['delete', 'pod', `${name}-1`, '-n', 'demo', '--wait=false'])).code).toBe(0);
    await server.waitFor('pods', 'demo', `${name}-1`, (p) =>
      JSON.stringify(p?.['spec'] ?? '').includes('postgres:17'),
    );
    expect(image(`${name}-0`)).toBe('nginx:1.26');
  });
});

describe('watch faults: kubectl rollout status recovers as client-go does', () => {
  async function rolloutWith(setup: () => void, duringWatch?: () => void) {
    const name = fresh('web');
    server.addDeployment({ name });
    return setImageAndWait(`deployment/${name}`, 'nginx:1.27', {
      setup,
      ...(duringWatch ? { duringWatch } : {}),
    });
  }

  it('re-watches after a watch dropped mid-stream', async () => {
    const { result, watches } = await rolloutWith(() =>
      server.faults.push({ match: { watch: true }, kind: 'drop', afterEvents: 2 }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatch(/successfully rolled out$/);
    expect(watches).toBeGreaterThanOrEqual(2);
  });

  it('re-lists after 410 Gone on the re-watch', async () => {
    const { result, lists, watches } = await rolloutWith(() =>
      server.faults.push(
        { match: { watch: true }, kind: 'drop', afterEvents: 2 },
        { match: { watch: true }, kind: 'gone' },
      ),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(watches).toBeGreaterThanOrEqual(3);
    expect(lists).toBeGreaterThanOrEqual(2);
  });

  it('re-lists after an ERROR event with code 410', async () => {
    const { result, lists } = await rolloutWith(() =>
      server.faults.push({ match: { watch: true }, kind: 'gone-event' }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatch(/successfully rolled out$/);
    expect(lists).toBeGreaterThanOrEqual(2);
  });

  it('re-lists when the history was compacted under a dropped watch (too old resourceVersion)', async () => {
    const { result, lists } = await rolloutWith(
      () => undefined,
      () => {
        server.step(3);
        server.compact();
        server.dropWatches();
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(lists).toBeGreaterThanOrEqual(2);
  });

  it('finishes a slow watch', async () => {
    const { result } = await rolloutWith(() =>
      server.faults.push({ match: { watch: true }, kind: 'slow', delayMs: 100 }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).at(-1)).toMatch(/successfully rolled out$/);
  });

  it('retries 429 with Retry-After; reports a 503', async () => {
    const name = fresh('web');
    server.addDeployment({ name });
    server.faults.push({
      match: { verb: 'get', resource: 'deployments' },
      status: 429,
      retryAfterSeconds: 0,
    });
    const before = server.requests.length;
    const retried = await run(['get', 'deployment', name, '-n', 'demo']);
    expect(retried.code, retried.stderr).toBe(0);
    const gets = server.requests.slice(before).filter((r) => r.verb === 'get');
    expect(gets.map((r) => r.status)).toEqual([429, 200]);
    const raw = server.faults.push({ match: { verb: 'get' }, status: 429, retryAfterSeconds: 1 });
    expect(raw).toBe(1);
    const response = await rawRequest(
      server.url,
      server.caData,
      `/apis/apps/v1/namespaces/demo/deployments/${name}`,
      { token },
    );
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('1');
    expect(JSON.parse(response.body)).toMatchObject({
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    });

    server.faults.push({ match: { verb: 'get', resource: 'deployments' }, status: 503 });
    const failed = await run(['get', 'deployment', name, '-n', 'demo']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Error from server (ServiceUnavailable)');
  });

  it('ends the wait when the workload is deleted mid-rollout', async () => {
    const name = fresh('gone');
    server.addDeployment({ name });
    const { result } = await setImageAndWait(`deployment/${name}`, 'nginx:1.27', {
      duringWatch: () => server.deleteWorkload('Deployment', 'demo', name),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain('timed out');
    expect(
      server.list('pods', 'demo').some((p) => String(p.metadata['name']).startsWith(`${name}-`)),
    ).toBe(false);
    expect(result.stderr.trim()).toBe('error: object has been deleted');
  });
});

describe('the wire, read raw', () => {
  /** A watch read to its end: the newline-delimited events and how long the stream lasted. */
  function watchStream(path: string): Promise<{ status: number; events: unknown[]; ms: number }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, server.url),
        {
          ca: Buffer.from(server.caData, 'base64').toString(),
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              events: text
                .split('\n')
                .filter(Boolean)
                .map((l) => JSON.parse(l) as unknown),
              ms: Date.now() - started,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('streams MODIFIED events from a resourceVersion until timeoutSeconds; JSON merge patch bumps generation only on a spec change', async () => {
    const name = fresh('raw');
    server.addDeployment({ name, replicas: 1 });
    server.pause();
    try {
      const base = `/apis/apps/v1/namespaces/demo/deployments`;
      const list = await rawRequest(
        server.url,
        server.caData,
        `${base}?fieldSelector=metadata.name%3D${name}`,
        { token },
      );
      const listed = JSON.parse(list.body) as {
        kind: string;
        metadata: { resourceVersion: string };
        items: Array<Record<string, unknown>>;
      };
      expect(listed.kind).toBe('DeploymentList');
      expect(listed.items).toHaveLength(1);
      expect(listed.items[0]?.['kind']).toBeUndefined();
      const watching = watchStream(
        `${base}?fieldSelector=metadata.name%3D${name}&resourceVersion=${listed.metadata.resourceVersion}&timeoutSeconds=1&watch=true`,
      );
      const patchBody = JSON.stringify({
        metadata: { annotations: { note: 'metadata only' } },
      });
      const metaOnly = await rawRequest(server.url, server.caData, `${base}/${name}`, {
        token,
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: patchBody,
      });
      expect(metaOnly.status).toBe(200);
      expect(
        (JSON.parse(metaOnly.body) as { metadata: { generation: number } }).metadata.generation,
      ).toBe(1);
      const image = await rawRequest(server.url, server.caData, `${base}/${name}`, {
        token,
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: JSON.stringify({
          spec: { template: { spec: { containers: [{ name, image: 'nginx:1.27' }] } } },
        }),
      });
      expect(image.status).toBe(200);
      const { status, events, ms } = await watching;
      expect(status).toBe(200);
      expect(ms).toBeGreaterThanOrEqual(900);
      const seen = events as Array<{
        type: string;
        object: { kind: string; metadata: { generation: number; resourceVersion: string } };
      }>;
      expect(seen.map((e) => `${e.type} ${e.object.kind} ${e.object.metadata.generation}`)).toEqual(
        ['MODIFIED Deployment 1', 'MODIFIED Deployment 2'],
      );
      expect(Number(seen[1]?.object.metadata.resourceVersion)).toBeGreaterThan(
        Number(seen[0]?.object.metadata.resourceVersion),
      );
      const unsupported = await rawRequest(server.url, server.caData, `${base}/${name}`, {
        token,
        method: 'PATCH',
        contentType: 'application/yaml',
        body: '{}',
      });
      expect(unsupported.status).toBe(415);
      // Server-side apply is served (kube-apiserver-apply.test.ts); without fieldManager it is 422.
      const apply = await rawRequest(server.url, server.caData, `${base}/${name}`, {
        token,
        method: 'PATCH',
        contentType: 'application/apply-patch+yaml',
        body: '{}',
      });
      expect(apply.status).toBe(422);
      const missing = await rawRequest(server.url, server.caData, `${base}/nope`, { token });
      expect(JSON.parse(missing.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'deployments.apps "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'apps', kind: 'deployments' },
        code: 404,
      });
    } finally {
      server.resume();
    }
  });
});

describe('watch bookmarks', () => {
  it('kubectl takes BOOKMARK events in its stride', async () => {
    const bookmarking = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      usernamePrefix: 'forgejo:',
      stepMs: 40,
      bookmarkMs: 10,
    });
    try {
      bookmarking.addDeployment({ name: 'web' });
      const kubeconfig = bookmarking.kubeconfig(token);
      await kubectl(['set', 'image', 'deployment/web', 'web=nginx:1.27', '-n', 'demo'], {
        kubeconfig,
      });
      const result = await kubectl(
        ['rollout', 'status', 'deployment/web', '-n', 'demo', '--timeout=30s'],
        { kubeconfig },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(lines(result.stdout).at(-1)).toBe('deployment "web" successfully rolled out');
      const watch = bookmarking.requests.find((r) => r.verb === 'watch');
      expect(watch?.query['allowWatchBookmarks']).toBe('true');
    } finally {
      await bookmarking.close();
    }
  });
});

describe('patch types (table-driven)', () => {
  const base = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'a:1', env: [{ name: 'X', value: '1' }] },
            { name: 'sidecar', image: 'b:1' },
          ],
        },
      },
    },
  };
  it.each([
    [
      'merges containers by name and keeps the order of $setElementOrder',
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
              containers: [{ name: 'web', image: 'a:2' }],
            },
          },
        },
      },
      ['sidecar=b:1', 'web=a:2'],
    ],
    [
      'adds a container that is not there',
      { spec: { template: { spec: { containers: [{ name: 'new', image: 'c:1' }] } } } },
      ['web=a:1', 'sidecar=b:1', 'new=c:1'],
    ],
    [
      'deletes with $patch: delete',
      { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      ['web=a:1'],
    ],
    [
      'replaces with $patch: replace',
      {
        spec: {
          template: {
            spec: { containers: [{ name: 'only', image: 'd:1' }, { $patch: 'replace' }] },
          },
        },
      },
      ['only=d:1'],
    ],
  ])('strategic merge patch %s', (_name, patch, expected) => {
    const result = strategicMergePatch(base as never, patch) as typeof base;
    expect(result.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(
      expected,
    );
    expect(
      result.spec.template.spec.containers.find((c) => c.name === 'web')?.env ?? [
        { name: 'X', value: '1' },
      ],
    ).toEqual([{ name: 'X', value: '1' }]);
  });

  it('JSON merge patch replaces lists; JSON patch edits by pointer', () => {
    const merged = jsonMergePatch(
      base as never,
      { spec: { template: { spec: { containers: [{ name: 'x', image: 'x:1' }] } } } } as never,
    ) as typeof base;
    expect(merged.spec.template.spec.containers).toEqual([{ name: 'x', image: 'x:1' }]);
    const patched = jsonPatch(base as never, [
      { op: 'replace', path: '/spec/template/spec/containers/1/image', value: 'b:2' },
    ]) as typeof base;
    expect(patched.spec.template.spec.containers[1]?.image).toBe('b:2');
    expect(base.spec.template.spec.containers[1]?.image).toBe('b:1');
  });
});
