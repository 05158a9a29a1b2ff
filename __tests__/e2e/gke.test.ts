// gke-cluster end to end: the bundled action against the local issuers (GitHub's and Forgejo's
// token shapes), the Google fixture (STS, IAM Credentials, Container API and the TokenReview
// webhook: fixtures/gke/google.ts, proven with real gcloud in gke-fixture.test.ts) and the test
// API server authenticating Google tokens through that webhook. Real kubectl in a later step runs
// the written kubeconfig after every token the step saw has expired; real gcloud writes the same
// server and CA for each endpoint; each refusal gets its explanation; no secret leaks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clusterOf,
  SCOPES,
  startGoogleFixture,
  type GoogleFixture,
  type GoogleFixtureOptions,
  type GoogleRequest,
} from '../fixtures/gke/google.js';
import { gcloudSandbox, startSinkhole, type Sinkhole } from '../fixtures/gke/gcloud.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { rules, startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { tokenReviewWebhook } from '../fixtures/kube/token-review.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { deployPaused } from '../helpers/rollout.js';
import {
  DIST,
  errorAnnotations,
  makeRunnerDirs,
  ROOT,
  runAction,
  runPost,
  type RunResult,
} from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

const PROJECT = 'demo-project';
const LOCATION = 'europe-west1';
const CLUSTER = 'demo';
const POOL = 'ci';
const SA = `deploy@${PROJECT}.iam.gserviceaccount.com`;
const STRANGER = `stranger@${PROJECT}.iam.gserviceaccount.com`;
const VIEWERLESS = `viewerless@${PROJECT}.iam.gserviceaccount.com`;

let forgejo: Issuer;
let github: Issuer;
let google: GoogleFixture;
let api: KubeApiServer;
let sink: Sinkhole;
let seq = 0;
const fixtureOptions: GoogleFixtureOptions = {};

beforeAll(async () => {
  [forgejo, github, sink] = await Promise.all([
    startIssuer({ shape: 'forgejo' }),
    startIssuer({ shape: 'github' }),
    startSinkhole(),
  ]);
  Object.assign(fixtureOptions, {
    projectId: PROJECT,
    pools: {
      [POOL]: {
        providers: {
          forgejo: {
            issuerUri: forgejo.issuer,
            attributeCondition: ({ attribute }) => attribute['repository_owner'] === 'org',
          },
          github: { issuerUri: github.issuer },
          retired: { issuerUri: forgejo.issuer, state: 'DISABLED' },
          strict: {
            issuerUri: forgejo.issuer,
            attributeCondition: ({ attribute }) => attribute['repository'] === 'org/infra',
          },
          elsewhere: { issuerUri: 'https://token.actions.githubusercontent.com' },
        },
      },
    },
  } satisfies GoogleFixtureOptions);
  google = await startGoogleFixture(fixtureOptions);
  const repoSet = google.principalSet(POOL, 'repository', 'org/app');
  google.serviceAccounts[SA] = { workloadIdentityUsers: [repoSet] };
  google.serviceAccounts[VIEWERLESS] = { workloadIdentityUsers: [repoSet] };
  google.serviceAccounts[STRANGER] = { workloadIdentityUsers: [] };
  google.clusterReaders = [`serviceAccount:${SA}`, repoSet];
  api = await startKubeApiServer({
    // Google access tokens are no JWTs: every one goes to the webhook.
    issuer: forgejo.issuer,
    audiences: ['https://kubernetes.invalid'],
    webhook: tokenReviewWebhook(google.tokenReviewUrl),
    stepMs: 20,
  });
  const host = new URL(api.url).host;
  google.clusters.push(
    clusterOf(api, {
      name: CLUSTER,
      location: LOCATION,
      // The test API server's certificate names 127.0.0.1 and localhost: the private and DNS
      // endpoints are its other name.
      privateEndpoint: host.replace('127.0.0.1', 'localhost'),
      dnsEndpoint: host.replace('127.0.0.1', 'localhost'),
    }),
  );
});

afterAll(async () => {
  await Promise.all([api?.close(), google?.close(), forgejo?.close(), github?.close()]);
  // Nothing left loopback (gcloud's requests go through the sinkhole).
  expect(sink?.records ?? []).toEqual([]);
  await sink?.close();
});

