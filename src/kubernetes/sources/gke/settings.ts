// The GKE source's inputs and endpoint overrides, read and checked before the ID token is
// requested: every failure names the input (or variable) at fault.
import { ActionError } from '../../../base/errors.js';
import type { InputReader } from '../../../base/input-reader.js';
import { printable } from '../../../base/untrusted.js';
import { checkSingleLine } from '../../../base/validate.js';
import { checkServiceUrl } from '../../../net/service-url.js';

export type GkeEndpointKind = 'public' | 'private' | 'dns';

/** Google's APIs the source calls, each a base URL without a trailing slash (`v1/...` follows). */
export interface GoogleEndpoints {
  sts: string;
  iamcredentials: string;
  container: string;
}

export interface WorkloadIdentityProvider {
  /** `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER` */
  name: string;
  projectNumber: string;
  pool: string;
  provider: string;
}

export interface GkeSettings {
  project: string;
  location: string;
  cluster: string;
  provider: WorkloadIdentityProvider;
  /** The account to impersonate; undefined: the federated token itself (direct federation). */
  serviceAccount: string | undefined;
  endpoint: GkeEndpointKind;
  endpoints: GoogleEndpoints;
}

export const DEFAULT_ENDPOINTS: GoogleEndpoints = {
  sts: 'https://sts.googleapis.com',
  iamcredentials: 'https://iamcredentials.googleapis.com',
  container: 'https://container.googleapis.com',
};

/** The variables that override the endpoints, as gcloud names them (STS: ours, in that form). */
export const ENDPOINT_VARIABLES: Record<keyof GoogleEndpoints, string> = {
  sts: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_STS',
  iamcredentials: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS',
  container: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER',
};

// GKE's rule for a cluster name: a lowercase letter, then lowercase letters, digits and "-", at
// most 40, not ending with "-".
const CLUSTER_NAME = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
// A region (europe-west1) or a zone (europe-west1-b).
const LOCATION = /^[a-z]+(?:-[a-z0-9]+){1,3}$/;
// A project ID (6-30 characters; an old domain-scoped one has a `domain:` prefix), or a number.
const PROJECT = /^(?:(?:[a-z0-9-]+\.)+[a-z]{2,}:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$|^[1-9]\d{0,19}$/;
const RESOURCE_NAME = /^projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)$/;
// Pool and provider IDs: lowercase letters, digits and "-" (Google creates them 4 to 32 long; the
// length is left to STS, which says invalid_target).
const PROVIDER_NAME =
  /^projects\/([^/]+)\/locations\/([^/]+)\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;
const POOL_ID = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
// A service account's e-mail (NAME@PROJECT.iam.gserviceaccount.com, and Google's own domains
// such as PROJECT_NUMBER-compute@developer.gserviceaccount.com), or its numeric unique ID.
// The e-mail only: GKE's user, the IAM member and gke-principal are the e-mail, never the
// account's numeric unique ID (which generateAccessToken would take).
const SERVICE_ACCOUNT =
  /^[a-z0-9][-a-z0-9_.+]{0,99}@[a-z0-9][-a-z0-9.]{0,99}\.gserviceaccount\.com$/;

const DOCS = 'docs/gke.md';

/** `gke-cluster` and what goes with it: where the cluster is, and who the job is to Google. */
export function readGkeSettings(input: InputReader, env: NodeJS.ProcessEnv): GkeSettings {
  const { project, location, cluster } = readCluster(input);
  const provider = readProvider(input);
  const serviceAccount = readServiceAccount(input);
  const endpoint = (input.text('gke-endpoint') || 'public').toLowerCase();
  if (endpoint !== 'public' && endpoint !== 'private' && endpoint !== 'dns') {
    throw new ActionError(
      `Input "gke-endpoint" is "${printable(endpoint)}".`,
      "Use public (the cluster's public IP endpoint, the default), private (its private endpoint) or dns (its DNS-based endpoint, *.gke.goog).",
    );
  }
  return {
    project,
    location,
    cluster,
    provider,
    serviceAccount,
    endpoint,
    endpoints: readEndpoints(env),
  };
}

function readCluster(input: InputReader): { project: string; location: string; cluster: string } {
  const given = input.text('gke-cluster');
  checkSingleLine('gke-cluster', given);
  const locationInput = input.text('gke-location');
  const projectInput = input.text('gcp-project');
  const resource = RESOURCE_NAME.exec(given);
  let project: string;
  let location: string;
  let cluster: string;
  if (resource) {
    [, project = '', location = '', cluster = ''] = resource;
    for (const [name, value, named] of [
      ['gke-location', locationInput, location],
      ['gcp-project', projectInput, project],
    ] as const) {
      if (value && value !== named) {
        throw new ActionError(
          `Input "${name}" is "${printable(value)}", but "gke-cluster" names "${printable(named)}".`,
          `With gke-cluster: projects/PROJECT/locations/LOCATION/clusters/NAME, leave "${name}" empty.`,
        );
      }
    }
  } else {
    if (given.includes('/')) {
      throw new ActionError(
        `Input "gke-cluster" is "${printable(given)}", which is neither a cluster name nor projects/PROJECT/locations/LOCATION/clusters/NAME.`,
        'Give the name with "gke-location" and "gcp-project", or the full name (gcloud container clusters list --format="value(selfLink)" shows it after /v1/).',
      );
    }
    cluster = given;
    location = locationInput;
    project = projectInput;
    if (!location) {
      throw new ActionError(
        'Input "gke-cluster" needs input "gke-location".',
        "Give the cluster's region or zone, e.g. europe-west1 or europe-west1-b (gcloud container clusters list shows it), or name the cluster as projects/PROJECT/locations/LOCATION/clusters/NAME.",
      );
    }
    if (!project) {
      throw new ActionError(
        'Input "gke-cluster" needs input "gcp-project".',
        "Give the cluster's project ID, e.g. my-project, or name the cluster as projects/PROJECT/locations/LOCATION/clusters/NAME.",
      );
    }
  }
  if (!CLUSTER_NAME.test(cluster)) {
    throw new ActionError(
      `Input "gke-cluster" is "${printable(cluster)}", which is not a GKE cluster name.`,
      'A cluster name is 1 to 40 lowercase letters, digits and "-", starting with a letter and not ending with "-" (gcloud container clusters list lists them).',
    );
  }
  if (!LOCATION.test(location)) {
    throw new ActionError(
      `Input "gke-location" is "${printable(location)}", which is not a region or zone.`,
      'Give a region such as europe-west1 or a zone such as europe-west1-b.',
    );
  }
  if (!PROJECT.test(project)) {
    throw new ActionError(
      `Input "gcp-project" is "${printable(project)}", which is not a project ID.`,
      'A project ID is 6 to 30 lowercase letters, digits and "-", starting with a letter (gcloud projects list shows it); a project number works too.',
    );
  }
  return { project, location, cluster };
}

