// The apply engine against a small in-memory fake of the calls it makes (get, apply): discovery
// mapping, order, namespace rules, outcomes, and the explanations of refusals.
import { describe, expect, it } from 'vitest';
import { explainUnauthorized } from '../../../src/kubernetes/sources/kubeconfig/explain.js';
import { ActionError } from '../../../src/base/errors.js';
import { recordingLogger } from '../../helpers/logger.js';
import { prepareApply, type ApplyClient } from '../../../src/kubernetes/apply/apply.js';
import { assignImagesInManifests } from '../../../src/kubernetes/apply/assignments.js';
import { definedKinds, isEstablished } from '../../../src/kubernetes/apply/crd.js';
import {
  Discovery,
  kubectlName,
  objectPath,
  splitApiVersion,
} from '../../../src/kubernetes/apply/discovery.js';
import {
  explainApplyError,
  parseConflicts,
  redact,
} from '../../../src/kubernetes/apply/explain.js';
import { secretSpellings } from '../../../src/kubernetes/apply/secret-spellings.js';
import type { ManifestObject } from '../../../src/kubernetes/apply/manifests.js';
import { applyOrder } from '../../../src/kubernetes/apply/order.js';
import { applyLine, applyOutcome } from '../../../src/kubernetes/apply/outcome.js';
import { planObjects, type PlannedObject } from '../../../src/kubernetes/apply/plan.js';
import { applyRbacYaml, rulesFor } from '../../../src/kubernetes/apply/rbac.js';
import { KubeApiError } from '../../../src/kubernetes/api/client.js';
import type { Status } from '../../../src/kubernetes/api/objects.js';

const claims = {
  iss: 'https://code.example/api/actions',
  sub: 'repo:org/app:ref:refs/heads/main',
  aud: ['k8s'],
  exp: Math.floor(Date.now() / 1000) + 3600,
  extra: {},
};

type Obj = Record<string, unknown>;

const DISCOVERY: Record<string, Array<{ name: string; kind: string; namespaced: boolean }>> = {
  '/api/v1': [
    { name: 'namespaces', kind: 'Namespace', namespaced: false },
    { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
    { name: 'secrets', kind: 'Secret', namespaced: true },
    { name: 'services', kind: 'Service', namespaced: true },
    { name: 'services/status', kind: 'Service', namespaced: true },
  ],
  '/apis/apps/v1': [
    { name: 'deployments/scale', kind: 'Scale', namespaced: true },
    { name: 'deployments', kind: 'Deployment', namespaced: true },
  ],
  '/apis/apiextensions.k8s.io/v1': [
    { name: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false },
  ],
};

/** A fake API: discovery, a store, server-side apply as replace, answers and requests recorded. */
class FakeApply implements ApplyClient {
  readonly requests: string[] = [];
  readonly store = new Map<string, Obj>();
  readonly discovery = structuredClone(DISCOVERY);
  rv = 1;
  /** Answers an apply with this error instead, once, for the path. */
  readonly refuse = new Map<string, KubeApiError>();
  /** CRDs become established after this many reads. */
  establishAfter = 1;

  async get<T>(path: string): Promise<T> {
    await Promise.resolve();
    this.requests.push(`GET ${path}`);
    const doc = this.discovery[path];
    if (doc) return { resources: doc } as T;
    const object = this.store.get(path);
    if (!object) throw new KubeApiError('GET', path, 404, { kind: 'Status', code: 404 });
    if (path.includes('/customresourcedefinitions/') && this.establishAfter-- <= 0) {
      object['status'] = { conditions: [{ type: 'Established', status: 'True' }] };
      const spec = object['spec'] as { group: string; names: { plural: string; kind: string } };
      this.discovery[`/apis/${spec.group}/v1`] = [
        { name: spec.names.plural, kind: spec.names.kind, namespaced: true },
      ];
    }
    return structuredClone(object) as T;
  }

  async apply<T>(path: string, object: unknown, options: { force: boolean; dryRun: boolean }) {
    await Promise.resolve();
    this.requests.push(
      `APPLY ${path}${options.force ? ' force' : ''}${options.dryRun ? ' dryRun' : ''}`,
    );
    const refusal = this.refuse.get(path);
    if (refusal) {
      this.refuse.delete(path);
      throw refusal;
    }
    const before = this.store.get(path);
    const next = structuredClone(object) as Obj;
    const meta = next['metadata'] as Obj;
    const same =
      before !== undefined &&
      JSON.stringify({
        ...before,
        metadata: { ...(before['metadata'] as Obj), resourceVersion: 0 },
      }) === JSON.stringify({ ...next, metadata: { ...meta, resourceVersion: 0 } });
    meta['resourceVersion'] = same
      ? (before['metadata'] as Obj)['resourceVersion']
      : String(++this.rv);
    if (!options.dryRun) this.store.set(path, next);
    return next as T;
  }
}

let line = 0;
function manifest(apiVersion: string, kind: string, name: string, more: Obj = {}): ManifestObject {
  const namespace = (more['metadata'] as Obj | undefined)?.['namespace'] as string | undefined;
  return {
    file: 'deploy/app.yaml',
    document: ++line,
    line: line * 10,
    apiVersion,
    kind,
    name,
    namespace,
    object: { apiVersion, kind, ...more, metadata: { name, ...(more['metadata'] as Obj) } },
  };
}

const deploymentObject = (image: string): Obj => ({
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image }] },
    },
  },
});

