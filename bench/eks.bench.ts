// eks-cluster against the chain it replaces, interleaved against the same peers (moto for STS, the
// EKS front for DescribeCluster, the test API server with the EKS token authenticator).
// configure-aws-credentials cannot run here; its work is `aws sts assume-role-with-web-identity`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eksAuthenticator, startEksFront } from '../__tests__/fixtures/eks.js';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../__tests__/fixtures/kube-apiserver.js';
import { startMoto } from '../__tests__/fixtures/moto.js';
import { runAction } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import { median, ms, timeShellStep } from './stats.js';

export const title = 'eks: the action against aws CLI + kubectl';

export const budgets = {
  'eks vs aws CLI':
    'One deployment gets a new image and is waited for on the local API server (controller step 1 ms), authenticated with EKS tokens. Ours: the bundled action with `eks-cluster` (AssumeRoleWithWebIdentity, DescribeCluster, presigning, set image, rollout wait), spawn to exit, `kubeconfig-credentials: static`. Theirs: one `bash` step: curl + jq for the ID token, `aws sts assume-role-with-web-identity` (what configure-aws-credentials does), `aws eks update-kubeconfig`, `kubectl set image`, `kubectl rollout status` (each kubectl runs `aws eks get-token`). No budget: reported.',
};

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const RUNS = 5;

const CHAIN = `set -euo pipefail
TOKEN=$(curl -sSf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -r .value)
CREDS=$(aws sts assume-role-with-web-identity --endpoint-url "$STS" --region "$REGION" --role-arn "$ROLE" --role-session-name bench --web-identity-token "$TOKEN" --query Credentials --output json)
export AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId <<<"$CREDS")
export AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey <<<"$CREDS")
export AWS_SESSION_TOKEN=$(jq -r .SessionToken <<<"$CREDS")
aws eks update-kubeconfig --endpoint-url "$EKS" --region "$REGION" --name demo >/dev/null
kubectl set image deployment/web -n demo "*=$IMAGE"
kubectl rollout status deployment/web -n demo --timeout=2m
`;

export async function measure(): Promise<BenchRow[]> {
  const [issuer, moto] = await Promise.all([startIssuer(), startMoto()]);
  const authenticator = eksAuthenticator({
    motoUrl: moto.url,
    region: REGION,
    clusterId: 'demo',
    accessEntries: { [ROLE]: { username: 'deployer' } },
  });
  const server = await startKubeApiServer({
    issuer: 'https://issuer.invalid',
    audiences: ['unused'],
    eks: authenticator,
    stepMs: 1,
  });
  const front = await startEksFront({
    motoUrl: moto.url,
    region: REGION,
    account: ACCOUNT,
    clusters: { demo: { endpoint: server.url, caData: server.caData } },
  });
  server.addDeployment({ name: 'web', namespace: 'demo' });
  let n = 0;
  const image = () => `registry.example/app:${++n}`;

  const ours = async () => {
    const run = await runAction({
      inputs: {
        'eks-cluster': 'demo',
        'role-to-assume': ROLE,
        'aws-region': REGION,
        'sts-endpoint': moto.url,
        'eks-endpoint': front.url,
        namespace: 'demo',
        workloads: 'deployment/web',
        images: `*=${image()}`,
        'kubeconfig-credentials': 'static',
      },
      env: issuer.env(),
      timeoutMs: 120_000,
    });
    if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}${run.stderr}`);
    return run.seconds * 1000;
  };
  const theirs = async () => {
    const home = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-eks-'));
    try {
      const env = {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: home,
        KUBECONFIG: join(home, 'kubeconfig'),
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
        STS: moto.url,
        EKS: front.url,
        REGION,
        ROLE,
        IMAGE: image(),
        ...issuer.env(),
      };
      return timeShellStep('the aws CLI chain', CHAIN, env);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };

  const a: number[] = [];
  const b: number[] = [];
  try {
    await ours();
    await theirs();
    for (let i = 0; i < RUNS; i++) {
      a.push(await ours());
      b.push(await theirs());
    }
  } finally {
    await Promise.all([front.close(), server.close(), issuer.close()]);
    await moto.stop();
  }
  const [mine, chain] = [median(a), median(b)];
  return [
    { benchmark: 'eks-cluster deploy (action, Node 20)', value: ms(mine) },
    { benchmark: 'aws CLI + kubectl chain', value: ms(chain) },
    { benchmark: 'eks vs aws CLI', value: `${(mine / chain).toFixed(2)}x` },
  ];
}
