import type { ManifestObject } from './manifests.js';

export const CRD_API_GROUP = 'apiextensions.k8s.io';

/** A Namespace (core v1). */
export function isNamespace(object: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  return object.kind === 'Namespace' && object.apiVersion === 'v1';
}

/** A CustomResourceDefinition (apiextensions.k8s.io, any version). */
export function isCrd(object: Pick<ManifestObject, 'apiVersion' | 'kind'>): boolean {
  return (
    object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith(`${CRD_API_GROUP}/`)
  );
}

/**
 * The order of the applies: Namespaces first, then CustomResourceDefinitions, then everything
 * else in file order (stable within each group). kubectl applies in file order only, so a
 * Namespace whose file sorts after its objects fails there with `namespaces "x" not found`.
 */
export function applyOrder<T extends Pick<ManifestObject, 'apiVersion' | 'kind'>>(
  objects: readonly T[],
): T[] {
  const rank = (o: T) => (isNamespace(o) ? 0 : isCrd(o) ? 1 : 2);
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index)
    .map(({ object }) => object);
}