function request(client: FakeApply, objects: ManifestObject[], more: Partial<Obj> = {}) {
  const logger = recordingLogger();
  return {
    logger,
    request: {
      client,
      objects,
      namespaceInput: undefined as string | undefined,
      defaultNamespace: 'demo',
      force: false,
      dryRun: false,
      logger,
      claims,
      impersonation: undefined,
      explanations: { unauthorized: (doing: string) => explainUnauthorized(doing, claims) },
      crdPollMs: 1,
      crdTimeoutMs: 2000,
      ...more,
    },
  };
}

describe('discovery', () => {
  it.each([
    ['v1', 'ConfigMap', { group: '', version: 'v1', resource: 'configmaps', namespaced: true }],
    ['v1', 'Namespace', { group: '', version: 'v1', resource: 'namespaces', namespaced: false }],
    ['v1', 'Service', { group: '', version: 'v1', resource: 'services', namespaced: true }],
    [
      'apps/v1',
      'Deployment',
      { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true },
    ],
    ['apps/v1', 'Widget', undefined],
    ['example.com/v1', 'Widget', undefined],
  ])('maps %s %s', async (apiVersion, kind, expected) => {
    const discovery = new Discovery(new FakeApply());
    const mapping = await discovery.resolve(apiVersion, kind);
    expect(mapping).toEqual(expected === undefined ? undefined : { ...expected, kind });
  });

  it('reads each group version once per run, and again after forget', async () => {
    const client = new FakeApply();
    const discovery = new Discovery(client);
    await Promise.all([
      discovery.resolve('v1', 'ConfigMap'),
      discovery.resolve('v1', 'Secret'),
      discovery.resolve('apps/v1', 'Deployment'),
    ]);
    await discovery.resolve('v1', 'Service');
    expect(client.requests).toEqual(['GET /api/v1', 'GET /apis/apps/v1']);
    discovery.forget('v1');
    await discovery.resolve('v1', 'Service');
    expect(client.requests).toHaveLength(3);
  });

  it('passes a refused discovery read on, and does not cache it', async () => {
    let calls = 0;
    const discovery = new Discovery({
      get: () => {
        calls++;
        return Promise.reject(new KubeApiError('GET', '/api/v1', 403, undefined));
      },
    });
    await expect(discovery.resolve('v1', 'ConfigMap')).rejects.toBeInstanceOf(KubeApiError);
    await expect(discovery.resolve('v1', 'ConfigMap')).rejects.toBeInstanceOf(KubeApiError);
    expect(calls).toBe(2);
  });

  it.each([
    ['v1', { group: '', version: 'v1' }],
    ['apps/v1', { group: 'apps', version: 'v1' }],
    ['example.com/v1beta1', { group: 'example.com', version: 'v1beta1' }],
  ])('splits %s', (apiVersion, expected) => {
    expect(splitApiVersion(apiVersion)).toEqual(expected);
  });

  it.each([
    [{ group: 'apps', kind: 'Deployment' }, 'web', 'deployment.apps/web'],
    [{ group: '', kind: 'Namespace' }, 'shop', 'namespace/shop'],
    [{ group: 'batch', kind: 'Job' }, 'x', 'job.batch/x'],
  ])('names %o %s as kubectl does', (mapping, name, expected) => {
    expect(kubectlName(mapping, name)).toBe(expected);
  });

  it.each([
    [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        resource: 'deployments',
        namespaced: true,
      },
      'demo',
      '/apis/apps/v1/namespaces/demo/deployments/web',
    ],
    [
      { group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false },
      undefined,
      '/api/v1/namespaces/web',
    ],
    [
      { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
      'demo',
      '/api/v1/namespaces/demo/configmaps/web',
    ],
  ])('builds the path of %o', (mapping, namespace, expected) => {
    expect(objectPath(mapping, namespace, 'web')).toBe(expected);
  });
});

