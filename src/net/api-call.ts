// One call of a cloud API: each attempt makes its request afresh (SigV4's X-Amz-Date, a token)
// and sends it; network errors, 5xx, 429 and the API's throttling codes are retried with bounded
// backoff and Retry-After under one deadline (retry.ts); the API's other refusals are final.
// AWS STS (XML), ECR (JSON 1.1), EKS (REST JSON), Google's APIs and ARM differ only in how a
// refusal reads and what their failures say, which each passes in.
import { ActionError } from '../base/errors.js';
import type { Logger } from '../base/logger.js';
import { foreign } from '../base/untrusted.js';
import type { HttpResponse } from './http.js';
import { retryAfterMs, sleep, withRetries, type RetryPolicy, type Sleep } from './retry.js';

/** The retry policy and the bound of one request. */
export interface ApiTiming extends RetryPolicy {
  /** One request, connect to last byte. */
  requestTimeoutMs: number;
}

/** An answer of the API's own: the code says what is wrong. */
export interface ApiRefusal extends Error {
  readonly code: string;
  readonly status: number;
  /** Requests sent before this answer (set here). */
  attempts: number;
}

export interface ApiCall<R extends ApiRefusal> {
  /** What the log and the failure name: `ECR GetAuthorizationToken`. */
  name: string;
  /** Signs and sends one request, bounded by `timeoutMs`. */
  send(timeoutMs: number): Promise<HttpResponse>;
  /** The API's own error in an answer that is not 200, if the answer is one. */
  refusal(response: HttpResponse): R | undefined;
  /** Codes that say "try again" besides 5xx and 429 (throttling). */
  retryableCodes?: ReadonlySet<string>;
  /** An answer that is neither 200, nor this API's error, nor a server error: the wrong endpoint. */
  notThisApi(response: HttpResponse): ActionError;
  /** What a 5xx/429 without the API's error says while it is retried. */
  serverError(response: HttpResponse): string;
  /**
   * After the last attempt, or past the deadline: what kept the API from answering. `message`
   * is the last error (escaped); `tally` is "N attempts in S s".
   */
  failed(message: string, tally: string): ActionError;
  /**
   * Whether a retryable refusal still standing after the last attempt (throttling to the end) is
   * the caller's to explain; otherwise it becomes `failed`.
   */
  explainsExhausted: boolean;
  /** Mends the request after a refusal (a fresh ID token): true sends it again as the next attempt. */
  mend?(refusal: R): Promise<boolean>;
}

export interface ApiCallDeps {
  logger: Logger;
  wait?: Sleep | undefined;
}

/** The 200 answer and how many requests it took; throws R, or ActionError. */
export async function callApi<R extends ApiRefusal>(
  call: ApiCall<R>,
  timing: ApiTiming,
  deps: ApiCallDeps,
): Promise<{ response: HttpResponse; attempts: number }> {
  const started = Date.now();
  let attempts = 0;
  // The API's own refusals, and those of them that were retried.
  const refusals = new WeakSet<Error>();
  const retried = new WeakSet<Error>();
  try {
    const response = await withRetries<HttpResponse>(
      call.name,
      async (_n, remaining) => {
        attempts++;
        const timeoutMs = Math.max(1, Math.min(timing.requestTimeoutMs, remaining));
        let response: HttpResponse;
        try {
          response = await call.send(timeoutMs);
        } catch (error) {
          return { ok: false, error: new Error(networkMessage(error, timeoutMs)) };
        }
        if (response.status === 200) return { ok: true, value: response };
        const retryAfter = retryAfterMs(response.headers['retry-after']);
        const refusal = call.refusal(response);
        const serverError = response.status >= 500 || response.status === 429;
        if (!refusal) {
          if (serverError) {
            return {
              ok: false,
              error: new Error(call.serverError(response)),
              retryAfterMs: retryAfter,
            };
          }
          throw call.notThisApi(response);
        }
        refusals.add(refusal);
        refusal.attempts = attempts;
        if (await call.mend?.(refusal)) return { ok: false, error: refusal, retryAfterMs: 0 };
        if (serverError || call.retryableCodes?.has(refusal.code)) {
          retried.add(refusal);
          return { ok: false, error: refusal, retryAfterMs: retryAfter };
        }
        throw refusal;
      },
      timing,
      deps.logger,
      deps.wait ?? sleep,
    );
    return { response, attempts };
  } catch (error) {
    if (error instanceof ActionError) throw error;
    if (error instanceof Error && refusals.has(error)) {
      if (call.explainsExhausted || !retried.has(error)) throw error;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const message = error instanceof Error ? error.message : String(error);
    throw call.failed(
      foreign(message),
      `${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s`,
    );
  }
}

function networkMessage(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  if (/^no (complete )?answer from /.test(message)) {
    return `no answer within ${(timeoutMs / 1000).toFixed(1)} s`;
  }
  return `network error: ${foreign(message)}`;
}
