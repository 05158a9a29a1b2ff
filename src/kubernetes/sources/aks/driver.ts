// aks-cluster: the ID token buys an ARM token and an AKS token from Entra ID (both at once, they
// need nothing but the ID token), ARM's listClusterUserCredential gives the server and CA, and the
// AKS token is the bearer, renewed from a fresh ID token. A cluster without Entra integration gets
// its local account's static token, with a warning.
import { report } from '../../../base/report.js';
import { foreign, foreignMarkdown as md } from '../../../base/untrusted.js';
import { decodeClaims } from '../../../oidc/claims.js';
import type { ClusterAccess, PreparedSource, SourceContext, StepCredential } from '../contract.js';
import {
  ArmRefusal,
  listClusterUserCredential,
  type ClusterCredentialRequest,
  type ClusterUserCredential,
} from './arm.js';
import { AKS_SERVER_APP_ID, clusterScope } from './clouds.js';
import type { EntraClient, EntraToken } from './entra.js';
import { explainEntraRefusal } from './explain-entra.js';
import { clusterExplanations, explainArmRefusal, type AksContext } from './explain.js';
import { pluginEnvOf } from './plugin-env.js';
import type { AksSettings } from './settings.js';

type EntraModule = typeof import('./entra.js');

/** A local account's token does not expire: the step never renews it by its `exp`. */
const NEVER_SECONDS = 10 * 365 * 24 * 3600;

/**
 * Nothing of the cluster is known before the token (ARM needs an Entra token). MSAL, the largest
 * part of this source, loads while the ID token is requested.
 */
export function prepare(settings: AksSettings): PreparedSource {
  let entra: Promise<EntraModule> | undefined;
  const load = () => (entra ??= import('./entra.js'));
  return {
    cluster: undefined,
    whileTokenIsRequested: () => {
      load().catch(() => undefined);
    },
    open: async (ctx) => openAks(settings, ctx, await load()),
  };
}

/** Mints both tokens, reads the cluster's credential and makes the step's bearer. */
export async function openAks(
  settings: AksSettings,
  ctx: SourceContext,
  entra: EntraModule,
): Promise<ClusterAccess & { credentialKind: 'entra' | 'local' }> {
  const client = entra.createEntraClient({
    authorityHost: settings.authorityHost,
    customAuthority: settings.customAuthority,
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    idToken: ctx.token,
    renewIdToken: ctx.renewToken,
    logger: ctx.logger,
  });
  const token = tokens(client, entra, settings, ctx);

  // The cluster's token is asked while ARM's is: both need only the ID token.
  const armToken = token(settings.resourceManagerScope);
  const aksToken = token(clusterScope());
  aksToken.catch(() => undefined);
  const arm = await armToken;
  const context: AksContext = {
    settings,
    objectId: stringClaim(arm.claims, 'oid'),
    tokenTenant: stringClaim(arm.claims, 'tid'),
    namespace: ctx.namespace,
  };
  const request: ClusterCredentialRequest = {
    resourceManager: settings.resourceManager,
    subscriptionId: settings.subscriptionId,
    resourceGroup: settings.resourceGroup,
    cluster: settings.cluster,
    token: arm.token,
  };
  const listed = await listCredential(request, context, ctx);
  ctx.logger.info(
    `AKS cluster ${foreign(settings.cluster)}: API server ${foreign(listed.server)} (${listed.kind === 'entra' ? 'Entra integration' : 'no Entra integration: local account'})`,
  );

  let credential: StepCredential;
  const serverId = listed.serverId;
  if (listed.kind === 'local') {
    ctx.logger.warning(
      `AKS cluster "${foreign(settings.cluster)}" has no Entra integration: its user credential is the local account's static token, which does not expire, is the same for every caller and may do anything in the cluster. The post step removes the kubeconfig; enable Entra integration to get short-lived tokens instead (docs/aks.md, "Clusters without Entra integration").`,
    );
    credential = {
      token: listed.localToken as string,
      exp: Math.floor(Date.now() / 1000) + NEVER_SECONDS,
      renew: async () => {
        const fresh = await token(settings.resourceManagerScope, true);
        const again = await listCredential({ ...request, token: fresh.token }, context, ctx);
        return {
          token: again.localToken as string,
          exp: Math.floor(Date.now() / 1000) + NEVER_SECONDS,
        };
      },
    };
  } else {
    if (
      listed.tenantId &&
      listed.tenantId.toLowerCase() !== (context.tokenTenant ?? settings.tenantId).toLowerCase()
    ) {
      ctx.logger.warning(
        `AKS cluster "${foreign(settings.cluster)}" uses Entra tenant ${foreign(listed.tenantId)}, the identity's tokens come from tenant ${foreign(context.tokenTenant ?? settings.tenantId)}: the cluster may refuse them.`,
      );
    }
    // A legacy Entra integration names its own server application.
    const first =
      serverId === AKS_SERVER_APP_ID ? await aksToken : await token(clusterScope(serverId));
    credential = {
      token: first.token,
      exp: Math.floor(first.expiresAt.getTime() / 1000),
      renew: async () => {
        const fresh = await token(clusterScope(serverId), true);
        return { token: fresh.token, exp: Math.floor(fresh.expiresAt.getTime() / 1000) };
      },
    };
    ctx.logger.info(
      `Made an Entra token for the AKS cluster as object id ${foreign(context.objectId ?? 'unknown')} (valid until ${new Date(credential.exp * 1000).toISOString()})`,
    );
  }

  return {
    cluster: {
      kind: 'server',
      server: listed.server,
      certificateAuthorityData: listed.certificateAuthorityData,
    },
    credential,
    pluginEnv: pluginEnvOf(settings, serverId, listed.kind === 'local'),
    explanations: clusterExplanations(context, listed.kind, listed.tenantId),
    report: aksReport(settings, context, listed),
    credentialKind: listed.kind,
  };
}

