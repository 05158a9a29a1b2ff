import { HttpClient } from '@actions/http-client';
import type { Logger } from './logger.js';

const USER_AGENT = 'oidc-deploy-action';

/**
 * An http-client that honours HTTPS_PROXY/NO_PROXY (as every runner tool does), never follows
 * redirects (a bearer token must not travel to another host) and gives up on a silent socket.
 */
export function createHttpClient(socketTimeoutMs: number): HttpClient {
  return new HttpClient(USER_AGENT, [], {
    allowRedirects: false,
    allowRetries: false,
    socketTimeout: socketTimeoutMs,
    keepAlive: false,
  });
}

export type Attempt<T> =
  { ok: true; value: T } | { ok: false; error: Error; retryAfterMs?: number | undefined };

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No new attempt starts after this many milliseconds from the first. */
  deadlineMs: number;
}

export type Sleep = (ms: number) => Promise<void>;
export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, throws (a final failure), runs out of tries or passes the
 * deadline. Waits grow exponentially with jitter, and a server's Retry-After is honoured
 * within the policy's bounds.
 */
export async function withRetries<T>(
  what: string,
  attempt: (n: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  logger: Logger,
  wait: Sleep = sleep,
): Promise<T> {
  const started = Date.now();
  let last: Error | undefined;
  for (let n = 1; n <= policy.attempts; n++) {
    const result = await attempt(n);
    if (result.ok) return result.value;
    last = result.error;
    const elapsed = Date.now() - started;
    if (n === policy.attempts) break;
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delay = Math.min(policy.maxDelayMs, Math.max(jittered, result.retryAfterMs ?? 0));
    if (elapsed + delay >= policy.deadlineMs) break;
    logger.info(
      `${what}: ${result.error.message}; retrying in ${Math.round(delay)} ms (attempt ${n + 1} of ${policy.attempts})`,
    );
    await wait(delay);
  }
  throw last ?? new Error(`${what} failed`);
}

/** Retry-After in milliseconds (seconds or an HTTP date), if the header is usable. */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * A short, single-line excerpt of a response body for an error message. Bodies of refusals
 * carry no credentials, but they are still bounded and stripped of anything token-shaped.
 */
export function bodyExcerpt(body: string, max = 200): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  const scrubbed = oneLine.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt>');
  return scrubbed.length > max ? `${scrubbed.slice(0, max)}...` : scrubbed;
}
