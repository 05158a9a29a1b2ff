// ECR GetAuthorizationToken: the Docker credentials of private ECR registries, as
// aws-actions/amazon-ecr-login and `aws ecr get-login-password` get them.
//
// Wire (ECR API reference; botocore 1.43 sends exactly this):
//   POST https://api.ecr.REGION.amazonaws.com/   (amazonaws.com.cn in China; AWS_ENDPOINT_URL_ECR)
//   Content-Type: application/x-amz-json-1.1
//   X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken
//   body {} or {"registryIds": ["123456789012", ...]}, SigV4 service `ecr`
// 200: {"authorizationData": [{"authorizationToken": base64("AWS:PASSWORD"),
//       "expiresAt": EPOCH_SECONDS, "proxyEndpoint": "https://ID.dkr.ecr.REGION.amazonaws.com"}]}
// (one entry per registry id, or one for the caller's account). The password is valid for 12
// hours, for every repository of that registry the credentials may pull from or push to.
// Errors: JSON {"__type": "AccessDeniedException", "message": ...} (the code may also come in
// x-amzn-ErrorType, or namespaced "com.amazonaws.ecr#..."); moto 5.2 answers its
// authorization refusal in query-API XML (<ErrorResponse><Errors><Error><Code>AccessDenied...),
// read with sts.ts's parser.
import { ActionError } from '../base/errors.js';
import { createHttpClient, type HttpClient, type HttpResponse } from '../net/http.js';
import type { Logger } from '../base/logger.js';
import type { MaskSecret } from '../oidc/token.js';
import { foreign, inertQuoted, bodyExcerpt } from '../base/untrusted.js';
import { signedPostHeaders, type SigningCredentials } from './sigv4.js';
import { callApi } from '../net/api-call.js';
import { DEFAULT_STS_TIMING, parseError, type StsTiming } from './sts.js';
import { ecrEndpointUrl } from './ecr-targets.js';

export {
  ecrEndpointUrl,
  ecrOutputSuffix,
  ecrRegistryHost,
  parseEcrTargets,
  targetsByRegion,
  type EcrTarget,
} from './ecr-targets.js';
import type { Sleep } from '../net/retry.js';

export const GET_AUTHORIZATION_TOKEN_TARGET =
  'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';

export interface EcrLogin {
  /** The registry host, for docker login and the `registry` output. */
  registry: string;
  /** As ECR returned it (https://HOST). */
  proxyEndpoint: string;
  /** Always "AWS". */
  username: string;
  /** Masked. */
  password: string;
  /** ISO 8601, or undefined when ECR gave none. */
  expiresAt: string | undefined;
}

/** An answer of ECR's own (its error JSON or moto's XML): the code says what is wrong. */
export class EcrRefusal extends Error {
  constructor(
    /** AccessDeniedException, InvalidParameterException, ... (escaped). */
    readonly code: string,
    /** ECR's message, escaped and bounded. */
    readonly ecrMessage: string,
    readonly status: number,
    readonly requestId: string | undefined,
    public attempts = 1,
  ) {
    super(ecrMessage ? `${code}: ${ecrMessage}` : code);
    this.name = 'EcrRefusal';
  }
}

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ServerException',
  'ServiceUnavailableException',
  'InternalFailure',
]);

export interface EcrTokenRequest {
  /** The signing region, and the regional endpoint's. */
  region: string;
  partition: string;
  /** AWS_ENDPOINT_URL_ECR (checked, endpoints.ts); undefined: the regional endpoint. */
  endpoint: string | undefined;
  credentials: SigningCredentials;
  /** undefined: the caller's own registry. */
  registryIds: string[] | undefined;
}

export interface EcrDeps {
  logger: Logger;
  mask: MaskSecret;
  timing?: Partial<StsTiming>;
  wait?: Sleep;
  now?: () => Date;
  http?: (timeoutMs: number) => HttpClient;
}

/**
 * GetAuthorizationToken: one login per registry, the passwords (and the base64 tokens, which
 * are Docker's `auth` values) masked as soon as they are decoded. Retries throttling, 5xx and
 * network errors as STS calls are retried; throws EcrRefusal for ECR's final refusals
 * (explainEcrRefusal says what to fix), ActionError for the rest.
 */
