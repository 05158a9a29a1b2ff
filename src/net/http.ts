// Every exchange that is not the cluster (the ID-token endpoint, issuer discovery and JWKS, AWS
// STS, Chainguard STS) goes through @actions/http-client: its agents, its proxy rules
// (HTTPS_PROXY/HTTP_PROXY/NO_PROXY, CONNECT tunnels through `tunnel`), its socket timeout. What it
// lacks is added around it here: a deadline from request start to last byte that destroys the
// request, a bound on the body, and a signal when the request is on the wire.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { HttpClient as ToolkitClient } from '@actions/http-client';
import type { RequestHandler } from '@actions/http-client/lib/interfaces';
import { formatDuration } from '../base/duration.js';
import { readBounded } from './body.js';
import { DEADLINE, networkError } from './errors.js';
import { isLoopbackHost } from './loopback.js';

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
        // One loopback decision (net/loopback.ts): what it calls loopback is reached directly,
        // anything else through the proxy when one is set. The library's own rule is a text
        // prefix (`127.`, `[::1]`): it would send `127.example.com` direct and the IPv4-mapped
        // `[::ffff:127.0.0.1]` (which plain http is accepted for) through the proxy in clear.
        const direct = proxiedDirectly(options.host);
        if (direct !== undefined) {
          const protocol = new URL(url).protocol;
          options.agent = client.getAgent(
            `${protocol}//${direct ? 'localhost' : 'non-loopback.invalid'}`,
          );
        }
        agent = options.agent;
        // Through a proxy the agent comes from `tunnel`, whose CONNECT is a request of its own:
        // it gets the signal too (tunnel copies proxyOptions into it), or a proxy that never
        // answers would hold a socket, and the process, past the deadline.
        const proxyOptions = (
          options.agent as { proxyOptions?: Record<string, unknown> } | undefined
        )?.proxyOptions;
        if (proxyOptions) proxyOptions['signal'] = controller.signal;
        // Direct to an IPv6 literal: the toolkit passes the URL's host with its brackets
        // (`[::1]`, `[::ffff:7f00:1]`), which Node then looks up as a name (ENOTFOUND). Node
        // brackets it again in the Host header. (Through a tunnel the brackets are right: the
        // CONNECT names `[::1]:port`.)
        if (!proxyOptions && options.host?.startsWith('[')) {
          options.host = options.host.slice(1, -1);
        }
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
      const text = await Promise.race([
        readBounded(response.message, MAX_BODY_BYTES, origin),
        deadline,
      ]);
      return {
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        body: text.toString('utf8'),
      };
    } catch (error) {
      if (expired) {
        throw networkError(
          `no complete answer from ${origin} within ${formatDuration(deadlineMs)}`,
          DEADLINE,
        );
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

/**
 * Whether a request to `host` must go direct (true) or through the proxy (false) where the
 * library would decide otherwise while a proxy is set; undefined where both agree.
 */
function proxiedDirectly(host: string | null | undefined): boolean | undefined {
  if (!host) return undefined;
  const env = process.env;
  if (!(env['https_proxy'] || env['HTTPS_PROXY'] || env['http_proxy'] || env['HTTP_PROXY'])) {
    return undefined;
  }
  const lower = host.toLowerCase();
  const toolkitDirect =
    lower === 'localhost' ||
    lower.startsWith('127.') ||
    lower.startsWith('[::1]') ||
    lower.startsWith('[0:0:0:0:0:0:0:1]');
  const direct = isLoopbackHost(host);
  return direct === toolkitDirect ? undefined : direct;
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
