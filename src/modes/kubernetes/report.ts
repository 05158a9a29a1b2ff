import type { Logger } from '../../base/logger.js';
import { joinReports, report, type Report } from '../../base/report.js';
import { markdownTable as table } from '../../base/markdown.js';
import { foreign, foreignMarkdown as md } from '../../base/untrusted.js';
import type { AppliedObject } from '../../kubernetes/apply/apply.js';
import type { KubeTarget } from '../../kubernetes/kubeconfig.js';
import type { AccessResult } from '../../kubernetes/verify-access.js';
import { isSuccess, type WorkloadResult } from '../../kubernetes/workloads/result.js';

/** What a kubernetes run did, before it is said as outputs and summary rows. */
export interface KubernetesResult {
  kubeconfigPath: string;
  target: KubeTarget;
  credentials: 'static' | 'refresh';
  /** Present when workloads were given. */
  workloads: WorkloadResult[] | undefined;
  /** Present when manifests were given: every object applied, in the order applied. */
  applied?: AppliedObject[] | undefined;
  /** Markdown diagnosis of a failed rollout, for the summary. */
  diagnosis: string | undefined;
  /** What verify-access learned (a run without a deploy). */
  access?: AccessResult | undefined;
}

/** The run's outputs, KUBECONFIG, summary rows and sections, then its cluster source's. */
export function kubernetesReport(result: KubernetesResult, source: Report): Report {
  const t = result.target;
  const failed = result.workloads?.some((w) => !isSuccess(w.result));
  return joinReports(
    report({
      outputs: [
        ['kubeconfig-path', result.kubeconfigPath],
        ...(result.workloads
          ? ([['workloads', JSON.stringify(result.workloads)]] as Array<[string, string]>)
          : []),
        ...(result.applied
          ? ([['applied', JSON.stringify(result.applied)]] as Array<[string, string]>)
          : []),
        ...accessOutputs(result.access),
      ],
      exports: [['KUBECONFIG', result.kubeconfigPath]],
      rows: [
        ['cluster', `${md(t.cluster)} (${md(t.server)})`],
        ['context', md(t.context)],
        ['namespace', md(t.namespace)],
        ['user', md(t.user)],
        [
          'credentials',
          result.credentials === 'refresh'
            ? 'refresh (re-minted by an exec plugin)'
            : 'static token',
        ],
        ['kubeconfig', `${codeSpan(result.kubeconfigPath)} (KUBECONFIG)`],
        ...accessRows(result.access),
      ],
      sections: [
        ...(result.applied ? [appliedSection(result.applied)] : []),
        ...(result.workloads ? [workloadsSection(result.workloads)] : []),
        // Built by diagnose() from log lines made literal Markdown.
        ...(result.workloads && result.diagnosis
          ? [`#### Diagnosis\n\n${result.diagnosis}\n`]
          : []),
      ],
      failure: failed
        ? 'The rollout did not complete; see the diagnosis above and in the job summary.'
        : undefined,
    }),
    source,
  );
}

/**
 * Says in the log what verify-access learned: who the job is to the cluster, or, as a warning
 * naming the server, that it could not be asked (some clusters are reachable only from a later
 * step, through a VPN a later step starts). Returns the result for the report.
 */
export function reportAccess(access: AccessResult, server: string, logger: Logger): AccessResult {
  if (access.kind === 'user') {
    // The server's words: escaped.
    const groups = access.user.groups.map((g) => `"${foreign(g, 200)}"`).join(', ') || 'none';
    logger.info(
      `verify-access: the cluster accepts the token as user "${foreign(access.user.username, 300)}", groups ${groups} (SelfSubjectReview ${access.apiVersion})`,
    );
  } else if (access.kind === 'accepted') {
    const who = access.username === undefined ? '' : ` as user "${foreign(access.username, 300)}"`;
    logger.info(`verify-access: the cluster accepts the token${who} (${access.why})`);
  } else {
    const check = access.tls
      ? "the kubeconfig's certificate-authority-data must be the CA that signed the API server's certificate, for a name the certificate holds (kubectl will refuse it the same way)"
      : 'check the server address and the network';
    logger.warning(
      `verify-access: could not ask ${foreign(server, 300)} whether it accepts the token: ${access.why}. The kubeconfig is written; a cluster reachable only from a later step (through a VPN) cannot be asked now, otherwise ${check}. (verify-access: false skips the check.)`,
    );
  }
  return access;
}

function accessOutputs(access: AccessResult | undefined): Array<[string, string]> {
  if (access?.kind === 'user') return [['cluster-user', access.user.username]];
  if (access?.kind === 'accepted' && access.username !== undefined) {
    return [['cluster-user', access.username]];
  }
  return [];
}

function accessRows(access: AccessResult | undefined): Array<[string, string]> {
  if (!access) return [];
  if (access.kind === 'user') {
    return [
      ['cluster user', md(access.user.username, 300)],
      ['cluster groups', access.user.groups.map((g) => md(g, 200)).join(', ') || '(none)'],
    ];
  }
  if (access.kind === 'accepted') {
    const who = access.username === undefined ? 'the token is accepted' : md(access.username, 300);
    return [['cluster user', `${who} (${md(access.why)})`]];
  }
  return [['cluster access', `not verified: ${md(access.why)}`]];
}

function appliedSection(applied: AppliedObject[]): string {
  const dryRun = applied.some((o) => o.dryRun);
  return [
    dryRun
      ? '#### Manifests (server dry run: nothing was changed)'
      : '#### Manifests (server-side apply)',
    '',
    applied.length === 0
      ? 'No objects in the manifests.'
      : table(
          ['object', 'apiVersion', 'namespace', 'result', 'file'],
          applied.map((o) => [
            `${md(o.kind, 100)}/${md(o.name, 253)}`,
            md(o.apiVersion, 100),
            o.namespace === undefined ? '(cluster)' : md(o.namespace, 63),
            dryRun
              ? `would be ${o.outcome === 'unchanged' ? 'left unchanged' : o.outcome}`
              : o.outcome,
            md(o.file, 300),
          ]),
        ),
    '',
  ].join('\n');
}

function workloadsSection(workloads: WorkloadResult[]): string {
  return `${table(
    ['workload', 'namespace', 'images', 'result', 'seconds'],
    workloads.map((w) => [
      `${w.kind}/${md(w.name)}`,
      md(w.namespace),
      w.containers
        .map((c) => `${md(c.name)}: ${md(c.previousImage)} → ${md(c.newImage)}`)
        .join('<br>') || '(none)',
      w.result,
      w.seconds.toFixed(1),
    ]),
  )}\n`;
}

/** A path as inline code: literal inside, but a `|` would still end the table cell (GFM). */
function codeSpan(value: string): string {
  const text = foreign(value, 1000);
  return text.includes('`') ? md(value, 1000) : `\`${text.replace(/\|/g, '\\|')}\``;
}
