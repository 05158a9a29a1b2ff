import type { WorkloadKind } from '../inputs.js';
import type { KubeTarget } from './kubeconfig.js';

export type WorkloadOutcome = 'rolled-out' | 'unchanged' | 'failed' | 'rolled-back' | 'timed-out';

export interface ContainerChange {
  name: string;
  /** Whether it is an init container. */
  init: boolean;
  previousImage: string;
  newImage: string;
}

/** One workload of the `workloads` output (JSON) and of the summary table. */
export interface WorkloadResult {
  kind: WorkloadKind;
  name: string;
  namespace: string;
  containers: ContainerChange[];
  result: WorkloadOutcome;
  seconds: number;
  /** kubectl's last status line, or the reason it failed. */
  message: string;
}

export interface KubernetesResult {
  mode: 'kubernetes';
  kubeconfigPath: string;
  target: KubeTarget;
  credentials: 'static' | 'refresh';
  /** Present when workloads were given. */
  workloads: WorkloadResult[] | undefined;
  /** Markdown diagnosis of a failed rollout, for the summary. */
  diagnosis: string | undefined;
}
