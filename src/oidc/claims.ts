import {
  createLocalJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import { ActionError } from '../base/errors.js';
import { createHttpClient, type HttpClient } from '../net/http.js';
import { isLoopbackHost } from '../net/loopback.js';
import { foreign, bodyExcerpt } from '../base/untrusted.js';

/** Discovery and JWKS: a silent socket ends after 10 s, each document is complete within 10 s. */
const FETCH_TIMEOUT_MS = 10_000;

export interface Claims {
  iss: string;
  sub: string;
  aud: string[];
  /** Seconds since the epoch. */
  exp: number;
  /** Everything else the platform put in (repository, ref, workflow, ...). */
  extra: Record<string, unknown>;
}

/** Repository/ref claims worth showing, in this order, when the platform sets them. */
const CONTEXT_CLAIMS = [
  'repository',
  'ref',
  'ref_type',
  'environment',
  'event_name',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'run_id',
  'run_attempt',
  'actor',
  'sha',
];

/** Reads the claims without verifying them (verification is opt-in: `verify-token`). */
export function decodeClaims(token: string): Claims {
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(token);
  } catch {
    throw new ActionError('The ID token is not a readable JWT.');
  }
  const { iss, sub, aud, exp, ...extra } = payload;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof exp !== 'number') {
    throw new ActionError('The ID token lacks one of the claims iss, sub and exp.');
  }
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.map(String) : [];
  return { iss, sub, aud: audiences, exp, extra };
}

/** The claims as name/value rows, for the log and the summary; never the token itself. */
export function claimRows(claims: Claims, now: number = Date.now()): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['iss', claims.iss],
    ['sub', claims.sub],
    ['aud', claims.aud.join(', ')],
    ['exp', `${new Date(claims.exp * 1000).toISOString()} (${expiresIn(claims.exp, now)})`],
  ];
  for (const name of CONTEXT_CLAIMS) {
    const value = claims.extra[name];
    if (typeof value === 'string' || typeof value === 'number') rows.push([name, String(value)]);
  }
  return rows;
}

export function expiresIn(exp: number, now: number = Date.now()): string {
  const seconds = Math.round(exp - now / 1000);
  if (seconds <= 0) return `expired ${-seconds}s ago`;
  if (seconds < 120) return `in ${seconds}s`;
  return `in ${Math.round(seconds / 60)} min`;
}

/**
 * Verifies the token the way a relying party will: the issuer's discovery document must name
 * the same issuer, the signature must match a key of its JWKS, `exp` must lie ahead and, when
 * an audience was requested, `aud` must contain it. Catches a mismatch before it becomes a
 * bare "Unauthorized" from the peer.
 */
export async function verifyIdToken(
  token: string,
  claims: Claims,
  audience: string | undefined,
  http: HttpClient = createHttpClient(FETCH_TIMEOUT_MS, FETCH_TIMEOUT_MS),
): Promise<void> {
  // The issuer and every URL below come from the token or the issuer: foreign text.
  const discoveryUrl = `${claims.iss.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const discovery = await getJson<{ issuer?: unknown; jwks_uri?: unknown }>(
    http,
    discoveryUrl,
    'discovery document',
  );
  if (discovery.issuer !== claims.iss) {
    throw new ActionError(
      `verify-token: the discovery document at ${foreign(discoveryUrl)} names issuer "${foreign(discovery.issuer)}", not the token's "${foreign(claims.iss)}".`,
    );
  }
  if (typeof discovery.jwks_uri !== 'string') {
    throw new ActionError(
      `verify-token: the discovery document at ${foreign(discoveryUrl)} has no jwks_uri.`,
    );
  }
  const jwks = await getJson<JSONWebKeySet>(http, discovery.jwks_uri, 'JWKS');
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: claims.iss,
      ...(audience !== undefined ? { audience } : {}),
      clockTolerance: 30,
    });
  } catch (error) {
    throw new ActionError(
      `verify-token: the ID token failed verification: ${verificationReason(error, audience)}.`,
    );
  }
}

function verificationReason(error: unknown, audience: string | undefined): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired (exp lies in the past)';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return `its aud does not contain the requested audience "${foreign(audience ?? '')}"`;
    return `claim ${foreign(error.claim)} is invalid (${foreign(error.reason)})`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey)
    return "no key of the issuer's JWKS matches its kid";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return "its signature does not match the issuer's key";
  return foreign(error instanceof Error ? error.message : String(error));
}

async function getJson<T>(http: HttpClient, url: string, what: string): Promise<T> {
  // The keys decide what verifies: over plain http to another host, anyone on the path picks them.
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    !(
      parsed.protocol === 'https:' ||
      (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))
    )
  ) {
    throw new ActionError(
      `verify-token: the ${what} is at ${foreign(url)}, which is not an https:// URL (plain http is accepted only for a loopback address).`,
    );
  }
  let status: number;
  let body: string;
  try {
    const response = await http.get(url, { accept: 'application/json' });
    status = response.status;
    body = response.body;
  } catch (error) {
    throw new ActionError(
      `verify-token: could not fetch the ${what} from ${foreign(url)}: ${foreign(error instanceof Error ? error.message : String(error))}.`,
    );
  }
  if (status !== 200) {
    throw new ActionError(
      `verify-token: the ${what} at ${foreign(url)} answered HTTP ${status}: ${foreign(bodyExcerpt(body))}.`,
    );
  }
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new ActionError(`verify-token: the ${what} at ${foreign(url)} is not JSON.`);
  }
}
