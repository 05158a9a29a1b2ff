// examples/github-ecr-build-push-eks-deploy.yml run end to end: its job's steps, read from the
// file, executed in order as a runner executes them (this action's steps: the bundle with their
// `with:`; `run:` steps: bash -e with their `env:`, GITHUB_OUTPUT and the variables earlier steps
// exported; `${{ steps.ID.outputs.NAME }}` and `${{ github.sha }}` substituted), then the post
// steps in reverse order. Only actions/checkout is stood in for: the test writes the repository
// (a Containerfile and a page) into the workspace.
//
// The peers: moto for STS and ECR (AWS_ENDPOINT_URL_STS / _ECR in the job's environment, as the
// aws CLI honours them), the EKS front and the test API server for the deploy
// (AWS_ENDPOINT_URL_EKS), and an OCI registry under the ECR registry's own host name
// (fixtures/oci-registry.ts: TLS with a test CA given as SSL_CERT_FILE, reached through
// HTTPS_PROXY) that accepts only `AWS` and the password moto's GetAuthorizationToken issued,
// fetched beforehand with the real aws CLI (`aws ecr get-login-password`).
//
// What it proves: the action's ECR login is a working Docker login: the real docker CLI's
// `docker login` (client side, no daemon) checks it against the registry, and real buildah builds
// the image and pushes it reading only the DOCKER_CONFIG the action exported; the registry holds
// the pushed layer; the EKS step sets exactly the pushed digest; the post steps remove the Docker
// config and restore DOCKER_CONFIG. What it does not: ECR itself (moto's password and
// proxyEndpoint stand in), a Docker daemon's `docker build` / `docker push`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eksAuthenticator, startEksFront, type EksFront } from '../fixtures/eks.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { awsCli, startRecordingMoto, type RecordingMoto } from '../fixtures/moto-recorder.js';
import { startOciRegistry, type OciRegistry } from '../fixtures/oci-registry.js';
import { findLeaks, maskedValues } from '../helpers/leaks.js';
import {
  makeRunnerDirs,
  parseFileCommands,
  ROOT,
  runAction,
  runPost,
  type RunResult,
} from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

