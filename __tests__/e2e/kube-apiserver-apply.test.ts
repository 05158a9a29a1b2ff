// The evidence that the API server fixture's server-side apply is faithful (docs/wire-formats.md, 2b):
// real `kubectl apply --server-side` (1.27, the oldest, and 1.33, the newest) against it, with
// kubectl's printed words, the requests it sends, the stored objects and their managed fields,
// conflicts after `kubectl set image` and between apply managers, --force-conflicts,
// --dry-run=server, a CRD then an object of its kind, and a forbidden create.
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import {
  rules,
  startKubeApiServer,
  type KubeApiServer,
  type KubeObject,
  type RecordedRequest,
} from '../fixtures/kube-apiserver.js';
import { kubectl, rawRequest, type KubectlVersion } from '../fixtures/kube/kubectl.js';
import { tempDir } from '../helpers/temp.js';

const USER = 'forgejo:repo:org/app:ref:refs/heads/main';
const CRD_DELAY_MS = 1000;
const VERSIONS: KubectlVersion[] = ['1.27', '1.33'];

let issuer: Issuer;
let server: KubeApiServer;
let token: string;
let config: string;

withTrustingCluster({ stepMs: 15, crdEstablishMs: CRD_DELAY_MS }, async (started) => {
  ({ issuer, server } = started);
  token = await issuer.mint({ aud: AUDIENCE });
  config = server.kubeconfig(token);
});
beforeEach(() => {
  server.authorize = () => true;
});

const run = (args: string[], version: KubectlVersion) =>
  kubectl(args, { kubeconfig: config, version, timeoutMs: 60_000 });

const lines = (text: string) => text.split('\n').filter(Boolean);
const tag = (version: KubectlVersion) => version.replace('.', '');

