// The Google token of a CI job, with Google's refusals explained: shared by the step (driver.ts)
// and the credential plugin (plugin.ts).
import type { Claims } from '../../../oidc/claims.js';
import { explainImpersonationRefusal, explainStsRefusal, type IdentityContext } from './explain.js';
import { GoogleRefusal } from './google-api.js';
import type { GoogleEndpoints, WorkloadIdentityProvider } from './settings.js';
import {
  federatedPrincipal,
  mintGoogleToken,
  type GoogleIdentity,
  type MintDeps,
} from './tokens.js';

export interface IdentityRequest {
  provider: WorkloadIdentityProvider;
  serviceAccount: string | undefined;
  endpoints: Pick<GoogleEndpoints, 'sts' | 'iamcredentials'>;
  idToken: string;
  claims: Claims;
}

/** The context of an explanation before Google has said who the job is. */
export function identityContext(
  request: Omit<IdentityRequest, 'idToken' | 'endpoints'>,
): IdentityContext {
  return {
    provider: request.provider,
    serviceAccount: request.serviceAccount,
    claims: request.claims,
    principal:
      request.serviceAccount ?? federatedPrincipal(request.provider.name, request.claims.sub),
  };
}

/** The job's Google token; a refusal of STS or IAM Credentials becomes what to fix. */
export async function googleIdentity(
  request: IdentityRequest,
  deps: MintDeps,
): Promise<GoogleIdentity> {
  try {
    const identity = await mintGoogleToken(
      {
        endpoints: request.endpoints,
        provider: request.provider.name,
        serviceAccount: request.serviceAccount,
        idToken: request.idToken,
        subject: request.claims.sub,
      },
      deps,
    );
    // Direct federation: the token dies with the ID token, whatever STS said.
    if (!identity.impersonated) {
      identity.access.expiresAt = Math.min(identity.access.expiresAt, request.claims.exp * 1000);
    }
    return identity;
  } catch (error) {
    if (!(error instanceof GoogleRefusal)) throw error;
    const context = identityContext(request);
    throw error.service === 'sts'
      ? explainStsRefusal(error, context)
      : explainImpersonationRefusal(error, context);
  }
}
