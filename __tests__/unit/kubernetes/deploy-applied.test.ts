// deploy() with workloads a manifest apply changed: awaited without a patch, reported after the
// `workloads`, rolled back by re-applying the pod template they had before (or not at all when the
// apply created them). A small fake of the calls the deploy makes.
import { describe, expect, it } from 'vitest';
import { explainUnauthorized } from '../../../src/kubernetes/sources/kubeconfig/explain.js';
import { recordingLogger } from '../../helpers/logger.js';
import type { AppliedWorkload } from '../../../src/kubernetes/apply/apply.js';
import type { Query, WatchEnd } from '../../../src/kubernetes/api/client.js';
import { deploy } from '../../helpers/deploy.js';
import type { ObjectList, Workload } from '../../../src/kubernetes/api/objects.js';

const claims = {
  iss: 'https://code.example/api/actions',
  sub: 'repo:org/app:ref:refs/heads/main',
  aud: ['k8s'],
  exp: Math.floor(Date.now() / 1000) + 3600,
  extra: {},
};

function deployment(image: string, healthy: boolean): Workload {
  return {
    metadata: { name: 'web', namespace: 'shop', generation: 2, resourceVersion: '7' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image }] } } },
    status: {
      observedGeneration: 2,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: healthy ? 1 : 0,
      conditions: healthy
        ? []
        : [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    },
  };
}

/** Answers every list of deployments with the current state; everything else is empty. */
class FakeCluster {
  readonly calls: string[] = [];
  constructor(public state: Workload) {}
  async get<T>(path: string): Promise<T> {
    await Promise.resolve();
    this.calls.push(`GET ${path}`);
    return structuredClone(this.state) as T;
  }
  async list<T>(path: string, _query?: Query): Promise<ObjectList<T>> {
    await Promise.resolve();
    this.calls.push(`LIST ${path}`);
    return {
      metadata: { resourceVersion: '9' },
      items: path.endsWith('/deployments') ? [structuredClone(this.state) as T] : [],
    };
  }
  async watch(): Promise<WatchEnd> {
    await Promise.resolve();
    return 'closed';
  }
  async patch<T>(path: string, _body: unknown, query: Query = {}): Promise<T> {
    await Promise.resolve();
    this.calls.push(`PATCH ${path}${query['dryRun'] ? ` dryRun=${String(query['dryRun'])}` : ''}`);
    return {} as T;
  }
}

function applied(
  cluster: FakeCluster,
  outcome: AppliedWorkload['outcome'],
  before: Workload | undefined,
  restore?: () => void,
): AppliedWorkload {
  return {
    kind: 'deployment',
    name: 'web',
    namespace: 'shop',
    outcome,
    object: cluster.state,
    before,
    restore: restore
      ? async () => {
          await Promise.resolve();
          restore();
        }
      : undefined,
  };
}

function run(cluster: FakeCluster, workload: AppliedWorkload, rollback = true) {
  return deploy({
    client: cluster,
    namespace: 'demo',
    workloads: [],
    images: [],
    applied: [workload],
    rolloutTimeoutMs: 2000,
    rollbackOnFailure: rollback,
    explanations: { unauthorized: (doing: string) => explainUnauthorized(doing, claims) },
    env: {},
    logger: recordingLogger(),
    waitTuning: { backoff: { baseDelayMs: 5, maxDelayMs: 10 }, watchTimeoutSeconds: () => 1 },
  });
}

describe('deploy of applied workloads', () => {
  it('waits for a configured one in its own namespace without patching it', async () => {
    const cluster = new FakeCluster(deployment('app:2', true));
    const result = await run(cluster, applied(cluster, 'configured', deployment('app:1', true)));
    expect(result.workloads).toEqual([
      expect.objectContaining({
        kind: 'deployment',
        name: 'web',
        namespace: 'shop',
        result: 'rolled-out',
        containers: [{ name: 'web', init: false, previousImage: 'app:1', newImage: 'app:2' }],
      }),
    ]);
    expect(cluster.calls.some((c) => c.startsWith('PATCH'))).toBe(false);
    expect(cluster.calls).toContain('LIST /apis/apps/v1/namespaces/shop/deployments');
  });

  it('reports an unchanged one without waiting', async () => {
    const cluster = new FakeCluster(deployment('app:1', true));
    const result = await run(cluster, applied(cluster, 'unchanged', deployment('app:1', true)));
    expect(result.workloads[0]?.result).toBe('unchanged');
    expect(cluster.calls).toEqual([]);
  });

  it('rolls a failed one back by restoring its pod template', async () => {
    const cluster = new FakeCluster(deployment('app:2', false));
    let restored = 0;
    const result = await run(
      cluster,
      applied(cluster, 'configured', deployment('app:1', true), () => {
        restored++;
        cluster.state = deployment('app:1', true);
      }),
    );
    expect(restored).toBe(1);
    expect(result.workloads[0]?.result).toBe('rolled-back');
    expect(result.workloads[0]?.message).toContain('pod template it had before the apply');
    expect(result.diagnosis).toBeDefined();
  });

  it('cannot roll back one the apply created, and says so', async () => {
    const cluster = new FakeCluster(deployment('app:2', false));
    const result = await run(cluster, applied(cluster, 'created', undefined));
    expect(result.workloads[0]?.result).toBe('failed');
    expect(result.workloads[0]?.message).toContain('nothing to roll back to');
    expect(result.workloads[0]?.containers[0]?.previousImage).toBe('');
  });

  it('dry run: the image patch of a workload is sent with dryRun=All and not awaited', async () => {
    const cluster = new FakeCluster(deployment('app:1', true));
    const result = await deploy({
      client: cluster,
      namespace: 'shop',
      workloads: [{ kind: 'deployment', name: 'web' }],
      images: [{ container: 'web', image: 'app:2' }],
      dryRun: true,
      rolloutTimeoutMs: 2000,
      rollbackOnFailure: false,
      explanations: { unauthorized: (doing: string) => explainUnauthorized(doing, claims) },
      env: {},
      logger: recordingLogger(),
    });
    expect(cluster.calls).toEqual([
      'GET /apis/apps/v1/namespaces/shop/deployments/web',
      'PATCH /apis/apps/v1/namespaces/shop/deployments/web dryRun=All',
    ]);
    expect(result.workloads[0]?.result).toBe('dry-run');
  });
});
