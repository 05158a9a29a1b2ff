// The role assumed with the job's ID token: aws mode's whole work, and the EKS source's first.
import type { Logger } from '../base/logger.js';
import { foreign } from '../base/untrusted.js';
import { accountOfArn } from './account-ids.js';
import type { Claims } from '../oidc/claims.js';
import type { MaskSecret } from '../oidc/token.js';
import { explainRefusal } from './explain.js';
import type { SessionPolicies } from './session-policy.js';
import type { AwsRole } from './settings.js';
import {
  assumeRoleWithWebIdentity,
  StsRefusal,
  stsEndpointUrl,
  type AssumedRole,
  type AwsCredentials,
  type StsTiming,
} from './sts.js';

export type { AwsCredentials } from './sts.js';

/** The session STS gave: what aws mode outputs and exports. */
export interface AwsSession {
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

export interface AssumeDeps {
  logger: Logger;
  mask: MaskSecret;
  /** A fresh ID token, for STS's retry after IDPRejectedClaim or an expired token. */
  renewToken: () => Promise<string>;
  timing?: Partial<StsTiming> | undefined;
}

/** AssumeRoleWithWebIdentity with the ID token, said in the log; a refusal says what to fix. */
export async function openAwsSession(
  role: AwsRole,
  token: string,
  claims: Claims,
  deps: AssumeDeps,
): Promise<AwsSession> {
  // Before the first line that could name it.
  if (role.maskAccountId) deps.mask(role.accountId);
  const endpoint = stsEndpointUrl(role.region, role.partition, role.stsEndpoint);
  deps.logger.info(
    `Assuming ${foreign(role.roleArn)} as session ${foreign(role.roleSessionName, 64)} for ${role.durationSeconds} s (STS ${foreign(endpoint)})`,
  );
  const assumed = await assumeRole(role, endpoint, token, () => claims, deps);
  return awsSession(role, assumed, deps);
}

/** The session of STS's answer, said in the log; its account masked with mask-aws-account-id. */
export function awsSession(
  role: AwsRole,
  assumed: AssumedRole,
  deps: Pick<AssumeDeps, 'logger' | 'mask'>,
): AwsSession {
  // The account is the 5th field of arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION.
  const accountId = accountOfArn(assumed.assumedRoleArn) ?? role.accountId;
  if (role.maskAccountId && accountId !== role.accountId) deps.mask(accountId);
  // Both from STS's answer: foreign text (an ARN with a line break must stay one line).
  deps.logger.info(
    `Assumed ${foreign(assumed.assumedRoleArn)}; the credentials expire at ${foreign(assumed.expiration, 64)}`,
  );
  return {
    region: role.region,
    assumedRoleArn: assumed.assumedRoleArn,
    accountId,
    expiration: assumed.expiration,
    roleSessionName: role.roleSessionName,
    credentials: assumed.credentials,
    maskAccountId: role.maskAccountId,
    outputCredentials: role.outputCredentials,
  };
}

/**
 * AssumeRoleWithWebIdentity with `token`; a refusal becomes the explanation of what to fix (the
 * trust policy that would admit the token's claims, the missing OIDC provider...).
 */
export async function assumeRole(
  role: AwsRole & { policies?: SessionPolicies | undefined },
  endpoint: string,
  token: string,
  /** The token's claims, read only to explain a refusal. */
  claims: () => Claims,
  deps: AssumeDeps,
): Promise<AssumedRole> {
  try {
    return await assumeRoleWithWebIdentity(
      {
        endpoint,
        roleArn: role.roleArn,
        roleSessionName: role.roleSessionName,
        durationSeconds: role.durationSeconds,
        token,
        policies: role.policies,
      },
      { logger: deps.logger, mask: deps.mask, renewToken: deps.renewToken, timing: deps.timing },
    );
  } catch (error) {
    if (!(error instanceof StsRefusal)) throw error;
    throw explainRefusal(error, { ...role, claims: claims() });
  }
}
