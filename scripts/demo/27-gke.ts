import { clusterOf, startGoogleFixture } from '../../__tests__/fixtures/gke/google.js';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../../__tests__/fixtures/kube-apiserver.js';
import { tokenReviewWebhook } from '../../__tests__/fixtures/kube/token-review.js';
import { runAction, runPost } from '../../__tests__/helpers/runner.js';
import { expect, laterStep } from './job.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes mode, gke-cluster: the ID token becomes a Google service account token (Workload Identity Federation), for kubectl in later steps';

const PROJECT = 'demo-project';
const SA = `deploy@${PROJECT}.iam.gserviceaccount.com`;
const STRANGER = `stranger@${PROJECT}.iam.gserviceaccount.com`;

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  // Google's STS, IAM Credentials and Container APIs as the test fixture serves them (each checked
  // against real gcloud in the tests), and a cluster that asks Google who a bearer is.
  const google = await startGoogleFixture({
    projectId: PROJECT,
    pools: { ci: { providers: { forgejo: { issuerUri: issuer.issuer } } } },
  });
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.invalid'],
    webhook: tokenReviewWebhook(google.tokenReviewUrl),
  });
  try {
    const members = [google.principalSet('ci', 'repository', 'org/app')];
    google.serviceAccounts[SA] = { workloadIdentityUsers: members };
    google.serviceAccounts[STRANGER] = { workloadIdentityUsers: [] };
    google.clusters.push(clusterOf(server, { name: 'demo', location: 'europe-west1' }));
    server.addDeployment({ name: 'web', namespace: 'demo' });
    const provider = google.providerName('ci', 'forgejo');
    step(
      `Test Google APIs on ${google.url}: pool "ci" trusts ${issuer.issuer}; ${members[0]} may impersonate ${SA}; cluster demo in europe-west1 is ${server.url}`,
    );
    const inputs = {
      'gke-cluster': 'demo',
      'gke-location': 'europe-west1',
      'gcp-project': PROJECT,
      'workload-identity-provider': provider,
      'service-account': SA,
      namespace: 'demo',
    };
    // The endpoints gcloud's own overrides name (the action reads the same variables).
    const env = {
      ...issuer.env(),
      CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: `${google.endpoints.sts}/`,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS: `${google.endpoints.iamcredentials}/`,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${google.endpoints.container}/`,
    };
    step(
      `uses: oidc-deploy-action  with: { gke-cluster: demo, gke-location: europe-west1, gcp-project: ${PROJECT}, workload-identity-provider: ${provider}, service-account: ${SA}, namespace: demo }`,
    );
    const main = await runAction({ inputs, env });
    showRun(main);
    expect(main.code === 0, 'the gke step failed');

    step(
      'A later step: kubectl get deployments, with no gcloud and no gke-gcloud-auth-plugin: the kubeconfig runs the action as its credential plugin',
    );
    const got = await laterStep(main, env, ['get', 'deployments']);
    expect(got.code === 0, 'kubectl could not use the written kubeconfig');
    const who = server.requests.at(-1)?.user;
    step(`The API server saw the user ${who ?? '(none)'}`);
    expect(who === SA, 'the API server saw another user');
    await runPost(main);

    step(
      `The same step with service-account: ${STRANGER}, which the repository may not impersonate: the step fails with the binding that fixes it`,
    );
    const refused = await runAction({ inputs: { ...inputs, 'service-account': STRANGER }, env });
    showRun({ ...refused, summary: '' });
    expect(
      refused.code !== 0 && refused.stdout.includes('roles/iam.workloadIdentityUser'),
      'the refusal does not print the IAM binding',
    );
    await runPost(refused);
  } finally {
    await Promise.all([server.close(), google.close(), issuer.close()]);
  }
}
