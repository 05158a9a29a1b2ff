// Scale: 50 deployments in one step. Wall time against one deployment, API requests per workload
// (and that they stay the same when each rollout takes more controller steps, i.e. more watch
// events), peak RSS, against 50 sequential `kubectl set image` + `kubectl rollout status`.
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { rawRequest } from '../__tests__/fixtures/kube/kubectl.js';
import type { BenchRow } from './run.js';
import {
  actionDeploy,
  AUDIENCE,
  deployOptions,
  NAMESPACE,
  nextImage,
  shellDeploy,
  startCluster,
  type Cluster,
} from './cluster.js';
import { peakRssKiB } from './measure.js';
import { median, ms } from './stats.js';

export const title = '50 deployments in one step';

export const budgets = {
  scale: `Fifty deployments (2 replicas each) get a new image in one step, on the local API server whose controller steps every 25 ms and moves every rollout at each step, so a deploy that waits for them concurrently could take about as long as one, were the API server not on the same two cores: the fixture runs in the bench's process, answers every request and simulates every pod, ReplicaSet and event of the 50 rollouts (deployments at rest are not stepped, a verified token is cached as the API server's token cache does). Wall time is spawn to exit of the action, median of 3, against the same action with one of them. Requests are those the API server recorded during the run, per workload. The same deploy on a second server with 6 replicas per deployment and a step every 50 ms takes more controller steps, so more watch events (counted on a watch of the namespace opened by the bench): requests per workload must not grow with them (O(workloads), not O(events)). A rollout already complete when it is listed needs no watch, so fewer than 4 per workload is normal. Peak RSS is GNU time's maximum resident set size of the action's process. The reference is one shell step that runs \`kubectl set image\` and \`kubectl rollout status\` for each deployment in turn. Budgets: 50 deployments <= 1.5x the time of 1; <= 4 requests per workload in both cases.`,
};

const WORKLOADS = 50;
const RUNS = 3;
const names = (prefix: string) =>
  Array.from({ length: WORKLOADS }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);

interface Counted {
  ms: number;
  requests: number;
}

async function counted(cluster: Cluster, run: () => Promise<number>): Promise<Counted> {
  const from = cluster.server.requests.length;
  const time = await run();
  return { ms: time, requests: cluster.server.requests.length - from };
}

/** Counts the watch events of the namespace's deployments from now until stop(). */
async function countEvents(cluster: Cluster, token: string): Promise<() => number> {
  const path = `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`;
  const list = await rawRequest(cluster.server.url, cluster.server.caData, path, { token });
  const rv = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata
    .resourceVersion;
  let events = 0;
  // Resolves once the server has answered the watch, so its request is not counted as the run's.
  const req = await new Promise<ClientRequest>((resolve, reject) => {
    const watch = request(
      new URL(`${path}?watch=true&resourceVersion=${rv}&timeoutSeconds=600`, cluster.server.url),
      {
        ca: Buffer.from(cluster.server.caData, 'base64').toString('utf8'),
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (events += chunk.split('\n').filter(Boolean).length));
        res.on('error', () => undefined);
        resolve(watch);
      },
    );
    watch.on('error', reject);
    watch.end();
  });
  return () => {
    req.destroy();
    return events;
  };
}

export async function measure(): Promise<BenchRow[]> {
  // The fixture's controller runs in this process: a step every 25 ms, not every 1 ms, leaves
  // most of the CPU to the processes measured.
  const cluster = await startCluster({ stepMs: 25 });
  const small = names('app');
  for (const name of small)
    cluster.server.addDeployment({ name, namespace: NAMESPACE, replicas: 2 });
  const token = await cluster.issuer.mint({ aud: AUDIENCE });
  const one: Counted[] = [];
  const fifty: Counted[] = [];
  let smallRun: Counted;
  let bigRun: Counted;
  let smallEvents: number;
  let bigEvents: number;
  let kubectlRun: Counted;
  let rssOne: number | undefined;
  let rssFifty: number | undefined;
  try {
    await actionDeploy(cluster, small, nextImage()); // warm-up
    for (let i = 0; i < RUNS; i++) {
      one.push(await counted(cluster, () => actionDeploy(cluster, small.slice(0, 1), nextImage())));
      fifty.push(await counted(cluster, () => actionDeploy(cluster, small, nextImage())));
    }
    const stop = await countEvents(cluster, token);
    smallRun = await counted(cluster, () => actionDeploy(cluster, small, nextImage()));
    smallEvents = stop();
    kubectlRun = await counted(cluster, () => shellDeploy(cluster, small, nextImage()));
    rssOne = await peakRssKiB(deployOptions(cluster, small.slice(0, 1), nextImage()));
    rssFifty = await peakRssKiB(deployOptions(cluster, small, nextImage()));
  } finally {
    await cluster.close();
  }
  // The same deploy where every rollout takes 3x the steps (6 replicas instead of 2).
  const slow = await startCluster({ stepMs: 50 });
  const big = names('big');
  for (const name of big) slow.server.addDeployment({ name, namespace: NAMESPACE, replicas: 6 });
  try {
    await actionDeploy(slow, big, nextImage()); // warm-up: the server's JWKS
    const stop = await countEvents(slow, await slow.issuer.mint({ aud: AUDIENCE }));
    bigRun = await counted(slow, () => actionDeploy(slow, big, nextImage()));
    bigEvents = stop();
  } finally {
    await slow.close();
  }
  const oneMs = median(one.map((c) => c.ms));
  const fiftyMs = median(fifty.map((c) => c.ms));
  const perWorkload = (c: Counted) => c.requests / WORKLOADS;
  const smallPer = perWorkload(smallRun);
  const bigPer = perWorkload(bigRun);
  const mib = (k: number | undefined) =>
    k === undefined ? 'n/a (no GNU time)' : `${(k / 1024).toFixed(0)} MiB`;
  return [
    {
      benchmark: `scale: ${WORKLOADS} deployments in one step, the action (spawn to exit)`,
      value: `${ms(fiftyMs)} median of ${RUNS}; 1 deployment: ${ms(oneMs)}; ${(fiftyMs / oneMs).toFixed(2)}x`,
      budget: '<= 1.5x the time of 1',
      ok: fiftyMs <= 1.5 * oneMs,
    },
    {
      benchmark: `scale: ${WORKLOADS} deployments, one shell step of sequential kubectl set image + rollout status`,
      value: `${ms(kubectlRun.ms)} (one run); ours/this ${(fiftyMs / kubectlRun.ms).toFixed(2)}x; ${(kubectlRun.requests / WORKLOADS).toFixed(1)} requests per workload`,
    },
    {
      benchmark:
        'scale: API requests per workload, the action (2 replicas each, step 25 ms; 6 replicas each, step 50 ms)',
      value: `${smallPer.toFixed(2)} (${smallRun.requests} requests, ${(smallEvents / WORKLOADS).toFixed(1)} watch events per workload); ${bigPer.toFixed(2)} (${bigRun.requests} requests, ${(bigEvents / WORKLOADS).toFixed(1)} events per workload); 1 deployment: ${(one.at(-1) as Counted).requests}`,
      budget: '<= 4 (GET, PATCH, LIST, WATCH) in both, while events per workload grow',
      ok: smallPer <= 4 && bigPer <= 4 && bigEvents > smallEvents,
    },
    {
      benchmark: 'scale: peak RSS of the action process',
      value: `${WORKLOADS} deployments: ${mib(rssFifty)}; 1 deployment: ${mib(rssOne)}`,
    },
  ];
}
