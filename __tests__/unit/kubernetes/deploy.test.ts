import { afterEach, describe, expect, it } from 'vitest';
import { explainUnauthorized } from '../../../src/kubernetes/sources/kubeconfig/explain.js';
import { parseAllDocuments } from 'yaml';
import { ActionError } from '../../../src/base/errors.js';
import { KubeClient } from '../../../src/kubernetes/api/client.js';
import { deploy } from '../../helpers/deploy.js';
import { recordingLogger } from '../../helpers/logger.js';
import { deployment, startFakeApi, statefulSet, type FakeApi } from './fake-api.js';
import { fakeToken } from './loopback.js';
import type { ImageAssignment, WorkloadRef } from '../../../src/kubernetes/workloads/refs.js';

const DEPLOYMENTS = '/apis/apps/v1/namespaces/demo/deployments';
const STATEFULSETS = '/apis/apps/v1/namespaces/demo/statefulsets';
const claims = {
  iss: 'https://code.example/api/actions',
  sub: 'repo:org/app:ref:refs/heads/main',
  aud: ['k8s'],
  exp: Math.floor(Date.now() / 1000) + 3600,
  extra: {},
};

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.server.close();
  api = undefined;
});

async function fake(): Promise<FakeApi> {
  api = await startFakeApi();
  api.objects.set(
    `${DEPLOYMENTS}/web`,
    deployment('web', { web: 'nginx:1.26', sidecar: 'envoy:1' }, { migrate: 'app:1' }),
  );
  api.objects.set(`${STATEFULSETS}/db`, statefulSet('db', { db: 'postgres:16' }));
  return api;
}

function run(
  a: FakeApi,
  workloads: WorkloadRef[],
  images: ImageAssignment[],
  options: { timeoutMs?: number; rollback?: boolean } = {},
) {
  const logger = recordingLogger();
  const client = new KubeClient({
    target: {
      server: a.server.url,
      certificateAuthorityData: a.server.caData,
      insecureSkipTlsVerify: false,
      tlsServerName: undefined,
    },
    token: fakeToken(claims.exp),
    tokenExp: claims.exp,
    logger,
  });
  const done = deploy({
    client,
    namespace: 'demo',
    workloads,
    images,
    rolloutTimeoutMs: options.timeoutMs ?? 5000,
    rollbackOnFailure: options.rollback ?? false,
    explanations: { unauthorized: (doing: string) => explainUnauthorized(doing, claims) },
    env: { GITHUB_REPOSITORY: 'org/app', GITHUB_SHA: 'abc123', GITHUB_RUN_ID: '42' },
    logger,
    waitTuning: { backoff: { baseDelayMs: 10, maxDelayMs: 50 }, watchTimeoutSeconds: () => 300 },
  });
  return { done, logger };
}

/** Forty deployments whose PATCHes each take 20 ms, to see how many are in flight. */
async function fortyDeployments(): Promise<{ a: FakeApi; names: string[] }> {
  const a = await fake();
  const names = Array.from({ length: 40 }, (_, i) => `app-${String(i).padStart(2, '0')}`);
  for (const name of names)
    a.objects.set(`${DEPLOYMENTS}/${name}`, deployment(name, { web: 'a:1' }));
  a.patchDelayMs = 20;
  return { a, names };
}

function refs(names: string[]): WorkloadRef[] {
  return names.map((name) => ({ kind: 'deployment', name }));
}

describe('deploy: validation before any change', () => {
  it('reports every missing workload and unknown container in one error, and patches nothing', async () => {
    const a = await fake();
    const { done } = run(
      a,
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'deployment', name: 'missing' },
        { kind: 'statefulset', name: 'db' },
      ],
      [
        { container: 'web', image: 'nginx:1.27' },
        { container: 'nope', image: 'x:1' },
      ],
    );
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    const message = (error as ActionError).message;
    expect(message).toContain('deployments.apps "missing" not found');
    expect(message).toContain('deployment/web: unable to find container named "nope"');
    expect(message).toContain('statefulset/db: unable to find container named "web"');
    expect(message).toContain('statefulset/db: unable to find container named "nope"');
    expect(message).toContain('Nothing was changed.');
    expect(a.patches).toHaveLength(0);
    expect(a.server.requests.every((r) => r.method === 'GET')).toBe(true);
  });
});

