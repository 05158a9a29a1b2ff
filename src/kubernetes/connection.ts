import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { Cluster, User } from '@kubernetes/client-node/dist/config_types.js';
import { HttpMethod, RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { requireHttps, type ClusterTarget } from './target.js';
import { impersonationHeaders, type Impersonation } from './impersonation.js';
import {
  HttpsLibrary,
  type ClusterAgent,
  type ClusterAgentOptions,
  type ClusterResponse,
  type ExchangeLimits,
} from './transport.js';

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
 * keep-alive agent that client-node makes.
 */
export class ClusterConnection {
  readonly base: URL;
  readonly kubeConfig: KubeConfig;
  private readonly cluster: Cluster;
  private readonly user: { -readonly [K in keyof User]: User[K] };
  private transport: Promise<HttpsLibrary> | undefined;
  private closed = false;

  constructor(
    target: ClusterTarget,
    proxy?: URL,
    private readonly impersonation: Impersonation = {},
    private readonly limits?: ExchangeLimits,
  ) {
    this.base = requireHttps(target.server);
    this.cluster = {
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
      clusters: [this.cluster],
      users: [this.user],
      contexts: [{ name: 'context', cluster: 'cluster', user: 'user' }],
      currentContext: 'context',
    });
  }

  /**
   * The HttpsLibrary every request of this cluster goes through, made once: its agent is
   * client-node's (`createAgent`: https.Agent, or hpagent's proxy agent for `proxy-url`) with the
   * TLS options `applyToHTTPSOptions` derives from the KubeConfig, and keep-alive. client-node
   * makes a new agent per request, without keep-alive: a TLS handshake per request cost 7-20 ms
   * (50 patches: 0.3-1 s), and through a proxy 8 requests made 8 CONNECTs.
   */
  library(): Promise<HttpsLibrary> {
    this.transport ??= (async () => {
      const options: Parameters<KubeConfig['applyToHTTPSOptions']>[0] & ClusterAgentOptions = {};
      await this.kubeConfig.applyToHTTPSOptions(options);
      const { ca, cert, key, rejectUnauthorized, servername } = options;
      // Verification is off only where the kubeconfig says so (as kubectl: never by
      // NODE_TLS_REJECT_UNAUTHORIZED, which client-node would otherwise let decide).
      const agentOptions: ClusterAgentOptions = {
        ca,
        cert,
        key,
        servername,
        rejectUnauthorized: rejectUnauthorized !== false,
        keepAlive: true,
      };
      // createAgent is private in client-node's types; it is what applyToHTTPSOptions calls.
      const agent = (
        this.kubeConfig as unknown as {
          createAgent(c: Cluster, o: ClusterAgentOptions): ClusterAgent;
        }
      ).createAgent(this.cluster, agentOptions);
      const library = new HttpsLibrary(
        agent,
        impersonationHeaders(this.impersonation),
        this.limits,
      );
      if (this.closed) library.close();
      return library;
    })();
    return this.transport;
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
    const [library, context] = await Promise.all([this.library(), this.context(request)]);
    const response = await library.send(context, limits);
    return {
      statusCode: response.httpStatusCode,
      headers: response.headers,
      body: await response.body.binary(),
    };
  }

  /** The response once its headers arrived, for a watch stream. */
  async open(request: ClusterRequest, limits: ExchangeLimits): Promise<ClusterResponse> {
    const [library, context] = await Promise.all([this.library(), this.context(request)]);
    return library.open(context, limits);
  }

  /** Ends every request under way and the idle connections: nothing holds the process. */
  close(): void {
    this.closed = true;
    void this.transport?.then((library) => library.close());
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
