// Replacing images in manifests by repository (the `images` input's bare lines), as kustomize's
// `images` does. The reference grammar is src/image-reference.ts (inputs.ts needs it in every mode).
import { ActionError } from '../../base/errors.js';
import { repositoryOf, type ImageReplacement } from '../image-reference.js';
import { foreign } from '../../base/untrusted.js';

export {
  parseImageReference,
  repositoryOf,
  type ImageReference,
  type ImageReplacement,
} from '../image-reference.js';

/** What replaceImages needs of a manifest object. */
export interface ImageTarget {
  kind: string;
  object: Record<string, unknown>;
}

/** Where the pod spec lies in each workload kind (as `kubectl set image` finds it). */
const POD_SPEC_PATHS: Record<string, readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function child(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Sets, in every pod template of `objects`, each container and init container image whose
 * repository is a replacement's (compared as written, tag and digest aside) to that replacement's
 * image. A replacement that matched no image is an error: a typo would otherwise deploy the old
 * image silently.
 */
export function replaceImages(objects: ImageTarget[], replacements: ImageReplacement[]): void {
  if (replacements.length === 0) return;
  const used = new Set<ImageReplacement>();
  const seen = new Set<string>();
  for (const { kind, object } of objects) {
    const path = POD_SPEC_PATHS[kind];
    if (!path) continue;
    const podSpec = path.reduce<unknown>(child, object);
    for (const field of ['containers', 'initContainers']) {
      const containers = child(podSpec, field);
      if (!Array.isArray(containers)) continue;
      for (const container of containers) {
        const image = child(container, 'image');
        if (typeof image !== 'string') continue;
        seen.add(image);
        const repository = repositoryOf(image);
        const replacement = replacements.find((r) => r.repository === repository);
        if (!replacement) continue;
        (container as Record<string, unknown>)['image'] = replacement.image;
        used.add(replacement);
      }
    }
  }
  const unused = replacements.filter((r) => !used.has(r));
  if (unused.length > 0) {
    const list = unused.map((r) => `"${foreign(r.image, 200)}"`).join(', ');
    const found = [...seen].slice(0, 10).map((image) => foreign(image, 200));
    throw new ActionError(
      `Input "images": ${list} matched no container or init container image in "manifests".`,
      found.length > 0
        ? `A bare image replaces the images of the same repository, written the same way (nginx is not docker.io/library/nginx). The manifests' images: ${found.join(', ')}${seen.size > 10 ? ', ...' : ''}.`
        : 'The manifests have no Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob with container images.',
    );
  }
}
