import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import { readBounded } from '../../net/body.js';
import { codeOf, DEADLINE, networkError, TOO_LARGE } from '../../net/errors.js';

/**
 * How requests reach the API server: node:https on one keep-alive agent (connection.ts makes
 * it from client-node's TLS options). client-node's own HttpLibrary and Watch go through
 * node-fetch: a new agent per request (no keep-alive: 8 requests through a proxy made 8
 * CONNECTs), no deadline, no body bound, and node-fetch's url.parse() prints DEP0169 on Node 24
 * from a bundle. This one:
 * - bounds every exchange: `deadlineMs` from start to last byte, then the request is destroyed
 *   (code DEADLINE of net/errors.ts);
 * - bounds the body (`maxBodyBytes`; a larger answer fails with code TOO_LARGE, net/body.ts);
 * - destroys whatever is still under way on `close`.
 * The only module of the action that opens a connection itself (docs/design.md, "Kubernetes
 * client"); its types (ClusterResponse, ClusterAgent) keep node:https out of every other module.
 */

/** A response whose body is still to be read (a watch stream). */
export type ClusterResponse = IncomingMessage;
/** The keep-alive agent (https.Agent, or hpagent's proxy agent). */
export type ClusterAgent = Agent;

export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface ExchangeLimits {
  /** From request start to the last byte of the body (send) or to the headers (open). */
  deadlineMs: number;
  maxBodyBytes?: number;
}

export interface TransportRequest {
  method: 'GET' | 'PATCH' | 'POST';
  url: URL;
  headers: OutgoingHttpHeaders;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface TransportResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class ClusterTransport {
  /** Requests under way: `close` destroys them (an abandoned wait must not hold the process). */
  private readonly pending = new Set<{ destroy(error?: Error): void }>();

  constructor(private readonly agent: Agent) {}

  /** A whole exchange: status, headers and the body, read within the deadline and the bound. */
  async send(request: TransportRequest, limits: ExchangeLimits): Promise<TransportResponse> {
    const exchange = await this.start(request, limits.deadlineMs);
    const maxBytes = limits.maxBodyBytes ?? MAX_BODY_BYTES;
    try {
      const body = await readBounded(exchange.response, maxBytes, 'the API server').catch(
        (error: unknown) => {
          // Said as the client's messages say it: "sent an answer of more than 64 MiB".
          throw codeOf(error) === TOO_LARGE
            ? networkError(`an answer of more than ${maxBytes / 1024 / 1024} MiB`, TOO_LARGE)
            : error;
        },
      );
      return {
        statusCode: exchange.response.statusCode ?? 0,
        headers: flatHeaders(exchange.response),
        body,
      };
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
  async open(request: TransportRequest, limits: ExchangeLimits): Promise<ClusterResponse> {
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

  private start(request: TransportRequest, deadlineMs: number): Promise<Exchange> {
    const { body, signal } = request;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const req = httpsRequest(request.url, {
        method: request.method,
        agent: this.agent,
        headers: {
          ...request.headers,
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
        () => kill(networkError(`no complete answer within ${deadlineMs / 1000} s`, DEADLINE)),
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