/** A directory with one file per object, named so that kubectl reads them in this order. */
function manifests(files: Record<string, string>): string {
  const dir = tempDir('ssa-manifests-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function shop(namespace: string, image = 'nginx:1.26', color = 'blue'): Record<string, string> {
  return {
    '0-namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    '1-configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: ${namespace}
data:
  color: ${color}
`,
    '2-secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: ${namespace}
stringData:
  password: hunter2
`,
    '3-service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${namespace}
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
`,
    '4-deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${namespace}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: ${image}
          ports:
            - containerPort: 8080
          env:
            - name: COLOR
              value: ${color}
`,
  };
}

const SHOP_LINES = [
  'namespace/NS serverside-applied',
  'configmap/web-config serverside-applied',
  'secret/web-secret serverside-applied',
  'service/web serverside-applied',
  'deployment.apps/web serverside-applied',
];

const applies = (from: number): RecordedRequest[] =>
  server.requests
    .slice(from)
    .filter((r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml');

const managers = (object: KubeObject | undefined) =>
  ((object?.metadata['managedFields'] ?? []) as Array<Record<string, unknown>>).map(
    (e) => `${String(e['manager'])}/${String(e['operation'])}`,
  );

function managed(object: KubeObject | undefined, manager: string): Record<string, unknown> {
  const entry = ((object?.metadata['managedFields'] ?? []) as Array<Record<string, unknown>>).find(
    (e) => e['manager'] === manager,
  );
  return (entry?.['fieldsV1'] ?? {}) as Record<string, unknown>;
}

describe.each(VERSIONS)('kubectl %s apply --server-side', (version) => {
  const namespace = `shop-${tag(version)}`;

  it('creates a directory of objects, in file order, and prints serverside-applied', async () => {
    const dir = manifests(shop(namespace));
    const before = server.requests.length;
    const result = await run(['apply', '--server-side', '-f', dir], version);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual(SHOP_LINES.map((l) => l.replace('NS', namespace)));

    const sent = applies(before);
    expect(sent.map((r) => `${r.path} ${r.status}`)).toEqual([
      `/api/v1/namespaces/${namespace} 201`,
      `/api/v1/namespaces/${namespace}/configmaps/web-config 201`,
      `/api/v1/namespaces/${namespace}/secrets/web-secret 201`,
      `/api/v1/namespaces/${namespace}/services/web 201`,
      `/apis/apps/v1/namespaces/${namespace}/deployments/web 201`,
    ]);
    for (const r of sent) {
      expect(r.query).toEqual({
        fieldManager: 'kubectl',
        fieldValidation: 'Strict',
        force: 'false',
      });
      expect(r.verbs).toEqual(['patch', 'create']);
      expect(r.user).toBe(USER);
    }

    const configMap = server.get('configmaps', namespace, 'web-config');
    expect(configMap?.['data']).toEqual({ color: 'blue' });
    expect(configMap?.metadata['managedFields']).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:color': {} } },
      },
    ]);
    const secret = server.get('secrets', namespace, 'web-secret');
    expect(secret?.['data']).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(secret?.['stringData']).toBeUndefined();
    expect(secret?.['type']).toBe('Opaque');
    expect(managed(secret, 'kubectl')).toEqual({ 'f:stringData': { 'f:password': {} } });
    const service = server.get('services', namespace, 'web');
    expect((service?.['spec'] as Record<string, unknown>)['clusterIP']).toMatch(/^10\.96\./);
    expect((service?.['spec'] as Record<string, unknown>)['ports']).toEqual([
      { port: 80, targetPort: 8080, protocol: 'TCP' },
    ]);
    const deployment = server.get('apps/deployments', namespace, 'web');
    expect(deployment?.metadata['generation']).toBe(1);
    expect(managed(deployment, 'kubectl')).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': {
                '.': {},
                'f:env': { 'k:{"name":"COLOR"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                'f:image': {},
                'f:name': {},
                'f:ports': {
                  'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                },
              },
            },
          },
        },
      },
    });

    // kubectl reads the new Deployment back through the rollout controller.
    const status = await run(
      ['rollout', 'status', 'deployment/web', '-n', namespace, '--timeout=60s'],
      version,
    );
    expect(status.code, status.stderr).toBe(0);
    expect(lines(status.stdout).at(-1)).toBe('deployment "web" successfully rolled out');
  });

  it('re-applies the same directory without changing any object (resourceVersion kept)', async () => {
    const dir = manifests(shop(namespace));
    const kinds = [
      ['namespaces', undefined, namespace],
      ['configmaps', namespace, 'web-config'],
      ['secrets', namespace, 'web-secret'],
      ['services', namespace, 'web'],
    ] as const;
    const versions = kinds.map(([r, ns, n]) => server.get(r, ns, n)?.metadata['resourceVersion']);
    const before = server.requests.length;
    const result = await run(['apply', '--server-side', '-f', dir], version);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(SHOP_LINES.map((l) => l.replace('NS', namespace)));
    expect(applies(before).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(applies(before).map((r) => r.verbs)).toEqual(Array(5).fill(['patch']));
    expect(kinds.map(([r, ns, n]) => server.get(r, ns, n)?.metadata['resourceVersion'])).toEqual(
      versions,
    );
  });

  it('conflicts with kubectl set image, names the field and manager, and --force-conflicts wins', async () => {
    const set = await run(
      ['set', 'image', 'deployment/web', 'app=nginx:1.27', '-n', namespace],
      version,
    );
    expect(set.code, set.stderr).toBe(0);
    const afterSet = server.get('apps/deployments', namespace, 'web');
    expect(managers(afterSet)).toEqual(['kubectl/Apply', 'kubectl-set/Update']);
    expect(managed(afterSet, 'kubectl-set')).toEqual({
      'f:spec': {
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } },
      },
    });

    const dir = manifests(shop(namespace));
    const before = server.requests.length;
    const refused = await run(['apply', '--server-side', '-f', dir], version);
    expect(refused.code).toBe(1);
    const stderr = lines(refused.stderr);
    expect(stderr[0]).toBe(
      'error: Apply failed with 1 conflict: conflict with "kubectl-set" using apps/v1: .spec.template.spec.containers[name="app"].image',
    );
    expect(refused.stderr).toContain('--force-conflicts');
    const conflict = applies(before).find((r) => r.status === 409);
    expect(conflict?.path).toBe(`/apis/apps/v1/namespaces/${namespace}/deployments/web`);
    expect(imageOf(server.get('apps/deployments', namespace, 'web'))).toBe('nginx:1.27');

    const forced = await run(['apply', '--server-side', '--force-conflicts', '-f', dir], version);
    expect(forced.code, forced.stderr).toBe(0);
    expect(lines(forced.stdout).at(-1)).toBe('deployment.apps/web serverside-applied');
    expect(applies(before).at(-1)?.query['force']).toBe('true');
    const after = server.get('apps/deployments', namespace, 'web');
    expect(imageOf(after)).toBe('nginx:1.26');
    expect(managers(after)).toEqual(['kubectl/Apply']);
    expect(after?.metadata['generation']).toBe(3);
  });

  it('conflicts between two apply managers, grouped by manager', async () => {
    const file = join(
      manifests({
        'cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
  namespace: ${namespace}
data:
  a: one
  b: two
  c: three
`,
      }),
      'cm.yaml',
    );
    expect((await run(['apply', '--server-side', '-f', file], version)).code).toBe(0);
    const other = join(
      manifests({
        'cm.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: shared
  namespace: ${namespace}
data:
  a: uno
  b: dos
  c: three
`,
      }),
      'cm.yaml',
    );
    const refused = await run(
      ['apply', '--server-side', '--field-manager=other', '-f', other],
      version,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error: Apply failed with 2 conflicts: conflicts with "kubectl":\n- .data.a\n- .data.b\n',
    );
    // Same value (c) is shared ownership, not a conflict; forcing takes a and b.
    const forced = await run(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', other],
      version,
    );
    expect(forced.code, forced.stderr).toBe(0);
    const object = server.get('configmaps', namespace, 'shared');
    expect(object?.['data']).toEqual({ a: 'uno', b: 'dos', c: 'three' });
    expect(managed(object, 'kubectl')).toEqual({ 'f:data': { 'f:c': {} } });
    expect(managed(object, 'other')).toEqual({ 'f:data': { 'f:a': {}, 'f:b': {}, 'f:c': {} } });
  });

  it('removes a field the manager no longer applies, unless another manager owns it', async () => {
    const apply = async (manager: string, data: string) => {
      const file = join(
        manifests({
          'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: prune\n  namespace: ${namespace}\ndata:\n${data}`,
        }),
        'cm.yaml',
      );
      const result = await run(
        ['apply', '--server-side', `--field-manager=${manager}`, '-f', file],
        version,
      );
      expect(result.code, result.stderr).toBe(0);
      return server.get('configmaps', namespace, 'prune')?.['data'];
    };
    await apply('kubectl', '  a: one\n  b: two\n  c: three\n');
    await apply('other', '  c: three\n');
    expect(await apply('kubectl', '  a: one\n')).toEqual({ a: 'one', c: 'three' });
  });

  it('dry run (--dry-run=server) answers the would-be object and stores nothing', async () => {
    const dir = manifests(shop(namespace, 'nginx:1.28', 'red'));
    const stored = server.get('configmaps', namespace, 'web-config');
    const deployment = server.get('apps/deployments', namespace, 'web');
    const before = server.requests.length;
    const result = await run(
      ['apply', '--server-side', '--dry-run=server', '-f', dir, '-o', 'json'],
      version,
    );
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { items: KubeObject[] };
    const configMap = printed.items.find((i) => i['kind'] === 'ConfigMap');
    expect(configMap?.['data']).toEqual({ color: 'red' });
    expect(configMap?.metadata['resourceVersion']).toBe(stored?.metadata['resourceVersion']);
    expect(applies(before).every((r) => r.query['dryRun'] === 'All')).toBe(true);
    expect(server.get('configmaps', namespace, 'web-config')).toEqual(stored);
    expect(imageOf(server.get('apps/deployments', namespace, 'web'))).toBe(imageOf(deployment));

    const words = await run(['apply', '--server-side', '--dry-run=server', '-f', dir], version);
    expect(lines(words.stdout)).toEqual(
      SHOP_LINES.map((l) => `${l.replace('NS', namespace)} (server dry run)`),
    );
  });

  it('dry run in a namespace the same apply creates: namespaces "x" not found, nothing stored', async () => {
    const fresh = `fresh-${tag(version)}`;
    const dir = manifests(shop(fresh));
    const result = await run(['apply', '--server-side', '--dry-run=server', '-f', dir], version);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      `namespace/${fresh} serverside-applied (server dry run)`,
    ]);
    expect(lines(result.stderr)).toEqual(
      Array(4).fill(`Error from server (NotFound): namespaces "${fresh}" not found`),
    );
    expect(server.get('namespaces', undefined, fresh)).toBeUndefined();
    expect(server.list('configmaps', fresh)).toEqual([]);
  });

  it('applies in file-name order: a Namespace that sorts after its objects comes too late', async () => {
    const late = `late-${tag(version)}`;
    const files = shop(late);
    const dir = manifests({
      'a-configmap.yaml': files['1-configmap.yaml'] as string,
      'z-namespace.yaml': files['0-namespace.yaml'] as string,
    });
    const result = await run(['apply', '--server-side', '-f', dir], version);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([`namespace/${late} serverside-applied`]);
    expect(lines(result.stderr)).toEqual([
      `Error from server (NotFound): namespaces "${late}" not found`,
    ]);
    expect(server.get('namespaces', undefined, late)).toBeDefined();
    expect(server.get('configmaps', late, 'web-config')).toBeUndefined();
  });

  it('a CRD, once Established, serves its kind; before it kubectl finds no match', async () => {
    const group = `v${tag(version)}.example.com`;
    const dir = manifests({
      'crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`,
      'widget.yaml': `apiVersion: ${group}/v1
kind: Widget
metadata:
  name: blue
  namespace: ${namespace}
spec:
  size: 3
`,
    });
    const early = await run(['apply', '--server-side', '-f', join(dir, 'widget.yaml')], version);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      `no matches for kind "Widget" in version "${group}/v1"\nensure CRDs are installed first`,
    );

    const crd = await run(['apply', '--server-side', '-f', join(dir, 'crd.yaml')], version);
    expect(crd.code, crd.stderr).toBe(0);
    expect(crd.stdout).toBe(
      `customresourcedefinition.apiextensions.k8s.io/widgets.${group} serverside-applied\n`,
    );
    // Not served yet: discovery and the resource path answer 404 until Established.
    const discovery = await rawRequest(server.url, server.caData, `/apis/${group}/v1`, { token });
    expect(discovery.status).toBe(404);
    const stored = server.get(
      'apiextensions.k8s.io/customresourcedefinitions',
      undefined,
      `widgets.${group}`,
    );
    expect((stored?.['status'] as Record<string, unknown>)['conditions']).toBeUndefined();

    const wait = await run(
      ['wait', '--for=condition=Established', `crd/widgets.${group}`, '--timeout=10s'],
      version,
    );
    expect(wait.code, wait.stderr).toBe(0);
    const served = await rawRequest(server.url, server.caData, `/apis/${group}/v1`, { token });
    expect(JSON.parse(served.body)).toMatchObject({
      groupVersion: `${group}/v1`,
      resources: [{ name: 'widgets', singularName: 'widget', kind: 'Widget', namespaced: true }],
    });

    const widget = await run(['apply', '--server-side', '-f', join(dir, 'widget.yaml')], version);
    expect(widget.code, widget.stderr).toBe(0);
    expect(widget.stdout).toBe(`widget.${group}/blue serverside-applied\n`);
    const object = server.get(`${group}/widgets`, namespace, 'blue');
    expect(object?.['spec']).toEqual({ size: 3 });
    expect(managed(object, 'kubectl')).toEqual({ 'f:spec': { 'f:size': {} } });
  });

  it('a forbidden create is a 403 with the bare message; an existing object needs patch only', async () => {
    // May patch configmaps, may not create them (nor anything else).
    server.authorize = rules([{ verbs: ['get', 'list', 'watch', 'patch'] }]);
    const file = (name: string) =>
      join(
        manifests({
          'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  color: green\n`,
        }),
        'cm.yaml',
      );
    const before = server.requests.length;
    const refused = await run(['apply', '--server-side', '-f', file('new-config')], version);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'Error from server (Forbidden): configmaps "new-config" is forbidden: \n',
    );
    const sent = applies(before)[0];
    expect(sent?.status).toBe(403);
    expect(sent?.verbs).toEqual(['patch', 'create']);
    expect(server.get('configmaps', namespace, 'new-config')).toBeUndefined();

    const existing = await run(['apply', '--server-side', '-f', file('web-config')], version);
    expect(existing.code, existing.stderr).toBe(0);
    expect(server.get('configmaps', namespace, 'web-config')?.['data']).toEqual({
      color: 'green',
    });
  });
});

