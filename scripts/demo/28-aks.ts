import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAzureFixture, TOKEN_EXCHANGE_AUDIENCE } from '../../__tests__/fixtures/aks/index.js';
import { startIssuer } from '../../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../../__tests__/fixtures/kube-apiserver.js';
import { tokenReviewWebhook } from '../../__tests__/fixtures/kube/token-review.js';
import { runAction, runPost } from '../../__tests__/helpers/runner.js';
import { tempDir } from '../../__tests__/helpers/temp.js';
import { expect, laterStep } from './job.js';
import { showRun, step } from './show.js';

export const title =
  'kubernetes mode, aks-cluster: the ID token becomes an Entra ID token (federated credential), for kubectl in later steps';

const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const OBJECT_ID = '0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a';
const SUBSCRIPTION = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const GROUP = 'deploy-rg';
const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.ContainerService/managedClusters/demo`;

export async function run(): Promise<void> {
  const issuer = await startIssuer({ shape: 'forgejo' });
  const trusted = {
    issuer: issuer.issuer,
    subject: issuer.subject,
    audiences: [TOKEN_EXCHANGE_AUDIENCE],
  };
  // Entra ID and Azure Resource Manager as the test fixture serves them (checked against az and
  // @azure/identity in the tests), over TLS with their own CA.
  const azure = await startAzureFixture({
    tenants: [
      {
        id: TENANT,
        applications: [{ clientId: CLIENT, objectId: OBJECT_ID, federatedCredentials: [trusted] }],
      },
    ],
    subscriptions: [{ id: SUBSCRIPTION, tenantId: TENANT, resourceGroups: [GROUP] }],
    roleAssignments: [
      {
        principalId: OBJECT_ID,
        role: 'Azure Kubernetes Service Cluster User Role',
        scope: CLUSTER_ID,
      },
    ],
  });
  // The AKS cluster asks Entra ID's webhook who a bearer is; its user is the object id.
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.default.svc'],
    webhook: tokenReviewWebhook(azure.webhookUrl('demo')),
  });
  try {
    azure.arm.addCluster({
      subscriptionId: SUBSCRIPTION,
      resourceGroup: GROUP,
      name: 'demo',
      server: server.url,
      caData: server.caData,
    });
    server.addDeployment({ name: 'web', namespace: 'demo' });
    const caFile = join(tempDir('demo-aks-'), 'azure-ca.pem');
    writeFileSync(caFile, azure.caCert);
    // The runner trusts the test clouds' CA, as a runner image trusts the real ones.
    const env = { ...issuer.env(), NODE_EXTRA_CA_CERTS: caFile };
    step(
      `Test Entra ID on ${azure.entraUrl} (app ${CLIENT} has a federated credential for ${issuer.issuer}, sub ${issuer.subject}) and ARM on ${azure.armUrl} (cluster demo is ${server.url})`,
    );
    const inputs = {
      'aks-cluster': 'demo',
      'azure-resource-group': GROUP,
      'azure-subscription-id': SUBSCRIPTION,
      'azure-client-id': CLIENT,
      'azure-tenant-id': TENANT,
      namespace: 'demo',
      'azure-authority-host': azure.entraUrl,
      'azure-resource-manager-endpoint': azure.armUrl,
    };
    step(
      `uses: oidc-deploy-action  with: { aks-cluster: demo, azure-resource-group: ${GROUP}, azure-subscription-id: …, azure-client-id: ${CLIENT}, azure-tenant-id: …, namespace: demo }   (+ the test endpoints)`,
    );
    const main = await runAction({ inputs, env });
    showRun(main);
    expect(main.code === 0, 'the aks step failed');

    step(
      'A later step: kubectl get deployments, with no az and no kubelogin: the kubeconfig runs the action as its credential plugin',
    );
    const got = await laterStep(main, env, ['get', 'deployments']);
    expect(got.code === 0, 'kubectl could not use the written kubeconfig');
    const who = server.requests.at(-1)?.user;
    step(`The API server saw the user ${who ?? '(none)'} (the application's object id)`);
    expect(who === OBJECT_ID, 'the API server saw another user');
    await runPost(main);

    const app = azure.entra.tenants[0]?.applications[0];
    expect(app, 'the fixture has no application');
    app.federatedCredentials = [{ ...trusted, subject: 'repo:org/app:environment:production' }];
    step(
      "The application's only federated credential is now for the production environment: the step fails with the command that trusts this job",
    );
    const refused = await runAction({ inputs, env });
    showRun({ ...refused, summary: '' });
    expect(
      refused.code !== 0 && refused.stdout.includes('az ad app federated-credential create'),
      'the refusal does not print the federated credential command',
    );
    await runPost(refused);
  } finally {
    await Promise.all([server.close(), azure.close(), issuer.close()]);
  }
}
