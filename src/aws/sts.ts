// STS's query API (Version 2011-06-15), one exchange for both calls this action makes:
// AssumeRoleWithWebIdentity (unsigned: the ID token is the credential) and AssumeRole (role
// chaining, chain.ts: signed with the credentials already in the environment). Both POST a form
// (sts-form.ts), answer the same XML, and are retried alike: network errors, 5xx, 429 and the
// throttling codes with bounded backoff under one deadline; a refusal the call itself can mend
// (an expired ID token: a fresh one; PackedPolicyTooLarge with droppable tags: fewer tags) once;
// every other STS code is final and thrown as a StsRefusal for the explainers.
//
// Answers (API reference): <ACTIONResponse><ACTIONResult><Credentials><AccessKeyId/>
// <SecretAccessKey/><SessionToken/><Expiration/></Credentials><AssumedRoleUser><Arn/>
// <AssumedRoleId/></AssumedRoleUser>...; refusals <ErrorResponse><Error><Code/><Message/>
// </Error><RequestId/></ErrorResponse>, or the same with <Errors> around <Error>, as moto 5.2
// answers its authorization refusals (botocore reads both).
import { XMLParser } from 'fast-xml-parser';
import { callApi, type ApiTiming } from '../net/api-call.js';
import { dnsSuffix } from './partition.js';
import { ActionError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { bodyExcerpt, foreign } from '../base/untrusted.js';
import { createHttpClient, type HttpClient } from '../net/http.js';
import type { Sleep } from '../net/retry.js';
import type { MaskSecret } from '../oidc/token.js';
import type { SessionPolicies } from './session-policy.js';
import { webIdentityForm } from './sts-form.js';

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
  /** `inline-session-policy` / `managed-session-policies`; none when undefined. */
  policies?: SessionPolicies | undefined;
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

/** The timing of every AWS call (STS's, which ECR and EKS share). */
export type StsTiming = ApiTiming;

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

/** What every STS call gets besides its request. */
export interface StsCallDeps {
  logger: Logger;
  mask: MaskSecret;
  timing?: Partial<StsTiming> | undefined;
  wait?: Sleep;
  /** The HTTP client of one attempt (net/http.ts createHttpClient by default). */
  http?: (timeoutMs: number) => HttpClient;
}

export interface StsDeps extends StsCallDeps {
  /** A fresh ID token, asked for once when STS says the token expired. */
  renewToken: () => Promise<string>;
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
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'IDPCommunicationError',
  'InternalFailure',
  'ServiceUnavailable',
]);

/** The explicit endpoint if there is one, else the region's own STS endpoint. */
export function stsEndpointUrl(
  region: string,
  partition: string,
  explicit: string | undefined,
): string {
  if (explicit) return new URL(explicit).href;
  return `https://sts.${region}.${dnsSuffix(region, partition)}/`;
}

export const FORM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
  accept: 'text/xml',
};

/** One STS call: which action, where, and how to make (and mend) each attempt's request. */
export interface StsCall {
  action: 'AssumeRoleWithWebIdentity' | 'AssumeRole';
  endpoint: string;
  /** The form body and headers of one attempt (signed per attempt when signed at all). */
  request: () => Promise<{ body: string; headers: Record<string, string> }>;
  /**
   * A refusal this call can mend by trying again at once (a fresh ID token, fewer tags): it
   * changes what `request` makes next and answers true; false leaves the refusal to the rules.
   */
  mend?: (refusal: StsRefusal) => Promise<boolean>;
}

/**
 * Sends `call` until STS answers credentials, a final refusal (thrown as a StsRefusal), or the
 * attempts or the deadline run out (an ActionError saying what failed how often). The
 * credentials are masked as soon as they are parsed.
 */