describe('kubectl 1.33 apply --server-side, other kinds and discovery modes', () => {
  it('StatefulSet, DaemonSet, Job and ServiceAccount: created, and the workloads roll out', async () => {
    server.addNamespace('kinds');
    const workload = (kind: string, extra: string) => `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: db
  namespace: kinds
spec:
${extra}  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: db
          image: postgres:16
`;
    const dir = manifests({
      'a-sa.yaml':
        'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: deployer\n  namespace: kinds\n',
      'b-sts.yaml': workload('StatefulSet', '  replicas: 2\n  serviceName: db\n'),
      'c-ds.yaml': workload('DaemonSet', ''),
      'd-job.yaml': `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: kinds
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: migrate:1
`,
    });
    const result = await run(['apply', '--server-side', '-f', dir], '1.33');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'serviceaccount/deployer serverside-applied',
      'statefulset.apps/db serverside-applied',
      'daemonset.apps/db serverside-applied',
      'job.batch/migrate serverside-applied',
    ]);
    const job = server.get('batch/jobs', 'kinds', 'migrate');
    expect(job?.metadata['generation']).toBe(1);
    expect((job?.['spec'] as Record<string, unknown>)['backoffLimit']).toBe(6);
    for (const target of ['statefulset/db', 'daemonset/db']) {
      const status = await run(
        ['rollout', 'status', target, '-n', 'kinds', '--timeout=60s'],
        '1.33',
      );
      expect(status.code, status.stderr).toBe(0);
      expect(lines(status.stdout).at(-1)).toMatch(/rolled out|roll out complete/);
    }
  });

  it.each(VERSIONS)(
    'kubectl %s shows a validating webhook denial with its message; dry runs are admitted too',
    async (version) => {
      server.addNamespace('webhook');
      const seen: Array<{ operation: string; dryRun: boolean; image: unknown }> = [];
      server.admit = (request) => {
        seen.push({
          operation: request.operation,
          dryRun: request.dryRun,
          image: imageOf(request.object),
        });
        return imageOf(request.object) === 'nginx:latest'
          ? { webhook: 'images.policy.example.com', message: 'image tag "latest" is not allowed' }
          : undefined;
      };
      try {
        const files = shop('webhook', 'nginx:latest');
        const file = join(manifests({ 'd.yaml': files['4-deployment.yaml'] as string }), 'd.yaml');
        for (const dryRun of [[], ['--dry-run=server']]) {
          const result = await run(['apply', '--server-side', ...dryRun, '-f', file], version);
          expect(result.code).toBe(1);
          expect(result.stderr).toBe(
            'Error from server: admission webhook "images.policy.example.com" denied the request: image tag "latest" is not allowed\n',
          );
        }
        expect(seen).toEqual([
          { operation: 'CREATE', dryRun: false, image: 'nginx:latest' },
          { operation: 'CREATE', dryRun: true, image: 'nginx:latest' },
        ]);
        expect(server.get('apps/deployments', 'webhook', 'web')).toBeUndefined();
      } finally {
        server.admit = () => undefined;
      }
    },
  );

  it('aggregated discovery lists an established CRD; kubectl also works with plain discovery only', async () => {
    const created = server.apply(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gizmos.aggregated.example.com' },
        spec: {
          group: 'aggregated.example.com',
          scope: 'Cluster',
          names: { plural: 'gizmos', kind: 'Gizmo' },
          versions: [{ name: 'v1', served: true, storage: true }],
        },
      },
      'test',
    );
    expect(created.code).toBe(201);
    await server.waitFor(
      'apiextensions.k8s.io/customresourcedefinitions',
      '',
      'gizmos.aggregated.example.com',
      (crd) => JSON.stringify(crd?.['status']).includes('"Established"'),
    );
    const response = await rawRequest(server.url, server.caData, '/apis', { token });
    expect(response.status).toBe(200);
    // rawRequest asks for application/json: the plain APIGroupList.
    expect(JSON.parse(response.body)).toMatchObject({ kind: 'APIGroupList' });
    const aggregated = await new Promise<{ type: string; body: string }>((resolve, reject) => {
      const req = request(
        new URL('/apis', server.url),
        {
          ca: Buffer.from(server.caData, 'base64').toString('utf8'),
          headers: {
            authorization: `Bearer ${token}`,
            accept:
              'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ type: String(res.headers['content-type']), body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(aggregated.type).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    const list = JSON.parse(aggregated.body) as {
      items: Array<{ metadata: { name: string }; versions: Array<{ resources: unknown[] }> }>;
    };
    const gizmos = list.items.find((i) => i.metadata.name === 'aggregated.example.com');
    expect(gizmos?.versions[0]?.resources).toEqual([
      expect.objectContaining({
        resource: 'gizmos',
        responseKind: { group: 'aggregated.example.com', version: 'v1', kind: 'Gizmo' },
        scope: 'Cluster',
        singularResource: 'gizmo',
      }),
    ]);

    const plain = await startKubeApiServer({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      usernamePrefix: 'forgejo:',
      aggregatedDiscovery: false,
    });
    try {
      plain.addNamespace('plain');
      const file = join(
        manifests({
          'cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: plain\ndata:\n  k: v\n',
        }),
        'cm.yaml',
      );
      const result = await kubectl(['apply', '--server-side', '-f', file], {
        kubeconfig: plain.kubeconfig(token),
        version: '1.33',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('configmap/c serverside-applied\n');
      expect(plain.requests.some((r) => r.path === '/api/v1' && r.status === 200)).toBe(true);
    } finally {
      await plain.close();
    }
  });
});

describe('the apply wire, byte for byte', () => {
  const patch = (path: string, body: string, query: string) =>
    rawRequest(server.url, server.caData, `${path}${query}`, {
      token,
      method: 'PATCH',
      body,
      contentType: 'application/apply-patch+yaml',
    });

  it('422 without fieldManager, in the API Status shape', async () => {
    server.addNamespace('wire');
    const response = await patch(
      '/api/v1/namespaces/wire/configmaps/x',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
      '',
    );
    expect(response.status).toBe(422);
    expect(JSON.parse(response.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      reason: 'Invalid',
      details: {
        group: 'meta.k8s.io',
        kind: 'PatchOptions',
        causes: [
          {
            reason: 'FieldValueRequired',
            message: 'Required value: is required for apply patch',
            field: 'fieldManager',
          },
        ],
      },
      code: 422,
    });
  });

  it('409 with FieldManagerConflict causes; the seed API sets up another manager', async () => {
    server.addNamespace('wire');
    const seeded = server.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'colors', namespace: 'wire' },
        data: { color: 'red' },
      },
      'other',
    );
    expect(seeded.code).toBe(201);
    const response = await patch(
      '/api/v1/namespaces/wire/configmaps/colors',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'colors' },
        data: { color: 'blue' },
      }),
      '?fieldManager=oidc-deploy-action',
    );
    expect(response.status).toBe(409);
    expect(JSON.parse(response.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "other": .data.color',
      reason: 'Conflict',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "other"',
            field: '.data.color',
          },
        ],
      },
      code: 409,
    });
    const updated = server.update(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'colors', namespace: 'wire' },
        data: { size: 'L' },
      },
      'editor',
    );
    expect(updated.code).toBe(200);
    const both = await patch(
      '/api/v1/namespaces/wire/configmaps/colors',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: colors\ndata:\n  color: blue\n  size: S\n',
      '?fieldManager=oidc-deploy-action',
    );
    expect(JSON.parse(both.body)).toMatchObject({
      message:
        'Apply failed with 2 conflicts: conflicts with "editor" using v1:\n- .data.size\nconflicts with "other":\n- .data.color',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "editor" using v1',
            field: '.data.size',
          },
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "other"',
            field: '.data.color',
          },
        ],
      },
    });
  });

  it('a namespaced object in a missing namespace: 404 namespaces "x" not found, dry run too', async () => {
    for (const query of ['?fieldManager=m', '?fieldManager=m&dryRun=All']) {
      const response = await patch(
        '/api/v1/namespaces/nowhere/configmaps/x',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
        query,
      );
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({
        message: 'namespaces "nowhere" not found',
        reason: 'NotFound',
        details: { name: 'nowhere', kind: 'namespaces' },
      });
    }
  });

  it('a forbidden create: 403 with the bare message and details', async () => {
    server.addNamespace('wire');
    server.authorize = rules([{ verbs: ['patch'] }]);
    const response = await patch(
      '/api/v1/namespaces/wire/configmaps/denied',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: denied\n',
      '?fieldManager=m',
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "denied" is forbidden: ',
      reason: 'Forbidden',
      details: { name: 'denied', kind: 'configmaps' },
      code: 403,
    });
  });

  it('discovery lists the SSA kinds (core, apps, batch, apiextensions)', async () => {
    const get = async (path: string) =>
      JSON.parse((await rawRequest(server.url, server.caData, path, { token })).body) as {
        resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
        groups?: Array<{ name: string }>;
      };
    const names = async (path: string) =>
      ((await get(path)).resources ?? []).map((r) => `${r.name}:${r.kind}:${r.namespaced}`);
    expect(await names('/api/v1')).toEqual(
      expect.arrayContaining([
        'namespaces:Namespace:false',
        'configmaps:ConfigMap:true',
        'secrets:Secret:true',
        'services:Service:true',
        'serviceaccounts:ServiceAccount:true',
      ]),
    );
    expect(await names('/apis/apps/v1')).toEqual(
      expect.arrayContaining([
        'deployments:Deployment:true',
        'statefulsets:StatefulSet:true',
        'daemonsets:DaemonSet:true',
      ]),
    );
    expect(await names('/apis/batch/v1')).toEqual(['jobs:Job:true']);
    expect(await names('/apis/apiextensions.k8s.io/v1')).toEqual([
      'customresourcedefinitions:CustomResourceDefinition:false',
    ]);
    expect(((await get('/apis')).groups ?? []).map((g) => g.name).slice(0, 3)).toEqual([
      'apps',
      'batch',
      'apiextensions.k8s.io',
    ]);
  });
});

function imageOf(object: KubeObject | undefined): unknown {
  const spec = object?.['spec'] as { template: { spec: { containers: Array<{ image: string }> } } };
  return spec.template.spec.containers[0]?.image;
}
