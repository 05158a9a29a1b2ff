// The evidence that the GKE test peers are faithful: real gcloud 528 (google-auth 2.39) with an
// external-account credential file, `gcloud container clusters get-credentials` and kubectl
// through gke-gcloud-auth-plugin, against the Google fixture (fixtures/gke/google.ts: STS, IAM
// Credentials, Container API, TokenReview webhook) and the test API server, nothing leaving
// loopback (fixtures/gke/gcloud.ts). What gcloud prints for each refusal is pinned here: it is
// the oracle of the error shapes the action must explain.
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { rules, startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { tokenReviewWebhook } from '../fixtures/kube/token-review.js';
import {
  clusterOf,
  expireTime,
  iamPermissionDenied,
  missingCredentials,
  SCOPES,
  startGoogleFixture,
  STS_ERRORS,
  stsError,
  type GoogleFixture,
  type GoogleRequest,
  type StsErrorCode,
} from '../fixtures/gke/google.js';
import {
  externalAccount,
  gcloudSandbox,
  startSinkhole,
  type ExternalAccountOptions,
  type GcloudSandbox,
  type Sinkhole,
} from '../fixtures/gke/gcloud.js';
import { tempDir } from '../helpers/temp.js';

const PROJECT = 'demo-project';
const LOCATION = 'europe-west1';
const CLUSTER = 'demo';
const POOL = 'ci';
const PROVIDER = 'forgejo';
const SA = `deploy@${PROJECT}.iam.gserviceaccount.com`;
const CONTEXT = `gke_${PROJECT}_${LOCATION}_${CLUSTER}`;
const DNS_ENDPOINT = 'gke-0123456789abcdef0123456789abcdef-123456789012.europe-west1.gke.goog';
/** The scopes gcloud asks for (its CLOUDSDK_SCOPES). */
const GCLOUD_SCOPES = [
  'openid',
  'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/cloud-platform',
  'https://www.googleapis.com/auth/appengine.admin',
  'https://www.googleapis.com/auth/sqlservice.login',
  'https://www.googleapis.com/auth/compute',
];
/** gcloud's OAuth client ID: it authenticates STS and introspection with it (HTTP Basic). */
const GCLOUD_CLIENT_ID = '32555940559.apps.googleusercontent.com';

let issuer: Issuer;
let google: GoogleFixture;
let api: KubeApiServer;
let sink: Sinkhole;
let principal: string;
const boxes: GcloudSandbox[] = [];

beforeAll(async () => {
  issuer = await startIssuer({ shape: 'forgejo' });
  sink = await startSinkhole();
  google = await startGoogleFixture({
    projectId: PROJECT,
    pools: {
      [POOL]: {
        providers: {
          [PROVIDER]: {
            issuerUri: issuer.issuer,
            attributeCondition: ({ attribute }) => attribute['repository_owner'] === 'org',
          },
          retired: { issuerUri: issuer.issuer, state: 'DISABLED' },
        },
      },
    },
  });
  principal = google.principal(POOL, issuer.subject);
  const repoSet = google.principalSet(POOL, 'repository', 'org/app');
  google.serviceAccounts[SA] = { workloadIdentityUsers: [repoSet] };
  google.clusterReaders = [`serviceAccount:${SA}`, repoSet];
  api = await startKubeApiServer({
    // Google access tokens are no JWTs: every one goes to the webhook.
    issuer: issuer.issuer,
    audiences: ['https://kubernetes.invalid'],
    webhook: tokenReviewWebhook(google.tokenReviewUrl),
    authorize: rules([{ users: [SA, principal], verbs: ['get', 'list', 'watch'] }]),
  });
  api.addDeployment({ name: 'web', namespace: 'default' });
  const host = new URL(api.url).host;
  google.clusters.push(
    clusterOf(api, {
      name: CLUSTER,
      location: LOCATION,
      privateEndpoint: host,
      dnsEndpoint: DNS_ENDPOINT,
    }),
  );
});

afterAll(async () => {
  const timings = boxes.flatMap((box) => box.timings);
  if (timings.length) {
    const by = new Map<string, number[]>();
    for (const { command, ms } of timings) {
      const key = command.split(' ').slice(0, 3).join(' ');
      by.set(key, [...(by.get(key) ?? []), ms]);
    }
    const lines = [...by].map(([key, list]) => {
      const sorted = [...list].sort((a, b) => a - b);
      return `  ${key}: n=${list.length} median ${sorted[Math.floor(sorted.length / 2)]} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms`;
    });
    console.log(`gcloud/kubectl wall time per call:\n${lines.join('\n')}`);
  }
  // Nothing left loopback: no CONNECT or metadata probe reached the sinkhole.
  expect(sink?.records ?? []).toEqual([]);
  await Promise.all([api?.close(), google?.close(), issuer?.close(), sink?.close()]);
});

function sandbox(): GcloudSandbox {
  const box = gcloudSandbox(tempDir('gke-gcloud-'), google, sink);
  boxes.push(box);
  return box;
}

/** A CI token for the provider (default audience), with claims overridden. */
function ciToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return issuer.mint({ aud: google.tokenAudience(POOL, PROVIDER), ...overrides });
}

