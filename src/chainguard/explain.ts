import { ActionError } from '../base/errors.js';
import type { Claims } from '../oidc/claims.js';
import { foreign, inertQuoted, bodyExcerpt } from '../base/untrusted.js';

/** The grpc status codes grpc-gateway maps to HTTP, by number. */
const GRPC_CODES: Record<number, { name: string; sentence: string }> = {
  1: { name: 'CANCELLED', sentence: 'the request was cancelled' },
  2: { name: 'UNKNOWN', sentence: 'the STS failed for an unknown reason' },
  3: { name: 'INVALID_ARGUMENT', sentence: 'the STS rejected the request as malformed' },
  4: { name: 'DEADLINE_EXCEEDED', sentence: 'the STS timed out' },
  5: { name: 'NOT_FOUND', sentence: 'the identity does not exist, or is not visible' },
  7: {
    name: 'PERMISSION_DENIED',
    sentence: 'the identity does not accept this ID token: its claim_match does not match',
  },
  8: { name: 'RESOURCE_EXHAUSTED', sentence: 'the STS is rate-limiting this caller' },
  13: { name: 'INTERNAL', sentence: 'the STS failed internally' },
  14: { name: 'UNAVAILABLE', sentence: 'the STS is unavailable' },
  16: {
    name: 'UNAUTHENTICATED',
    sentence:
      'the STS did not accept the ID token: its issuer, audience, signature or expiry was rejected',
  },
};

export interface GrpcError {
  code: number | undefined;
  /** Bounded, one line, without anything token-shaped. */
  message: string;
}

/** A grpc-gateway error body `{"code", "message"}`; undefined when the body is not one. */
export function parseGrpcError(body: string): GrpcError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { code, message } = parsed as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  return { code: typeof code === 'number' ? code : undefined, message: bodyExcerpt(message, 300) };
}

/** The sentence for a grpc code, e.g. `PERMISSION_DENIED: the identity does not accept...`. */
export function describeGrpcCode(code: number | undefined): string | undefined {
  const known = code === undefined ? undefined : GRPC_CODES[code];
  return known ? `${known.name}: ${known.sentence}` : undefined;
}

export interface Refusal {
  status: number;
  body: string;
  identity: string;
  /** The Chainguard audience requested. */
  audience: string;
  /** The CI ID token's claims. */
  claims: Claims;
}

/**
 * Turns a refusal into what to do about it. For 401/403/404 that is the identity that would
 * accept this very token: its issuer, subject and audience, as a Terraform resource. The body
 * is never printed verbatim: only the grpc message, bounded and stripped of JWTs.
 */
export function explainRefusal(refusal: Refusal): ActionError {
  const { status, claims } = refusal;
  const grpc = parseGrpcError(refusal.body);
  const sentence = describeGrpcCode(grpc?.code);
  const detail = grpc ? foreign(grpc.message, 300) : 'the body is not a grpc-gateway error';
  const message =
    `The Chainguard STS refused the exchange for "chainguard-identity" ${foreign(refusal.identity)}: ` +
    `HTTP ${status}${sentence ? `, ${sentence}` : ''} (${detail}).`;

  if (status !== 401 && status !== 403 && status !== 404) {
    const hint =
      status === 400
        ? `Check "chainguard-audience" ("${foreign(refusal.audience)}") and "chainguard-identity".`
        : undefined;
    return new ActionError(message, hint);
  }

  const audience = claims.aud[0] ?? '';
  const lines: string[] = [];
  if (status === 404) {
    lines.push(
      'Check "chainguard-identity": `chainctl iam identities list` shows the ids of your assumable identities.',
    );
  }
  if (status === 401) {
    lines.push(
      'The identity accepts an ID token only when its aud equals the claim_match audience (default issuer.enforce.dev; set it with the "audience" input) and its issuer serves discovery and JWKS the STS can reach.',
    );
  }
  lines.push(
    'The ID token this job presented has:',
    `  iss: ${foreign(claims.iss)}`,
    `  sub: ${foreign(claims.sub)}`,
    `  aud: ${foreign(claims.aud.join(', '))}`,
    `An identity that accepts it (Terraform, chainguard-dev/chainguard provider):`,
    terraformIdentity(refusal.identity, claims.iss, claims.sub, audience),
  );
  return new ActionError(message, lines.join('\n'));
}

/** A `chainguard_identity` whose claim_match accepts exactly this issuer, subject and audience. */
export function terraformIdentity(
  identity: string,
  issuer: string,
  subject: string,
  audience: string,
): string {
  const slash = identity.lastIndexOf('/');
  const parent = slash === -1 ? '<your group id>' : identity.slice(0, slash);
  return [
    'resource "chainguard_identity" "ci" {',
    `  parent_id = ${hcl(parent)}`,
    '  name      = "ci"',
    '  claim_match {',
    `    issuer   = ${hcl(issuer)}`,
    `    subject  = ${hcl(subject)}`,
    `    audience = ${hcl(audience)}`,
    '  }',
    '}',
  ].join('\n');
}

/**
 * An HCL string literal: JSON escaping, plus `${` and `%{` which HCL would interpolate, and
 * `inertQuoted` (HCL reads `\u` escapes): the literal is exact and stays one inert line.
 */
function hcl(value: string): string {
  return inertQuoted(
    JSON.stringify(value).replace(/([$%])\{/g, (_m, sigil: string) => `${sigil}${sigil}{`),
  );
}
