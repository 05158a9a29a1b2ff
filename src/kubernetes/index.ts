import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EksAuth } from '../aws/eks/index.js';
import { ActionError } from '../errors.js';
import type { EksSource, KubernetesSettings } from '../inputs.js';
import type { ModeContext, PreparedMode } from '../mode.js';
import type { Logger } from '../logger.js';
import { KubeClient } from './client.js';
import type { ClusterConnection } from './connection.js';
import { deploy } from './deploy.js';
import { impersonationOf, type Impersonation } from './impersonation.js';
import {
  planKubeconfig,
  renderKubeconfig,
  type KubeCredential,
  type KubeconfigPlan,
} from './kubeconfig.js';
import { describeProxy, proxyFor } from './proxy.js';
import type { KubernetesResult } from './result.js';
import { foreign } from '../untrusted.js';

export type { KubernetesResult } from './result.js';

/**
 * The bundled exec credential plugin, dist/credential.js beside the entry the runner started.
 * (Derived from argv, not import.meta.url, which the bundler would rewrite into an asset.)
 */
export function credentialPluginPath(
  entry: string = process.argv[1] ?? '',
  file: 'credential.js' | 'credential-eks.js' = 'credential.js',
): string {
  const path = join(dirname(entry), file);
  if (!existsSync(path)) {
    throw new ActionError(
      'kubeconfig-credentials: refresh needs the bundled credential plugin (dist/credential.js), which is missing.',
      'Use kubeconfig-credentials: static, or run the action from its released bundle.',
    );
  }
  return path;
}

/**
 * Kubernetes mode, first half: checks the kubeconfig and picks its context before the ID token
 * is requested, so a bad kubeconfig costs no request; with workloads to deploy, connects to the
 * cluster while the token is requested. Returns the second half.
 */
export function prepareKubernetes(
  settings: KubernetesSettings,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  eks?: EksAuth,
): PreparedMode<KubernetesResult> {
  if (settings.source.kind === 'eks') return prepareEks(settings, settings.source, logger, env);
  const plan = planKubeconfig(
    {
      source: settings.source,
      context: settings.context,
      namespace: settings.namespace,
      user: settings.user,
      insecureSkipTlsVerify: settings.insecureSkipTlsVerify,
    },
    logger,
  );
  const pluginPath =
    settings.credentials === 'refresh'
      ? credentialPluginPath(undefined, eks ? 'credential-eks.js' : 'credential.js')
      : undefined;
  let cluster: Cluster | undefined;
  if (settings.workloads.length > 0) {
    // The deploy talks to the same cluster as the kubeconfig, as its user, with the token itself
    // (also in refresh mode: the plugin would only fetch the same token again).
    const proxy = proxyFor(new URL(plan.target.server), env, plan.cluster['proxy-url']);
    const impersonation = impersonationOf(plan.userKeep);
    // The cluster client (@kubernetes/client-node, its own chunk of ~0.5 MB) is loaded once the
    // ID token request is on its way, so that compiling it overlaps the wait for the token
    // instead of delaying the request; a run that was not told (tests) loads it when it starts.
    let connection: Promise<ClusterConnection> | undefined;
    const connect = () => {
      connection ??= import('./connection.js').then(
        ({ ClusterConnection }) => new ClusterConnection(plan.target, proxy?.url, impersonation),
      );
      connection.catch(() => undefined);
      return connection;
    };
    cluster = { proxy, impersonation, connect };
  }
  return {
    run: (ctx) => runKubernetes(settings, plan, pluginPath, cluster, ctx, eks),
    // Loading the client (and building its KubeConfig) overlaps the wait for the token.
    whileTokenIsRequested: () => void cluster?.connect(),
  };
}

interface Cluster {
  proxy: ReturnType<typeof proxyFor>;
  impersonation: Impersonation;
  connect: () => Promise<ClusterConnection>;
}

