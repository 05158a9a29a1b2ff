// The GKE source's pieces: Google's error shapes, the endpoint gke-endpoint picks, the token
// chain against the Google fixture (retries, masks, lifetimes, refusals explained), and the
// explanations, table-driven over Google's codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { pickEndpoint } from '../../../src/kubernetes/sources/gke/container.js';
import {
  explainGetClusterRefusal,
  explainGkeUnauthorized,
  explainImpersonationRefusal,
  explainStsRefusal,
  gkeForbiddenGrant,
  testableClaims,
  type GkeContext,
} from '../../../src/kubernetes/sources/gke/explain.js';
import { GoogleRefusal, parseGoogleError } from '../../../src/kubernetes/sources/gke/google-api.js';
import { googleIdentity } from '../../../src/kubernetes/sources/gke/identity.js';
import { mint } from '../../../src/kubernetes/sources/gke/plugin.js';
import { providerParts } from '../../../src/kubernetes/sources/gke/settings.js';
import { ACCESS_SCOPES, SCOPES } from '../../../src/kubernetes/sources/gke/tokens.js';
import type { Claims } from '../../../src/oidc/claims.js';
import { decodeClaims } from '../../../src/oidc/claims.js';
import {
  containerPermissionDenied,
  iamPermissionDenied,
  serviceDisabled,
  notFound,
  startGoogleFixture,
  STS_ERRORS,
  stsError,
  type GoogleFixture,
} from '../../fixtures/gke/google.js';
import { startIssuer, type Issuer } from '../../fixtures/issuer.js';

const quiet = { debug() {}, info() {}, warning() {} };
const PROVIDER =
  'projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/providers/gh';
const provider = providerParts(PROVIDER) as NonNullable<ReturnType<typeof providerParts>>;
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

const claims: Claims = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:org/app:ref:refs/heads/main',
  aud: [`https://iam.googleapis.com/${PROVIDER}`],
  exp: 2_000_000_000,
  extra: {
    repository: 'org/app',
    repository_id: '89012345',
    repository_owner: 'org',
    run_attempt: 1,
  },
};

function context(more: Partial<GkeContext> = {}): GkeContext {
  return {
    project: 'my-project',
    location: 'europe-west1',
    cluster: 'demo',
    provider,
    serviceAccount: 'deploy@my-project.iam.gserviceaccount.com',
    claims,
    principal: 'deploy@my-project.iam.gserviceaccount.com',
    ...more,
  };
}
const direct = () =>
  context({
    serviceAccount: undefined,
    principal: `principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/subject/${claims.sub}`,
  });

const refusalOf = (
  service: 'sts' | 'iamcredentials' | 'container',
  status: number,
  body: unknown,
) => parseGoogleError(service, { status, body: JSON.stringify(body) }) as GoogleRefusal;

describe("Google's errors", () => {
  it('reads STS OAuth errors and Google API errors with their ErrorInfo reason', () => {
    const sts = refusalOf('sts', 400, stsError('invalid_target', STS_ERRORS.invalidTarget));
    expect([sts.code, sts.description, sts.reason]).toEqual([
      'invalid_target',
      STS_ERRORS.invalidTarget,
      undefined,
    ]);
    const iam = refusalOf('iamcredentials', 403, iamPermissionDenied());
    expect([iam.code, iam.reason, iam.status]).toEqual([
      'PERMISSION_DENIED',
      'IAM_PERMISSION_DENIED',
      403,
    ]);
    expect(parseGoogleError('container', { status: 502, body: '<html>bad gateway</html>' })).toBe(
      undefined,
    );
    expect(parseGoogleError('container', { status: 400, body: '{"error": {}}' })).toBe(undefined);
    // Google's words are foreign text: escaped, one line.
    const hostile = refusalOf('sts', 400, {
      error: 'invalid_grant',
      error_description: 'x\n::warning::injected',
    });
    expect(hostile.description).not.toContain('\n');
  });
});

