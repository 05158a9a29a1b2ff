// Cold start and full run of every mode, with `node -e 0` measured in the same loop as the floor,
// and the JavaScript each mode loads (aws, chainguard and token must not load the Kubernetes code).
import { startChainguardSts } from '../__tests__/fixtures/chainguard-sts.js';
import { motoInstalled, startMoto } from '../__tests__/fixtures/moto.js';
import type { BenchRow } from './run.js';
import { AUDIENCE, deployOptions, nextImage, startCluster } from './cluster.js';
import {
  kib,
  kubernetesChunks,
  measureRuns,
  watchTokenRequests,
  type OptionsFor,
} from './measure.js';
import { ms } from './stats.js';

export const title = 'cold start and full run per mode';

export const budgets = {
  'cold start':
    "Cold start is the time from spawning `node dist/index.js` (as a runner does, with INPUT_* and the GITHUB_* files) to the moment the ID-token request reaches the local issuer: what every run pays before it can do anything. Reported, with `node -e 0` measured in the same loop beside it, but no longer a budget: a ratio to an empty Node start measures nothing a user feels and flipped between pass and fail with the machine's noise. The full runs below carry the budgets.",
  'JavaScript loaded':
    'The files of dist/ the module loader reads in one run (recorded by an `--import` hook). Each mode is a lazily imported chunk; the token, aws and chainguard modes must not load the chunks holding the Kubernetes code: ours and @kubernetes/client-node (found by strings only they have).',
  'aws full run':
    'aws mode from spawn to exit against moto on loopback. aws-actions/configure-aws-credentials is neither on npm nor reachable here, so its full run against the same peers (260 ms, measured on this machine earlier) is a constant reference, not a live measurement. Budget: <= 0.6x that.',
};

const RUNS = 11;
const IDENTITY = 'c'.repeat(40);
/** configure-aws-credentials' full run against the same peers, measured on this machine earlier. */
const AWS_REFERENCE_MS = 260;

export async function measure(): Promise<BenchRow[]> {
  const cluster = await startCluster({ stepMs: 1 });
  cluster.server.addDeployment({ name: 'web', namespace: 'demo' });
  const { issuer } = cluster;
  const chainguard = await startChainguardSts();
  chainguard.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
  const moto = motoInstalled() ? await startMoto() : undefined;
  const requestedAt = watchTokenRequests(issuer);
  const kubeChunks = kubernetesChunks();
  const configs: Array<[string, OptionsFor | undefined]> = [
    ['token', { inputs: { mode: 'token' } }],
    [
      'aws (moto)',
      moto && {
        inputs: {
          'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
          'aws-region': 'eu-west-1',
          'sts-endpoint': moto.url,
        },
      },
    ],
    [
      'chainguard (local STS, no login)',
      {
        inputs: {
          'chainguard-identity': IDENTITY,
          'chainguard-issuer': chainguard.origin,
          'registry-login': 'false',
        },
      },
    ],
    [
      'kubernetes (token + kubeconfig)',
      { inputs: { audience: AUDIENCE, kubeconfig: cluster.kubeconfig } },
    ],
    [
      'deploy (token + set image + rollout of 1 deployment, controller step 1 ms)',
      () => deployOptions(cluster, ['web'], nextImage()),
    ],
  ];
  const rows: BenchRow[] = [];
  try {
    for (const [name, options] of configs) {
      if (!options) {
        rows.push({
          benchmark: `${name}: full run`,
          value: 'skipped: moto_server is not installed',
        });
        continue;
      }
      const sample = await measureRuns(issuer, requestedAt, options, RUNS);
      const ratio = sample.coldMs / sample.floorMs;
      const bytes = sample.loaded.reduce((sum, l) => sum + l.bytes, 0);
      const fullRatio = `${(sample.fullMs / sample.floorMs).toFixed(2)}x node -e 0`;
      const isKube = name.startsWith('kubernetes') || name.startsWith('deploy');
      rows.push(
        {
          benchmark: `${name}: cold start (process start to the ID-token request)`,
          value: `${ms(sample.coldMs)}, ${ratio.toFixed(2)}x node -e 0 (${ms(sample.floorMs)}); median of ${RUNS}`,
        },
        name.startsWith('aws')
          ? {
              benchmark: `${name}: full run (process start to exit)`,
              value: `${ms(sample.fullMs)}, ${fullRatio}`,
              budget: `<= 0.6x configure-aws-credentials (${AWS_REFERENCE_MS} ms, a constant measured earlier) = ${ms(0.6 * AWS_REFERENCE_MS)}`,
              ok: sample.fullMs <= 0.6 * AWS_REFERENCE_MS,
            }
          : {
              benchmark: `${name}: full run (process start to exit)`,
              value: `${ms(sample.fullMs)}, ${fullRatio}`,
            },
        {
          benchmark: `${name}: JavaScript loaded`,
          value: `${kib(bytes)}: ${sample.loaded.map((l) => `${l.file} ${kib(l.bytes)}`).join(', ')}`,
          ...(isKube
            ? {}
            : {
                budget: `none of the Kubernetes chunks (${[...kubeChunks].join(', ')})`,
                ok: kubeChunks.size > 0 && !sample.loaded.some((l) => kubeChunks.has(l.file)),
              }),
        },
      );
    }
  } finally {
    await Promise.all([cluster.close(), chainguard.close(), moto?.stop()]);
  }
  return rows;
}