let runs: RunResult[] = [];
beforeEach(() => {
  runs = [];
  api.authorize = () => true;
  google.limits.stsMaxSeconds = 3600;
  google.limits.accessTokenMaxSeconds = 3600;
  forgejo.setLifetime(3600);
  github.setLifetime(300);
});
// The leak guard on every run: nothing the action masked (the ID tokens, every Google token)
// appears anywhere but in ::add-mask::; the ID tokens and the request tokens are hunted for too.
afterEach(() => {
  const secrets = [
    ...[...forgejo.issued, ...github.issued].flatMap(jwtSecrets),
    forgejo.requestToken,
    github.requestToken,
    ...google.issued.map((t) => t.token),
  ];
  for (const run of runs) {
    expect(findLeaks(run, [...secrets, ...maskedValues(run)])).toEqual([]);
  }
});

/** The endpoint variables, each a base URL like gcloud's (the action appends v1/...). */
function endpointEnv(): Record<string, string> {
  return {
    CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: `${google.endpoints.sts}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS: `${google.endpoints.iamcredentials}/`,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: `${google.endpoints.container}/`,
  };
}

function gkeInputs(
  issuer: Issuer,
  namespace: string,
  more: Record<string, string> = {},
): Record<string, string> {
  return {
    'gke-cluster': CLUSTER,
    'gke-location': LOCATION,
    'gcp-project': PROJECT,
    'workload-identity-provider': google.providerName(POOL, issuer.shape),
    'service-account': SA,
    namespace,
    ...more,
  };
}

async function action(
  issuer: Issuer,
  namespace: string,
  more: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<RunResult> {
  const run = await runAction({
    inputs: gkeInputs(issuer, namespace, more),
    env: { ...issuer.env(), ...endpointEnv(), ...env },
  });
  runs.push(run);
  return run;
}

async function rollout(
  issuer: Issuer,
  namespace: string,
  more: Record<string, string> = {},
): Promise<RunResult> {
  const run = await deployPaused(api, ['web'], {
    inputs: gkeInputs(issuer, namespace, {
      workloads: 'deployment/web',
      images: 'web=registry.example/web:2',
      ...more,
    }),
    env: { ...issuer.env(), ...endpointEnv() },
  });
  runs.push(run);
  return run;
}

/** A later step of the job: kubectl with the job's ID-token variables only. */
function laterKubectl(run: RunResult, issuer: Issuer, namespace: string) {
  return kubectl(['get', 'deployment', 'web', '-n', namespace, '-o', 'name'], {
    kubeconfigPath: run.exported['KUBECONFIG'] as string,
    env: issuer.env(),
  });
}

interface Kubeconfig {
  clusters: Array<{ cluster: Record<string, unknown> }>;
  users: Array<{
    user: {
      token?: string;
      exec?: { command: string; args: string[]; env?: Array<{ name: string; value: string }> };
    };
  }>;
}
const kubeconfigOf = (run: RunResult) =>
  parse(readFileSync(run.outputs['kubeconfig-path'] as string, 'utf8')) as Kubeconfig;
const execEnv = (run: RunResult) =>
  Object.fromEntries(
    (kubeconfigOf(run).users[0]?.user.exec?.env ?? []).map((e) => [e.name, e.value]),
  );

const since = (from: number) => google.requests.slice(from);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the token records stand now, to wait for the tokens issued after it. */
function mark(issuer: Issuer): { google: number; issuer: number } {
  return { google: google.issued.length, issuer: issuer.issued.length };
}

/** Waits until every Google token and ID token issued since `from` has expired. */
async function untilEverythingExpired(issuer: Issuer, from: { google: number; issuer: number }) {
  const exp = (jwt: string) =>
    (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { exp: number })
      .exp * 1000;
  const ends = [
    ...google.issued.slice(from.google).map((t) => t.expiresAt),
    ...issuer.issued.slice(from.issuer).map(exp),
  ];
  expect(ends.length).toBeGreaterThan(1);
  await sleep(Math.max(0, Math.max(...ends) - Date.now() + 200));
}

describe('gke-cluster', () => {
  it('impersonation, Forgejo token: rolls out; STS, IAM Credentials, clusters.get as gcloud sends them; a later kubectl after every token expired', async () => {
    const namespace = `gke-${++seq}`;
    api.addDeployment({
      name: 'web',
      namespace,
      containers: [{ name: 'web', image: 'registry.example/web:1' }],
    });
    // Short lives: the ID token 8 s, the federated and service-account tokens with it.
    forgejo.setLifetime(8);
    google.limits.accessTokenMaxSeconds = 8;
    const from = google.requests.length;
    const apiFrom = api.requests.length;
    const tokens = mark(forgejo);
    const run = await rollout(forgejo, namespace);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // The three calls, each at its own endpoint (the fixture serves each API on its own origin).
    const calls = since(from).filter((r) => r.service !== 'tokenreview');
    expect(calls.map((r) => [r.listener, r.method, r.path, r.status])).toEqual([
      ['sts', 'POST', '/v1/token', 200],
      ['iamcredentials', 'POST', `/v1/projects/-/serviceAccounts/${SA}:generateAccessToken`, 200],
      [
        'container',
        'GET',
        `/v1/projects/${PROJECT}/locations/${LOCATION}/clusters/${CLUSTER}`,
        200,
      ],
    ]);
    const [sts, iam, get] = calls as [GoogleRequest, GoogleRequest, GoogleRequest];
    const idToken = forgejo.issued.at(-1) as string;
    expect(forgejo.requests.at(-1)?.audience).toBe(google.tokenAudience(POOL, 'forgejo'));
    expect(sts).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      authorization: 'none',
      body: {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        audience: google.audience(POOL, 'forgejo'),
        scope: SCOPES.cloudPlatform,
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        subject_token: idToken,
      },
    });
    expect(iam.body).toEqual({
      scope: [SCOPES.cloudPlatform, SCOPES.userinfoEmail],
      lifetime: '3600s',
    });
    expect(google.lookup(iam.credential ?? '')?.kind).toBe('federated');
    expect(google.lookup(get.credential ?? '')?.principal).toBe(SA);

    // The cluster saw the service account; the image was set.
    const ours = api.requests.slice(apiFrom);
    expect(ours.length).toBeGreaterThan(0);
    expect(new Set(ours.map((r) => r.user))).toEqual(new Set([SA]));
    const web = api.get('apps/deployments', namespace, 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(web.spec.template.spec.containers[0]?.image).toBe('registry.example/web:2');
    const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);

    // Outputs, summary, masks.
    expect(run.outputs['gke-principal']).toBe(SA);
    expect(run.exported['KUBECONFIG']).toBe(run.outputs['kubeconfig-path']);
    expect(run.summary).toContain(
      `| GKE cluster | projects/${PROJECT}/locations/${LOCATION}/clusters/${CLUSTER} (${api.url}) |`,
    );
    expect(run.summary).toContain(`| Google identity | ${SA} (service account) |`);
    const masked = maskedValues(run);
    for (const issued of google.issued.filter((t) => t.issuedAt >= (sts.at ?? 0) - 1)) {
      expect(masked).toContain(issued.token);
    }

    // refresh: the kubeconfig runs the GKE plugin, told by its env what to make.
    const config = kubeconfigOf(run);
    expect(config.clusters[0]?.cluster).toEqual({
      server: api.url,
      'certificate-authority-data': api.caData,
    });
    expect(config.users[0]?.user.token).toBeUndefined();
    expect(config.users[0]?.user.exec?.args[0]).toBe(join(DIST, 'credential.js'));
    expect(execEnv(run)).toEqual({
      OIDC_DEPLOY_AUDIENCE: google.tokenAudience(POOL, 'forgejo'),
      OIDC_DEPLOY_SOURCE: 'gke',
      OIDC_DEPLOY_GKE_PROVIDER: google.providerName(POOL, 'forgejo'),
      OIDC_DEPLOY_GKE_STS_ENDPOINT: google.endpoints.sts,
      OIDC_DEPLOY_GKE_SERVICE_ACCOUNT: SA,
      OIDC_DEPLOY_GKE_IAMCREDENTIALS_ENDPOINT: google.endpoints.iamcredentials,
    });

    // A later step, after the ID token and every Google token the step saw have expired: the
    // plugin requests a fresh ID token and exchanges it again.
    await untilEverythingExpired(forgejo, tokens);
    const before = google.issued.length;
    const apiBefore = api.requests.length;
    const got = await laterKubectl(run, forgejo, namespace);
    expect(got.code, got.stderr + api.authFailures.slice(-3).join('\n')).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/web');
    const fresh = google.issued.slice(before);
    expect(fresh.map((t) => [t.kind, t.principal])).toEqual([
      ['federated', google.principal(POOL, forgejo.subject)],
      ['serviceAccount', SA],
    ]);
    expect(api.requests.slice(apiBefore).every((r) => r.user === SA)).toBe(true);
    // The plugin's stderr (the later step's log) names no secret.
    for (const secret of [...fresh.map((t) => t.token), ...forgejo.issued]) {
      expect(got.stderr).not.toContain(secret);
    }
    expect((await runPost(run)).code).toBe(0);
  });

  it('direct federation, GitHub token: the principal gets in; a later kubectl works after the 5-minute token (here 5 s) and its federated token ended', async () => {
    const namespace = `gke-${++seq}`;
    api.addDeployment({ name: 'web', namespace });
    github.setLifetime(5);
    const principal = google.principal(POOL, github.subject);
    api.authorize = rules([{ users: [principal], namespaces: [namespace] }]);
    const from = google.requests.length;
    const tokens = mark(github);
    const run = await action(github, namespace, { 'service-account': '' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const calls = since(from);
    // STS, the cluster's endpoint and CA, then verify-access's SelfSubjectReview, which the API
    // server authenticates through the token webhook: the federated token gets in.
    expect(calls.map((r) => r.service)).toEqual(['sts', 'container', 'tokenreview']);
    expect(run.outputs['cluster-user']).toBe(principal);
    expect((calls[0]?.body as Record<string, string>)['scope']).toBe(
      `${SCOPES.cloudPlatform} ${SCOPES.userinfoEmail}`,
    );
    const issued = google.lookup(calls[1]?.credential ?? '');
    // A federated token dies with the ID token.
    expect(issued?.kind).toBe('federated');
    expect(issued?.expiresAt).toBeLessThanOrEqual(issued?.subjectTokenExp ?? 0);
    expect(run.outputs['gke-principal']).toBe(principal);
    expect(run.summary).toContain(`| Google identity | ${principal} (direct federation) |`);
    expect(execEnv(run)).toEqual({
      OIDC_DEPLOY_AUDIENCE: google.tokenAudience(POOL, 'github'),
      OIDC_DEPLOY_SOURCE: 'gke',
      OIDC_DEPLOY_GKE_PROVIDER: google.providerName(POOL, 'github'),
      OIDC_DEPLOY_GKE_STS_ENDPOINT: google.endpoints.sts,
    });

    await untilEverythingExpired(github, tokens);
    const before = google.issued.length;
    const got = await laterKubectl(run, github, namespace);
    expect(got.code, got.stderr + api.authFailures.slice(-3).join('\n')).toBe(0);
    expect(google.issued.slice(before).map((t) => t.kind)).toEqual(['federated']);
    expect(api.requests.at(-1)?.user).toBe(principal);
  });

  it('static credentials: the service account token in the kubeconfig, refused by the cluster once expired', async () => {
    const namespace = `gke-${++seq}`;
    api.addDeployment({ name: 'web', namespace });
    google.limits.accessTokenMaxSeconds = 3;
    const run = await action(forgejo, namespace, { 'kubeconfig-credentials': 'static' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const token = kubeconfigOf(run).users[0]?.user.token ?? '';
    expect(google.lookup(token)?.principal).toBe(SA);
    expect(maskedValues(run)).toContain(token);
    const early = await laterKubectl(run, forgejo, namespace);
    expect(early.code, early.stderr).toBe(0);
    await sleep(Math.max(0, (google.lookup(token)?.expiresAt ?? 0) - Date.now() + 200));
    const late = await laterKubectl(run, forgejo, namespace);
    expect(late.code).not.toBe(0);
    expect(
      UNAUTHORIZED_MESSAGES.some((m) => late.stderr.includes(m)),
      late.stderr,
    ).toBe(true);
  });

  it('gke-endpoint: public is what gcloud get-credentials writes; private and dns are the endpoints clusters.get names, dns without a CA, and deploys', async () => {
    const namespace = `gke-${++seq}`;
    api.addDeployment({ name: 'web', namespace });
    const box = gcloudSandbox(tempDir('gke-gcloud-'), google, sink);
    const run = await action(forgejo, namespace, { 'kubeconfig-credentials': 'static' });
    expect(run.code, run.stdout).toBe(0);
    // gcloud reads the cluster with the service-account token the action made (no login).
    const tokenFile = box.write('access-token', kubeconfigOf(run).users[0]?.user.token ?? '');
    const written = await box.gcloud([
      'container',
      'clusters',
      'get-credentials',
      CLUSTER,
      `--location=${LOCATION}`,
      `--project=${PROJECT}`,
      `--access-token-file=${tokenFile}`,
    ]);
    expect(written.code, written.stderr).toBe(0);
    const gcloudCluster = (parse(readFileSync(box.kubeconfig, 'utf8')) as Kubeconfig).clusters[0]
      ?.cluster;
    expect(kubeconfigOf(run).clusters[0]?.cluster).toEqual(gcloudCluster);
    expect(gcloudCluster).toEqual({ server: api.url, 'certificate-authority-data': api.caData });

    const local = api.url.replace('127.0.0.1', 'localhost');
    const privately = await action(forgejo, namespace, { 'gke-endpoint': 'private' });
    expect(privately.code, privately.stdout).toBe(0);
    expect(kubeconfigOf(privately).clusters[0]?.cluster).toEqual({
      server: local,
      'certificate-authority-data': api.caData,
    });
    // The DNS endpoint's certificate is publicly trusted: here the test CA plays that part
    // (NODE_EXTRA_CA_CERTS for the action, SSL_CERT_FILE for kubectl).
    const ca = box.write('ca.pem', Buffer.from(api.caData, 'base64').toString('utf8'));
    const dns = await action(
      forgejo,
      namespace,
      { 'gke-endpoint': 'dns', workloads: 'web', images: 'web=registry.example/web:3' },
      { NODE_EXTRA_CA_CERTS: ca },
    );
    expect(dns.code, dns.stdout + dns.stderr).toBe(0);
    expect(kubeconfigOf(dns).clusters[0]?.cluster).toEqual({ server: local });
    const got = await kubectl(['get', 'deployment', 'web', '-n', namespace, '-o', 'name'], {
      kubeconfigPath: dns.exported['KUBECONFIG'] as string,
      env: { ...forgejo.env(), SSL_CERT_FILE: ca },
    });
    expect(got.code, got.stderr).toBe(0);
  });
});

describe('gke-cluster with manifests', () => {
  it('applies the manifests with the Google token and rolls out what it applied', async () => {
    const namespace = `gke-${++seq}`;
    api.addNamespace(namespace);
    const dirs = makeRunnerDirs();
    mkdirSync(join(dirs.workspace, 'deploy'));
    writeFileSync(
      join(dirs.workspace, 'deploy', 'app.yaml'),
      [
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${namespace}\ndata:\n  color: blue\n`,
        `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: ${namespace}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: registry.example/api:1\n`,
      ].join('---\n'),
    );
    const run = await runAction({
      dirs,
      inputs: gkeInputs(github, namespace, {
        'service-account': '',
        manifests: 'deploy',
        images: 'registry.example/api:2',
        'rollout-timeout': '60s',
      }),
      env: { ...github.env(), ...endpointEnv() },
      timeoutMs: 90_000,
    });
    runs.push(run);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('configmap/settings serverside-applied');
    expect(run.stdout).toContain('deployment.apps/api serverside-applied');
    const applies = api.requests.filter(
      (r) =>
        r.method === 'PATCH' &&
        r.contentType === 'application/apply-patch+yaml' &&
        r.path.includes(`/namespaces/${namespace}/`),
    );
    expect(applies).toHaveLength(2);
    expect(new Set(applies.map((r) => r.user))).toEqual(
      new Set([google.principal(POOL, github.subject)]),
    );
    const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);
  });
});