function readProvider(input: InputReader): WorkloadIdentityProvider {
  const name = input.text('workload-identity-provider');
  const example =
    'projects/123456789012/locations/global/workloadIdentityPools/POOL/providers/PROVIDER';
  const describe =
    'gcloud iam workload-identity-pools providers describe PROVIDER --project=PROJECT --location=global --workload-identity-pool=POOL --format="value(name)" prints it';
  if (!name) {
    throw new ActionError(
      'Input "gke-cluster" needs input "workload-identity-provider".',
      `Give the full name of the workload identity provider that trusts the CI's tokens, ${example} (${describe}; ${DOCS}).`,
    );
  }
  checkSingleLine('workload-identity-provider', name);
  const stripped = name.replace(/^(?:https:)?\/\/iam\.googleapis\.com\//, '');
  const match = PROVIDER_NAME.exec(stripped);
  if (stripped !== name && match) {
    throw new ActionError(
      `Input "workload-identity-provider" is "${printable(name)}", a URL; it takes the provider's name.`,
      `Remove the prefix: ${printable(stripped)}.`,
    );
  }
  if (!match) {
    throw new ActionError(
      `Input "workload-identity-provider" is "${printable(name)}", which is not a provider's full name.`,
      `Give ${example} (${describe}).`,
    );
  }
  const [, projectNumber = '', location = '', pool = '', provider = ''] = match;
  if (!/^\d+$/.test(projectNumber)) {
    throw new ActionError(
      `Input "workload-identity-provider" names the project "${printable(projectNumber)}", not its number.`,
      `A provider's name has the project NUMBER: gcloud projects describe ${printable(projectNumber)} --format="value(projectNumber)" prints it.`,
    );
  }
  if (location !== 'global') {
    throw new ActionError(
      `Input "workload-identity-provider" names the location "${printable(location)}"; workload identity pools are global.`,
      `Give ${example}.`,
    );
  }
  for (const [what, id] of [
    ['pool', pool],
    ['provider', provider],
  ] as const) {
    if (!POOL_ID.test(id)) {
      throw new ActionError(
        `Input "workload-identity-provider" has the ${what} ID "${printable(id)}", which is not lowercase letters, digits and "-".`,
        `Give ${example}.`,
      );
    }
  }
  return { name, projectNumber, pool, provider };
}

function readServiceAccount(input: InputReader): string | undefined {
  const account = input.text('service-account');
  if (!account) return undefined;
  if (/^\d{10,25}$/.test(account)) {
    throw new ActionError(
      `Input "service-account" is "${printable(account)}", a service account's unique ID; it takes the account's e-mail.`,
      'The cluster knows the account by its e-mail (its RBAC user): gcloud iam service-accounts describe ID --format="value(email)" prints it.',
    );
  }
  if (!SERVICE_ACCOUNT.test(account)) {
    throw new ActionError(
      `Input "service-account" is "${printable(account)}", which is not a service account's e-mail.`,
      'Give the e-mail of the account to impersonate, e.g. deploy@my-project.iam.gserviceaccount.com, or leave it empty to use the federated identity itself.',
    );
  }
  return account;
}

function readEndpoints(env: NodeJS.ProcessEnv): GoogleEndpoints {
  const read = (api: keyof GoogleEndpoints): string => {
    const name = ENDPOINT_VARIABLES[api];
    const value = env[name]?.trim();
    return value
      ? checkServiceUrl(name, value, 'Google access tokens travel to it')
      : DEFAULT_ENDPOINTS[api];
  };
  return { sts: read('sts'), iamcredentials: read('iamcredentials'), container: read('container') };
}

/** A provider's parts from its checked full name (the credential plugin's exec env). */
export function providerParts(name: string): WorkloadIdentityProvider | undefined {
  const [, projectNumber = '', , pool = '', provider = ''] = PROVIDER_NAME.exec(name) ?? [];
  return provider ? { name, projectNumber, pool, provider } : undefined;
}

/** The audience of the CI token: `https://iam.googleapis.com/` + the provider's name. */
export function providerAudience(provider: string): string {
  return `https://iam.googleapis.com/${provider}`;
}