describe('deploy: set image and wait', () => {
  it('patches as kubectl does, with our field manager and change cause, then waits', async () => {
    const a = await fake();
    const { done, logger } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [
        { container: 'web', image: 'nginx:1.27' },
        { container: 'migrate', image: 'app:2' },
      ],
    );
    const result = await done;
    expect(a.patches).toHaveLength(1);
    const patch = a.patches[0]!;
    expect(patch.path).toBe(`${DEPLOYMENTS}/web`);
    expect(patch.query.get('fieldManager')).toBe('oidc-deploy-action');
    expect(patch.headers['content-type']).toBe('application/strategic-merge-patch+json');
    expect(patch.headers.authorization).toBe(`Bearer ${fakeToken(claims.exp)}`);
    expect(JSON.parse(patch.body)).toEqual({
      metadata: {
        annotations: {
          'kubernetes.io/change-cause':
            'oidc-deploy-action set image deployment/web web=nginx:1.27 migrate=app:2 (repository org/app, commit abc123, run 42)',
        },
      },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            '$setElementOrder/initContainers': [{ name: 'migrate' }],
            containers: [{ image: 'nginx:1.27', name: 'web' }],
            initContainers: [{ image: 'app:2', name: 'migrate' }],
          },
        },
      },
    });
    expect(result.diagnosis).toBeUndefined();
    expect(result.workloads).toEqual([
      {
        kind: 'deployment',
        name: 'web',
        namespace: 'demo',
        containers: [
          { name: 'web', init: false, previousImage: 'nginx:1.26', newImage: 'nginx:1.27' },
          { name: 'migrate', init: true, previousImage: 'app:1', newImage: 'app:2' },
        ],
        result: 'rolled-out',
        seconds: expect.any(Number),
        message: 'deployment "web" successfully rolled out',
      },
    ]);
    expect(logger.lines).toContain('deployment.apps/web image updated');
    expect(logger.lines).toContain('deployment "web" successfully rolled out');
  });

  it('leaves a workload already at the images alone and reports it unchanged', async () => {
    const a = await fake();
    const { done } = run(
      a,
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'statefulset', name: 'db' },
      ],
      [{ container: '*', image: 'postgres:16' }],
    );
    const result = await done;
    expect(a.patches.map((p) => p.path)).toEqual([`${DEPLOYMENTS}/web`]);
    expect(result.workloads?.map((w) => [w.name, w.result])).toEqual([
      ['web', 'rolled-out'],
      ['db', 'unchanged'],
    ]);
  });

  it('waits for several workloads at once, one list and one watch at most each', async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['stuck']);
    a.outcomes.set(`${STATEFULSETS}/db`, ['stuck']);
    const started = Date.now();
    const { done, logger } = run(
      a,
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'statefulset', name: 'db' },
      ],
      [{ container: '*', image: 'img:2' }],
      { timeoutMs: 400 },
    );
    const result = await done;
    // Concurrent: both time out within one timeout, not two.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.workloads?.map((w) => w.result)).toEqual(['timed-out', 'timed-out']);
    expect(result.workloads?.[0]?.message).toBe('timed out waiting for the condition');
    const watches = a.server.requests.filter((r) => r.query.get('watch') === 'true');
    expect(watches).toHaveLength(2);
    expect(logger.lines).toContain(
      'deployment/web: Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(logger.lines).toContain('statefulset/db: Waiting for 1 pods to be ready...');
  });

  it('patches the first workload alone, then at most 16 at a time', async () => {
    const { a, names } = await fortyDeployments();
    const { done } = run(a, refs(names), [{ container: 'web', image: 'a:2' }]);
    const result = await done;
    expect(result.workloads?.map((w) => w.result)).toEqual(names.map(() => 'rolled-out'));
    const inFlight = a.patchesInFlightAtArrival;
    expect(inFlight).toHaveLength(40);
    // The first was alone, and over before the next began.
    expect(inFlight.slice(0, 2)).toEqual([0, 0]);
    expect(Math.max(...inFlight)).toBe(15);
  });

  it('a refused patch among concurrent ones stops the patches still to come', async () => {
    const { a, names } = await fortyDeployments();
    a.forbidden.add(`PATCH ${DEPLOYMENTS}/app-05`);
    const { done } = run(a, refs(names), [{ container: 'web', image: 'a:2' }]);
    const error = (await done.catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toMatch(
      /^The cluster refused to patch deployment\/app-05: .*; already patched: deployment\/app-00, deployment\/app-01, /,
    );
    // Those in flight when the refusal came finished; none started after it.
    const patched = a.patches.map((p) => p.path.split('/').pop());
    expect(patched.length).toBeLessThanOrEqual(16);
    expect(patched).not.toContain('app-20');
    expect(error.message).not.toContain('app-05,');
  });

  it('with rollout-timeout 0 patches and does not wait', async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['stuck']);
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'x:2' }],
      {
        timeoutMs: 0,
      },
    );
    const result = await done;
    expect(result.workloads?.[0]?.result).toBe('patched');
    expect(a.server.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
  });
});

