import { ActionError } from '../../base/errors.js';
import { foreign } from '../../base/untrusted.js';
import { definedKind, definedKinds } from './crd.js';
import { kubectlName, objectPath, type Discovery, type ResourceMapping } from './discovery.js';
import type { ManifestObject } from './manifests.js';
import { applyOrder } from './order.js';

/** One manifest object, checked and ready to send. */
export interface PlannedObject {
  manifest: ManifestObject;
  mapping: ResourceMapping;
  /** Set when a CRD of the same manifests defines the kind: applied once that CRD is established. */
  crd: string | undefined;
  /** The cluster serves the kind already (discovery found it before anything was applied). */
  served: boolean;
  /** Undefined for a cluster-scoped object. */
  namespace: string | undefined;
  path: string;
  /** kubectl's name: `deployment.apps/web`. */
  display: string;
  /** The object as sent: the manifest's, with the namespace set (or removed, cluster-scoped). */
  body: Record<string, unknown>;
  /** A core v1 Secret: never printed, not even in an error. */
  secret: boolean;
}

export interface PlanRequest {
  objects: readonly ManifestObject[];
  discovery: Discovery;
  /** The `namespace` input, when given: objects naming another namespace are refused. */
  namespaceInput: string | undefined;
  /** Where namespaced objects without a namespace go: the input, else the context's, else default. */
  defaultNamespace: string;
}

/** Where an object was written, for messages: `deploy/web.yaml (document 2, line 14)`. */
export function origin(manifest: ManifestObject): string {
  return `${foreign(manifest.file, 300)} (document ${manifest.document}, line ${manifest.line})`;
}

/**
 * Checks every object before anything is sent, and reports every problem at once: kinds the
 * cluster does not serve (kubectl: `no matches for kind "X" in version "Y"`, unless a CRD of the
 * same manifests defines it) and objects naming another namespace than the `namespace` input
 * (kubectl's wording). Namespaced objects without a namespace get `defaultNamespace`;
 * cluster-scoped objects never carry one. Returns the objects in the order they are applied.
 */
export async function planObjects(request: PlanRequest): Promise<PlannedObject[]> {
  const { discovery, namespaceInput, defaultNamespace } = request;
  const ordered = applyOrder(request.objects);
  const crdKinds = definedKinds(request.objects);
  const mappings = await Promise.all(ordered.map((m) => discovery.resolve(m.apiVersion, m.kind)));
  const problems: string[] = [];
  let unserved = false;
  let foreignNamespace: string | undefined;
  const planned: PlannedObject[] = [];
  for (const [index, manifest] of ordered.entries()) {
    const defined = definedKind(crdKinds, manifest.apiVersion, manifest.kind);
    // A CRD of these manifests wins over what the cluster serves now: it is applied first.
    const mapping: ResourceMapping | undefined = defined ?? mappings[index];
    if (!mapping) {
      unserved = true;
      problems.push(
        `${origin(manifest)}: resource mapping not found for name: "${foreign(manifest.name, 253)}": no matches for kind "${foreign(manifest.kind, 100)}" in version "${foreign(manifest.apiVersion, 100)}"`,
      );
      continue;
    }
    let namespace: string | undefined;
    if (mapping.namespaced) {
      if (
        namespaceInput !== undefined &&
        manifest.namespace !== undefined &&
        manifest.namespace !== namespaceInput
      ) {
        foreignNamespace ??= manifest.namespace;
        problems.push(
          `${origin(manifest)}: the namespace from the provided object "${foreign(manifest.namespace, 63)}" does not match the namespace "${foreign(namespaceInput, 63)}"`,
        );
        continue;
      }
      namespace = manifest.namespace ?? defaultNamespace;
    }
    const metadata = { ...(manifest.object['metadata'] as Record<string, unknown>) };
    if (namespace === undefined) delete metadata['namespace'];
    else metadata['namespace'] = namespace;
    planned.push({
      manifest,
      mapping,
      crd: defined?.crd,
      served: mappings[index] !== undefined,
      namespace,
      path: objectPath(mapping, namespace, manifest.name),
      display: kubectlName(mapping, manifest.name),
      body: { ...manifest.object, metadata },
      secret: manifest.kind === 'Secret' && manifest.apiVersion === 'v1',
    });
  }
  if (problems.length > 0) {
    const hints: string[] = [];
    if (unserved) {
      hints.push(
        'ensure CRDs are installed first: the cluster serves no such kind in that apiVersion (kubectl api-resources lists what it serves). A CustomResourceDefinition in the same manifests is applied first.',
      );
    }
    if (foreignNamespace !== undefined) {
      hints.push(
        `Set input "namespace" to "${foreign(foreignNamespace, 63)}" (kubectl: --namespace=${foreign(foreignNamespace, 63)}), leave it empty to apply every object to the namespace it names, or remove metadata.namespace from the objects.`,
      );
    }
    throw new ActionError(
      `The manifests cannot be applied as they are: ${problems.join('; ')}. Nothing was applied.`,
      hints.join('\n'),
    );
  }
  return planned;
}
