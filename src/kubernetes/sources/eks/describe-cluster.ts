// EKS DescribeCluster: the cluster's API endpoint and CA, for the kubeconfig. A REST-JSON GET
// signed with SigV4 (service `eks`) by @smithy/signature-v4, sent over net/http.ts (deadlines,
// body bound, proxies), retried as every cloud API call is (net/api-call.ts).
import { ActionError } from '../../../base/errors.js';
import { createHttpClient, type HttpResponse } from '../../../net/http.js';
import type { Logger } from '../../../base/logger.js';
import { foreign, bodyExcerpt } from '../../../base/untrusted.js';
import { callApi } from '../../../net/api-call.js';
import {
  DEFAULT_STS_TIMING,
  dnsSuffix,
  type AwsCredentials,
  type StsTiming,
} from '../../../aws/sts.js';
import { sigV4Signer } from '../../../aws/sigv4.js';
import type { Sleep } from '../../../net/retry.js';

export interface DescribeClusterRequest {
  cluster: string;
  region: string;
  partition: string;
  /** eks-endpoint / AWS_ENDPOINT_URL_EKS; undefined: the regional endpoint. */
  endpoint: string | undefined;
  credentials: AwsCredentials;
}

export interface DescribedCluster {
  /** The API server's https URL. */
  endpoint: string;
  /** Base64 of the cluster CA's PEM. */
  certificateAuthorityData: string;
  arn: string | undefined;
}

/** An answer of EKS's own (its error JSON): the code says what is wrong. */
export class EksRefusal extends Error {
  constructor(
    /** ResourceNotFoundException, AccessDeniedException, ... (already escaped). */
    readonly code: string,
    /** EKS's message, escaped and bounded. */
    readonly eksMessage: string,
    readonly status: number,
    readonly requestId: string | undefined,
    public attempts = 1,
  ) {
    super(eksMessage ? `${code}: ${eksMessage}` : code);
    this.name = 'EksRefusal';
  }
}

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServerException',
  'ServiceUnavailableException',
]);

/** The regional EKS API endpoint, or the explicit one. */
export function eksEndpointUrl(
  region: string,
  partition: string,
  explicit: string | undefined,
): string {
  return (explicit ?? `https://eks.${region}.${dnsSuffix(region, partition)}`).replace(/\/+$/, '');
}

/** DescribeCluster's URL for a cluster: `GET {endpoint}/clusters/NAME`. */
export function describeClusterUrl(endpoint: string, cluster: string): URL {
  return new URL(`${endpoint}/clusters/${encodeURIComponent(cluster)}`);
}

export interface DescribeClusterDeps {
  logger: Logger;
  timing?: Partial<StsTiming>;
  wait?: Sleep;
  now?: () => Date;
}

/**
 * DescribeCluster with the session's credentials. Returns the checked endpoint and CA; throws
 * EksRefusal for EKS's final refusals (explain.ts turns them into what to fix), ActionError for
 * the rest.
 */
export async function describeCluster(
  request: DescribeClusterRequest,
  deps: DescribeClusterDeps,
): Promise<DescribedCluster> {
  const endpoint = eksEndpointUrl(request.region, request.partition, request.endpoint);
  const url = describeClusterUrl(endpoint, request.cluster);
  const { response } = await callApi(
    {
      name: 'EKS DescribeCluster',
      send: async (timeoutMs) => {
        const headers = await signedHeaders(url, request, deps.now?.() ?? new Date());
        return createHttpClient(timeoutMs).get(url.href, headers, timeoutMs);
      },
      refusal: parseEksError,
      retryableCodes: RETRYABLE_CODES,
      serverError: (answer) => `EKS answered HTTP ${answer.status}`,
      notThisApi: (answer) =>
        new ActionError(
          `EKS DescribeCluster at ${foreign(url.href)} answered HTTP ${answer.status} without an EKS error (${bodyExcerpt(answer.body)}).`,
          `Is ${foreign(endpoint)} the EKS API? Check "eks-endpoint" / AWS_ENDPOINT_URL_EKS, or leave both empty for the regional endpoint.`,
        ),
      failed: (message, tally) =>
        new ActionError(
          `EKS DescribeCluster at ${foreign(endpoint)} failed: ${message} (${tally}).`,
          'Check that the runner can reach the EKS API (proxy settings: HTTPS_PROXY/NO_PROXY), or set "eks-endpoint" to one it can reach (e.g. a VPC endpoint); re-run the job if EKS had server errors.',
        ),
      explainsExhausted: false,
    },
    { ...DEFAULT_STS_TIMING, ...deps.timing },
    deps,
  );
  return parseCluster(response.body, request.cluster);
}

