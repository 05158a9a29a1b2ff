// The deploy end to end: the bundled action sets images and waits for rollouts on the Kubernetes
// API server fixture, as a runner runs it. What it sends is compared with what real kubectl
// sends for the same change; failures are diagnosed and rolled back; refusals are explained;
// the wait survives the watch faults client-go survives, and a token that expires mid-wait.
import { parseAllDocuments } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import {
  rules,
  type KubeApiServer,
  type KubeObject,
  type RecordedRequest,
  type Rule,
} from '../fixtures/kube-apiserver.js';
import { kubectl } from '../fixtures/kube/kubectl.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { actionRolloutLines, deployPaused, isRolloutLine } from '../helpers/rollout.js';
import {
  errorAnnotations,
  runAction,
  runPost,
  type RunOptions,
  type RunResult,
} from '../helpers/runner.js';

const USER = 'forgejo:repo:org/app:ref:refs/heads/main';

let issuer: Issuer;
let server: KubeApiServer;
let seq = 0;
/** A fresh namespace per test: tests share one server, not its objects. */
const freshNamespace = (base: string) => `${base}-${++seq}`;

withTrustingCluster({ stepMs: 20 }, (started) => {
  ({ issuer, server } = started);
});
/** Every run (main and post) of the current test, and the tokens handed out before it. */
let runs: RunResult[] = [];
let issuedBefore = 0;
beforeEach(() => {
  server.authorize = () => true;
  server.faults.length = 0;
  server.resume();
  runs = [];
  issuedBefore = issuer.issued.length;
});
// The leak guard on every run of every test: no token, renewed ones included, anywhere but in
// `::add-mask::`.
afterEach(() => {
  const secrets = [...issuer.issued.slice(issuedBefore).flatMap(jwtSecrets), issuer.requestToken];
  for (const run of runs) expect(findLeaks(run, secrets)).toEqual([]);
});

async function action(options: RunOptions): Promise<RunResult> {
  const run = await runAction(options);
  runs.push(run);
  return run;
}

async function post(main: RunResult): Promise<RunResult> {
  const run = await runPost(main);
  runs.push(run);
  return run;
}

interface WorkloadOutput {
  kind: string;
  name: string;
  namespace: string;
  containers: Array<{ name: string; init: boolean; previousImage: string; newImage: string }>;
  result: string;
  seconds: number;
  message: string;
}

function inputs(namespace: string, more: Record<string, string>): Record<string, string> {
  return {
    kubeconfig: server.kubeconfig(undefined, { namespace }),
    audience: AUDIENCE,
    ...more,
  };
}

/** The action, started with the controller paused until `watched` are watched. */
function deploy(
  namespace: string,
  watched: string[],
  more: Record<string, string>,
  duringWatch?: () => void | Promise<void>,
): Promise<RunResult> {
  return deployPaused(
    server,
    watched,
    { inputs: inputs(namespace, more), env: issuer.env() },
    duringWatch,
  ).then((run) => {
    runs.push(run);
    return run;
  });
}

function workloadsOutput(run: RunResult): WorkloadOutput[] {
  const text = run.outputs['workloads'];
  if (text === undefined) throw new Error(`no workloads output:\n${run.stdout}`);
  return JSON.parse(text) as WorkloadOutput[];
}

