import { describe, expect, it } from 'vitest';
import type { Workload } from '../../../src/kubernetes/api/objects.js';
import { rolloutStatus } from '../../../src/kubernetes/workloads/rollout.js';

type Row = [string, Workload, { done: boolean; message: string; error?: string }];

const deployment = (
  generation: number,
  status: NonNullable<Workload['status']>,
  replicas: number | null = 3,
): Workload => ({
  metadata: { name: 'web', generation },
  spec: replicas === null ? {} : { replicas },
  status,
});

const deadline = {
  type: 'Progressing',
  status: 'False',
  reason: 'ProgressDeadlineExceeded',
};

describe('deployment status (kubectl DeploymentStatusViewer)', () => {
  const rows: Row[] = [
    [
      'spec update not observed',
      deployment(2, {
        observedGeneration: 1,
        updatedReplicas: 3,
        replicas: 3,
        availableReplicas: 3,
      }),
      { done: false, message: 'Waiting for deployment spec update to be observed...' },
    ],
    [
      'progress deadline exceeded (checked before replica counts)',
      deployment(2, { observedGeneration: 2, updatedReplicas: 1, conditions: [deadline] }),
      {
        done: false,
        message: 'deployment "web" exceeded its progress deadline',
        error: 'deployment "web" exceeded its progress deadline',
      },
    ],
    [
      'new replicas being updated',
      deployment(2, { observedGeneration: 2, updatedReplicas: 1, replicas: 3 }),
      {
        done: false,
        message:
          'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
      },
    ],
    [
      'Progressing with another reason does not fail',
      deployment(2, {
        observedGeneration: 2,
        updatedReplicas: 0,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
      }),
      {
        done: false,
        message:
          'Waiting for deployment "web" rollout to finish: 0 out of 3 new replicas have been updated...',
      },
    ],
    [
      'old replicas pending termination',
      deployment(2, {
        observedGeneration: 2,
        updatedReplicas: 3,
        replicas: 4,
        availableReplicas: 3,
      }),
      {
        done: false,
        message:
          'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
      },
    ],
    [
      'updated replicas not yet available',
      deployment(2, {
        observedGeneration: 2,
        updatedReplicas: 3,
        replicas: 3,
        availableReplicas: 2,
      }),
      {
        done: false,
        message:
          'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      },
    ],
    [
      'rolled out',
      deployment(2, {
        observedGeneration: 2,
        updatedReplicas: 3,
        replicas: 3,
        availableReplicas: 3,
      }),
      { done: true, message: 'deployment "web" successfully rolled out' },
    ],
    [
      'observed generation ahead of generation counts as observed',
      deployment(2, {
        observedGeneration: 3,
        updatedReplicas: 3,
        replicas: 3,
        availableReplicas: 3,
      }),
      { done: true, message: 'deployment "web" successfully rolled out' },
    ],
    [
      'no spec.replicas skips the updated-replicas check',
      deployment(1, { observedGeneration: 1, updatedReplicas: 0, replicas: 0 }, null),
      { done: true, message: 'deployment "web" successfully rolled out' },
    ],
    [
      'scaled to zero',
      deployment(1, { observedGeneration: 1 }, 0),
      { done: true, message: 'deployment "web" successfully rolled out' },
    ],
  ];
  it.each(rows)('%s', (_, object, expected) => {
    expect(rolloutStatus('deployment', object)).toEqual(expected);
  });
});

const daemonSet = (
  type: string | undefined,
  generation: number,
  status: NonNullable<Workload['status']>,
): Workload => ({
  metadata: { name: 'agent', generation },
  spec: type === undefined ? {} : { updateStrategy: { type } },
  status,
});

describe('daemon set status (kubectl DaemonSetStatusViewer)', () => {
  const onlyRolling = 'rollout status is only available for RollingUpdate strategy type';
  const rows: Row[] = [
    [
      'OnDelete strategy is an error',
      daemonSet('OnDelete', 1, { observedGeneration: 1 }),
      { done: false, message: onlyRolling, error: onlyRolling },
    ],
    [
      'no strategy type is an error too (kubectl compares the field)',
      daemonSet(undefined, 1, { observedGeneration: 1 }),
      { done: false, message: onlyRolling, error: onlyRolling },
    ],
    [
      'spec update not observed',
      daemonSet('RollingUpdate', 3, { observedGeneration: 2 }),
      { done: false, message: 'Waiting for daemon set spec update to be observed...' },
    ],
    [
      'pods being updated',
      daemonSet('RollingUpdate', 3, {
        observedGeneration: 3,
        desiredNumberScheduled: 4,
        updatedNumberScheduled: 1,
        numberAvailable: 4,
      }),
      {
        done: false,
        message:
          'Waiting for daemon set "agent" rollout to finish: 1 out of 4 new pods have been updated...',
      },
    ],
    [
      'updated pods not available',
      daemonSet('RollingUpdate', 3, {
        observedGeneration: 3,
        desiredNumberScheduled: 4,
        updatedNumberScheduled: 4,
        numberAvailable: 3,
      }),
      {
        done: false,
        message:
          'Waiting for daemon set "agent" rollout to finish: 3 of 4 updated pods are available...',
      },
    ],
    [
      'rolled out',
      daemonSet('RollingUpdate', 3, {
        observedGeneration: 3,
        desiredNumberScheduled: 4,
        updatedNumberScheduled: 4,
        numberAvailable: 4,
      }),
      { done: true, message: 'daemon set "agent" successfully rolled out' },
    ],
  ];
  it.each(rows)('%s', (_, object, expected) => {
    expect(rolloutStatus('daemonset', object)).toEqual(expected);
  });
});

const statefulSet = (
  updateStrategy: NonNullable<Workload['spec']>['updateStrategy'],
  generation: number,
  status: NonNullable<Workload['status']>,
  replicas = 3,
): Workload => ({
  metadata: { name: 'db', generation },
  spec: { replicas, ...(updateStrategy ? { updateStrategy } : {}) },
  status,
});

describe('stateful set status (kubectl StatefulSetStatusViewer)', () => {
  const onlyRolling = 'rollout status is only available for RollingUpdate strategy type';
  const rolling = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  const rows: Row[] = [
    [
      'OnDelete strategy is an error',
      statefulSet({ type: 'OnDelete' }, 1, { observedGeneration: 1 }),
      { done: false, message: onlyRolling, error: onlyRolling },
    ],
    [
      'observedGeneration 0 is not observed',
      statefulSet(rolling, 0, { observedGeneration: 0 }),
      { done: false, message: 'Waiting for statefulset spec update to be observed...' },
    ],
    [
      'generation ahead of observedGeneration',
      statefulSet(rolling, 4, { observedGeneration: 3, readyReplicas: 3 }),
      { done: false, message: 'Waiting for statefulset spec update to be observed...' },
    ],
    [
      'pods not ready: counts the missing ones',
      statefulSet(rolling, 4, { observedGeneration: 4, readyReplicas: 1 }),
      { done: false, message: 'Waiting for 2 pods to be ready...' },
    ],
    [
      'partition 0: updating',
      statefulSet(rolling, 4, { observedGeneration: 4, readyReplicas: 3, updatedReplicas: 1 }),
      {
        done: false,
        message:
          'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...',
      },
    ],
    [
      'partition 0: complete',
      statefulSet(rolling, 4, { observedGeneration: 4, readyReplicas: 3, updatedReplicas: 3 }),
      { done: true, message: 'partitioned roll out complete: 3 new pods have been updated...' },
    ],
    [
      'partition 2 of 5: waits for 3',
      statefulSet(
        { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        4,
        { observedGeneration: 4, readyReplicas: 5, updatedReplicas: 2 },
        5,
      ),
      {
        done: false,
        message:
          'Waiting for partitioned roll out to finish: 2 out of 3 new pods have been updated...',
      },
    ],
    [
      'partition 2 of 5: complete at 3',
      statefulSet(
        { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        4,
        { observedGeneration: 4, readyReplicas: 5, updatedReplicas: 3 },
        5,
      ),
      { done: true, message: 'partitioned roll out complete: 3 new pods have been updated...' },
    ],
    [
      'rollingUpdate without partition: complete',
      statefulSet({ type: 'RollingUpdate', rollingUpdate: {} }, 4, {
        observedGeneration: 4,
        readyReplicas: 3,
        updatedReplicas: 1,
      }),
      { done: true, message: 'partitioned roll out complete: 1 new pods have been updated...' },
    ],
    [
      'no rollingUpdate: revisions differ',
      statefulSet({ type: 'RollingUpdate' }, 4, {
        observedGeneration: 4,
        readyReplicas: 3,
        updatedReplicas: 2,
        currentRevision: 'db-1',
        updateRevision: 'db-2',
      }),
      {
        done: false,
        message: 'waiting for statefulset rolling update to complete 2 pods at revision db-2...',
      },
    ],
    [
      'no rollingUpdate: revisions equal',
      statefulSet({ type: 'RollingUpdate' }, 4, {
        observedGeneration: 4,
        readyReplicas: 3,
        currentReplicas: 3,
        currentRevision: 'db-2',
        updateRevision: 'db-2',
      }),
      { done: true, message: 'statefulset rolling update complete 3 pods at revision db-2...' },
    ],
  ];
  it.each(rows)('%s', (_, object, expected) => {
    expect(rolloutStatus('statefulset', object)).toEqual(expected);
  });
});
