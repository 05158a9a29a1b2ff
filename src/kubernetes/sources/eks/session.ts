// eks-cluster: the role assumed as aws mode does, the cluster read with DescribeCluster, and an
// EKS token for the kubeconfig and the deploy, renewed by presigning again (and assuming the
// role again when its credentials near their end).
import { ActionError } from '../../../base/errors.js';
import type { EksSource } from '../../../action/inputs.js';
import type { ModeContext } from '../../../modes/contract.js';
import { decodeClaims } from '../../../oidc/claims.js';
import { foreign } from '../../../base/untrusted.js';
import { assumeRole, runAws, type AwsResult } from '../../../modes/aws/run.js';
import { stsEndpointUrl, type AwsCredentials, type StsTiming } from '../../../aws/sts.js';
import { describeCluster, EksRefusal, type DescribedCluster } from './describe-cluster.js';
import { explainDescribeCluster, explainEksUnauthorized, type EksContext } from './explain.js';
import { PLUGIN_ENV } from './plugin-env.js';
import { createEksToken } from './token.js';

/** The EKS part of a kubernetes result: the summary's rows, the AWS outputs and exports. */
export interface EksResult {
  cluster: string;
  endpoint: string;
  aws: AwsResult;
  exportAwsCredentials: boolean;
}

/** How the kubeconfig user and the deploy authenticate to an EKS cluster. */
export interface EksAuth {
  token: string;
  /** Seconds since the epoch: X-Amz-Date + 14 minutes (or the credentials' end, if sooner). */
  tokenExp: number;
  renewToken: () => Promise<{ token: string; exp: number }>;
  /** What the refresh plugin needs to make EKS tokens itself (kubeconfig exec env). */
  pluginEnv: Array<{ name: string; value: string }>;
  explainUnauthorized: (doing: string) => ActionError;
}

export interface EksSession {
  cluster: DescribedCluster;
  auth: EksAuth;
  result: EksResult;
}

/** Credentials this close to their end are renewed before presigning with them. */
const CREDENTIALS_MARGIN_MS = 5 * 60_000;

/** Assumes the role, describes the cluster and makes the first EKS token. */
export async function openEksSession(
  source: EksSource,
  ctx: ModeContext,
  namespace: string | undefined,
  timing?: Partial<StsTiming>,
): Promise<EksSession> {
  const settings = source.aws;
  const aws = await runAws(settings, ctx, timing);
  const context: EksContext = {
    cluster: source.cluster,
    region: settings.region,
    partition: settings.partition,
    accountId: aws.accountId,
    roleArn: settings.roleArn,
    assumedRoleArn: aws.assumedRoleArn,
    namespace,
  };

  let cluster: DescribedCluster;
  try {
    cluster = await describeCluster(
      {
        cluster: source.cluster,
        region: settings.region,
        partition: settings.partition,
        endpoint: source.eksEndpoint,
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
    `EKS cluster ${foreign(source.cluster, 100)}: API server ${foreign(cluster.endpoint)}`,
  );

  let credentials: AwsCredentials = aws.credentials;
  let credentialsEnd = Date.parse(aws.expiration);
  const stsEndpoint = stsEndpointUrl(settings.region, settings.partition, settings.stsEndpoint);

  /** Fresh credentials when the current ones end within the margin (a long rollout). */
  const freshCredentials = async (): Promise<AwsCredentials> => {
    if (!(credentialsEnd - Date.now() < CREDENTIALS_MARGIN_MS)) return credentials;
    const idToken = await ctx.renewToken();
    const claims = () => decodeClaims(idToken);
    const assumed = await assumeRole(settings, stsEndpoint, idToken, claims, ctx, timing);
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
      cluster: source.cluster,
      region: settings.region,
      partition: settings.partition,
      credentials: current,
    });
    ctx.mask(made.token);
    const exp = Math.min(made.expiresAt.getTime(), credentialsEnd) / 1000;
    return { token: made.token, exp: Math.floor(exp) };
  };

  const first = await presign();
  ctx.logger.info(
    `Made an EKS token for cluster ${foreign(source.cluster, 100)} (renewed after ${new Date(first.exp * 1000).toISOString()})`,
  );
  return {
    cluster,
    auth: {
      token: first.token,
      tokenExp: first.exp,
      renewToken: presign,
      pluginEnv: [
        { name: PLUGIN_ENV.cluster, value: source.cluster },
        { name: PLUGIN_ENV.roleArn, value: settings.roleArn },
        { name: PLUGIN_ENV.region, value: settings.region },
        { name: PLUGIN_ENV.sessionName, value: settings.roleSessionName },
        { name: PLUGIN_ENV.durationSeconds, value: String(settings.durationSeconds) },
        { name: PLUGIN_ENV.stsEndpoint, value: stsEndpoint },
      ],
      explainUnauthorized: (doing) => explainEksUnauthorized(doing, context),
    },
    result: {
      cluster: source.cluster,
      endpoint: cluster.endpoint,
      aws,
      exportAwsCredentials: source.exportAwsCredentials,
    },
  };
}