describe('order', () => {
  it('puts Namespaces first, then CRDs, then the rest in file order', () => {
    const objects = [
      manifest('v1', 'ConfigMap', 'a'),
      manifest('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
      manifest('apps/v1', 'Deployment', 'b'),
      manifest('v1', 'Namespace', 'shop'),
      manifest('example.com/v1', 'Widget', 'c'),
      manifest('v1', 'Namespace', 'other'),
      manifest('v1', 'Service', 'd'),
    ];
    expect(applyOrder(objects).map((o) => `${o.kind}/${o.name}`)).toEqual([
      'Namespace/shop',
      'Namespace/other',
      'CustomResourceDefinition/widgets.example.com',
      'ConfigMap/a',
      'Deployment/b',
      'Widget/c',
      'Service/d',
    ]);
  });
});

describe('namespace rules and unserved kinds', () => {
  const plan = (objects: ManifestObject[], namespaceInput?: string) =>
    planObjects({
      objects,
      discovery: new Discovery(new FakeApply()),
      namespaceInput,
      defaultNamespace: namespaceInput ?? 'ctx',
    });

  it.each([
    // [what, metadata.namespace, namespace input, expected namespace or error]
    ['no namespace, no input: the default', undefined, undefined, 'ctx'],
    ['no namespace, input: the input', undefined, 'demo', 'demo'],
    ['its own namespace, no input: kept', 'shop', undefined, 'shop'],
    ['the same namespace as the input', 'demo', 'demo', 'demo'],
    [
      'another namespace than the input',
      'shop',
      'demo',
      'the namespace from the provided object "shop" does not match the namespace "demo"',
    ],
  ])('%s', async (_what, namespace, input, expected) => {
    const objects = [
      manifest('v1', 'ConfigMap', 'settings', namespace ? { metadata: { namespace } } : {}),
    ];
    if (expected.includes(' ')) {
      const error = await plan(objects, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ActionError);
      expect((error as ActionError).message).toContain(expected);
      expect((error as ActionError).message).toContain('deploy/app.yaml (document');
      expect((error as ActionError).message).toMatch(/Nothing was applied\.$/);
      expect((error as ActionError).hint).toContain('Set input "namespace" to "shop"');
      return;
    }
    const [planned] = await plan(objects, input);
    expect(planned?.namespace).toBe(expected);
    expect((planned?.body['metadata'] as Obj)['namespace']).toBe(expected);
    expect(planned?.path).toBe(`/api/v1/namespaces/${expected}/configmaps/settings`);
  });

  it('never gives a cluster-scoped object a namespace', async () => {
    const [planned] = await plan(
      [manifest('v1', 'Namespace', 'shop', { metadata: { namespace: 'demo' } })],
      'demo',
    );
    expect(planned?.namespace).toBeUndefined();
    expect(planned?.body['metadata']).toEqual({ name: 'shop' });
    expect(planned?.path).toBe('/api/v1/namespaces/shop');
  });

  it('refuses kinds the cluster does not serve, all at once, in kubectl words', async () => {
    const error = (await plan([
      manifest('example.com/v1', 'Widget', 'blue'),
      manifest('apps/v1', 'Gadget', 'red'),
      manifest('v1', 'ConfigMap', 'fine'),
    ]).catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain('no matches for kind "Widget" in version "example.com/v1"');
    expect(error.message).toContain('no matches for kind "Gadget" in version "apps/v1"');
    expect(error.hint).toMatch(/^ensure CRDs are installed first/);
  });

  it('accepts the kinds of a CRD in the same manifests, with its plural and scope', async () => {
    const crd = manifest(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'widgets.example.com',
      {
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { kind: 'Widget', plural: 'widgets' },
          versions: [
            { name: 'v1', served: true, storage: true },
            { name: 'v0', served: false },
          ],
        },
      },
    );
    expect(definedKinds([crd]).map((k) => `${k.group}/${k.version} ${k.resource}`)).toEqual([
      'example.com/v1 widgets',
    ]);
    const planned = await plan([manifest('example.com/v1', 'Widget', 'blue'), crd]);
    expect(planned.map((p) => p.path)).toEqual([
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com',
      '/apis/example.com/v1/namespaces/ctx/widgets/blue',
    ]);
    expect(planned[1]?.crd).toBe('widgets.example.com');
  });

  it.each([
    [{ status: { conditions: [{ type: 'Established', status: 'True' }] } }, true],
    [{ status: { conditions: [{ type: 'Established', status: 'False' }] } }, false],
    [{ status: { conditions: [{ type: 'NamesAccepted', status: 'True' }] } }, false],
    [{}, false],
    [undefined, false],
  ])('Established of %o is %s', (crd, expected) => {
    expect(isEstablished(crd)).toBe(expected);
  });
});

describe('outcome', () => {
  const rv = (resourceVersion: string, data: Obj = {}) => ({
    metadata: { resourceVersion, managedFields: [{ manager: 'x', time: resourceVersion }] },
    ...data,
  });
  it.each([
    ['absent before: created', undefined, rv('5'), false, 'created'],
    ['same resourceVersion: unchanged', rv('5'), rv('5'), false, 'unchanged'],
    ['another resourceVersion: configured', rv('5'), rv('6'), false, 'configured'],
    ['dry run, absent: created', undefined, rv('5'), true, 'created'],
    [
      'dry run, same content: unchanged',
      rv('5', { data: { a: '1' } }),
      rv('5', { data: { a: '1' } }),
      true,
      'unchanged',
    ],
    [
      'dry run, other content: configured',
      rv('5', { data: { a: '1' } }),
      rv('5', { data: { a: '2' } }),
      true,
      'configured',
    ],
    [
      'dry run, key order only: unchanged',
      rv('5', { data: { a: '1', b: '2' } }),
      rv('5', { data: { b: '2', a: '1' } }),
      true,
      'unchanged',
    ],
  ] as const)('%s', (_what, before, after, dryRun, expected) => {
    expect(applyOutcome(before, after, dryRun)).toBe(expected);
  });

  it.each([
    [
      'deployment.apps/web',
      'configured',
      false,
      'deployment.apps/web serverside-applied: configured',
    ],
    [
      'configmap/x',
      'created',
      true,
      'configmap/x serverside-applied (server dry run): would be created',
    ],
    [
      'configmap/x',
      'unchanged',
      true,
      'configmap/x serverside-applied (server dry run): would be left unchanged',
    ],
  ] as const)('says %s %s (dry run %s)', (name, outcome, dryRun, expected) => {
    expect(applyLine(name, outcome, dryRun)).toBe(expected);
  });
});

describe('explanations', () => {
  const planned = async (kind = 'ConfigMap', more: Obj = {}): Promise<PlannedObject> => {
    const [object] = await planObjects({
      objects: [manifest(kind === 'Deployment' ? 'apps/v1' : 'v1', kind, 'web', more)],
      discovery: new Discovery(new FakeApply()),
      namespaceInput: undefined,
      defaultNamespace: 'demo',
    });
    return object as PlannedObject;
  };
  const apiError = (code: number, status: Obj) =>
    new KubeApiError('PATCH', '/x', code, { kind: 'Status', code, ...status } as Status);
  const context = (absent: boolean, user?: string) => ({
    needs: [
      { group: '', resource: 'configmaps', namespace: 'demo', absent, workload: false },
      { group: 'apps', resource: 'deployments', namespace: 'demo', absent: false, workload: true },
    ],
    absent,
    impersonation: user ? { user } : undefined,
    claims,
    namespace: 'demo',
    explanations: { unauthorized: (doing: string) => explainUnauthorized(doing, claims) },
  });

  it.each([
    [
      'one field of another apply',
      [{ reason: 'FieldManagerConflict', message: 'conflict with "other"', field: '.data.color' }],
      ['.data.color (manager "other")'],
    ],
    [
      'fields of kubectl set and edit',
      [
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-set" using apps/v1',
          field: '.spec.template.spec.containers[name="app"].image',
        },
        {
          reason: 'FieldManagerConflict',
          message: 'conflict with "kubectl-edit" using apps/v1',
          field: '.spec.replicas',
        },
      ],
      [
        '.spec.template.spec.containers[name="app"].image (manager "kubectl-set", using apps/v1)',
        '.spec.replicas (manager "kubectl-edit", using apps/v1)',
      ],
    ],
  ])('a 409 conflict: %s', async (_what, causes, expected) => {
    const error = explainApplyError(
      apiError(409, { reason: 'Conflict', message: 'Apply failed', details: { causes } }),
      await planned(),
      'apply',
      context(false),
    ) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    for (const text of expected) expect(error.message).toContain(text);
    expect(error.message).toContain('configmap/web from deploy/app.yaml (document');
    expect(error.hint).toContain('force-conflicts: true');
    expect(parseConflicts({ details: { causes } })).toHaveLength(causes.length);
  });

  it.each([
    // [what, message, absent, impersonated, expected verb, expected user]
    [
      'a bare refused create',
      'configmaps "web" is forbidden: ',
      true,
      undefined,
      'create',
      `forgejo:${claims.sub}`,
    ],
    [
      'a bare refused create, impersonated',
      'configmaps "web" is forbidden: ',
      true,
      'deployer',
      'create',
      'deployer',
    ],
    [
      'a refused patch',
      'configmaps "web" is forbidden: User "forgejo:x" cannot patch resource "configmaps" in API group "" in the namespace "demo"',
      false,
      undefined,
      'patch',
      'forgejo:x',
    ],
  ])('a 403: %s', async (_what, message, absent, user, verb, subject) => {
    const error = explainApplyError(
      apiError(403, { reason: 'Forbidden', message }),
      await planned(),
      'apply',
      context(absent, user),
    ) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain(`may not ${verb} configmaps in namespace "demo"`);
    if (verb === 'create') expect(error.message).toContain('as "create" as well as "patch"');
    expect(error.hint).toContain(`name: ${subject}`);
    expect(error.hint).toContain('kind: Role\n');
    // The Role admits the whole run: create where the object is new, the rollout reads.
    expect(error.hint).toContain(absent ? '- create' : '- patch');
    expect(error.hint).toContain('replicasets');
  });

  it('an admission webhook denial, with its message escaped', async () => {
    const error = explainApplyError(
      apiError(400, {
        message:
          'admission webhook "policy.example.com" denied the request: no latest tags\n::error::x',
      }),
      await planned(),
      'apply',
      context(false),
    ) as ActionError;
    expect(error.message).toContain('admission control refused configmap/web');
    expect(error.message).toContain('no latest tags\\n::error::x');
    expect(error.message).not.toContain('\n');
  });

  it('never prints the values of a Secret, even when the server echoes them', async () => {
    const secret = await planned('Secret', {
      data: { password: Buffer.from('hunter2-secret').toString('base64') },
      stringData: { token: 'tok-very-secret' },
    });
    const values = secretSpellings(secret.body);
    expect(values).toContain('hunter2-secret');
    expect(values).toContain('tok-very-secret');
    const echoed = `Secret "web" is invalid: data[password]: ${Buffer.from('hunter2-secret').toString('base64')} hunter2-secret tok-very-secret`;
    expect(redact(echoed, secret)).not.toMatch(/hunter2|tok-very|aHVudGVy/);
    const error = explainApplyError(
      apiError(422, { reason: 'Invalid', message: echoed }),
      secret,
      'apply',
      context(false),
    ) as ActionError;
    expect(error.message).toContain('secret/web');
    expect(error.message).not.toMatch(/hunter2|tok-very|aHVudGVy/);
  });
});

