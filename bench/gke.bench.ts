// gke-cluster against the chain it replaces, interleaved against the same peers (the Google
// fixture for STS, IAM Credentials and the Container API; the test API server authenticating
// Google tokens through the fixture's TokenReview webhook). google-github-actions/auth and
// get-gke-credentials cannot run here; what they leave to gcloud is a credential file
// (CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE) and `gcloud container clusters get-credentials`, and
// every kubectl call then runs gke-gcloud-auth-plugin. gcloud runs in a sandbox whose proxy is a
// sinkhole: nothing leaves loopback.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterOf, startGoogleFixture } from '../__tests__/fixtures/gke/google.js';
import { externalAccount, gcloudSandbox, startSinkhole } from '../__tests__/fixtures/gke/gcloud.js';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../__tests__/fixtures/kube-apiserver.js';
import { tokenReviewWebhook } from '../__tests__/fixtures/kube/token-review.js';
import { removeRunnerDirs, runAction } from '../__tests__/helpers/runner.js';
import { removeTempDirs, tempDir } from '../__tests__/helpers/temp.js';
import type { BenchRow } from './run.js';
import { median, ms, timeShellStep } from './stats.js';

export const title = 'gke: the action against gcloud + gke-gcloud-auth-plugin + kubectl';

export const budgets = {
  'gke vs gcloud':
    'One deployment gets a new image and is waited for on the local API server (controller step 1 ms), authenticated with Google access tokens through a TokenReview webhook. Ours: the bundled action with `gke-cluster` and `service-account` (STS, generateAccessToken, clusters.get, set image, rollout wait), spawn to exit, `kubeconfig-credentials: static`. Theirs: one `bash` step: curl + jq for the ID token into the file an external-account credential file names (what google-github-actions/auth writes), `gcloud container clusters get-credentials` (what get-gke-credentials does), `kubectl set image`, `kubectl rollout status` (each kubectl runs gke-gcloud-auth-plugin, which runs gcloud). No budget: reported.',
};

const PROJECT = 'demo-project';
const SA = `deploy@${PROJECT}.iam.gserviceaccount.com`;
const RUNS = 5;

const CHAIN = `set -euo pipefail
curl -sSf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$AUDIENCE" | jq -r .value > "$TOKEN_FILE"
gcloud container clusters get-credentials demo --location europe-west1 --project ${PROJECT} --quiet 2>/dev/null
kubectl set image deployment/web -n demo "*=$IMAGE"
kubectl rollout status deployment/web -n demo --timeout=2m
`;

export async function measure(): Promise<BenchRow[]> {
  const [issuer, sink] = await Promise.all([startIssuer({ shape: 'github' }), startSinkhole()]);
  const google = await startGoogleFixture({
    projectId: PROJECT,
    pools: { 'ci-jobs': { providers: { github: { issuerUri: issuer.issuer } } } },
  });
  google.serviceAccounts[SA] = {
    workloadIdentityUsers: [google.principalSet('ci-jobs', 'repository', 'org/app')],
  };
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.invalid'],
    webhook: tokenReviewWebhook(google.tokenReviewUrl),
    stepMs: 1,
  });
  google.clusters.push(clusterOf(server, { name: 'demo', location: 'europe-west1' }));
  server.addDeployment({ name: 'web', namespace: 'demo' });
  let n = 0;
  const image = () => `registry.example/app:${++n}`;

  const ours = async () => {
    const run = await runAction({
      inputs: {
        'gke-cluster': 'demo',
        'gke-location': 'europe-west1',
        'gcp-project': PROJECT,
        'workload-identity-provider': google.providerName('ci-jobs', 'github'),
        'service-account': SA,
        namespace: 'demo',
        workloads: 'deployment/web',
        images: `*=${image()}`,
        'kubeconfig-credentials': 'static',
      },
      env: {
        ...issuer.env(),
        CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: `${google.endpoints.sts}/`,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS: `${google.endpoints.iamcredentials}/`,
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${google.endpoints.container}/`,
      },
      timeoutMs: 120_000,
    });
    if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}${run.stderr}`);
    return run.seconds * 1000;
  };
  const theirs = async () => {
    // A fresh job: a fresh gcloud configuration and plugin cache.
    const box = gcloudSandbox(tempDir('oidc-deploy-bench-gke-'), google, sink);
    const tokenFile = join(box.dir, 'ci-token');
    const credFile = box.write(
      'credentials.json',
      JSON.stringify(
        externalAccount({
          google,
          pool: 'ci-jobs',
          provider: 'github',
          tokenFile,
          serviceAccount: SA,
        }),
      ),
    );
    writeFileSync(tokenFile, '');
    const env = {
      ...box.env,
      ...issuer.env(),
      CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: credFile,
      GOOGLE_APPLICATION_CREDENTIALS: credFile,
      AUDIENCE: google.tokenAudience('ci-jobs', 'github'),
      TOKEN_FILE: tokenFile,
      IMAGE: image(),
    };
    return timeShellStep('the gcloud chain', CHAIN, env);
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
    if (sink.records.length > 0)
      throw new Error(`gcloud left loopback: ${sink.records[0]?.target}`);
  } finally {
    await Promise.all([server.close(), google.close(), issuer.close(), sink.close()]);
    removeTempDirs();
    removeRunnerDirs();
  }
  const [mine, chain] = [median(a), median(b)];
  return [
    { benchmark: 'gke-cluster deploy (action, Node 20)', value: ms(mine) },
    { benchmark: 'gcloud + gke-gcloud-auth-plugin + kubectl chain', value: ms(chain) },
    { benchmark: 'gke vs gcloud', value: `${(mine / chain).toFixed(2)}x` },
  ];
}
