import type { WorkloadKind } from './refs.js';

/**
 * `patched`: rollout-timeout 0, so the rollout was not awaited. `dry-run`: the patch was sent
 * with dryRun=All (input dry-run), so nothing changed.
 */
export type WorkloadOutcome =
  'rolled-out' | 'unchanged' | 'patched' | 'dry-run' | 'failed' | 'rolled-back' | 'timed-out';

/** Whether the step succeeds with this outcome. */
export function isSuccess(outcome: WorkloadOutcome): boolean {
  return (
    outcome === 'rolled-out' ||
    outcome === 'unchanged' ||
    outcome === 'patched' ||
    outcome === 'dry-run'
  );
}

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