/** A sandbox with a credential file for `token` (written to a file), logged in with it. */
async function loggedIn(
  token: string,
  options: Partial<ExternalAccountOptions> = {},
): Promise<{
  box: GcloudSandbox;
  credFile: string;
  login: Awaited<ReturnType<GcloudSandbox['gcloud']>>;
}> {
  const box = sandbox();
  const tokenFile = box.write('ci-token', token);
  const credFile = box.write(
    'credentials.json',
    JSON.stringify(
      externalAccount({ google, pool: POOL, provider: PROVIDER, tokenFile, ...options }),
    ),
  );
  const login = await box.gcloud(['auth', 'login', `--cred-file=${credFile}`]);
  return { box, credFile, login };
}

const since = (from: number, service?: GoogleRequest['service']) =>
  google.requests.slice(from).filter((r) => !service || r.service === service);

/** gcloud's last ERROR line (what a user sees first). */
const errorLine = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('ERROR:'))
    .at(-1) ?? stderr;

describe('external-account credentials with gcloud', () => {
  it('direct federation: auth login --cred-file, then print-access-token is an STS token of the fixture', async () => {
    const from = google.requests.length;
    const ci = await ciToken();
    const { box, login } = await loggedIn(ci);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(
      `Authenticated with external account credentials for: [${principal}].`,
    );
    const printed = await box.gcloud(['auth', 'print-access-token']);
    expect(printed.code, printed.stderr).toBe(0);
    const token = printed.stdout.trim();
    const issued = google.lookup(token);
    expect(issued).toMatchObject({ kind: 'federated', principal, scopes: GCLOUD_SCOPES });
    // A federated token dies with the CI token (Forgejo: 3600 s).
    expect(issued?.expiresAt).toBeLessThanOrEqual(issued?.subjectTokenExp ?? 0);

    const [sts, introspect, ...rest] = since(from);
    expect(rest).toEqual([]);
    expect(sts).toMatchObject({
      service: 'sts',
      listener: 'sts',
      method: 'POST',
      path: '/v1/token',
      contentType: 'application/x-www-form-urlencoded',
      // gcloud authenticates as its OAuth client (the contract's "no auth" is google-auth's).
      authorization: 'basic',
      credential: GCLOUD_CLIENT_ID,
      body: {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        audience: google.audience(POOL, PROVIDER),
        scope: GCLOUD_SCOPES.join(' '),
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: ci,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      },
      status: 200,
    });
    expect(sts?.apiClient).toMatch(
      /^gl-python\/\S+ auth\/2\.39\.0 google-byoid-sdk sa-impersonation\/false config-lifetime\/false source\/file$/,
    );
    expect(introspect).toMatchObject({
      service: 'introspect',
      listener: 'sts',
      authorization: 'basic',
      credential: GCLOUD_CLIENT_ID,
      body: {
        token,
        token_type_hint: 'urn:ietf:params:oauth:token-type:access_token',
      },
      status: 200,
    });
  });

  it('the environment route (CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, as google-github-actions/auth sets it) needs no login', async () => {
    const box = sandbox();
    const tokenFile = box.write('ci-token', await ciToken());
    const credFile = box.write(
      'credentials.json',
      JSON.stringify(externalAccount({ google, pool: POOL, provider: PROVIDER, tokenFile })),
    );
    const printed = await box.gcloud(['auth', 'print-access-token'], {
      env: { CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: credFile },
    });
    expect(printed.code, printed.stderr).toBe(0);
    expect(google.lookup(printed.stdout.trim())).toMatchObject({ kind: 'federated', principal });
  });

  it('impersonation: the STS token (scope iam) buys a service-account token from generateAccessToken', async () => {
    const from = google.requests.length;
    const { box, login } = await loggedIn(await ciToken(), {
      serviceAccount: SA,
      lifetimeSeconds: 600,
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`Authenticated with external account credentials for: [${SA}].`);
    // The account's name is read from the impersonation URL: no request yet.
    expect(since(from)).toEqual([]);

    const helper = await box.gcloud(['config', 'config-helper', '--format=json']);
    expect(helper.code, helper.stderr).toBe(0);
    const { credential } = JSON.parse(helper.stdout) as {
      credential: { access_token: string; token_expiry: string };
    };
    const issued = google.lookup(credential.access_token);
    expect(issued).toMatchObject({
      kind: 'serviceAccount',
      principal: SA,
      scopes: GCLOUD_SCOPES,
      impersonatedBy: principal,
    });
    // token_lifetime_seconds 600 -> "lifetime": "600s"; gcloud read expireTime to the second.
    expect(credential.token_expiry).toBe(expireTime(issued?.expiresAt ?? 0));
    expect((issued?.expiresAt ?? 0) - (issued?.issuedAt ?? 0)).toBeGreaterThan(599_000);
    expect((issued?.expiresAt ?? 0) - (issued?.issuedAt ?? 0)).toBeLessThanOrEqual(600_000);

    const [sts, iam, ...rest] = since(from);
    expect(rest).toEqual([]);
    expect(sts).toMatchObject({
      service: 'sts',
      authorization: 'none',
      body: { scope: 'https://www.googleapis.com/auth/iam' },
      status: 200,
    });
    expect(sts?.apiClient).toMatch(/sa-impersonation\/true config-lifetime\/true source\/file$/);
    const federated = google.lookup(iam?.credential ?? '');
    expect(federated).toMatchObject({ kind: 'federated', principal });
    expect(iam).toMatchObject({
      service: 'iamcredentials',
      listener: 'iamcredentials',
      method: 'POST',
      path: `/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`,
      contentType: 'application/json',
      authorization: 'bearer',
      body: { delegates: null, scope: GCLOUD_SCOPES, lifetime: '600s' },
      status: 200,
    });
  });
});

describe('get-credentials and kubectl through gke-gcloud-auth-plugin', () => {
  it('impersonated: a kubeconfig whose user is the plugin; kubectl gets in as the service account', async () => {
    const { box, login } = await loggedIn(await ciToken(), { serviceAccount: SA });
    expect(login.code, login.stderr).toBe(0);
    const from = google.requests.length;
    const result = await box.gcloud([
      'container',
      'clusters',
      'get-credentials',
      CLUSTER,
      '--location',
      LOCATION,
      '--project',
      PROJECT,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'Fetching cluster endpoint and auth data.\nkubeconfig entry generated for demo.\n',
    );
    const get = since(from, 'container');
    expect(get).toEqual([
      expect.objectContaining({
        listener: 'container',
        method: 'GET',
        path: `/v1/projects/${PROJECT}/locations/${LOCATION}/clusters/${CLUSTER}?alt=json`,
        authorization: 'bearer',
        status: 200,
      }),
    ]);
    expect(google.lookup(get[0]?.credential ?? '')?.principal).toBe(SA);

    const kubeconfig = parseYaml(readFileSync(box.kubeconfig, 'utf8')) as Record<string, unknown>;
    expect(kubeconfig).toMatchObject({
      'current-context': CONTEXT,
      clusters: [
        {
          name: CONTEXT,
          cluster: { server: api.url, 'certificate-authority-data': api.caData },
        },
      ],
      contexts: [{ name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT } }],
      users: [
        {
          name: CONTEXT,
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1beta1',
              command: 'gke-gcloud-auth-plugin',
              provideClusterInfo: true,
              installHint: expect.stringContaining('gke-gcloud-auth-plugin') as unknown,
            },
          },
        },
      ],
    });

    const reviews = google.requests.length;
    const kubectl = await box.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name']);
    expect(kubectl.code, kubectl.stderr + api.authFailures.join('\n')).toBe(0);
    expect(kubectl.stdout.trim()).toBe('deployment.apps/web');
    expect(api.requests.at(-1)?.user).toBe(SA);
    const review = since(reviews, 'tokenreview')[0];
    expect(review?.body).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: expect.stringMatching(/^ya29\./) as unknown },
    });
  });

  it('direct federation: kubectl gets in as the principal (the fixture`s naming, docs/gke.md)', async () => {
    const { box, login } = await loggedIn(await ciToken());
    expect(login.code, login.stderr).toBe(0);
    // gcloud takes no resource name here: NAME with --location (and --project).
    const result = await box.gcloud([
      'container',
      'clusters',
      'get-credentials',
      CLUSTER,
      `--location=${LOCATION}`,
      `--project=${PROJECT}`,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const kubectl = await box.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name']);
    expect(kubectl.code, kubectl.stderr + api.authFailures.join('\n')).toBe(0);
    expect(api.requests.at(-1)?.user).toBe(principal);
  });

  it('--internal-ip takes privateClusterConfig.privateEndpoint; --dns-endpoint the DNS endpoint, without a CA', async () => {
    const { box } = await loggedIn(await ciToken(), { serviceAccount: SA });
    const args = ['container', 'clusters', 'get-credentials', CLUSTER, '--location', LOCATION];
    const internal = await box.gcloud([...args, '--project', PROJECT, '--internal-ip']);
    expect(internal.code, internal.stderr).toBe(0);
    const dns = await box.gcloud([...args, '--project', PROJECT, '--dns-endpoint']);
    expect(dns.code, dns.stderr).toBe(0);
    const kubeconfig = parseYaml(readFileSync(box.kubeconfig, 'utf8')) as {
      clusters: { name: string; cluster: Record<string, unknown> }[];
    };
    // The second write replaces the entry of the same name.
    expect(kubeconfig.clusters).toEqual([
      { name: CONTEXT, cluster: { server: `https://${DNS_ENDPOINT}` } },
    ]);
    expect(internal.stderr).toContain('kubeconfig entry generated for demo.');
  });
});

