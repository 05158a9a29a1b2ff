// Role chaining: STS AssumeRole, a query-API POST signed with SigV4 (service `sts`) with the
// credentials already in the environment (a session of an earlier step, an IAM user's keys),
// over src/http.ts (deadline, bounded body, proxies), with the retries and timing of sts.ts's
// AssumeRoleWithWebIdentity: network errors, 5xx, 429 and throttling codes are retried with
// backoff under one deadline; every other STS code is final and thrown as a StsRefusal for
// explain-assume-role.ts. Like configure-aws-credentials, a PackedPolicyTooLarge answer to a
// tagged request is retried once without the droppable tags (session-tags.ts).
//
// STS's answer (API reference, AssumeRole):
//   <AssumeRoleResponse><AssumeRoleResult>
//     <Credentials><AccessKeyId/><SecretAccessKey/><SessionToken/><Expiration/></Credentials>
//     <AssumedRoleUser><Arn>arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION</Arn><AssumedRoleId/></AssumedRoleUser>
//     <PackedPolicySize/>
//   </AssumeRoleResult></AssumeRoleResponse>
// and its errors are the ErrorResponse XML of AssumeRoleWithWebIdentity (sts.ts parseError).
import { XMLParser } from 'fast-xml-parser';
import { ActionError } from '../base/errors.js';
import { createHttpClient, type HttpClient, type HttpResponse } from '../net/http.js';
import type { Logger } from '../base/logger.js';
import type { MaskSecret } from '../oidc/token.js';
import { foreign, bodyExcerpt } from '../base/untrusted.js';
import { profileCredentials } from './profile.js';
import { withoutDroppableTags, DROPPABLE_TAG_KEYS } from './session-tags.js';
import { signedPostHeaders, type SigningCredentials } from './signer.js';
import { assumeRoleForm, type AssumeRoleForm } from './sts-form.js';
import {
  DEFAULT_STS_TIMING,
  parseError,
  StsRefusal,
  type AssumedRole,
  type StsTiming,
} from './sts.js';
import { retryAfterMs, sleep, withRetries, type Sleep } from '../net/retry.js';

export interface ChainRequest extends AssumeRoleForm {
  /** The STS URL to POST to (sts.ts stsEndpointUrl). */
  endpoint: string;
  /** The signing region (the STS endpoint's region). */
  region: string;
  /** The credentials to sign with: those already in the environment. */
  source: SigningCredentials;
}

export interface ChainDeps {
  logger: Logger;
  mask: MaskSecret;
  timing?: Partial<StsTiming>;
  wait?: Sleep;
  now?: () => Date;
  /** The HTTP client for one attempt (src/http.ts createHttpClient by default). */
  http?: (timeoutMs: number) => HttpClient;
}

/** Codes that say "try again"; every other code is an answer about the request itself. */
const RETRYABLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalFailure',
  'ServiceUnavailable',
]);

/**
 * sts:AssumeRole of `request.roleArn` with `request.source`. The new credentials are masked as
 * soon as they are parsed; the source credentials are the caller's to mask (they were exported
 * by an earlier step, which masked them in that step's log, not in this one's).
 */
