// Image references, and replacing images in manifests by repository (the `images` input's bare
// lines). This file has no dependencies beyond our own small modules: inputs.ts, which every mode
// loads, parses references with it.
import { ActionError } from '../../errors.js';
import { foreign } from '../../untrusted.js';

/** A bare `images` line: every container image of `repository` becomes `image`. */
export interface ImageReplacement {
  /** The reference without tag and digest, exactly as written (`ghcr.io/org/app`). */
  repository: string;
  /** The whole reference to set (`ghcr.io/org/app@sha256:...`). */
  image: string;
}

export interface ImageReference {
  /** Everything before the tag and digest: `[HOST[:PORT]/]PATH`. */
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

// The grammar of github.com/distribution/reference (which Docker, containerd and the kubelet use):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [domain "/"] path-component ["/" path-component]*
//   domain     := host [":" port], host := domain-component ["." domain-component]* | "[" IPv6 "]"
// A first component is a domain only when a path follows it, so in `registry:5000/app:1` the
// `:5000` is a port and `:1` the tag.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
// go-digest: algorithm:hex, lowercase hex of the algorithm's length.
const DIGEST_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** distribution/reference's NameTotalLengthMax. */
const MAX_NAME = 255;

/**
 * Parses `[HOST[:PORT]/]PATH[:TAG][@ALGORITHM:HEX]` as distribution/reference does; undefined when
 * it is not a reference (upper case in the path, a bad tag or digest, spaces, shell syntax...).
 */
export function parseImageReference(text: string): ImageReference | undefined {
  if (text.length > 4096) return undefined;
  const at = text.indexOf('@');
  const named = at === -1 ? text : text.slice(0, at);
  const digest = at === -1 ? undefined : text.slice(at + 1);
  if (digest !== undefined) {
    const [algorithm, hex, extra] = digest.split(':');
    const length = DIGEST_LENGTHS[algorithm ?? ''];
    if (extra !== undefined || !length || hex?.length !== length || !/^[a-f0-9]+$/.test(hex)) {
      return undefined;
    }
  }
  // A tag is a `:` after the last `/` (before it, a `:` is a registry's port).
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const repository = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  if (repository.length > MAX_NAME || !NAME.test(repository)) return undefined;
  return { repository, tag, digest };
}

/**
 * The repository of a container image as written in a manifest, for matching: the reference
 * without tag and digest. Never normalised (`nginx` is not `docker.io/library/nginx`), as
 * kustomize's `images` matches names. Images that do not parse (templates, typos) match nothing.
 */
export function repositoryOf(image: string): string | undefined {
  return parseImageReference(image)?.repository;
}

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
