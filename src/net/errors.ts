/**
 * Codes of the network layer's own failures (the rest are Node's: ECONNREFUSED, CERT_...), on
 * the `code` of the Error, so that callers tell a deadline or an oversized answer from a
 * refused connection without parsing messages.
 */
export const DEADLINE = 'ERR_OIDC_DEPLOY_DEADLINE';
export const TOO_LARGE = 'ERR_OIDC_DEPLOY_TOO_LARGE';
export const CUT_SHORT = 'ERR_OIDC_DEPLOY_CUT_SHORT';

export type NetworkErrorCode = typeof DEADLINE | typeof TOO_LARGE | typeof CUT_SHORT;

export function networkError(message: string, code: NetworkErrorCode): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** The code of anything thrown, when it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
