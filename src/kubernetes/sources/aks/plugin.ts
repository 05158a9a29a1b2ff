// The AKS source's half of the credential plugin (dist/credential.js with OIDC_DEPLOY_SOURCE=aks
// in the kubeconfig's exec env): the fresh ID token is presented to Entra ID again for a token
// for the cluster's server application, so a later kubectl works past every token the step saw,
// with no Azure secret on the runner. A cluster without Entra integration gets its local
// account's token read from ARM again.
import { ActionError } from '../../../base/errors.js';
import { decodeClaims } from '../../../oidc/claims.js';
import { handOutUntil, type MintRequest } from '../contract.js';
import { ArmRefusal, listClusterUserCredential } from './arm.js';
import { clusterScope } from './clouds.js';
import { createEntraClient, EntraRefusal } from './entra.js';
import { explainEntraRefusal } from './explain-entra.js';
import { explainArmRefusal } from './explain.js';
import { readPluginEnv, type PluginSettings } from './plugin-env.js';
import type { AksSettings } from './settings.js';

/** Entra within the plugin's 30 s: the ID token request has had its share (15 s) already. */
const PLUGIN_TIMING = { deadlineMs: 12_000, requestTimeoutMs: 6_000 };
/** Entra and then ARM (a cluster without Entra integration) share those 12 s. */
const PLUGIN_TIMING_EACH = { deadlineMs: 6_000, requestTimeoutMs: 4_000 };
/** A local account's token is read again after an hour (it does not expire by itself). */
const LOCAL_TOKEN_REREAD_MS = 3_600_000;

/** A token for the cluster the kubeconfig's exec env names, and its expiry. */
export async function mint({
  env,
  idToken,
  audience,
  logger,
  renewIdToken,
}: MintRequest): Promise<{ token: string; expiresAt: Date }> {
  const plugin = readPluginEnv(env);
  const started = Date.now();
  const client = createEntraClient({
    authorityHost: plugin.authorityHost,
    customAuthority: plugin.customAuthority,
    tenantId: plugin.tenantId,
    clientId: plugin.clientId,
    idToken,
    renewIdToken,
    logger,
    timing: plugin.local ? PLUGIN_TIMING_EACH : PLUGIN_TIMING,
  });
  const token = async (scope: string) => {
    try {
      return await client.token(scope);
    } catch (error) {
      if (!(error instanceof EntraRefusal)) throw error;
      throw explainEntraRefusal(error, {
        clientId: plugin.clientId,
        tenantId: plugin.tenantId,
        authorityHost: plugin.authorityHost,
        claims: decodeClaims(error.idToken),
        audience,
      });
    }
  };

  if (!plugin.local) {
    const made = await token(clusterScope(plugin.serverId));
    const oid = made.claims['oid'];
    logger.info(
      `made an Entra token for AKS cluster ${plugin.cluster}${typeof oid === 'string' ? ` as object id ${oid}` : ''}`,
    );
    return { token: made.token, expiresAt: handOutUntil(made.expiresAt.getTime(), started) };
  }

  const { local } = plugin;
  const arm = await token(local.resourceManagerScope);
  try {
    const listed = await listClusterUserCredential(
      {
        resourceManager: local.resourceManager,
        subscriptionId: local.subscriptionId,
        resourceGroup: local.resourceGroup,
        cluster: plugin.cluster,
        token: arm.token,
      },
      { logger, timing: PLUGIN_TIMING_EACH },
    );
    if (!listed.localToken) {
      throw new ActionError(
        `AKS cluster "${plugin.cluster}" has Entra integration now: the kubeconfig was written for its local account.`,
        'Run the action with aks-cluster again to write a new kubeconfig.',
      );
    }
    logger.info(`read the local account token of AKS cluster ${plugin.cluster} from ARM`);
    return { token: listed.localToken, expiresAt: new Date(Date.now() + LOCAL_TOKEN_REREAD_MS) };
  } catch (error) {
    if (!(error instanceof ArmRefusal)) throw error;
    const oid = arm.claims['oid'];
    const tid = arm.claims['tid'];
    throw explainArmRefusal(error, {
      settings: settingsOf(plugin, local),
      objectId: typeof oid === 'string' ? oid : undefined,
      tokenTenant: typeof tid === 'string' ? tid : undefined,
    });
  }
}

/** The step's settings as far as the exec env has them (for ARM's explanations). */
function settingsOf(
  plugin: PluginSettings,
  local: NonNullable<PluginSettings['local']>,
): AksSettings {
  return {
    cluster: plugin.cluster,
    resourceGroup: local.resourceGroup,
    subscriptionId: local.subscriptionId,
    clientId: plugin.clientId,
    tenantId: plugin.tenantId,
    environment: local.environment,
    authorityHost: plugin.authorityHost,
    customAuthority: plugin.customAuthority,
    resourceManager: local.resourceManager,
    resourceManagerScope: local.resourceManagerScope,
  };
}
