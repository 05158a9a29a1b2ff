// The leak guard across every mode, with the runner's debug logging on (RUNNER_DEBUG=1, as
// ACTIONS_STEP_DEBUG=true sets it): no secret in stdout, stderr, the summary, the state, the
// outputs or variables not meant to carry it, or any file the run left outside its credential
// directories. And two invocations at once, sharing RUNNER_TEMP, stay independent.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import { startChainguardSts, type ChainguardSts } from '../fixtures/chainguard-sts.js';
import { eksAuthenticator, startEksFront } from '../fixtures/eks.js';
import type { Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { kubectl } from '../fixtures/kube/kubectl.js';
import { motoInstalled, startMoto, type Moto } from '../fixtures/moto.js';
import { foreignCommands } from '../helpers/commands.js';
import { findLeaks, jwtSecrets, maskedValues, type LeakAllowance } from '../helpers/leaks.js';
import { makeRunnerDirs, runAction, runPost, type RunResult } from '../helpers/runner.js';

const IDENTITY = 'd'.repeat(40);
const DEBUG = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' };

let issuer: Issuer;
let kube: KubeApiServer;
let chainguard: ChainguardSts;
let moto: Moto | undefined;

withTrustingCluster({ stepMs: 10 }, async (started) => {
  ({ issuer, server: kube } = started);
  kube.addDeployment({ name: 'web', namespace: 'demo', replicas: 2 });
  kube.addDeployment({ name: 'api', namespace: 'other', replicas: 2 });
  chainguard = await startChainguardSts();
  chainguard.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
  if (motoInstalled() || process.env['CI']) moto = await startMoto();
});
afterAll(async () => {
  await Promise.all([chainguard.close(), moto?.stop()]);
});

/** Files under the run's directories holding a secret, outside the credential directories and the command files. */
function filesHolding(run: RunResult, secrets: string[]): string[] {
  const skip = new Set([
    run.dirs.outputFile,
    run.dirs.envFile,
    run.dirs.stateFile,
    run.dirs.summaryFile,
  ]);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('oidc-deploy-')) walk(path);
      } else if (!skip.has(path)) {
        const text = readFileSync(path, 'utf8');
        if (secrets.some((s) => text.includes(s))) found.push(path);
      }
    }
  };
  walk(run.dirs.root);
  return found;
}

async function guarded(
  inputs: Record<string, string>,
  secretsOf: (run: RunResult) => string[],
  allow: LeakAllowance = {},
) {
  const before = issuer.issued.length;
  const run = await runAction({ inputs, env: { ...issuer.env(), ...DEBUG } });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain('::debug::');
  const secrets = [
    ...issuer.issued.slice(before).flatMap(jwtSecrets),
    issuer.requestToken,
    ...secretsOf(run),
  ];
  expect(findLeaks(run, secrets, allow)).toEqual([]);
  expect(filesHolding(run, secrets)).toEqual([]);
  // The workflow-command scanner on a polite run of each mode: only the commands the action
  // issues (add-mask of its own secrets, debug, error, warning, notice, group).
  const commands = { secrets, maskShapes: [/^\d{12}$/, /^(AKIA|ASIA)[A-Z0-9]{12,}$/] };
  expect(foreignCommands(run, commands)).toEqual([]);
  const post = await runPost(run, { env: DEBUG });
  expect(findLeaks(post, secrets)).toEqual([]);
  expect(foreignCommands(post, commands)).toEqual([]);
  return run;
}

