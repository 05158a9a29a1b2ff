// gke-cluster: the ID token exchanged at Google STS (and the service account impersonated when
// one is named), the cluster read with clusters.get, and the Google access token for the
// kubeconfig and the deploy, renewed from a fresh ID token.
import { report } from '../../../base/report.js';
import { foreign, foreignMarkdown as md } from '../../../base/untrusted.js';
import { decodeClaims } from '../../../oidc/claims.js';
import type { ClusterAccess, PreparedSource, SourceContext } from '../contract.js';
import { clusterResource, getCluster, type GkeCluster } from './container.js';
import {
  explainGetClusterRefusal,
  explainGkeUnauthorized,
  gkeForbiddenGrant,
  type GkeContext,
} from './explain.js';
import { GoogleRefusal, type GoogleTiming } from './google-api.js';
import { googleIdentity } from './identity.js';
import { PLUGIN_ENV } from './plugin-env.js';
import type { GkeSettings } from './settings.js';
import type { GoogleIdentity } from './tokens.js';

/** Nothing of the cluster is known before the token: clusters.get needs a Google token. */
export function prepare(settings: GkeSettings): PreparedSource {
  return { cluster: undefined, open: (ctx) => openGke(settings, ctx) };
}

/** Exchanges the ID token, reads the cluster and hands out the first Google access token. */
export async function openGke(
  settings: GkeSettings,
  ctx: SourceContext,
  timing?: Partial<GoogleTiming>,
): Promise<ClusterAccess & { identity: GoogleIdentity; described: GkeCluster }> {
  const deps = { logger: ctx.logger, mask: ctx.mask, timing };
  const mint = (idToken: string, claims = decodeClaims(idToken)) =>
    googleIdentity(
      {
        provider: settings.provider,
        serviceAccount: settings.serviceAccount,
        endpoints: settings.endpoints,
        idToken,
        claims,
      },
      deps,
    );
  const identity = await mint(ctx.token, ctx.claims);
  const resource = clusterResource(settings);
  // The principal is ours (the input, or the token's sub): foreign text all the same.
  ctx.logger.info(
    `Exchanged the ID token at Google STS${identity.impersonated ? ' and impersonated the service account' : ''}: ${foreign(identity.principal)} (token until ${new Date(identity.access.expiresAt).toISOString()})`,
  );
  const context: GkeContext = {
    project: settings.project,
    location: settings.location,
    cluster: settings.cluster,
    provider: settings.provider,
    serviceAccount: settings.serviceAccount,
    claims: ctx.claims,
    principal: identity.principal,
  };

  let described: GkeCluster;
  try {
    described = await getCluster(
      { ...settings, container: settings.endpoints.container, bearer: identity.access.token },
      settings.endpoint,
      deps,
    );
  } catch (error) {
    if (error instanceof GoogleRefusal) throw explainGetClusterRefusal(error, context);
    throw error;
  }
  // From Google's answer: foreign text.
  ctx.logger.info(
    `GKE cluster ${foreign(resource)}: API server ${foreign(described.server)} (${settings.endpoint} endpoint)`,
  );

  let exp = Math.floor(identity.access.expiresAt / 1000);
  const renew = async () => {
    const fresh = await mint(await ctx.renewToken());
    exp = Math.floor(fresh.access.expiresAt / 1000);
    ctx.logger.info(
      `Made a new Google access token for ${foreign(fresh.principal)} (until ${new Date(fresh.access.expiresAt).toISOString()})`,
    );
    return { token: fresh.access.token, exp };
  };
  const how = identity.impersonated ? 'service account' : 'direct federation';
  return {
    cluster: {
      kind: 'server',
      server: described.server,
      certificateAuthorityData: described.certificateAuthorityData,
    },
    credential: { token: identity.access.token, exp, renew },
    pluginEnv: [
      { name: PLUGIN_ENV.provider, value: settings.provider.name },
      { name: PLUGIN_ENV.stsEndpoint, value: settings.endpoints.sts },
      ...(settings.serviceAccount
        ? [
            { name: PLUGIN_ENV.serviceAccount, value: settings.serviceAccount },
            { name: PLUGIN_ENV.iamcredentialsEndpoint, value: settings.endpoints.iamcredentials },
          ]
        : []),
    ],
    explanations: {
      unauthorized: (doing) => explainGkeUnauthorized(doing, context, exp),
      forbidden: () => gkeForbiddenGrant(context),
      user: identity.principal,
    },
    report: report({
      outputs: [['gke-principal', identity.principal]],
      rows: [
        ['GKE cluster', `${md(resource)} (${md(described.server)})`],
        ['Google identity', `${md(identity.principal)} (${how})`],
      ],
    }),
    identity,
    described,
  };
}