describe('the endpoint gke-endpoint picks', () => {
  const cluster = {
    endpoint: '34.1.2.3',
    status: 'RUNNING',
    masterAuth: { clusterCaCertificate: CA },
    privateClusterConfig: { privateEndpoint: '10.0.0.2' },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: { endpoint: 'gke-abc-123.europe-west1.gke.goog' },
      ipEndpointsConfig: { privateEndpoint: '10.0.0.3' },
    },
  };
  const cases: Array<[string, 'public' | 'private' | 'dns', unknown, unknown]> = [
    ['public', 'public', cluster, { server: 'https://34.1.2.3', certificateAuthorityData: CA }],
    ['private', 'private', cluster, { server: 'https://10.0.0.2', certificateAuthorityData: CA }],
    [
      'private from ipEndpointsConfig',
      'private',
      { ...cluster, privateClusterConfig: undefined },
      { server: 'https://10.0.0.3', certificateAuthorityData: CA },
    ],
    [
      'dns: no CA',
      'dns',
      cluster,
      { server: 'https://gke-abc-123.europe-west1.gke.goog', certificateAuthorityData: undefined },
    ],
  ];
  it.each(cases)('%s', (_title, kind, body, expected) => {
    expect(pickEndpoint(body, 'demo', kind)).toMatchObject(expected as object);
  });

  const refusals: Array<[string, 'public' | 'private' | 'dns', unknown, RegExp]> = [
    [
      'no endpoint yet',
      'public',
      { status: 'PROVISIONING' },
      /has no endpoint yet \(status PROVISIONING\)/,
    ],
    [
      'no private endpoint',
      'private',
      { endpoint: '34.1.2.3' },
      /^Input "gke-endpoint" is private/,
    ],
    ['no DNS endpoint', 'dns', { endpoint: '34.1.2.3' }, /has no DNS-based endpoint/],
    ['no CA', 'public', { endpoint: '34.1.2.3' }, /has no masterAuth.clusterCaCertificate/],
    ['an endpoint with a path', 'public', { ...cluster, endpoint: 'h/x' }, /not a host/],
    ['not an object', 'public', ['x'], /not with a cluster/],
  ];
  it.each(refusals)('refuses %s', (_title, kind, body, message) => {
    expect(() => pickEndpoint(body, 'demo', kind)).toThrow(message);
  });
});

