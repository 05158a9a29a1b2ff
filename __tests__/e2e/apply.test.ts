// Manifests end to end: the bundled action applies a directory of manifests with server-side
// apply on the test API server (docs/wire-formats.md, 2b), waits for the workloads it applied, and tells
// created / configured / unchanged; dry run, conflicts, a forbidden create, a CRD and its kind;
// Secret values never printed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import type { KubeApiServer } from '../fixtures/kube-apiserver.js';
import { findLeaks, jwtSecrets } from '../helpers/leaks.js';
import { errorAnnotations, makeRunnerDirs, runAction, type RunResult } from '../helpers/runner.js';

const SECRET_VALUE = 'pa55-w0rd-never-printed';
const SECRET_DATA = 'data-value-never-printed';

let issuer: Issuer;
let server: KubeApiServer;
let seq = 0;
const fresh = (base: string) => `${base}-${++seq}`;

withTrustingCluster({ stepMs: 20, crdEstablishMs: 200 }, (started) => {
  ({ issuer, server } = started);
});

let runs: RunResult[] = [];
let issuedBefore = 0;
beforeEach(() => {
  server.authorize = () => true;
  server.admit = () => undefined;
  runs = [];
  issuedBefore = issuer.issued.length;
});
// No token, and no value of a Secret of the manifests, anywhere but in `::add-mask::`.
afterEach(() => {
  const secrets = [
    ...issuer.issued.slice(issuedBefore).flatMap(jwtSecrets),
    issuer.requestToken,
    SECRET_VALUE,
    SECRET_DATA,
    Buffer.from(SECRET_DATA).toString('base64'),
    Buffer.from(SECRET_VALUE).toString('base64'),
  ];
  for (const run of runs) expect(findLeaks(run, secrets)).toEqual([]);
});

/** The manifests of one app in namespace `ns`: Namespace, ConfigMap, Secret, Service, Deployment. */
function appManifests(ns: string, image: string): Record<string, string> {
  return {
    'deploy/00-app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: ${image}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector: { app: web }
  ports:
    - port: 80
`,
    'deploy/10-config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  color: blue
---
apiVersion: v1
kind: Secret
metadata:
  name: credentials
  namespace: ${ns}
stringData:
  password: ${SECRET_VALUE}
data:
  other: ${Buffer.from(SECRET_DATA).toString('base64')}
`,
    // Sorts last: applied first all the same.
    'deploy/zz-namespace.yaml': `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
`,
  };
}

