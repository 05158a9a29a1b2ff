// GKE: the ID token is exchanged at Google STS through a workload identity pool (and a service
// account impersonated when one is named), clusters.get gives the server and CA, and the bearer
// is the Google access token, made again from a fresh ID token when it ends.
import { defineSource } from '../contract.js';
import { providerAudience, readGkeSettings, type GkeSettings } from './settings.js';

export type { GkeSettings } from './settings.js';

export const gkeSource = defineSource<GkeSettings>({
  name: 'gke',
  picks: ['gke-cluster'],
  owns: [
    'gke-cluster',
    'gke-location',
    'gcp-project',
    'workload-identity-provider',
    'service-account',
    'gke-endpoint',
  ],
  origin: 'the server and its CA come from GKE (clusters.get)',
  read: readGkeSettings,
  // The provider's default allowed audience, so it needs no --allowed-audiences.
  audience: (settings) => providerAudience(settings.provider.name),
  load: () => import('./driver.js'),
  plugin: () => import('./plugin.js'),
  // The ID token within 15 s, so that with STS's and IAM Credentials' 6 s each (google-api.ts)
  // the plugin still answers or fails within the 30 s kubectl waits.
  pluginTokenDeadlineMs: 15_000,
});
