import type { AwsSettings } from '../../action/inputs.js';
import type { ModeContext } from '../contract.js';
import type { Claims } from '../../oidc/claims.js';
import { explainRefusal } from '../../aws/explain.js';
import {
  assumeRoleWithWebIdentity,
  StsRefusal,
  stsEndpointUrl,
  type AssumedRole,
  type AwsCredentials,
  type StsTiming,
} from '../../aws/sts.js';
import { foreign } from '../../base/untrusted.js';

export type { AwsCredentials } from '../../aws/sts.js';

export interface AwsResult {
  mode: 'aws';
  region: string;
  /** The assumed-role session ARN STS returned. */
  assumedRoleArn: string;
  accountId: string;
  /** ISO 8601. */
  expiration: string;
  roleSessionName: string;
  credentials: AwsCredentials;
  maskAccountId: boolean;
  outputCredentials: boolean;
}

/** aws mode: AssumeRoleWithWebIdentity with the job's ID token; a refusal says what to fix. */
export async function runAws(
  settings: AwsSettings,
  ctx: ModeContext,
  timing?: Partial<StsTiming>,
): Promise<AwsResult> {
  // Before the first line that could name it.
  if (settings.maskAccountId) ctx.mask(settings.accountId);
  const endpoint = stsEndpointUrl(settings.region, settings.partition, settings.stsEndpoint);
  ctx.logger.info(
    `Assuming ${foreign(settings.roleArn)} as session ${foreign(settings.roleSessionName, 64)} for ${settings.durationSeconds} s (STS ${foreign(endpoint)})`,
  );

  const assumed = await assumeRole(settings, endpoint, ctx.token, () => ctx.claims, ctx, timing);

  // The account is the 5th field of arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION.
  const accountId = assumed.assumedRoleArn.split(':')[4] || settings.accountId;
  if (settings.maskAccountId && accountId !== settings.accountId) ctx.mask(accountId);
  // Both from STS's answer: foreign text (an ARN with a line break must stay one line).
  ctx.logger.info(
    `Assumed ${foreign(assumed.assumedRoleArn)}; the credentials expire at ${foreign(assumed.expiration, 64)}`,
  );
  return {
    mode: 'aws',
    region: settings.region,
    assumedRoleArn: assumed.assumedRoleArn,
    accountId,
    expiration: assumed.expiration,
    roleSessionName: settings.roleSessionName,
    credentials: assumed.credentials,
    maskAccountId: settings.maskAccountId,
    outputCredentials: settings.outputCredentials,
  };
}

/**
 * AssumeRoleWithWebIdentity with `token`; a refusal becomes the explanation of what to fix (the
 * trust policy that would admit the token's claims, the missing OIDC provider...).
 */
export async function assumeRole(
  settings: AwsSettings,
  endpoint: string,
  token: string,
  /** The token's claims, read only to explain a refusal. */
  claims: () => Claims,
  ctx: Pick<ModeContext, 'logger' | 'mask' | 'renewToken'>,
  timing?: Partial<StsTiming>,
): Promise<AssumedRole> {
  try {
    return await assumeRoleWithWebIdentity(
      {
        endpoint,
        roleArn: settings.roleArn,
        roleSessionName: settings.roleSessionName,
        durationSeconds: settings.durationSeconds,
        token,
      },
      { logger: ctx.logger, mask: ctx.mask, renewToken: ctx.renewToken, timing },
    );
  } catch (error) {
    if (!(error instanceof StsRefusal)) throw error;
    throw explainRefusal(error, {
      roleArn: settings.roleArn,
      partition: settings.partition,
      accountId: settings.accountId,
      region: settings.region,
      durationSeconds: settings.durationSeconds,
      audience: settings.audience,
      claims: claims(),
    });
  }
}
