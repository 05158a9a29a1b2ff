import * as core from '@actions/core';
import type { KubernetesResult } from '../kubernetes/workloads/result.js';
import type { Result } from './run.js';
import { claimRows, type Claims } from '../oidc/claims.js';
import { foreign, foreignMarkdown as md } from '../base/untrusted.js';

/**
 * The job summary's Markdown: what was done, for whom, until when. Never a secret. Every value
 * from outside (the cluster, the kubeconfig, STS, Chainguard, the token's claims, an input) goes
 * through `foreignMarkdown` (`md`); only our own words and Markdown stay raw.
 */
export function renderSummary(claims: Claims, result: Result, showClaims: boolean): string {
  const parts: string[] = [`### OIDC Deploy: ${result.mode}`, ''];
  parts.push(table(['setting', 'value'], modeRows(result)), '');
  if (result.mode === 'kubernetes' && result.applied) {
    const dryRun = result.applied.some((o) => o.dryRun);
    parts.push(
      dryRun
        ? '#### Manifests (server dry run: nothing was changed)'
        : '#### Manifests (server-side apply)',
      '',
      result.applied.length === 0
        ? 'No objects in the manifests.'
        : table(
            ['object', 'apiVersion', 'namespace', 'result', 'file'],
            result.applied.map((o) => [
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
    );
  }
  if (result.mode === 'kubernetes' && result.workloads) {
    parts.push(
      table(
        ['workload', 'namespace', 'images', 'result', 'seconds'],
        result.workloads.map((w) => [
          `${w.kind}/${md(w.name)}`,
          md(w.namespace),
          w.containers
            .map((c) => `${md(c.name)}: ${md(c.previousImage)} → ${md(c.newImage)}`)
            .join('<br>') || '(none)',
          w.result,
          w.seconds.toFixed(1),
        ]),
      ),
      '',
    );
    // Built by diagnose() from log lines made literal Markdown.
    if (result.diagnosis) parts.push('#### Diagnosis', '', result.diagnosis, '');
  }
  if (showClaims) {
    parts.push(
      '<details><summary>ID token claims</summary>',
      '',
      table(
        ['claim', 'value'],
        claimRows(claims).map(([name, value]) => [md(name), md(value)]),
      ),
      '',
      '</details>',
      '',
    );
  }
  return parts.join('\n');
}

function modeRows(result: Result): string[][] {
  switch (result.mode) {
    case 'token':
      return [['output', '`id-token` (masked)']];
    case 'kubernetes': {
      const t = result.target;
      return [
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
        ...(result.eks ? eksRows(result.eks) : []),
      ];
    }
    case 'aws':
      return [
        [
          'role',
          md(
            result.maskAccountId
              ? result.assumedRoleArn.replace(result.accountId, '***')
              : result.assumedRoleArn,
          ),
        ],
        ['session name', md(result.roleSessionName)],
        ['account', result.maskAccountId ? '***' : md(result.accountId)],
        ['region', md(result.region)],
        ['expires', md(result.expiration)],
      ];
    case 'chainguard':
      return [
        ['identity', md(result.identity)],
        ['audience', md(result.audience)],
        ['expires', md(result.expiration)],
        [
          'registry',
          result.registry ? `${md(result.registry.host)} (${md(result.registry.via)})` : 'no login',
        ],
      ];
  }
}

/** eks-cluster: the EKS cluster, the role its token is made with, and the AWS exports. */
function eksRows(eks: NonNullable<KubernetesResult['eks']>): string[][] {
  const { aws } = eks;
  const role = aws.maskAccountId
    ? aws.assumedRoleArn.replace(aws.accountId, '***')
    : aws.assumedRoleArn;
  return [
    ['EKS cluster', `${md(eks.cluster)} (${md(eks.endpoint)})`],
    ['EKS role', md(role)],
    ['AWS credentials', eks.exportAwsCredentials ? `exported (${md(aws.region)})` : 'not exported'],
  ];
}

/** A Markdown table of cells that are Markdown already (foreign parts through `md`). */
function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A path as inline code: literal inside, but a `|` would still end the table cell (GFM). */
function codeSpan(value: string): string {
  const text = foreign(value, 1000);
  return text.includes('`') ? md(value, 1000) : `\`${text.replace(/\|/g, '\\|')}\``;
}

export async function writeSummary(
  claims: Claims,
  result: Result,
  showClaims: boolean,
): Promise<void> {
  // @actions/core finds the summary file (GITHUB_STEP_SUMMARY); a runner without one is a warning.
  try {
    await core.summary.addRaw(renderSummary(claims, result, showClaims), true).write();
  } catch (error) {
    core.warning(
      `Could not write the job summary: ${foreign(error instanceof Error ? error.message : String(error))}`,
    );
  }
}

/** A failed step's summary: the error and its hint, so the run page says why without the log. */
export async function writeFailureSummary(message: string): Promise<void> {
  const fence = '`'.repeat(3);
  try {
    await core.summary
      .addRaw(
        [
          '### OIDC Deploy: failed',
          '',
          `${fence}text`,
          message.split(fence).join('` ` `'),
          fence,
          '',
        ].join('\n'),
        true,
      )
      .write();
  } catch {
    // The error is in the log already; a summary that cannot be written changes nothing.
  }
}
