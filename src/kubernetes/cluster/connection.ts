import type { OutgoingHttpHeaders } from 'node:http';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Cluster, User } from '@kubernetes/client-node/dist/config_types.js';
import { HttpsProxyAgent } from 'hpagent';
import { impersonationHeaders, type Impersonation } from './impersonation.js';
import { requireHttps, type ClusterTarget } from './target.js';
import {
  ClusterTransport,
  type ClusterResponse,
  type ExchangeLimits,
  type TransportResponse,
} from './transport.js';

export type { ClusterTarget } from './target.js';

export interface ClusterRequest {
  verb: 'GET' | 'PATCH' | 'POST';
  /** Path and query, e.g. `/apis/apps/v1/namespaces/demo/deployments?watch=true`. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * How requests reach one API server. @kubernetes/client-node's KubeConfig, built from the checked
 * plan (its cluster: CA, insecure-skip-tls-verify, tls-server-name; a user carrying the token
 * and Impersonate-User), gives every request its TLS options and credentials through its public
 * `applyToHTTPSOptions`; the transport (transport.ts) sends them over one keep-alive agent.
 *
 * The agent is made here, from those TLS options, because the agent client-node makes (its
 * private `createAgent`, which `applyToHTTPSOptions` calls) has no keep-alive and no public
 * option for it: a TLS handshake per request cost 7-20 ms (50 patches: 0.3-1 s), and through a
 * proxy 8 requests made 8 CONNECTs. Through a proxy it is hpagent's HttpsProxyAgent, the class
 * client-node uses for `proxy-url`, with the same options plus keep-alive.
 */
export class ClusterConnection {
  readonly base: URL;
  readonly kubeConfig: KubeConfig;
  private readonly user: { -readonly [K in keyof User]: User[K] };
  private transport: Promise<ClusterTransport> | undefined;
  /** What the KubeConfig applies for the current token (TLS options, Authorization). */
  private applied: Promise<RequestOptions> | undefined;
  private readonly impersonation: OutgoingHttpHeaders;
  private closed = false;

  constructor(
    target: ClusterTarget,
    private readonly proxy?: URL,
    impersonation: Impersonation = {},
  ) {
    this.base = requireHttps(target.server);
    const cluster: Cluster = {
      name: 'cluster',
      server: target.server.replace(/\/$/, ''),
      caData: target.certificateAuthorityData,
      skipTLSVerify: target.insecureSkipTlsVerify,
      tlsServerName: target.tlsServerName,
    };
    this.user = { name: 'user' };
    // client-go's Impersonate-* headers: client-node would send only Impersonate-User.
    this.impersonation = impersonationHeaders(impersonation);
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromClusterAndUser(cluster, this.user);
  }

  /** The transport every request of this cluster goes through, made once. */
  connect(): Promise<ClusterTransport> {
    this.transport ??= (async () => {
      const options = await this.applyKubeConfig();
      const { ca, cert, key, servername } = options;
      const tls: AgentOptions = {
        ca,
        cert,
        key,
        servername,
        // Verification is off only where the kubeconfig says so (as kubectl: never by
        // NODE_TLS_REJECT_UNAUTHORIZED, which client-node would otherwise let decide).
        rejectUnauthorized: options.rejectUnauthorized !== false,
        keepAlive: true,
      };
      // proxyFor (proxy.ts): the kubeconfig's proxy-url, else HTTPS_PROXY unless NO_PROXY or
      // loopback; an http:// proxy that tunnels TLS with CONNECT.
      const agent = this.proxy
        ? new HttpsProxyAgent({ ...tls, proxy: this.proxy })
        : new Agent(tls);
      const transport = new ClusterTransport(agent);
      if (this.closed) transport.close();
      return transport;
    })();
    return this.transport;
  }

  /** The bearer token of every request from now on (the ID token, or its renewal). */
  setToken(token: string): void {
    this.user.token = token;
    this.applied = undefined;
  }

  /** A whole exchange, within the deadline and the body bound. */
  async send(request: ClusterRequest, limits: ExchangeLimits): Promise<TransportResponse> {
    const [transport, headers] = await Promise.all([this.connect(), this.headers(request)]);
    return transport.send(this.transportRequest(request, headers), limits);
  }

  /** The response once its headers arrived, for a watch stream. */
  async open(request: ClusterRequest, limits: ExchangeLimits): Promise<ClusterResponse> {
    const [transport, headers] = await Promise.all([this.connect(), this.headers(request)]);
    return transport.open(this.transportRequest(request, headers), limits);
  }

  /** Ends every request under way and the idle connections: nothing holds the process. */
  close(): void {
    this.closed = true;
    void this.transport?.then((transport) => transport.close());
  }

  private transportRequest(request: ClusterRequest, headers: OutgoingHttpHeaders) {
    return {
      method: request.verb,
      url: new URL(this.base.pathname.replace(/\/$/, '') + request.path, this.base),
      headers,
      body: request.body,
      signal: request.signal,
    };
  }

  /** The request's headers with the KubeConfig's credentials and the impersonation headers. */
  private async headers(request: ClusterRequest): Promise<OutgoingHttpHeaders> {
    const { headers } = await this.applyKubeConfig();
    return {
      ...request.headers,
      ...(headers && !Array.isArray(headers) ? (headers as OutgoingHttpHeaders) : {}),
      ...this.impersonation,
    };
  }

  /** TLS options and the Authorization header, as the KubeConfig derives them for the token. */
  private applyKubeConfig(): Promise<RequestOptions> {
    this.applied ??= (async () => {
      const options: RequestOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      return options;
    })();
    return this.applied;
  }
}
