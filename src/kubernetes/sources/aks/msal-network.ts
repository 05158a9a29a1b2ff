// MSAL Node's network client (its `system.networkClient` hook) on the action's one network layer:
// net/http.ts (@actions/http-client: proxies from HTTPS_PROXY/NO_PROXY, the loopback decision, a
// deadline per request, a bounded body, no redirects) and net/retry.ts (network errors, 429 and
// 5xx retried with one backoff and Retry-After rule). MSAL's own client is Node's fetch, which on
// Node 20 ignores HTTPS_PROXY (docs/aks.md, "Design notes").
//
// MSAL turns anything its network client throws into a bare `network_error`, so each exchange is
// recorded here by the correlation id MSAL passes: the Entra client reads why it failed (our
// words, the attempts) and the raw error body Entra sent (its AADSTS code and description).
import type { ApiTiming } from '../../../net/api-call.js';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../../../base/logger.js';
import { bodyExcerpt, foreign } from '../../../base/untrusted.js';
import { createHttpClient, type HttpResponse } from '../../../net/http.js';
import { retryAfterMs, sleep, withRetries, type Sleep } from '../../../net/retry.js';

export type AzureTiming = ApiTiming;

/** Entra and ARM answer in well under a second; as with STS, a request not done in 8 s is stalled. */
export const DEFAULT_AZURE_TIMING: AzureTiming = {
  requestTimeoutMs: 8_000,
  deadlineMs: 20_000,
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 3_000,
};

/** What one MSAL request (one correlation id) saw on the wire. */
export interface Exchange {
  url: string;
  attempts: number;
  started: number;
  /** Why it failed, in our words (the network, retries exhausted, a body that is not JSON). */
  failure?: Error;
  /** A 4xx answer with a JSON body (Entra's error), as sent. */
  refusal?: { status: number; body: unknown };
}

export class MsalNetwork implements INetworkModule {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly timing: AzureTiming;

  constructor(
    private readonly logger: Logger,
    timing: Partial<AzureTiming> = {},
    private readonly wait: Sleep = sleep,
  ) {
    this.timing = { ...DEFAULT_AZURE_TIMING, ...timing };
  }

  /** The exchange MSAL made for `correlationId` (the last one, if it made several). */
  exchange(correlationId: string): Exchange | undefined {
    return this.exchanges.get(correlationId);
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
  ): Promise<NetworkResponse<T>> {
    const exchange: Exchange = { url, attempts: 0, started: Date.now() };
    this.exchanges.set(options?.correlationId ?? '', exchange);
    const { timing } = this;
    const host = new URL(url).host;
    let response: HttpResponse;
    try {
      response = await withRetries<HttpResponse>(
        `Entra ID (${foreign(host)})`,
        async (_n, remaining) => {
          exchange.attempts++;
          const timeoutMs = Math.max(1, Math.min(timing.requestTimeoutMs, remaining));
          let answer: HttpResponse;
          try {
            const client = createHttpClient(timeoutMs);
            answer =
              method === 'POST'
                ? await client.post(url, options?.body ?? '', options?.headers, timeoutMs)
                : await client.get(url, options?.headers, timeoutMs);
          } catch (error) {
            const message = error instanceof Error ? error.message || error.name : String(error);
            return { ok: false, error: new Error(`network error: ${foreign(message)}`) };
          }
          if (answer.status === 429 || answer.status >= 500) {
            return {
              ok: false,
              error: new Error(`HTTP ${answer.status} (${bodyExcerpt(answer.body, 300)})`),
              retryAfterMs: retryAfterMs(answer.headers['retry-after']),
            };
          }
          return { ok: true, value: answer };
        },
        timing,
        this.logger,
        this.wait,
      );
    } catch (error) {
      exchange.failure = error instanceof Error ? error : new Error(String(error));
      throw exchange.failure;
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      exchange.failure = new Error(
        `HTTP ${response.status} with a body that is not JSON (${bodyExcerpt(response.body, 200)})`,
      );
      throw exchange.failure;
    }
    if (response.status >= 400) exchange.refusal = { status: response.status, body };
    return { status: response.status, headers: flatHeaders(response.headers), body: body as T };
  }
}

/** Response headers as MSAL reads them: lower-case names, one string each. */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
