import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { formatDuration } from './duration.js';
import type { Logger } from './logger.js';

const USER_AGENT = 'oidc-deploy-action';
/** Peers answer in kilobytes; a larger body is a misbehaving (or hostile) server. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

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
 * A small HTTP client on node:http/https: it honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY as
 * @actions/http-client does (loopback is never proxied), never follows redirects (a bearer token
 * must not travel to another host), gives up on a socket silent for `socketTimeoutMs`, and bounds
 * the body. (It replaces @actions/http-client, whose undici import alone costs ~40 ms of
 * start-up.) NODE_EXTRA_CA_CERTS applies, as to every TLS connection Node makes.
 */
export function createHttpClient(
  socketTimeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): HttpClient {
  const send = async (
    method: string,
    url: string,
    body: string | undefined,
    headers: OutgoingHttpHeaders = {},
    deadlineMs?: number,
    onSent?: () => void,
  ): Promise<HttpResponse> => {
    const target = new URL(url);
    if (deadlineMs === undefined) {
      return sendRequest(method, target, body, headers, socketTimeoutMs, env, undefined, onSent);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    try {
      return await sendRequest(
        method,
        target,
        body,
        headers,
        socketTimeoutMs,
        env,
        controller.signal,
        onSent,
      );
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      throw new Error(
        `no complete answer from ${target.origin} within ${formatDuration(deadlineMs)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get: (url, headers, deadlineMs, onSent) =>
      send('GET', url, undefined, headers, deadlineMs, onSent),
    post: (url, body, headers, deadlineMs) => send('POST', url, body, headers, deadlineMs),
  };
}

async function sendRequest(
  method: string,
  url: URL,
  body: string | undefined,
  extraHeaders: OutgoingHttpHeaders,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  onSent?: () => void,
): Promise<HttpResponse> {
  const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT, ...extraHeaders };
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
  const proxy = proxyFor(url, env);
  const secure = url.protocol === 'https:';
  const port = url.port || (secure ? '443' : '80');
  const options: Parameters<typeof httpRequest>[1] = {
    method,
    headers,
    timeout: timeoutMs,
    ...(signal ? { signal } : {}),
  };

  let send: typeof httpRequest = secure ? httpsRequest : httpRequest;
  let target: URL | string = url;
  if (proxy && !secure) {
    // Plain HTTP through a proxy: the absolute URL goes to the proxy.
    send = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
    target = proxy;
    Object.assign(options, {
      path: url.href,
      headers: { ...headers, host: url.host, ...proxyAuthorization(proxy) },
    });
  } else if (proxy && secure) {
    // HTTPS through a proxy: a CONNECT tunnel, then TLS to the target inside it.
    const socket = await openTunnel(proxy, url.hostname, port, timeoutMs, signal);
    // Without an agent, Node uses createConnection (an agent would open its own socket).
    options.createConnection = () => tlsConnect({ socket, servername: url.hostname });
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    const req = send(target, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(
            new Error(`the answer from ${url.origin} is larger than ${MAX_BODY_BYTES} bytes`),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url.origin} within ${formatDuration(timeoutMs)}`)),
    );
    req.on('error', reject);
    if (onSent) req.once('finish', onSent);
    req.end(body);
  });
}

function openTunnel(
  proxy: URL,
  host: string,
  port: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
) {
  return new Promise<import('node:net').Socket>((resolve, reject) => {
    const send = proxy.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(proxy, {
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}`, ...proxyAuthorization(proxy) },
      timeout: timeoutMs,
      agent: false,
      ...(signal ? { signal } : {}),
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(
          new Error(
            `the proxy ${proxy.host} refused to connect to ${host}:${port} (HTTP ${res.statusCode})`,
          ),
        );
      }
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from the proxy ${proxy.host}`)));
    req.on('error', reject);
    req.end();
  });
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (!proxy.username && !proxy.password) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** The proxy for a URL by the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY, as runners set them. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  if (bypassesProxy(url, env)) return undefined;
  const value =
    url.protocol === 'https:'
      ? env['https_proxy'] || env['HTTPS_PROXY']
      : env['http_proxy'] || env['HTTP_PROXY'];
  if (!value) return undefined;
  try {
    return new URL(/^https?:\/\//.test(value) ? value : `http://${value}`);
  } catch {
    return undefined;
  }
}

/** NO_PROXY matching of @actions/http-client: `*`, host, host:port, and domain suffixes. */
export function bypassesProxy(url: URL, env: NodeJS.ProcessEnv): boolean {
  const host = url.hostname.toLowerCase();
  if (
    host === 'localhost' ||
    host.startsWith('127.') ||
    host === '[::1]' ||
    host === '[0:0:0:0:0:0:0:1]'
  ) {
    return true;
  }
  const noProxy = env['no_proxy'] || env['NO_PROXY'] || '';
  if (!noProxy) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const candidates = [host, `${host}:${port}`];
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some(
      (entry) =>
        entry === '*' ||
        candidates.some(
          (c) =>
            c === entry || c.endsWith(`.${entry}`) || (entry.startsWith('.') && c.endsWith(entry)),
        ),
    );
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
