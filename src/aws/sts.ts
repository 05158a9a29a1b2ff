import { XMLParser } from 'fast-xml-parser';
import { ActionError } from '../base/errors.js';
import { createHttpClient } from '../net/http.js';
import type { Logger } from '../base/logger.js';
import type { MaskSecret } from '../oidc/token.js';
import { foreign, bodyExcerpt } from '../base/untrusted.js';
import { retryAfterMs, sleep, withRetries, type Sleep } from '../net/retry.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface AssumeRoleRequest {
  /** The STS URL to POST to (see stsEndpointUrl). */
  endpoint: string;
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  /** The CI job's ID token. */
  token: string;
}

export interface AssumedRole {
  credentials: AwsCredentials;
  /** ISO 8601, as STS wrote it. */
  expiration: string;
  assumedRoleArn: string;
  assumedRoleId: string | undefined;
  /** How many requests it took. */
  attempts: number;
}

export interface StsTiming {
  /** One request, connect to last byte. */
  requestTimeoutMs: number;
  /** No request runs past this many milliseconds after the first began. */
  deadlineMs: number;
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * STS answers in well under a second; a request that has not finished in 8 s is stalled, and
 * 20 s is the most a job should wait for STS before saying so (the reference action has no
 * timeout at all and hangs until the job's own limit).
 */
export const DEFAULT_STS_TIMING: StsTiming = {
  requestTimeoutMs: 8_000,
  deadlineMs: 20_000,
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 3_000,
};

export interface StsDeps {
  logger: Logger;
  mask: MaskSecret;
  /** A fresh ID token, asked for once when STS says the token expired. */
  renewToken: () => Promise<string>;
  timing?: Partial<StsTiming>;
  wait?: Sleep;
}

/** An answer of STS's own (its error XML): the code says what is wrong. */
export class StsRefusal extends Error {
  constructor(
    readonly code: string,
    readonly stsMessage: string,
    readonly status: number,
    readonly requestId: string | undefined,
    /** Requests sent before STS gave this final answer. */
    public attempts = 1,
  ) {
    super(stsMessage ? `${code}: ${stsMessage}` : code);
    this.name = 'StsRefusal';
  }
}

/** Codes that say "try again"; every other code is an answer about the request itself. */
const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'IDPCommunicationError',
  'InternalFailure',
  'ServiceUnavailable',
]);

/** DNS suffix of STS per partition (the SDKs' partition table). */
const PARTITION_SUFFIX: Record<string, string> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
  'aws-eusc': 'amazonaws.eu',
};

/** The explicit endpoint if there is one, else the region's own STS endpoint. */
export function stsEndpointUrl(
  region: string,
  partition: string,
  explicit: string | undefined,
): string {
  if (explicit) return new URL(explicit).href;
  return `https://sts.${region}.${dnsSuffix(region, partition)}/`;
}

/** The DNS suffix of a region's service endpoints (`amazonaws.com.cn` in China). */
export function dnsSuffix(region: string, partition: string): string {
  return region.startsWith('cn-')
    ? 'amazonaws.com.cn'
    : (PARTITION_SUFFIX[partition] ?? 'amazonaws.com');
}

/** The form body of STS AssumeRoleWithWebIdentity (AWS's API reference; docs/aws.md). */
export function assumeRoleForm(request: AssumeRoleRequest, token: string): string {
  return new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: request.roleArn,
    RoleSessionName: request.roleSessionName,
    WebIdentityToken: token,
    DurationSeconds: String(request.durationSeconds),
  }).toString();
}

/**
 * AssumeRoleWithWebIdentity, unsigned (the web identity token is the credential). Retries
 * throttling, IDPCommunicationError, 5xx and network errors with bounded backoff under one
 * deadline; asks for a fresh ID token once on ExpiredTokenException; every other STS code is
 * final and thrown as a StsRefusal for explain.ts. The credentials are masked as soon as they
 * are parsed.
 */
