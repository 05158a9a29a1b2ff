import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../logger.js';
import { decodeClaims } from '../oidc/claims.js';
import { ClusterConnection, type ClusterTarget } from './connection.js';
import type { ObjectList, Status, WatchEvent } from './objects.js';
import { PROXY_REFUSED } from './proxy.js';

/**
 * A thin client for the few API calls a deploy needs (get, list, watch, strategic merge patch),
 * speaking to the one cluster of the written kubeconfig with the ID token as bearer.
 *
 * It is deliberately not @kubernetes/client-node: loading even only its KubeConfig costs a
 * 4.1 MB chunk and ~0.2 s per run, for TLS options that KubeTarget already carries.
 */

export const FIELD_MANAGER = 'oidc-deploy-action';
const USER_AGENT = 'oidc-deploy-action';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
/** A token closer than this to its `exp` is renewed when the API refuses it. */
const RENEW_MARGIN_S = 60;

export type Query = Record<string, string | number | boolean | undefined>;

/** A non-2xx answer of the API server, with its Status body when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly verb: string,
    readonly path: string,
    readonly statusCode: number,
    readonly status: Status | undefined,
  ) {
    super(status?.message || `${verb} ${path}: HTTP ${statusCode}`);
    this.name = 'KubeApiError';
  }
}

/** The server could not be reached, the connection broke, or its certificate was refused. */
export class KubeNetworkError extends Error {
  /** The server's certificate failed verification. */
  readonly tls: boolean;
  /** Retrying cannot help: a refused certificate, or a proxy that refuses the tunnel. */
  readonly permanent: boolean;

  constructor(
    readonly verb: string,
    readonly path: string,
    cause: Error & { code?: string },
  ) {
    super(`${verb} ${path}: ${cause.message}`);
    this.name = 'KubeNetworkError';
    this.tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(cause.code ?? '');
    this.permanent = this.tls || cause.code === PROXY_REFUSED;
  }
}

export interface KubeClientOptions {
  target: ClusterTarget;
  token: string;
  /** `exp` of `token`, seconds since the epoch. */
  tokenExp: number;
  /** Requests a fresh ID token (ctx.renewToken, which masks it). */
  renewToken?: () => Promise<string>;
  logger: Logger;
  /** An http:// proxy to tunnel through (proxyFor: HTTPS_PROXY, NO_PROXY). */
  proxy?: URL | undefined;
  /** Made earlier for `target` and `proxy` (and maybe preconnected); else the client makes it. */
  connection?: ClusterConnection | undefined;
  /** Socket idle timeout of a non-watch request. */
  requestTimeoutMs?: number;
  now?: () => number;
}

/** What a watch consumer returns for an event: `stop` ends the stream. */
export type WatchVerdict = 'continue' | 'stop';

export type WatchEnd = 'stopped' | 'closed';

export class KubeClient {
  private token: string;
  private tokenExp: number;
  private renewing: Promise<void> | undefined;
  private readonly connection: ClusterConnection;
  private readonly now: () => number;

  constructor(private readonly options: KubeClientOptions) {
    this.token = options.token;
    this.tokenExp = options.tokenExp;
    this.now = options.now ?? Date.now;
    this.connection = options.connection ?? new ClusterConnection(options.target, options.proxy);
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.call<T>('GET', path, query, undefined);
  }

  async list<T>(path: string, query: Query = {}): Promise<ObjectList<T>> {
    return this.call<ObjectList<T>>('GET', path, query, undefined);
  }

