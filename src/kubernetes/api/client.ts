import { ActionError } from '../../base/errors.js';
import type { Logger } from '../../base/logger.js';
import { decodeClaims } from '../../oidc/claims.js';
import { foreign } from '../../base/untrusted.js';
import type { ClusterConnection, ClusterRequest } from '../cluster/connection.js';
import type { Impersonation } from '../cluster/impersonation.js';
import { codeOf, DEADLINE, networkError, TOO_LARGE } from '../../net/errors.js';
import { retryAfterMs, retryDelay, sleep, type Backoff } from '../../net/retry.js';
import { requireHttps, type ClusterTarget } from '../cluster/target.js';
import type { ClusterResponse } from '../cluster/transport.js';
import { KubeApiError, KubeNetworkError } from './errors.js';
import type { ObjectList, Status, WatchEvent } from './objects.js';
import { readEvents, readLimited, type WatchEnd, type WatchVerdict } from './watch.js';

export { KubeApiError, KubeNetworkError } from './errors.js';
export { MAX_WATCH_LINE_BYTES, type WatchEnd, type WatchVerdict } from './watch.js';

/**
 * The few API calls a deploy needs (get, list, watch, strategic merge patch, server-side apply,
 * and the create of a SelfSubjectReview that verifies access),
 * by path, to the
 * one cluster of the written kubeconfig with the ID token as bearer. Under it, ClusterConnection
 * (connection.ts) is @kubernetes/client-node: its KubeConfig gives each request TLS, proxy and
 * credentials, and our HttpsLibrary at its `httpApi` extension point sends it with one
 * keep-alive agent, a deadline and a body bound. What stays here is ours: retries with
 * Retry-After, in-process token renewal on 401, watch streams with bounded lines.
 * connection.ts (and client-node with it) is loaded on first use, or earlier by index.ts while
 * the ID token is requested: this file is in the chunk every kubernetes run loads.
 */

export const FIELD_MANAGER = 'oidc-deploy-action';
const USER_AGENT = 'oidc-deploy-action';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
/** Server-side apply: the body is YAML, and JSON is YAML. */
const APPLY_PATCH = 'application/apply-patch+yaml';
/** A token closer than this to its `exp` is renewed when the API refuses it. */
const RENEW_MARGIN_S = 60;
/** Retries of a call (429, 5xx, a broken connection): waits from 500 ms, Retry-After up to 10 s. */
const BACKOFF: Backoff = { baseDelayMs: 500, maxDelayMs: 10_000 };

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeClientOptions {
  target: ClusterTarget;
  token: string;
  /** `exp` of `token`, seconds since the epoch. */
  tokenExp: number;
  /** Requests a fresh ID token (ctx.renewToken, which masks it), or another token and its exp. */
  renewToken?: () => Promise<string | { token: string; exp: number }>;
  logger: Logger;
  /** An http:// proxy to tunnel through (proxyFor: proxy-url, else HTTPS_PROXY, NO_PROXY). */
  proxy?: URL | undefined;
  /** Who the kubeconfig user acts as (sent as Impersonate-* headers). */
  impersonation?: Impersonation | undefined;
  /**
   * Made earlier for `target` and `proxy` (maybe still loading); else the
   * client makes it.
   */
  connection?: ClusterConnection | Promise<ClusterConnection> | undefined;
  /** Overall deadline of a non-watch call, retries included (request start to last byte). */
  requestTimeoutMs?: number;
  now?: () => number;
}

