import { ActionError } from '../base/errors.js';
import type { Claims } from '../oidc/claims.js';
import type { StsRefusal } from './sts.js';
import { foreign, inertQuoted } from '../base/untrusted.js';

/** What an explanation needs besides STS's answer. */
export interface RefusalContext {
  roleArn: string;
  partition: string;
  accountId: string;
  region: string;
  durationSeconds: number;
  /** The audience the token was requested for. */
  audience: string;
  claims: Claims;
}

export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: Array<{
    Effect: 'Allow';
    Principal: { Federated: string };
    Action: 'sts:AssumeRoleWithWebIdentity';
    Condition: Record<string, Record<string, string>>;
  }>;
}

/** `https://host/path` -> `host/path`: IAM's name for a provider and its condition keys. */
export function providerName(issuer: string): string {
  return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

export function providerArn(partition: string, accountId: string, issuer: string): string {
  return `arn:${partition}:iam::${accountId}:oidc-provider/${providerName(issuer)}`;
}

/** The audience STS compared: the requested one if the token carries it, else its first. */
function tokenAudience(context: RefusalContext): string {
  const { aud } = context.claims;
  return aud.includes(context.audience) ? context.audience : (aud[0] ?? context.audience);
}

/** A trust policy that admits a token with this issuer and audience, and `sub` as given. */
export function trustPolicy(
  context: RefusalContext,
  sub: string,
  subOperator: 'StringEquals' | 'StringLike',
): TrustPolicy {
  const key = providerName(context.claims.iss);
  const audience = { [`${key}:aud`]: tokenAudience(context) };
  const subject = { [`${key}:sub`]: sub };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {
          Federated: providerArn(context.partition, context.accountId, context.claims.iss),
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition:
          subOperator === 'StringEquals'
            ? { StringEquals: { ...audience, ...subject } }
            : { StringEquals: audience, StringLike: subject },
      },
    ],
  };
}

/** `repo:OWNER/REPO:ref:refs/heads/*` from the token's sub (or its repository claim). */
export function allBranchesSubject(claims: Claims): string | undefined {
  const fromSub = /^repo:([^:]+):/.exec(claims.sub)?.[1];
  const repository =
    fromSub ?? (typeof claims.extra['repository'] === 'string' ? claims.extra['repository'] : '');
  return repository ? `repo:${repository}:ref:refs/heads/*` : undefined;
}

/** Turns STS's final refusal into what to fix, naming the input or the AWS object at fault. */
export function explainRefusal(refusal: StsRefusal, context: RefusalContext): ActionError {
  // Code, message and request id are STS's text: foreign, bounded, one line.
  const said = `STS: ${foreign(refusal.code, 100)}${refusal.stsMessage ? `, "${foreign(refusal.stsMessage, 300)}"` : ''}${refusal.requestId ? `, request id ${foreign(refusal.requestId, 100)}` : ''}`;
  switch (refusal.code) {
    case 'AccessDenied':
      return new ActionError(
        `Input "role-to-assume": role ${context.roleArn} does not trust this ID token (${said}).`,
        accessDeniedHint(context),
      );
    case 'InvalidIdentityToken':
      return new ActionError(
        `AWS account ${context.accountId} does not accept ID tokens from ${foreign(context.claims.iss)} with audience "${foreign(tokenAudience(context))}" (${said}).`,
        invalidTokenHint(refusal.stsMessage, context),
      );
    case 'ExpiredTokenException':
      return new ActionError(
        `STS says the ID token has expired, even after a fresh one was requested (${said}).`,
        `The token's exp is ${new Date(context.claims.exp * 1000).toISOString()}. A fresh token that is already expired means the runner's clock is wrong: check its time synchronisation.`,
      );
    case 'IDPRejectedClaim':
      return new ActionError(
        `The identity provider rejected a claim of the ID token (${said}).`,
        `STS checked the token against ${foreign(context.claims.iss)} and a claim was refused or revoked. Re-run the job to get a new token; if it persists, compare the token's claims above with what the IAM OIDC provider for ${foreign(providerName(context.claims.iss))} expects.`,
      );
    case 'IDPCommunicationError':
      return new ActionError(
        `STS could not reach the issuer ${foreign(context.claims.iss)} to verify the ID token (${said}; ${attemptsText(refusal)}).`,
        `AWS fetches ${foreign(context.claims.iss)}/.well-known/openid-configuration and its jwks_uri from the internet: they must be publicly reachable over https. Re-run the job if the issuer was briefly down.`,
      );
    case 'Throttling':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return new ActionError(
        `STS kept throttling the request (${said}; ${attemptsText(refusal)}).`,
        'The account or region is over its STS request rate: re-run the job later, or spread jobs that assume roles at the same moment.',
      );
    case 'ValidationError':
      return validationError(refusal, said, context);
    case 'RegionDisabledException':
      return new ActionError(
        `Input "aws-region": STS is not activated in ${context.region} for account ${context.accountId} (${said}).`,
        `Activate the region's STS endpoint in IAM (Account settings, Security Token Service), or set "sts-endpoint" to the endpoint of a region where it is active.`,
      );
    case 'PackedPolicyTooLarge':
    case 'MalformedPolicyDocument':
      return sessionPolicyRefusal(refusal, said, false);
    default:
      return new ActionError(
        `STS refused to assume ${context.roleArn} (${said}; HTTP ${refusal.status}).`,
      );
  }
}

