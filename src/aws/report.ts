import { report, type Report } from '../base/report.js';
import { STATE } from '../base/state.js';
import type { AwsSession } from './assume-role.js';

/** The variables aws mode exports (main) and clears again (post). */
export const AWS_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
] as const;

/**
 * A session's outputs, and its exports unless `exportCredentials` is false (aws mode; the EKS
 * source with eks-export-aws-credentials).
 */
export function awsSessionReport(session: AwsSession, exportCredentials: boolean): Report {
  const { credentials } = session;
  return report({
    outputs: [
      ['aws-account-id', session.accountId],
      ['aws-role-arn', session.assumedRoleArn],
      ['aws-expiration', session.expiration],
      ...(session.outputCredentials
        ? ([
            ['aws-access-key-id', credentials.accessKeyId],
            ['aws-secret-access-key', credentials.secretAccessKey],
            ['aws-session-token', credentials.sessionToken],
          ] as Array<[string, string]>)
        : []),
    ],
    exports: exportCredentials
      ? [
          ['AWS_ACCESS_KEY_ID', credentials.accessKeyId],
          ['AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey],
          ['AWS_SESSION_TOKEN', credentials.sessionToken],
          ['AWS_REGION', session.region],
          ['AWS_DEFAULT_REGION', session.region],
        ]
      : [],
    state: exportCredentials ? [[STATE.awsExported, 'true']] : [],
  });
}

/** The assumed-role ARN for the summary, its account masked when mask-aws-account-id. */
export function shownRoleArn(session: AwsSession): string {
  return session.maskAccountId
    ? session.assumedRoleArn.replace(session.accountId, '***')
    : session.assumedRoleArn;
}