describe('rbac', () => {
  it('grants get and patch, create where new, and the rollout reads', () => {
    expect(
      rulesFor([
        { group: '', resource: 'configmaps', namespace: 'demo', absent: true, workload: false },
        { group: '', resource: 'services', namespace: 'demo', absent: false, workload: false },
        {
          group: 'apps',
          resource: 'deployments',
          namespace: 'demo',
          absent: false,
          workload: true,
        },
      ]),
    ).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
      { apiGroups: [''], resources: ['events', 'pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'patch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    ]);
  });

  it('writes a ClusterRole for cluster-scoped objects, a Role per namespace', () => {
    const yaml = applyRbacYaml('forgejo:x', [
      { group: '', resource: 'namespaces', namespace: undefined, absent: true, workload: false },
      { group: '', resource: 'configmaps', namespace: 'shop', absent: true, workload: false },
    ]);
    expect(yaml.match(/^kind: \w+$/gm)).toEqual([
      'kind: ClusterRole',
      'kind: ClusterRoleBinding',
      'kind: Role',
      'kind: RoleBinding',
    ]);
    expect(yaml).toContain('namespace: shop');
  });
});

describe('workloads that the manifests apply', () => {
  it('sets their CONTAINER=IMAGE lines in the manifest and leaves the others', () => {
    const web = manifest('apps/v1', 'Deployment', 'web', deploymentObject('app:1'));
    const remaining = assignImagesInManifests(
      [web],
      [
        { kind: 'deployment', name: 'web' },
        { kind: 'deployment', name: 'other' },
      ],
      [{ container: 'web', image: 'app:2' }],
      'demo',
    );
    expect(remaining).toEqual([{ kind: 'deployment', name: 'other' }]);
    expect(JSON.stringify(web.object)).toContain('"image":"app:2"');
  });

  it('refuses a container the manifest lacks, before anything is sent', () => {
    const web = manifest('apps/v1', 'Deployment', 'web', deploymentObject('app:1'));
    expect(() =>
      assignImagesInManifests(
        [web],
        [{ kind: 'deployment', name: 'web' }],
        [{ container: 'nope', image: 'app:2' }],
        'demo',
      ),
    ).toThrow('unable to find container named "nope"');
  });
});