function images(object: KubeObject | undefined, list = 'containers'): Record<string, string> {
  const spec = (object?.['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
  const containers = (spec[list] ?? []) as Array<{ name: string; image: string }>;
  return Object.fromEntries(containers.map((c) => [c.name, c.image]));
}

const since = (from: number) => server.requests.slice(from);
const patches = (from: number, namespace: string) =>
  since(from).filter((r) => r.method === 'PATCH' && r.path.includes(`/namespaces/${namespace}/`));

/** Every token handed out since `before`, and the request token: none may leak. */
function secretsSince(before: number): string[] {
  return [...issuer.issued.slice(before).flatMap(jwtSecrets), issuer.requestToken];
}

function expectNoLeak(run: RunResult, before: number): void {
  const tokens = issuer.issued.slice(before);
  expect(tokens.length).toBeGreaterThan(0);
  for (const token of tokens) expect(maskedValues(run)).toContain(token);
  expect(findLeaks(run, secretsSince(before))).toEqual([]);
}

/** Seeds the same three workloads (one container named app in each) into a namespace. */
function seedThree(namespace: string): void {
  server.addDeployment({
    name: 'web',
    namespace,
    containers: [
      { name: 'app', image: 'registry.example/app:1' },
      { name: 'sidecar', image: 'busybox:1.36' },
    ],
  });
  server.addStatefulSet({
    name: 'db',
    namespace,
    containers: [{ name: 'app', image: 'registry.example/app:1' }],
  });
  server.addDaemonSet({
    name: 'agent',
    namespace,
    containers: [{ name: 'app', image: 'registry.example/app:1' }],
  });
}

describe('deploy: success', () => {
  it('rolls out a Deployment, a StatefulSet and a DaemonSet in one step; outputs, summary, wire', async () => {
    const namespace = freshNamespace('ok');
    seedThree(namespace);
    const before = issuer.issued.length;
    const from = server.requests.length;
    const run = await deploy(namespace, ['web', 'db', 'agent'], {
      workloads: 'deployment/web\nstatefulset/db\ndaemonset/agent',
      images: 'app=registry.example/app:2',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // The output: one entry per workload, in input order.
    const change = {
      name: 'app',
      init: false,
      previousImage: 'registry.example/app:1',
      newImage: 'registry.example/app:2',
    };
    const out = workloadsOutput(run);
    expect(out).toEqual([
      {
        kind: 'deployment',
        name: 'web',
        namespace,
        containers: [change],
        result: 'rolled-out',
        seconds: expect.any(Number),
        message: 'deployment "web" successfully rolled out',
      },
      {
        kind: 'statefulset',
        name: 'db',
        namespace,
        containers: [change],
        result: 'rolled-out',
        seconds: expect.any(Number),
        message: 'partitioned roll out complete: 3 new pods have been updated...',
      },
      {
        kind: 'daemonset',
        name: 'agent',
        namespace,
        containers: [change],
        result: 'rolled-out',
        seconds: expect.any(Number),
        message: 'daemon set "agent" successfully rolled out',
      },
    ]);
    for (const w of out) {
      expect(w.seconds).toBeGreaterThan(0);
      expect(w.seconds).toBeLessThan(run.seconds + 0.1);
    }

    // The summary table, one row per workload.
    for (const w of out) {
      expect(run.summary).toContain(
        `| ${w.kind}/${w.name} | ${namespace} | app: registry.example/app:1 → registry.example/app:2 | rolled-out | ${w.seconds.toFixed(1)} |`,
      );
    }

    // Several waits at once: each line says whose it is, and is one of kubectl's.
    for (const [kind, name] of [
      ['deployment', 'web'],
      ['statefulset', 'db'],
      ['daemonset', 'agent'],
    ] as const) {
      const lines = actionRolloutLines(run, kind, name, `${kind}/${name}: `);
      expect(lines.length, `${kind}/${name}`).toBeGreaterThan(1);
      for (const line of lines) expect(isRolloutLine(line), line).toBe(true);
      expect(lines.at(-1)).toBe(out.find((w) => w.name === name)?.message);
    }

    // The cluster runs the new image; the sidecar is untouched; the change is annotated.
    const web = server.get('apps/deployments', namespace, 'web');
    expect(images(web)).toEqual({ app: 'registry.example/app:2', sidecar: 'busybox:1.36' });
    expect(images(server.get('apps/statefulsets', namespace, 'db'))).toEqual({
      app: 'registry.example/app:2',
    });
    expect(images(server.get('apps/daemonsets', namespace, 'agent'))).toEqual({
      app: 'registry.example/app:2',
    });
    const cause = (web?.metadata['annotations'] as Record<string, string>)[
      'kubernetes.io/change-cause'
    ];
    expect(cause).toBe(
      `oidc-deploy-action set image deployment/web app=registry.example/app:2 (repository org/app, commit ${'a'.repeat(40)}, run 42)`,
    );

    // On the wire: one strategic merge patch per workload, as the job's user, under our field
    // manager, with the same pod template change kubectl sends for the same pair.
    const ours = patches(from, namespace);
    expect(ours).toHaveLength(3);
    const kubectlNamespace = freshNamespace('kubectl');
    seedThree(kubectlNamespace);
    const kFrom = server.requests.length;
    const set = await kubectl(
      [
        'set',
        'image',
        'deployment/web',
        'statefulset/db',
        'daemonset/agent',
        'app=registry.example/app:2',
        '-n',
        kubectlNamespace,
      ],
      { kubeconfig: server.kubeconfig(await issuer.mint({ aud: AUDIENCE })) },
    );
    expect(set.code, set.stderr).toBe(0);
    const theirs = patches(kFrom, kubectlNamespace);
    expect(theirs).toHaveLength(3);
    for (const resource of ['deployments/web', 'statefulsets/db', 'daemonsets/agent']) {
      const mine = ours.find((r) => r.path.endsWith(resource)) as RecordedRequest;
      const kubectls = theirs.find((r) => r.path.endsWith(resource)) as RecordedRequest;
      expect(mine.query).toEqual({ fieldManager: 'oidc-deploy-action' });
      expect(kubectls.query).toEqual({ fieldManager: 'kubectl-set' });
      expect(mine.contentType).toBe(kubectls.contentType);
      expect(mine.user).toBe(USER);
      const body = mine.body as { metadata: unknown; spec: unknown };
      expect(Object.keys(body)).toEqual(['metadata', 'spec']);
      expect(body.metadata).toEqual({
        annotations: {
          'kubernetes.io/change-cause': expect.stringContaining(
            `set image ${resource.replace(/s\//, '/')}`,
          ),
        },
      });
      expect(body.spec).toEqual((kubectls.body as { spec: unknown }).spec);
    }
    expect((ours[0]?.body as { spec: unknown }).spec).toEqual({
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
          containers: [{ image: 'registry.example/app:2', name: 'app' }],
        },
      },
    });

    expectNoLeak(run, before);
    const postRun = await post(run);
    expect(postRun.code).toBe(0);

    // Run again: every workload is already at the image, so nothing is patched or awaited.
    const again = server.requests.length;
    const rerun = await action({
      inputs: inputs(namespace, {
        workloads: 'deployment/web\nstatefulset/db\ndaemonset/agent',
        images: 'app=registry.example/app:2',
      }),
      env: issuer.env(),
    });
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(workloadsOutput(rerun).map((w) => [w.name, w.result])).toEqual([
      ['web', 'unchanged'],
      ['db', 'unchanged'],
      ['agent', 'unchanged'],
    ]);
    expect(rerun.stdout).toContain(
      'deployment.apps/web already runs the requested images: left unchanged',
    );
    expect(since(again).filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(since(again).filter((r) => r.verb === 'watch')).toEqual([]);
    await post(rerun);
  });

  it('sets every container and init container with *=image, as kubectl does; rollout-timeout 0 does not wait', async () => {
    const seed = (namespace: string) =>
      server.addDeployment({
        name: 'web',
        namespace,
        initContainers: [{ name: 'migrate', image: 'registry.example/migrate:1' }],
        containers: [
          { name: 'app', image: 'registry.example/app:1' },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
      });
    const namespace = freshNamespace('star');
    seed(namespace);
    const from = server.requests.length;
    const run = await action({
      inputs: inputs(namespace, {
        workloads: 'web',
        images: '*=registry.example/all:3',
        'rollout-timeout': '0',
      }),
      env: issuer.env(),
    });
    expect(run.code, run.stdout).toBe(0);
    const [web] = workloadsOutput(run);
    expect(web?.result).toBe('patched');
    expect(web?.containers.map((c) => `${c.init ? 'init ' : ''}${c.name}=${c.newImage}`)).toEqual([
      'app=registry.example/all:3',
      'sidecar=registry.example/all:3',
      'init migrate=registry.example/all:3',
    ]);
    expect(since(from).filter((r) => r.verb === 'watch')).toEqual([]);

    const kubectlNamespace = freshNamespace('kubectl');
    seed(kubectlNamespace);
    const kFrom = server.requests.length;
    const set = await kubectl(
      ['set', 'image', 'deployment/web', '*=registry.example/all:3', '-n', kubectlNamespace],
      {
        kubeconfig: server.kubeconfig(await issuer.mint({ aud: AUDIENCE })),
      },
    );
    expect(set.code, set.stderr).toBe(0);
    const [mine] = patches(from, namespace);
    const [theirs] = patches(kFrom, kubectlNamespace);
    expect((mine?.body as { spec: unknown }).spec).toEqual(
      (theirs?.body as { spec: unknown }).spec,
    );
    const stored = server.get('apps/deployments', namespace, 'web');
    expect(images(stored)).toEqual(images(server.get('apps/deployments', kubectlNamespace, 'web')));
    expect(images(stored, 'initContainers')).toEqual({ migrate: 'registry.example/all:3' });
    await post(run);
  });
});

describe('deploy: validation before any patch', () => {
  it('reports an unknown container, an unknown workload and a mismatch in one error, and patches nothing', async () => {
    const namespace = freshNamespace('bad');
    seedThree(namespace);
    const from = server.requests.length;
    const run = await action({
      inputs: inputs(namespace, {
        workloads: 'deployment/web\ndeployment/nope\nstatefulset/db',
        images: 'app=registry.example/app:2\nsidecar=busybox:1.37',
      }),
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors).toHaveLength(1);
    const [error] = errors as [string];
    expect(error).toContain(
      `Inputs "workloads" and "images" do not match the cluster (namespace "${namespace}")`,
    );
    expect(error).toContain('deployments.apps "nope" not found');
    expect(error).toContain('statefulset/db: unable to find container named "sidecar"');
    expect(error).toContain('Nothing was changed.');
    expect(error).not.toContain('deployment/web:');
    expect(since(from).filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(images(server.get('apps/deployments', namespace, 'web'))).toEqual({
      app: 'registry.example/app:1',
      sidecar: 'busybox:1.36',
    });
    await post(run);
  });

  it("rejects an unknown container alone with kubectl's words", async () => {
    const namespace = freshNamespace('bad');
    seedThree(namespace);
    const from = server.requests.length;
    const run = await action({
      inputs: inputs(namespace, { workloads: 'deployment/web', images: 'app=x:1\nnope=y:1' }),
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)).toEqual([
      expect.stringContaining(
        'deployment/web: unable to find container named "nope". Nothing was changed.',
      ),
    ]);
    expect(since(from).filter((r) => r.method === 'PATCH')).toEqual([]);
    await post(run);
  });
});

describe('deploy: failure diagnosis and rollback', () => {
  it('diagnoses a stuck rollout: the pod, ImagePullBackOff/ErrImagePull and the Warning events', async () => {
    const namespace = freshNamespace('stuck');
    server.addDeployment({ name: 'web', namespace, progressDeadlineSeconds: 1 });
    const before = issuer.issued.length;
    const run = await deploy(namespace, ['web'], {
      workloads: 'web',
      images: 'web=nginx:does-not-exist',
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)).toEqual([
      'The rollout did not complete; see the diagnosis above and in the job summary.',
    ]);
    expect(run.stdout).toContain(
      '::warning::deployment/web: deployment "web" exceeded its progress deadline',
    );
    const [web] = workloadsOutput(run);
    expect(web).toMatchObject({
      result: 'failed',
      message: 'deployment "web" exceeded its progress deadline',
    });

    const stuck = server
      .list('pods', namespace)
      .find((p) => JSON.stringify(p['status']).includes('ImagePullBackOff'));
    const pod = String(stuck?.metadata['name']);
    expect(pod).toMatch(/^web-/);
    for (const text of [run.stdout, run.summary]) {
      expect(text).toContain(`pod/${pod}: Pending`);
      expect(text).toContain(
        'container web: ImagePullBackOff: Back-off pulling image "nginx:does-not-exist"',
      );
      // The pod's Warning events, in the order the kubelet recorded them.
      const warnings = text
        .split('\n')
        .filter((l) => l.includes(`pod/${pod}: Failed: `))
        .map((l) => l.slice(l.indexOf(': Failed: ') + ': Failed: '.length));
      expect(warnings).toEqual([
        expect.stringMatching(/^Failed to pull image "nginx:does-not-exist": .*not found$/),
        'Error: ErrImagePull',
        'Error: ImagePullBackOff',
      ]);
    }
    expect(run.summary).toContain('#### Diagnosis');
    expect(run.summary).toContain(
      '| deployment/web | ' + namespace + ' | web: nginx:1.26 → nginx:does-not-exist | failed |',
    );
    // Without rollback-on-failure the new image stays.
    expect(images(server.get('apps/deployments', namespace, 'web'))).toEqual({
      web: 'nginx:does-not-exist',
    });
    expectNoLeak(run, before);
    await post(run);
  });

  it('shows a crash loop as CrashLoopBackOff with the last exit code', async () => {
    const namespace = freshNamespace('crash');
    server.addDeployment({ name: 'api', namespace, replicas: 1, progressDeadlineSeconds: 1 });
    const run = await deploy(namespace, ['api'], {
      workloads: 'api',
      images: 'api=registry.example/crashloop:1',
    });
    expect(run.code).toBe(1);
    expect(workloadsOutput(run)[0]?.result).toBe('failed');
    for (const text of [run.stdout, run.summary]) {
      expect(text).toMatch(
        /container api: CrashLoopBackOff: back-off 10s restarting failed container=api .*; last exit code 1 \(Error\), 1 restarts/,
      );
      expect(text).toMatch(/pod\/api-[\w-]+: Running/);
      expect(text).toMatch(/Back-off restarting failed container api in pod api-/);
    }
    await post(run);
  });

  it('with rollback-on-failure: true, restores the previous images, waits for them, and still fails', async () => {
    const namespace = freshNamespace('rollback');
    server.addDeployment({
      name: 'web',
      namespace,
      progressDeadlineSeconds: 1,
      containers: [
        { name: 'web', image: 'nginx:1.26' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ],
    });
    const from = server.requests.length;
    const run = await deploy(namespace, ['web'], {
      workloads: 'web',
      images: 'web=nginx:does-not-exist',
      'rollback-on-failure': 'true',
    });
    expect(run.code).toBe(1);
    expect(errorAnnotations(run)).toEqual([
      'The rollout did not complete; see the diagnosis above and in the job summary.',
    ]);
    const [web] = workloadsOutput(run);
    expect(web).toMatchObject({
      result: 'rolled-back',
      message:
        'deployment "web" exceeded its progress deadline; rolled back to the previous images',
    });
    expect(run.stdout).toContain('deployment/web: rolling back to web=nginx:1.26');
    expect(run.stdout).toContain(
      'rollback of deployment/web: deployment "web" successfully rolled out',
    );
    expect(run.summary).toContain('| rolled-back |');
    expect(run.summary).toContain('ImagePullBackOff');

    // The object has its old images again, and its pods run them.
    const stored = server.get('apps/deployments', namespace, 'web');
    expect(images(stored)).toEqual({ web: 'nginx:1.26', sidecar: 'busybox:1.36' });
    const live = server.list('pods', namespace).filter((p) => !p.metadata['deletionTimestamp']);
    const podImage = (pod: KubeObject) =>
      (pod['spec'] as { containers: Array<{ name: string; image: string }> }).containers.find(
        (c) => c.name === 'web',
      )?.image;
    expect(live.map(podImage)).toEqual(['nginx:1.26', 'nginx:1.26', 'nginx:1.26']);
    const sent = patches(from, namespace);
    expect(sent).toHaveLength(2);
    expect((sent[1]?.body as { spec: unknown }).spec).toEqual({
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
          containers: [{ image: 'nginx:1.26', name: 'web' }],
        },
      },
    });
    expect(JSON.stringify(sent[1]?.body)).toContain(
      'oidc-deploy-action rollback deployment/web web=nginx:1.26',
    );
    // The rollback's rollout was awaited: its wait lists the deployment after the second patch
    // (and watches it unless the list already finds it done).
    const afterRollback = server.requests.indexOf(sent[1] as RecordedRequest);
    expect(
      since(afterRollback).some(
        (r) => r.verb === 'list' && r.path === `/apis/apps/v1/namespaces/${namespace}/deployments`,
      ),
    ).toBe(true);
    await post(run);
  });
});

describe('deploy: several workloads, one failing', () => {
  it('rolls back only the one that failed; the others keep their new images; the step fails', async () => {
    const namespace = freshNamespace('mixed');
    for (const name of ['web', 'api'])
      server.addDeployment({
        name,
        namespace,
        progressDeadlineSeconds: 1,
        containers: [{ name: 'app', image: 'registry.example/app:1' }],
      });
    // The same image everywhere, but api's new pods cannot pull it.
    server.setScenario('Deployment', namespace, 'api', 'image-pull');
    const run = await deploy(namespace, ['web', 'api'], {
      workloads: 'web\napi',
      images: 'app=registry.example/app:2',
      'rollback-on-failure': 'true',
    });
    expect(run.code).toBe(1);
    expect(workloadsOutput(run).map((w) => [w.name, w.result, w.message])).toEqual([
      ['web', 'rolled-out', 'deployment "web" successfully rolled out'],
      [
        'api',
        'rolled-back',
        'deployment "api" exceeded its progress deadline; rolled back to the previous images',
      ],
    ]);
    expect(images(server.get('apps/deployments', namespace, 'web'))).toEqual({
      app: 'registry.example/app:2',
    });
    expect(images(server.get('apps/deployments', namespace, 'api'))).toEqual({
      app: 'registry.example/app:1',
    });
    expect(run.stdout).toContain('deployment/web: deployment "web" successfully rolled out');
    expect(run.stdout).toContain(
      '::warning::deployment/api: deployment "api" exceeded its progress deadline',
    );
    expect(run.stdout).not.toContain('rollback of deployment/web');
    expect(run.summary).toContain('**deployment/api**');
    expect(run.summary).not.toContain('**deployment/web**');
    await post(run);
  });
});

describe('deploy: refusals explained', () => {
  it('a user who may not patch: names user, verb and resource, and gives the Role and RoleBinding that fix it', async () => {
    const namespace = freshNamespace('rbac');
    server.addDeployment({ name: 'web', namespace });
    server.authorize = rules([{ verbs: ['get', 'list', 'watch'] }]);
    const from = server.requests.length;
    const run = await action({
      inputs: inputs(namespace, { workloads: 'web', images: 'web=nginx:1.27' }),
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run) as [string];
    expect(error).toContain(
      `The cluster refused to patch deployment/web: user "${USER}" may not patch deployments.apps in namespace "${namespace}".`,
    );
    expect(
      since(from)
        .filter((r) => r.method === 'PATCH')
        .map((r) => r.status),
    ).toEqual([403]);

    // The YAML in the message parses back to a Role and a RoleBinding for this very user.
    const yamlText = error.slice(error.indexOf('apiVersion: rbac'));
    const docs = parseAllDocuments(yamlText).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs.map((d) => d['kind'])).toEqual(['Role', 'RoleBinding']);
    const [role, binding] = docs as [
      {
        metadata: { namespace: string; name: string };
        rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
      },
      {
        metadata: { namespace: string };
        roleRef: { kind: string; name: string };
        subjects: Array<{ kind: string; name: string }>;
      },
    ];
    expect(role.metadata.namespace).toBe(namespace);
    expect(binding.metadata.namespace).toBe(namespace);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER },
    ]);
    const apps = role.rules.find((r) => r.resources.includes('deployments'));
    expect(apps).toEqual({
      apiGroups: ['apps'],
      resources: ['deployments'],
      verbs: ['get', 'list', 'watch', 'patch'],
    });

    // Applied (as the fixture's authorizer), exactly that lets the same step through.
    const granted: Rule[] = role.rules.map((r) => ({
      users: binding.subjects.map((s) => s.name),
      verbs: r.verbs,
      groups: r.apiGroups,
      resources: r.resources,
      namespaces: [namespace],
    }));
    server.authorize = rules(granted);
    const retried = await action({
      inputs: inputs(namespace, { workloads: 'web', images: 'web=nginx:1.27' }),
      env: issuer.env(),
    });
    expect(retried.code, retried.stdout).toBe(0);
    expect(workloadsOutput(retried)[0]?.result).toBe('rolled-out');
    await post(run);
    await post(retried);
  });

  it('a token of the wrong audience: a 401 explained with iss, aud and the AuthenticationConfiguration', async () => {
    const namespace = freshNamespace('authn');
    server.addDeployment({ name: 'web', namespace });
    const before = issuer.issued.length;
    const from = server.requests.length;
    const run = await action({
      inputs: {
        ...inputs(namespace, { workloads: 'web', images: 'web=nginx:1.27' }),
        audience: 'https://wrong.example',
      },
      env: issuer.env(),
    });
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run) as [string];
    expect(error).toContain(
      'The cluster did not accept the ID token (401 Unauthorized) when asked to get deployment/web.',
    );
    expect(error).toContain(`iss: ${issuer.issuer}  must equal jwt[].issuer.url exactly`);
    expect(error).toContain('aud: https://wrong.example  one must be in jwt[].issuer.audiences');
    expect(error).toContain('kind: AuthenticationConfiguration');
    expect(error).toContain(`url: ${issuer.issuer}`);
    expect(server.authFailures.at(-1)).toMatch(/aud/);
    expect(since(from).every((r) => r.status === 401)).toBe(true);
    expect(since(from).some((r) => r.method === 'PATCH')).toBe(false);
    // A fresh token is not requested for a token that is far from expiring.
    expect(issuer.issued.length - before).toBe(1);
    expectNoLeak(run, before);
    await post(run);
  });
});

describe('deploy: the wait survives what client-go survives', () => {
  async function rolloutWith(
    setup: (namespace: string) => void,
    duringWatch?: (namespace: string) => void | Promise<void>,
  ) {
    const namespace = freshNamespace('fault');
    server.addDeployment({ name: 'web', namespace });
    setup(namespace);
    const from = server.requests.length;
    const before = issuer.issued.length;
    const run = await deploy(
      namespace,
      ['web'],
      { workloads: 'web', images: 'web=nginx:1.27' },
      duringWatch ? () => duringWatch(namespace) : undefined,
    );
    const mine = since(from).filter((r) => r.path.includes(`/namespaces/${namespace}/`));
    expectNoLeak(run, before);
    await post(run);
    return {
      run,
      namespace,
      requests: mine,
      lists: mine.filter((r) => r.verb === 'list' && r.path.endsWith('/deployments')).length,
      watches: mine.filter((r) => r.verb === 'watch').length,
    };
  }

  /** `besides`: a line the action may print among the rollout lines (the renewal notice). */
  function expectRolledOut(run: RunResult, besides?: RegExp): void {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(workloadsOutput(run)[0]?.result).toBe('rolled-out');
    const lines = actionRolloutLines(run, 'deployment', 'web').filter((l) => !besides?.test(l));
    expect(lines.at(-1)).toBe('deployment "web" successfully rolled out');
    for (const line of lines) expect(isRolloutLine(line), line).toBe(true);
  }

  it('re-watches after a watch dropped mid-stream', async () => {
    const { run, watches, lists } = await rolloutWith(() =>
      server.faults.push({ match: { watch: true }, kind: 'drop', afterEvents: 2 }),
    );
    expectRolledOut(run);
    expect(watches).toBeGreaterThanOrEqual(2);
    expect(lists).toBe(1);
  });

  it('re-lists after 410 Gone on the re-watch', async () => {
    const { run, requests, lists, watches } = await rolloutWith(() =>
      server.faults.push(
        { match: { watch: true }, kind: 'drop', afterEvents: 2 },
        { match: { watch: true }, kind: 'gone' },
      ),
    );
    expectRolledOut(run);
    expect(
      requests
        .filter((r) => r.verb === 'watch')
        .map((r) => r.status)
        .slice(0, 2),
    ).toEqual([200, 410]);
    // The re-list may already find the rollout done, so a third watch is not a given.
    expect(watches).toBeGreaterThanOrEqual(2);
    expect(lists).toBe(2);
  });

  it('re-lists after an ERROR event with code 410', async () => {
    const { run, lists } = await rolloutWith(() =>
      server.faults.push({ match: { watch: true }, kind: 'gone-event' }),
    );
    expectRolledOut(run);
    expect(lists).toBe(2);
  });

  it('honours a 429 with Retry-After and retries a 503', async () => {
    const { run, requests } = await rolloutWith(() =>
      server.faults.push(
        { match: { verb: 'get', resource: 'deployments' }, status: 429, retryAfterSeconds: 1 },
        { match: { verb: 'list', resource: 'deployments' }, status: 503 },
      ),
    );
    expectRolledOut(run);
    const gets = requests.filter((r) => r.verb === 'get');
    expect(gets.map((r) => r.status)).toEqual([429, 200]);
    // Waited as long as the server asked (the default backoff would be half a second).
    expect(
      (gets[1] as RecordedRequest).at - (gets[0] as RecordedRequest).at,
    ).toBeGreaterThanOrEqual(950);
    expect(requests.filter((r) => r.verb === 'list').map((r) => r.status)).toEqual([503, 200]);
  });

  it('ends the wait when the workload is deleted mid-rollout, as kubectl does', async () => {
    const { run } = await rolloutWith(
      () => undefined,
      (namespace) => server.deleteWorkload('Deployment', namespace, 'web'),
    );
    expect(run.code).toBe(1);
    expect(workloadsOutput(run)[0]).toMatchObject({
      result: 'failed',
      message: 'object has been deleted',
    });
    expect(run.stdout).toContain('::warning::deployment/web: object has been deleted');
    expect(run.stdout).not.toContain('timed out');
  });

  it('renews a token that expires mid-wait, says so, and the rollout completes', async () => {
    const namespace = freshNamespace('expiry');
    server.addDeployment({ name: 'web', namespace });
    const before = issuer.issued.length;
    const from = server.requests.length;
    issuer.setLifetime(3);
    let run: RunResult;
    try {
      run = await deploy(
        namespace,
        ['web'],
        { workloads: 'web', images: 'web=nginx:1.27' },
        async () => {
          // Let the token expire under the open watch, then force a re-watch with it.
          const { exp } = JSON.parse(
            Buffer.from(
              (issuer.issued[before] as string).split('.')[1] as string,
              'base64url',
            ).toString(),
          ) as { exp: number };
          await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 1100));
          issuer.setLifetime(3600);
          server.dropWatches();
        },
      );
    } finally {
      issuer.setLifetime(3600);
    }
    const renewed =
      /^The ID token expired \(exp [\dT:.-]+Z\) and the cluster refused it: requested a new one \(exp [\dT:.-]+Z\) and continuing with it\.$/;
    expectRolledOut(run, renewed);
    expect(issuer.issued.length - before).toBe(2);
    expect(run.stdout.split('\n').filter((l) => renewed.test(l))).toHaveLength(1);
    const mine = since(from).filter((r) => r.path.includes(`/namespaces/${namespace}/`));
    expect(mine.filter((r) => r.status === 401)).toHaveLength(1);
    expect(mine.at(-1)?.status).toBe(200);
    // The refused request was the re-watch (a 401 is recorded before its verb is known).
    expect(mine.filter((r) => r.query['watch'] === 'true').map((r) => r.status)).toEqual([
      200, 401, 200,
    ]);
    // The renewed token is masked the moment it arrives, like the first.
    expectNoLeak(run, before);
    await post(run);
  });
});