const EXAMPLE = 'examples/github-ecr-build-push-eks-deploy.yml';
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ci`;
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const PAGE = '<h1>built by the example</h1>\n';
const which = (tool: string) =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim() || undefined;
const buildah = which('buildah');
const docker = which('docker');

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
}

let issuer: Issuer;
let moto: RecordingMoto;
let server: KubeApiServer;
let front: EksFront;
let registry: OciRegistry;
/** What moto's ECR issued for the account, fetched by the aws CLI before the job. */
let password: string;

beforeAll(async () => {
  [issuer, moto, registry] = await Promise.all([
    startIssuer({ shape: 'github' }),
    startRecordingMoto(),
    startOciRegistry(HOST),
  ]);
  server = await startKubeApiServer({
    issuer: 'https://issuer.invalid',
    audiences: ['unused'],
    eks: eksAuthenticator({
      motoUrl: moto.url,
      region: REGION,
      clusterId: 'prod',
      accessEntries: { [ROLE]: { username: 'ci', groups: ['deployers'] } },
    }),
    authorize: (a) => a.user === 'ci',
    stepMs: 20,
  });
  server.addDeployment({
    name: 'web',
    namespace: 'web',
    containers: [{ name: 'web', image: `${HOST}/web:previous` }],
  });
  front = await startEksFront({
    motoUrl: moto.url,
    region: REGION,
    account: ACCOUNT,
    clusters: { prod: { endpoint: server.url, caData: server.caData } },
  });
  // The registry's password, as the aws CLI gets it for a session of the role.
  const session = JSON.parse(
    await awsCli([
      '--endpoint-url',
      moto.url,
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      ROLE,
      '--role-session-name',
      'oracle',
      '--web-identity-token',
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    ]),
  ) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
  password = (
    await awsCli(['ecr', 'get-login-password'], {
      credentials: {
        accessKeyId: session.Credentials.AccessKeyId,
        secretAccessKey: session.Credentials.SecretAccessKey,
        sessionToken: session.Credentials.SessionToken,
      },
      env: { AWS_ENDPOINT_URL_ECR: moto.url },
      region: REGION,
    })
  ).trim();
  registry.accept = (user, pass) => user === 'AWS' && pass === password;
});

afterAll(async () => {
  await Promise.all([issuer?.close(), front?.close(), server?.close(), registry?.close()]);
  await moto?.stop();
});

/** `${{ steps.ID.outputs.NAME }}` and `${{ github.sha }}`; anything else is a test failure. */
function evaluate(
  text: string,
  steps: Record<string, Record<string, string>>,
  sha: string,
): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    if (expression === 'github.sha') return sha;
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    const value = output ? steps[output[1] as string]?.[output[2] as string] : undefined;
    if (value === undefined) throw new Error(`cannot evaluate \${{ ${expression} }}`);
    return value;
  });
}

function bash(script: string, env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', ['-e', '-c', script], { env, cwd });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!buildah)(`${EXAMPLE} end to end`, () => {
  it("builds, pushes to the ECR registry with the action's login, and deploys the pushed digest to EKS", async () => {
    const workflow = parse(readFileSync(join(ROOT, EXAMPLE), 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const [job] = Object.values(workflow.jobs);
    const dirs = makeRunnerDirs();
    const sha = 'a'.repeat(40); // runner.ts's GITHUB_SHA
    const storage = tempDir('oidc-deploy-buildah-');
    writeFileSync(
      join(storage, 'storage.conf'),
      `[storage]\ndriver = "vfs"\ngraphroot = "${storage}/graph"\nrunroot = "${storage}/run"\n`,
    );
    // The job's environment: the peers' addresses, as a runner's network would give them.
    const jobEnv: Record<string, string> = {
      ...issuer.env(),
      AWS_ENDPOINT_URL_STS: moto.url,
      AWS_ENDPOINT_URL_ECR: moto.url,
      AWS_ENDPOINT_URL_EKS: front.url,
      HTTPS_PROXY: registry.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      SSL_CERT_FILE: registry.caFile,
      CONTAINERS_STORAGE_CONF: join(storage, 'storage.conf'),
      BUILDAH_ISOLATION: 'chroot',
      GITHUB_WORKFLOW: 'deploy',
      GITHUB_REF: 'refs/heads/main',
    };
    const exported: Record<string, string> = {};
    const outputs: Record<string, Record<string, string>> = {};
    const mains: RunResult[] = [];
    for (const step of job?.steps ?? []) {
      if (step.uses?.startsWith('actions/checkout@')) {
        writeFileSync(join(dirs.workspace, 'index.html'), PAGE);
        writeFileSync(
          join(dirs.workspace, 'Containerfile'),
          'FROM scratch\nCOPY index.html /srv/index.html\n',
        );
      } else if (step.uses?.includes('oidc-deploy-action')) {
        const inputs = Object.fromEntries(
          Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(String(v), outputs, sha)]),
        );
        const run = await runAction({ dirs, inputs, env: { ...jobEnv, ...exported } });
        expect(run.code, `${step.id}: ${run.stdout}${run.stderr}`).toBe(0);
        mains.push(run);
        Object.assign(exported, run.exported);
        if (step.id) outputs[step.id] = run.outputs;
      } else if (step.run) {
        const outputFile = join(dirs.root, 'files', `output-${step.id ?? 'run'}`);
        writeFileSync(outputFile, '');
        const env: Record<string, string> = {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: dirs.home,
          GITHUB_SHA: sha,
          GITHUB_WORKSPACE: dirs.workspace,
          RUNNER_TEMP: dirs.temp,
          GITHUB_OUTPUT: outputFile,
          ...jobEnv,
          ...exported,
          ...Object.fromEntries(
            Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, outputs, sha)]),
          ),
        };
        const result = await bash(step.run, env, dirs.workspace);
        expect(result.code, `${step.id}: ${result.output}`).toBe(0);
        if (step.id) outputs[step.id] = parseFileCommands(readFileSync(outputFile, 'utf8'));
      } else {
        throw new Error(`the test cannot run step ${JSON.stringify(step)}`);
      }
    }
    const [aws, deploy] = mains as [RunResult, RunResult];

    // The login: what the action wrote is what moto's ECR issued for these very credentials.
    const registryHost = aws.outputs['registry'] as string;
    expect(registryHost).toBe(HOST);
    const cliPassword = (
      await awsCli(['ecr', 'get-login-password'], {
        credentials: {
          accessKeyId: aws.exported['AWS_ACCESS_KEY_ID'] as string,
          secretAccessKey: aws.exported['AWS_SECRET_ACCESS_KEY'] as string,
          sessionToken: aws.exported['AWS_SESSION_TOKEN'] as string,
        },
        env: { AWS_ENDPOINT_URL_ECR: moto.url },
      })
    ).trim();
    expect(cliPassword).toBe(password);
    const dockerConfig = aws.exported['DOCKER_CONFIG'] as string;
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    const auth = Buffer.from(`AWS:${password}`).toString('base64');
    expect(config.auths[HOST]?.auth).toBe(auth);
    expect(maskedValues(aws)).toEqual(expect.arrayContaining([password, auth]));
    expect(
      findLeaks(aws, [password, auth], {
        outputs: [`docker_password_${HOST.replace(/[^a-zA-Z0-9_]+/g, '_')}`],
      }),
    ).toEqual([]);
    // With docker on PATH, its login checked the credentials with the registry.
    if (docker) expect(aws.summary).toContain(`| ECR | ${HOST} (docker) |`);
    expect(registry.logins.length).toBeGreaterThan(0);
    expect(new Set(registry.logins)).toEqual(new Set([`AWS:${password}`]));

    // The push: the registry holds the tag, its manifest's layer holds the page.
    const image = outputs['build']?.['image'] as string;
    const stored = registry.manifests.get(`web:${sha}`);
    expect(image).toBe(`${HOST}/web@${stored?.digest}`);
    const manifest = JSON.parse(stored?.body.toString('utf8') ?? '{}') as {
      layers: Array<{ digest: string }>;
    };
    const layer = registry.blobs.get(manifest.layers[0]?.digest ?? '') as Buffer;
    expect(gunzipSync(layer).toString('latin1')).toContain(PAGE);

    // The deploy: exactly the pushed digest, rolled out.
    const web = server.get('apps/deployments', 'web', 'web') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(web.spec.template.spec.containers[0]?.image).toBe(image);
    const workloads = JSON.parse(deploy.outputs['workloads'] ?? '[]') as Array<{ result: string }>;
    expect(workloads.map((w) => w.result)).toEqual(['rolled-out']);

    // The post steps, last step first: the Docker config goes, DOCKER_CONFIG comes back.
    for (const main of [...mains].reverse()) {
      const post = await runPost(main, { env: { ...jobEnv } });
      expect(post.code, post.stdout).toBe(0);
      if (main === aws) expect(post.exported['DOCKER_CONFIG']).toBe('');
    }
    expect(existsSync(dockerConfig)).toBe(false);
  });
});