export async function assumeRoleWithWebIdentity(
  request: AssumeRoleRequest,
  deps: StsDeps,
): Promise<AssumedRole> {
  const timing = { ...DEFAULT_STS_TIMING, ...deps.timing };
  const started = Date.now();
  let token = request.token;
  let renewed = false;
  let attempts = 0;

  try {
    return await withRetries<AssumedRole>(
      'AssumeRoleWithWebIdentity',
      async () => {
        attempts++;
        const remaining = timing.deadlineMs - (Date.now() - started);
        const timeoutMs = Math.max(1, Math.min(timing.requestTimeoutMs, remaining));
        let answer: PostAnswer;
        try {
          answer = await postForm(request.endpoint, assumeRoleForm(request, token), timeoutMs);
        } catch (error) {
          return { ok: false, error: new Error(networkMessage(error, timeoutMs)) };
        }
        if (answer.status === 200) {
          return { ok: true, value: { ...parseSuccess(answer.body, deps.mask), attempts } };
        }
        const refusal = parseError(answer.body, answer.status);
        if (!refusal) {
          if (answer.status >= 500 || answer.status === 429) {
            return {
              ok: false,
              error: new Error(
                `STS answered HTTP ${answer.status} (${bodyExcerpt(answer.body, 80)})`,
              ),
              retryAfterMs: retryAfterMs(answer.retryAfter),
            };
          }
          throw new ActionError(
            `STS answered HTTP ${answer.status} without an STS error (${bodyExcerpt(answer.body)}).`,
            `Is ${request.endpoint} an STS endpoint? Check "sts-endpoint" / AWS_ENDPOINT_URL_STS, or leave both empty for the regional endpoint.`,
          );
        }
        refusal.attempts = attempts;
        if (refusal.code === 'ExpiredTokenException' && !renewed) {
          // The token may have aged past its `exp` (GitHub's last 5 minutes); one fresh one.
          renewed = true;
          deps.logger.info('STS says the ID token expired; requesting a fresh one');
          token = await deps.renewToken();
          return { ok: false, error: refusal, retryAfterMs: 0 };
        }
        if (RETRYABLE_CODES.has(refusal.code) || answer.status >= 500) {
          return { ok: false, error: refusal, retryAfterMs: retryAfterMs(answer.retryAfter) };
        }
        throw refusal;
      },
      {
        attempts: timing.attempts,
        baseDelayMs: timing.baseDelayMs,
        maxDelayMs: timing.maxDelayMs,
        deadlineMs: timing.deadlineMs,
      },
      deps.logger,
      deps.wait ?? sleep,
    );
  } catch (error) {
    if (error instanceof StsRefusal || error instanceof ActionError) throw error;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const message = error instanceof Error ? error.message : String(error);
    throw new ActionError(
      `STS at ${request.endpoint} failed: ${foreign(message)} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s).`,
      message.startsWith('STS answered HTTP')
        ? 'STS had server errors: re-run the job; if it persists, check the AWS Health Dashboard for STS in this region, or set "sts-endpoint" to another region\'s endpoint.'
        : 'Check that the runner can reach the endpoint (proxy settings: HTTPS_PROXY/NO_PROXY), or set "sts-endpoint" to one it can reach (e.g. a VPC endpoint).',
    );
  }
}

interface PostAnswer {
  status: number;
  body: string;
  retryAfter: string | string[] | undefined;
}

/** One POST that ends within `timeoutMs` whatever the peer does, silent or trickling. */
async function postForm(url: string, body: string, timeoutMs: number): Promise<PostAnswer> {
  const response = await createHttpClient(timeoutMs).post(
    url,
    body,
    {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      accept: 'text/xml',
    },
    timeoutMs,
  );
  return {
    status: response.status,
    retryAfter: response.headers['retry-after'],
    body: response.body,
  };
}

function networkMessage(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  if (/^no (complete )?answer from /.test(message)) {
    return `no answer within ${(timeoutMs / 1000).toFixed(1)} s`;
  }
  return `network error: ${foreign(message)}`;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

function parseXml(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = parser.parse(body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function child(node: unknown, name: string): unknown {
  return node && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined;
}

function text(node: unknown, name: string): string | undefined {
  const value = child(node, name);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * The success XML. Never echoes the body: it carries the credentials. Masks the three parts
 * of the credentials before returning, so nothing printed later can show them.
 */
export function parseSuccess(body: string, mask: MaskSecret): Omit<AssumedRole, 'attempts'> {
  const result = child(
    child(parseXml(body), 'AssumeRoleWithWebIdentityResponse'),
    'AssumeRoleWithWebIdentityResult',
  );
  const credentials = child(result, 'Credentials');
  const accessKeyId = text(credentials, 'AccessKeyId');
  const secretAccessKey = text(credentials, 'SecretAccessKey');
  const sessionToken = text(credentials, 'SessionToken');
  for (const secret of [secretAccessKey, sessionToken, accessKeyId]) if (secret) mask(secret);
  const expiration = text(credentials, 'Expiration');
  const assumedRoleArn = text(child(result, 'AssumedRoleUser'), 'Arn');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration || !assumedRoleArn) {
    throw new ActionError(
      'STS answered 200, but not with AssumeRoleWithWebIdentityResult credentials, expiration and assumed-role ARN.',
      'Check that "sts-endpoint" / AWS_ENDPOINT_URL_STS points at STS.',
    );
  }
  const date = new Date(expiration);
  return {
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    expiration: Number.isNaN(date.getTime()) ? expiration : date.toISOString(),
    assumedRoleArn,
    assumedRoleId: text(child(result, 'AssumedRoleUser'), 'AssumedRoleId'),
  };
}

/** STS's error XML as a StsRefusal; undefined when the body is not one (an HTML 500...). */
export function parseError(body: string, status: number): StsRefusal | undefined {
  const response = child(parseXml(body), 'ErrorResponse');
  const error = child(response, 'Error');
  const code = text(error, 'Code');
  if (!code) return undefined;
  // Everything here is the peer's text, printed later: escaped once, here (a real code or
  // request id has nothing to escape). A message may quote a parameter (a ValidationError can
  // quote the token): JWTs are stripped.
  const message = bodyExcerpt(text(error, 'Message') ?? '', 400);
  const requestId = text(response, 'RequestId');
  return new StsRefusal(
    foreign(code, 100),
    message,
    status,
    requestId === undefined ? undefined : foreign(requestId, 100),
  );
}
