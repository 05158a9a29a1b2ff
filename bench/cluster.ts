// The peers of a deploy benchmark: the local OIDC issuer, the Kubernetes API server fixture that
// trusts it, and both ways of deploying against them: the action (kubernetes mode with
// `workloads` + `images`) and today's shell step (curl + jq + kubectl), each a fresh process tree.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIssuer, type Issuer } from '../__tests__/fixtures/issuer.js';
import {
  startKubeApiServer,
  type KubeApiServer,
  type KubeApiServerOptions,
} from '../__tests__/fixtures/kube-apiserver.js';
import { runAction, type RunOptions } from '../__tests__/helpers/runner.js';

export const AUDIENCE = 'https://kubernetes.bench';
export const NAMESPACE = 'demo';

export interface Cluster {
  issuer: Issuer;
  server: KubeApiServer;
  /** kubeconfig YAML without credentials (the action, and the shell step's prepared file). */
  kubeconfig: string;
  close(): Promise<void>;
}

export async function startCluster(
  options: Partial<Pick<KubeApiServerOptions, 'stepMs'>> = {},
): Promise<Cluster> {
  const issuer = await startIssuer();
  const server = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
    ...options,
  });
  return {
    issuer,
    server,
    kubeconfig: server.kubeconfig(undefined, { namespace: NAMESPACE }),
    close: async () => {
      await server.close();
      await issuer.close();
    },
  };
}

/** A fresh image tag per run, so every deploy is a real rollout. */
let tag = 0;
export function nextImage(): string {
  tag++;
  return `nginx:1.${tag}`;
}

/** The action's inputs for a deploy of `names` (deployments) to `image`. */
export function deployOptions(cluster: Cluster, names: string[], image: string): RunOptions {
  return {
    inputs: {
      audience: AUDIENCE,
      kubeconfig: cluster.kubeconfig,
      workloads: names.map((n) => `deployment/${n}`).join('\n'),
      images: `*=${image}`,
      'rollout-timeout': '2m',
    },
    env: cluster.issuer.env(),
    timeoutMs: 120_000,
  };
}

/** Runs the action's deploy; throws unless it succeeded. Milliseconds from spawn to exit. */
export async function actionDeploy(
  cluster: Cluster,
  names: string[],
  image: string,
  extra: Partial<RunOptions> = {},
): Promise<number> {
  const options = deployOptions(cluster, names, image);
  const result = await runAction({ ...options, ...extra, env: { ...options.env, ...extra.env } });
  if (result.code !== 0)
    throw new Error(`the action's deploy failed:\n${result.stdout}${result.stderr}`);
  return result.seconds * 1000;
}

/**
 * Today's way, in one `run:` step: fetch the ID token with curl from the runner's request URL,
 * pick `.value` with jq, put it into a prepared kubeconfig with `kubectl config set-credentials`,
 * then `kubectl set image` and `kubectl rollout status` per workload (sequentially: the usual loop).
 */
export const SHELL_STEP = `set -euo pipefail
TOKEN=$(curl -sSf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=$AUDIENCE" | jq -r .value)
echo "::add-mask::$TOKEN"
kubectl config set-credentials ci --token="$TOKEN" >/dev/null
for name in $NAMES; do
  kubectl set image "deployment/$name" "*=$IMAGE"
  kubectl rollout status "deployment/$name" --timeout=2m
done
`;

/**
 * The same step with the kubeconfig built from scratch (set-cluster, set-credentials,
 * set-context, use-context), as workflows without a prepared kubeconfig do it.
 */
export const SHELL_STEP_FROM_SCRATCH = SHELL_STEP.replace(
  'kubectl config set-credentials ci --token="$TOKEN" >/dev/null\n',
  `kubectl config set-cluster bench --server="$SERVER" --certificate-authority="$CA_FILE" --embed-certs >/dev/null
kubectl config set-credentials ci --token="$TOKEN" >/dev/null
kubectl config set-context bench --cluster=bench --user=ci --namespace=${NAMESPACE} >/dev/null
kubectl config use-context bench >/dev/null
`,
);

/** Runs the shell step in a fresh HOME (as a fresh job: a cold kubectl discovery cache). */
export async function shellDeploy(
  cluster: Cluster,
  names: string[],
  image: string,
  script = SHELL_STEP,
): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-shell-'));
  try {
    const kubeconfig = join(home, 'kubeconfig');
    const caFile = join(home, 'ca.crt');
    writeFileSync(caFile, Buffer.from(cluster.server.caData, 'base64'));
    // The from-scratch variant starts from an empty kubeconfig.
    writeFileSync(kubeconfig, script === SHELL_STEP ? cluster.kubeconfig : '', { mode: 0o600 });
    mkdirSync(join(home, '.kube'));
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: home,
      KUBECONFIG: kubeconfig,
      AUDIENCE,
      NAMES: names.join(' '),
      IMAGE: image,
      SERVER: cluster.server.url,
      CA_FILE: caFile,
      ...cluster.issuer.env(),
    };
    const started = performance.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve) => {
        const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
        child.on('close', (c) => resolve({ code: c, output }));
      },
    );
    const ms = performance.now() - started;
    if (code !== 0) throw new Error(`the shell step failed (${code}):\n${output}`);
    return ms;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