describe('gke-cluster loads only its own code', () => {
  it('a GKE run loads the GKE chunks and none of the AWS or EKS code', async () => {
    const file = join(tempDir('oidc-deploy-loads-'), 'loads.txt');
    const run = await action(
      forgejo,
      'default',
      {},
      {
        NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
        RECORD_LOADS_FILE: file,
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const loaded = readFileSync(file, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname);
    expect(loaded.filter((p) => !p.startsWith(`${DIST}/`))).toEqual([]);
    const code = loaded.map((p) => readFileSync(p, 'utf8'));
    // The recorder works: it saw the chunk with the impersonation call.
    expect(code.some((c) => c.includes(':generateAccessToken'))).toBe(true);
    for (const signature of ['AssumeRoleWithWebIdentityResult', 'k8s-aws-v1.', 'x-k8s-aws-id'])
      expect(
        code.some((c) => c.includes(signature)),
        signature,
      ).toBe(false);
  });
});

describe('gke-cluster: what users hit, explained', () => {
  const annotation = async (
    issuer: Issuer,
    more: Record<string, string>,
    deploy = false,
  ): Promise<string> => {
    const namespace = `gke-${++seq}`;
    if (deploy) api.addDeployment({ name: 'web', namespace });
    const run = await action(
      issuer,
      namespace,
      deploy ? { workloads: 'web', images: 'web=registry.example/web:2', ...more } : more,
    );
    expect(run.code, run.stdout).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors, run.stdout).toHaveLength(1);
    return errors[0] as string;
  };
  const provider = (name: string) => google.providerName(POOL, name);

  it('invalid_target: a disabled provider, with describe and --no-disabled', async () => {
    const error = await annotation(forgejo, { 'workload-identity-provider': provider('retired') });
    expect(error).toContain(
      `Input "workload-identity-provider": Google STS knows no active provider ${provider('retired')} (Google STS: invalid_target`,
    );
    expect(error).toContain(
      `gcloud iam workload-identity-pools providers update-oidc retired --project=${google.projectNumber} --location=global --workload-identity-pool=${POOL} --no-disabled`,
    );
  });

  it('audience mismatch: the token aud and --allowed-audiences', async () => {
    const error = await annotation(forgejo, { audience: 'https://wrong.example/aud' });
    expect(error).toContain('Google STS did not accept the ID token');
    expect(error).toContain('invalid_grant');
    expect(error).toContain("--allowed-audiences='https://wrong.example/aud'");
  });

  it('issuer mismatch: the token iss and --issuer-uri', async () => {
    const error = await annotation(forgejo, {
      'workload-identity-provider': provider('elsewhere'),
    });
    expect(error).toContain(`The token's iss is ${forgejo.issuer}`);
    expect(error).toContain(`--issuer-uri='${forgejo.issuer}'`);
  });

  it('the attribute condition: the claims it can test, and a condition that admits this job', async () => {
    const error = await annotation(forgejo, { 'workload-identity-provider': provider('strict') });
    expect(error).toContain('The attribute condition of provider');
    expect(error).toContain("assertion.repository == 'org/app'");
    expect(error).toContain("assertion.repository_owner == 'org'");
    expect(error).toContain("--attribute-condition='assertion.repository == '\\''org/app'\\'''");
  });

  it('iam.serviceAccounts.getAccessToken denied: roles/iam.workloadIdentityUser for the repository', async () => {
    const error = await annotation(forgejo, { 'service-account': STRANGER });
    expect(error).toContain(
      `The federated identity may not impersonate service account ${STRANGER}`,
    );
    expect(error).toContain(
      `gcloud iam service-accounts add-iam-policy-binding ${STRANGER} --project=${PROJECT} --role=roles/iam.workloadIdentityUser --member='principalSet://iam.googleapis.com/projects/${google.projectNumber}/locations/global/workloadIdentityPools/${POOL}/attribute.repository/org/app'`,
    );
  });

  it('container.clusters.get denied: a role with it for the service account; a missing cluster: gcloud container clusters list', async () => {
    const denied = await annotation(forgejo, { 'service-account': VIEWERLESS });
    expect(denied).toContain(
      `${VIEWERLESS} may not read GKE cluster projects/${PROJECT}/locations/${LOCATION}/clusters/${CLUSTER}`,
    );
    expect(denied).toContain(
      `gcloud projects add-iam-policy-binding ${PROJECT} --role=roles/container.clusterViewer --member='serviceAccount:${VIEWERLESS}'`,
    );
    const missing = await annotation(forgejo, { 'gke-cluster': 'nope' });
    expect(missing).toContain(
      `Input "gke-cluster": GKE has no cluster projects/${PROJECT}/locations/${LOCATION}/clusters/nope`,
    );
    expect(missing).toContain(`gcloud container clusters list --project=${PROJECT}`);
  });

  it("the cluster's 403: RBAC for the service account and roles/container.developer", async () => {
    api.authorize = (a) => a.user !== SA || a.verb === 'get' || a.verb === 'list';
    const error = await annotation(forgejo, {}, true);
    expect(error).toContain(`user "${SA}" may not patch deployments.apps`);
    expect(error).toContain(`name: ${SA}`);
    expect(error).toContain(
      `gcloud projects add-iam-policy-binding ${PROJECT} --role=roles/container.developer --member='serviceAccount:${SA}'`,
    );
  });

  it("the cluster's 401: a directly federated principal the cluster does not take", async () => {
    fixtureOptions.federatedUser = () => undefined;
    try {
      const error = await annotation(github, { 'service-account': '' }, true);
      const principal = google.principal(POOL, github.subject);
      expect(error).toContain(
        `The GKE cluster "${CLUSTER}" did not accept the Google access token of ${principal} (401 Unauthorized)`,
      );
      expect(error).toContain(
        `--role=roles/container.clusterViewer --member='principalSet://iam.googleapis.com/projects/${google.projectNumber}/locations/global/workloadIdentityPools/${POOL}/attribute.repository/org/app'`,
      );
    } finally {
      delete fixtureOptions.federatedUser;
    }
  });
});
