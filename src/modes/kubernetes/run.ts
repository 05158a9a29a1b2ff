// The kubernetes mode's run, loaded only when it runs: the cluster from its source, a kubeconfig
// for it, and the deploy (manifests, images, rollouts) when one was asked for.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ActionError, formatError } from '../../base/errors.js';
import type { Logger } from '../../base/logger.js';
import { foreign } from '../../base/untrusted.js';
import { KubeClient } from '../../kubernetes/api/client.js';
import { prepareApply, type ApplyResult } from '../../kubernetes/apply/apply.js';
import { assignImagesInManifests } from '../../kubernetes/apply/assignments.js';
import type { ManifestObject } from '../../kubernetes/apply/manifests.js';
import type { ClusterConnection } from '../../kubernetes/cluster/connection.js';
import { impersonationOf, type Impersonation } from '../../kubernetes/cluster/impersonation.js';
import { describeProxy, proxyFor } from '../../kubernetes/cluster/proxy.js';
import {
  planKubeconfig,
  renderKubeconfig,
  type ClusterSpec,
  type KubeCredential,
  type KubeconfigPlan,
  type KubeTarget,
} from '../../kubernetes/kubeconfig.js';
import { PLUGIN_SOURCE_ENV, type ClusterAccess } from '../../kubernetes/sources/contract.js';
import {
  verifyAccess,
  VERIFY_TIMEOUT_MS,
  type AccessResult,
} from '../../kubernetes/verify-access.js';
import { prepareDeploy, type DeployResult } from '../../kubernetes/workloads/deploy.js';
import type { ModeContext, PrepareDeps, PreparedMode } from '../contract.js';
import { kubernetesReport, reportAccess, type KubernetesResult } from './report.js';
import type { KubernetesSettings } from './settings.js';

/**
 * The bundled exec credential plugin, dist/credential.js beside the entry the runner started.
 * (Derived from argv, not import.meta.url, which the bundler would rewrite into an asset.)
 */
export function credentialPluginPath(entry: string = process.argv[1] ?? ''): string {
  const path = join(dirname(entry), 'credential.js');
  if (!existsSync(path)) {
    throw new ActionError(
      'kubeconfig-credentials: refresh needs the bundled credential plugin (dist/credential.js), which is missing.',
      'Use kubeconfig-credentials: static, or run the action from its released bundle.',
    );
  }
  return path;
}

/**
 * Kubernetes mode, first half, before the ID token is requested, so bad input costs no request:
 * the source's checks and what it knows of the cluster (a kubeconfig: its context is picked and
 * checked), the manifests read and checked; with a deploy to do, or verify-access, the cluster
 * client loads (and, when the cluster is known, connects) while the token is requested.
 */
export async function prepare(
  settings: KubernetesSettings,
  deps: PrepareDeps,
): Promise<PreparedMode> {
  const source = await settings.source.prepare(deps.logger);
  const known = source.cluster && planFor(settings, source.cluster, deps.logger);
  const pluginPath = settings.credentials === 'refresh' ? credentialPluginPath() : undefined;
  const manifests = settings.manifests.length > 0 ? await loadManifests(settings, deps) : undefined;
  const deploys = settings.workloads.length > 0 || manifests !== undefined;
  // A deploy's first request is the check of access; without one, verify-access makes one.
  const talks = deploys || settings.verifyAccess;
  let cluster: Cluster | undefined;
  // A proxy the client cannot use (socks5://) fails a deploy; verify-access only says so.
  let unusable: unknown;
  const connect = (plan: KubeconfigPlan, env: NodeJS.ProcessEnv) => {
    try {
      cluster ??= clusterOf(plan, env);
    } catch (error) {
      unusable = error;
    }
  };
  return {
    // The cluster client (@kubernetes/client-node, its own chunk) compiles while the token is
    // requested, instead of delaying the request; with the cluster known, it also connects.
    whileTokenIsRequested: () => {
      source.whileTokenIsRequested?.();
      if (!talks) return;
      if (known) connect(known, deps.env);
      else import('../../kubernetes/cluster/connection.js').catch(() => undefined);
    },
    run: async (ctx) => {
      const access = await source.open({ ...ctx, namespace: settings.namespace });
      const plan = known ?? planFor(settings, access.cluster, ctx.logger);
      if (talks) connect(plan, ctx.env);
      if (deploys && !cluster) throw unusable;
      const result = writeKubeconfig(settings, plan, access, pluginPath, ctx);
      const done = !talks
        ? result
        : deploys
          ? await deployOnCluster(settings, result, access, cluster as Cluster, manifests, ctx)
          : {
              ...result,
              access: await verifyOnCluster(result.target, access, cluster, unusable, ctx),
            };
      return kubernetesReport(done, access.report);
    },
  };
}

function planFor(
  settings: KubernetesSettings,
  cluster: ClusterSpec,
  logger: Logger,
): KubeconfigPlan {
  return planKubeconfig(
    {
      source: cluster,
      context: settings.context,
      namespace: settings.namespace,
      user: settings.user,
      insecureSkipTlsVerify: settings.insecureSkipTlsVerify,
    },
    logger,
  );
}

