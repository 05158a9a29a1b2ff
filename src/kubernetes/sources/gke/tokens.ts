// The Google access token of a CI job (docs/wire-formats.md, 2d): the ID token exchanged at STS
// for a federated token (RFC 8693, form-urlencoded), and, with a service account named, that
// token traded at IAM Credentials generateAccessToken for the account's. Every token is masked
// the moment it is read, before anything can print it.
import { ActionError } from '../../../base/errors.js';
import type { MaskSecret } from '../../../oidc/token.js';
import { callGoogle, type GoogleDeps } from './google-api.js';
import { ENDPOINT_VARIABLES, type GoogleEndpoints } from './settings.js';

export const SCOPES = {
  cloudPlatform: 'https://www.googleapis.com/auth/cloud-platform',
  userinfoEmail: 'https://www.googleapis.com/auth/userinfo.email',
} as const;
/** What the cluster and the Container API need (gcloud asks for both, and more). */
export const ACCESS_SCOPES = [SCOPES.cloudPlatform, SCOPES.userinfoEmail];
/** A service account's token lives one hour at most (IAM Credentials' limit without an org policy). */
export const SERVICE_ACCOUNT_LIFETIME_S = 3600;

export interface GoogleToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface GoogleIdentity {
  /** The token the cluster and the Container API get. */
  access: GoogleToken;
  /** Who that is to Google: the service account's e-mail, or the federated principal. */
  principal: string;
  /** Whether a service account was impersonated. */
  impersonated: boolean;
}

export interface MintRequest {
  endpoints: Pick<GoogleEndpoints, 'sts' | 'iamcredentials'>;
  /** The provider's full name (projects/NUMBER/locations/global/...). */
  provider: string;
  serviceAccount: string | undefined;
  idToken: string;
  /** The ID token's sub, for the federated principal's name. */
  subject: string;
}

export interface MintDeps extends GoogleDeps {
  mask: MaskSecret;
  now?: () => number;
}

/** STS, then (with a service account) generateAccessToken: the token for GKE and who it is. */
export async function mintGoogleToken(
  request: MintRequest,
  deps: MintDeps,
): Promise<GoogleIdentity> {
  const federated = await exchangeIdToken(
    {
      sts: request.endpoints.sts,
      provider: request.provider,
      idToken: request.idToken,
      // The account's token needs only the IAM scope on the federated one; cloud-platform covers it.
      scopes: request.serviceAccount ? [SCOPES.cloudPlatform] : ACCESS_SCOPES,
    },
    deps,
  );
  if (!request.serviceAccount) {
    return {
      access: federated,
      principal: federatedPrincipal(request.provider, request.subject),
      impersonated: false,
    };
  }
  const access = await generateAccessToken(
    {
      iamcredentials: request.endpoints.iamcredentials,
      serviceAccount: request.serviceAccount,
      bearer: federated.token,
      scopes: ACCESS_SCOPES,
      lifetimeSeconds: SERVICE_ACCOUNT_LIFETIME_S,
    },
    deps,
  );
  return { access, principal: request.serviceAccount, impersonated: true };
}

/**
 * The IAM principal of a directly federated job whose provider maps google.subject from the
 * token's sub (the usual mapping: docs/gke.md).
 */
export function federatedPrincipal(provider: string, subject: string): string {
  const pool = provider.replace(/\/providers\/[^/]+$/, '');
  return `principal://iam.googleapis.com/${pool}/subject/${subject}`;
}

export interface ExchangeRequest {
  sts: string;
  provider: string;
  idToken: string;
  scopes: string[];
}

/** STS `POST v1/token`: the ID token for a federated access token (it dies with the ID token). */
export async function exchangeIdToken(
  request: ExchangeRequest,
  deps: MintDeps,
): Promise<GoogleToken> {
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience: `//iam.googleapis.com/${request.provider}`,
    scope: request.scopes.join(' '),
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: request.idToken,
  });
  const now = deps.now?.() ?? Date.now();
  const body = await callGoogle(
    {
      service: 'sts',
      what: 'Google STS token exchange',
      method: 'POST',
      url: `${request.sts}/v1/token`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      variable: ENDPOINT_VARIABLES.sts,
    },
    deps,
  );
  const { access_token: token, expires_in: expiresIn } = (body ?? {}) as {
    access_token?: unknown;
    expires_in?: unknown;
  };
  if (typeof token !== 'string' || !token) {
    throw new ActionError(
      'Google STS answered 200 without an access token.',
      `Check ${ENDPOINT_VARIABLES.sts}, or unset it for Google's own STS.`,
    );
  }
  deps.mask(token);
  const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 3600;
  return { token, expiresAt: now + seconds * 1000 };
}

export interface ImpersonationRequest {
  iamcredentials: string;
  serviceAccount: string;
  /** The federated token. */
  bearer: string;
  scopes: string[];
  lifetimeSeconds: number;
}

/** IAM Credentials `generateAccessToken`: the service account's token, independent of the ID token's life. */
export async function generateAccessToken(
  request: ImpersonationRequest,
  deps: MintDeps,
): Promise<GoogleToken> {
  const body = await callGoogle(
    {
      service: 'iamcredentials',
      what: 'IAM Credentials generateAccessToken',
      method: 'POST',
      // The e-mail verbatim, as google-auth sends it ("@" is valid in a path segment).
      url: `${request.iamcredentials}/v1/projects/-/serviceAccounts/${request.serviceAccount}:generateAccessToken`,
      headers: {
        authorization: `Bearer ${request.bearer}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ scope: request.scopes, lifetime: `${request.lifetimeSeconds}s` }),
      variable: ENDPOINT_VARIABLES.iamcredentials,
    },
    deps,
  );
  const { accessToken: token, expireTime } = (body ?? {}) as {
    accessToken?: unknown;
    expireTime?: unknown;
  };
  if (typeof token !== 'string' || !token) {
    throw new ActionError(
      'IAM Credentials answered 200 without an access token.',
      `Check ${ENDPOINT_VARIABLES.iamcredentials}, or unset it for Google's own endpoint.`,
    );
  }
  deps.mask(token);
  const expiresAt = typeof expireTime === 'string' ? Date.parse(expireTime) : NaN;
  if (Number.isNaN(expiresAt)) {
    throw new ActionError(
      'IAM Credentials answered a token without a readable expireTime.',
      `Check ${ENDPOINT_VARIABLES.iamcredentials}, or unset it for Google's own endpoint.`,
    );
  }
  return { token, expiresAt };
}
