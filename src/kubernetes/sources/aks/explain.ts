// What to fix when ARM or the AKS cluster refuses: listClusterUserCredential's refusals (ARM
// answers 403 before 404, so a misspelled name is an AuthorizationFailed too), and the cluster's
// 401 and 403 (Azure RBAC for Kubernetes beside Kubernetes RBAC, both for the object id).
import { ActionError } from '../../../base/errors.js';
import { foreign } from '../../../base/untrusted.js';
import type { SourceExplanations } from '../../explain.js';
import type { ArmRefusal } from './arm.js';
import { AKS_SERVER_APP_ID, clusterResourceId } from './clouds.js';
import type { AksSettings } from './settings.js';

export interface AksContext {
  settings: AksSettings;
  /** The object id of the identity (the `oid` of its tokens): the user the cluster sees. */
  objectId: string | undefined;
  /** The tenant of its tokens (`tid`). */
  tokenTenant: string | undefined;
  /** The namespace the deploy works in (for the role assignment's scope). */
  namespace?: string | undefined;
}

function clusterId(settings: AksSettings): string {
  return clusterResourceId(settings.subscriptionId, settings.resourceGroup, settings.cluster);
}

function names(settings: AksSettings) {
  return {
    cluster: foreign(settings.cluster, 63),
    group: foreign(settings.resourceGroup, 90),
    subscription: foreign(settings.subscriptionId, 36),
  };
}

/** `az role assignment create` for the object id (or a placeholder), a role and a scope. */
function roleAssignment(objectId: string | undefined, role: string, scope: string): string {
  return `az role assignment create --assignee-object-id ${foreign(objectId ?? 'OBJECT_ID', 64)} --assignee-principal-type ServicePrincipal --role "${role}" --scope ${foreign(scope, 600)}`;
}

/** ARM's refusal of listClusterUserCredential as what to do about it. */
export function explainArmRefusal(refusal: ArmRefusal, context: AksContext): ActionError {
  const { settings } = context;
  const said = refusal.said;
  const { cluster, group, subscription } = names(settings);
  const list = `az aks list --subscription ${subscription} --query "[].{name:name, resourceGroup:resourceGroup}" --output table`;
  switch (refusal.code) {
    case 'AuthorizationFailed':
      return new ActionError(
        `The identity ${foreign(context.objectId ?? settings.clientId, 64)} may not list the user credentials of AKS cluster "${cluster}" in resource group "${group}" of subscription ${subscription} (${said}).`,
        [
          `Assign it "Azure Kubernetes Service Cluster User Role" on the cluster (or its resource group); role assignments take a few minutes to apply:`,
          `  ${roleAssignment(context.objectId, 'Azure Kubernetes Service Cluster User Role', clusterId(settings))}`,
          `ARM checks the role before it checks that the cluster exists: a misspelled "azure-subscription-id", "azure-resource-group" or "aks-cluster" is refused this same way. Compare them with: ${list}`,
        ].join('\n'),
      );
    case 'ResourceNotFound':
      return new ActionError(
        `Input "aks-cluster": ARM has no AKS cluster "${cluster}" in resource group "${group}" of subscription ${subscription} (${said}).`,
        `Check the name and the resource group: ${list}`,
      );
    case 'ResourceGroupNotFound':
      return new ActionError(
        `Input "azure-resource-group": subscription ${subscription} has no resource group "${group}" (${said}).`,
        `Check the name and the subscription: ${list}`,
      );
    case 'SubscriptionNotFound':
      return new ActionError(
        `Input "azure-subscription-id": ARM has no subscription ${subscription} (${said}).`,
        'Check the id (az account list --query "[].{name:name, id:id}" --output table) and "azure-environment".',
      );
    case 'InvalidAuthenticationTokenTenant':
      return new ActionError(
        `Input "azure-tenant-id": subscription ${subscription} is not in tenant ${foreign(settings.tenantId, 253)} (${said}).`,
        "Give the tenant of the cluster's subscription (az account show --subscription SUBSCRIPTION --query tenantId --output tsv); the identity must be in that tenant.",
      );
    case 'InvalidAuthenticationTokenAudience':
    case 'InvalidAuthenticationToken':
    case 'ExpiredAuthenticationToken':
      return new ActionError(
        `Azure Resource Manager at ${foreign(settings.resourceManager)} did not accept the Entra token for ${foreign(settings.resourceManagerScope)} (${said}).`,
        `"azure-environment" (${settings.environment}) names the cloud the token is for: it must be the cloud of "azure-resource-manager-endpoint" and "azure-authority-host" when they are set.`,
      );
    default:
      return new ActionError(
        `ARM refused listClusterUserCredential for AKS cluster "${cluster}" (${said}; HTTP ${refusal.status}).`,
      );
  }
}

