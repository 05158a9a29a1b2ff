// Azure Resource Manager's listClusterUserCredential: the kubeconfig AKS hands a cluster user,
// of which the action takes the server, the CA, and what kind of user it is (docs/wire-formats.md,
// 2e). One POST with the ARM token, over net/http.ts, retried on throttling, 5xx and network
// errors; by hand, because the ARM SDK would add about 260 KB for it (docs/aks.md, Design notes).
import { parse } from 'yaml';
import { ActionError } from '../../../base/errors.js';
import type { Logger } from '../../../base/logger.js';
import { bodyExcerpt, foreign } from '../../../base/untrusted.js';
import { createHttpClient, type HttpResponse } from '../../../net/http.js';
import { callApi } from '../../../net/api-call.js';
import type { Sleep } from '../../../net/retry.js';
import { AKS_SERVER_APP_ID } from './clouds.js';
import { DEFAULT_AZURE_TIMING, type AzureTiming } from './msal-network.js';

/** A GA version of the Microsoft.ContainerService API in every cloud (the answer is unchanged). */
export const CONTAINER_SERVICE_API_VERSION = '2024-08-01';

export interface ClusterCredentialRequest {
  /** ARM, e.g. https://management.azure.com. */
  resourceManager: string;
  subscriptionId: string;
  resourceGroup: string;
  cluster: string;
  /** The ARM access token. */
  token: string;
}

/** What the action takes of the cluster user's kubeconfig. */
export interface ClusterUserCredential {
  /** The API server's https URL. */
  server: string;
  /** Base64 of the cluster CA's PEM. */
  certificateAuthorityData: string;
  /**
   * `entra`: the user logs in with kubelogin (an Entra token for the AKS server application);
   * `local`: a cluster without Entra integration, whose user is a static local-account token.
   */
  kind: 'entra' | 'local';
  /** The server application kubelogin would ask a token for (the AKS one unless legacy). */
  serverId: string;
  /** The tenant kubelogin would log in to (the cluster's Entra tenant). */
  tenantId: string | undefined;
  /** The local account's token (`local` only): a secret. */
  localToken: string | undefined;
}

/** An answer of ARM's own (`{"error": {"code", "message"}}`): the code says what is wrong. */
export class ArmRefusal extends Error {
  constructor(
    /** AuthorizationFailed, ResourceNotFound, ... (escaped). */
    readonly code: string,
    /** ARM's message, escaped and bounded. */
    readonly armMessage: string,
    readonly status: number,
    readonly requestId: string | undefined,
    public attempts = 1,
  ) {
    super(armMessage ? `${code}: ${armMessage}` : code);
    this.name = 'ArmRefusal';
  }

  get said(): string {
    return `ARM: ${this.code}${this.armMessage ? `, "${this.armMessage}"` : ''}${this.requestId ? `, request id ${this.requestId}` : ''}`;
  }
}

/** `POST {arm}/subscriptions/S/resourceGroups/RG/providers/.../managedClusters/N/listClusterUserCredential`. */
export function listCredentialUrl(request: Omit<ClusterCredentialRequest, 'token'>): URL {
  const path = [
    'subscriptions',
    request.subscriptionId,
    'resourceGroups',
    request.resourceGroup,
    'providers',
    'Microsoft.ContainerService',
    'managedClusters',
    request.cluster,
    'listClusterUserCredential',
  ]
    .map(encodeURIComponent)
    .join('/');
  const url = new URL(`${request.resourceManager.replace(/\/+$/, '')}/${path}`);
  url.searchParams.set('api-version', CONTAINER_SERVICE_API_VERSION);
  return url;
}

export interface ArmDeps {
  logger: Logger;
  timing?: Partial<AzureTiming>;
  wait?: Sleep;
}

/**
 * The cluster user's credential. Throws ArmRefusal for ARM's final refusals (explain.ts says what
 * to fix), ActionError for the rest.
 */
export async function listClusterUserCredential(
  request: ClusterCredentialRequest,
  deps: ArmDeps,
): Promise<ClusterUserCredential> {
  const url = listCredentialUrl(request);
  const { response: answer } = await callApi(
    {
      name: 'ARM listClusterUserCredential',
      send: (timeoutMs) =>
        createHttpClient(timeoutMs).post(
          url.href,
          '',
          {
            authorization: `Bearer ${request.token}`,
            accept: 'application/json',
            'content-type': 'application/json',
          },
          timeoutMs,
        ),
      refusal: parseArmError,
      serverError: (response) => `ARM answered HTTP ${response.status}`,
      notThisApi: (response) =>
        new ActionError(
          `ARM listClusterUserCredential at ${foreign(url.origin)} answered HTTP ${response.status} without an ARM error (${bodyExcerpt(response.body)}).`,
          `Is ${foreign(request.resourceManager)} Azure Resource Manager? Check "azure-resource-manager-endpoint", or leave it empty for the cloud's ("azure-environment").`,
        ),
      failed: (message, tally) =>
        new ActionError(
          `ARM listClusterUserCredential at ${foreign(url.origin)} failed: ${message} (${tally}).`,
          'Check that the runner can reach Azure Resource Manager (proxy settings: HTTPS_PROXY/NO_PROXY), or set "azure-resource-manager-endpoint" to one it can reach; re-run the job if ARM had server errors.',
        ),
      explainsExhausted: false,
    },
    { ...DEFAULT_AZURE_TIMING, ...deps.timing },
    deps,
  );
  return parseCredentialResults(answer.body, request.cluster);
}

