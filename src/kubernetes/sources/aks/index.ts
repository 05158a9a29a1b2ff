// AKS: the ID token is a client assertion to Entra ID (workload identity federation) for an Azure
// Resource Manager token, ARM's listClusterUserCredential gives the server and CA, and the bearer
// is an Entra token for the AKS server application, re-minted from a fresh ID token. Microsoft's
// MSAL Node does the exchange; it is loaded only by AKS runs and AKS kubeconfigs' plugin.
import { defineSource } from '../contract.js';
import { TOKEN_EXCHANGE_AUDIENCE } from './clouds.js';
import { AKS_INPUTS, readAksSettings, type AksSettings } from './settings.js';

export type { AksSettings } from './settings.js';

export const aksSource = defineSource<AksSettings>({
  name: 'aks',
  picks: ['aks-cluster'],
  owns: AKS_INPUTS,
  origin: 'the server and its CA come from AKS (listClusterUserCredential)',
  read: readAksSettings,
  // What federated identity credentials expect (azure/login's default).
  audience: () => TOKEN_EXCHANGE_AUDIENCE,
  load: () => import('./driver.js'),
  plugin: () => import('./plugin.js'),
  // The ID token within 15 s, so that with Entra's 12 s (plugin.ts) the plugin still answers or
  // fails within the 30 s kubectl waits.
  pluginTokenDeadlineMs: 15_000,
});
