import type { ManifestObject } from './manifests.js';
import { isCrd } from './order.js';
import type { ResourceMapping } from './discovery.js';

/** The kinds a CustomResourceDefinition of the manifests defines, as discovery will serve them. */
export interface DefinedKind extends ResourceMapping {
  /** The CRD's metadata.name (`widgets.example.com`). */
  crd: string;
}

/**
 * What each CRD in the manifests will serve once established: its group, every served version,
 * kind, plural and scope (spec.group, spec.versions[].name, spec.names.kind/plural, spec.scope).
 * Objects of these kinds are planned with it before the CRD exists, and applied after it is.
 */
export function definedKinds(objects: readonly ManifestObject[]): DefinedKind[] {
  const kinds: DefinedKind[] = [];
  for (const object of objects) {
    if (!isCrd(object)) continue;
    const spec = record(object.object['spec']);
    const names = record(spec['names']);
    const group = text(spec['group']);
    const kind = text(names['kind']);
    const plural = text(names['plural']) || kind.toLowerCase();
    if (!group || !kind) continue;
    const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]) : [];
    for (const version of versions) {
      const v = record(version);
      const name = text(v['name']);
      if (!name || v['served'] === false) continue;
      kinds.push({
        crd: object.name,
        group,
        version: name,
        kind,
        resource: plural,
        namespaced: text(spec['scope']) !== 'Cluster',
      });
    }
  }
  return kinds;
}

/** The defined kind for an object's apiVersion and kind, if a CRD of the manifests defines it. */
export function definedKind(
  kinds: readonly DefinedKind[],
  apiVersion: string,
  kind: string,
): DefinedKind | undefined {
  return kinds.find((k) => `${k.group}/${k.version}` === apiVersion && k.kind === kind);
}

/** Whether a CRD as the API serves it has the condition `Established` true. */
export function isEstablished(crd: unknown): boolean {
  const conditions = record(record(crd)['status'])['conditions'];
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => record(c)['type'] === 'Established' && record(c)['status'] === 'True')
  );
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
