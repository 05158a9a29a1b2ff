import * as core from '@actions/core';
import type { Result } from './main.js';
import { claimRows, type Claims } from './oidc/claims.js';

/** The job summary's Markdown: what was done, for whom, until when. Never a secret. */
export function renderSummary(claims: Claims, result: Result, showClaims: boolean): string {
  const parts: string[] = [`### OIDC Deploy: ${result.mode}`, ''];
  parts.push(table(['setting', 'value'], modeRows(result)), '');
  if (result.mode === 'kubernetes' && result.workloads) {
    parts.push(
      table(
        ['workload', 'namespace', 'images', 'result', 'seconds'],
        result.workloads.map((w) => [
          `${w.kind}/${w.name}`,
          w.namespace,
          w.containers.map((c) => `${c.name}: ${c.previousImage} → ${c.newImage}`).join('<br>') ||
            '(none)',
          w.result,
          w.seconds.toFixed(1),
        ]),
      ),
      '',
    );
    if (result.diagnosis) parts.push('#### Diagnosis', '', result.diagnosis, '');
  }
  if (showClaims) {
    parts.push(
      '<details><summary>ID token claims</summary>',
      '',
      table(['claim', 'value'], claimRows(claims)),
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
        ['cluster', `${t.cluster} (${t.server})`],
        ['context', t.context],
        ['namespace', t.namespace],
        ['user', t.user],
        [
          'credentials',
          result.credentials === 'refresh'
            ? 'refresh (re-minted by an exec plugin)'
            : 'static token',
        ],
        ['kubeconfig', `\`${result.kubeconfigPath}\` (KUBECONFIG)`],
      ];
    }
    case 'aws':
      return [
        [
          'role',
          result.maskAccountId
            ? result.assumedRoleArn.replace(result.accountId, '***')
            : result.assumedRoleArn,
        ],
        ['session name', result.roleSessionName],
        ['account', result.maskAccountId ? '***' : result.accountId],
        ['region', result.region],
        ['expires', result.expiration],
      ];
    case 'chainguard':
      return [
        ['identity', result.identity],
        ['audience', result.audience],
        ['expires', result.expiration],
        [
          'registry',
          result.registry ? `${result.registry.host} (${result.registry.via})` : 'no login',
        ],
      ];
  }
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function cell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export async function writeSummary(
  claims: Claims,
  result: Result,
  showClaims: boolean,
): Promise<void> {
  // A runner without a job summary (an old one, or act): nothing to write, nothing to warn about.
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  try {
    await core.summary.addRaw(renderSummary(claims, result, showClaims), true).write();
  } catch (error) {
    core.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** A failed step's summary: the error and its hint, so the run page says why without the log. */
export async function writeFailureSummary(message: string): Promise<void> {
  const fence = '`'.repeat(3);
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
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
