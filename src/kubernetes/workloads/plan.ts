// What a deploy is asked for and plans, and the waits and rollbacks of each planned workload.
import type { Logger } from '../../base/logger.js';
import { foreign } from '../../base/untrusted.js';
import type { Backoff } from '../../net/retry.js';
import type { Query } from '../api/client.js';
import { workloadPath, type Workload } from '../api/objects.js';
import type { AppliedWorkload } from '../apply/apply.js';
import type { SourceExplanations } from '../explain.js';
import type { ImageAssignment, WorkloadRef } from './refs.js';
import type { ContainerChange, WorkloadResult } from './result.js';
import { waitForRollout, type WaitOutcome, type WatchingClient } from './rollout.js';
import { changeCause, imagePatch, reverseChanges } from './set-image.js';

export interface DeployClient extends WatchingClient {
  get<T>(path: string, query?: Query): Promise<T>;
  patch<T>(path: string, body: unknown, query?: Query): Promise<T>;
}

export interface DeployRequest {
  client: DeployClient;
  namespace: string;
  workloads: WorkloadRef[];
  images: ImageAssignment[];
  /** 0: patch and report without waiting. */
  rolloutTimeoutMs: number;
  rollbackOnFailure: boolean;
  /** The cluster source's part of the explanations of a refusal. */
  explanations: SourceExplanations;
  /** GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_RUN_ID for the change-cause annotation. */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /**
   * Workloads the manifests applied (created or configured): their rollouts are awaited as the
   * patched ones', without a patch of their own; their rollback applies the pod template they
   * had before. Reported after `workloads`.
   */
  applied?: AppliedWorkload[];
  /** Server-side dry run: image patches are sent with dryRun=All and nothing is awaited. */
  dryRun?: boolean;
  /** Passed to each wait (tests shorten them). */
  waitTuning?: { backoff?: Backoff; watchTimeoutSeconds?: () => number };
}

export interface DeployResult {
  workloads: WorkloadResult[];
  diagnosis: string | undefined;
}

export interface Planned {
  ref: WorkloadRef;
  namespace: string;
  object: Workload;
  changes: ContainerChange[];
  /** Applied by the manifests: awaited without a patch. */
  applied?: AppliedWorkload;
}

export function waitFor(
  plan: Planned,
  request: DeployRequest,
  prefix: string,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  return waitForRollout({
    client: request.client,
    kind: plan.ref.kind,
    name: plan.ref.name,
    namespace: plan.namespace,
    timeoutMs: request.rolloutTimeoutMs,
    logger: request.logger,
    prefix,
    ...(signal ? { signal } : {}),
    ...request.waitTuning,
  });
}

/** Patches the images read before the deploy back in, and waits for that rollout too. */
export async function rollBack(
  plan: Planned,
  request: DeployRequest,
  explain: (error: unknown, doing: string) => unknown,
): Promise<WaitOutcome> {
  const { ref } = plan;
  if (plan.applied) {
    const { restore } = plan.applied;
    if (!restore) {
      return {
        result: 'failed',
        message: 'it did not exist before this run: nothing to roll back to',
        last: undefined,
      };
    }
    request.logger.info(
      `${ref.kind}/${ref.name}: rolling back to the pod template it had before the apply`,
    );
    await restore().catch((error: unknown) => {
      throw explain(error, `apply ${ref.kind}/${ref.name} back to its previous pod template`);
    });
    return waitFor(plan, request, `rollback of ${ref.kind}/${ref.name}: `);
  }
  const back = reverseChanges(plan.changes);
  const latest = await request.client
    .get<Workload>(workloadPath(ref.kind, plan.namespace, ref.name))
    .catch((error: unknown) => {
      throw explain(error, `get ${ref.kind}/${ref.name} to roll it back`);
    });
  request.logger.info(
    `${ref.kind}/${ref.name}: rolling back to ${back
      .filter((c) => c.previousImage !== c.newImage)
      // The previous images (and, for `*`, the container names) were read from the cluster.
      .map((c) => `${foreign(c.name, 63)}=${foreign(c.newImage, 300)}`)
      .join(' ')}`,
  );
  try {
    await request.client.patch(
      workloadPath(ref.kind, plan.namespace, ref.name),
      imagePatch(latest, back, changeCause(ref, back, request.env, 'rollback')),
    );
  } catch (error) {
    throw explain(error, `patch ${ref.kind}/${ref.name} back to its previous images`);
  }
  // Prefixed even alone: its lines must not read as the deploy's own success.
  return waitFor(plan, request, `rollback of ${ref.kind}/${ref.name}: `);
}

/**
 * The applied workloads as plans: the images before and after the apply are their changes (the
 * previous image is empty for a container the apply added).
 */
export function appliedPlans(applied: AppliedWorkload[]): Planned[] {
  return applied.map((workload) => {
    const images = (w: Workload | undefined, init: boolean) =>
      new Map(
        (
          (init ? w?.spec?.template?.spec?.initContainers : w?.spec?.template?.spec?.containers) ??
          []
        ).map((c) => [c.name, c.image ?? '']),
      );
    const changes: ContainerChange[] = [];
    for (const init of [false, true]) {
      const before = images(workload.before, init);
      for (const [name, image] of images(workload.object, init)) {
        changes.push({ name, init, previousImage: before.get(name) ?? '', newImage: image });
      }
    }
    return {
      ref: { kind: workload.kind, name: workload.name },
      namespace: workload.namespace,
      object: workload.object,
      changes,
      applied: workload,
    };
  });
}
