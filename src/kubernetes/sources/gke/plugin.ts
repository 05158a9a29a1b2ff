// The GKE source's half of the credential plugin (dist/credential.js with OIDC_DEPLOY_SOURCE=gke
// in the kubeconfig's exec env): the fresh ID token is exchanged at Google STS again (and the
// service account impersonated again), so a later kubectl works after every token the step saw
// has expired, with no Google credential in the job's environment.
import { ActionError } from '../../../base/errors.js';
import { decodeClaims } from '../../../oidc/claims.js';
import { handOutUntil, type MintRequest } from '../contract.js';
import { PLUGIN_GOOGLE_TIMING } from './google-api.js';
import { googleIdentity } from './identity.js';
import { PLUGIN_ENV } from './plugin-env.js';
import { DEFAULT_ENDPOINTS, providerParts } from './settings.js';

/** A Google access token for the provider (and account) the kubeconfig's exec env names. */
export async function mint({
  env,
  idToken,
  logger,
}: MintRequest): Promise<{ token: string; expiresAt: Date }> {
  const providerName = env[PLUGIN_ENV.provider] ?? '';
  const provider = providerParts(providerName);
  if (!provider) {
    throw new ActionError(
      `The kubeconfig's exec env has no ${PLUGIN_ENV.provider}: it was not written by this action's GKE source.`,
      'Run the action with gke-cluster again to write a new kubeconfig.',
    );
  }
  const serviceAccount = env[PLUGIN_ENV.serviceAccount] || undefined;
  const started = Date.now();
  const identity = await googleIdentity(
    {
      provider,
      serviceAccount,
      endpoints: {
        sts: env[PLUGIN_ENV.stsEndpoint] || DEFAULT_ENDPOINTS.sts,
        iamcredentials: env[PLUGIN_ENV.iamcredentialsEndpoint] || DEFAULT_ENDPOINTS.iamcredentials,
      },
      idToken,
      claims: decodeClaims(idToken),
    },
    // The plugin prints nothing to a runner: stdout carries the ExecCredential alone.
    { logger, mask: () => {}, timing: PLUGIN_GOOGLE_TIMING },
  );
  logger.info(`made a Google access token for ${identity.principal}`);
  return {
    token: identity.access.token,
    expiresAt: handOutUntil(identity.access.expiresAt, started),
  };
}
