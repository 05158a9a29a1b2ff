// The cluster sources, in the order their inputs pick them. Adding one is a folder here (an
// index.ts that calls defineSource: contract.ts) and a line in SOURCES.
import { ActionError } from '../../base/errors.js';
import type { InputReader } from '../../base/input-reader.js';
import { aksSource } from './aks/index.js';
import type { ChosenSource, ClusterSource } from './contract.js';
import { eksSource } from './eks/index.js';
import { gkeSource } from './gke/index.js';
import { kubeconfigSource } from './kubeconfig/index.js';

export const SOURCES: readonly ClusterSource[] = [
  eksSource,
  gkeSource,
  aksSource,
  kubeconfigSource,
];

/** The source the inputs pick, and the input that picks it. */
export function pickSource(input: InputReader): { source: ClusterSource; by: string } | undefined {
  for (const source of SOURCES) {
    const by = source.picks.find((name) => input.text(name) !== '');
    if (by) return { source, by };
  }
  return undefined;
}

/** The source named in a kubeconfig's exec env (the credential plugin). */
export function sourceNamed(name: string): ClusterSource | undefined {
  return SOURCES.find((source) => source.name === name);
}

/**
 * The picked source with its inputs read; inputs that only another source reads are refused,
 * since the step would ignore them.
 */
export function chooseSource(input: InputReader, env: NodeJS.ProcessEnv): ChosenSource {
  const picked = pickSource(input);
  if (!picked) {
    const names = SOURCES.flatMap((s) => s.picks).map((n) => `"${n}"`);
    throw new ActionError(
      `Kubernetes mode needs a cluster: input ${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}; none was given.`,
      "Pass the kubeconfig, e.g. kubeconfig: ${{ vars.KUBERNETES_CONFIG }}, or server: https://... with certificate-authority-data, or the managed cluster's name.",
    );
  }
  const { source, by } = picked;
  for (const other of SOURCES) {
    if (other === source) continue;
    const given = other.owns.find((name) => input.text(name) !== '');
    if (given) {
      throw new ActionError(
        `Inputs "${by}" and "${given}" were both given.`,
        `With ${by} ${source.origin}: remove "${given}".`,
      );
    }
  }
  return source.choose(input, env);
}