async function apply(
  files: Record<string, string>,
  inputs: Record<string, string>,
  namespace?: string,
): Promise<RunResult> {
  const dirs = makeRunnerDirs();
  for (const [path, text] of Object.entries(files)) {
    const full = join(dirs.workspace, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  const run = await runAction({
    dirs,
    inputs: {
      kubeconfig: server.kubeconfig(undefined, namespace ? { namespace } : {}),
      audience: AUDIENCE,
      manifests: 'deploy',
      'rollout-timeout': '60s',
      ...inputs,
    },
    env: issuer.env(),
    timeoutMs: 90_000,
  });
  runs.push(run);
  return run;
}

/** `KIND NAME outcome` of each object, from the log lines (kubectl's words + outcome). */
function applyLines(run: RunResult): string[] {
  return run.stdout.split('\n').filter((l) => / serverside-applied/.test(l));
}

const applies = (from: number) =>
  server.requests
    .slice(from)
    .filter(
      (r) => r.method === 'PATCH' && r.contentType?.startsWith('application/apply-patch+yaml'),
    );

describe('manifests', () => {
  it('applies a directory (Namespace, ConfigMap, Secret, Service, Deployment) and rolls it out; a new image configures only the Deployment', async () => {
    const ns = fresh('shop');
    const from = server.requests.length;
    const run = await apply(appManifests(ns, 'registry.example/app:1'), {});
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(applyLines(run)).toEqual([
      `namespace/${ns} serverside-applied: created`,
      'deployment.apps/web serverside-applied: created',
      'service/web serverside-applied: created',
      'configmap/settings serverside-applied: created',
      'secret/credentials serverside-applied: created',
    ]);
    // The wire: every apply as kubectl sends it.
    const sent = applies(from);
    expect(sent).toHaveLength(5);
    for (const r of sent) {
      expect(r.query).toMatchObject({
        fieldManager: 'oidc-deploy-action',
        fieldValidation: 'Strict',
        force: 'false',
      });
      expect(r.query['dryRun']).toBeUndefined();
    }
    expect(sent[0]?.path).toBe(`/api/v1/namespaces/${ns}`);
    expect(server.get('secrets', ns, 'credentials')).toBeDefined();
    expect(run.stdout).toContain('deployment "web" successfully rolled out');
    const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);
    const output = JSON.parse(run.outputs['applied'] ?? '[]') as Array<Record<string, unknown>>;
    expect(output[0]).toEqual({
      kind: 'Namespace',
      apiVersion: 'v1',
      name: ns,
      outcome: 'created',
      dryRun: false,
      file: 'deploy/zz-namespace.yaml',
    });
    expect(output.map((o) => `${String(o['kind'])} ${String(o['namespace'])}`)).toEqual([
      'Namespace undefined',
      `Deployment ${ns}`,
      `Service ${ns}`,
      `ConfigMap ${ns}`,
      `Secret ${ns}`,
    ]);
    expect(run.summary).toContain('Manifests (server-side apply)');
    expect(run.summary).toMatch(/\| Secret\/credentials \| v1 \| .* \| created \|/);
    // Requests per object: one GET before and one apply, plus discovery per group version.
    const perRun = server.requests.slice(from).filter((r) => !r.query['watch']);
    console.log(`first apply of 5 objects: ${perRun.length} requests without watches`);

    // Second run: a bare image reference replaces the Deployment's image.
    const again = await apply(appManifests(ns, 'registry.example/app:1'), {
      images: 'registry.example/app:2',
    });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(applyLines(again)).toEqual([
      `namespace/${ns} serverside-applied: unchanged`,
      'deployment.apps/web serverside-applied: configured',
      'service/web serverside-applied: unchanged',
      'configmap/settings serverside-applied: unchanged',
      'secret/credentials serverside-applied: unchanged',
    ]);
    const web = server.get('apps/deployments', ns, 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(web.spec.template.spec.containers[0]?.image).toBe('registry.example/app:2');
    expect(again.stdout).toContain('deployment "web" successfully rolled out');
  });

  it('a failed rollout of an applied Deployment is diagnosed and rolled back to its pod template before the apply', async () => {
    const ns = fresh('rollback');
    const first = await apply(appManifests(ns, 'registry.example/app:1'), {});
    expect(first.code, first.stdout).toBe(0);
    const run = await apply(appManifests(ns, 'registry.example/app:crashloop'), {
      'rollout-timeout': '3s',
      'rollback-on-failure': 'true',
    });
    expect(run.code).not.toBe(0);
    expect(applyLines(run)).toContain('deployment.apps/web serverside-applied: configured');
    const [web] = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{
      result: string;
      containers: Array<{ previousImage: string; newImage: string }>;
    }>;
    expect(web?.result).toBe('rolled-back');
    expect(web?.containers).toEqual([
      expect.objectContaining({
        previousImage: 'registry.example/app:1',
        newImage: 'registry.example/app:crashloop',
      }),
    ]);
    const stored = server.get('apps/deployments', ns, 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(stored.spec.template.spec.containers[0]?.image).toBe('registry.example/app:1');
    expect(run.summary).toContain('Diagnosis');
  });

  it('workloads with CONTAINER=IMAGE and manifests: a workload the manifests apply gets the image in its apply, the others a patch', async () => {
    const ns = fresh('both');
    server.addDeployment({
      name: 'worker',
      namespace: ns,
      containers: [{ name: 'web', image: 'registry.example/app:1' }],
    });
    const from = server.requests.length;
    const run = await apply(appManifests(ns, 'registry.example/app:1'), {
      namespace: ns,
      workloads: 'deployment/web\ndeployment/worker',
      images: 'web=registry.example/app:3',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const strategic = server.requests
      .slice(from)
      .filter((r) => r.method === 'PATCH' && r.contentType?.includes('strategic-merge'));
    expect(strategic.map((r) => r.path)).toEqual([
      `/apis/apps/v1/namespaces/${ns}/deployments/worker`,
    ]);
    const images = ['web', 'worker'].map(
      (name) =>
        (
          server.get('apps/deployments', ns, name) as unknown as {
            spec: { template: { spec: { containers: Array<{ image: string }> } } };
          }
        ).spec.template.spec.containers[0]?.image,
    );
    expect(images).toEqual(['registry.example/app:3', 'registry.example/app:3']);
    const out = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{
      name: string;
      result: string;
    }>;
    expect(out.map((w) => `${w.name} ${w.result}`).sort()).toEqual([
      'web rolled-out',
      'worker rolled-out',
    ]);
  });

  it('dry run changes nothing and says what would happen', async () => {
    const ns = fresh('dry');
    const first = await apply(appManifests(ns, 'registry.example/app:1'), {});
    expect(first.code, first.stdout).toBe(0);
    const before = JSON.stringify(server.list('configmaps', ns));
    const from = server.requests.length;
    const files = appManifests(ns, 'registry.example/app:1');
    files['deploy/10-config.yaml'] = (files['deploy/10-config.yaml'] as string).replace(
      'color: blue',
      'color: green',
    );
    const run = await apply(files, { 'dry-run': 'true' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(applyLines(run)).toContain(
      'configmap/settings serverside-applied (server dry run): would be configured',
    );
    expect(applyLines(run)).toContain(
      'deployment.apps/web serverside-applied (server dry run): would be left unchanged',
    );
    expect(JSON.stringify(server.list('configmaps', ns))).toBe(before);
    for (const r of applies(from)) expect(r.query['dryRun']).toBe('All');
    expect(server.requests.slice(from).some((r) => r.query['watch'] === 'true')).toBe(false);
    expect(run.summary).toContain('server dry run: nothing was changed');
    expect(run.summary).toContain('would be configured');
  });

  it('a conflict fails with the field and its manager; force-conflicts takes it over', async () => {
    const ns = fresh('conflict');
    server.addNamespace(ns);
    server.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: ns },
        data: { color: 'red' },
      },
      'other',
    );
    const files = {
      'deploy/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
`,
    };
    const run = await apply(files, {}, ns);
    expect(run.code).not.toBe(0);
    const [error] = errorAnnotations(run);
    expect(error).toContain(
      'conflicts with fields another field manager owns: .data.color (manager "other")',
    );
    expect(error).toContain('force-conflicts: true');
    expect(
      (server.get('configmaps', ns, 'settings') as unknown as { data: { color: string } }).data
        .color,
    ).toBe('red');

    const forced = await apply(files, { 'force-conflicts': 'true' }, ns);
    expect(forced.code, forced.stdout).toBe(0);
    expect(applyLines(forced)).toEqual(['configmap/settings serverside-applied: configured']);
    expect(
      (server.get('configmaps', ns, 'settings') as unknown as { data: { color: string } }).data
        .color,
    ).toBe('blue');
  });

  it('a forbidden create names "create" and prints the Role', async () => {
    const ns = fresh('rbac');
    server.addNamespace(ns);
    server.authorize = (a) => a.verb !== 'create';
    const from = server.requests.length;
    const run = await apply(
      {
        'deploy/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
`,
      },
      {},
      ns,
    );
    expect(run.code).not.toBe(0);
    const [error] = errorAnnotations(run);
    expect(error).toContain(`may not create configmaps in namespace "${ns}"`);
    expect(error).toContain('as "create" as well as "patch"');
    expect(error).toMatch(/verbs:\n\s+- get\n\s+- create\n\s+- patch/);
    expect(applies(from).map((r) => r.verbs)).toEqual([['patch', 'create']]);
  });

  it("an admission webhook's denial of a Secret names the webhook and withholds its message, which echoes the Secret", async () => {
    const ns = fresh('admission');
    server.admit = (request) =>
      request.kind === 'Secret'
        ? {
            webhook: 'policy.example.com',
            message: `secrets must be sealed: ${JSON.stringify(request.object['data'])}\n::error::injected`,
          }
        : undefined;
    const run = await apply(appManifests(ns, 'registry.example/app:1'), {});
    expect(run.code).not.toBe(0);
    const [error] = errorAnnotations(run);
    expect(error).toContain(
      'admission control refused secret/credentials from deploy/10-config.yaml (document 2',
    );
    expect(error).toContain(
      'admission webhook "policy.example.com" denied the request (its message is withheld: it may quote the Secret\'s values)',
    );
    expect(error).not.toContain('secrets must be sealed');
    expect(error).not.toContain('injected');
    expect(run.stdout.split('\n').filter((l) => l.startsWith('::error::injected'))).toEqual([]);
    expect(error).toContain('already applied before it:');
  });

  it('applies a CRD and an object of its kind in one step', async () => {
    const ns = fresh('crd');
    server.addNamespace(ns);
    const files = {
      'deploy/widget.yaml': `apiVersion: example.com/v1
kind: Widget
metadata:
  name: blue
spec:
  size: 3
`,
      'deploy/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`,
    };
    const run = await apply(files, {}, ns);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(applyLines(run)).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied: created',
      'widget.example.com/blue serverside-applied: created',
    ]);
    expect(server.get('example.com/widgets', ns, 'blue')).toBeDefined();
  });

  it('a kind the cluster does not serve fails before anything is sent', async () => {
    const ns = fresh('unserved');
    const from = server.requests.length;
    const run = await apply(
      {
        'deploy/x.yaml': `apiVersion: example.org/v1
kind: Gizmo
metadata:
  name: g
`,
      },
      {},
      ns,
    );
    expect(run.code).not.toBe(0);
    expect(errorAnnotations(run)[0]).toContain(
      'no matches for kind "Gizmo" in version "example.org/v1"',
    );
    expect(applies(from)).toEqual([]);
  });

  it('an object naming another namespace than the input fails before anything is sent', async () => {
    const from = server.requests.length;
    const run = await apply(appManifests('elsewhere', 'registry.example/app:1'), {
      namespace: 'demo',
    });
    expect(run.code).not.toBe(0);
    expect(errorAnnotations(run)[0]).toContain(
      'the namespace from the provided object "elsewhere" does not match the namespace "demo"',
    );
    expect(applies(from)).toEqual([]);
  });
});