/** ARM's error: `{"error": {"code", "message"}}`, with its request id header. */
export function parseArmError(response: HttpResponse): ArmRefusal | undefined {
  let error: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(response.body) as { error?: unknown };
    if (parsed.error && typeof parsed.error === 'object') {
      error = parsed.error as Record<string, unknown>;
    }
  } catch {
    // Not JSON: no ARM error.
  }
  const code = error?.['code'];
  if (typeof code !== 'string' || !code) return undefined;
  const message = typeof error?.['message'] === 'string' ? error['message'] : '';
  const id = response.headers['x-ms-request-id'] ?? response.headers['x-ms-correlation-request-id'];
  return new ArmRefusal(
    foreign(code, 100),
    bodyExcerpt(message, 600),
    response.status,
    typeof id === 'string' ? foreign(id, 64) : undefined,
  );
}

type Mapping = Record<string, unknown>;
const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** `{"kubeconfigs": [{"name": "clusterUser", "value": <base64 kubeconfig>}]}` -> the credential. */
export function parseCredentialResults(body: string, cluster: string): ClusterUserCredential {
  const name = foreign(cluster, 100);
  const unusable = (what: string) =>
    new ActionError(
      `The kubeconfig AKS handed out for cluster "${name}" ${what}.`,
      'Check that "azure-resource-manager-endpoint" points at Azure Resource Manager; a cluster being created gets its credentials once it has succeeded (az aks wait --created).',
    );
  let kubeconfigs: unknown;
  try {
    kubeconfigs = (JSON.parse(body) as { kubeconfigs?: unknown }).kubeconfigs;
  } catch {
    kubeconfigs = undefined;
  }
  const entries = Array.isArray(kubeconfigs) ? kubeconfigs.filter(isMapping) : [];
  const entry = entries.find((k) => k['name'] === 'clusterUser') ?? entries[0];
  const value = entry?.['value'];
  if (typeof value !== 'string' || !value) {
    throw new ActionError(
      `ARM listClusterUserCredential answered 200 for cluster "${name}", but without a kubeconfig (${bodyExcerpt(body, 120)}).`,
      'Check that "azure-resource-manager-endpoint" points at Azure Resource Manager.',
    );
  }
  let config: unknown;
  try {
    config = parse(Buffer.from(value, 'base64').toString('utf8'), { maxAliasCount: 10 });
  } catch {
    throw unusable('is not YAML');
  }
  if (!isMapping(config)) throw unusable('is not a kubeconfig');
  const list = (key: string) => (Array.isArray(config[key]) ? config[key].filter(isMapping) : []);
  const contexts = list('contexts');
  const context =
    contexts.find((c) => c['name'] === config['current-context'])?.['context'] ??
    contexts[0]?.['context'];
  const wanted = isMapping(context) ? context : {};
  const pick = (key: string, by: unknown) => {
    const all = list(key);
    const body = (all.find((e) => e['name'] === by) ?? all[0])?.[key.slice(0, -1)];
    return isMapping(body) ? body : undefined;
  };
  const clusterEntry = pick('clusters', wanted['cluster']);
  const server = clusterEntry?.['server'];
  const ca = clusterEntry?.['certificate-authority-data'];
  if (typeof server !== 'string' || !server) throw unusable('has no server');
  let url: URL | undefined;
  try {
    url = new URL(server);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.username || url.password) {
    throw unusable(`has a server that is not an https URL (${foreign(server, 120)})`);
  }
  const compact = typeof ca === 'string' ? ca.replace(/\s+/g, '') : '';
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw unusable('has no certificate-authority-data of a PEM certificate');
  }
  const user = pick('users', wanted['user']) ?? {};
  return {
    server: server.replace(/\/+$/, ''),
    certificateAuthorityData: compact,
    ...userKind(user, name),
  };
}

/** Entra (kubelogin exec or the azure auth-provider) or a local account's static token. */
function userKind(
  user: Mapping,
  cluster: string,
): Pick<ClusterUserCredential, 'kind' | 'serverId' | 'tenantId' | 'localToken'> {
  const exec = user['exec'];
  const provider = user['auth-provider'];
  if (isMapping(exec)) {
    const args = Array.isArray(exec['args']) ? exec['args'].map(String) : [];
    const after = (flag: string) => {
      const i = args.indexOf(flag);
      return i >= 0 ? args[i + 1] : undefined;
    };
    return entra(after('--server-id'), after('--tenant-id'));
  }
  if (isMapping(provider) && provider['name'] === 'azure') {
    const config = isMapping(provider['config']) ? provider['config'] : {};
    return entra(config['apiserver-id'], config['tenant-id']);
  }
  if (typeof user['token'] === 'string' && user['token']) {
    return {
      kind: 'local',
      serverId: AKS_SERVER_APP_ID,
      tenantId: undefined,
      localToken: user['token'],
    };
  }
  if (user['client-certificate-data']) {
    throw new ActionError(
      `AKS cluster "${cluster}" has no Entra integration, and its local account's credential is a client certificate without a token.`,
      'This action authenticates with bearer tokens. Enable Entra integration (az aks update --resource-group RG --name NAME --enable-aad --enable-azure-rbac), which also makes the credential short-lived (docs/aks.md).',
    );
  }
  throw new ActionError(
    `The kubeconfig AKS handed out for cluster "${cluster}" has a user this action does not know (neither kubelogin nor a token).`,
  );
}

function entra(serverId: unknown, tenantId: unknown): ReturnType<typeof userKind> {
  return {
    kind: 'entra',
    serverId:
      typeof serverId === 'string' && GUID.test(serverId)
        ? serverId.toLowerCase()
        : AKS_SERVER_APP_ID,
    tenantId: typeof tenantId === 'string' && tenantId ? tenantId : undefined,
    localToken: undefined,
  };
}