interface Cluster {
  proxy: ReturnType<typeof proxyFor>;
  impersonation: Impersonation;
  connection: Promise<ClusterConnection>;
}

/**
 * The deploy talks to the same cluster as the kubeconfig, as its user, with the source's token
 * (also in refresh mode: the plugin would only mint the same again).
 */
function clusterOf(plan: KubeconfigPlan, env: NodeJS.ProcessEnv): Cluster {
  const proxy = proxyFor(new URL(plan.target.server), env, plan.cluster['proxy-url']);
  const impersonation = impersonationOf(plan.userKeep);
  const connection = import('../../kubernetes/cluster/connection.js').then(
    ({ ClusterConnection }) => new ClusterConnection(plan.target, proxy?.url, impersonation),
  );
  connection.catch(() => undefined);
  return { proxy, impersonation, connection };
}

/**
 * The manifests, read and checked (readManifests). Loaded only when used: the reader and
 * @actions/glob are not needed by a run without manifests.
 */
async function loadManifests(
  settings: KubernetesSettings,
  deps: PrepareDeps,
): Promise<ManifestObject[]> {
  const { readManifests } = await import('../../kubernetes/apply/manifests.js');
  return readManifests({
    patterns: settings.manifests,
    workspace: deps.env['GITHUB_WORKSPACE'] || process.cwd(),
    imageReplacements: settings.imageReplacements,
    // A Secret's values are masked before anything can print them.
    mask: deps.mask,
  });
}

/**
 * Kubernetes mode, second half: writes a kubeconfig whose user carries the source's token (or a
 * plugin that re-mints it).
 */
function writeKubeconfig(
  settings: KubernetesSettings,
  plan: KubeconfigPlan,
  access: ClusterAccess,
  pluginPath: string | undefined,
  ctx: ModeContext,
): KubernetesResult {
  const credential: KubeCredential =
    pluginPath === undefined
      ? { kind: 'static', token: access.credential.token }
      : {
          kind: 'refresh',
          command: process.execPath,
          args: [pluginPath],
          env: [
            ...(ctx.audience === undefined
              ? []
              : [{ name: 'OIDC_DEPLOY_AUDIENCE', value: ctx.audience }]),
            ...(settings.source.hasPlugin
              ? [{ name: PLUGIN_SOURCE_ENV, value: settings.source.name }]
              : []),
            ...access.pluginEnv,
          ],
        };
  const kubeconfigPath = ctx.files.write('kubeconfig.yaml', renderKubeconfig(plan, credential));
  const { target } = plan;
  // Server, context, namespace and user come from the kubeconfig or the inputs: foreign text.
  ctx.logger.info(
    `Wrote a kubeconfig for ${foreign(target.server)} (context ${foreign(target.context, 253)}, namespace ${foreign(target.namespace, 63)}, user ${foreign(target.user, 253)}, ${settings.credentials} credentials)`,
  );
  return {
    kubeconfigPath,
    target,
    credentials: settings.credentials,
    workloads: undefined,
    diagnosis: undefined,
  };
}

/** The step's client of the cluster: the kubeconfig's user, with the source's token. */
function clientFor(
  target: KubeTarget,
  access: ClusterAccess,
  cluster: Cluster,
  ctx: ModeContext,
  requestTimeoutMs?: number,
): KubeClient {
  if (cluster.proxy) {
    ctx.logger.info(
      `Reaching the cluster through the proxy ${describeProxy(cluster.proxy.url)} (${cluster.proxy.source})`,
    );
  }
  return new KubeClient({
    target,
    connection: cluster.connection,
    token: access.credential.token,
    tokenExp: access.credential.exp,
    renewToken: access.credential.renew,
    impersonation: cluster.impersonation,
    logger: ctx.logger,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
  });
}

/**
 * verify-access, without a deploy: asks the cluster who the job is (kubernetes/verify-access.ts).
 * A refused token fails the step with the source's explanation, as a deploy's first request
 * would; a cluster that cannot be asked (nor reached through a proxy the client can use) warns.
 */
async function verifyOnCluster(
  target: KubeTarget,
  access: ClusterAccess,
  cluster: Cluster | undefined,
  unusable: unknown,
  ctx: ModeContext,
): Promise<AccessResult> {
  const verified = cluster
    ? await verifyAccess(
        clientFor(target, access, cluster, ctx, VERIFY_TIMEOUT_MS),
        access.explanations,
      )
    : ({ kind: 'unknown', why: foreign(formatError(unusable).split('\n')[0], 300) } as const);
  return reportAccess(verified, target.server, ctx.logger);
}

/** The deploy: manifests applied, images set, rollouts awaited. */
async function deployOnCluster(
  settings: KubernetesSettings,
  result: KubernetesResult,
  access: ClusterAccess,
  cluster: Cluster,
  manifests: ManifestObject[] | undefined,
  ctx: ModeContext,
): Promise<KubernetesResult> {
  const { target } = result;
  const client = clientFor(target, access, cluster, ctx);
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
          explanations: access.explanations,
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
            explanations: access.explanations,
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
