import { ActionError } from '../../base/errors.js';
import { foreign } from '../../base/untrusted.js';
import type { Container, Workload } from '../api/objects.js';
import { planImages } from '../workloads/set-image.js';
import type { ManifestObject } from './manifests.js';
import type { ImageAssignment, WorkloadRef } from '../workloads/refs.js';

const KINDS: Record<WorkloadRef['kind'], string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
};

/**
 * `workloads` entries that the manifests also apply: their `CONTAINER=IMAGE` lines are set in
 * the manifest before it is sent (one apply, one rollout; the same end state as an apply and then
 * `kubectl set image`), and they are awaited as applied workloads. Returns the entries left for
 * the image patch. A line naming a container the manifest lacks fails here, before anything is
 * sent, in `kubectl set image`'s words.
 */
export function assignImagesInManifests(
  manifests: readonly ManifestObject[],
  workloads: readonly WorkloadRef[],
  images: readonly ImageAssignment[],
  namespace: string,
): WorkloadRef[] {
  const remaining: WorkloadRef[] = [];
  const problems: string[] = [];
  for (const ref of workloads) {
    const manifest = manifests.find(
      (m) =>
        m.kind === KINDS[ref.kind] &&
        m.apiVersion === 'apps/v1' &&
        m.name === ref.name &&
        (m.namespace ?? namespace) === namespace,
    );
    if (!manifest) {
      remaining.push(ref);
      continue;
    }
    const workload = manifest.object as Workload;
    const plan = planImages(workload, [...images]);
    for (const problem of plan.problems) {
      problems.push(
        `${ref.kind}/${foreign(ref.name, 253)} (${foreign(manifest.file, 300)}): ${problem}`,
      );
    }
    const podSpec = workload.spec?.template?.spec;
    for (const change of plan.changes) {
      const list: Container[] | undefined = change.init
        ? podSpec?.initContainers
        : podSpec?.containers;
      for (const container of list ?? []) {
        if (container.name === change.name) container.image = change.newImage;
      }
    }
  }
  if (problems.length > 0) {
    throw new ActionError(
      `Inputs "workloads" and "images" do not match the manifests: ${problems.join('; ')}. Nothing was applied.`,
      'A workload listed in "workloads" that the manifests also apply gets its CONTAINER=IMAGE lines in the manifest: check the container names there.',
    );
  }
  return remaining;
}
