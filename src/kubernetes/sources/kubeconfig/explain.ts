import { ActionError } from '../../../base/errors.js';
import { foreign } from '../../../base/untrusted.js';
import type { Claims } from '../../../oidc/claims.js';

/**
 * A 401 as an ActionError. The API server never says why (its body is always "Unauthorized"),
 * so this lists what it checks: the token's issuer, audience and expiry against the cluster's
 * AuthenticationConfiguration.
 */
export function explainUnauthorized(
  doing: string,
  claims: Claims,
  now: number = Date.now(),
  /** The step's "audience" input, when known (undefined inside: not set). */
  asked?: { audience: string | undefined },
): ActionError {
  const exp = new Date(claims.exp * 1000).toISOString();
  const expired = claims.exp * 1000 <= now;
  const aud = claims.aud[0] ?? '<audience>';
  const example = (prefix: string, issuer: string, audience: string) =>
    [
      'apiVersion: apiserver.config.k8s.io/v1beta1  # v1 from Kubernetes 1.34',
      'kind: AuthenticationConfiguration',
      'jwt:',
      '  - issuer:',
      `      url: ${issuer}`,
      '      audiences:',
      `        - ${audience}`,
      '    claimMappings:',
      '      username:',
      '        claim: sub',
      `        prefix: "${prefix}"`,
    ].join('\n');
  return new ActionError(
    `The cluster did not accept the ID token (401 Unauthorized) when asked to ${doing}.`,
    [
      'The API server does not say why; it checks these against its AuthenticationConfiguration (--authentication-config), the audience first:',
      `  aud: ${foreign(claims.aud.join(', ')) || '(none)'}  one must be in jwt[].issuer.audiences. ${audienceCause(asked)}`,
      `  iss: ${foreign(claims.iss)}  must equal jwt[].issuer.url exactly`,
      `  exp: ${exp}${expired ? '  (expired)' : ''}`,
      `  sub: ${foreign(claims.sub)}  becomes the user via claimMappings.username (claim: sub, with a prefix)`,
      "The cluster must also reach the issuer's discovery document and JWKS.",
      '',
      'For this token:',
      example(usernamePrefix(claims.iss), foreign(claims.iss), foreign(aud)),
      '',
      'Forgejo, e.g.:',
      example(
        'forgejo:',
        'https://forgejo.example.com/api/actions',
        'https://forgejo.example.com/OWNER',
      ),
      '',
      'GitHub, e.g.:',
      example('github:', 'https://token.actions.githubusercontent.com', 'https://github.com/OWNER'),
    ].join('\n'),
  );
}

/** The step's side of a wrong audience, said as plainly as the cluster's. */
function audienceCause(asked: { audience: string | undefined } | undefined): string {
  if (!asked) {
    return 'The step chooses it with input "audience": a wrong "audience" is as likely as a cluster that lists another.';
  }
  if (asked.audience === undefined) {
    return 'Input "audience" is not set, so this is the platform\'s default audience, which a cluster rarely lists: set "audience" to the one in the cluster\'s jwt[].issuer.audiences.';
  }
  return 'It is what input "audience" asked for: if the cluster lists another, input "audience" is wrong (or the cluster must list this one).';
}

/** A username prefix naming the platform, so cluster users from CI are recognisable. */
function usernamePrefix(issuer: string): string {
  if (/token\.actions\.githubusercontent\.com|\/_services\/token$/.test(issuer)) return 'github:';
  if (/\/api\/actions\/?$/.test(issuer)) return 'forgejo:';
  return 'oidc:';
}
