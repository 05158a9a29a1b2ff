import * as core from '@actions/core';
import { markdownTable as table } from '../base/markdown.js';
import type { Report } from '../base/report.js';
import { foreign, foreignMarkdown as md } from '../base/untrusted.js';
import { claimRows, type Claims } from '../oidc/claims.js';

/**
 * The job summary's Markdown: what was done, for whom, until when. Never a secret. The mode's
 * rows and sections arrive as Markdown with every value from outside made literal (its report);
 * the claims are made literal here.
 */
export function renderSummary(
  mode: string,
  /** undefined: the mode requested no ID token. */
  claims: Claims | undefined,
  report: Report,
  showClaims: boolean,
): string {
  const parts: string[] = [`### OIDC Deploy: ${mode}`, ''];
  parts.push(table(['setting', 'value'], report.rows), '');
  parts.push(...report.sections);
  if (showClaims && claims) {
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

export async function writeSummary(markdown: string): Promise<void> {
  // @actions/core finds the summary file (GITHUB_STEP_SUMMARY); a runner without one is a warning.
  try {
    await core.summary.addRaw(markdown, true).write();
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