describe('deploy: a failed rollout', () => {
  function stuckPods(a: FakeApi) {
    a.replicaSets.push(
      {
        metadata: {
          name: 'web-old',
          labels: { app: 'web', 'pod-template-hash': 'old' },
          annotations: { 'deployment.kubernetes.io/revision': '1' },
          ownerReferences: [{ uid: 'uid-web' }],
        },
      },
      {
        metadata: {
          name: 'web-new',
          labels: { app: 'web', 'pod-template-hash': 'new' },
          annotations: { 'deployment.kubernetes.io/revision': '2' },
          ownerReferences: [{ uid: 'uid-web' }],
        },
      },
    );
    a.pods.push({
      metadata: { name: 'web-new-x1', labels: { app: 'web', 'pod-template-hash': 'new' } },
      spec: { containers: [{ name: 'web', image: 'nginx:nope' }] },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            state: {
              waiting: {
                reason: 'ImagePullBackOff',
                message: 'Back-off pulling image "nginx:nope"',
              },
            },
          },
        ],
      },
    });
    a.events.push(
      {
        type: 'Warning',
        reason: 'Failed',
        message: 'Failed to pull image "nginx:nope": not found',
        count: 3,
        lastTimestamp: '2026-01-01T00:00:02Z',
        involvedObject: { kind: 'Pod', name: 'web-new-x1' },
      },
      {
        type: 'Warning',
        reason: 'Failed',
        message: 'unrelated',
        lastTimestamp: '2026-01-01T00:00:01Z',
        involvedObject: { kind: 'Pod', name: 'other' },
      },
    );
  }

  it("times out, diagnoses the new revision's pods and events", async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['stuck']);
    stuckPods(a);
    const { done, logger } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'nginx:nope' }],
      {
        timeoutMs: 300,
      },
    );
    const result = await done;
    expect(result.workloads?.[0]?.result).toBe('timed-out');
    const podList = a.server.requests.find((r) => r.path.endsWith('/pods'));
    expect(podList?.query.get('labelSelector')).toBe('app=web,pod-template-hash=new');
    const log = logger.lines.join('\n');
    expect(log).toContain('warning: deployment/web: timed out waiting for the condition');
    expect(log).toContain('pod/web-new-x1: Pending');
    expect(log).toContain('container web: ImagePullBackOff: Back-off pulling image "nginx:nope"');
    expect(log).toContain(
      'pod/web-new-x1: Failed: Failed to pull image "nginx:nope": not found (x3)',
    );
    expect(log).not.toContain('unrelated');
    expect(result.diagnosis).toContain('ImagePullBackOff');
    expect(result.diagnosis).toContain('timed out waiting for the condition');
  });

  it('a 403 on pods and events degrades to notes', async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['deadline']);
    a.forbidden.add('GET /api/v1/namespaces/demo/pods');
    a.forbidden.add('GET /api/v1/namespaces/demo/events');
    a.forbidden.add('GET /apis/apps/v1/namespaces/demo/replicasets');
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'nginx:nope' }],
    );
    const result = await done;
    expect(result.workloads?.[0]).toMatchObject({
      result: 'failed',
      message: 'deployment "web" exceeded its progress deadline',
    });
    expect(result.diagnosis).toContain(
      'Not allowed to list pods (user "forgejo:repo:org/app:ref:refs/heads/main" lacks "list" on pods)',
    );
    expect(result.diagnosis).toContain('Not allowed to list events');
    expect(result.diagnosis).toContain('Not allowed to list replicasets');
  });

  it('rolls back to the images read before the patch, waits for it, and says rolled-back', async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['deadline', 'succeed']);
    const { done, logger } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'nginx:nope' }],
      {
        rollback: true,
      },
    );
    const result = await done;
    expect(logger.lines).toContain(
      'rollback of deployment/web: deployment "web" successfully rolled out',
    );
    expect(a.patches).toHaveLength(2);
    const back = JSON.parse(a.patches[1]!.body) as {
      spec: unknown;
      metadata: { annotations: Record<string, string> };
    };
    expect(back.spec).toEqual({
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
          containers: [{ image: 'nginx:1.26', name: 'web' }],
        },
      },
    });
    expect(back.metadata.annotations['kubernetes.io/change-cause']).toContain(
      'rollback deployment/web web=nginx:1.26',
    );
    expect(result.workloads?.[0]).toMatchObject({
      result: 'rolled-back',
      message:
        'deployment "web" exceeded its progress deadline; rolled back to the previous images',
    });
    expect(a.objects.get(`${DEPLOYMENTS}/web`)?.spec?.template?.spec?.containers?.[0]?.image).toBe(
      'nginx:1.26',
    );
  });
});

