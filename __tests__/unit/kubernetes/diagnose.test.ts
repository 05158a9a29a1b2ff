import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/kubernetes/api/client.js';
import {
  containerProblem,
  describePod,
  diagnose,
  labelSelector,
  newestReplicaSet,
} from '../../../src/kubernetes/workloads/diagnose.js';

describe('containerProblem', () => {
  it.each([
    [
      'ImagePullBackOff',
      {
        name: 'web',
        state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
      },
      'ImagePullBackOff: Back-off pulling image "x"',
    ],
    [
      'ErrImagePull',
      {
        name: 'web',
        state: { waiting: { reason: 'ErrImagePull', message: 'rpc error:\n not found' } },
      },
      'ErrImagePull: rpc error: not found',
    ],
    [
      'CrashLoopBackOff with the last exit code',
      {
        name: 'web',
        restartCount: 4,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: 'back-off 40s restarting failed container',
          },
        },
        lastState: { terminated: { reason: 'Error', exitCode: 3 } },
      },
      'CrashLoopBackOff: back-off 40s restarting failed container; last exit code 3 (Error), 4 restarts',
    ],
    [
      'a failed exit',
      { name: 'init', state: { terminated: { reason: 'Error', exitCode: 1, message: 'boom' } } },
      'Error (exit code 1): boom',
    ],
    [
      'running but not ready',
      { name: 'web', ready: false, state: { running: {} } },
      'running, not ready',
    ],
    [
      'still creating: nothing to say',
      { name: 'web', state: { waiting: { reason: 'ContainerCreating' } } },
      undefined,
    ],
    ['running and ready', { name: 'web', ready: true, state: { running: {} } }, undefined],
    [
      'completed',
      { name: 'init', state: { terminated: { reason: 'Completed', exitCode: 0 } } },
      undefined,
    ],
  ])('%s', (_, status, expected) => {
    expect(containerProblem(status)).toBe(expected);
  });
});

describe('describePod', () => {
  it("gives the scheduler's reason for a pending pod", () => {
    expect(
      describePod({
        metadata: { name: 'web-1' },
        status: {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/3 nodes are available: 3 Insufficient cpu.',
            },
          ],
        },
      }),
    ).toEqual([
      'pod/web-1: Pending (not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.)',
    ]);
  });

  it('lists init containers before containers', () => {
    expect(
      describePod({
        metadata: { name: 'p' },
        status: {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'ErrImagePull' } } }],
          containerStatuses: [{ name: 'c', state: { waiting: { reason: 'PodInitializing' } } }],
        },
      }),
    ).toEqual(['pod/p: Pending', '  init container i: ErrImagePull']);
  });
});

describe('labelSelector', () => {
  it('writes matchLabels and matchExpressions as the query syntax', () => {
    expect(
      labelSelector({
        matchLabels: { app: 'web', tier: 'front' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'NotIn', values: ['c'] },
          { key: 'y', operator: 'Exists' },
          { key: 'z', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,tier=front,env in (a,b),x notin (c),y,!z');
  });
});

describe('newestReplicaSet', () => {
  it("picks the deployment's ReplicaSet with the highest revision", () => {
    const rs = (name: string, revision: string, uid: string) => ({
      metadata: {
        name,
        annotations: { 'deployment.kubernetes.io/revision': revision },
        ownerReferences: [{ uid }],
      },
    });
    expect(
      newestReplicaSet(
        [rs('a', '2', 'mine'), rs('b', '10', 'mine'), rs('c', '99', 'other')],
        'mine',
      )?.metadata?.name,
    ).toBe('b');
  });
});

describe('diagnose: which pods are the new revision', () => {
  const forbidden = (resource: string) =>
    new KubeApiError('GET', `/x/${resource}`, 403, {
      kind: 'Status',
      code: 403,
      reason: 'Forbidden',
      message: `${resource} is forbidden: User "u" cannot list resource "${resource}" in API group "apps" in the namespace "demo"`,
    });
  const pod = (name: string, image: string, ready: boolean) => ({
    metadata: { name },
    spec: { containers: [{ name: 'web', image }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'web',
          ready,
          state: ready ? { running: {} } : { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: ready ? {} : { terminated: { exitCode: 2, reason: 'Error' } },
        },
      ],
    },
  });
  const workload = {
    metadata: { name: 'web', uid: 'u1' },
    spec: { selector: { matchLabels: { app: 'web' } } },
    status: { updateRevision: 'web-7f' },
  };

  it('without ReplicaSets, picks not-ready pods by the new image, and notes why', async () => {
    const queries: Array<[string, Record<string, unknown>]> = [];
    const client = {
      async list<T>(path: string, query: Record<string, unknown> = {}) {
        queries.push([path, query]);
        if (path.endsWith('/replicasets')) throw forbidden('replicasets');
        if (path.endsWith('/events')) return { items: [] as T[] };
        return {
          items: [
            pod('web-old-1', 'app:1', false),
            pod('web-new-1', 'app:2', false),
            pod('web-new-2', 'app:2', true),
          ] as T[],
        };
      },
    };
    const found = await diagnose({
      client,
      kind: 'deployment',
      name: 'web',
      namespace: 'demo',
      workload,
      changes: [{ name: 'web', init: false, previousImage: 'app:1', newImage: 'app:2' }],
    });
    expect(found.lines).toEqual([
      'pod/web-new-1: Running',
      '  container web: CrashLoopBackOff; last exit code 2 (Error)',
      'Not allowed to list replicasets (user "u" lacks "list" on replicasets); picking pods by their new images instead.',
    ]);
    expect(queries.find(([p]) => p.endsWith('/pods'))?.[1]['labelSelector']).toBe('app=web');
  });

  it("a StatefulSet's new pods carry its updateRevision", async () => {
    const selectors: unknown[] = [];
    const client = {
      async list<T>(path: string, query: Record<string, unknown> = {}) {
        if (path.endsWith('/pods')) selectors.push(query['labelSelector']);
        return { items: [] as T[] };
      },
    };
    const found = await diagnose({
      client,
      kind: 'statefulset',
      name: 'web',
      namespace: 'demo',
      workload,
      changes: [],
    });
    expect(selectors).toEqual(['app=web,controller-revision-hash=web-7f']);
    expect(found.lines).toEqual(['No pod of the new revision exists yet.']);
    expect(found.markdown).toContain('**statefulset/web** (namespace demo)');
  });
});