/**
 * STS's refusal of the session policies (both calls): PackedPolicyTooLarge (the policies, and
 * on AssumeRole the session tags, are too large once packed) or MalformedPolicyDocument.
 */
export function sessionPolicyRefusal(
  refusal: StsRefusal,
  said: string,
  tagged: boolean,
): ActionError {
  if (refusal.code === 'PackedPolicyTooLarge') {
    return new ActionError(
      `Inputs "inline-session-policy" and "managed-session-policies": STS says the session policies${tagged ? ' and tags' : ''} are too large once packed (${said}).`,
      [
        `The limit counts the inline session policy, the managed policy ARNs${tagged ? ' and the session tags' : ''} together, compressed.`,
        tagged
          ? 'The tags EventName, BaseRef, HeadRef, RunId, Job and TriggeringActor were already left out once. Send no session tags ("role-skip-session-tagging: true"), or shorten the session policies.'
          : 'Shorten "inline-session-policy" (wildcards in Action and Resource, fewer statements) or name fewer "managed-session-policies".',
      ].join(' '),
    );
  }
  return new ActionError(
    `Input "inline-session-policy" or "managed-session-policies" was refused by STS (${said}).`,
    'Check "inline-session-policy" against the IAM policy grammar (Effect, Action, Resource in every statement) and that every ARN in "managed-session-policies" names a policy that exists in the role\'s account or is AWS managed.',
  );
}

function attemptsText(refusal: StsRefusal): string {
  return `${refusal.attempts} attempt${refusal.attempts === 1 ? '' : 's'}`;
}

function accessDeniedHint(context: RefusalContext): string {
  const { claims } = context;
  const exact = trustPolicy(context, claims.sub, 'StringEquals');
  const branches = allBranchesSubject(claims);
  const lines = [
    'The trust policy of the role must admit this token, which has:',
    `  iss  ${foreign(claims.iss)}  (IAM provider ${foreign(providerName(claims.iss))})`,
    `  aud  ${foreign(tokenAudience(context))}`,
    `  sub  ${foreign(claims.sub)}`,
    `A trust policy that admits exactly this token (the principal is the IAM OIDC provider of that issuer in account ${context.accountId}):`,
    // Exact values (the policy must match the token), written inert for the log.
    inertQuoted(JSON.stringify(exact, null, 2)),
  ];
  if (branches) {
    lines.push(
      `To admit every branch of the repository instead, match sub with StringLike "${foreign(branches)}":`,
      inertQuoted(JSON.stringify(trustPolicy(context, branches, 'StringLike'), null, 2)),
    );
    if (!claims.sub.includes(':ref:refs/heads/')) {
      lines.push(
        "This job's sub is not a branch ref (jobs with an environment or on pull requests get their own sub): only the first policy admits it.",
      );
    }
  }
  lines.push(
    `STS also answers AccessDenied when the role does not exist: check the ARN ${context.roleArn}.`,
  );
  return lines.join('\n');
}

function invalidTokenHint(message: string, context: RefusalContext): string {
  // Claims are the issuer's text; the commands below are meant to be copied, so one line each.
  const issuer = foreign(context.claims.iss);
  const audience = foreign(tokenAudience(context));
  const arn = foreign(providerArn(context.partition, context.accountId, context.claims.iss));
  const create = `Create it: aws iam create-open-id-connect-provider --url ${issuer} --client-id-list ${audience} (Forgejo's provider URL is https://HOST/api/actions, the token's iss; GitHub's is https://token.actions.githubusercontent.com).`;
  const addAudience = `Add the audience to it: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${audience}, or set input "audience" to one it lists.`;
  if (/no openid ?connect provider/i.test(message)) {
    return `Account ${context.accountId} has no IAM OIDC identity provider for ${issuer}. ${create}`;
  }
  if (/audience/i.test(message)) {
    return `The IAM OIDC provider ${arn} does not list the audience "${audience}". ${addAudience}`;
  }
  if (/verification key|jwks|keys|thumbprint|certificate/i.test(message)) {
    return `AWS could not verify the token's signature with the keys of ${issuer}: ${issuer}/.well-known/openid-configuration and its jwks_uri must be reachable from the internet over https with a publicly trusted certificate.`;
  }
  return [
    `Check the IAM OIDC identity provider ${arn}:`,
    `- it must exist for ${issuer}. ${create}`,
    `- it must list the audience "${audience}". ${addAudience}`,
  ].join('\n');
}

function validationError(refusal: StsRefusal, said: string, context: RefusalContext): ActionError {
  const message = refusal.stsMessage;
  if (/duration/i.test(message)) {
    return new ActionError(
      `Input "role-duration-seconds" (${context.durationSeconds}) was refused (${said}).`,
      "It must not exceed the role's MaxSessionDuration (1 hour unless raised in IAM): lower it or raise the role's maximum.",
    );
  }
  if (/session ?name/i.test(message)) {
    return new ActionError(`Input "role-session-name" was refused (${said}).`);
  }
  if (/role ?arn/i.test(message)) {
    return new ActionError(`Input "role-to-assume" was refused (${said}).`);
  }
  return new ActionError(`STS refused the request as invalid (${said}).`);
}
