// Image references as Docker, containerd and the kubelet parse them. Loaded by inputs.ts in every
// mode, so it stays free of anything else (the replacement in manifests is
// src/kubernetes/apply/images.ts, loaded with the Kubernetes code).

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
