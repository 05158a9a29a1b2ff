import { joinReports, report, type Report } from '../../base/report.js';
import { markdownTable as table } from '../../base/markdown.js';
import { foreign, foreignMarkdown as md } from '../../base/untrusted.js';
import type { AppliedObject } from '../../kubernetes/apply/apply.js';
import type { KubeTarget } from '../../kubernetes/kubeconfig.js';
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