export async function callSts(call: StsCall, deps: StsCallDeps): Promise<AssumedRole> {
  const http = deps.http ?? ((timeoutMs: number) => createHttpClient(timeoutMs));
  const { response, attempts } = await callApi(
    {
      name: call.action,
      send: async (timeoutMs) => {
        const { body, headers } = await call.request();
        return http(timeoutMs).post(call.endpoint, body, headers, timeoutMs);
      },
      refusal: (answer) => parseError(answer.body, answer.status),
      retryableCodes: RETRYABLE_CODES,
      serverError: (answer) =>
        `STS answered HTTP ${answer.status} (${bodyExcerpt(answer.body, 80)})`,
      notThisApi: (answer) =>
        new ActionError(
          `STS answered HTTP ${answer.status} without an STS error (${bodyExcerpt(answer.body)}).`,
          `Is ${foreign(call.endpoint)} an STS endpoint? Check "sts-endpoint" / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL, or leave them empty for the regional endpoint.`,
        ),
      failed: (message, tally) =>
        new ActionError(
          `STS ${call.action} at ${foreign(call.endpoint)} failed: ${message} (${tally}).`,
          message.startsWith('STS answered HTTP')
            ? 'STS had server errors: re-run the job; if it persists, check the AWS Health Dashboard for STS in this region, or use another region (its endpoint in "sts-endpoint"; with role-chaining also the region in "aws-region", which the request is signed for).'
            : 'Check that the runner can reach the endpoint (proxy settings: HTTPS_PROXY/NO_PROXY), or set "sts-endpoint" to one it can reach (e.g. a VPC endpoint).',
        ),
      // STS's own last word (throttling to the end included) is for the explainers.
      explainsExhausted: true,
      ...(call.mend ? { mend: call.mend } : {}),
    },
    { ...DEFAULT_STS_TIMING, ...deps.timing },
    deps,
  );
  return { ...parseSuccess(response.body, deps.mask, call.action), attempts };
}

/**
 * AssumeRoleWithWebIdentity with the ID token (and the session policies, if any). Asks for a
 * fresh ID token once on ExpiredTokenException (the token may have aged past its `exp`).
 */
export function assumeRoleWithWebIdentity(
  request: AssumeRoleRequest,
  deps: StsDeps,
): Promise<AssumedRole> {
  let token = request.token;
  let renewed = false;
  return callSts(
    {
      action: 'AssumeRoleWithWebIdentity',
      endpoint: request.endpoint,
      request: () =>
        Promise.resolve({ body: webIdentityForm(request, token), headers: { ...FORM_HEADERS } }),
      mend: async (refusal) => {
        if (refusal.code !== 'ExpiredTokenException' || renewed) return false;
        renewed = true;
        deps.logger.info('STS says the ID token expired; requesting a fresh one');
        token = await deps.renewToken();
        return true;
      },
    },
    deps,
  );
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
 * The success XML of `action`. Never echoes the body: it carries the credentials. Masks the
 * three parts of the credentials before returning, so nothing printed later can show them.
 */
export function parseSuccess(
  body: string,
  mask: MaskSecret,
  action: StsCall['action'] = 'AssumeRoleWithWebIdentity',
): Omit<AssumedRole, 'attempts'> {
  const result = child(child(parseXml(body), `${action}Response`), `${action}Result`);
  const credentials = child(result, 'Credentials');
  const accessKeyId = text(credentials, 'AccessKeyId');
  const secretAccessKey = text(credentials, 'SecretAccessKey');
  const sessionToken = text(credentials, 'SessionToken');
  for (const secret of [secretAccessKey, sessionToken, accessKeyId]) if (secret) mask(secret);
  const expiration = text(credentials, 'Expiration');
  const user = child(result, 'AssumedRoleUser');
  const assumedRoleArn = text(user, 'Arn');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration || !assumedRoleArn) {
    throw new ActionError(
      `STS answered 200, but not with ${action}Result credentials, expiration and assumed-role ARN.`,
      'Check that "sts-endpoint" / AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL points at STS.',
    );
  }
  const date = new Date(expiration);
  return {
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    expiration: Number.isNaN(date.getTime()) ? expiration : date.toISOString(),
    assumedRoleArn,
    assumedRoleId: text(user, 'AssumedRoleId'),
  };
}

/**
 * STS's error XML as a StsRefusal: `<ErrorResponse><Error>` as AWS answers, or with `<Errors>`
 * around `<Error>` as moto 5.2 answers. Undefined when the body is neither (an HTML 500...).
 */
export function parseError(body: string, status: number): StsRefusal | undefined {
  const response = child(parseXml(body), 'ErrorResponse');
  const errors = child(response, 'Errors');
  const error = child(response, 'Error') ?? child(errors, 'Error');
  const code = text(error, 'Code');
  if (!code) return undefined;
  // Everything here is the peer's text, printed later: escaped once, here (a real code or
  // request id has nothing to escape). A message may quote a parameter (a ValidationError can
  // quote the token): JWTs are stripped.
  const message = bodyExcerpt(text(error, 'Message') ?? '', 400);
  const requestId = text(response, 'RequestId') ?? text(errors, 'RequestId');
  return new StsRefusal(
    foreign(code, 100),
    message,
    status,
    requestId === undefined ? undefined : foreign(requestId, 100),
  );
}

export { dnsSuffix } from './partition.js';
