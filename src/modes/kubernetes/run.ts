import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EksAuth } from '../../kubernetes/sources/eks/session.js';
import { ActionError } from '../../base/errors.js';
import type { EksSource, KubeconfigSource, KubernetesSettings } from '../../action/inputs.js';
import type { ModeContext, PreparedMode } from '../contract.js';
import type { Logger } from '../../base/logger.js';
import { KubeClient } from '../../kubernetes/api/client.js';
import type { ClusterConnection } from '../../kubernetes/cluster/connection.js';
import { prepareApply, type ApplyResult } from '../../kubernetes/apply/apply.js';
import { assignImagesInManifests } from '../../kubernetes/apply/assignments.js';
import type { ManifestObject } from '../../kubernetes/apply/manifests.js';
import { prepareDeploy, type DeployResult } from '../../kubernetes/workloads/deploy.js';
import { impersonationOf, type Impersonation } from '../../kubernetes/cluster/impersonation.js';
import {
  planKubeconfig,
  renderKubeconfig,
  type KubeCredential,
  type KubeconfigPlan,
} from '../../kubernetes/kubeconfig.js';
import { describeProxy, proxyFor } from '../../kubernetes/cluster/proxy.js';
import type { KubernetesResult } from '../../kubernetes/workloads/result.js';
import { foreign } from '../../base/untrusted.js';

export type { KubernetesResult } from '../../kubernetes/workloads/result.js';

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
 * Kubernetes mode, first half: checks the kubeconfig and picks its context, and reads and checks
 * the manifests, before the ID token is requested, so bad input costs no request; with workloads
 * or manifests to deploy, connects to the cluster while the token is requested. Returns the
 * second half.
 */
export async function prepareKubernetes(
  settings: KubernetesSettings,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  /** Masks a Secret's values of the manifests before anything can print them. */
  mask: (secret: string) => void = core.setSecret,
): Promise<PreparedMode<KubernetesResult>> {
  const { source } = settings;
  if (source.kind === 'eks') {
    if (settings.credentials === 'refresh') credentialPluginPath(undefined, 'credential-eks.js');
    const manifests =
      settings.manifests.length > 0 ? await loadManifests(settings, env, mask) : undefined;
    return prepareEks(settings, source, manifests, logger, env);
  }
  const plan = planFor(settings, source, logger);
  const pluginPath = settings.credentials === 'refresh' ? credentialPluginPath() : undefined;
  const manifests =
    settings.manifests.length > 0 ? await loadManifests(settings, env, mask) : undefined;
  return onCluster(settings, plan, pluginPath, manifests, env, undefined);
}

function planFor(
  settings: KubernetesSettings,
  source: KubeconfigSource,
  logger: Logger,
): KubeconfigPlan {
  return planKubeconfig(
    {
      source,
      context: settings.context,
      namespace: settings.namespace,
      user: settings.user,
      insecureSkipTlsVerify: settings.insecureSkipTlsVerify,
    },
    logger,
  );
}

/** The cluster half of a prepared run: a connection made while the token is requested. */
function onCluster(
  settings: KubernetesSettings,
  plan: KubeconfigPlan,
  pluginPath: string | undefined,
  manifests: ManifestObject[] | undefined,
  env: NodeJS.ProcessEnv,
  eks: EksAuth | undefined,
): PreparedMode<KubernetesResult> {
  let cluster: Cluster | undefined;
  if (settings.workloads.length > 0 || manifests !== undefined) {
    // The deploy talks to the same cluster as the kubeconfig, as its user, with the token itself
    // (also in refresh mode: the plugin would only fetch the same token again).
    const proxy = proxyFor(new URL(plan.target.server), env, plan.cluster['proxy-url']);
    const impersonation = impersonationOf(plan.userKeep);
    // The cluster client (@kubernetes/client-node, its own chunk of ~0.5 MB) is loaded once the
    // ID token request is on its way, so that compiling it overlaps the wait for the token
    // instead of delaying the request; a run that was not told (tests) loads it when it starts.
    let connection: Promise<ClusterConnection> | undefined;
    const connect = () => {
      connection ??= import('../../kubernetes/cluster/connection.js').then(
        ({ ClusterConnection }) => new ClusterConnection(plan.target, proxy?.url, impersonation),
      );
      connection.catch(() => undefined);
      return connection;
    };
    cluster = { proxy, impersonation, connect };
  }
  return {
    run: (ctx) => runKubernetes(settings, plan, pluginPath, cluster, manifests, ctx, eks),
    // Loading the client (and building its KubeConfig) overlaps the wait for the token.
    whileTokenIsRequested: () => void cluster?.connect(),
  };
}

