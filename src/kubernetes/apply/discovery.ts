import { KubeApiError } from '../api/client.js';

/** Where the API serves a kind: what kubectl's RESTMapper answers for an apiVersion and kind. */
export interface ResourceMapping {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** The plural resource name of the path (`deployments`). */
  resource: string;
  namespaced: boolean;
}

/** One entry of an APIResourceList (`GET /api/v1`, `GET /apis/GROUP/VERSION`). */
interface ApiResource {
  name?: string;
  kind?: string;
  namespaced?: boolean;
}

interface ApiResourceList {
  resources?: ApiResource[];
}

/** The one call discovery makes; KubeClient has it, tests pass their own. */
export interface DiscoveryClient {
  get<T>(path: string): Promise<T>;
}

/** `v1` -> core group; `apps/v1` -> group apps. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `/api/v1` or `/apis/GROUP/VERSION`: the discovery document and the prefix of every path. */
export function groupVersionPath(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group
    ? `/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`
    : `/api/${encodeURIComponent(version)}`;
}

/**
 * Maps apiVersion + kind to the served resource, as kubectl's RESTMapper does from the same
 * documents: one GET of the group version's resource list, cached for the run (a manifest set
 * of ConfigMaps, Secrets, Services and Deployments costs two requests). A group version the
 * server does not serve (404) maps nothing. `forget` drops a group version, to read it again
 * after a CustomResourceDefinition for it is established.
 *
 * Not client-node's KubernetesObjectApi.resource(): it makes the same lookup, but through its
 * own request path (no token renewal, no retries, errors without the API's Status), and it
 * throws on a group version that is not served instead of saying "no such kind".
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<ApiResource[] | undefined>>();

  constructor(private readonly client: DiscoveryClient) {}

  async resolve(apiVersion: string, kind: string): Promise<ResourceMapping | undefined> {
    const resources = await this.resources(apiVersion);
    // Subresources (`deployments/scale`) share the kind of their parent: never the object's path.
    const found = resources?.find((r) => r.kind === kind && r.name && !r.name.includes('/'));
    if (!found?.name) return undefined;
    const { group, version } = splitApiVersion(apiVersion);
    return { group, version, kind, resource: found.name, namespaced: found.namespaced === true };
  }

  forget(apiVersion: string): void {
    this.cache.delete(apiVersion);
  }

  /** How many discovery documents were read (for the log and the benchmark). */
  get reads(): number {
    return this.readCount;
  }

  private readCount = 0;

  private resources(apiVersion: string): Promise<ApiResource[] | undefined> {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      this.readCount++;
      entry = this.client.get<ApiResourceList>(groupVersionPath(apiVersion)).then(
        (list) => (Array.isArray(list.resources) ? list.resources : []),
        (error: unknown) => {
          if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
          // Not cached: a refused or failed read is the caller's error, and a retry reads again.
          this.cache.delete(apiVersion);
          throw error;
        },
      );
      this.cache.set(apiVersion, entry);
    }
    return entry;
  }
}

/** kubectl's name for an object in its output: `deployment.apps/web`, `configmap/settings`. */
export function kubectlName(
  mapping: Pick<ResourceMapping, 'group' | 'kind'>,
  name: string,
): string {
  const kind = mapping.kind.toLowerCase();
  return `${mapping.group ? `${kind}.${mapping.group}` : kind}/${name}`;
}

/** The object's path: `/apis/apps/v1/namespaces/NS/deployments/NAME`, `/api/v1/namespaces/NAME`. */
export function objectPath(
  mapping: ResourceMapping,
  namespace: string | undefined,
  name: string,
): string {
  const base = groupVersionPath(
    mapping.group ? `${mapping.group}/${mapping.version}` : mapping.version,
  );
  const scope =
    mapping.namespaced && namespace !== undefined
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
  return `${base}${scope}/${mapping.resource}/${encodeURIComponent(name)}`;
}
