// Retries for every client (the ID token, STS, Chainguard, the cluster, the rollout's watch):
// one backoff rule and one Retry-After rule, and sleeping with a signal, which is Node's own
// (timers/promises).
import { setTimeout as nodeSleep } from 'node:timers/promises';
import type { Logger } from '../base/logger.js';
import { foreign } from '../base/untrusted.js';

export type Attempt<T> =
  { ok: true; value: T } | { ok: false; error: Error; retryAfterMs?: number | undefined };

/** How waits between tries grow: exponentially from `baseDelayMs`, never past `maxDelayMs`. */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryPolicy extends Backoff {
  /** Total tries, the first included. */
  attempts: number;
  /** No new attempt starts after this many milliseconds from the first. */
  deadlineMs: number;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
export const sleep: Sleep = (ms, signal) =>
  nodeSleep(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);

/**
 * The wait before try `n + 1` after `n` failed: the exponential backoff with jitter (half to all
 * of `base * 2^(n-1)`), or the server's Retry-After when it asks for longer, never past
 * `maxDelayMs` (a bad header cannot stall the step).
 */
export function retryDelay(backoff: Backoff, n: number, retryAfter?: number): number {
  const exponential = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, n - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.min(backoff.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
}

/**
 * Retry-After in milliseconds (delay-seconds or an HTTP date, RFC 9110), if the header is usable.
 */
export function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Runs `attempt` until it succeeds, throws (a final failure), runs out of tries or passes the
 * deadline. Each attempt is told how much of the deadline is left (`remainingMs`), to bound its
 * own request by it: the whole, retries included, ends by the deadline.
 */
export async function withRetries<T>(
  what: string,
  attempt: (n: number, remainingMs: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  logger: Logger,
  wait: Sleep = sleep,
): Promise<T> {
  const started = Date.now();
  let last: Error | undefined;
  for (let n = 1; n <= policy.attempts; n++) {
    const remaining = Math.max(1, policy.deadlineMs - (Date.now() - started));
    const result = await attempt(n, remaining);
    if (result.ok) return result.value;
    last = result.error;
    const elapsed = Date.now() - started;
    if (n === policy.attempts) break;
    const delay = retryDelay(policy, n, result.retryAfterMs);
    if (elapsed + delay >= policy.deadlineMs) break;
    // The message may quote the peer (an STS code, a gateway's message): foreign text.
    logger.info(
      `${what}: ${foreign(result.error.message)}; retrying in ${Math.round(delay)} ms (attempt ${n + 1} of ${policy.attempts})`,
    );
    await wait(delay);
  }
  throw last ?? new Error(`${what} failed`);
}
