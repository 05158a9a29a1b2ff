// Entra ID tokens for the CI job's ID token (workload identity federation): Microsoft's MSAL Node
// (ConfidentialClientApplication, client-credentials grant, the ID token as a jwt-bearer client
// assertion) over the action's network layer (msal-network.ts). docs/wire-formats.md, 2e.
//
// MSAL knows the three public clouds' endpoints and asks nothing before the token request; an
// authority host given as an override is declared to it (knownAuthorities) with its endpoints
// (authorityMetadata), so it asks nothing there either: one POST per token.
import { randomUUID } from 'node:crypto';
import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  ServerError,
  type Configuration,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { ActionError } from '../../../base/errors.js';
import type { Logger } from '../../../base/logger.js';
import { foreign } from '../../../base/untrusted.js';
import type { Sleep } from '../../../net/retry.js';
import { MsalNetwork, type AzureTiming, type Exchange } from './msal-network.js';

export interface EntraClientOptions {
  /** `https://login.microsoftonline.com`, or an override. */
  authorityHost: string;
  /** The host is an override: give MSAL its endpoints instead of letting it look them up. */
  customAuthority: boolean;
  tenantId: string;
  clientId: string;
  /** The ID token to present first. */
  idToken: string;
  /** A fresh ID token (for an assertion Entra found expired, and for `fresh` tokens). */
  renewIdToken: () => Promise<string>;
  logger: Logger;
  timing?: Partial<AzureTiming>;
  wait?: Sleep;
}

export interface EntraToken {
  token: string;
  expiresAt: Date;
  /** The access token's claims (unverified: it came from Entra over TLS), {} if it is opaque. */
  claims: Record<string, unknown>;
  /** The ID token it was made with (the explanation of a later refusal quotes its claims). */
  idToken: string;
}

/** Entra's refusal (its OAuth error body): the AADSTS code says what is wrong. */
export class EntraRefusal extends Error {
  constructor(
    /** The AADSTS number (700213), when Entra sent one. */
    readonly code: number | undefined,
    /** The OAuth error (`invalid_client`), escaped. */
    readonly error: string,
    /** Entra's description without its trailer, escaped and bounded. */
    readonly description: string,
    readonly status: number,
    /** Trace and correlation ids (for Microsoft support), escaped. */
    readonly ids: string,
    /** The scope that was asked for. */
    readonly scope: string,
    /** The ID token that was presented. */
    readonly idToken: string,
  ) {
    super(`${code === undefined ? error : `AADSTS${code}`}: ${description}`);
    this.name = 'EntraRefusal';
  }

  /** `Entra ID: AADSTS700213 (invalid_client), "No matching...", trace id ..., correlation id ...` */
  get said(): string {
    const what = this.code === undefined ? this.error : `AADSTS${this.code} (${this.error})`;
    return `Entra ID: ${what}${this.description ? `, "${this.description}"` : ''}${this.ids ? `, ${this.ids}` : ''}`;
  }
}

export interface EntraClient {
  /**
   * A token for `scope` (`RESOURCE/.default`). `fresh`: with a new ID token and past MSAL's cache
   * (a renewal). An assertion Entra finds expired (AADSTS700024) is replaced once by a fresh one.
   */
  token(scope: string, fresh?: boolean): Promise<EntraToken>;
}

export function createEntraClient(options: EntraClientOptions): EntraClient {
  const network = new MsalNetwork(options.logger, options.timing, options.wait);
  const host = new URL(options.authorityHost).host;
  const authority = `${options.authorityHost}/${options.tenantId}`;
  let idToken = options.idToken;
  let renewing: Promise<string> | undefined;
  const renew = () => {
    renewing ??= options.renewIdToken().then(
      (token) => {
        idToken = token;
        renewing = undefined;
        return token;
      },
      (error: unknown) => {
        renewing = undefined;
        throw error;
      },
    );
    return renewing;
  };

  const auth: Configuration['auth'] = {
    clientId: options.clientId,
    authority,
    // Called for every token request: the ID token current at that moment.
    clientAssertion: () => Promise.resolve(idToken),
  };
  if (options.customAuthority) {
    auth.knownAuthorities = [host];
    auth.authorityMetadata = JSON.stringify(authorityMetadata(authority));
  }
  const app = new ConfidentialClientApplication({
    auth,
    system: {
      networkClient: network,
      loggerOptions: {
        // Never PII (MSAL would log claims); errors only, as debug lines.
        piiLoggingEnabled: false,
        logLevel: LogLevel.Error,
        loggerCallback: (_level, message, containsPii) => {
          if (!containsPii) options.logger.debug(`MSAL: ${foreign(message, 1000)}`);
        },
      },
    },
  });

  const once = async (scope: string, skipCache: boolean): Promise<EntraToken> => {
    const correlationId = randomUUID();
    const presented = idToken;
    let result;
    try {
      result = await app.acquireTokenByClientCredential({
        scopes: [scope],
        correlationId,
        skipCache,
        // MSAL_FORCE_REGION in the runner's environment would send the request to a regional
        // endpoint (ESTS-R) no override names.
        azureRegion: 'DisableMsalForceRegion',
      });
    } catch (error) {
      throw explainFailure(error, network.exchange(correlationId), scope, presented, host);
    }
    if (!result?.accessToken) {
      throw new ActionError(
        `Entra ID (${foreign(host)}) answered the token request for ${foreign(scope)} without an access token.`,
      );
    }
    const claims = readClaims(result.accessToken);
    const exp = typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : undefined;
    return {
      token: result.accessToken,
      expiresAt: new Date(exp ?? result.expiresOn?.getTime() ?? Date.now() + 3_000_000),
      claims,
      idToken: presented,
    };
  };

  return {
    async token(scope, fresh = false) {
      if (fresh) await renew();
      try {
        return await once(scope, fresh);
      } catch (error) {
        if (!(error instanceof EntraRefusal) || error.code !== 700024 || fresh) throw error;
        options.logger.info(
          'Entra ID found the ID token expired (AADSTS700024): presenting a fresh one',
        );
        await renew();
        return once(scope, true);
      }
    },
  };
}

