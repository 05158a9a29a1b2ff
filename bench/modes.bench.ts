// Cold start and full run of every mode, with `node -e 0` measured in the same loop as the floor,
// and the JavaScript each mode loads (aws, chainguard and token must not load the Kubernetes client).
import { startChainguardSts } from '../__tests__/fixtures/chainguard-sts.js';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import type { RunOptions } from '../__tests__/helpers/runner.js';
import { motoInstalled, startMoto } from '../__tests__/fixtures/moto.js';
import type { BenchRow } from './run.js';
import { kib, measureRuns, watchTokenRequests } from './measure.js';

export const title = 'cold start and full run per mode';

const RUNS = 11;
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);
const IDENTITY = 'c'.repeat(40);

export async function measure(): Promise<BenchRow[]> {
  const issuer = await startIssuer();
  const chainguard = await startChainguardSts();
  chainguard.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
  const moto = motoInstalled() ? await startMoto() : undefined;
  const requestedAt = watchTokenRequests(issuer);
  const configs: Array<[string, RunOptions | undefined]> = [
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
      'kubernetes (kubeconfig only)',
      { inputs: { server: 'https://k8s.example:6443', 'certificate-authority-data': CA } },
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
      const coldBudget = name === 'token' || name.startsWith('aws');
      rows.push(
        {
          benchmark: `${name}: cold start (process start to the ID-token request)`,
          value: `${sample.coldMs.toFixed(0)} ms, ${ratio.toFixed(2)}x node -e 0 (${sample.floorMs.toFixed(0)} ms); median of ${RUNS}`,
          ...(coldBudget ? { budget: '<= 1.8x node -e 0', ok: ratio <= 1.8 } : {}),
        },
        {
          benchmark: `${name}: full run (process start to exit)`,
          value: `${sample.fullMs.toFixed(0)} ms, ${(sample.fullMs / sample.floorMs).toFixed(2)}x node -e 0`,
        },
        {
          benchmark: `${name}: JavaScript loaded`,
          value: `${kib(bytes)}: ${sample.loaded.map((l) => `${l.file} ${kib(l.bytes)}`).join(', ')}`,
          ...(name.startsWith('kubernetes')
            ? {}
            : {
                budget: 'no Kubernetes client',
                ok: !sample.loaded.some((l) => l.bytes > 1024 * 1024),
              }),
        },
      );
    }
  } finally {
    await Promise.all([issuer.close(), chainguard.close(), moto?.stop()]);
  }
  return rows;
}