/** Entra tokens, masked at once; Entra's refusals explained with the presented token's claims. */
function tokens(
  client: EntraClient,
  entra: EntraModule,
  settings: AksSettings,
  ctx: SourceContext,
): (scope: string, fresh?: boolean) => Promise<EntraToken> {
  return async (scope, fresh) => {
    try {
      const made = await client.token(scope, fresh);
      ctx.mask(made.token);
      return made;
    } catch (error) {
      if (!(error instanceof entra.EntraRefusal)) throw error;
      throw explainEntraRefusal(error, {
        clientId: settings.clientId,
        tenantId: settings.tenantId,
        authorityHost: settings.authorityHost,
        claims: error.idToken === ctx.token ? ctx.claims : decodeClaims(error.idToken),
        audience: ctx.audience,
      });
    }
  };
}

async function listCredential(
  request: ClusterCredentialRequest,
  context: AksContext,
  ctx: SourceContext,
): Promise<ClusterUserCredential> {
  try {
    const listed = await listClusterUserCredential(request, { logger: ctx.logger });
    if (listed.localToken) ctx.mask(listed.localToken);
    return listed;
  } catch (error) {
    if (error instanceof ArmRefusal) throw explainArmRefusal(error, context);
    throw error;
  }
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value ? value : undefined;
}

function aksReport(settings: AksSettings, context: AksContext, listed: ClusterUserCredential) {
  const cloud = `${settings.environment} (${md(new URL(settings.authorityHost).host)}, ${md(new URL(settings.resourceManager).host)})`;
  return report({
    outputs: [['azure-object-id', context.objectId ?? '']],
    rows: [
      ['AKS cluster', `${md(settings.cluster)} (${md(listed.server)})`],
      [
        'Azure identity',
        `object id ${md(context.objectId ?? 'unknown')} (client id ${md(settings.clientId)}, tenant ${md(context.tokenTenant ?? settings.tenantId)})`,
      ],
      ['Azure cloud', cloud],
      [
        'AKS credential',
        listed.kind === 'entra'
          ? 'Entra token for the AKS server application'
          : 'local account token (static, long-lived: no Entra integration)',
      ],
    ],
  });
}