describe('the token chain against the Google fixture', () => {
  let issuer: Issuer;
  let google: GoogleFixture;
  const SA = 'deploy@demo-project.iam.gserviceaccount.com';
  beforeAll(async () => {
    issuer = await startIssuer({ shape: 'github', lifetimeSeconds: 120 });
    google = await startGoogleFixture({
      pools: { 'ci-jobs': { providers: { gh: { issuerUri: issuer.issuer } } } },
      serviceAccounts: {},
    });
    google.serviceAccounts[SA] = {
      workloadIdentityUsers: [google.principalSet('ci-jobs', 'repository', 'org/app')],
    };
  });
  afterAll(async () => {
    await Promise.all([google?.close(), issuer?.close()]);
  });

  async function identity(serviceAccount: string | undefined, masked: string[] = []) {
    const idToken = await issuer.mint({ aud: google.tokenAudience('ci-jobs', 'gh') });
    return googleIdentity(
      {
        provider: providerParts(google.providerName('ci-jobs', 'gh')) as typeof provider,
        serviceAccount,
        endpoints: { sts: google.endpoints.sts, iamcredentials: google.endpoints.iamcredentials },
        idToken,
        claims: decodeClaims(idToken),
      },
      {
        logger: quiet,
        mask: (secret) => masked.push(secret),
        timing: { baseDelayMs: 1, maxDelayMs: 5 },
      },
    );
  }

  it('direct federation: the federated token, masked, ending with the ID token', async () => {
    const masked: string[] = [];
    const result = await identity(undefined, masked);
    const issued = google.lookup(result.access.token);
    expect(issued).toMatchObject({ kind: 'federated', scopes: ACCESS_SCOPES });
    expect(masked).toEqual([result.access.token]);
    expect(result.principal).toBe(google.principal('ci-jobs', issuer.subject));
    expect(result.access.expiresAt).toBeLessThanOrEqual(issued?.subjectTokenExp ?? 0);
  });

  it("impersonation: the account's token with its own lifetime, both tokens masked", async () => {
    const masked: string[] = [];
    google.limits.accessTokenMaxSeconds = 600;
    const result = await identity(SA, masked);
    expect(result).toMatchObject({ principal: SA, impersonated: true });
    const issued = google.lookup(result.access.token);
    expect(issued).toMatchObject({ kind: 'serviceAccount', principal: SA, scopes: ACCESS_SCOPES });
    expect(result.access.expiresAt).toBe(issued?.expiresAt);
    expect(masked).toHaveLength(2);
    expect(google.lookup(masked[0] as string)?.scopes).toEqual([SCOPES.cloudPlatform]);
  });

  it('retries 503 and resets; a refusal is explained, not retried', async () => {
    google.faults.push(
      { service: 'sts', status: 503 },
      { service: 'iamcredentials', kind: 'reset' },
    );
    const from = google.requests.length;
    await identity(SA);
    expect(google.requests.slice(from).map((r) => [r.service, r.status])).toEqual([
      ['sts', 503],
      ['sts', 200],
      ['iamcredentials', -1],
      ['iamcredentials', 200],
    ]);
    const before = google.requests.length;
    const error = await identity('other@demo-project.iam.gserviceaccount.com').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toMatch(/may not impersonate service account other@/);
    expect(google.requests.slice(before).map((r) => r.status)).toEqual([200, 403]);
  });

  it("the plugin: a token from the exec env's provider and account, handed out a minute early", async () => {
    const idToken = await issuer.mint({ aud: google.tokenAudience('ci-jobs', 'gh') });
    const env = {
      OIDC_DEPLOY_GKE_PROVIDER: google.providerName('ci-jobs', 'gh'),
      OIDC_DEPLOY_GKE_SERVICE_ACCOUNT: SA,
      OIDC_DEPLOY_GKE_STS_ENDPOINT: google.endpoints.sts,
      OIDC_DEPLOY_GKE_IAMCREDENTIALS_ENDPOINT: google.endpoints.iamcredentials,
    };
    google.limits.accessTokenMaxSeconds = 600;
    const request = {
      idToken,
      audience: undefined,
      logger: quiet,
      renewIdToken: () => Promise.resolve(idToken),
    };
    const made = await mint({ ...request, env });
    const issued = google.lookup(made.token);
    expect(issued?.principal).toBe(SA);
    expect((issued?.expiresAt ?? 0) - made.expiresAt.getTime()).toBe(60_000);
    // Without the account: the federated token itself, its expiry a fifth of its life early.
    const direct = await mint({ ...request, env: { ...env, OIDC_DEPLOY_GKE_SERVICE_ACCOUNT: '' } });
    expect(google.lookup(direct.token)?.kind).toBe('federated');
    await expect(mint({ ...request, env: {} })).rejects.toThrow(
      "The kubeconfig's exec env has no OIDC_DEPLOY_GKE_PROVIDER",
    );
  });

  it('a server that is not Google: named with its variable', async () => {
    google.faults.push({ service: 'sts', status: 404, body: '<html>nope</html>' });
    const error = (await identity(undefined).catch((e: unknown) => e)) as ActionError;
    expect(error.message).toMatch(
      /^Google STS token exchange at http:\/\/127\.0\.0\.1:\d+ answered HTTP 404 without a Google error/,
    );
    expect(error.hint).toContain('CLOUDSDK_API_ENDPOINT_OVERRIDES_STS');
  });
});

