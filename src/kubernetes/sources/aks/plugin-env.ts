// The kubeconfig exec env that makes the credential plugin answer with tokens for an AKS cluster:
// written by the step (driver.ts), read by the plugin (plugin.ts).
import { ActionError } from '../../../base/errors.js';
import type { EnvVar } from '../contract.js';
import type { AzureEnvironment } from './clouds.js';
import type { AksSettings } from './settings.js';

export const PLUGIN_ENV = {
  cluster: 'OIDC_DEPLOY_AKS_CLUSTER',
  tenantId: 'OIDC_DEPLOY_AKS_TENANT_ID',
  clientId: 'OIDC_DEPLOY_AKS_CLIENT_ID',
  authorityHost: 'OIDC_DEPLOY_AKS_AUTHORITY_HOST',
  /** `true` when the authority host is an override (MSAL then gets its endpoints). */
  customAuthority: 'OIDC_DEPLOY_AKS_CUSTOM_AUTHORITY',
  /** The cluster's server application: the token's resource. */
  serverId: 'OIDC_DEPLOY_AKS_SERVER_ID',
  // A cluster without Entra integration: the plugin reads the local account's token from ARM.
  localAccount: 'OIDC_DEPLOY_AKS_LOCAL_ACCOUNT',
  resourceManager: 'OIDC_DEPLOY_AKS_RESOURCE_MANAGER',
  resourceManagerScope: 'OIDC_DEPLOY_AKS_RESOURCE_MANAGER_SCOPE',
  subscriptionId: 'OIDC_DEPLOY_AKS_SUBSCRIPTION_ID',
  resourceGroup: 'OIDC_DEPLOY_AKS_RESOURCE_GROUP',
  environment: 'OIDC_DEPLOY_AKS_ENVIRONMENT',
} as const;

/** What the plugin mints with. */
export interface PluginSettings {
  cluster: string;
  tenantId: string;
  clientId: string;
  authorityHost: string;
  customAuthority: boolean;
  serverId: string;
  /** Present for a cluster without Entra integration. */
  local:
    | {
        resourceManager: string;
        resourceManagerScope: string;
        subscriptionId: string;
        resourceGroup: string;
        environment: AzureEnvironment;
      }
    | undefined;
}

export function pluginEnvOf(settings: AksSettings, serverId: string, local: boolean): EnvVar[] {
  const env: EnvVar[] = [
    { name: PLUGIN_ENV.cluster, value: settings.cluster },
    { name: PLUGIN_ENV.tenantId, value: settings.tenantId },
    { name: PLUGIN_ENV.clientId, value: settings.clientId },
    { name: PLUGIN_ENV.authorityHost, value: settings.authorityHost },
    { name: PLUGIN_ENV.customAuthority, value: String(settings.customAuthority) },
    { name: PLUGIN_ENV.serverId, value: serverId },
  ];
  if (local) {
    env.push(
      { name: PLUGIN_ENV.localAccount, value: 'true' },
      { name: PLUGIN_ENV.resourceManager, value: settings.resourceManager },
      { name: PLUGIN_ENV.resourceManagerScope, value: settings.resourceManagerScope },
      { name: PLUGIN_ENV.subscriptionId, value: settings.subscriptionId },
      { name: PLUGIN_ENV.resourceGroup, value: settings.resourceGroup },
      { name: PLUGIN_ENV.environment, value: settings.environment },
    );
  }
  return env;
}

export function readPluginEnv(env: NodeJS.ProcessEnv): PluginSettings {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new ActionError(
        `The kubeconfig's exec env has no ${name}: it was not written by this action's AKS source.`,
        'Run the action with aks-cluster again to write a new kubeconfig.',
      );
    }
    return value;
  };
  const local = env[PLUGIN_ENV.localAccount] === 'true';
  return {
    cluster: read(PLUGIN_ENV.cluster),
    tenantId: read(PLUGIN_ENV.tenantId),
    clientId: read(PLUGIN_ENV.clientId),
    authorityHost: read(PLUGIN_ENV.authorityHost),
    customAuthority: env[PLUGIN_ENV.customAuthority] === 'true',
    serverId: read(PLUGIN_ENV.serverId),
    local: local
      ? {
          resourceManager: read(PLUGIN_ENV.resourceManager),
          resourceManagerScope: read(PLUGIN_ENV.resourceManagerScope),
          subscriptionId: read(PLUGIN_ENV.subscriptionId),
          resourceGroup: read(PLUGIN_ENV.resourceGroup),
          environment: read(PLUGIN_ENV.environment) as AzureEnvironment,
        }
      : undefined,
  };
}