describe('deploy: a refused rollback', () => {
  it('keeps the failure and says why the rollback failed', async () => {
    const a = await fake();
    a.outcomes.set(`${DEPLOYMENTS}/web`, ['deadline']);
    a.afterPatch = () => a.forbidden.add(`PATCH ${DEPLOYMENTS}/web`);
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'nginx:nope' }],
      { rollback: true },
    );
    const result = await done;
    expect(result.workloads?.[0]?.result).toBe('failed');
    expect(result.workloads?.[0]?.message).toMatch(
      /^deployment "web" exceeded its progress deadline; the rollback did not finish: The cluster refused to patch deployment\/web back to its previous images: user ".*" may not patch deployments.apps/,
    );
  });
});

describe('deploy: refusals are explained', () => {
  it('a 403 on the patch names the user and carries a Role to apply', async () => {
    const a = await fake();
    a.forbidden.add(`PATCH ${DEPLOYMENTS}/web`);
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'x:2' }],
    );
    const error = (await done.catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      'The cluster refused to patch deployment/web: user "forgejo:repo:org/app:ref:refs/heads/main" may not patch deployments.apps in namespace "demo".',
    );
    const yamlText = (error.hint ?? '').slice((error.hint ?? '').indexOf('apiVersion'));
    const kinds = parseAllDocuments(yamlText) as unknown as Array<{ toJS(): { kind: string } }>;
    expect(kinds.map((d) => d.toJS().kind)).toEqual(['Role', 'RoleBinding']);
  });

  it('a 403 on the watch is explained, and says the images were set', async () => {
    const a = await fake();
    a.forbidden.add(`GET ${DEPLOYMENTS}`);
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'x:2' }],
    );
    const error = (await done.catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      'The cluster refused to watch deployment/web: user "forgejo:repo:org/app:ref:refs/heads/main" may not list deployments.apps in namespace "demo"; the new images were already set on deployment/web.',
    );
    expect(a.patches).toHaveLength(1);
  });

  it('a refused second patch names the workloads already patched', async () => {
    const a = await fake();
    a.forbidden.add(`PATCH ${STATEFULSETS}/db`);
    const { done } = run(
      a,
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'statefulset', name: 'db' },
      ],
      [{ container: '*', image: 'img:2' }],
    );
    const error = (await done.catch((e: unknown) => e)) as ActionError;
    expect(error.message).toMatch(
      /^The cluster refused to patch statefulset\/db: .* may not patch statefulsets\.apps in namespace "demo"; already patched: deployment\/web\.$/,
    );
    expect(error.hint).toContain('- statefulsets');
  });

  it('a 401 explains what the cluster checks', async () => {
    const a = await fake();
    a.unauthorized = true;
    const { done } = run(
      a,
      [{ kind: 'deployment', name: 'web' }],
      [{ container: 'web', image: 'x:2' }],
    );
    const error = (await done.catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain('401 Unauthorized');
    expect(error.hint).toContain('iss: https://code.example/api/actions');
  });
});
