// eks-cluster: the role assumed as aws mode does, the cluster read with DescribeCluster, and an
// EKS token for the kubeconfig and the deploy, renewed by presigning again (and assuming the
// role again when its credentials near their end).
import { assumeRole, openAwsSession, type AwsSession } from '../../../aws/assume-role.js';
import { awsSessionReport, shownRoleArn } from '../../../aws/report.js';
import { stsEndpointUrl, type AwsCredentials, type StsTiming } from '../../../aws/sts.js';
import { joinReports, report } from '../../../base/report.js';
import { foreign, foreignMarkdown as md } from '../../../base/untrusted.js';
import { decodeClaims } from '../../../oidc/claims.js';
import type { ClusterAccess, PreparedSource, SourceContext } from '../contract.js';
import { describeCluster, EksRefusal, type DescribedCluster } from './describe-cluster.js';
import { explainDescribeCluster, explainEksUnauthorized, type EksContext } from './explain.js';
import type { EksSettings } from './settings.js';
import { PLUGIN_ENV } from './plugin-env.js';
import { createEksToken } from './token.js';

/** Credentials this close to their end are renewed before presigning with them. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

/** Nothing of the cluster is known before the token: DescribeCluster needs the role's session. */
export function prepare(settings: EksSettings): PreparedSource {
  return { cluster: undefined, open: (ctx) => openEks(settings, ctx) };
}

/** Assumes the role, describes the cluster and makes the first EKS token. */
export async function openEks(
  settings: EksSettings,
  ctx: SourceContext,
  timing?: Partial<StsTiming>,
): Promise<ClusterAccess & { session: AwsSession; described: DescribedCluster }> {
  const role = { ...settings.role, audience: ctx.audience ?? settings.role.audience };
  const aws = await openAwsSession(role, ctx.token, ctx.claims, { ...ctx, timing });
  const context: EksContext = {
    cluster: settings.cluster,
    region: role.region,
    partition: role.partition,
    accountId: aws.accountId,
    roleArn: role.roleArn,
    assumedRoleArn: aws.assumedRoleArn,
    namespace: ctx.namespace,
  };

  let described: DescribedCluster;
  try {
    described = await describeCluster(
      {
        cluster: settings.cluster,
        region: role.region,
        partition: role.partition,
        endpoint: settings.eksEndpoint,
        credentials: aws.credentials,
      },
      { logger: ctx.logger, timing },
    );
  } catch (error) {
    if (error instanceof EksRefusal) throw explainDescribeCluster(error, context);
    throw error;
  }
  // From EKS's answer: foreign text.
  ctx.logger.info(
    `EKS cluster ${foreign(settings.cluster, 100)}: API server ${foreign(described.endpoint)}`,
  );

  let credentials: AwsCredentials = aws.credentials;
  let credentialsEnd = Date.parse(aws.expiration);
  const stsEndpoint = stsEndpointUrl(role.region, role.partition, role.stsEndpoint);

  /** Fresh credentials when the current ones end within the margin (a long rollout). */
  const freshCredentials = async (): Promise<AwsCredentials> => {
    if (!(credentialsEnd - Date.now() < CREDENTIALS_MARGIN_MS)) return credentials;
    const idToken = await ctx.renewToken();
    const claims = () => decodeClaims(idToken);
    const assumed = await assumeRole(role, stsEndpoint, idToken, claims, { ...ctx, timing });
    credentials = assumed.credentials;
    credentialsEnd = Date.parse(assumed.expiration);
    ctx.logger.info(
      `The role's credentials were about to expire: assumed ${foreign(assumed.assumedRoleArn)} again (until ${foreign(assumed.expiration, 64)})`,
    );
    return credentials;
  };

  const presign = async () => {
    const current = await freshCredentials();
    const made = await createEksToken({
      cluster: settings.cluster,
      region: role.region,
      partition: role.partition,
      credentials: current,
    });
    ctx.mask(made.token);
    const exp = Math.min(made.expiresAt.getTime(), credentialsEnd) / 1000;
    return { token: made.token, exp: Math.floor(exp) };
  };

  const first = await presign();
  ctx.logger.info(
    `Made an EKS token for cluster ${foreign(settings.cluster, 100)} (renewed after ${new Date(first.exp * 1000).toISOString()})`,
  );
  return {
    cluster: {
      kind: 'server',
      server: described.endpoint,
      certificateAuthorityData: described.certificateAuthorityData,
    },
    credential: { ...first, renew: presign },
    pluginEnv: [
      { name: PLUGIN_ENV.cluster, value: settings.cluster },
      { name: PLUGIN_ENV.roleArn, value: role.roleArn },
      { name: PLUGIN_ENV.region, value: role.region },
      { name: PLUGIN_ENV.sessionName, value: role.roleSessionName },
      { name: PLUGIN_ENV.durationSeconds, value: String(role.durationSeconds) },
      { name: PLUGIN_ENV.stsEndpoint, value: stsEndpoint },
    ],
    explanations: { unauthorized: (doing) => explainEksUnauthorized(doing, context) },
    // aws mode's outputs too, and its exports unless eks-export-aws-credentials: false.
    report: joinReports(
      report({
        rows: [
          ['EKS cluster', `${md(settings.cluster)} (${md(described.endpoint)})`],
          ['EKS role', md(shownRoleArn(aws))],
          [
            'AWS credentials',
            settings.exportAwsCredentials ? `exported (${md(aws.region)})` : 'not exported',
          ],
        ],
      }),
      awsSessionReport(aws, settings.exportAwsCredentials),
    ),
    session: aws,
    described,
  };
}
