import { ActionError } from '../base/errors.js';
import { createHttpClient, type HttpClient } from '../net/http.js';
import type { Logger } from '../base/logger.js';
import { foreign, bodyExcerpt } from '../base/untrusted.js';
import { retryAfterMs, withRetries, type RetryPolicy, type Sleep, sleep } from '../net/retry.js';

/** Masks a secret in the job log; `core.setSecret` in the action. */
export type MaskSecret = (secret: string) => void;

export interface IdTokenRequest {
  /** undefined: the platform's default audience. */
  audience: string | undefined;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  mask: MaskSecret;
  http?: HttpClient;
  /** Called once, when the first attempt has been sent: work that needs no token can start. */
  onSent?: () => void;
  policy?: RetryPolicy;
  wait?: Sleep;
}

/** The whole request, retries included, ends within `deadlineMs`. */
export const DEFAULT_TOKEN_POLICY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 5000,
  deadlineMs: 60_000,
};
/** A socket silent this long is stalled; the attempt ends and the next one starts. */
const SOCKET_TIMEOUT_MS = 10_000;
/** One attempt, request start to last byte: the endpoint answers in well under a second. */
export const TOKEN_ATTEMPT_DEADLINE_MS = 15_000;

export const MISSING_TOKEN_HINT = [
  'The job is not allowed to request an OIDC ID token.',
  '- GitHub Actions: add "permissions: id-token: write" to the workflow or job (pull requests from forks never get it).',
  '- A reusable workflow (uses: OWNER/REPO/.github/workflows/X.yml@REF) gets only the permissions its caller grants: the calling job must have "permissions: id-token: write" too.',
  '- Forgejo Actions (v15+): add "enable-openid-connect: true" to the workflow or job (never given to pull requests from forks).',
].join('\n');

/**
 * The ID-token request URL for an audience. The platform's URL already carries a query
 * (GitHub `?api-version=2.0`, Forgejo `?placeholder=true`), so the URL API appends to it.
 */
export function idTokenUrl(requestUrl: string, audience: string | undefined): string {
  const url = new URL(requestUrl);
  if (audience !== undefined) url.searchParams.set('audience', audience);
  return url.href;
}

/** The request URL and bearer; Forgejo sets both to "" when OIDC is off, which counts as missing. */
export function tokenRequestEnv(env: NodeJS.ProcessEnv): { url: string; bearer: string } {
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL']?.trim() ?? '';
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']?.trim() ?? '';
  if (!url || !bearer) {
    const which = [
      !url && 'ACTIONS_ID_TOKEN_REQUEST_URL',
      !bearer && 'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    ]
      .filter(Boolean)
      .join(' and ');
    throw new ActionError(
      `No OIDC ID token can be requested: ${which} ${which.includes(' and ') ? 'are' : 'is'} not set.`,
      MISSING_TOKEN_HINT,
    );
  }
  try {
    new URL(url);
  } catch {
    throw new ActionError('ACTIONS_ID_TOKEN_REQUEST_URL is not a URL.', MISSING_TOKEN_HINT);
  }
  return { url, bearer };
}

/**
 * Requests the job's OIDC ID token (the runner's ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN: README.md,
 * Permissions) and masks it the moment it arrives.
 * Retries network errors, 429 and 5xx with bounded backoff; any other 4xx is final.
 */
export async function requestIdToken(request: IdTokenRequest): Promise<string> {
  const { url, bearer } = tokenRequestEnv(request.env);
  request.mask(bearer);
  const target = idTokenUrl(url, request.audience);
  const http = request.http ?? createHttpClient(SOCKET_TIMEOUT_MS);
  const audienceText =
    request.audience === undefined
      ? 'the default audience'
      : `audience "${foreign(request.audience)}"`;
  request.logger.debug(`Requesting the ID token for ${audienceText}`);
  let onSent = request.onSent;
  const sent = () => {
    const callback = onSent;
    onSent = undefined;
    callback?.();
  };

  return withRetries<string>(
    'ID token request',
    async (_n, remainingMs) => {
      let status: number;
      let body: string;
      let retryAfter: string | string[] | undefined;
      try {
        const response = await http.get(
          target,
          { authorization: `Bearer ${bearer}`, accept: 'application/json' },
          Math.min(TOKEN_ATTEMPT_DEADLINE_MS, remainingMs),
          sent,
        );
        status = response.status;
        retryAfter = response.headers['retry-after'];
        body = response.body;
      } catch (error) {
        return { ok: false, error: new Error(`network error: ${networkMessage(error)}`) };
      }
      if (status === 200) return { ok: true, value: tokenFromBody(body, request.mask) };
      if (status === 429 || status >= 500) {
        return {
          ok: false,
          error: new Error(`the token endpoint answered HTTP ${status}`),
          retryAfterMs: retryAfterMs(retryAfter),
        };
      }
      throw refusal(status, body);
    },
    request.policy ?? DEFAULT_TOKEN_POLICY,
    request.logger,
    request.wait ?? sleep,
  ).catch((error: unknown) => {
    // Final answers are ActionErrors already; what is left is the last retryable failure.
    if (error instanceof ActionError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ActionError(
      `The ID token request failed: ${foreign(message)}.`,
      'The token endpoint of the CI did not answer in time; re-run the job, and check the runner can reach its server.',
    );
  });
}

function tokenFromBody(body: string, mask: MaskSecret): string {
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    throw new ActionError('The ID token endpoint answered 200 with a body that is not JSON.');
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new ActionError(
      'The ID token endpoint answered 200 without a token ("value" is missing).',
    );
  }
  mask(value);
  // Mask the signature alone too: a tool that prints part of a JWT usually prints its tail.
  const signature = value.split('.')[2];
  if (signature && signature.length >= 16) mask(signature);
  if (value.split('.').length !== 3) {
    throw new ActionError('The ID token endpoint answered with a value that is not a JWT.');
  }
  return value;
}

function refusal(status: number, body: string): ActionError {
  const excerpt = bodyExcerpt(body);
  if (status === 403 && /generate_id_token/i.test(body)) {
    return new ActionError(
      `The ID token request was refused (HTTP 403: ${excerpt}).`,
      MISSING_TOKEN_HINT,
    );
  }
  if (status === 401) {
    return new ActionError(
      `The ID token request was refused (HTTP 401${excerpt ? `: ${excerpt}` : ''}).`,
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN was not accepted: it is valid only inside the job that received it. Request the token in the same job, not in a job or workflow it triggers.',
    );
  }
  if (status === 400 && /run-id/i.test(body)) {
    return new ActionError(
      `The ID token request was refused (HTTP 400: ${excerpt}).`,
      'The request variables belong to another run: do not copy ACTIONS_ID_TOKEN_REQUEST_* between jobs.',
    );
  }
  return new ActionError(
    `The ID token request was refused (HTTP ${status}${excerpt ? `: ${excerpt}` : ''}).`,
  );
}

function networkMessage(error: unknown): string {
  return foreign(error instanceof Error ? error.message || error.name : String(error));
}
