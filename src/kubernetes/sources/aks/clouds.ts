// The Azure clouds `azure-environment` names (azure/login's names), their Entra ID and Azure
// Resource Manager hosts, and the ids every AKS cluster shares (docs/wire-formats.md, 2e).

/** The AKS AAD server application: the resource (`aud`) of every token an AKS cluster accepts. */
export const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The ID token's audience federated identity credentials expect (azure/login's default). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

export type AzureEnvironment = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface AzureCloud {
  name: AzureEnvironment;
  /** Entra ID's authority host (MSAL knows these three and asks them nothing before a token). */
  authorityHost: string;
  /** Azure Resource Manager. */
  resourceManager: string;
  /** The scope of an ARM token: ARM's resource id with `/.default`. */
  resourceManagerScope: string;
}

export const AZURE_CLOUDS: Record<AzureEnvironment, AzureCloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    authorityHost: 'https://login.microsoftonline.com',
    resourceManager: 'https://management.azure.com',
    resourceManagerScope: 'https://management.azure.com/.default',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    authorityHost: 'https://login.microsoftonline.us',
    resourceManager: 'https://management.usgovcloudapi.net',
    resourceManagerScope: 'https://management.usgovcloudapi.net/.default',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    authorityHost: 'https://login.chinacloudapi.cn',
    resourceManager: 'https://management.chinacloudapi.cn',
    resourceManagerScope: 'https://management.chinacloudapi.cn/.default',
  },
};

/** The scope of a token for an AKS cluster whose server application is `serverId`. */
export function clusterScope(serverId: string = AKS_SERVER_APP_ID): string {
  return `${serverId}/.default`;
}

/** The resource id of a managed cluster (role assignment scopes, messages). */
export function clusterResourceId(
  subscriptionId: string,
  resourceGroup: string,
  cluster: string,
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${cluster}`;
}