describe('leak guard with debug logging on', () => {
  it('token mode', async () => {
    await guarded({ mode: 'token' }, () => [], { outputs: ['id-token'] });
  });

  it('kubernetes mode with a static token and a deploy', async () => {
    await guarded(
      {
        kubeconfig: kube.kubeconfig(undefined, { namespace: 'demo' }),
        audience: AUDIENCE,
        'kubeconfig-credentials': 'static',
        workloads: 'deployment/web',
        images: 'web=nginx:1.27',
      },
      () => [],
    );
  });

  it('aws mode (moto)', async () => {
    expect(moto, 'moto_server is needed').toBeDefined();
    await guarded(
      {
        'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
        'aws-region': 'eu-west-1',
        'sts-endpoint': moto?.url ?? '',
        'output-credentials': 'true',
      },
      (run) => [
        run.exported['AWS_SECRET_ACCESS_KEY'] as string,
        run.exported['AWS_SESSION_TOKEN'] as string,
      ],
      {
        exported: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
        outputs: ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'],
      },
    );
  });

  it('kubernetes mode with eks-cluster (moto, the EKS front, the EKS authenticator)', async () => {
    expect(moto, 'moto_server is needed').toBeDefined();
    const motoUrl = moto?.url ?? '';
    const role = 'arn:aws:iam::111122223333:role/deploy';
    const eks = await startKubeApiServer({
      issuer: 'https://issuer.invalid',
      audiences: ['unused'],
      eks: eksAuthenticator({
        motoUrl,
        region: 'eu-west-1',
        clusterId: 'demo',
        accessEntries: { [role]: { username: 'deployer' } },
      }),
      stepMs: 10,
    });
    const front = await startEksFront({
      motoUrl,
      region: 'eu-west-1',
      clusters: { demo: { endpoint: eks.url, caData: eks.caData } },
    });
    try {
      eks.addDeployment({ name: 'web', namespace: 'demo', replicas: 2 });
      await guarded(
        {
          'eks-cluster': 'demo',
          'role-to-assume': role,
          'aws-region': 'eu-west-1',
          'sts-endpoint': motoUrl,
          'eks-endpoint': front.url,
          namespace: 'demo',
          'kubeconfig-credentials': 'static',
          workloads: 'deployment/web',
          images: 'web=nginx:1.27',
        },
        (run) => {
          const tokens = maskedValues(run).filter((v) => v.startsWith('k8s-aws-v1.'));
          expect(tokens.length).toBeGreaterThan(0);
          return [
            run.exported['AWS_SECRET_ACCESS_KEY'] as string,
            run.exported['AWS_SESSION_TOKEN'] as string,
            ...tokens,
          ];
        },
        { exported: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] },
      );
    } finally {
      await Promise.all([front.close(), eks.close()]);
    }
  });

  it('chainguard mode with the Docker config fallback', async () => {
    await guarded(
      { 'chainguard-identity': IDENTITY, 'chainguard-issuer': chainguard.origin },
      (run) => [
        ...jwtSecrets(run.outputs['chainguard-token'] as string),
        ...chainguard.refreshTokens,
      ],
      { outputs: ['chainguard-token'] },
    );
  });
});

describe('two invocations at once', () => {
  it('in one job (shared RUNNER_TEMP), against two namespaces, write separate kubeconfigs that both work', async () => {
    const shared = makeRunnerDirs();
    const run = (namespace: string) =>
      runAction({
        inputs: {
          kubeconfig: kube.kubeconfig(undefined, { namespace }),
          audience: AUDIENCE,
          'kubeconfig-credentials': 'static',
        },
        env: { ...issuer.env(), RUNNER_TEMP: shared.temp },
      });
    const [demo, other] = await Promise.all([run('demo'), run('other')]);
    expect(demo.code, demo.stdout).toBe(0);
    expect(other.code, other.stdout).toBe(0);
    const paths = [demo.outputs['kubeconfig-path'], other.outputs['kubeconfig-path']];
    expect(new Set(paths).size).toBe(2);
    const names = await Promise.all(
      [demo, other].map((r) =>
        kubectl(['get', 'deployments', '-o', 'name'], {
          kubeconfigPath: r.outputs['kubeconfig-path'] as string,
        }),
      ),
    );
    expect(names.map((n) => n.stdout.trim())).toEqual([
      'deployment.apps/web',
      'deployment.apps/api',
    ]);
    // Each post step removes only its own files.
    await runPost(demo);
    expect(readdirSync(shared.temp)).toHaveLength(1);
    await runPost(other);
    expect(readdirSync(shared.temp)).toHaveLength(0);
  });

  it('aws and kubernetes side by side stay independent', async () => {
    expect(moto, 'moto_server is needed').toBeDefined();
    const [aws, k8s] = await Promise.all([
      runAction({
        inputs: {
          'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
          'aws-region': 'eu-west-1',
          'sts-endpoint': moto?.url ?? '',
        },
        env: issuer.env(),
      }),
      runAction({
        inputs: {
          kubeconfig: kube.kubeconfig(undefined, { namespace: 'demo' }),
          audience: AUDIENCE,
        },
        env: issuer.env(),
      }),
    ]);
    expect(aws.code, aws.stdout).toBe(0);
    expect(k8s.code, k8s.stdout).toBe(0);
    expect(Object.keys(aws.exported).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
    ]);
    expect(Object.keys(k8s.exported)).toEqual(['KUBECONFIG']);
    expect(aws.outputs['subject']).toBe(k8s.outputs['subject']);
    expect(aws.outputs['audience']).toBe('sts.amazonaws.com');
    expect(k8s.outputs['audience']).toBe(AUDIENCE);
  });
});
