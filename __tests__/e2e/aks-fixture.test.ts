// The evidence that the AKS test peers (__tests__/fixtures/aks/) are faithful: Microsoft's own
// clients against them. The Azure CLI 2.45 (Debian's azure-cli, MSAL Python 1.21) logs in with the
// CI token as federated token, fetches the cluster user kubeconfig and mints a token for the AKS
// server application, which real kubectl presents to the test API server (TokenReview webhook);
// @azure/identity's ClientAssertionCredential + @azure/arm-containerservice do the same from Node.
// What each client prints or throws for the errors users hit is recorded here as the oracle of
// their shape. The facts are in docs/aks.md ("How the exchange works") and the fixtures' headers.
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AKS_CLIENT_APP_ID,
  AKS_SERVER_APP_ID,
  CLIENT_ASSERTION_TYPE,
  startAzureFixture,
  TOKEN_EXCHANGE_AUDIENCE,
  type AzureFixture,
  type EntraErrorBody,
} from '../fixtures/aks/index.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { rules, startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, rawRequest, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { tokenReviewWebhook } from '../fixtures/kube/token-review.js';
import { tempDir } from '../helpers/temp.js';

const execFileAsync = promisify(execFile);
const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const OTHER_TENANT = '0b0b0b0b-1c1c-4d2d-8e3e-4f4f4f4f4f4f';
const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const OID = '0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a';
const MI_CLIENT = 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d';
const MI_OID = 'e1d2c3b4-a5f6-4e7d-8c9b-0a1b2c3d4e5f';
const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const OTHER_SUB = '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c';
const RG = 'deploy-rg';
const CLUSTER = 'demo';
const CLUSTER_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}`;
const UNAUTHORIZED_BODY =
  '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}';
const AAD_TRAILER =
  / Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/;
const IDENTITY_CLIENT = fileURLToPath(
  new URL('../fixtures/aks/identity-client.mjs', import.meta.url),
);

let issuer: Issuer;
let azure: AzureFixture;
let kube: KubeApiServer;
let local: KubeApiServer;
let caFile: string;
let work: string;

beforeAll(async () => {
  issuer = await startIssuer({ shape: 'github' });
  azure = await startAzureFixture({
    tenants: [
      {
        id: TENANT,
        displayName: 'Fixture Directory',
        applications: [
          {
            clientId: CLIENT,
            objectId: OID,
            groups: ['7f3e2d1c-0b9a-4876-8543-210fedcba987'],
            federatedCredentials: [
              {
                name: 'main',
                issuer: issuer.issuer,
                subject: issuer.subject,
                audiences: [TOKEN_EXCHANGE_AUDIENCE],
              },
            ],
          },
          {
            clientId: MI_CLIENT,
            objectId: MI_OID,
            kind: 'managed-identity',
            resourceId: `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/deployer`,
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
      { id: OTHER_TENANT },
    ],
    subscriptions: [
      {
        id: SUB,
        tenantId: TENANT,
        displayName: 'Fixture subscription',
        resourceGroups: [RG, 'other-rg'],
      },
      { id: OTHER_SUB, tenantId: OTHER_TENANT },
    ],
    roleAssignments: [
      { principalId: OID, role: 'Azure Kubernetes Service Cluster User Role', scope: CLUSTER_ID },
      {
        principalId: MI_OID,
        role: 'Azure Kubernetes Service Cluster User Role',
        scope: `/subscriptions/${SUB}`,
      },
    ],
  });
  kube = await startKubeApiServer({
    // No token here is the CI issuer's with this audience: every bearer goes to the webhook.
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.default.svc'],
    webhook: tokenReviewWebhook(azure.webhookUrl(CLUSTER)),
    authorize: rules([{ users: [OID, MI_OID] }]),
  });
  local = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.default.svc'],
    webhook: tokenReviewWebhook(azure.webhookUrl('local')),
  });
  azure.arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: RG,
    name: CLUSTER,
    server: kube.url,
    caData: kube.caData,
  });
  azure.arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: 'other-rg',
    name: 'local',
    server: local.url,
    caData: local.caData,
    entra: false,
  });
  work = tempDir('aks-fixture-');
  caFile = join(work, 'azure-ca.pem');
  writeFileSync(caFile, azure.caCert);
});
afterAll(async () => {
  await Promise.all([azure?.close(), kube?.close(), local?.close(), issuer?.close()]);
});

/** A CI token for Azure (audience api://AzureADTokenExchange unless overridden). */
function ciToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return issuer.mint({ aud: TOKEN_EXCHANGE_AUDIENCE, ...overrides });
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** GET /api/v1/namespaces on the AKS test API server: status and the webhook's reason. */
async function probe(token: string, server = kube) {
  const refusals = azure.refusals.length;
  const response = await rawRequest(server.url, server.caData, '/api/v1/namespaces', { token });
  return {
    status: response.status,
    body: response.body,
    reason: azure.refusals.slice(refusals).find((r) => r.service === 'webhook')?.reason,
  };
}

/** One https request trusting the fixture's CA, with any headers (rawRequest sets its own). */
function send(
  url: URL,
  options: { method: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method: options.method, ca: azure.caCert, headers: options.headers ?? {} },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the Azure CLI 2.45 (MSAL Python) against the test servers', () => {
  interface AzResult {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
  }
  /** az with a config dir of its own, the test CA, and the proxy for login.microsoftonline.com. */
  async function az(config: string, args: string[]): Promise<AzResult> {
    const started = Date.now();
    try {
      const { stdout, stderr } = await execFileAsync('az', args, {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: config,
          AZURE_CONFIG_DIR: config,
          AZURE_CORE_COLLECT_TELEMETRY: 'no',
          AZURE_CORE_NO_COLOR: 'true',
          REQUESTS_CA_BUNDLE: caFile,
          // MSAL Python asks login.microsoftonline.com about any authority host it does not know.
          HTTPS_PROXY: azure.proxyUrl,
          NO_PROXY: '127.0.0.1,localhost',
        },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr, ms: Date.now() - started };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : -1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
        ms: Date.now() - started,
      };
    }
  }

  let template: string | undefined;
  /** A fresh config dir with the fixture registered as the active cloud (registered once, copied). */
  async function cloud(): Promise<string> {
    const config = tempDir('aks-az-');
    if (template) {
      cpSync(template, config, { recursive: true });
      return config;
    }
    const register = await az(config, [
      'cloud',
      'register',
      '--name',
      'FixtureCloud',
      '--endpoint-active-directory',
      azure.entraUrl,
      '--endpoint-resource-manager',
      `${azure.armUrl}/`,
      '--endpoint-active-directory-resource-id',
      'https://management.core.windows.net/',
      '--endpoint-active-directory-graph-resource-id',
      'https://graph.windows.net/',
    ]);
    expect(register.code, register.stderr).toBe(0);
    const set = await az(config, ['cloud', 'set', '--name', 'FixtureCloud']);
    expect(set.code, set.stderr).toBe(0);
    template = tempDir('aks-az-template-');
    cpSync(config, template, { recursive: true });
    return config;
  }

  function login(config: string, token: string, client = CLIENT, tenant = TENANT) {
    return az(config, [
      'login',
      '--service-principal',
      '--username',
      client,
      '--tenant',
      tenant,
      '--federated-token',
      token,
      '--output',
      'json',
    ]);
  }

  function aksToken(config: string) {
    return az(config, [
      'account',
      'get-access-token',
      '--resource',
      AKS_SERVER_APP_ID,
      '--output',
      'json',
    ]);
  }

  let config: string;
  beforeAll(async () => {
    const version = await execFileAsync('az', ['version', '--output', 'json']).catch(() => {
      throw new Error(
        'the Azure CLI is missing: apt-get install -y azure-cli (.ci/run installs it)',
      );
    });
    expect(JSON.parse(version.stdout)['azure-cli']).toBe('2.45.0');
    config = await cloud();
  });

  it('az login --federated-token: instance discovery at login.microsoftonline.com, tenant discovery, one client-credentials request, then ARM lists the subscriptions', async () => {
    const entraBefore = azure.entra.requests.length;
    const armBefore = azure.arm.requests.length;
    const proxiedBefore = azure.proxied.length;
    const token = await ciToken();
    const result = await login(config, token);
    expect(result.code, result.stderr).toBe(0);
    console.log(`az login: ${result.ms} ms`);
    const accounts = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(accounts).toEqual([
      expect.objectContaining({
        cloudName: 'FixtureCloud',
        id: SUB,
        name: 'Fixture subscription',
        tenantId: TENANT,
        homeTenantId: TENANT,
        state: 'Enabled',
        user: { name: CLIENT, type: 'servicePrincipal' },
      }),
    ]);

    const entra = azure.entra.requests.slice(entraBefore);
    expect(entra.map((r) => `${r.kind} ${r.host}`)).toEqual([
      'instance-discovery login.microsoftonline.com',
      `openid-configuration ${new URL(azure.entraUrl).host}`,
      `token ${new URL(azure.entraUrl).host}`,
    ]);
    // MSAL Python drops the port of the authority in the question it asks.
    const discovery = new URL(entra[0]?.path ?? '', 'https://x');
    expect(Object.fromEntries(discovery.searchParams)).toEqual({
      authorization_endpoint: `https://127.0.0.1/${TENANT}/oauth2/v2.0/authorize`,
      'api-version': '1.0',
    });
    expect(azure.proxied.slice(proxiedBefore).map((p) => `${p.target} ${p.routedTo}`)).toContain(
      'login.microsoftonline.com:443 entra',
    );
    const request = entra[2];
    expect(request?.formFields.sort()).toEqual([
      'claims',
      'client_assertion',
      'client_assertion_type',
      'client_id',
      'client_info',
      'grant_type',
      'scope',
    ]);
    expect(request?.form).toEqual({
      client_id: CLIENT,
      grant_type: 'client_credentials',
      client_info: '1',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      claims: '{"access_token": {"xms_cc": {"values": ["CP1"]}}}',
      scope: 'https://management.core.windows.net//.default',
    });
    expect(request?.assertion).toMatchObject({
      iss: issuer.issuer,
      sub: issuer.subject,
      aud: TOKEN_EXCHANGE_AUDIENCE,
    });
    expect(request?.headers).toMatchObject({
      'x-client-sku': 'MSAL.Python',
      'x-client-ver': '1.21.0',
      'client-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(
      azure.arm.requests.slice(armBefore).map((r) => `${r.method} ${r.path} ${r.status}`),
    ).toEqual(['GET /subscriptions?api-version=2019-11-01 200']);
    // The ARM token az asked for: v1 claims for ARM's resource id.
    const armToken = azure.entra.issued.at(-1)?.claims;
    expect(armToken).toMatchObject({
      aud: 'https://management.core.windows.net/',
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: CLIENT,
      appidacr: '2',
      idtyp: 'app',
      oid: OID,
      sub: OID,
      tid: TENANT,
      ver: '1.0',
    });
  });

  it('az aks get-credentials: listClusterUserCredential without format; server and CA of the test API server, user kubelogin exec', async () => {
    const armBefore = azure.arm.requests.length;
    const file = join(work, 'az-kubeconfig');
    const result = await az(config, [
      'aks',
      'get-credentials',
      '--resource-group',
      RG,
      '--name',
      CLUSTER,
      '--file',
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    console.log(`az aks get-credentials: ${result.ms} ms`);
    expect(azure.arm.requests.slice(armBefore)).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `${CLUSTER_ID}/listClusterUserCredential?api-version=2022-11-01`,
        format: undefined,
        principalId: OID,
        status: 200,
        userAgent: expect.stringMatching(
          /^AZURECLI\/2\.45\.0 .*azsdk-python-azure-mgmt-containerservice\//,
        ),
      }),
    ]);
    const kubeconfig = parseYaml(readFileSync(file, 'utf8')) as {
      clusters: Array<{ name: string; cluster: Record<string, string> }>;
      users: Array<{
        name: string;
        user: { exec: { command: string; args: string[]; apiVersion: string } };
      }>;
    };
    expect(kubeconfig.clusters[0]).toEqual({
      name: CLUSTER,
      cluster: { server: kube.url, 'certificate-authority-data': kube.caData },
    });
    expect(kubeconfig.users[0]?.name).toBe(`clusterUser_${RG}_${CLUSTER}`);
    expect(kubeconfig.users[0]?.user.exec).toMatchObject({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'kubelogin',
      args: [
        'get-token',
        '--environment',
        'AzurePublicCloud',
        '--server-id',
        AKS_SERVER_APP_ID,
        '--client-id',
        AKS_CLIENT_APP_ID,
        '--tenant-id',
        TENANT,
        '--login',
        'devicecode',
      ],
    });
  });

  it('az account get-access-token --resource <AKS server app>: kubectl --token gets in as the object id; an ARM token is a 401', async () => {
    const result = await aksToken(config);
    expect(result.code, result.stderr).toBe(0);
    console.log(`az account get-access-token (AKS): ${result.ms} ms`);
    const { accessToken } = JSON.parse(result.stdout) as { accessToken: string };
    expect(claimsOf(accessToken)).toMatchObject({
      aud: AKS_SERVER_APP_ID,
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: CLIENT,
      oid: OID,
      tid: TENANT,
      idtyp: 'app',
      groups: ['7f3e2d1c-0b9a-4876-8543-210fedcba987'],
    });
    expect(azure.entra.requests.at(-1)?.form['scope']).toBe(`${AKS_SERVER_APP_ID}/.default`);
    const kubeconfig = join(work, 'az-kubeconfig');
    const ok = await kubectl(['--token', accessToken, 'get', 'namespaces', '-o', 'name'], {
      kubeconfigPath: kubeconfig,
    });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('namespace/default');
    expect(azure.reviews.at(-1)).toMatchObject({
      cluster: CLUSTER,
      authenticated: true,
      user: OID,
      groups: ['7f3e2d1c-0b9a-4876-8543-210fedcba987'],
    });

    const arm = await az(config, ['account', 'get-access-token', '--output', 'json']);
    const armToken = (JSON.parse(arm.stdout) as { accessToken: string }).accessToken;
    const refused = await kubectl(['--token', armToken, 'get', 'namespaces'], {
      kubeconfigPath: kubeconfig,
    });
    expect(refused.code).not.toBe(0);
    expect(UNAUTHORIZED_MESSAGES).toContain(refused.stderr.trim().split('\n').at(-1));
    const response = await probe(armToken);
    expect(response.status).toBe(401);
    expect(response.body).toBe(UNAUTHORIZED_BODY);
    expect(response.reason).toBe(
      `token audience "https://management.core.windows.net/" is not the AKS server application ${AKS_SERVER_APP_ID}`,
    );
  });

  it('AADSTS errors as az prints them: 700213, 7002138, 700211, 700212, 700016', async () => {
    const cases: Array<[string, Promise<string>, string, string]> = [
      [
        '700213',
        ciToken({ sub: 'repo:org/app:ref:refs/heads/dev' }),
        CLIENT,
        `No matching federated identity record found for presented assertion subject 'repo:org/app:ref:refs/heads/dev'.`,
      ],
      [
        '7002138',
        ciToken({ sub: 'repo:Org/App:ref:refs/heads/main' }),
        CLIENT,
        `The subject matches with case-insensitive comparison, but not with case-sensitive comparison.`,
      ],
      [
        '700211',
        ciToken({ iss: 'https://token.actions.githubusercontent.com' }),
        CLIENT,
        `presented assertion issuer 'https://token.actions.githubusercontent.com'`,
      ],
      [
        '700212',
        ciToken({ aud: 'https://github.com/org' }),
        CLIENT,
        `presented assertion audience 'https://github.com/org'`,
      ],
      [
        '700016',
        ciToken(),
        '99999999-8888-4777-8666-555555555555',
        `Application with identifier '99999999-8888-4777-8666-555555555555' was not found in the directory 'Fixture Directory'.`,
      ],
    ];
    const scratch = await cloud();
    for (const [code, token, client, text] of cases) {
      const result = await login(scratch, await token, client);
      expect(result.code, code).not.toBe(0);
      const line =
        result.stderr
          .trim()
          .split('\n')
          .find((l) => l.startsWith('ERROR:')) ?? '';
      // az prints MSAL's error_description after "ERROR: ".
      expect(line, code).toMatch(new RegExp(`^ERROR: AADSTS${code}: `));
      expect(line, code).toContain(text);
      expect(line, code).toMatch(AAD_TRAILER);
      const refusal = azure.refusals.filter((r) => r.service === 'entra').at(-1);
      expect(refusal?.code).toBe(`AADSTS${code}`);
    }
  });

  it('an AKS token stops working at the cluster once expired (3 s); az then re-presents the CI token it logged in with, expired too: AADSTS700024', async () => {
    const scratch = await cloud();
    const now = Math.floor(Date.now() / 1000);
    // The CI token lives 10 s: long enough for az login and one AKS token on a busy machine.
    const result = await login(scratch, await ciToken({ exp: now + 10 }));
    expect(result.code, result.stderr).toBe(0);
    azure.entra.tokenLifetimeSeconds = 3;
    let first: AzResult;
    try {
      first = await aksToken(scratch);
    } finally {
      azure.entra.tokenLifetimeSeconds = 3599;
    }
    expect(first.code, first.stderr).toBe(0);
    const { accessToken } = JSON.parse(first.stdout) as { accessToken: string };
    expect(Number(claimsOf(accessToken).exp) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(
      3,
    );
    const fresh = await probe(accessToken);
    expect(fresh.status, fresh.reason).toBe(200);
    const until = async (seconds: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000 - Date.now())));
    await until(Number(claimsOf(accessToken).exp) + 0.5);
    const expired = await probe(accessToken);
    expect(expired.status).toBe(401);
    expect(expired.body).toBe(UNAUTHORIZED_BODY);
    expect(expired.reason).toMatch(/^token expired at \d{4}-\d\d-\d\dT/);

    await until(now + 10.5);
    const again = await aksToken(scratch);
    expect(again.code).not.toBe(0);
    const line =
      again.stderr
        .trim()
        .split('\n')
        .find((l) => l.startsWith('ERROR:')) ?? '';
    expect(line).toMatch(
      /^ERROR: AADSTS700024: Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, expiry time of assertion \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z\. /,
    );
    expect(line).toMatch(AAD_TRAILER);
    expect(azure.entra.requests.at(-1)).toMatchObject({
      form: expect.objectContaining({ scope: `${AKS_SERVER_APP_ID}/.default` }),
      assertion: expect.objectContaining({ exp: now + 10 }),
      errorCode: 700024,
      status: 401,
    });
  });

  it('ARM errors as az prints them: AuthorizationFailed, ResourceNotFound', async () => {
    const denied = await az(config, [
      'aks',
      'get-credentials',
      '--resource-group',
      'other-rg',
      '--name',
      'local',
      '--file',
      join(work, 'denied'),
    ]);
    expect(denied.code).not.toBe(0);
    const scope = `/subscriptions/${SUB}/resourceGroups/other-rg/providers/Microsoft.ContainerService/managedClusters/local`;
    const message = `The client '${OID}' with object id '${OID}' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
    expect(denied.stderr.trim()).toBe(
      `ERROR: (AuthorizationFailed) ${message}\nCode: AuthorizationFailed\nMessage: ${message}`,
    );

    // The identity's role is on the subscription: a missing cluster is a 404, not a 403.
    const mi = await cloud();
    const login2 = await login(mi, await ciToken(), MI_CLIENT);
    expect(login2.code, login2.stderr).toBe(0);
    const missing = await az(mi, [
      'aks',
      'get-credentials',
      '--resource-group',
      RG,
      '--name',
      'nope',
      '--file',
      join(work, 'missing'),
    ]);
    const text = `The Resource 'Microsoft.ContainerService/managedClusters/nope' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`;
    expect(missing.stderr.trim()).toBe(
      `ERROR: (ResourceNotFound) ${text}\nCode: ResourceNotFound\nMessage: ${text}`,
    );
  });
});

describe('@azure/identity 4.13 ClientAssertionCredential + @azure/arm-containerservice 25.3 (Node)', () => {
  interface ClientOutput {
    token?: { claims: Record<string, unknown>; expiresOnTimestamp: number };
    accessToken?: string;
    kubeconfigs?: Array<{ name: string; value: string }>;
    cluster?: { properties?: Record<string, unknown> } & Record<string, unknown>;
    error?: {
      name?: string;
      constructor?: string;
      message?: string;
      statusCode?: number;
      code?: string;
      errorResponse?: Record<string, unknown>;
    };
    ms: number;
  }
  interface ClientInput {
    authorityHost?: string;
    tenantId?: string;
    clientId?: string;
    scope?: string;
    disableInstanceDiscovery?: boolean;
    arm?: {
      format?: string;
      get?: boolean;
      cluster?: string;
      resourceGroup?: string;
      endpoint?: string;
      scope?: string;
    };
  }

  /** identity-client.mjs in a process of its own, trusting the test CA as a runner would. */
  async function client(
    input: ClientInput,
    assertion: string,
    env: Record<string, string> = {},
  ): Promise<ClientOutput> {
    const started = Date.now();
    const full = {
      authorityHost: azure.entraUrl,
      tenantId: TENANT,
      clientId: CLIENT,
      disableInstanceDiscovery: true,
      ...input,
      ...(input.arm
        ? {
            arm: {
              endpoint: azure.armUrl,
              subscriptionId: SUB,
              resourceGroup: RG,
              cluster: CLUSTER,
              ...input.arm,
            },
          }
        : {}),
    };
    const { stdout } = await execFileAsync(
      process.execPath,
      [IDENTITY_CLIENT, JSON.stringify(full)],
      {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          NODE_EXTRA_CA_CERTS: caFile,
          AKS_ASSERTION: assertion,
          ...env,
        },
        timeout: 60_000,
      },
    );
    return { ...(JSON.parse(stdout) as ClientOutput), ms: Date.now() - started };
  }

  it('getToken(AKS server app) with authorityHost = the test server and instance discovery off: tenant discovery, then one token request; kubectl gets in', async () => {
    const before = azure.entra.requests.length;
    const out = await client({ scope: `${AKS_SERVER_APP_ID}/.default` }, await ciToken());
    expect(out.error).toBeUndefined();
    console.log(`@azure/identity getToken (own process): ${out.ms} ms`);
    expect(out.token?.claims).toMatchObject({
      aud: AKS_SERVER_APP_ID,
      iss: `https://sts.windows.net/${TENANT}/`,
      appid: CLIENT,
      oid: OID,
      tid: TENANT,
      idtyp: 'app',
      ver: '1.0',
    });
    expect(
      Math.abs((out.token?.expiresOnTimestamp ?? 0) - Number(out.token?.claims['exp']) * 1000),
    ).toBeLessThan(5_000);
    const requests = azure.entra.requests.slice(before);
    expect(requests.map((r) => `${r.method} ${new URL(r.path, 'https://x').pathname}`)).toEqual([
      `GET /${TENANT}/v2.0/.well-known/openid-configuration`,
      `POST /${TENANT}/oauth2/v2.0/token`,
    ]);
    const token = requests[1];
    expect(token?.form).toMatchObject({
      client_id: CLIENT,
      grant_type: 'client_credentials',
      scope: `${AKS_SERVER_APP_ID}/.default`,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      'x-client-SKU': 'msal.js.node',
      'client-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    // MSAL Node puts its telemetry in the form, and the request id in the query too.
    expect(token?.path).toMatch(/\?client-request-id=[0-9a-f-]{36}$/);
    expect(token?.headers['user-agent']).toMatch(/^azsdk-js-identity\/4\.13\.1 /);
    const ok = await probe(out.accessToken ?? '');
    expect(ok.status, ok.reason).toBe(200);
  });

  it('listClusterUserCredentials: api-version 2026-04-01, no format unless asked; exec (kubelogin) or azure (auth-provider)', async () => {
    const before = azure.arm.requests.length;
    const out = await client({ arm: {} }, await ciToken());
    expect(out.error).toBeUndefined();
    console.log(
      `@azure/identity + arm-containerservice listClusterUserCredentials (own process): ${out.ms} ms`,
    );
    expect(out.kubeconfigs?.map((k) => k.name)).toEqual(['clusterUser']);
    const kubeconfig = parseYaml(out.kubeconfigs?.[0]?.value ?? '') as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, { command?: string; name?: string }> }>;
    };
    expect(kubeconfig.clusters[0]?.cluster).toEqual({
      'certificate-authority-data': kube.caData,
      server: kube.url,
    });
    expect(kubeconfig.users[0]?.user['exec']?.command).toBe('kubelogin');
    const arm = azure.arm.requests.slice(before);
    expect(arm).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: `${CLUSTER_ID}/listClusterUserCredential?api-version=2026-04-01`,
        principalId: OID,
        status: 200,
        userAgent: expect.stringMatching(/azsdk-js-arm-containerservice\/25\.3\.0/),
      }),
    ]);
    // The ARM token it presented: https://management.azure.com/.default gives aud without the slash.
    const armToken = azure.entra.issued.filter((t) => t.claims.aud !== AKS_SERVER_APP_ID).at(-1);
    expect(armToken?.claims.aud).toBe('https://management.azure.com');

    const azureFormat = await client({ arm: { format: 'azure' } }, await ciToken());
    expect(azure.arm.requests.at(-1)?.path).toBe(
      `${CLUSTER_ID}/listClusterUserCredential?api-version=2026-04-01&format=azure`,
    );
    const legacy = parseYaml(azureFormat.kubeconfigs?.[0]?.value ?? '') as typeof kubeconfig;
    expect(legacy.users[0]?.user['auth-provider']?.name).toBe('azure');
  });

  it('managedClusters.get: aadProfile, enableAzureRBAC, disableLocalAccounts, fqdn', async () => {
    const out = await client({ arm: { get: true } }, await ciToken());
    expect(out.error).toBeUndefined();
    expect(out.cluster).toMatchObject({
      name: CLUSTER,
      type: 'Microsoft.ContainerService/ManagedClusters',
      provisioningState: 'Succeeded',
      aadProfile: { managed: true, enableAzureRbac: false, tenantID: TENANT },
      disableLocalAccounts: false,
      fqdn: expect.stringMatching(/^demo-dns-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/),
    });
  });

  it('with the public authority (by its real name through HTTPS_PROXY) MSAL Node asks no discovery: it posts straight to the token endpoint', async () => {
    for (const disableInstanceDiscovery of [true, false]) {
      const before = azure.entra.requests.length;
      const proxied = azure.proxied.length;
      const out = await client(
        {
          authorityHost: 'https://login.microsoftonline.com',
          scope: `${AKS_SERVER_APP_ID}/.default`,
          disableInstanceDiscovery,
        },
        await ciToken(),
        { HTTPS_PROXY: azure.proxyUrl },
      );
      expect(out.error, String(disableInstanceDiscovery)).toBeUndefined();
      expect(
        azure.entra.requests.slice(before).map((r) => `${r.method} ${r.host} ${r.kind}`),
      ).toEqual(['POST login.microsoftonline.com token']);
      expect(azure.proxied.slice(proxied).map((p) => p.target)).toEqual([
        'login.microsoftonline.com:443',
      ]);
    }
  });

  it('the China cloud by its real names (HTTPS_PROXY): Entra at login.chinacloudapi.cn issues sts.chinacloudapi.cn tokens, ARM at management.chinacloudapi.cn hands out kubelogin --environment AzureChinaCloud', async () => {
    const before = azure.entra.requests.length;
    const armBefore = azure.arm.requests.length;
    const out = await client(
      {
        authorityHost: 'https://login.chinacloudapi.cn',
        scope: `${AKS_SERVER_APP_ID}/.default`,
        arm: {
          endpoint: 'https://management.chinacloudapi.cn',
          scope: 'https://management.chinacloudapi.cn/.default',
        },
      },
      await ciToken(),
      { HTTPS_PROXY: azure.proxyUrl },
    );
    expect(out.error).toBeUndefined();
    expect(out.token?.claims['iss']).toBe(`https://sts.chinacloudapi.cn/${TENANT}/`);
    expect(new Set(azure.entra.requests.slice(before).map((r) => r.host))).toEqual(
      new Set(['login.chinacloudapi.cn']),
    );
    expect(azure.arm.requests.slice(armBefore).map((r) => `${r.host} ${r.status}`)).toEqual([
      'management.chinacloudapi.cn 200',
    ]);
    expect(out.kubeconfigs?.[0]?.value).toContain('- AzureChinaCloud\n');
    // A public cloud's ARM token is not for China's ARM.
    const response = await send(
      new URL(`${CLUSTER_ID}/listClusterUserCredential?api-version=2024-05-01`, azure.armUrl),
      {
        method: 'POST',
        headers: {
          host: 'management.chinacloudapi.cn',
          authorization: `Bearer ${await azure.entra.mintAccessToken(TENANT, CLIENT, 'https://management.azure.com')}`,
        },
      },
    );
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({
      error: { code: 'InvalidAuthenticationTokenAudience' },
    });
  });

  it('errors as @azure/identity throws them (700213, 700024) and as the ARM SDK throws them (AuthorizationFailed)', async () => {
    const subject = await client(
      { scope: `${AKS_SERVER_APP_ID}/.default` },
      await ciToken({ sub: 'repo:org/app:ref:refs/heads/dev' }),
    );
    console.log(`@azure/identity on AADSTS700213: ${JSON.stringify(subject.error)}`);
    // Not an AuthenticationError with errorResponse/statusCode: MSAL's ServerError is rethrown as
    // AuthenticationRequiredError, the service's answer folded into the message.
    expect(subject.error).toMatchObject({ name: 'AuthenticationRequiredError' });
    expect(subject.error?.statusCode).toBeUndefined();
    expect(subject.error?.errorResponse).toBeUndefined();
    expect(subject.error?.message).toMatch(
      /^invalid_client: Error\(s\): 700213 - Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ - Description: AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:org\/app:ref:refs\/heads\/dev'\. .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \S+ \S+ - Correlation ID: [0-9a-f-]{36} - Trace ID: [0-9a-f-]{36}$/,
    );

    const now = Math.floor(Date.now() / 1000);
    const expired = await client(
      { scope: `${AKS_SERVER_APP_ID}/.default` },
      await ciToken({ iat: now - 600, nbf: now - 600, exp: now - 300 }),
    );
    console.log(`@azure/identity on AADSTS700024: ${JSON.stringify(expired.error)}`);
    expect(expired.error).toMatchObject({ name: 'AuthenticationRequiredError' });
    expect(expired.error?.message).toMatch(
      /^invalid_client: Error\(s\): 700024 - Timestamp: .* - Description: AADSTS700024: Client assertion is not within its valid time range\. /,
    );

    const denied = await client(
      { arm: { resourceGroup: 'other-rg', cluster: 'local' } },
      await ciToken(),
    );
    console.log(
      `@azure/arm-containerservice on AuthorizationFailed: ${JSON.stringify(denied.error)}`,
    );
    expect(denied.error).toMatchObject({
      name: 'RestError',
      statusCode: 403,
      code: 'AuthorizationFailed',
    });
    expect(denied.error?.message).toBe(
      `The client '${OID}' with object id '${OID}' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action' over scope '/subscriptions/${SUB}/resourceGroups/other-rg/providers/Microsoft.ContainerService/managedClusters/local' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  });
});

describe("the test servers' own checks, asked directly", () => {
  const arm = (path: string, token?: string, method = 'POST') =>
    rawRequest(azure.armUrl, azure.caData, path, { method, ...(token ? { token } : {}) });
  const credentials = (id = CLUSTER_ID) => `${id}/listClusterUserCredential?api-version=2024-05-01`;
  const armToken = (overrides: Record<string, unknown> = {}, client = CLIENT) =>
    azure.entra.mintAccessToken(TENANT, client, 'https://management.azure.com', overrides);
  const errorOf = (body: string) =>
    (JSON.parse(body) as { error: { code: string; message: string } }).error;

  it('ARM: 401s in order (no header, bad header, bad signature, expired, audience, tenant), each with WWW-Authenticate', async () => {
    const none = await arm(credentials());
    expect(none.status).toBe(401);
    expect(errorOf(none.body)).toEqual({
      code: 'AuthenticationFailed',
      message: "Authentication failed. The 'Authorization' header is missing.",
    });
    expect(none.headers['www-authenticate']).toMatch(
      /^Bearer authorization_uri="https:\/\/login\.windows\.net\/", error="invalid_token"/,
    );
    const basic = await send(new URL(credentials(), azure.armUrl), {
      method: 'POST',
      headers: { authorization: 'Basic eDp5' },
    });
    expect(basic.status).toBe(401);
    expect(errorOf(basic.body).code).toBe('AuthenticationFailedInvalidHeader');
    const forged = await arm(credentials(), `${(await armToken()).slice(0, -4)}AAAA`);
    expect(errorOf(forged.body)).toEqual({
      code: 'InvalidAuthenticationToken',
      message: 'The access token is invalid.',
    });
    const now = Math.floor(Date.now() / 1000);
    const expired = await arm(credentials(), await armToken({ exp: now - 60 }));
    expect(expired.status).toBe(401);
    expect(errorOf(expired.body).code).toBe('ExpiredAuthenticationToken');
    expect(errorOf(expired.body).message).toMatch(
      /^The access token expiry UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d:\d\d [AP]M' is earlier than current UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d\d:\d\d [AP]M'\.$/,
    );
    const aks = await arm(
      credentials(),
      await azure.entra.mintAccessToken(TENANT, CLIENT, AKS_SERVER_APP_ID),
    );
    expect(errorOf(aks.body)).toEqual({
      code: 'InvalidAuthenticationTokenAudience',
      message: `The access token has been obtained for wrong audience or resource '${AKS_SERVER_APP_ID}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.`,
    });
    const tenant = await arm(
      credentials(
        `/subscriptions/${OTHER_SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x`,
      ),
      await armToken(),
    );
    expect(tenant.status).toBe(401);
    expect(errorOf(tenant.body).code).toBe('InvalidAuthenticationTokenTenant');
    expect(errorOf(tenant.body).message).toMatch(
      new RegExp(
        `^The access token is from the wrong issuer 'https://sts\\.windows\\.net/${TENANT}/'\\. It must match the tenant 'https://sts\\.windows\\.net/${OTHER_TENANT}/' associated with this subscription\\.`,
      ),
    );
  });

  it('ARM: 403 before 404 (an unknown cluster without a role is AuthorizationFailed); with a role, ResourceGroupNotFound, ResourceNotFound, SubscriptionNotFound', async () => {
    const token = await armToken();
    const unknown = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/nope`;
    const denied = await arm(credentials(unknown), token);
    expect(denied.status).toBe(403);
    expect(errorOf(denied.body).code).toBe('AuthorizationFailed');
    expect(errorOf(denied.body).message).toContain(
      `over scope '${unknown}' or the scope is invalid.`,
    );

    const mi = await armToken({}, MI_CLIENT);
    const group = await arm(
      credentials(
        `/subscriptions/${SUB}/resourceGroups/nope-rg/providers/Microsoft.ContainerService/managedClusters/x`,
      ),
      mi,
    );
    expect([group.status, errorOf(group.body)]).toEqual([
      404,
      { code: 'ResourceGroupNotFound', message: "Resource group 'nope-rg' could not be found." },
    ]);
    const cluster = await arm(credentials(unknown), mi);
    expect([cluster.status, errorOf(cluster.body).code]).toEqual([404, 'ResourceNotFound']);
    // Case-insensitive paths and names, as ARM's.
    const lower = await arm(credentials(CLUSTER_ID.toLowerCase().replace('/demo', '/DEMO')), mi);
    expect(lower.status, lower.body).toBe(200);

    const missing = '00000000-0000-4000-8000-000000000000';
    azure.arm.roleAssignments.push({ principalId: MI_OID, role: 'Reader', scope: '/' });
    try {
      const sub = await arm(
        `/subscriptions/${missing}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x?api-version=2024-05-01`,
        mi,
        'GET',
      );
      expect([sub.status, errorOf(sub.body)]).toEqual([
        404,
        {
          code: 'SubscriptionNotFound',
          message: `The subscription '${missing}' could not be found.`,
        },
      ]);
    } finally {
      azure.arm.roleAssignments.pop();
    }
    const version = await arm(CLUSTER_ID, mi, 'GET');
    expect([version.status, errorOf(version.body).code]).toEqual([
      400,
      'MissingApiVersionParameter',
    ]);
  });

  it('Entra: the error body shape, the correlation id echoed, 90002, 1002012, 500011, 700027 (foreign key), 50049', async () => {
    const entra = (
      path: string,
      form?: Record<string, string>,
      headers: Record<string, string> = {},
    ) =>
      send(new URL(path, azure.entraUrl), {
        method: form ? 'POST' : 'GET',
        headers: {
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
    const form = async (overrides: Record<string, string> = {}) => ({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      scope: `${AKS_SERVER_APP_ID}/.default`,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await ciToken(),
      ...overrides,
    });
    const ok = await entra(`/${TENANT}/oauth2/v2.0/token`, await form());
    expect(ok.status).toBe(200);
    const answer = JSON.parse(ok.body) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual([
      'token_type',
      'expires_in',
      'ext_expires_in',
      'access_token',
    ]);
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });

    const correlation = '11111111-2222-4333-8444-555555555555';
    const bad = await entra(
      `/${TENANT}/oauth2/v2.0/token`,
      await form({ client_assertion: await ciToken({ sub: 'repo:x/y:ref:refs/heads/main' }) }),
      { 'client-request-id': correlation },
    );
    expect(bad.status).toBe(401);
    const error = JSON.parse(bad.body) as EntraErrorBody;
    expect(Object.keys(error)).toEqual([
      'error',
      'error_description',
      'error_codes',
      'timestamp',
      'trace_id',
      'correlation_id',
      'error_uri',
    ]);
    expect(error).toMatchObject({
      error: 'invalid_client',
      error_codes: [700213],
      correlation_id: correlation,
      error_uri: `${new URL(azure.entraUrl).host}/error?code=700213`.replace(/^/, 'https://'),
    });
    expect(error.error_description).toMatch(AAD_TRAILER);
    expect(error.error_description).toContain(
      `Correlation ID: ${correlation} Timestamp: ${error.timestamp}`,
    );

    const codeOf = (r: { status: number; body: string }) => [
      r.status,
      (JSON.parse(r.body) as EntraErrorBody).error,
      (JSON.parse(r.body) as EntraErrorBody).error_codes[0],
    ];
    expect(codeOf(await entra(`/nope/v2.0/.well-known/openid-configuration`))).toEqual([
      400,
      'invalid_request',
      90002,
    ]);
    expect(
      codeOf(await entra(`/${OTHER_TENANT.replace('0b', '0c')}/oauth2/v2.0/token`, await form())),
    ).toEqual([400, 'invalid_request', 90002]);
    expect(
      codeOf(await entra(`/${TENANT}/oauth2/v2.0/token`, await form({ scope: AKS_SERVER_APP_ID }))),
    ).toEqual([400, 'invalid_scope', 1002012]);
    expect(
      codeOf(
        await entra(
          `/${TENANT}/oauth2/v2.0/token`,
          await form({ scope: 'https://vault.azure.net/.default' }),
        ),
      ),
    ).toEqual([400, 'invalid_resource', 500011]);
    const foreign = await issuer.mint({ aud: TOKEN_EXCHANGE_AUDIENCE }, 'foreign');
    expect(
      codeOf(
        await entra(`/${TENANT}/oauth2/v2.0/token`, await form({ client_assertion: foreign })),
      ),
    ).toEqual([401, 'invalid_client', 700027]);
    expect(azure.refusals.at(-1)?.reason).toBe('AADSTS700027: signature verification failed');
    expect(
      codeOf(
        await entra(
          `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://login.example.com/${TENANT}/oauth2/v2.0/authorize`)}`,
        ),
      ),
    ).toEqual([400, 'invalid_instance', 50049]);
    // The v2 discovery document names this server's own origin (MSAL Node 7 checks the issuer's host).
    const document = JSON.parse(
      (await entra(`/${TENANT}/v2.0/.well-known/openid-configuration`)).body,
    ) as Record<string, string>;
    expect(document['issuer']).toBe(`${azure.entraUrl}/${TENANT}/v2.0`);
    expect(document['token_endpoint']).toBe(`${azure.entraUrl}/${TENANT}/oauth2/v2.0/token`);
  });

  it('a local-accounts cluster (no Entra): its clusterUser kubeconfig carries a static token kubectl gets in with; Entra tokens are refused there', async () => {
    azure.arm.roleAssignments.push({
      principalId: OID,
      role: 'Azure Kubernetes Service Cluster User Role',
      scope: `/subscriptions/${SUB}/resourceGroups/other-rg`,
    });
    try {
      const id = `/subscriptions/${SUB}/resourceGroups/other-rg/providers/Microsoft.ContainerService/managedClusters/local`;
      const response = await arm(credentials(id), await armToken());
      expect(response.status, response.body).toBe(200);
      const { kubeconfigs } = JSON.parse(response.body) as {
        kubeconfigs: Array<{ name: string; value: string }>;
      };
      const kubeconfig = Buffer.from(kubeconfigs[0]?.value ?? '', 'base64').toString('utf8');
      const user = (parseYaml(kubeconfig) as { users: Array<{ user: Record<string, unknown> }> })
        .users[0]?.user;
      expect(Object.keys(user ?? {})).toEqual(['token']);
      const result = await kubectl(['get', 'namespaces', '-o', 'name'], { kubeconfig });
      expect(result.code, result.stderr).toBe(0);
      expect(azure.reviews.at(-1)).toMatchObject({
        cluster: 'local',
        user: 'masterclient',
        groups: ['system:masters', 'system:authenticated'],
      });
      const entraToken = await azure.entra.mintAccessToken(TENANT, CLIENT, AKS_SERVER_APP_ID);
      const refused = await probe(entraToken, local);
      expect(refused.status).toBe(401);
      expect(refused.reason).toBe(
        'not the local account token of this cluster (no Entra integration)',
      );
      const cluster = await arm(`${id}?api-version=2024-05-01`, await armToken(), 'GET');
      const properties = (JSON.parse(cluster.body) as { properties: Record<string, unknown> })
        .properties;
      expect(properties['aadProfile']).toBeUndefined();
      expect(properties['disableLocalAccounts']).toBe(false);
    } finally {
      azure.arm.roleAssignments.pop();
    }
  });

  it('Azure RBAC for Kubernetes: an "Azure Kubernetes Service RBAC Reader" assignment on a namespace reads its pods, not its secrets nor other namespaces', async () => {
    const token = await azure.entra.mintAccessToken(TENANT, CLIENT, AKS_SERVER_APP_ID);
    const previous = kube.authorize;
    kube.authorize = azure.azureRbacAuthorizer(CLUSTER);
    azure.arm.roleAssignments.push({
      principalId: OID,
      role: 'Azure Kubernetes Service RBAC Reader',
      scope: `${CLUSTER_ID}/namespaces/default`,
    });
    try {
      const get = (path: string) =>
        rawRequest(kube.url, kube.caData, path, { token }).then((r) => r.status);
      expect(await get('/api/v1/namespaces/default/pods')).toBe(200);
      expect(await get('/api/v1/namespaces/default/secrets')).toBe(403);
      expect(await get('/api/v1/namespaces/kube-system/pods')).toBe(403);
      expect(await get('/api/v1/namespaces')).toBe(403);
    } finally {
      azure.arm.roleAssignments.pop();
      kube.authorize = previous;
    }
  });
});
