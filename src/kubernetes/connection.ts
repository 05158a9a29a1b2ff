import { Agent, type RequestOptions } from 'node:https';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  type ConnectionOptions,
  type TLSSocket,
} from 'node:tls';
import { ActionError } from '../errors.js';
import type { KubeTarget } from './kubeconfig.js';
import { tunnelThrough } from './proxy.js';

export type ClusterTarget = Pick<
  KubeTarget,
  'server' | 'certificateAuthorityData' | 'insecureSkipTlsVerify' | 'tlsServerName'
>;

/**
 * How requests reach one API server: its TLS settings and the connections they reuse. Built
 * before the ID token exists, so that the costly part (the TLS context, the first handshake) can
 * happen while the token is requested.
 */
export class ClusterConnection {
  readonly base: URL;
  private tls: ConnectionOptions | undefined;
  private readonly agent: WarmAgent | undefined;

  constructor(
    private readonly target: ClusterTarget,
    private readonly proxy?: URL,
  ) {
    this.base = new URL(target.server);
    if (this.base.protocol !== 'https:') {
      // kubectl never sends a bearer token over plain http, and neither does this.
      throw new ActionError(
        `The cluster's server ${this.base.protocol}//${this.base.host} is not https.`,
        'Use the https:// address of the API server.',
      );
    }
    // One keep-alive agent: a TLS handshake per request cost 7-20 ms each (50 patches: 0.3-1 s).
    // Idle sockets are unref'd, so they never hold the process open. Through a proxy, each
    // request opens its own CONNECT tunnel instead.
    this.agent = proxy ? undefined : new WarmAgent({ keepAlive: true });
  }

  /** The options every request to this server carries. */
  requestOptions(): RequestOptions {
    const tls = this.tlsOptions();
    return this.proxy
      ? { ...tls, createConnection: tunnelThrough(this.proxy, tls) }
      : { ...tls, agent: this.agent };
  }

  /**
   * Opens the first connection ahead of the first request. Called once the ID token request is
   * on its way, the TLS context (~25 ms of CPU on Node 20 when it is the process's first: Node
   * parses its bundled root certificates) and the handshake overlap with the wait for the token.
   * Never throws: a connection that fails is dropped, and the first request connects itself and
   * reports the failure. Not through a proxy.
   */
  preconnect(): void {
    const agent = this.agent;
    if (!agent) return;
    try {
      const host = this.base.hostname.replace(/^\[|\]$/g, '');
      const tls = this.tlsOptions();
      agent.warmUp({
        ...tls,
        host,
        port: Number(this.base.port || 443),
        ...(tls.servername || isIP(host) ? {} : { servername: host }),
      });
    } catch {
      // The first request meets the same problem and reports it.
    }
  }

  private tlsOptions(): ConnectionOptions {
    if (this.tls) return this.tls;
    const { certificateAuthorityData: ca, insecureSkipTlsVerify, tlsServerName } = this.target;
    this.tls = {
      // One context for every connection: given `ca` instead, each socket built its own.
      ...(ca
        ? { secureContext: createSecureContext({ ca: Buffer.from(ca, 'base64').toString('utf8') }) }
        : {}),
      rejectUnauthorized: !insecureSkipTlsVerify,
      ...(tlsServerName ? { servername: tlsServerName } : {}),
    };
    return this.tls;
  }
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
