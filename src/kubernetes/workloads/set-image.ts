import type { Workload } from '../api/objects.js';
import type { ContainerChange } from './result.js';
import type { ImageAssignment, WorkloadRef } from './refs.js';

/** What `kubectl set image` would do to one workload, or why it can't. */
export interface ImagePlan {
  /** Every container an assignment names (all of them for `*`), with its current image. */
  changes: ContainerChange[];
  /** kubectl's wording: `unable to find container named "nope"`. */
  problems: string[];
}

/** Matches the assignments against the workload's pod template, containers and init containers. */
export function planImages(workload: Workload, images: ImageAssignment[]): ImagePlan {
  const podSpec = workload.spec?.template?.spec ?? {};
  const all = [
    ...(podSpec.containers ?? []).map((c) => ({ ...c, init: false })),
    ...(podSpec.initContainers ?? []).map((c) => ({ ...c, init: true })),
  ];
  const changes: ContainerChange[] = [];
  const problems: string[] = [];
  for (const { container, image } of images) {
    const matched = container === '*' ? all : all.filter((c) => c.name === container);
    if (matched.length === 0) {
      problems.push(`unable to find container named "${container}"`);
      continue;
    }
    for (const c of matched) {
      changes.push({ name: c.name, init: c.init, previousImage: c.image ?? '', newImage: image });
    }
  }
  return { changes, problems };
}

/** True when every named container already runs the requested image: nothing to patch. */
export function isUnchanged(changes: ContainerChange[]): boolean {
  return changes.every((c) => c.previousImage === c.newImage);
}

/**
 * The strategic merge patch kubectl computes for `set image` (a two-way merge patch of the pod
 * template): per list, `$setElementOrder/<list>` keeps the order of every container and the list
 * holds only the changed ones, `{"image","name"}`. Keys are sorted as Go marshals a map.
 * `changeCause` goes to the workload's `kubernetes.io/change-cause` annotation.
 */
export function imagePatch(
  workload: Workload,
  changes: ContainerChange[],
  changeCause: string | undefined,
): Record<string, unknown> {
  const podSpec = workload.spec?.template?.spec ?? {};
  const templateSpec: Record<string, unknown> = {};
  const lists = [
    ['containers', podSpec.containers ?? [], false],
    ['initContainers', podSpec.initContainers ?? [], true],
  ] as const;
  for (const [list, containers, init] of lists) {
    const changed = containers.filter((c) =>
      changes.some((x) => x.init === init && x.name === c.name && x.newImage !== c.image),
    );
    if (changed.length === 0) continue;
    templateSpec[`$setElementOrder/${list}`] = containers.map((c) => ({ name: c.name }));
    templateSpec[list] = changed.map((c) => ({
      image: changes.find((x) => x.init === init && x.name === c.name)?.newImage,
      name: c.name,
    }));
  }
  const patch: Record<string, unknown> = {};
  if (changeCause !== undefined) {
    patch['metadata'] = { annotations: { 'kubernetes.io/change-cause': changeCause } };
  }
  patch['spec'] = { template: { spec: sortKeys(templateSpec) } };
  return patch;
}

/** The reverse of `changes`: what restores the images read before the patch. */
export function reverseChanges(changes: ContainerChange[]): ContainerChange[] {
  return changes.map((c) => ({ ...c, previousImage: c.newImage, newImage: c.previousImage }));
}

/**
 * The change-cause annotation: which repository, commit and run set the images, so
 * `kubectl rollout history` says where a revision came from.
 */
export function changeCause(
  ref: WorkloadRef,
  changes: ContainerChange[],
  env: NodeJS.ProcessEnv,
  action = 'set image',
): string {
  const pairs = changes
    .filter((c) => c.previousImage !== c.newImage)
    .map((c) => `${c.name}=${c.newImage}`)
    .join(' ');
  const origin = [
    env['GITHUB_REPOSITORY'] && `repository ${env['GITHUB_REPOSITORY']}`,
    env['GITHUB_SHA'] && `commit ${env['GITHUB_SHA']}`,
    env['GITHUB_RUN_ID'] && `run ${env['GITHUB_RUN_ID']}`,
  ].filter(Boolean);
  const by = origin.length > 0 ? ` (${origin.join(', ')})` : '';
  return `oidc-deploy-action ${action} ${ref.kind}/${ref.name} ${pairs}${by}`;
}

function sortKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