describe('refusals as gcloud shows them', () => {
  /** gcloud's refresh error: google-auth's exception args, printed as a Python tuple. */
  const refreshError = (command: string, first: string, body: unknown, pretty = false) =>
    `ERROR: (gcloud.${command}) There was a problem refreshing your current auth tokens: (${pyRepr(first)}, ${pyRepr(pretty ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body))})`;
  const stsLine = (code: StsErrorCode, description: string, command = 'auth.login') =>
    refreshError(command, `Error code ${code}: ${description}`, stsError(code, description));

  it('STS invalid_target: unknown and disabled providers; invalid_request: a malformed audience', async () => {
    for (const provider of ['nope', 'retired']) {
      const box = sandbox();
      const tokenFile = box.write('ci-token', await ciToken());
      const credFile = box.write(
        'credentials.json',
        JSON.stringify(externalAccount({ google, pool: POOL, provider, tokenFile })),
      );
      const login = await box.gcloud(['auth', 'login', `--cred-file=${credFile}`]);
      expect(login.code).toBe(1);
      expect(errorLine(login.stderr)).toBe(stsLine('invalid_target', STS_ERRORS.invalidTarget));
      expect(google.refusals.at(-1)).toBe(
        provider === 'nope'
          ? `sts: no provider nope in pool ${POOL}`
          : 'sts: provider retired is DISABLED',
      );
    }
    const box = sandbox();
    const tokenFile = box.write('ci-token', await ciToken());
    const credFile = box.write(
      'credentials.json',
      JSON.stringify({
        ...externalAccount({ google, pool: POOL, provider: PROVIDER, tokenFile }),
        // The provider's name without `//iam.googleapis.com/` (a common mistake).
        audience: google.providerName(POOL, PROVIDER),
      }),
    );
    const login = await box.gcloud(['auth', 'login', `--cred-file=${credFile}`]);
    expect(login.code).toBe(1);
    expect(errorLine(login.stderr)).toBe(stsLine('invalid_request', STS_ERRORS.invalidAudience));
  });

  it('STS unauthorized_client: the attribute condition; invalid_grant: audience, issuer, expiry', async () => {
    const condition = await loggedIn(
      await ciToken({ repository: 'evil/app', repository_owner: 'evil' }),
    );
    expect(condition.login.code).toBe(1);
    expect(errorLine(condition.login.stderr)).toBe(
      stsLine('unauthorized_client', STS_ERRORS.condition),
    );
    const audience = await loggedIn(await ciToken({ aud: 'https://github.com/org' }));
    expect(errorLine(audience.login.stderr)).toBe(
      stsLine('invalid_grant', STS_ERRORS.audience('https://github.com/org')),
    );
    const foreign = 'https://token.actions.githubusercontent.com';
    const issuerMismatch = await loggedIn(await ciToken({ iss: foreign }));
    expect(errorLine(issuerMismatch.login.stderr)).toBe(
      stsLine('invalid_grant', STS_ERRORS.issuer(foreign, issuer.issuer)),
    );
    const now = Math.floor(Date.now() / 1000);
    const expired = await loggedIn(await ciToken({ iat: now - 600, nbf: now - 600, exp: now - 1 }));
    expect(errorLine(expired.login.stderr)).toBe(stsLine('invalid_grant', STS_ERRORS.expired));
    // Every gcloud refusal is followed by the same advice (wrong for a CI job).
    expect(expired.login.stderr).toContain('Please run:\n\n  $ gcloud auth login\n');
  });

  it('IAM 403 when the principal holds no workloadIdentityUser on the account', async () => {
    const other = `other@${PROJECT}.iam.gserviceaccount.com`;
    google.serviceAccounts[other] = { workloadIdentityUsers: [] };
    const { box, login } = await loggedIn(await ciToken(), { serviceAccount: other });
    expect(login.code, login.stderr).toBe(0);
    const printed = await box.gcloud(['auth', 'print-access-token']);
    expect(printed.code).toBe(1);
    expect(errorLine(printed.stderr)).toBe(
      refreshError(
        'auth.print-access-token',
        'Unable to acquire impersonated credentials',
        iamPermissionDenied(),
        true,
      ),
    );
    expect(google.refusals.at(-1)).toBe(
      `iamcredentials: ${principal} holds no roles/iam.workloadIdentityUser on ${other} (members: )`,
    );
  });

  it('Container 403 without container.clusters.get; 404 for a missing cluster, then the list', async () => {
    const outsider = 'repo:org/other:ref:refs/heads/main';
    const { box } = await loggedIn(await ciToken({ repository: 'org/other', sub: outsider }));
    const args = ['container', 'clusters', 'get-credentials'];
    const denied = await box.gcloud([
      ...args,
      CLUSTER,
      '--location',
      LOCATION,
      '--project',
      PROJECT,
    ]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toBe(
      `Fetching cluster endpoint and auth data.\nERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=403, message=Required "container.clusters.get" permission(s) for "projects/${PROJECT}/locations/${LOCATION}/clusters/${CLUSTER}". This command is authenticated as ${google.principal(POOL, outsider)} which is the active account specified by the [core/account] property.\n`,
    );
    const { box: sa } = await loggedIn(await ciToken(), { serviceAccount: SA });
    const from = google.requests.length;
    const missing = await sa.gcloud([
      ...args,
      'nope',
      '--location',
      LOCATION,
      '--project',
      PROJECT,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `Fetching cluster endpoint and auth data.\nERROR: (gcloud.container.clusters.get-credentials) ResponseError: code=404, message=Not found: projects/${PROJECT}/locations/${LOCATION}/clusters/nope. This command is authenticated as ${SA} which is the active account specified by the [core/account] property.\nNo cluster named 'nope' in ${PROJECT}.\n`,
    );
    expect(since(from, 'container').map((r) => `${r.path} ${r.status}`)).toEqual([
      `/v1/projects/${PROJECT}/locations/${LOCATION}/clusters/nope?alt=json 404`,
      `/v1/projects/${PROJECT}/locations/-/clusters?alt=json 200`,
    ]);
  });
});

describe('expiry: the gap the action closes', () => {
  it('direct federation dies with the CI token; an impersonated token outlives it; a url credential source re-mints', async () => {
    // Long enough for the setup on a loaded 2-core machine (about 10 s idle).
    const life = 40;
    const started = Date.now();
    const exp = Math.floor(started / 1000) + life;
    issuer.setLifetime(life);
    try {
      const audience = google.tokenAudience(POOL, PROVIDER);
      const [direct, impersonated, url] = await Promise.all([
        loggedIn(await ciToken({ exp })),
        loggedIn(await ciToken({ exp }), { serviceAccount: SA }),
        loggedIn('', {
          tokenFile: undefined,
          // google-github-actions/auth's credential file: the ID-token endpoint itself.
          tokenUrl: {
            url: `${issuer.requestUrl}&audience=${encodeURIComponent(audience)}`,
            headers: { Authorization: `Bearer ${issuer.requestToken}` },
          },
        }),
      ]);
      const all = [direct, impersonated, url];
      for (const { login } of all) expect(login.code, login.stderr).toBe(0);
      const getCredentials = ['container', 'clusters', 'get-credentials', CLUSTER];
      const where = ['--location', LOCATION, '--project', PROJECT];
      await Promise.all(
        all.map(async ({ box }) => {
          const result = await box.gcloud([...getCredentials, ...where]);
          expect(result.code, result.stderr).toBe(0);
        }),
      );
      // Direct federation works while the CI token lives (the others need not be shown).
      const fresh = await direct.box.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name']);
      expect(fresh.code, fresh.stderr).toBe(0);
      // STS never let the federated token outlive the CI token.
      for (const issued of google.issued.filter((t) => t.subjectTokenExp === exp * 1000))
        expect(issued.expiresAt).toBeLessThanOrEqual(exp * 1000);
      // The url source's CI token was minted a little later: wait for the last CI token.
      const lastExp = Math.max(
        ...google.issued.filter((t) => t.issuedAt >= started).map((t) => t.subjectTokenExp ?? 0),
      );
      const wait = lastExp + 1_500 - Date.now();
      expect(wait, 'the setup outlived the CI token').toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, wait));

      const fetched = issuer.requests.length;
      const [late, lateImpersonated, lateUrl] = await Promise.all(
        all.map(({ box }) => box.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name'])),
      );
      // kubectl runs the plugin twice, then gives up; the plugin quotes gcloud's refusal.
      expect(late?.code).toBe(1);
      expect(late?.stderr.trim().split('\n').at(-1)).toBe(
        'Unable to connect to the server: getting credentials: exec: executable gke-gcloud-auth-plugin failed with exit code 1',
      );
      expect(late?.stderr).toMatch(
        /^F\d{4} [\d:.]+ +\d+ cred\.go:\d+\] print credential failed with error: Failed to retrieve access token:: failure while executing gcloud, with args \[config config-helper --format=json\]: exit status 1 \(err: ERROR: \(gcloud\.config\.config-helper\) There was a problem refreshing your current auth tokens: \('Error code invalid_grant: The given ID Token has expired\.', /m,
      );
      expect(google.refusals).toContainEqual(expect.stringMatching(/^sts: token expired at /));
      expect(lateImpersonated?.code, lateImpersonated?.stderr).toBe(0);
      expect(lateUrl?.code, lateUrl?.stderr).toBe(0);
      // The url source fetched a fresh CI token from the ID-token endpoint.
      expect(issuer.requests.length).toBeGreaterThan(fetched);
    } finally {
      issuer.setLifetime(3600);
    }
  }, 180_000);
});

/** Python's repr() of a str, as gcloud prints exception arguments. */
function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const body = text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(new RegExp(quote, 'g'), `\\${quote}`);
  return `${quote}${body}${quote}`;
}

describe('the fixture on the wire (what no gcloud call shows)', () => {
  const exchangeBody = (token: string, scope = 'https://www.googleapis.com/auth/cloud-platform') =>
    new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: google.audience(POOL, PROVIDER),
      scope,
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    });
  const sts = (body: URLSearchParams | string, json = false) =>
    fetch(`${google.endpoints.sts}/v1/token`, {
      method: 'POST',
      headers: {
        'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
      },
      body: String(body),
    });
  const federated = async (scope?: string) => {
    const response = await sts(exchangeBody(await ciToken(), scope));
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const generate = (token: string | undefined, body: unknown, email = SA) =>
    fetch(
      `${google.endpoints.iamcredentials}/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      },
    );

  it('STS: JSON in camelCase (google-github-actions/auth); expires_in capped by the CI token and the knob', async () => {
    const now = Math.floor(Date.now() / 1000);
    const response = await sts(
      JSON.stringify({
        audience: google.audience(POOL, PROVIDER),
        grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
        requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
        subjectToken: await ciToken({ iat: now - 8, nbf: now - 8, exp: now + 292 }),
      }),
      true,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      access_token: expect.stringMatching(/^ya29\./) as unknown,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: expect.any(Number) as unknown,
    });
    expect(body['expires_in']).toBeGreaterThanOrEqual(290);
    expect(body['expires_in']).toBeLessThanOrEqual(292);

    google.limits.stsMaxSeconds = 30;
    try {
      const capped = await sts(exchangeBody(await ciToken()));
      expect(((await capped.json()) as { expires_in: number }).expires_in).toBe(30);
    } finally {
      google.limits.stsMaxSeconds = 3600;
    }
  });

  it('STS: exact error bodies (compact JSON, HTTP 400); uploaded keys; unreachable issuer; long subject', async () => {
    const response = await sts(
      new URLSearchParams({ ...Object.fromEntries(exchangeBody('x')), audience: 'nope' }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await response.text()).toBe(
      JSON.stringify({ error: 'invalid_request', error_description: STS_ERRORS.invalidAudience }),
    );

    const pools = google.pools[POOL]?.providers ?? {};
    const jwks = (await (await fetch(`${issuer.issuer}/.well-known/keys`)).json()) as {
      keys: JWK[];
    };
    // A Forgejo Google cannot reach: its keys uploaded with the provider (oidc.jwksJson).
    pools['uploaded'] = { issuerUri: issuer.issuer.replace('127.0.0.1', '127.0.0.2'), jwks };
    pools['unreachable'] = { issuerUri: 'http://127.0.0.1:9/api/actions' };
    try {
      const forToken = (provider: string, overrides: Record<string, unknown> = {}) =>
        ciToken({
          aud: google.tokenAudience(POOL, provider),
          iss: pools[provider]?.issuerUri,
          ...overrides,
        });
      const body = async (provider: string, token: string) => {
        const params = exchangeBody(token);
        params.set('audience', google.audience(POOL, provider));
        const answer = await sts(params);
        return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
      };
      expect((await body('uploaded', await forToken('uploaded'))).status).toBe(200);
      expect((await body('unreachable', await forToken('unreachable'))).json).toEqual(
        stsError('invalid_grant', STS_ERRORS.issuerUnreachable),
      );
      const long = await body(
        PROVIDER,
        await ciToken({ sub: `repo:org/app:environment:${'x'.repeat(120)}` }),
      );
      expect(long.json).toEqual(stsError('invalid_grant', STS_ERRORS.subjectTooLong));
      const forged = await body(
        PROVIDER,
        await issuer.mint({ aud: google.tokenAudience(POOL, PROVIDER) }, 'foreign'),
      );
      expect(forged.json).toEqual(stsError('invalid_grant', STS_ERRORS.signature));
    } finally {
      delete pools['uploaded'];
      delete pools['unreachable'];
    }
  });

  it('IAM Credentials: 401s, scope and lifetime checks, expireTime to the second, the lifetime knob', async () => {
    const missing = await generate(undefined, { scope: [SCOPES.cloudPlatform] });
    expect(missing.status).toBe(401);
    const missingBody = await missing.text();
    expect(JSON.parse(missingBody)).toEqual(
      missingCredentials(
        'iamcredentials.googleapis.com',
        'google.iam.credentials.v1.IAMCredentials.GenerateAccessToken',
      ),
    );
    // Google's API front ends indent their JSON.
    expect(missingBody.startsWith('{\n  "error": {\n    "code": 401,')).toBe(true);

    const token = await federated(SCOPES.iam);
    expect((await generate(token, {})).status).toBe(400);
    const tooLong = await generate(token, { scope: [SCOPES.cloudPlatform], lifetime: '7200s' });
    expect(tooLong.status).toBe(400);
    const narrow = await federated('https://www.googleapis.com/auth/devstorage.read_only');
    const scoped = await generate(narrow, { scope: [SCOPES.cloudPlatform] });
    expect(scoped.status).toBe(403);
    expect(((await scoped.json()) as { error: { message: string } }).error.message).toBe(
      'Request had insufficient authentication scopes.',
    );

    google.limits.accessTokenMaxSeconds = 2;
    try {
      const short = await generate(token, { scope: [SCOPES.cloudPlatform], lifetime: '3600s' });
      const { accessToken, expireTime: expires } = (await short.json()) as {
        accessToken: string;
        expireTime: string;
      };
      expect(expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(expires) - Date.now()).toBeLessThanOrEqual(2_000);
      await new Promise((resolve) => setTimeout(resolve, Date.parse(expires) - Date.now() + 50));
      const expired = await fetch(
        `${google.endpoints.container}/v1/projects/${PROJECT}/locations/-/clusters`,
        { headers: { authorization: `Bearer ${accessToken}` } },
      );
      expect(expired.status).toBe(401);
      expect(
        ((await expired.json()) as { error: { details: { reason: string }[] } }).error.details[0]
          ?.reason,
      ).toBe('ACCESS_TOKEN_EXPIRED');
      const review = (await (
        await fetch(google.tokenReviewUrl, {
          method: 'POST',
          body: JSON.stringify({ spec: { token: accessToken } }),
        })
      ).json()) as { status: { authenticated: boolean; error: string } };
      expect(review.status.authenticated).toBe(false);
      expect(review.status.error).toMatch(new RegExp(`^token of ${SA} expired at `));
    } finally {
      google.limits.accessTokenMaxSeconds = 3600;
    }
  });

  it('Container lists clusters; each listener serves only its own service; faults are consumed once', async () => {
    const token = await federated();
    const list = await fetch(
      `${google.endpoints.container}/v1/projects/${google.projectNumber}/locations/-/clusters`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(list.status).toBe(200);
    const { clusters } = (await list.json()) as { clusters: Record<string, unknown>[] };
    expect(clusters).toEqual([
      expect.objectContaining({
        name: CLUSTER,
        location: LOCATION,
        zone: LOCATION,
        status: 'RUNNING',
        endpoint: new URL(api.url).host,
        masterAuth: { clusterCaCertificate: api.caData },
        privateClusterConfig: expect.objectContaining({
          privateEndpoint: new URL(api.url).host,
        }) as unknown,
        controlPlaneEndpointsConfig: expect.objectContaining({
          dnsEndpointConfig: { endpoint: DNS_ENDPOINT, allowExternalTraffic: true },
        }) as unknown,
      }),
    ]);
    // STS on the container origin: not served there.
    expect((await fetch(`${google.endpoints.container}/v1/token`, { method: 'POST' })).status).toBe(
      404,
    );
    expect(
      (await fetch(`${google.endpoints.sts}/v1/projects/${PROJECT}/locations/-/clusters`)).status,
    ).toBe(404);

    google.faults.push({
      service: 'sts',
      status: 503,
      body: '{"error":"temporarily_unavailable"}',
    });
    expect((await sts(exchangeBody(await ciToken()))).status).toBe(503);
    expect((await sts(exchangeBody(await ciToken()))).status).toBe(200);

    const introspect = await fetch(google.introspectUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'ya29.unknown' }),
    });
    expect(await introspect.json()).toEqual({ active: false });
  });
});
