// Every exchange that is not the cluster (the ID-token endpoint, issuer discovery and JWKS, AWS
// STS, Chainguard STS) goes through @actions/http-client: its agents, its proxy rules
// (HTTPS_PROXY/HTTP_PROXY/NO_PROXY, CONNECT tunnels through `tunnel`), its socket timeout. What it
// lacks is added around it here: a deadline from request start to last byte that destroys the
// request, a bound on the body, and a signal when the request is on the wire.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
} from 'node:http';
import { HttpClient as ToolkitClient } from '@actions/http-client';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';
import { formatDuration } from './duration.js';
import type { Logger } from './logger.js';
import { isLoopbackHost } from './loopback.js';
import { foreign } from './untrusted.js';

const USER_AGENT = 'oidc-deploy-action';
/** Peers answer in kilobytes; a larger body is a misbehaving (or hostile) server. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** The deadline of a call that names none: every exchange ends. */
export const DEFAULT_DEADLINE_MS = 30_000;

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `deadlineMs`: the whole exchange ends by then, even with a peer that trickles bytes. */
export interface HttpClient {
  /** `onSent`: called once the request has been handed to the network (for overlapping work). */
  get(
    url: string,
    headers?: OutgoingHttpHeaders,
    deadlineMs?: number,
    onSent?: () => void,
  ): Promise<HttpResponse>;
  post(
    url: string,
    body: string,
    headers?: OutgoingHttpHeaders,
    deadlineMs?: number,
  ): Promise<HttpResponse>;
}

/**
 * A client on @actions/http-client that never follows a redirect (a bearer token must not travel
 * to another host) and never retries by itself (withRetries does, with our policy). A socket
 * silent for `socketTimeoutMs` ends the request; so does its deadline (`deadlineMs` per call,
 * else `defaultDeadlineMs`), counted from request start to the body's last byte. Either way the
 * request and its socket are destroyed, so nothing keeps the process alive. Proxies come from
 * process.env, as the library reads them; NODE_EXTRA_CA_CERTS applies as to every TLS connection.
 */
export function createHttpClient(
  socketTimeoutMs: number,
  defaultDeadlineMs: number = DEFAULT_DEADLINE_MS,
): HttpClient {
  const send = async (
    method: string,
    url: string,
    body: string | null,
    headers: OutgoingHttpHeaders = {},
    deadlineMs: number = defaultDeadlineMs,
    onSent?: () => void,
  ): Promise<HttpResponse> => {
    const origin = new URL(url).origin;
    const controller = new AbortController();
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      controller.abort();
    }, deadlineMs);
    // One toolkit client per exchange: its handler carries this exchange's signal, and its agent
    // tells this exchange's request apart from any other.
    let agent: unknown;
    const handler: RequestHandler = {
      prepareRequest: (options) => {
        options.signal = controller.signal;
        // The library skips the proxy for every host that begins with `127.` (a prefix check).
        // A name such as 127.example.com is no loopback address: it goes through the proxy like
        // any other name (the library's tunnel agent, asked for a name it does not exempt).
        if (proxiedAsLoopbackByMistake(options.host)) {
          options.agent = client.getAgent(`${new URL(url).protocol}//non-loopback.invalid`);
        }
        agent = options.agent;
        // Through a proxy the agent comes from `tunnel`, whose CONNECT is a request of its own:
        // it gets the signal too (tunnel copies proxyOptions into it), or a proxy that never
        // answers would hold a socket, and the process, past the deadline.
        const proxyOptions = (
          options.agent as { proxyOptions?: Record<string, unknown> } | undefined
        )?.proxyOptions;
        if (proxyOptions) proxyOptions['signal'] = controller.signal;
      },
      canHandleAuthentication: () => false,
      handleAuthentication: () => Promise.reject(new Error('not supported')),
    };
    const client = new ToolkitClient(USER_AGENT, [handler], {
      allowRedirects: false,
      allowRetries: false,
      keepAlive: false,
      socketTimeout: socketTimeoutMs,
    });
    const stopWatching = onSent ? whenSent(() => agent, onSent) : undefined;
    // The deadline ends the wait whether or not the toolkit notices: a request destroyed before
    // it has a socket (a tunnel not yet open) reports nothing until it gets one.
    const deadline = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(new Error('aborted')), {
        once: true,
      }),
    );
    try {
      const response = await Promise.race([client.request(method, url, body, headers), deadline]);
      const text = await Promise.race([readBounded(response.message, origin), deadline]);
      return {
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        body: text,
      };
    } catch (error) {
      if (expired) {
        throw new Error(`no complete answer from ${origin} within ${formatDuration(deadlineMs)}`);
      }
      // The toolkit's words for its socket timeout ("Request timeout: /path"), said our way.
      if (error instanceof Error && error.message.startsWith('Request timeout:')) {
        throw new Error(`no answer from ${origin} within ${formatDuration(socketTimeoutMs)}`);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      stopWatching?.();
      // Destroys whatever is left of the exchange (a timed-out or half-read request, its socket);
      // a no-op for one that completed.
      controller.abort();
    }
  };
  return {
    get: (url, headers, deadlineMs, onSent) => send('GET', url, null, headers, deadlineMs, onSent),
    post: (url, body, headers, deadlineMs) => send('POST', url, body, headers, deadlineMs),
  };
}