describe('explanations', () => {
  const sts: Array<[string, unknown, RegExp, RegExp]> = [
    [
      'invalid_target',
      stsError('invalid_target', STS_ERRORS.invalidTarget),
      /^Input "workload-identity-provider": Google STS knows no active provider/,
      /update-oidc gh --project=123456789012 --location=global --workload-identity-pool=ci-jobs --no-disabled[\s\S]*providers undelete gh/,
    ],
    [
      'invalid_request',
      stsError('invalid_request', STS_ERRORS.invalidAudience),
      /as invalid/,
      /format="value\(name\)"/,
    ],
    [
      'unauthorized_client',
      stsError('unauthorized_client', STS_ERRORS.condition),
      /attribute condition of provider/,
      /assertion\.repository_owner == 'org'[\s\S]*--attribute-condition='assertion\.repository_id == '\\''89012345'\\'''/,
    ],
    [
      'invalid_request: google.subject too long (the code Google uses for it is not confirmed)',
      stsError('invalid_request', STS_ERRORS.subjectTooLong),
      /did not accept the ID token/,
      /over 127 bytes[\s\S]*--attribute-mapping=/,
    ],
    [
      'invalid_grant: audience',
      stsError('invalid_grant', STS_ERRORS.audience('https://github.com/org')),
      /did not accept the ID token/,
      /--allowed-audiences=/,
    ],
    [
      'invalid_grant: issuer',
      stsError('invalid_grant', STS_ERRORS.issuer('https://x', 'https://y')),
      /did not accept the ID token/,
      /--issuer-uri='https:\/\/token\.actions\.githubusercontent\.com'/,
    ],
    [
      'invalid_grant: unreachable issuer',
      stsError('invalid_grant', STS_ERRORS.issuerUnreachable),
      /did not accept the ID token/,
      /--jwk-json-path=jwks\.json/,
    ],
    [
      'invalid_grant: google.subject too long',
      stsError('invalid_grant', STS_ERRORS.subjectTooLong),
      /did not accept the ID token/,
      /--attribute-mapping=/,
    ],
    [
      'invalid_grant: other',
      stsError('invalid_grant', 'Something else.'),
      /did not accept the ID token/,
      /--issuer-uri[\s\S]*--jwk-json-path[\s\S]*--allowed-audiences[\s\S]*clock/,
    ],
  ];
  it.each(sts)('STS %s', (_title, body, message, hint) => {
    const error = explainStsRefusal(refusalOf('sts', 400, body), context());
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
    expect(error.hint ?? '').toContain('gcloud iam workload-identity-pools providers ');
  });

  it('getAccessToken denied: workloadIdentityUser for the repository principal set', () => {
    const error = explainImpersonationRefusal(
      refusalOf('iamcredentials', 403, iamPermissionDenied()),
      context(),
    );
    expect(error.message).toBe(
      'The federated identity may not impersonate service account deploy@my-project.iam.gserviceaccount.com (IAM Credentials: PERMISSION_DENIED, "Permission \'iam.serviceAccounts.getAccessToken\' denied on resource (or it may not exist).").',
    );
    expect(error.hint).toContain(
      "gcloud iam service-accounts add-iam-policy-binding deploy@my-project.iam.gserviceaccount.com --project=my-project --role=roles/iam.workloadIdentityUser --member='principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/attribute.repository/org/app'",
    );
    // The exact-subject member is the job's federated principal, never the account it asks for.
    const subject = `principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/subject/${claims.sub}`;
    expect(error.hint).toContain(`Or to this exact subject: --member='${subject}'.`);
    expect(error.hint).not.toContain("--member='deploy@");
  });

  it('getAccessToken denied, a token without a repository claim: the binding for its subject', () => {
    const { repository: _dropped, ...extra } = claims.extra;
    const error = explainImpersonationRefusal(
      refusalOf('iamcredentials', 403, iamPermissionDenied()),
      context({ claims: { ...claims, extra } }),
    );
    const subject = `principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/subject/${claims.sub}`;
    expect(error.hint).toContain("Grant it to the job's subject:");
    expect(error.hint).toContain(`--role=roles/iam.workloadIdentityUser --member='${subject}'`);
    expect(error.hint).not.toContain('principalSet://');
    expect(error.hint).not.toContain('Or to this exact subject');
  });

  it('SERVICE_DISABLED: the API to enable, in the project Google names', () => {
    const iam = explainImpersonationRefusal(
      refusalOf(
        'iamcredentials',
        403,
        serviceDisabled(
          'IAM Service Account Credentials API',
          'iamcredentials.googleapis.com',
          '555566667777',
        ),
      ),
      context(),
    );
    expect(iam.message).toMatch(/^Google's iamcredentials\.googleapis\.com is not enabled/);
    expect(iam.hint).toBe(
      'Enable it (a minute or two to take effect): gcloud services enable iamcredentials.googleapis.com --project=555566667777',
    );
    expect(iam.hint).not.toContain('workloadIdentityUser');
    const container = explainGetClusterRefusal(
      refusalOf(
        'container',
        403,
        serviceDisabled('Kubernetes Engine API', 'container.googleapis.com', 'my-project'),
      ),
      context(),
    );
    expect(container.hint).toBe(
      'Enable it (a minute or two to take effect): gcloud services enable container.googleapis.com --project=my-project',
    );
  });

  it('clusters.get: 403 for the account or the principal set, 404, others', () => {
    const denied = refusalOf(
      'container',
      403,
      containerPermissionDenied(
        'container.clusters.get',
        'projects/my-project/locations/europe-west1/clusters/demo',
      ),
    );
    expect(explainGetClusterRefusal(denied, context()).hint).toContain(
      "--role=roles/container.clusterViewer --member='serviceAccount:deploy@my-project.iam.gserviceaccount.com'",
    );
    expect(explainGetClusterRefusal(denied, direct()).hint).toContain(
      "--member='principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/attribute.repository/org/app'",
    );
    const missing = refusalOf('container', 404, notFound('Not found: projects/x.'));
    expect(explainGetClusterRefusal(missing, context()).message).toMatch(
      /^Input "gke-cluster": GKE has no cluster projects\/my-project\/locations\/europe-west1\/clusters\/demo/,
    );
    const other = refusalOf('container', 400, {
      error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad' },
    });
    expect(explainGetClusterRefusal(other, context()).message).toMatch(/HTTP 400/);
  });

  it("the cluster's 401 and 403: the identity, expiry, IAM and RBAC", () => {
    const expired = explainGkeUnauthorized('list pods', direct(), 1_000, 2_000_000);
    expect(expired.message).toContain(
      'did not accept the Google access token of principal://iam.googleapis.com/',
    );
    expect(expired.hint).toContain('(expired); a federated token ends with the ID token');
    expect(gkeForbiddenGrant(context())).toContain(
      "gcloud projects add-iam-policy-binding my-project --role=roles/container.developer --member='serviceAccount:deploy@my-project.iam.gserviceaccount.com'",
    );
    expect(gkeForbiddenGrant(direct())).toContain('kubectl auth whoami');
  });

  it('lists the claims a condition can test, quoted for a shell and made inert', () => {
    const lines = testableClaims({
      ...claims,
      extra: { ...claims.extra, 'not-a-name': 'x', workflow: "it's\n::warning::x" },
    });
    expect(lines).toContain("  assertion.repository == 'org/app'");
    expect(lines).toContain('  assertion.run_attempt == 1');
    expect(lines.join('\n')).not.toContain('not-a-name');
    expect(lines.find((l) => l.includes('workflow'))).toBe(
      "  assertion.workflow == 'it'\\''s\\n::warning::x'",
    );
  });
});