/** The endpoints Entra's openid-configuration names, for an authority MSAL does not know. */
function authorityMetadata(authority: string): Record<string, unknown> {
  return {
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    issuer: `${authority}/v2.0`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
  };
}

function readClaims(token: string): Record<string, unknown> {
  try {
    return decodeJwt(token);
  } catch {
    return {};
  }
}

/**
 * What MSAL threw, as the error to explain: Entra's refusal read from the body it sent (recorded
 * by the network client), our words for a network failure, else MSAL's own.
 */
function explainFailure(
  error: unknown,
  exchange: Exchange | undefined,
  scope: string,
  idToken: string,
  host: string,
): Error {
  const refusal = exchange?.refusal && refusalOf(exchange.refusal, scope, idToken);
  if (refusal) return refusal;
  if (exchange?.failure) {
    const seconds = ((Date.now() - exchange.started) / 1000).toFixed(1);
    const attempts = `${exchange.attempts} attempt${exchange.attempts === 1 ? '' : 's'}`;
    return new ActionError(
      `Entra ID at ${foreign(host)} failed: ${foreign(exchange.failure.message)} (${attempts} in ${seconds} s).`,
      'Check that the runner can reach Entra ID (proxy settings: HTTPS_PROXY/NO_PROXY; NODE_EXTRA_CA_CERTS for a TLS-inspecting proxy), or set "azure-authority-host" to a host it can reach; re-run the job if Entra had server errors.',
    );
  }
  if (error instanceof ServerError) {
    return new EntraRefusal(
      Number(error.errorNo) || undefined,
      foreign(error.errorCode, 100),
      foreign(trimTrailer(error.errorMessage), 600),
      error.status ?? 0,
      error.correlationId ? `correlation id ${foreign(error.correlationId, 64)}` : '',
      scope,
      idToken,
    );
  }
  const message =
    error instanceof AuthError
      ? `${error.errorCode}: ${error.errorMessage}`
      : error instanceof Error
        ? error.message
        : String(error);
  return new ActionError(
    `MSAL could not get a token from Entra ID at ${foreign(host)}: ${foreign(message)}.`,
    'Check "azure-tenant-id", "azure-environment" and "azure-authority-host".',
  );
}

/** Entra's OAuth error body: `error`, `error_description` ("AADSTSn: ..."), `error_codes`. */
export function refusalOf(
  answer: { status: number; body: unknown },
  scope: string,
  idToken: string,
): EntraRefusal | undefined {
  const body = answer.body as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || typeof body['error'] !== 'string') return undefined;
  const description =
    typeof body['error_description'] === 'string' ? body['error_description'] : '';
  const codes = body['error_codes'];
  const fromCodes = Array.isArray(codes) && typeof codes[0] === 'number' ? codes[0] : undefined;
  const fromText = /^AADSTS(\d+)/.exec(description)?.[1];
  const ids = [
    typeof body['trace_id'] === 'string' ? `trace id ${foreign(body['trace_id'], 64)}` : '',
    typeof body['correlation_id'] === 'string'
      ? `correlation id ${foreign(body['correlation_id'], 64)}`
      : '',
  ].filter(Boolean);
  return new EntraRefusal(
    fromCodes ?? (fromText ? Number(fromText) : undefined),
    foreign(body['error'], 100),
    foreign(trimTrailer(description), 600),
    answer.status,
    ids.join(', '),
    scope,
    idToken,
  );
}

/** The description without "AADSTSn: " and Entra's "Trace ID: ... Timestamp: ..." trailer. */
export function trimTrailer(description: string): string {
  // MSAL's own message: "Error(s): 700213 - Timestamp: ... - Description: AADSTS700213: ... - Correlation ID: ..."
  const msal = /Description: ([\s\S]*?)(?: - Correlation ID:|$)/.exec(description)?.[1];
  return (msal ?? description)
    .replace(/^AADSTS\d+:\s*/, '')
    .replace(/[\s\r\n]*Trace ID:[\s\S]*$/, '')
    .trim();
}
