import { openAwsSession, type AwsSession } from '../../aws/assume-role.js';
import { awsSessionReport, shownRoleArn } from '../../aws/report.js';
import { joinReports, report, type Report } from '../../base/report.js';
import { foreignMarkdown as md } from '../../base/untrusted.js';
import type { PreparedMode } from '../contract.js';
import type { AwsSettings } from './settings.js';

/** aws mode: AssumeRoleWithWebIdentity with the job's ID token; a refusal says what to fix. */
export function prepare(settings: AwsSettings): Promise<PreparedMode> {
  return Promise.resolve({
    run: async (ctx) => awsReport(await openAwsSession(settings, ctx.token, ctx.claims, ctx)),
  });
}

/** The session's outputs and exports, and the summary's rows. */
export function awsReport(session: AwsSession): Report {
  return joinReports(
    awsSessionReport(session, true),
    report({
      rows: [
        ['role', md(shownRoleArn(session))],
        ['session name', md(session.roleSessionName)],
        ['account', session.maskAccountId ? '***' : md(session.accountId)],
        ['region', md(session.region)],
        ['expires', md(session.expiration)],
      ],
    }),
  );
}
