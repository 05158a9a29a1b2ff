// aks-cluster against the chain it replaces, interleaved against the same peers: the Entra ID and
// ARM test servers (__tests__/fixtures/aks/, checked against az and @azure/identity) and the test
// API server authenticating Entra tokens through the AKS TokenReview webhook. azure/login cannot
// run here; its work is `az login --federated-token`. kubelogin is not installed; its azurecli
// login is `az account get-access-token` per kubectl, done here once for the chain.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AKS_SERVER_APP_ID,
  startAzureFixture,
  TOKEN_EXCHANGE_AUDIENCE,
} from '../__tests__/fixtures/aks/index.js';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../__tests__/fixtures/kube-apiserver.js';
import { tokenReviewWebhook } from '../__tests__/fixtures/kube/token-review.js';
import { runAction } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import { median, ms, timeShellStep } from './stats.js';

export const title = 'aks: the action against az + kubectl';

export const budgets = {
  'aks vs az': `One deployment gets a new image and is waited for on the local API server (controller step 1 ms), authenticated with Entra tokens for the AKS server application through the TokenReview webhook. Ours: the bundled action with \`aks-cluster\` and the endpoint overrides (MSAL Node: an ARM token and an AKS token; ARM listClusterUserCredential; set image, rollout wait), spawn to exit, \`kubeconfig-credentials: static\`. Theirs: one \`bash\` step: curl + jq for the ID token, \`az login --service-principal --federated-token\` (what azure/login does), \`az aks get-credentials\`, \`az account get-access-token --resource ${AKS_SERVER_APP_ID}\` (what kubelogin's azurecli login does), \`kubectl set image\` and \`kubectl rollout status\` with that token. Also: the action writing the kubeconfig only, against the kubeconfig source writing its kubeconfig only (the AKS source's own cost: loading MSAL, two Entra tokens, one ARM call). No budget: reported.`,
};

const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const OID = '0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a';
const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const RG = 'bench-rg';
const RUNS = 5;

const CHAIN = `set -euo pipefail
TOKEN=$(curl -sSf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange" | jq -r .value)
az login --service-principal --username "$CLIENT" --tenant "$TENANT" --federated-token "$TOKEN" --output none
az aks get-credentials --resource-group "$RG" --name demo --file "$KUBECONFIG" --only-show-errors
AKS=$(az account get-access-token --resource "$SERVER_ID" --query accessToken --output tsv)
kubectl --token "$AKS" set image deployment/web -n demo "*=$IMAGE"
kubectl --token "$AKS" rollout status deployment/web -n demo --timeout=2m
`;

