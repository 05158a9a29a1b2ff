// The EKS source's half of the credential plugin (dist/credential.js with OIDC_DEPLOY_SOURCE=eks
// in the kubeconfig's exec env): the fresh ID token assumes the role again, and a new EKS token is
// presigned with the session, so a later kubectl works past the token's 15 minutes and the
// session's end with no AWS keys in the job's environment.
import { ActionError } from '../../../base/errors.js';
import { decodeClaims } from '../../../oidc/claims.js';
import { explainRefusal } from '../../../aws/explain.js';
import { assumeRoleWithWebIdentity, StsRefusal } from '../../../aws/sts.js';
import type { MintRequest } from '../contract.js';
import { PLUGIN_ENV } from './plugin-env.js';
import { createEksToken } from './token.js';

/** STS within the plugin's 30 s: the ID token request has had its share already. */
const PLUGIN_STS_TIMING = { deadlineMs: 12_000, requestTimeoutMs: 6_000 };

/** An EKS token and its expiry, made with the role the kubeconfig's exec env names. */
export async function mint({
  env,
  idToken,
  audience,
  logger,
  renewIdToken,
}: MintRequest): Promise<{ token: string; expiresAt: Date }> {
  const read = (name: string): string => {
    const value = env[name];
    if (!value) {
      throw new ActionError(
        `The kubeconfig's exec env has no ${name}: it was not written by this action's EKS mode.`,
        'Run the action with eks-cluster again to write a new kubeconfig.',
      );
    }
    return value;
  };
  const cluster = read(PLUGIN_ENV.cluster);
  const roleArn = read(PLUGIN_ENV.roleArn);
  const region = read(PLUGIN_ENV.region);
  const durationSeconds = Number(read(PLUGIN_ENV.durationSeconds));
  const partition = /^arn:([\w-]+):/.exec(roleArn)?.[1] ?? 'aws';
  let assumed;
  try {
    assumed = await assumeRoleWithWebIdentity(
      {
        endpoint: read(PLUGIN_ENV.stsEndpoint),
        roleArn,
        roleSessionName: read(PLUGIN_ENV.sessionName),
        durationSeconds,
        token: idToken,
      },
      { logger, mask: () => {}, renewToken: renewIdToken, timing: PLUGIN_STS_TIMING },
    );
  } catch (error) {
    if (!(error instanceof StsRefusal)) throw error;
    throw explainRefusal(error, {
      roleArn,
      partition,
      accountId: roleArn.split(':')[4] ?? '',
      region,
      durationSeconds,
      audience: audience ?? '',
      claims: decodeClaims(idToken),
    });
  }
  const made = await createEksToken({
    cluster,
    region,
    partition,
    credentials: assumed.credentials,
  });
  const end = Math.min(made.expiresAt.getTime(), Date.parse(assumed.expiration) || Infinity);
  logger.info(`made an EKS token for cluster ${cluster} as ${assumed.assumedRoleArn}`);
  return { token: made.token, expiresAt: new Date(end) };
}