/** A host the library takes for loopback (`127.` prefix) that is not, while a proxy is set. */
function proxiedAsLoopbackByMistake(host: string | null | undefined): boolean {
  if (!host || !host.startsWith('127.') || isLoopbackHost(host)) return false;
  const env = process.env;
  return Boolean(
    env['https_proxy'] || env['HTTPS_PROXY'] || env['http_proxy'] || env['HTTP_PROXY'],
  );
}

/**
 * The body, at most MAX_BODY_BYTES (the toolkit's readBody() has no bound). Rejects when the
 * peer sends more, or the connection ends (or is destroyed by the deadline) before the last byte.
 */
function readBounded(message: IncomingMessage, origin: string): Promise<string> {
  const tooLarge = () =>
    new Error(`the answer from ${origin} is larger than ${MAX_BODY_BYTES} bytes`);
  return new Promise((resolve, reject) => {
    if (Number(message.headers['content-length']) > MAX_BODY_BYTES) {
      message.destroy();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        message.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', reject);
    // After 'end' this is a no-op; before it, the answer was cut short.
    message.on('close', () => reject(new Error(`the answer from ${origin} ended early`)));
  });
}

/**
 * Calls `onSent` once the request made through `agent` is written out: Node publishes every
 * client request on this diagnostics channel when it starts sending (the toolkit does not hand
 * out its request). Returns the unsubscribe.
 */
function whenSent(agent: () => unknown, onSent: () => void): () => void {
  const channel = 'http.client.request.start';
  const listener = (message: unknown) => {
    const request = (message as { request: ClientRequest & { agent?: unknown } }).request;
    if (agent() === undefined || request.agent !== agent()) return;
    unsubscribe(channel, listener);
    if (request.writableFinished) onSent();
    else request.once('finish', onSent);
  };
  subscribe(channel, listener);
  return () => unsubscribe(channel, listener);
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
 * deadline. Each attempt is told how much of the deadline is left (`remainingMs`), to bound its
 * own request by it: the whole, retries included, ends by the deadline. Waits grow exponentially
 * with jitter, and a server's Retry-After is honoured within the policy's bounds.
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
    const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delay = Math.min(policy.maxDelayMs, Math.max(jittered, result.retryAfterMs ?? 0));
    if (elapsed + delay >= policy.deadlineMs) break;
    // The message may quote the peer (an STS code, a gateway's message): foreign text.
    logger.info(
      `${what}: ${foreign(result.error.message)}; retrying in ${Math.round(delay)} ms (attempt ${n + 1} of ${policy.attempts})`,
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
 * carry no credentials, but they are still bounded, stripped of anything token-shaped, and
 * escaped as foreign text (no control character, no leading `::`): safe in any log line.
 */
export function bodyExcerpt(body: string, max = 200): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  const scrubbed = oneLine.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt>');
  const short = scrubbed.length > max ? `${scrubbed.slice(0, max)}...` : scrubbed;
  return foreign(short, Infinity);
}
