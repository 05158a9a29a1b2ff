// gke-cluster in readSettings: kubernetes mode with the GKE source, its audience, endpoints and
// every check named before any request. Table-driven: each bad value and the input it must name.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../src/base/errors.js';
import { readSettings } from '../../src/action/inputs.js';
import type { GkeSettings } from '../../src/kubernetes/sources/gke/settings.js';
import type { KubernetesSettings } from '../../src/modes/kubernetes/settings.js';

const PROVIDER =
  'projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/providers/github';

function settingsFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  for (const [name, value] of Object.entries(inputs))
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  return readSettings(env).settings;
}

function errorFor(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): ActionError {
  try {
    settingsFor(inputs, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('readSettings accepted the inputs');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const gke = (extra: Record<string, string> = {}) => ({
  'gke-cluster': 'demo',
  'gke-location': 'europe-west1',
  'gcp-project': 'my-project',
  'workload-identity-provider': PROVIDER,
  ...extra,
});

const source = (settings: unknown) =>
  (settings as KubernetesSettings).source.settings as GkeSettings;

describe('gke-cluster', () => {
  it("picks kubernetes mode with the GKE source, the provider's audience and Google's endpoints", () => {
    const settings = settingsFor(gke()) as KubernetesSettings;
    expect(settings.mode).toBe('kubernetes');
    expect(settings.source.name).toBe('gke');
    expect(settings.source.hasPlugin).toBe(true);
    expect(settings.audience).toBe(`https://iam.googleapis.com/${PROVIDER}`);
    expect(source(settings)).toEqual({
      project: 'my-project',
      location: 'europe-west1',
      cluster: 'demo',
      provider: {
        name: PROVIDER,
        projectNumber: '123456789012',
        pool: 'ci-jobs',
        provider: 'github',
      },
      serviceAccount: undefined,
      endpoint: 'public',
      endpoints: {
        sts: 'https://sts.googleapis.com',
        iamcredentials: 'https://iamcredentials.googleapis.com',
        container: 'https://container.googleapis.com',
      },
    });
  });

  it('takes the full resource name (locations or zones), a service account, an endpoint, the audience input', () => {
    const settings = settingsFor({
      'gke-cluster': 'projects/my-project/zones/europe-west1-b/clusters/prod-1',
      'workload-identity-provider': PROVIDER,
      'service-account': 'deploy@my-project.iam.gserviceaccount.com',
      'gke-endpoint': 'DNS',
      audience: 'https://custom.example',
    }) as KubernetesSettings;
    expect(settings.audience).toBe('https://custom.example');
    expect(source(settings)).toMatchObject({
      project: 'my-project',
      location: 'europe-west1-b',
      cluster: 'prod-1',
      serviceAccount: 'deploy@my-project.iam.gserviceaccount.com',
      endpoint: 'dns',
    });
    // The same location and project given twice is no conflict.
    expect(
      source(
        settingsFor(
          gke({
            'gke-cluster': 'projects/my-project/locations/europe-west1/clusters/demo',
          }),
        ),
      ).cluster,
    ).toBe('demo');
  });

  it("reads the endpoint overrides in gcloud's form (a base URL with its slash), http on loopback only", () => {
    const env = {
      CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: 'http://127.0.0.1:8080/',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS: 'https://iam.private.example/prefix/',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: 'http://[::1]:9000/',
    };
    expect(source(settingsFor(gke(), env)).endpoints).toEqual({
      sts: 'http://127.0.0.1:8080',
      iamcredentials: 'https://iam.private.example/prefix',
      container: 'http://[::1]:9000',
    });
    const error = errorFor(gke(), {
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: 'http://container.example/',
    });
    expect(error.message).toBe(
      'Environment variable CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER must be an https:// URL.',
    );
  });

  const cases: Array<[title: string, inputs: Record<string, string>, message: RegExp]> = [
    ['no location', gke({ 'gke-location': '' }), /^Input "gke-cluster" needs input "gke-location"/],
    ['no project', gke({ 'gcp-project': '' }), /^Input "gke-cluster" needs input "gcp-project"/],
    [
      'no provider',
      gke({ 'workload-identity-provider': '' }),
      /^Input "gke-cluster" needs input "workload-identity-provider"/,
    ],
    ['an upper-case name', gke({ 'gke-cluster': 'Demo' }), /^Input "gke-cluster" is "Demo"/],
    ['a name over 40', gke({ 'gke-cluster': `a${'b'.repeat(40)}` }), /^Input "gke-cluster" is/],
    [
      'a path that is not a resource name',
      gke({ 'gke-cluster': 'projects/p/clusters/demo' }),
      /neither a cluster name nor projects\/PROJECT/,
    ],
    [
      'a resource name with another location',
      gke({ 'gke-cluster': 'projects/my-project/locations/us-east1/clusters/demo' }),
      /^Input "gke-location" is "europe-west1", but "gke-cluster" names "us-east1"/,
    ],
    [
      'a resource name with another project',
      gke({ 'gke-cluster': 'projects/other-project/locations/europe-west1/clusters/demo' }),
      /^Input "gcp-project" is "my-project", but "gke-cluster" names "other-project"/,
    ],
    ['a location with a space', gke({ 'gke-location': 'europe west1' }), /^Input "gke-location"/],
    ['a project with "_"', gke({ 'gcp-project': 'my_project' }), /^Input "gcp-project"/],
    [
      'a provider with the project ID',
      gke({ 'workload-identity-provider': PROVIDER.replace('123456789012', 'my-project') }),
      /names the project "my-project", not its number/,
    ],
    [
      'a provider as a URL',
      gke({ 'workload-identity-provider': `//iam.googleapis.com/${PROVIDER}` }),
      /a URL; it takes the provider's name/,
    ],
    [
      'a provider in another location',
      gke({ 'workload-identity-provider': PROVIDER.replace('global', 'europe-west1') }),
      /workload identity pools are global/,
    ],
    [
      'a pool ID in capitals',
      gke({ 'workload-identity-provider': PROVIDER.replace('ci-jobs', 'CI') }),
      /has the pool ID "CI"/,
    ],
    [
      'a provider that is a pool',
      gke({ 'workload-identity-provider': PROVIDER.replace(/\/providers\/.*/, '') }),
      /is not a provider's full name/,
    ],
    [
      'a service account that is a user',
      gke({ 'service-account': 'alice@example.com' }),
      /^Input "service-account" is "alice@example.com"/,
    ],
    [
      'an unknown endpoint',
      gke({ 'gke-endpoint': 'internal' }),
      /^Input "gke-endpoint" is "internal"/,
    ],
    [
      'a cluster name with a line break',
      gke({ 'gke-cluster': 'demo\n::warning::x' }),
      /^Input "gke-cluster" contains a line break/,
    ],
    [
      'a kubeconfig beside it',
      gke({ kubeconfig: 'apiVersion: v1' }),
      /^Inputs "gke-cluster" and "kubeconfig" were both given/,
    ],
    [
      'eks-cluster beside it',
      gke({ 'eks-cluster': 'demo', 'role-to-assume': 'arn:aws:iam::123456789012:role/x' }),
      /were both given/,
    ],
  ];

  it.each(cases)('refuses %s', (_title, inputs, message) => {
    expect(errorFor(inputs).message).toMatch(message);
  });

  it('refuses the GKE inputs in another mode or without gke-cluster', () => {
    expect(errorFor({ mode: 'token', 'service-account': 'x' }).message).toBe(
      'Input "service-account" does not apply to token mode.',
    );
    vi.unstubAllEnvs();
    expect(
      errorFor({
        kubeconfig: 'apiVersion: v1',
        'workload-identity-provider': PROVIDER,
      }).message,
    ).toBe('Inputs "kubeconfig" and "workload-identity-provider" were both given.');
  });
});