describe('prepareApply and run', () => {
  const set = () => [
    manifest('apps/v1', 'Deployment', 'web', deploymentObject('app:1')),
    manifest('v1', 'ConfigMap', 'settings', { data: { a: '1' } }),
    manifest('v1', 'Namespace', 'demo'),
  ];

  it('reads everything before the first apply, applies in order, tells created/unchanged/configured', async () => {
    const client = new FakeApply();
    const { request: first, logger } = request(client, set());
    const plan = await prepareApply(first);
    expect(client.requests.filter((r) => r.startsWith('APPLY'))).toEqual([]);
    const result = await plan.run();
    expect(client.requests.filter((r) => r.startsWith('APPLY'))).toEqual([
      'APPLY /api/v1/namespaces/demo',
      'APPLY /apis/apps/v1/namespaces/demo/deployments/web',
      'APPLY /api/v1/namespaces/demo/configmaps/settings',
    ]);
    expect(result.objects.map((o) => o.outcome)).toEqual(['created', 'created', 'created']);
    expect(logger.lines).toContain('deployment.apps/web serverside-applied: created');
    expect(result.workloads.map((w) => [w.kind, w.name, w.outcome, w.restore])).toEqual([
      ['deployment', 'web', 'created', undefined],
    ]);
    // Requests: 2 discovery reads, one GET and one apply per object.
    expect(client.requests).toHaveLength(2 + 3 * 2);

    const objects = set();
    (
      (objects[0]?.object['spec'] as Obj)['template'] as { spec: { containers: Obj[] } }
    ).spec.containers[0]!['image'] = 'app:2';
    const again = await (await prepareApply(request(client, objects).request)).run();
    expect(again.objects.map((o) => `${o.kind} ${o.outcome}`)).toEqual([
      'Namespace unchanged',
      'Deployment configured',
      'ConfigMap unchanged',
    ]);
    expect(again.workloads[0]?.restore).toBeTypeOf('function');
  });

  it('dry run: nothing stored, would-be outcomes, objects in a new namespace not sent', async () => {
    const client = new FakeApply();
    const objects = [
      manifest('v1', 'Namespace', 'shop'),
      manifest('v1', 'ConfigMap', 'settings', { metadata: { namespace: 'shop' } }),
    ];
    const { request: req, logger } = request(client, objects, { dryRun: true });
    const result = await (await prepareApply(req)).run();
    expect(client.store.size).toBe(0);
    expect(client.requests.filter((r) => r.startsWith('APPLY'))).toEqual([
      'APPLY /api/v1/namespaces/shop dryRun',
    ]);
    expect(result.objects.map((o) => [o.name, o.outcome, o.dryRun])).toEqual([
      ['shop', 'created', true],
      ['settings', 'created', true],
    ]);
    expect(result.workloads).toEqual([]);
    expect(logger.lines.join('\n')).toContain(
      'namespace/shop serverside-applied (server dry run): would be created',
    );
  });

  it('waits for a CRD of the manifests to be established before objects of its kind', async () => {
    const client = new FakeApply();
    client.establishAfter = 2;
    const crd = manifest(
      'apiextensions.k8s.io/v1',
      'CustomResourceDefinition',
      'widgets.example.com',
      {
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { kind: 'Widget', plural: 'widgets' },
          versions: [{ name: 'v1', served: true }],
        },
      },
    );
    const { request: req } = request(client, [manifest('example.com/v1', 'Widget', 'blue'), crd]);
    const result = await (await prepareApply(req)).run();
    expect(result.objects.map((o) => `${o.kind} ${o.outcome}`)).toEqual([
      'CustomResourceDefinition created',
      'Widget created',
    ]);
    const crdReads = client.requests.filter((r) => r.includes('customresourcedefinitions/widgets'));
    expect(crdReads.length).toBeGreaterThanOrEqual(3);
    const applyWidget = client.requests.indexOf(
      'APPLY /apis/example.com/v1/namespaces/demo/widgets/blue',
    );
    expect(client.requests.lastIndexOf('GET /apis/example.com/v1')).toBeLessThan(applyWidget);
  });

  it('a refusal after the first apply names what was applied before it', async () => {
    const client = new FakeApply();
    client.refuse.set(
      '/api/v1/namespaces/demo/configmaps/settings',
      new KubeApiError('PATCH', '/x', 403, {
        kind: 'Status',
        code: 403,
        reason: 'Forbidden',
        message: 'configmaps "settings" is forbidden: ',
      }),
    );
    const error = (await (
      await prepareApply(request(client, set()).request)
    )
      .run()
      .catch((e: unknown) => e)) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain('may not create configmaps in namespace "demo"');
    expect(error.message).toContain(
      'already applied before it: Namespace demo (created), Deployment demo/web (created)',
    );
  });

  it('a refused discovery read is explained, with the server text escaped', async () => {
    const client = new FakeApply();
    client.get = async (path: string) => {
      await Promise.resolve();
      throw new KubeApiError('GET', path, 403, {
        kind: 'Status',
        code: 403,
        message: 'forbidden\n::error::injected',
      });
    };
    const error = (await prepareApply(request(client, set()).request).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain('read the API discovery documents');
    expect(error.message).not.toContain('\n::error');
  });

  it('a refused read before the apply stops everything before the first PATCH', async () => {
    const client = new FakeApply();
    client.get = async (path: string) => {
      await Promise.resolve();
      client.requests.push(`GET ${path}`);
      if (DISCOVERY[path]) return { resources: DISCOVERY[path] } as never;
      throw new KubeApiError('GET', path, 403, {
        kind: 'Status',
        code: 403,
        message: `x is forbidden: User "u" cannot get resource "configmaps" in API group "" in the namespace "demo"`,
      });
    };
    await expect(prepareApply(request(client, set()).request)).rejects.toThrow('may not get');
    expect(client.requests.some((r) => r.startsWith('APPLY'))).toBe(false);
  });
});