/**
 * Kubernetes mode, second half: writes a kubeconfig whose user carries the ID token (or a plugin
 * that re-mints it), then deploys the workloads when any were given.
 */
async function runKubernetes(
  settings: KubernetesSettings,
  plan: KubeconfigPlan,
  pluginPath: string | undefined,
  cluster: Cluster | undefined,
  ctx: ModeContext,
  eks: EksAuth | undefined,
): Promise<KubernetesResult> {
  const credential: KubeCredential =
    pluginPath === undefined
      ? { kind: 'static', token: eks?.token ?? ctx.token }
      : {
          kind: 'refresh',
          command: process.execPath,
          args: [pluginPath],
          env: [
            ...(ctx.audience === undefined
              ? []
              : [{ name: 'OIDC_DEPLOY_AUDIENCE', value: ctx.audience }]),
            ...(eks?.pluginEnv ?? []),
          ],
        };
  const kubeconfigPath = ctx.files.write('kubeconfig.yaml', renderKubeconfig(plan, credential));
  const { target } = plan;
  // Server, context, namespace and user come from the kubeconfig or the inputs: foreign text.
  ctx.logger.info(
    `Wrote a kubeconfig for ${foreign(target.server)} (context ${foreign(target.context, 253)}, namespace ${foreign(target.namespace, 63)}, user ${foreign(target.user, 253)}, ${settings.credentials} credentials)`,
  );

  const result: KubernetesResult = {
    mode: 'kubernetes',
    kubeconfigPath,
    target,
    credentials: settings.credentials,
    workloads: undefined,
    diagnosis: undefined,
  };
  if (!cluster) return result;

  if (cluster.proxy) {
    ctx.logger.info(
      `Reaching the cluster through the proxy ${describeProxy(cluster.proxy.url)} (${cluster.proxy.source})`,
    );
  }
  const client = new KubeClient({
    target,
    connection: cluster.connect(),
    token: eks?.token ?? ctx.token,
    tokenExp: eks?.tokenExp ?? ctx.claims.exp,
    renewToken: eks?.renewToken ?? ctx.renewToken,
    impersonation: cluster.impersonation,
    logger: ctx.logger,
  });
  const deployed = await deploy({
    client,
    namespace: target.namespace,
    workloads: settings.workloads,
    images: settings.images,
    rolloutTimeoutMs: settings.rolloutTimeoutMs,
    rollbackOnFailure: settings.rollbackOnFailure,
    claims: ctx.claims,
    ...(eks ? { explainUnauthorized: eks.explainUnauthorized } : {}),
    env: ctx.env,
    logger: ctx.logger,
  }).finally(() => client.close());
  return { ...result, workloads: deployed.workloads, diagnosis: deployed.diagnosis };
}

// ---------------------------------------------------------------- EKS

/**
 * eks-cluster: the server and CA come from EKS DescribeCluster, after the role is assumed with
 * the ID token, so nothing of the cluster is known before the token. Then the same flow as a
 * `server` source, authenticated with the EKS token (src/aws/eks/).
 */
function prepareEks(
  settings: KubernetesSettings,
  source: EksSource,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): PreparedMode<KubernetesResult> {
  if (settings.credentials === 'refresh') credentialPluginPath(undefined, 'credential-eks.js');
  // SigV4 and the EKS calls load while the ID token is requested.
  const module = import('../aws/eks/index.js');
  module.catch(() => undefined);
  return {
    run: async (ctx) => {
      const session = await (await module).openEksSession(source, ctx, settings.namespace);
      const prepared = prepareKubernetes(
        {
          ...settings,
          source: {
            kind: 'server',
            server: session.cluster.endpoint,
            certificateAuthorityData: session.cluster.certificateAuthorityData,
          },
        },
        logger,
        env,
        session.auth,
      );
      prepared.whileTokenIsRequested?.();
      return { ...(await prepared.run(ctx)), eks: session.result };
    },
  };
}