export async function getAuthorizationToken(
  request: EcrTokenRequest,
  deps: EcrDeps,
): Promise<EcrLogin[]> {
  const http = deps.http ?? ((timeoutMs: number) => createHttpClient(timeoutMs));
  const endpoint = ecrEndpointUrl(request.region, request.partition, request.endpoint);
  const url = new URL(`${endpoint}/`);
  const body = JSON.stringify(request.registryIds ? { registryIds: request.registryIds } : {});
  const { response } = await callApi(
    {
      name: 'ECR GetAuthorizationToken',
      send: async (timeoutMs) => {
        const headers = await signedPostHeaders({
          service: 'ecr',
          region: request.region,
          credentials: request.credentials,
          url,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': GET_AUTHORIZATION_TOKEN_TARGET,
            accept: 'application/json',
          },
          body,
          now: deps.now?.(),
        });
        return http(timeoutMs).post(url.href, body, headers, timeoutMs);
      },
      refusal: parseEcrError,
      retryableCodes: RETRYABLE_CODES,
      serverError: (answer) => `ECR answered HTTP ${answer.status}`,
      notThisApi: (answer) =>
        new ActionError(
          `ECR GetAuthorizationToken at ${foreign(endpoint)} answered HTTP ${answer.status} without an ECR error (${bodyExcerpt(answer.body)}).`,
          'Is it the ECR API? Check AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL, or unset them for the regional endpoint.',
        ),
      failed: (message, tally) =>
        new ActionError(
          `ECR GetAuthorizationToken at ${foreign(endpoint)} failed: ${message} (${tally}).`,
          'Check that the runner can reach the ECR API (proxy settings: HTTPS_PROXY/NO_PROXY), or set AWS_ENDPOINT_URL_ECR to one it can reach (e.g. a VPC endpoint); re-run the job if ECR had server errors.',
        ),
      explainsExhausted: false,
    },
    { ...DEFAULT_STS_TIMING, ...deps.timing },
    deps,
  );
  return parseAuthorizationData(response.body, deps.mask);
}

/** base64("AWS:PASSWORD") -> its two parts (split at the first colon). */
export function decodeAuthorizationToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new ActionError(
      'ECR answered an authorizationToken that is not base64 of USER:PASSWORD.',
      'Check that AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL point at the ECR API.',
    );
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The 200 answer: one login per authorizationData entry, secrets masked first. Never echoes the body. */
export function parseAuthorizationData(body: string, mask: MaskSecret): EcrLogin[] {
  let entries: unknown;
  try {
    entries = (JSON.parse(body) as { authorizationData?: unknown }).authorizationData;
  } catch {
    entries = undefined;
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ActionError(
      'ECR answered 200, but without authorizationData.',
      'Check that AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL point at the ECR API.',
    );
  }
  return entries.map((entry: unknown): EcrLogin => {
    const record = (entry && typeof entry === 'object' ? entry : {}) as Record<string, unknown>;
    const token = record['authorizationToken'];
    const proxyEndpoint = record['proxyEndpoint'];
    if (typeof token !== 'string' || !token || typeof proxyEndpoint !== 'string') {
      throw new ActionError(
        'ECR answered authorizationData without an authorizationToken and proxyEndpoint.',
      );
    }
    mask(token);
    const { username, password } = decodeAuthorizationToken(token);
    mask(password);
    // Docker's `auth` value as the login writes it (ECR's token, unless that had no padding).
    const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    if (auth !== token) mask(auth);
    let registry: string;
    try {
      const url = new URL(
        /^https?:\/\//.test(proxyEndpoint) ? proxyEndpoint : `https://${proxyEndpoint}`,
      );
      if (url.pathname !== '/' || url.search || url.username) throw new Error('not a host');
      registry = url.host;
    } catch {
      throw new ActionError(
        `ECR answered a proxyEndpoint that is not a registry URL (${foreign(proxyEndpoint, 200)}).`,
      );
    }
    return {
      registry,
      proxyEndpoint: `https://${registry}`,
      username,
      password,
      expiresAt: expiresAtIso(record['expiresAt']),
    };
  });
}

