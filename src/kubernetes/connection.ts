import type { IncomingMessage } from 'node:http';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Cluster, User } from '@kubernetes/client-node/dist/config_types.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { requireHttps, type ClusterTarget } from './target.js';
import { impersonationHeaders, type Impersonation } from './impersonation.js';
import { HttpsLibrary, type ExchangeLimits } from './transport.js';

export type { ClusterTarget } from './target.js';

export interface ClusterRequest {
  verb: 'GET' | 'PATCH';
  /** Path and query, e.g. `/apis/apps/v1/namespaces/demo/deployments?watch=true`. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * How requests reach one API server, on @kubernetes/client-node: a KubeConfig of the checked
 * plan (its cluster, with `proxy-url` from the kubeconfig or else HTTPS_PROXY/NO_PROXY, and a
 * static-token user carrying the ID token) gives each request its TLS settings, proxy agent and
 * credentials; HttpsLibrary (client-node's `httpApi` extension point) sends it over one
 * keep-alive agent. Built before the ID token exists, so the TLS context and the first handshake
 * can happen while the token is requested.
 */
export class ClusterConnection {
  readonly base: URL;
  readonly kubeConfig: KubeConfig;
  readonly library: HttpsLibrary;
  private readonly user: { -readonly [K in keyof User]: User[K] };
  private readonly warm: WarmAgent | undefined;
  private readonly tls: ConnectionOptions;

  constructor(
    target: ClusterTarget,
    proxy?: URL,
    impersonation: Impersonation = {},
    limits?: ExchangeLimits,
  ) {
    this.base = requireHttps(target.server);
    const cluster: Cluster = {
      name: 'cluster',
      server: target.server.replace(/\/$/, ''),
      caData: target.certificateAuthorityData,
      skipTLSVerify: target.insecureSkipTlsVerify,
      tlsServerName: target.tlsServerName,
      // proxyFor: the kubeconfig's proxy-url, else HTTPS_PROXY unless NO_PROXY or loopback.
      proxyUrl: proxy?.href,
    } as Cluster;
    this.user = { name: 'user', impersonateUser: impersonation.user } as User;
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromOptions({
      clusters: [cluster],
      users: [this.user],
      contexts: [{ name: 'context', cluster: 'cluster', user: 'user' }],
      currentContext: 'context',
    });
    this.tls = tlsOptionsOf(this.kubeConfig);
    let agent: Agent;
    const agentOptions: AgentOptions = { ...this.tls, keepAlive: true };
    if (proxy) {
      // client-node's own proxy agent (hpagent's HttpsProxyAgent for an http:// proxy-url),
      // made once with keep-alive: its tunnels are reused like direct connections.
      agent = (
        this.kubeConfig as unknown as { createAgent(c: Cluster, o: AgentOptions): Agent }
      ).createAgent(cluster, agentOptions);
    } else {
      // One keep-alive agent: a TLS handshake per request cost 7-20 ms each (50 patches: 0.3-1 s).
      // Idle sockets are unref'd, so they never hold the process open.
      this.warm = new WarmAgent(agentOptions);
      agent = this.warm;
    }
    this.library = new HttpsLibrary(agent, impersonationHeaders(impersonation), limits);
  }

  /** The bearer token of every request from now on (the ID token, or its renewal). */
  setToken(token: string): void {
    this.user.token = token;
  }

  /** A whole exchange, within the deadline and the body bound. */
  async send(
    request: ClusterRequest,
    limits: ExchangeLimits,
  ): Promise<{ statusCode: number; headers: Record<string, string>; body: Buffer }> {
    const response = await this.library.send(await this.context(request), limits);
    return {
      statusCode: response.httpStatusCode,
      headers: response.headers,
      body: await response.body.binary(),
    };
  }

  /** The response once its headers arrived, for a watch stream. */
  async open(request: ClusterRequest, limits: ExchangeLimits): Promise<IncomingMessage> {
    return this.library.open(await this.context(request), limits);
  }

  /** Ends every request under way and the idle connections: nothing holds the process. */
  close(): void {
    this.library.close();
  }

  /**
   * Opens the first connection ahead of the first request. Called once the ID token request is
   * on its way, the TLS context (~25 ms of CPU on Node 20 when it is the process's first: Node
   * parses its bundled root certificates) and the handshake overlap with the wait for the token.
   * Never throws: a connection that fails is dropped, and the first request connects itself and
   * reports the failure. Not through a proxy.
   */
  preconnect(): void {
    const agent = this.warm;
    if (!agent) return;
    try {
      const host = this.base.hostname.replace(/^\[|\]$/g, '');
      agent.warmUp({
        ...this.tls,
        host,
        port: Number(this.base.port || 443),
        ...(this.tls.servername || isIP(host) ? {} : { servername: host }),
      });
    } catch {
      // The first request meets the same problem and reports it.
    }
  }

  private async context(request: ClusterRequest): Promise<RequestContext> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + request.path, this.base);
    const context = new RequestContext(url.href, request.verb as HttpMethod);
    for (const [name, value] of Object.entries(request.headers)) {
      context.setHeaderParam(name, value);
    }
    if (request.body !== undefined) context.setBody(request.body);
    if (request.signal) context.setSignal(request.signal);
    // The KubeConfig's credentials: Authorization (the user's token) and Impersonate-User.
    await this.kubeConfig.applySecurityAuthentication(context);
    return context;
  }
}

/**
 * The TLS settings client-node derives from the KubeConfig (CA, client certificate and key,
 * insecure-skip-tls-verify, tls-server-name), with one secure context for every connection:
 * given `ca` instead, each socket built its own.
 */
function tlsOptionsOf(kubeConfig: KubeConfig): ConnectionOptions {
  const options: RequestOptions = {};
  // The TLS fields are set synchronously, before the first await inside; the agent it then
  // makes is not used (ours is made once, with keep-alive).
  kubeConfig.applyToHTTPSOptions(options).catch(() => undefined);
  const { ca, cert, key, rejectUnauthorized, servername } = options;
  return {
    ...(ca || cert || key
      ? {
          secureContext: createSecureContext({
            ...(ca ? { ca } : {}),
            ...(cert ? { cert } : {}),
            ...(key ? { key } : {}),
          }),
        }
      : {}),
    rejectUnauthorized: rejectUnauthorized !== false,
    ...(servername ? { servername } : {}),
  };
}

/** A keep-alive agent that hands out one connection opened in advance before opening others. */
class WarmAgent extends Agent {
  private warm: { socket: TLSSocket; onError: () => void } | undefined;

  warmUp(options: ConnectionOptions): void {
    const socket = tlsConnect(options);
    // Unused, it must not keep the process alive (a run that fails before any request).
    socket.unref();
    const onError = () => {
      if (this.warm?.socket === socket) this.warm = undefined;
      socket.destroy();
    };
    socket.once('error', onError);
    this.warm = { socket, onError };
  }

  override destroy(): void {
    this.warm?.socket.destroy();
    this.warm = undefined;
    super.destroy();
  }

  override createConnection(
    options: ConnectionOptions,
    callback?: (error: Error | null, socket: Socket) => void,
  ): Socket {
    const warm = this.warm;
    this.warm = undefined;
    if (warm && !warm.socket.destroyed) {
      // From here on the request that takes it handles its errors.
      warm.socket.removeListener('error', warm.onError);
      warm.socket.ref();
      return warm.socket;
    }
    return (
      Agent.prototype as unknown as {
        createConnection(o: ConnectionOptions, c?: typeof callback): Socket;
      }
    ).createConnection.call(this, options, callback);
  }
}
