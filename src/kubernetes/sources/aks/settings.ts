// The AKS source's inputs, checked before the ID token is requested: the cluster (name, resource
// group, subscription), the identity (client id, tenant), the cloud and the endpoint overrides.
import { ActionError } from '../../../base/errors.js';
import type { InputReader } from '../../../base/input-reader.js';
import { printable } from '../../../base/untrusted.js';
import { checkSingleLine, describeInput } from '../../../base/validate.js';
import { checkServiceUrl } from '../../../net/service-url.js';
import { AZURE_CLOUDS, type AzureEnvironment } from './clouds.js';

export interface AksSettings {
  cluster: string;
  resourceGroup: string;
  subscriptionId: string;
  /** The application's or user-assigned managed identity's client id. */
  clientId: string;
  /** A tenant id (GUID) or one of its domain names. */
  tenantId: string;
  environment: AzureEnvironment;
  /** Entra ID's authority host (the cloud's, or azure-authority-host / AZURE_AUTHORITY_HOST). */
  authorityHost: string;
  /** Whether the authority host was given (MSAL then gets its endpoints instead of knowing them). */
  customAuthority: boolean;
  /** Azure Resource Manager (the cloud's, or azure-resource-manager-endpoint). */
  resourceManager: string;
  /** The scope of an ARM token: always the cloud's, whatever endpoint reaches ARM. */
  resourceManagerScope: string;
}

export const AKS_INPUTS = [
  'aks-cluster',
  'azure-resource-group',
  'azure-subscription-id',
  'azure-client-id',
  'azure-tenant-id',
  'azure-environment',
  'azure-authority-host',
  'azure-resource-manager-endpoint',
] as const;

// ARM's rules (Microsoft.ContainerService managedClusters; resource groups; ids are GUIDs).
const CLUSTER_NAME = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]{1,90}$/u;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DOMAIN = /^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;

/** `aks-cluster` and what goes with it. */
export function readAksSettings(input: InputReader, env: NodeJS.ProcessEnv): AksSettings {
  const cluster = input.text('aks-cluster');
  if (!CLUSTER_NAME.test(cluster)) {
    throw new ActionError(
      `Input "aks-cluster" is "${printable(cluster)}", which is not an AKS cluster name.`,
      'A cluster name is 1 to 63 letters, digits, "-" and "_", starting and ending with a letter or digit (az aks list --output table lists them).',
    );
  }
  const needed = (name: string, example: string): string => {
    const value = input.text(name);
    if (!value) {
      throw new ActionError(`Input "aks-cluster" needs input "${name}".`, example);
    }
    checkSingleLine(name, value);
    return value;
  };
  const resourceGroup = needed('azure-resource-group', "Give the cluster's resource group.");
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    throw new ActionError(
      `Input "azure-resource-group" is "${printable(resourceGroup)}", which is not a resource group name.`,
      'A resource group name is 1 to 90 letters, digits, "_", "-", ".", "(" and ")", not ending with ".".',
    );
  }
  const subscriptionId = guid(
    'azure-subscription-id',
    needed(
      'azure-subscription-id',
      "Give the id of the cluster's subscription (az account show --query id --output tsv).",
    ),
    'a subscription id',
  );
  const clientId = guid(
    'azure-client-id',
    needed(
      'azure-client-id',
      'Give the client id of the app registration or user-assigned managed identity that holds the federated credential (docs/aks.md).',
    ),
    'a client id',
  );
  const tenantId = needed(
    'azure-tenant-id',
    'Give the directory (tenant) id: az account show --query tenantId --output tsv.',
  );
  if (!GUID.test(tenantId) && !DOMAIN.test(tenantId)) {
    throw new ActionError(
      `Input "azure-tenant-id" is "${printable(tenantId)}", which is not a tenant id.`,
      'Give the directory (tenant) id, a GUID (az account show --query tenantId --output tsv), or one of its domain names.',
    );
  }
  const environment = readEnvironment(input.text('azure-environment'));
  const cloud = AZURE_CLOUDS[environment];
  const authority = readAuthorityHost(input, env);
  const resourceManagerInput = input.text('azure-resource-manager-endpoint');
  return {
    cluster,
    resourceGroup,
    subscriptionId,
    clientId,
    tenantId,
    environment,
    authorityHost: authority ?? cloud.authorityHost,
    customAuthority: authority !== undefined,
    resourceManager: resourceManagerInput
      ? checkServiceUrl(
          'azure-resource-manager-endpoint',
          resourceManagerInput,
          'An Entra access token travels to it',
        )
      : cloud.resourceManager,
    resourceManagerScope: cloud.resourceManagerScope,
  };
}

function guid(name: string, value: string, what: string): string {
  if (!GUID.test(value)) {
    throw new ActionError(
      `Input "${name}" is "${printable(value)}", which is not ${what} (a GUID).`,
      'Copy it from the Azure portal or az: it looks like 00000000-0000-0000-0000-000000000000.',
    );
  }
  return value.toLowerCase();
}

function readEnvironment(given: string): AzureEnvironment {
  if (!given) return 'AzureCloud';
  const names = Object.keys(AZURE_CLOUDS) as AzureEnvironment[];
  const name = names.find((n) => n.toLowerCase() === given.toLowerCase());
  if (!name) {
    throw new ActionError(
      `Input "azure-environment" is "${printable(given)}", which is not an Azure cloud this action knows.`,
      `Use ${names.join(', ')} (empty: AzureCloud). For another cloud or a private endpoint, set "azure-authority-host" and "azure-resource-manager-endpoint" too (docs/aks.md).`,
    );
  }
  return name;
}

/**
 * `azure-authority-host`, else AZURE_AUTHORITY_HOST (as @azure/identity reads it): an https
 * origin. MSAL refuses any other scheme, loopback included, and takes the tenant from the first
 * path segment, so no path either.
 */
function readAuthorityHost(input: InputReader, env: NodeJS.ProcessEnv): string | undefined {
  const fromInput = input.text('azure-authority-host');
  const value = fromInput || env['AZURE_AUTHORITY_HOST']?.trim() || '';
  if (!value) return undefined;
  const name = fromInput ? 'azure-authority-host' : 'AZURE_AUTHORITY_HOST';
  const checked = checkServiceUrl(name, value);
  const url = new URL(checked);
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `${describeInput(name)} must be an https:// URL.`,
      "Entra ID is reached over https only (Microsoft's MSAL refuses other schemes, even on loopback).",
    );
  }
  if (url.pathname !== '/') {
    throw new ActionError(
      `${describeInput(name)} must be the authority's host, without a path (${printable(checked)}).`,
      'For example https://login.microsoftonline.us: the tenant is "azure-tenant-id".',
    );
  }
  return url.origin;
}