export class KubeClient {
  private token: string;
  private tokenExp: number;
  private renewing: Promise<void> | undefined;
  private readonly connection: Promise<ClusterConnection>;
  private readonly server: string;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: KubeClientOptions) {
    this.token = options.token;
    this.tokenExp = options.tokenExp;
    this.now = options.now ?? Date.now;
    const base = requireHttps(options.target.server);
    // From the kubeconfig: escaped for the messages that name it.
    this.server = foreign(`${base.protocol}//${base.host}`);
    this.connection = Promise.resolve(
      options.connection ??
        import('../cluster/connection.js').then(
          ({ ClusterConnection }) =>
            new ClusterConnection(options.target, options.proxy, options.impersonation),
        ),
    ).then((connection) => {
      connection.setToken(this.token);
      return connection;
    });
    // A failure surfaces at the first request, not as an unhandled rejection.
    this.connection.catch(() => undefined);
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.call<T>('GET', path, query, undefined);
  }

  async list<T>(path: string, query: Query = {}): Promise<ObjectList<T>> {
    return this.call<ObjectList<T>>('GET', path, query, undefined);
  }

  /** A create (POST) of `body` as JSON: a review (SelfSubjectReview) that stores nothing. */
  async create<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, {}, JSON.stringify(body), 'application/json');
  }

  /** A strategic merge patch, as `kubectl set image` sends, recorded under our field manager. */
  async patch<T>(path: string, body: unknown, query: Query = {}): Promise<T> {
    return this.call<T>(
      'PATCH',
      path,
      { ...query, fieldManager: FIELD_MANAGER },
      JSON.stringify(body),
    );
  }

  /**
   * Server-side apply (`kubectl apply --server-side`): the whole object, owned by our field
   * manager, with the unknown-field check kubectl asks for. `force` takes over fields another
   * manager owns; `dryRun` has the server check and answer without storing.
   */
  async apply<T>(
    path: string,
    object: unknown,
    options: { force: boolean; dryRun: boolean },
  ): Promise<T> {
    return this.call<T>(
      'PATCH',
      path,
      {
        fieldManager: FIELD_MANAGER,
        fieldValidation: 'Strict',
        force: options.force,
        dryRun: options.dryRun ? 'All' : undefined,
      },
      JSON.stringify(object),
      APPLY_PATCH,
    );
  }

  /**
   * Streams a watch: `onEvent` gets each event in order. Resolves `closed` when the server ends
   * the stream (its timeoutSeconds), `stopped` when onEvent said so or `signal` aborted;
   * rejects with KubeApiError (e.g. 410 Gone) or KubeNetworkError (a dropped connection, no
   * headers within the request deadline, silence past timeoutSeconds + 30 s, a line over
   * MAX_WATCH_LINE_BYTES or one that is not JSON).
   */
  async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => WatchVerdict,
    signal: AbortSignal,
  ): Promise<WatchEnd> {
    const fullQuery = { ...query, watch: true };
    const streamMs = (Number(query['timeoutSeconds'] ?? 300) + 30) * 1000;
    const connection = await this.connection;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return 'stopped';
      const sentWith = this.token;
      let response: ClusterResponse;
      try {
        response = await connection.open(this.request('GET', path, fullQuery, undefined, signal), {
          deadlineMs: this.requestTimeoutMs(),
        });
      } catch (error) {
        if (signal.aborted) return 'stopped';
        throw this.networkError('GET', path, error);
      }
      if (response.statusCode !== 200) {
        const error = await this.failure('GET', path, response, signal);
        if (signal.aborted) return 'stopped';
        if (attempt === 1 && (await this.renewOn(error, sentWith))) continue;
        throw error;
      }
      return readEvents(response, onEvent, signal, streamMs, (why, code) =>
        this.networkError('GET', path, Object.assign(new Error(why), { code })),
      );
    }
  }

  /**
   * Ends every request under way (a wait abandoned at its timeout, say) and the idle
   * connections, so the process can exit as soon as the run is done.
   */
  close(): void {
    this.closed = true;
    this.connection.then(
      (c) => c.close(),
      () => undefined,
    );
  }

  private requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000;
  }

  private request(
    verb: 'GET' | 'PATCH' | 'POST',
    path: string,
    query: Query,
    body: string | undefined,
    signal?: AbortSignal,
    contentType = STRATEGIC_MERGE_PATCH,
  ): ClusterRequest {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    const qs = search.toString();
    return {
      verb,
      path: qs ? `${path}?${qs}` : path,
      headers: {
        Accept: 'application/json',
        'User-Agent': USER_AGENT,
        ...(body !== undefined ? { 'Content-Type': contentType } : {}),
      },
      body,
      signal,
    };
  }

  private async call<T>(
    verb: 'GET' | 'PATCH' | 'POST',
    path: string,
    query: Query,
    body: string | undefined,
    contentType?: string,
  ): Promise<T> {
    const connection = await this.connection;
    const maxAttempts = 3;
    // One deadline for the call, retries included: a server that trickles or keeps failing
    // cannot hold the step longer than this.
    const deadline = this.now() + this.requestTimeoutMs();
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - this.now();
      if (this.closed) throw this.networkError(verb, path, new Error('the client was closed'));
      let response: { statusCode: number; headers: Record<string, string>; body: Buffer };
      const sentWith = this.token;
      try {
        if (left <= 0) {
          throw networkError(
            `no complete answer within ${this.requestTimeoutMs() / 1000} s`,
            DEADLINE,
          );
        }
        response = await connection.send(
          this.request(verb, path, query, body, undefined, contentType),
          {
            deadlineMs: left,
          },
        );
      } catch (error) {
        const failure = this.networkError(verb, path, error);
        if (
          attempt >= maxAttempts ||
          failure instanceof ActionError ||
          failure.permanent ||
          codeOf(error) === DEADLINE
        )
          throw failure;
        await sleep(Math.min(retryDelay(BACKOFF, attempt), Math.max(0, deadline - this.now())));
        continue;
      }
      const code = response.statusCode;
      const text = response.body.toString('utf8');
      if (code >= 200 && code < 300) return parseJson<T>(text, verb, path, this.server);
      const error = new KubeApiError(
        verb,
        path,
        code,
        parseStatus(text),
        this.options.impersonation,
      );
      // Once per request: a fresh token that is refused too is the answer.
      if (!renewed && (await this.renewOn(error, sentWith))) {
        renewed = true;
        continue;
      }
      if ((code === 429 || code >= 500) && attempt < maxAttempts) {
        const wait = retryDelay(BACKOFF, attempt, retryAfterMs(response.headers['retry-after']));
        if (this.now() + wait < deadline) {
          await sleep(wait);
          continue;
        }
      }
      throw error;
    }
  }

  /**
   * A transport failure as the error the callers handle: an answer over a bound is the server's
   * fault and final (an ActionError naming it); anything else a KubeNetworkError.
   */
  private networkError(verb: string, path: string, error: unknown): KubeNetworkError | ActionError {
    const cause = (error instanceof Error ? error : new Error(String(error))) as Error & {
      code?: string;
    };
    if (cause.code === TOO_LARGE) {
      return new ActionError(
        `The API server ${this.server} sent ${cause.message} for ${verb} ${path}: refused.`,
        'No answer a deploy needs is that large: check that the server address is the API server, and that nothing between the runner and it (a proxy, a load balancer) answers in its place.',
      );
    }
    return new KubeNetworkError(verb, path, cause);
  }

  /**
   * On a 401 with a token that is expired or about to be, fetches a new one and says so.
   * GitHub's tokens live 5 minutes, and a rollout can take longer. Concurrent waits share
   * one renewal; a request refused with a token another request has renewed since is retried with
   * the new one. Returns whether the request should be retried.
   */
  private async renewOn(error: KubeApiError, sentWith: string): Promise<boolean> {
    if (error.statusCode !== 401 || !this.options.renewToken) return false;
    if (this.token !== sentWith) return true;
    const left = this.tokenExp - this.now() / 1000;
    if (left > RENEW_MARGIN_S) return false;
    if (!this.renewing) {
      const renew = this.options.renewToken;
      const exp = this.tokenExp;
      this.renewing = (async () => {
        const renewed = await renew();
        const token = typeof renewed === 'string' ? renewed : renewed.token;
        this.token = token;
        this.tokenExp = typeof renewed === 'string' ? decodeClaims(token).exp : renewed.exp;
        (await this.connection).setToken(token);
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

  /**
   * The Status of a refused watch: its body, bounded, within the request deadline, and no longer
   * than the wait (`signal`: a wait abandoned at its timeout stops reading a trickling body).
   */
  private async failure(
    verb: string,
    path: string,
    response: ClusterResponse,
    signal: AbortSignal,
  ): Promise<KubeApiError> {
    const stop = () => response.destroy();
    signal.addEventListener('abort', stop, { once: true });
    const text = await readLimited(response, 1024 * 1024, this.requestTimeoutMs()).finally(() =>
      signal.removeEventListener('abort', stop),
    );
    return new KubeApiError(
      verb,
      path,
      response.statusCode ?? 0,
      parseStatus(text),
      this.options.impersonation,
    );
  }
}

function parseJson<T>(text: string, verb: string, path: string, server: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ActionError(
      `The API server ${server} answered ${verb} ${path} with a body that is not JSON.`,
      'Check that the server address is the API server, and that nothing between the runner and it (a proxy, a load balancer) answers in its place.',
    );
  }
}

function parseStatus(text: string): Status | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && (value as Status).kind === 'Status') {
      return value;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status code has to do.
  }
  return undefined;
}
