// Rollout detection latency: from the moment the API server marks the rollout complete to the
// exit of the process waiting for it, for the action and for `kubectl rollout status`.
import { kubectl } from '../__tests__/fixtures/kube/kubectl.js';
import { runAction } from '../__tests__/helpers/runner.js';
import { deploymentStatus } from '../src/kubernetes/workloads/rollout.js';
import type { Workload } from '../src/kubernetes/api/objects.js';
import type { BenchRow } from './run.js';
import {
  AUDIENCE,
  deployOptions,
  NAMESPACE,
  nextImage,
  startCluster,
  type Cluster,
} from './cluster.js';
import { median, ms, sleep } from './stats.js';

export const title = 'rollout detection latency';

export const budgets = {
  'rollout detection latency':
    'The API server runs its controller only when told (step). The waiter is started and the bench waits for its watch request, steps the rollout to one step short of complete, lets the waiter settle on the progress it sees (300 ms), then takes the last step and timestamps it: the latency is from that step to the exit of the waiting process (the success line, outputs, summary and process teardown included). The action is measured as a whole deploy (patch, then wait); kubectl as `kubectl rollout status` after `kubectl set image`. Budget: ours <= kubectl + 50 ms (medians).',
};

const RUNS = 7;
const NAME = 'latency';

const DEPLOYMENTS = 'apps/deployments';

function complete(cluster: Cluster): boolean {
  const object = cluster.server.get(DEPLOYMENTS, NAMESPACE, NAME) as Workload | undefined;
  return object !== undefined && deploymentStatus(object).done;
}

/** Steps the controller to done, then on until the old pods are gone; the steps to done. */
function stepToDone(cluster: Cluster): number {
  for (let steps = 1; steps <= 1000; steps++) {
    cluster.server.step();
    if (complete(cluster)) {
      drain(cluster);
      return steps;
    }
  }
  throw new Error('the rollout never completed');
}

/** Lets the controller finish what follows a rollout, so every rollout starts alike. */
function drain(cluster: Cluster): void {
  cluster.server.step(30);
}

/**
 * Waits for the waiter's watch, steps the rollout to one short of done, settles, takes the last
 * step; the timestamp of that last step.
 */
async function finishRollout(cluster: Cluster, from: number, steps: number): Promise<number> {
  await cluster.server.waitForRequest(
    (r) => r.query['watch'] === 'true' && r.query['fieldSelector'] === `metadata.name=${NAME}`,
    { from, timeoutMs: 30_000 },
  );
  cluster.server.step(steps - 1);
  await sleep(300);
  if (complete(cluster)) throw new Error('the rollout completed before its last step');
  cluster.server.step();
  const at = performance.now();
  if (!complete(cluster)) throw new Error(`the rollout is not complete after ${steps} steps`);
  drain(cluster);
  return at;
}

export async function measure(): Promise<BenchRow[]> {
  const cluster = await startCluster({ stepMs: 0 });
  cluster.server.addDeployment({ name: NAME, namespace: NAMESPACE });
  const token = await cluster.issuer.mint({ aud: AUDIENCE });
  const kubeconfig = cluster.server.kubeconfig(token, { namespace: NAMESPACE });
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    // How many controller steps a rollout of this deployment takes (the same every time once
    // the first rollout has left an old ReplicaSet behind).
    let steps = 0;
    for (let i = 0; i < 2; i++) {
      const set = await kubectl(['set', 'image', `deployment/${NAME}`, `*=${nextImage()}`], {
        kubeconfig,
      });
      if (set.code !== 0) throw new Error(`kubectl set image: ${set.stderr}`);
      steps = stepToDone(cluster);
    }

    for (let i = 0; i < RUNS + 1; i++) {
      let from = cluster.server.requests.length;
      const run = runAction(deployOptions(cluster, [NAME], nextImage()));
      const oursAt = await finishRollout(cluster, from, steps);
      const result = await run;
      const oursMs = performance.now() - oursAt;
      if (result.code !== 0) throw new Error(`the action's deploy failed:\n${result.stdout}`);

      const patched = await kubectl(['set', 'image', `deployment/${NAME}`, `*=${nextImage()}`], {
        kubeconfig,
      });
      if (patched.code !== 0) throw new Error(`kubectl set image: ${patched.stderr}`);
      from = cluster.server.requests.length;
      const status = kubectl(['rollout', 'status', `deployment/${NAME}`, '--timeout=2m'], {
        kubeconfig,
        timeoutMs: 120_000,
      });
      const theirsAt = await finishRollout(cluster, from, steps);
      const done = await status;
      const theirsMs = performance.now() - theirsAt;
      if (done.code !== 0) throw new Error(`kubectl rollout status: ${done.stderr}`);
      if (i === 0) continue; // warm-up
      ours.push(oursMs);
      theirs.push(theirsMs);
    }
  } finally {
    await cluster.close();
  }
  const o = median(ours);
  const t = median(theirs);
  return [
    {
      benchmark: 'rollout detection: last controller step to exit, the action',
      value: `${ms(o)} median of ${RUNS} (${ours.map((v) => v.toFixed(0)).join(', ')})`,
    },
    {
      benchmark: 'rollout detection: last controller step to exit, kubectl rollout status',
      value: `${ms(t)} median of ${RUNS} (${theirs.map((v) => v.toFixed(0)).join(', ')})`,
    },
    {
      benchmark: 'rollout detection: ours - kubectl',
      value: `${(o - t).toFixed(0)} ms`,
      budget: '<= +50 ms',
      ok: o <= t + 50,
    },
  ];
}