function hasAz(): boolean {
  try {
    execFileSync('az', ['version', '--output', 'none'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function measure(): Promise<BenchRow[]> {
  const issuer = await startIssuer();
  const azure = await startAzureFixture({
    tenants: [
      {
        id: TENANT,
        applications: [
          {
            clientId: CLIENT,
            objectId: OID,
            federatedCredentials: [
              {
                issuer: issuer.issuer,
                subject: issuer.subject,
                audiences: [TOKEN_EXCHANGE_AUDIENCE],
              },
            ],
          },
        ],
      },
    ],
    subscriptions: [{ id: SUB, tenantId: TENANT, resourceGroups: [RG] }],
    roleAssignments: [
      {
        principalId: OID,
        role: 'Azure Kubernetes Service Cluster User Role',
        scope: `/subscriptions/${SUB}`,
      },
    ],
  });
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.default.svc'],
    webhook: tokenReviewWebhook(azure.webhookUrl('demo')),
    stepMs: 1,
  });
  azure.arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: 'demo',
    server: server.url,
    caData: server.caData,
  });
  server.addDeployment({ name: 'web', namespace: 'demo' });
  const work = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-aks-'));
  const caFile = join(work, 'azure-ca.pem');
  writeFileSync(caFile, azure.caCert);
  let n = 0;
  const image = () => `registry.example/app:${++n}`;
  const aks = {
    'aks-cluster': 'demo',
    'azure-resource-group': RG,
    'azure-subscription-id': SUB,
    'azure-client-id': CLIENT,
    'azure-tenant-id': TENANT,
    'azure-authority-host': azure.entraUrl,
    'azure-resource-manager-endpoint': azure.armUrl,
    namespace: 'demo',
    'kubeconfig-credentials': 'static',
  };
  const env = { ...issuer.env(), NODE_EXTRA_CA_CERTS: caFile };

  const action = async (inputs: Record<string, string>) => {
    const run = await runAction({ inputs, env, timeoutMs: 120_000 });
    if (run.code !== 0) throw new Error(`the action failed:\n${run.stdout}${run.stderr}`);
    return run.seconds * 1000;
  };
  const ours = () => action({ ...aks, workloads: 'deployment/web', images: `*=${image()}` });
  const oursKubeconfig = () => action(aks);
  // The kubeconfig source, for the same step without Azure: the cluster trusts the issuer for
  // this audience, so verify-access asks it once, as the AKS step does.
  const kubeconfigOnly = () =>
    action({
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      audience: 'https://kubernetes.default.svc',
      'kubeconfig-credentials': 'static',
    });

  // az with the fixture registered as its cloud (once, copied for every run: not timed).
  const withAz = hasAz();
  const template = join(work, 'az-template');
  const azEnv = (config: string): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: config,
    AZURE_CONFIG_DIR: config,
    AZURE_CORE_COLLECT_TELEMETRY: 'no',
    AZURE_CORE_NO_COLOR: 'true',
    REQUESTS_CA_BUNDLE: caFile,
    // MSAL Python asks login.microsoftonline.com about any authority host it does not know.
    HTTPS_PROXY: azure.proxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
  });
  if (withAz) {
    execFileSync(
      'az',
      [
        'cloud',
        'register',
        '--name',
        'BenchCloud',
        '--endpoint-active-directory',
        azure.entraUrl,
        '--endpoint-resource-manager',
        `${azure.armUrl}/`,
        '--endpoint-active-directory-resource-id',
        'https://management.core.windows.net/',
        '--endpoint-active-directory-graph-resource-id',
        'https://graph.windows.net/',
      ],
      { env: azEnv(template), stdio: 'ignore' },
    );
    execFileSync('az', ['cloud', 'set', '--name', 'BenchCloud'], {
      env: azEnv(template),
      stdio: 'ignore',
    });
  }
  let dirs = 0;
  const theirs = async () => {
    const config = join(work, `az-${++dirs}`);
    cpSync(template, config, { recursive: true });
    try {
      return await timeShellStep('the az chain', CHAIN, {
        ...azEnv(config),
        KUBECONFIG: join(config, 'kubeconfig'),
        CLIENT,
        TENANT,
        RG,
        SERVER_ID: AKS_SERVER_APP_ID,
        IMAGE: image(),
        ...issuer.env(),
      });
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  };

  const deploy: number[] = [];
  const chain: number[] = [];
  const written: number[] = [];
  const plain: number[] = [];
  try {
    await ours();
    if (withAz) await theirs();
    for (let i = 0; i < RUNS; i++) {
      deploy.push(await ours());
      if (withAz) chain.push(await theirs());
      written.push(await oursKubeconfig());
      plain.push(await kubeconfigOnly());
    }
  } finally {
    await Promise.all([server.close(), azure.close(), issuer.close()]);
    rmSync(work, { recursive: true, force: true });
  }
  const rows: BenchRow[] = [
    { benchmark: 'aks-cluster deploy (action, Node 20)', value: ms(median(deploy)) },
  ];
  if (withAz) {
    rows.push(
      { benchmark: 'az + kubectl chain', value: ms(median(chain)) },
      { benchmark: 'aks vs az', value: `${(median(deploy) / median(chain)).toFixed(2)}x` },
    );
  } else {
    rows.push({ benchmark: 'az + kubectl chain', value: 'not measured (az is not installed)' });
  }
  rows.push(
    { benchmark: 'aks-cluster, kubeconfig only (action)', value: ms(median(written)) },
    { benchmark: 'kubeconfig input, kubeconfig only (action)', value: ms(median(plain)) },
  );
  return rows;
}