/** The step's and the plugin's part of a refusal by the cluster. */
export function clusterExplanations(
  context: AksContext,
  kind: 'entra' | 'local',
  clusterTenant: string | undefined,
): SourceExplanations {
  return {
    unauthorized: (doing) =>
      kind === 'local'
        ? explainLocalUnauthorized(doing, context)
        : explainEntraUnauthorized(doing, context, clusterTenant),
    ...(kind === 'entra'
      ? {
          forbidden: () => azureRbacGrant(context),
          ...(context.objectId ? { user: context.objectId } : {}),
        }
      : {}),
  };
}

/** The cluster's 401 for an Entra token: it does not say why; what it checks, for this token. */
export function explainEntraUnauthorized(
  doing: string,
  context: AksContext,
  clusterTenant: string | undefined,
): ActionError {
  const { settings } = context;
  const { cluster, group } = names(settings);
  const tenant = context.tokenTenant ?? settings.tenantId;
  const lines = [
    `AKS accepts an unexpired Entra token for the AKS server application (aud ${AKS_SERVER_APP_ID}) from the tenant of its Entra integration; the API server does not say which check failed:`,
    `1. Entra integration: az aks show --resource-group ${group} --name ${cluster} --query aadProfile (managed: true). Without it, enable it: az aks update --resource-group ${group} --name ${cluster} --enable-aad --enable-azure-rbac`,
    clusterTenant && clusterTenant.toLowerCase() !== tenant.toLowerCase()
      ? `2. The tenant: the token is from tenant ${foreign(tenant, 253)}, the cluster's Entra integration is tenant ${foreign(clusterTenant, 253)} (aadProfile.tenantID): use an identity of that tenant.`
      : `2. The tenant: the token is from tenant ${foreign(tenant, 253)}; it must be the cluster's (aadProfile.tenantID).`,
    "3. The token's expiry (about an hour) and the runner's clock.",
  ];
  return new ActionError(
    `The AKS cluster "${cluster}" did not accept the Entra token of object id ${foreign(context.objectId ?? 'unknown', 64)} (401 Unauthorized) when asked to ${doing}.`,
    lines.join('\n'),
  );
}

function explainLocalUnauthorized(doing: string, context: AksContext): ActionError {
  const { cluster, group } = names(context.settings);
  return new ActionError(
    `The AKS cluster "${cluster}" did not accept its local account's token (401 Unauthorized) when asked to ${doing}.`,
    `The cluster has no Entra integration and ARM handed out a static credential, which may have been rotated since (az aks rotate-certs): run the step again. Better, enable Entra integration: az aks update --resource-group ${group} --name ${cluster} --enable-aad --enable-azure-rbac`,
  );
}

/** The other grant a 403 can be fixed with: an Azure RBAC for Kubernetes role assignment. */
function azureRbacGrant(context: AksContext): string {
  const { settings } = context;
  const { cluster, group } = names(settings);
  const scope = context.namespace
    ? `${clusterId(settings)}/namespaces/${context.namespace}`
    : clusterId(settings);
  return [
    `Or, on a cluster with Azure RBAC for Kubernetes (az aks show --resource-group ${group} --name ${cluster} --query aadProfile.enableAzureRbac), assign a role to the object id:`,
    `  ${roleAssignment(context.objectId, 'Azure Kubernetes Service RBAC Writer', scope)}`,
    '(RBAC Writer covers workloads and most namespaced objects, not Roles, RoleBindings or namespaces: "Azure Kubernetes Service RBAC Admin" adds Roles and RoleBindings, "Azure Kubernetes Service RBAC Cluster Admin" everything.)',
  ].join('\n');
}