export async function chainRole(request: ChainRequest, deps: ChainDeps): Promise<AssumedRole> {
  const timing = { ...DEFAULT_STS_TIMING, ...deps.timing };
  const http = deps.http ?? ((timeoutMs: number) => createHttpClient(timeoutMs));
  const url = new URL(request.endpoint);
  const started = Date.now();
  let tags = request.tags ?? [];
  let droppedTags = false;
  let attempts = 0;

  try {
    return await withRetries<AssumedRole>(
      'AssumeRole',
      async (_n, remaining) => {
        attempts++;
        const timeoutMs = Math.max(1, Math.min(timing.requestTimeoutMs, remaining));
        const body = assumeRoleForm({
          ...request,
          tags,
          transitiveTagKeys: (request.transitiveTagKeys ?? []).filter((key) =>
            tags.some((tag) => tag.key === key),
          ),
        });
        let answer: HttpResponse;
        try {
          const headers = await signedPostHeaders({
            service: 'sts',
            region: request.region,
            credentials: request.source,
            url,
            headers: {
              'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
              accept: 'text/xml',
            },
            body,
            now: deps.now?.(),
          });
          answer = await http(timeoutMs).post(url.href, body, headers, timeoutMs);
        } catch (error) {
          const message = error instanceof Error ? error.message || error.name : String(error);
          return { ok: false, error: new Error(`network error: ${foreign(message)}`) };
        }
        if (answer.status === 200) {
          return {
            ok: true,
            value: { ...parseAssumeRoleSuccess(answer.body, deps.mask), attempts },
          };
        }
        const refusal = parseStsRefusal(answer.body, answer.status);
        if (!refusal) {
          if (answer.status >= 500 || answer.status === 429) {
            return {
              ok: false,
              error: new Error(
                `STS answered HTTP ${answer.status} (${bodyExcerpt(answer.body, 80)})`,
              ),
              retryAfterMs: retryAfterMs(answer.headers['retry-after']),
            };
          }
          throw new ActionError(
            `STS answered HTTP ${answer.status} without an STS error (${bodyExcerpt(answer.body)}).`,
            `Is ${foreign(request.endpoint)} an STS endpoint? Check "sts-endpoint" / AWS_ENDPOINT_URL_STS, or leave both empty for the regional endpoint.`,
          );
        }
        refusal.attempts = attempts;
        if (
          refusal.code === 'PackedPolicyTooLarge' &&
          !droppedTags &&
          tags.some((tag) => DROPPABLE_TAG_KEYS.has(tag.key))
        ) {
          droppedTags = true;
          tags = withoutDroppableTags(tags);
          deps.logger.info(
            'STS says the session policies and tags are too large once packed; retrying without the tags EventName, BaseRef, HeadRef, RunId, Job and TriggeringActor',
          );
          return { ok: false, error: refusal, retryAfterMs: 0 };
        }
        if (RETRYABLE_CODES.has(refusal.code) || answer.status >= 500) {
          return {
            ok: false,
            error: refusal,
            retryAfterMs: retryAfterMs(answer.headers['retry-after']),
          };
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
    if (error instanceof ActionError) throw error;
    if (error instanceof StsRefusal && !RETRYABLE_CODES.has(error.code) && error.status < 500) {
      throw error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const message = error instanceof Error ? error.message : String(error);
    throw new ActionError(
      `STS AssumeRole at ${foreign(request.endpoint)} failed: ${foreign(message)} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s).`,
      /^network error/.test(message)
        ? 'Check that the runner can reach the endpoint (proxy settings: HTTPS_PROXY/NO_PROXY), or set "sts-endpoint" to one it can reach (e.g. a VPC endpoint).'
        : 'STS had server errors or kept throttling: re-run the job; if it persists, check the AWS Health Dashboard for STS in this region, or set "sts-endpoint" to another region\'s endpoint.',
    );
  }
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

function child(node: unknown, name: string): unknown {
  return node && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined;
}

function text(node: unknown, name: string): string | undefined {
  const value = child(node, name);
  return typeof value === 'string' ? value : undefined;
}

/**
 * STS's error XML as a StsRefusal (sts.ts parseError: `<ErrorResponse><Error>`, as AWS answers),
 * or the same wrapped in `<Errors>`, as moto 5.2 answers its authorization refusals (botocore
 * reads both). Undefined when the body is neither (an HTML 500...).
 */
export function parseStsRefusal(body: string, status: number): StsRefusal | undefined {
  const refusal = parseError(body, status);
  if (refusal) return refusal;
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    return undefined;
  }
  const response = child(parsed, 'ErrorResponse');
  const error = child(child(response, 'Errors'), 'Error');
  const code = text(error, 'Code');
  if (!code) return undefined;
  const requestId = text(response, 'RequestId') ?? text(child(response, 'Errors'), 'RequestId');
  return new StsRefusal(
    foreign(code, 100),
    bodyExcerpt(text(error, 'Message') ?? '', 400),
    status,
    requestId === undefined ? undefined : foreign(requestId, 100),
  );
}

/**
 * AssumeRole's success XML. Never echoes the body (it carries credentials); masks the three
 * parts of the credentials before returning.
 */
export function parseAssumeRoleSuccess(
  body: string,
  mask: MaskSecret,
): Omit<AssumedRole, 'attempts'> {
  let parsed: unknown;
  try {
    parsed = parser.parse(body);
  } catch {
    parsed = undefined;
  }
  const result = child(child(parsed, 'AssumeRoleResponse'), 'AssumeRoleResult');
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
      'STS answered 200, but not with AssumeRoleResult credentials, expiration and assumed-role ARN.',
      'Check that "sts-endpoint" / AWS_ENDPOINT_URL_STS points at STS.',
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
 * The credentials role chaining starts from, as an earlier step left them: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and, if set, AWS_SESSION_TOKEN (this action's aws mode,
 * configure-aws-credentials); else, with AWS_PROFILE set, that profile's keys in the shared
 * credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), where "aws-profile"
 * writes them. Empty counts as missing: a post step "unsets" a variable by exporting "".
 * `readText` reads a file, undefined when there is none.
 */
export function chainSourceCredentials(
  env: NodeJS.ProcessEnv,
  readText: (path: string) => string | undefined,
): SigningCredentials & { from: string } {
  const accessKeyId = env['AWS_ACCESS_KEY_ID']?.trim() ?? '';
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY']?.trim() ?? '';
  const sessionToken = env['AWS_SESSION_TOKEN']?.trim() ?? '';
  if (accessKeyId && secretAccessKey) {
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      from: 'AWS_ACCESS_KEY_ID',
    };
  }
  const profile = env['AWS_PROFILE']?.trim();
  if (profile) {
    const file =
      env['AWS_SHARED_CREDENTIALS_FILE']?.trim() ||
      `${env['HOME']?.trim() || '~'}/.aws/credentials`;
    const text = readText(file);
    const credentials = text === undefined ? undefined : profileCredentials(text, profile);
    if (credentials) return { ...credentials, from: `profile ${profile}` };
    throw new ActionError(
      `Input "role-chaining": AWS_PROFILE is "${foreign(profile, 64)}", but ${foreign(file)} ${text === undefined ? 'does not exist' : 'has no aws_access_key_id and aws_secret_access_key for it'}.`,
      'Role chaining starts from static keys: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or a profile holding them as "aws-profile" writes it. A profile of role_arn/source_profile, credential_process or SSO is not read.',
    );
  }
  const missing = [
    !accessKeyId && 'AWS_ACCESS_KEY_ID',
    !secretAccessKey && 'AWS_SECRET_ACCESS_KEY',
  ].filter(Boolean);
  throw new ActionError(
    `Input "role-chaining" assumes the role with the credentials already in the environment, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
    'Run this action in aws mode in an earlier step of the job (it exports the first role\'s credentials), then this step with "role-chaining: true".',
  );
}
