import { pickSource, SOURCES } from '../../kubernetes/sources/registry.js';
import { defineMode } from '../contract.js';
import { KUBERNETES_INPUTS, readKubernetes, type KubernetesSettings } from './settings.js';

export type { KubernetesSettings } from './settings.js';

/**
 * kubernetes: a kubeconfig whose user carries the ID token (or an exec plugin that re-mints it),
 * for a cluster from one of kubernetes/sources/; then optionally new images or manifests and a
 * rollout wait.
 */
export const kubernetesMode = defineMode<KubernetesSettings>({
  name: 'kubernetes',
  // The kubeconfig source's first: the quick start's input, and the one messages name first.
  picks: [...SOURCES]
    .sort((a, b) => Number(b.name === 'kubeconfig') - Number(a.name === 'kubeconfig'))
    .flatMap((s) => s.picks),
  owns: [...SOURCES.flatMap((s) => s.owns), ...KUBERNETES_INPUTS],
  // Manifests alone are a deploy: kubernetes mode, which then asks for a cluster.
  implies: ['manifests'],
  pickedBy: (input) => pickSource(input)?.by,
  claims: (input) => pickSource(input)?.source.claims ?? [],
  reads: [
    'kubeconfig-credentials',
    'rollout-timeout',
    'rollback-on-failure',
    'insecure-skip-tls-verify',
    'verify-access',
  ],
  readsWith: (input) => pickSource(input)?.source.reads ?? [],
  read: readKubernetes,
  load: () => import('./run.js'),
});