  /** A strategic merge patch, as `kubectl set image` sends, recorded under our field manager. */
  async patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, { fieldManager: FIELD_MANAGER }, JSON.stringify(body));
  }

  /**
   * Streams a watch: `onEvent` gets each event in order. Resolves `closed` when the server ends
   * the stream (its timeoutSeconds), `stopped` when onEvent said so or `signal` aborted;
   * rejects with KubeApiError (e.g. 410 Gone) or KubeNetworkError (a dropped connection).
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => WatchVerdict,
    signal: AbortSignal,
  ): Promise<WatchEnd> {
    const fullQuery = { ...query, watch: true };
    const idleMs = (Number(query['timeoutSeconds'] ?? 300) + 30) * 1000;
    for (let attempt = 1; ; attempt++) {
      const response = await this.send('GET', path, fullQuery, undefined, idleMs, signal);
      if (response === 'aborted') return 'stopped';
      if (response.statusCode !== 200) {
        const error = await this.failure('GET', path, response);
        if (attempt === 1 && (await this.renewOn(error))) continue;
        throw error;
      }
      return readEvents(
        response,
        onEvent,
        signal,
        () => new KubeNetworkError('GET', path, new Error('the watch stream broke')),
      );
    }
  }

  private async call<T>(
    verb: string,
    path: string,
    query: Query,
    body: string | undefined,
  ): Promise<T> {
    const maxAttempts = 3;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let response: IncomingMessage | 'aborted';
      try {
        response = await this.send(
          verb,
          path,
          query,
          body,
          this.options.requestTimeoutMs ?? 30_000,
        );
      } catch (error) {
        if (attempt >= maxAttempts || (error instanceof KubeNetworkError && error.permanent))
          throw error;
        await delay(250 * 2 ** attempt);
        continue;
      }
      if (response === 'aborted') throw new KubeNetworkError(verb, path, new Error('aborted'));
      const text = await readBody(response);
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) return parseJson<T>(text, verb, path);
      const error = new KubeApiError(verb, path, code, parseStatus(text));
      // Once per request: a fresh token that is refused too is the answer.
      if (!renewed && (await this.renewOn(error))) {
        renewed = true;
        continue;
      }
      if ((code === 429 || code >= 500) && attempt < maxAttempts) {
        await delay(retryDelay(response.headers['retry-after'], attempt));
        continue;
      }
      throw error;
    }
  }

  /**
   * On a 401 with a token that is expired or about to be, fetches a new one and says so.
   * GitHub's tokens live 5 minutes, and a rollout can take longer. Concurrent waits share
   * one renewal. Returns whether the request should be retried.
   */
  private async renewOn(error: KubeApiError): Promise<boolean> {
    if (error.statusCode !== 401 || !this.options.renewToken) return false;
    const left = this.tokenExp - this.now() / 1000;
    if (left > RENEW_MARGIN_S) return false;
    if (!this.renewing) {
      const renew = this.options.renewToken;
      const exp = this.tokenExp;
      this.renewing = (async () => {
        const token = await renew();
        this.token = token;
        this.tokenExp = decodeClaims(token).exp;
        this.options.logger.info(
          `The ID token ${left <= 0 ? 'expired' : 'was about to expire'} (exp ${new Date(exp * 1000).toISOString()}) and the cluster refused it: requested a new one (exp ${new Date(this.tokenExp * 1000).toISOString()}) and continuing with it.`,
        );
      })().finally(() => {
        this.renewing = undefined;
      });
    }
    await this.renewing;
    return true;
  }

  private async failure(
    verb: string,
    path: string,
    response: IncomingMessage,
  ): Promise<KubeApiError> {
    const text = await readBody(response);
    return new KubeApiError(verb, path, response.statusCode ?? 0, parseStatus(text));
  }

  private send(
    verb: string,
    path: string,
    query: Query,
    body: string | undefined,
    idleMs: number,
    signal?: AbortSignal,
  ): Promise<IncomingMessage | 'aborted'> {
    const { base } = this.connection;
    const url = new URL(base.pathname.replace(/\/$/, '') + path, base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return resolve('aborted');
      const req = httpsRequest({
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 443),
        defaultPort: 443,
        path: `${url.pathname}${url.search}`,
        ...this.connection.requestOptions(),
        method: verb,
        headers: {
          Accept: 'application/json',
          Authorization: `Bearer ${this.token}`,
          'User-Agent': USER_AGENT,
          ...(body !== undefined
            ? { 'Content-Type': STRATEGIC_MERGE_PATCH, 'Content-Length': Buffer.byteLength(body) }
            : {}),
        },
      });
      const onAbort = () => {
        req.destroy();
        resolve('aborted');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(idleMs, () => req.destroy(new Error(`no answer for ${idleMs / 1000} s`)));
      req.on('response', (response) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(response);
      });
      req.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(new KubeNetworkError(verb, path, error));
      });
      req.end(body);
    });
  }
}

/** Feeds newline-delimited watch events to onEvent until the stream ends or onEvent stops it. */
function readEvents<T>(
  response: IncomingMessage,
  onEvent: (event: WatchEvent<T>) => WatchVerdict,
  signal: AbortSignal,
  broken: () => Error,
): Promise<WatchEnd> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let settled = false;
    const finish = (end: WatchEnd | Error) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      response.destroy();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const onAbort = () => finish('stopped');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return finish('stopped');
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while (!settled && (newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch {
          return finish(broken());
        }
        if (onEvent(event) === 'stop') return finish('stopped');
      }
    });
    response.on('end', () => finish('closed'));
    response.on('aborted', () => finish(broken()));
    response.on('error', () => finish(broken()));
    response.on('close', () => finish(response.complete ? 'closed' : broken()));
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

function parseJson<T>(text: string, verb: string, path: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${verb} ${path}: the API server's answer is not JSON`);
  }
}

function parseStatus(text: string): Status | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && (value as Status).kind === 'Status') {
      return value as Status;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status code has to do.
  }
  return undefined;
}

/**
 * How long to wait before retrying a 429 or 5xx: the server's Retry-After (seconds, as client-go
 * honours it; capped, so a bad header cannot stall the step), else exponential backoff.
 */
export function retryDelay(header: string | string[] | undefined, attempt: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value === undefined || value.trim() === '' ? NaN : Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 10) * 1000;
  return 250 * 2 ** attempt;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