/**
 * The manifests, read and checked (readManifests). Loaded only when used: the reader and
 * @actions/glob are not needed by a run without manifests.
 */
async function loadManifests(
  settings: KubernetesSettings,
  env: NodeJS.ProcessEnv,
  mask: (secret: string) => void,
): Promise<ManifestObject[]> {
  const { readManifests } = await import('../../kubernetes/apply/manifests.js');
  return readManifests({
    patterns: settings.manifests,
    workspace: env['GITHUB_WORKSPACE'] || process.cwd(),
    imageReplacements: settings.imageReplacements,
    mask,
  });
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
  manifests: ManifestObject[] | undefined,
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
  try {
    // `workloads` the manifests also apply get their images in the manifest (apply/assignments).
    const workloads = manifests
      ? assignImagesInManifests(manifests, settings.workloads, settings.images, target.namespace)
      : settings.workloads;
    // Every check before the first PATCH: discovery, namespaces, the reads of every object and
    // workload, the containers of every image line.
    const applying = manifests
      ? await prepareApply({
          client,
          objects: manifests,
          namespaceInput: settings.namespace,
          defaultNamespace: target.namespace,
          force: settings.forceConflicts,
          dryRun: settings.dryRun,
          logger: ctx.logger,
          claims: ctx.claims,
          impersonation: cluster.impersonation,
          unauthorized: eks?.explainUnauthorized,
        })
      : undefined;
    const deploying =
      workloads.length > 0 || manifests
        ? await prepareDeploy({
            client,
            namespace: target.namespace,
            workloads,
            images: settings.images,
            rolloutTimeoutMs: settings.rolloutTimeoutMs,
            rollbackOnFailure: settings.rollbackOnFailure,
            dryRun: settings.dryRun,
            claims: ctx.claims,
            ...(eks ? { explainUnauthorized: eks.explainUnauthorized } : {}),
            env: ctx.env,
            logger: ctx.logger,
          })
        : undefined;
    const applied: ApplyResult | undefined = await applying?.run();
    const deployed: DeployResult | undefined = await deploying?.(applied?.workloads ?? []);
    return {
      ...result,
      ...(applied ? { applied: applied.objects } : {}),
      workloads: deployed && deployed.workloads.length > 0 ? deployed.workloads : undefined,
      diagnosis: deployed?.diagnosis,
    };
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------- EKS

/**
 * eks-cluster: the server and CA come from EKS DescribeCluster, after the role is assumed with
 * the ID token, so nothing of the cluster is known before the token (the manifests are read
 * before it, as for any source). Then the same flow as a `server` source, authenticated with the
 * EKS token (src/aws/eks/).
 */
function prepareEks(
  settings: KubernetesSettings,
  source: EksSource,
  manifests: ManifestObject[] | undefined,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): PreparedMode<KubernetesResult> {
  // SigV4 and the EKS calls load while the ID token is requested.
  const module = import('../../kubernetes/sources/eks/session.js');
  module.catch(() => undefined);
  return {
    run: async (ctx) => {
      const session = await (await module).openEksSession(source, ctx, settings.namespace);
      const plan = planFor(
        settings,
        {
          kind: 'server',
          server: session.cluster.endpoint,
          certificateAuthorityData: session.cluster.certificateAuthorityData,
        },
        logger,
      );
      const pluginPath =
        settings.credentials === 'refresh'
          ? credentialPluginPath(undefined, 'credential-eks.js')
          : undefined;
      const prepared = onCluster(settings, plan, pluginPath, manifests, env, session.auth);
      prepared.whileTokenIsRequested?.();
      return { ...(await prepared.run(ctx)), eks: session.result };
    },
    // The cluster client's chunk compiles while the token is requested (the connection itself
    // needs DescribeCluster's endpoint and CA first).
    whileTokenIsRequested: () => {
      if (settings.workloads.length > 0 || manifests !== undefined) {
        import('../../kubernetes/cluster/connection.js').catch(() => undefined);
      }
    },
  };
}
