// The Container API's `projects.locations.clusters.get`: the cluster's endpoints and CA, and the
// kubeconfig server `gke-endpoint` picks among them (docs/wire-formats.md, 2d).
import { ActionError } from '../../../base/errors.js';
import { bodyExcerpt, foreign } from '../../../base/untrusted.js';
import { callGoogle, type GoogleDeps } from './google-api.js';
import { ENDPOINT_VARIABLES, type GkeEndpointKind } from './settings.js';

export interface ClusterRequest {
  container: string;
  project: string;
  location: string;
  cluster: string;
  bearer: string;
}

/** What the kubeconfig needs of a cluster. */
export interface GkeCluster {
  /** `https://HOST[:PORT]`. */
  server: string;
  /** Base64 PEM of the cluster CA; undefined for the DNS endpoint (a publicly trusted certificate). */
  certificateAuthorityData: string | undefined;
  status: string | undefined;
}

/** `projects/P/locations/L/clusters/C`. */
export function clusterResource(request: Pick<ClusterRequest, 'project' | 'location' | 'cluster'>) {
  return `projects/${request.project}/locations/${request.location}/clusters/${request.cluster}`;
}

/** GET the cluster with the Google token and pick the endpoint asked for. */
export async function getCluster(
  request: ClusterRequest,
  endpoint: GkeEndpointKind,
  deps: GoogleDeps,
): Promise<GkeCluster> {
  const body = await callGoogle(
    {
      service: 'container',
      what: 'GKE clusters.get',
      method: 'GET',
      url: `${request.container}/v1/${clusterResource(request)}`,
      headers: { authorization: `Bearer ${request.bearer}`, accept: 'application/json' },
      variable: ENDPOINT_VARIABLES.container,
    },
    deps,
  );
  return pickEndpoint(body, request.cluster, endpoint);
}

const STATUS_HINT =
  'A cluster being created or repaired gets its endpoint when it is RUNNING: gcloud container clusters describe NAME --location LOCATION shows its status.';

/** The server and CA of the endpoint asked for, checked. */
export function pickEndpoint(body: unknown, name: string, kind: GkeEndpointKind): GkeCluster {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ActionError(
      `GKE clusters.get answered 200 for cluster "${foreign(name)}", but not with a cluster (${bodyExcerpt(JSON.stringify(body) ?? '', 120)}).`,
      `Check ${ENDPOINT_VARIABLES.container}, or unset it for the Container API.`,
    );
  }
  const cluster = body as Record<string, unknown>;
  const object = (value: unknown): Record<string, unknown> =>
    value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value ? value : undefined;
  const status = text(cluster['status']);
  const endpoints = object(cluster['controlPlaneEndpointsConfig']);
  const ip = object(endpoints['ipEndpointsConfig']);
  const shownStatus = status ? ` (status ${foreign(status, 40)})` : '';
  let host: string | undefined;
  let withCa = true;
  if (kind === 'public') {
    host = text(cluster['endpoint']) ?? text(ip['publicEndpoint']);
    if (!host) {
      throw new ActionError(
        `GKE cluster "${foreign(name)}" has no endpoint yet${shownStatus}.`,
        STATUS_HINT,
      );
    }
  } else if (kind === 'private') {
    host =
      text(object(cluster['privateClusterConfig'])['privateEndpoint']) ??
      text(ip['privateEndpoint']);
    if (!host) {
      throw new ActionError(
        `Input "gke-endpoint" is private, but GKE cluster "${foreign(name)}" has no private endpoint${shownStatus}.`,
        'Use gke-endpoint: public or dns, or give the cluster a private endpoint.',
      );
    }
  } else {
    host = text(object(endpoints['dnsEndpointConfig'])['endpoint']);
    withCa = false;
    if (!host) {
      throw new ActionError(
        `Input "gke-endpoint" is dns, but GKE cluster "${foreign(name)}" has no DNS-based endpoint${shownStatus}.`,
        `Enable it (gcloud container clusters update ${foreign(name)} --location LOCATION --enable-dns-access), or use gke-endpoint: public or private.`,
      );
    }
  }
  let url: URL | undefined;
  try {
    url = new URL(`https://${host}`);
  } catch {
    url = undefined;
  }
  if (!url || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new ActionError(
      `GKE cluster "${foreign(name)}" has a ${kind} endpoint that is not a host (${foreign(host, 120)}).`,
      `Check ${ENDPOINT_VARIABLES.container}, or unset it for the Container API.`,
    );
  }
  if (!withCa) return { server: url.origin, certificateAuthorityData: undefined, status };
  const ca = text(object(cluster['masterAuth'])['clusterCaCertificate']);
  const compact = ca?.replace(/\s+/g, '') ?? '';
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
    ? Buffer.from(compact, 'base64').toString('utf8')
    : '';
  if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ActionError(
      `GKE cluster "${foreign(name)}" has no masterAuth.clusterCaCertificate that is base64 of a PEM certificate${shownStatus}.`,
      `${STATUS_HINT} Or use gke-endpoint: dns, which needs no CA.`,
    );
  }
  return { server: url.origin, certificateAuthorityData: compact, status };
}