/** The SigV4 headers (Authorization, X-Amz-Date, X-Amz-Security-Token) of the GET. */
async function signedHeaders(
  url: URL,
  request: DescribeClusterRequest,
  now: Date,
): Promise<Record<string, string>> {
  const signer = await sigV4Signer('eks', request.region, request.credentials);
  const signed = await signer.sign(
    {
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: {},
      headers: { host: url.host, accept: 'application/json' },
    },
    { signingDate: now },
  );
  return signed.headers;
}

/** EKS's error: the code from x-amzn-ErrorType (else the body's __type/code), the message. */
export function parseEksError(response: HttpResponse): EksRefusal | undefined {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: the header alone may still name the error.
  }
  const header = response.headers['x-amzn-errortype'];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
  const fromBody = [body['__type'], body['code'], body['Code']].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  // `__type` may be namespaced: "com.amazonaws.eks#ResourceNotFoundException".
  const code = (fromHeader || fromBody)?.replace(/^.*#/, '');
  if (!code) return undefined;
  const message = [body['message'], body['Message']].find((v) => typeof v === 'string');
  const requestId = response.headers['x-amzn-requestid'];
  return new EksRefusal(
    foreign(code, 100),
    bodyExcerpt(message ?? '', 400),
    response.status,
    typeof requestId === 'string' ? foreign(requestId, 100) : undefined,
  );
}

/** `cluster.endpoint` (https) and `cluster.certificateAuthority.data` (base64 of a PEM). */
export function parseCluster(body: string, name: string): DescribedCluster {
  let cluster: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(body) as { cluster?: unknown };
    if (parsed.cluster && typeof parsed.cluster === 'object') {
      cluster = parsed.cluster as Record<string, unknown>;
    }
  } catch {
    // Handled below.
  }
  if (!cluster) {
    throw new ActionError(
      `EKS DescribeCluster answered 200 for cluster "${foreign(name)}", but not with a cluster (${bodyExcerpt(body, 120)}).`,
      'Check that "eks-endpoint" / AWS_ENDPOINT_URL_EKS points at the EKS API.',
    );
  }
  const status = typeof cluster['status'] === 'string' ? foreign(cluster['status'], 40) : '';
  const endpoint = cluster['endpoint'];
  const ca = (cluster['certificateAuthority'] as Record<string, unknown> | undefined)?.['data'];
  if (typeof endpoint !== 'string' || !endpoint || typeof ca !== 'string' || !ca) {
    throw new ActionError(
      `EKS cluster "${foreign(name)}" has no API endpoint or CA yet${status ? ` (status ${status})` : ''}.`,
      'A cluster being created gets them when it becomes ACTIVE: wait for it (aws eks wait cluster-active --name NAME), then re-run the job.',
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.username || url.password) {
    throw new ActionError(
      `EKS cluster "${foreign(name)}" has an endpoint that is not an https URL (${foreign(endpoint, 120)}).`,
      'Kubernetes clients send bearer tokens only over HTTPS: check "eks-endpoint" / AWS_ENDPOINT_URL_EKS.',
    );
  }
  const compact = ca.replace(/\s+/g, '');
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ActionError(
      `EKS cluster "${foreign(name)}" has certificateAuthority.data that is not base64 of a PEM certificate.`,
      'Check that "eks-endpoint" / AWS_ENDPOINT_URL_EKS points at the EKS API.',
    );
  }
  const arn = typeof cluster['arn'] === 'string' ? cluster['arn'] : undefined;
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    certificateAuthorityData: compact,
    arn,
  };
}
