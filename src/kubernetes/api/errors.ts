import type { Impersonation } from '../cluster/impersonation.js';
import type { Status } from './objects.js';

/** A non-2xx answer of the API server, with its Status body when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly verb: string,
    readonly path: string,
    readonly statusCode: number,
    readonly status: Status | undefined,
    /** Who the request acted as (Impersonate-* headers), for the RBAC hint. */
    readonly impersonation?: Impersonation,
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
    const refusal = proxyRefusal(cause);
    super(
      `${verb} ${path}: ${refusal === undefined ? cause.message : `the proxy answered CONNECT with HTTP ${refusal}`}`,
    );
    this.name = 'KubeNetworkError';
    this.tls =
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(cause.code ?? '') ||
      // Node's checkServerIdentity error: a certificate for another name or IP.
      /^Hostname\/IP does not match certificate/.test(cause.message) ||
      cause.code === 'ERR_TLS_CERT_ALTNAME_INVALID';
    this.permanent = this.tls || proxyRefusal(cause) !== undefined;
  }
}

/** A proxy's refusal of the tunnel (hpagent's `Bad response: 407`): the status, else undefined. */
function proxyRefusal(cause: Error): number | undefined {
  const m = /^Bad response: (\d{3})$/.exec(cause.message);
  return m ? Number(m[1]) : undefined;
}
