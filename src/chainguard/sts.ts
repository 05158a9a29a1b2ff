import { decodeJwt } from 'jose';
import { ActionError } from '../base/errors.js';
import { createHttpClient, type HttpClient } from '../net/http.js';
import type { Logger } from '../base/logger.js';
import type { MaskSecret } from '../oidc/token.js';
import { foreign } from '../base/untrusted.js';
import { explainRefusal, parseGrpcError } from './explain.js';
import type { Claims } from '../oidc/claims.js';
import { retryAfterMs, sleep, withRetries, type RetryPolicy, type Sleep } from '../net/retry.js';

export interface ExchangeRequest {
  /** STS base URL (the `chainguard-issuer` input), without a trailing slash. */
  issuer: string;
  /** The CI ID token, sent as the bearer. */
  idToken: string;
  /** Its claims, to explain a refusal. */
  claims: Claims;
  identity: string;
  /** `aud` of the Chainguard token (`cgr.dev`, `https://console-api.enforce.dev`). */
  audience: string;
  logger: Logger;
  mask: MaskSecret;
  http?: HttpClient;
  policy?: RetryPolicy;
  wait?: Sleep;
}

export interface ChainguardToken {
  token: string;
  refreshToken: string | undefined;
  /** ISO 8601. */
  expiration: string;
}

/** The exchange, retries included, ends within 30 s. */
export const DEFAULT_STS_POLICY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 4000,
  deadlineMs: 30_000,
};
export const STS_SOCKET_TIMEOUT_MS = 15_000;
/** One request, start to last byte (and never past the policy's deadline). */
export const STS_ATTEMPT_DEADLINE_MS = 15_000;

/** Statuses the contract lets us retry: the gateway's, never a refusal. */
const RETRYABLE = new Set([502, 503, 504]);

/**
 * Exchanges the CI ID token for a Chainguard token (docs/chainguard.md). Parameters travel
 * form-urlencoded (a JSON body is silently dropped by the gateway), redirects are never followed
 * (the bearer must not reach another host), and only 502/503/504 are retried.
 */
export async function exchangeToken(request: ExchangeRequest): Promise<ChainguardToken> {
  const url = `${request.issuer}/sts/exchange`;
  const form = new URLSearchParams({ aud: request.audience, identity: request.identity });
  const http = request.http ?? createHttpClient(STS_SOCKET_TIMEOUT_MS);
  request.logger.info(
    `Exchanging the ID token at ${url} for identity ${request.identity} (aud ${request.audience})`,
  );
  return withRetries<ChainguardToken>(
    'Chainguard token exchange',
    async (_n, remainingMs) => {
      let status: number;
      let body: string;
      let headers: Record<string, string | string[] | undefined>;
      try {
        const response = await http.post(
          url,
          form.toString(),
          {
            authorization: `Bearer ${request.idToken}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          Math.min(STS_ATTEMPT_DEADLINE_MS, remainingMs),
        );
        status = response.status;
        headers = response.headers;
        body = response.body;
      } catch (error) {
        throw new ActionError(
          `The Chainguard token exchange at ${url} failed: ${foreign(error instanceof Error ? error.message || error.name : String(error))}.`,
          'Check that "chainguard-issuer" is right and reachable from the runner (proxy settings: HTTPS_PROXY, NO_PROXY).',
        );
      }
      if (status === 200) return { ok: true, value: parseExchange(body, request.mask) };
      if (RETRYABLE.has(status)) {
        const grpc = parseGrpcError(body);
        return {
          ok: false,
          error: new ActionError(
            `the STS answered HTTP ${status}${grpc ? ` (${foreign(grpc.message, 200)})` : ''}`,
          ),
          retryAfterMs: retryAfterMs(headers['retry-after']),
        };
      }
      if (status >= 300 && status < 400) throw redirectRefusal(url, status, headers['location']);
      throw explainRefusal({
        status,
        body,
        identity: request.identity,
        audience: request.audience,
        claims: request.claims,
      });
    },
    request.policy ?? DEFAULT_STS_POLICY,
    request.logger,
    request.wait ?? sleep,
  ).catch((error: unknown) => {
    if (error instanceof ActionError && error.hint) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ActionError(
      `The Chainguard token exchange failed: ${foreign(message)}.`,
      'The Chainguard STS is unavailable; re-run the job later (https://status.chainguard.dev).',
    );
  });
}

/**
 * The success body: masks both tokens before anything else can look at them, then works out
 * the expiry (`expiry`, else the token's JWT `exp`).
 */
export function parseExchange(body: string, mask: MaskSecret): ChainguardToken {
  let parsed: { token?: unknown; refreshToken?: unknown; expiry?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new ActionError('The Chainguard STS answered 200 with a body that is not JSON.');
  }
  const { token, refreshToken, expiry } = parsed;
  if (typeof token === 'string' && token) {
    mask(token);
    // A tool that prints part of a JWT usually prints its tail.
    const signature = token.split('.')[2];
    if (signature && signature.length >= 16) mask(signature);
  }
  if (typeof refreshToken === 'string' && refreshToken) mask(refreshToken);
  if (typeof token !== 'string' || !token) {
    throw new ActionError('The Chainguard STS answered 200 without a token.');
  }
  return {
    token,
    refreshToken: typeof refreshToken === 'string' && refreshToken ? refreshToken : undefined,
    expiration: expirationOf(token, expiry),
  };
}

function expirationOf(token: string, expiry: unknown): string {
  if (typeof expiry === 'string' && expiry) {
    const ms = Date.parse(expiry);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  let exp: unknown;
  try {
    exp = decodeJwt(token).exp;
  } catch {
    exp = undefined;
  }
  if (typeof exp !== 'number') {
    throw new ActionError(
      'The Chainguard STS answered a token without a usable expiry (no "expiry", and the token has no JWT exp).',
    );
  }
  return new Date(exp * 1000).toISOString();
}

function redirectRefusal(
  url: string,
  status: number,
  location: string | string[] | undefined,
): ActionError {
  const target = Array.isArray(location) ? location[0] : location;
  let where = 'another location';
  if (target) {
    try {
      // Only the origin: a query could carry anything.
      where = foreign(new URL(target, url).origin, 200);
    } catch {
      where = 'an unreadable location';
    }
  }
  return new ActionError(
    `The Chainguard STS at ${url} answered HTTP ${status}, a redirect to ${where}; it was not followed, because the ID token must not travel to another host.`,
    'Set "chainguard-issuer" to the final STS address (https://issuer.enforce.dev unless you run your own).',
  );
}