/** `expiresAt`: epoch seconds (a JSON number, as the JSON 1.1 protocol sends timestamps) or a date string. */
function expiresAtIso(value: unknown): string | undefined {
  const date =
    typeof value === 'number'
      ? new Date(value * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
}

/** ECR's error (JSON; moto's query XML too), or undefined when the body is neither. */
export function parseEcrError(response: HttpResponse): EcrRefusal | undefined {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (parsed && typeof parsed === 'object') {
      const body = parsed as Record<string, unknown>;
      code = [body['__type'], body['code'], body['Code']].find(
        (v): v is string => typeof v === 'string' && v !== '',
      );
      message = [body['message'], body['Message']].find((v): v is string => typeof v === 'string');
    }
  } catch {
    // moto's query-API XML: STS's refusal form (sts.ts reads both of its shapes), escaped there.
    const query = parseError(response.body, response.status);
    if (query) {
      const requestId = response.headers['x-amzn-requestid'];
      return new EcrRefusal(
        query.code,
        query.stsMessage,
        response.status,
        query.requestId ?? (typeof requestId === 'string' ? foreign(requestId, 100) : undefined),
      );
    }
  }
  const header = response.headers['x-amzn-errortype'];
  const fromHeader = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
  // `__type` may be namespaced ("com.amazonaws.ecr#ServerException") or carry a URL after ':'.
  const name = (fromHeader || code)?.replace(/^.*#/, '').split(':')[0];
  if (!name) return undefined;
  const requestId = response.headers['x-amzn-requestid'];
  return new EcrRefusal(
    foreign(name, 100),
    bodyExcerpt(message ?? '', 400),
    response.status,
    typeof requestId === 'string' ? foreign(requestId, 100) : undefined,
  );
}

export interface EcrContext {
  region: string;
  /** The session the request was signed with (assumed-role ARN), for the policy's principal. */
  callerArn: string | undefined;
  registryIds: string[] | undefined;
}

/** The identity-policy statement GetAuthorizationToken needs (it has no resource-level permissions). */
export const ECR_LOGIN_STATEMENT = {
  Effect: 'Allow',
  Action: 'ecr:GetAuthorizationToken',
  Resource: '*',
} as const;

/** Turns ECR's final refusal into what to fix. */
export function explainEcrRefusal(refusal: EcrRefusal, context: EcrContext): ActionError {
  const said = `ECR: ${refusal.code}${refusal.ecrMessage ? `, "${refusal.ecrMessage}"` : ''}${refusal.requestId ? `, request id ${refusal.requestId}` : ''}`;
  const role = context.callerArn ? roleOfSession(context.callerArn) : 'the role';
  switch (refusal.code) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      if (/explicit deny/i.test(refusal.ecrMessage)) {
        return new ActionError(
          `Input "ecr-login": a Deny stops ${foreign(role)} from ecr:GetAuthorizationToken (${said}).`,
          'An explicit Deny wins over every Allow: find the Deny for ecr:GetAuthorizationToken (an SCP, a permissions boundary, the session policies of this step) and narrow it.',
        );
      }
      return new ActionError(
        `Input "ecr-login": ${foreign(role)} may not get an ECR login token (${said}).`,
        [
          'Add this statement to a permissions policy of the role (GetAuthorizationToken has no resource-level permissions, so its Resource is "*"):',
          inertQuoted(
            JSON.stringify({ Version: '2012-10-17', Statement: [ECR_LOGIN_STATEMENT] }, null, 2),
          ),
          "Pushing and pulling then need the repository actions (ecr:BatchCheckLayerAvailability, ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage; ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) on arn:aws:ecr:REGION:ACCOUNT:repository/NAME, and, for another account's registry, that repository's policy admitting the role.",
          'If "inline-session-policy" or "managed-session-policies" are set, they must allow ecr:GetAuthorizationToken too.',
        ].join('\n'),
      );
    case 'InvalidParameterException':
      return new ActionError(
        `Input "ecr-login": ECR refused the registry ids ${foreign((context.registryIds ?? []).join(', '))} (${said}).`,
        'Each must be a 12-digit AWS account id with a registry in this region.',
      );
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
    case 'ExpiredTokenException':
    case 'ExpiredToken':
      return new ActionError(
        `ECR does not accept the session's credentials (${said}).`,
        'The session expired or belongs to another partition than this endpoint: check "aws-region" and AWS_ENDPOINT_URL_ECR.',
      );
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return new ActionError(
        `ECR says the request's signature does not match (${said}).`,
        `The request is signed for region ${foreign(context.region)} and service ecr: an endpoint override (AWS_ENDPOINT_URL_ECR) for another region makes such a mismatch.`,
      );
    default:
      return new ActionError(
        `ECR refused GetAuthorizationToken (${said}; HTTP ${refusal.status}${refusal.attempts > 1 ? `, ${refusal.attempts} attempts` : ''}).`,
      );
  }
}

/** arn:P:sts::A:assumed-role/NAME/SESSION -> arn:P:iam::A:role/NAME; else as given. */
function roleOfSession(arn: string): string {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : arn;
}
