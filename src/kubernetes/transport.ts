import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent, type AgentOptions } from 'node:https';
import {
  ResponseContext,
  SelfDecodingBody,
  type PromiseHttpLibrary,
  type RequestContext,
} from '@kubernetes/client-node/dist/gen/http/http.js';

/**
 * client-node's HttpLibrary (its `httpApi` extension point) on node:https with one keep-alive
 * agent. client-node's own sends every request through node-fetch with a new https.Agent each
 * (no keep-alive: 8 requests through a proxy made 8 CONNECTs), has no deadline, no body bound,
 * and node-fetch's url.parse() prints DEP0169 on Node 24 from a bundle. This one:
 * - uses `agent` for every request (the KubeConfig's TLS settings, and its proxy when it has one);
 * - bounds every exchange: `deadlineMs` from start to last byte, then the request is destroyed;
 * - bounds the body (`maxBodyBytes`); a larger answer fails with code ERR_KUBE_TOO_LARGE;
 * - adds `extraHeaders` (the impersonation headers client-node does not send).
 * The credentials (Authorization, Impersonate-User) come from the KubeConfig, applied to the
 * RequestContext by `applySecurityAuthentication` before it gets here, as for a typed API call.
 */

/** A response whose body is still to be read (a watch stream). */
export type ClusterResponse = IncomingMessage;
/** The agent client-node's `createAgent` makes (https.Agent, or hpagent's proxy agent). */
export type ClusterAgent = Agent;
/** What `createAgent` takes: the KubeConfig's TLS options, and keep-alive. */
export type ClusterAgentOptions = AgentOptions;

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Error codes of the transport's own failures (the rest are node's: ECONNREFUSED, CERT_...). */
export const DEADLINE = 'ERR_KUBE_DEADLINE';
export const TOO_LARGE = 'ERR_KUBE_TOO_LARGE';

export interface ExchangeLimits {
  /** From request start to the last byte of the body (send) or to the headers (open). */
  deadlineMs: number;
  maxBodyBytes?: number;
}

export class HttpsLibrary implements PromiseHttpLibrary {
  /** Requests under way: `close` destroys them (an abandoned wait must not hold the process). */
  private readonly pending = new Set<{ destroy(error?: Error): void }>();

  constructor(
    private readonly agent: Agent,
    private readonly extraHeaders: OutgoingHttpHeaders = {},
    private readonly defaults: ExchangeLimits = { deadlineMs: 30_000 },
  ) {}

  /** A whole exchange: status, headers and the body, read within the deadline and the bound. */
  async send(request: RequestContext, limits = this.defaults): Promise<ResponseContext> {
    const exchange = await this.start(request, limits.deadlineMs);
    try {
      const body = await readBounded(exchange.response, limits.maxBodyBytes ?? MAX_BODY_BYTES);
      return new ResponseContext(
        exchange.response.statusCode ?? 0,
        flatHeaders(exchange.response),
        new SelfDecodingBody(Promise.resolve(body)),
      );
    } catch (error) {
      throw exchange.failure() ?? error;
    } finally {
      exchange.end();
    }
  }

  /**
   * The response once its headers arrived (within `deadlineMs`), for a stream the caller reads
   * and bounds itself (a watch). The caller destroys it when done; `close` does too.
   */
  async open(request: RequestContext, limits = this.defaults): Promise<IncomingMessage> {
    const exchange = await this.start(request, limits.deadlineMs);
    exchange.end();
    exchange.response.once('close', () => this.pending.delete(exchange.response));
    this.pending.add(exchange.response);
    return exchange.response;
  }

  /** Destroys every request under way and the idle connections. */
  close(): void {
    for (const req of this.pending) req.destroy(new Error('the client was closed'));
    this.pending.clear();
    this.agent.destroy();
  }

  private start(request: RequestContext, deadlineMs: number): Promise<Exchange> {
    const url = new URL(request.getUrl());
    const body = request.getBody();
    if (body !== undefined && typeof body !== 'string') {
      return Promise.reject(new Error('HttpsLibrary sends string bodies only'));
    }
    const signal = request.getSignal();
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const req = httpsRequest(url, {
        method: request.getHttpMethod(),
        agent: this.agent,
        headers: {
          ...request.getHeaders(),
          ...this.extraHeaders,
          ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}),
        },
      });
      let response: IncomingMessage | undefined;
      let failure: Error | undefined;
      const kill = (error: Error) => {
        failure ??= error;
        response?.destroy(error);
        req.destroy(error);
      };
      this.pending.add(req);
      // Start to last byte: a server that trickles is cut off, and the request destroyed.
      const timer = setTimeout(
        () =>
          kill(
            Object.assign(new Error(`no complete answer within ${deadlineMs / 1000} s`), {
              code: DEADLINE,
            }),
          ),
        deadlineMs,
      );
      const onAbort = () => kill(abortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      const end = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(req);
      };
      req.once('response', (answer) => {
        response = answer;
        resolve({ response: answer, end, failure: () => failure });
      });
      req.once('error', (error) => {
        end();
        reject(failure ?? error);
      });
      req.end(body);
    });
  }
}

interface Exchange {
  response: IncomingMessage;
  /** Stops the deadline and the abort listener. */
  end(): void;
  /** The deadline or abort that ended the exchange, if one did. */
  failure(): Error | undefined;
}

/** The body, at most `maxBytes`; a larger one destroys the response and fails with TOO_LARGE. */
export function readBounded(response: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      return reject(tooLarge(maxBytes));
    }
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new Error('the connection closed before the whole answer'));
    });
  });
}

function tooLarge(maxBytes: number): Error {
  return Object.assign(new Error(`an answer of more than ${maxBytes / 1024 / 1024} MiB`), {
    code: TOO_LARGE,
  });
}

function abortError(): Error {
  return Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}

function flatHeaders(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
