import { parseAllDocuments } from 'yaml';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { rules, startKubeApiServer, type Rule } from '../../__tests__/fixtures/kube-apiserver.js';
import { errorAnnotations, runAction, runPost } from '../../__tests__/helpers/runner.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes mode with workloads: set images, wait for the rollout, diagnose and roll back, without kubectl';

const AUDIENCE = 'https://kubernetes.demo';

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
  });
  try {
    server.addDeployment({
      name: 'web',
      namespace: 'shop',
      containers: [
        { name: 'app', image: 'registry.example/shop:1.4.0' },
        { name: 'metrics', image: 'registry.example/exporter:0.9' },
      ],
    });
    server.addStatefulSet({
      name: 'worker',
      namespace: 'shop',
      replicas: 2,
      containers: [{ name: 'app', image: 'registry.example/shop:1.4.0' }],
    });
    server.addDeployment({ name: 'api', namespace: 'shop', progressDeadlineSeconds: 2 });
    const kubeconfig = Buffer.from(server.kubeconfig()).toString('base64');
    // The claims are the 20-kubernetes scene's story: left out here to keep the logs short.
    const common = { kubeconfig, namespace: 'shop', audience: AUDIENCE, 'show-claims': 'false' };
    step(
      `A test Kubernetes API server on ${server.url} (namespace shop: deployment/web, statefulset/worker, deployment/api); it trusts ${issuer.issuer} for audience ${AUDIENCE}`,
    );

    // 1. Two workloads in one step, awaited together.
    step(
      'with: { workloads: "deployment/web\\nstatefulset/worker", images: "app=registry.example/shop:1.5.0" }   (no kubectl on the runner)',
    );
    const rolled = await runAction({
      inputs: {
        ...common,
        workloads: 'deployment/web\nstatefulset/worker',
        images: 'app=registry.example/shop:1.5.0',
      },
      env: issuer.env(),
    });
    showRun(rolled);
    await runPost(rolled);
    if (rolled.code !== 0) throw new Error('the two-workload rollout failed');
    step(`outputs.workloads = ${rolled.outputs['workloads'] ?? ''}`);

    // 2. A rollout that cannot finish: diagnosed, then rolled back.
    step('with: { workloads: api, images: "api=nginx:does-not-exist", rollback-on-failure: true }');
    const failed = await runAction({
      inputs: {
        ...common,
        workloads: 'api',
        images: 'api=nginx:does-not-exist',
        'rollback-on-failure': 'true',
      },
      env: issuer.env(),
    });
    showRun(failed);
    await runPost(failed);
    const api = server.get('apps/deployments', 'shop', 'api');
    const image = JSON.stringify(api?.['spec']).match(/"image":"([^"]+)"/)?.[1];
    step(`deployment/api runs ${image ?? '?'} again`);
    if (failed.code === 0 || image !== 'nginx:1.26') throw new Error('the rollback did not happen');

    // 3. A user the cluster knows but RBAC does not allow to patch.
    server.authorize = rules([{ verbs: ['get', 'list', 'watch'] }]);
    step('The same cluster, where RBAC lets the job read deployments but not patch them:');
    const forbidden = await runAction({
      inputs: {
        ...common,
        workloads: 'deployment/web',
        images: 'app=registry.example/shop:1.5.1',
      },
      env: issuer.env(),
    });
    showRun({ ...forbidden, summary: '' });
    await runPost(forbidden);
    const [error] = errorAnnotations(forbidden);
    if (forbidden.code === 0 || !error?.includes('kind: RoleBinding'))
      throw new Error('the refusal did not come with a RoleBinding');

    // Applying exactly that YAML (to the test server's authorizer) lets the step through.
    const docs = parseAllDocuments(error.slice(error.indexOf('apiVersion: rbac'))).map(
      (d) => d.toJS() as Record<string, never>,
    );
    const role = docs.find((d) => d['kind'] === 'Role') as unknown as {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    const binding = docs.find((d) => d['kind'] === 'RoleBinding') as unknown as {
      subjects: Array<{ name: string }>;
    };
    server.authorize = rules(
      role.rules.map((r): Rule => ({
        users: binding.subjects.map((s) => s.name),
        verbs: r.verbs,
        groups: r.apiGroups,
        resources: r.resources,
        namespaces: ['shop'],
      })),
    );
    step('kubectl apply -f role.yaml (that Role and RoleBinding), then the same step again:');
    const allowed = await runAction({
      inputs: {
        ...common,
        workloads: 'deployment/web',
        images: 'app=registry.example/shop:1.5.1',
      },
      env: issuer.env(),
    });
    showRun({ ...allowed, summary: '' });
    await runPost(allowed);
    if (allowed.code !== 0) throw new Error('the granted step still failed');
  } finally {
    await server.close();
    await issuer.close();
  }
}
