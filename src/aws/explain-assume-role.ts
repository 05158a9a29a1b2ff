// What to fix when STS refuses a chained AssumeRole, in the style of explain.ts: the input or the
// AWS object at fault, and the policy statement that admits the request.
//
// STS's AccessDenied message names the caller, the action and the target (IAM's access-denied
// messages):
//   User: arn:aws:sts::111122223333:assumed-role/first/SESSION is not authorized to perform:
//   sts:AssumeRole on resource: arn:aws:iam::444455556666:role/second
// optionally followed by why: "because no identity-based policy allows the sts:AssumeRole
// action" (the caller's permissions), "because no resource-based policy allows ..." (the target
// role's trust policy), or "with an explicit deny in a service control policy" (or a resource
// control policy, a permissions boundary, a session policy, an identity-based or resource-based
// policy). The action is sts:TagSession when the request carries session tags the trust policy
// does not allow (configure-aws-credentials issue #1396), sts:AssumeRole otherwise.
// AssumeRole needs both: the target's trust policy must name the caller (or its account), and,
// across accounts or when the trust policy names only the account, the caller's own
// permissions must allow sts:AssumeRole (and sts:TagSession) on the target.
// A session chained from a role session lasts at most one hour: STS answers ValidationError
// "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role
// chaining."
import { ActionError } from '../base/errors.js';
import { foreign, inertQuoted } from '../base/untrusted.js';
import { sessionPolicyRefusal } from './explain.js';
import type { StsRefusal } from './sts.js';

export interface ChainContext {
  /** role-to-assume: the target role. */
  roleArn: string;
  durationSeconds: number;
  /** Whether the request carried session tags. */
  tagged: boolean;
  region: string;
  /** Where the source credentials came from ("AWS_ACCESS_KEY_ID", "profile NAME"). */
  sourceFrom: string;
}

/** The parts of IAM's "User: X is not authorized to perform: A on resource: R ..." message. */
export interface NotAuthorized {
  principal: string;
  action: string;
  resource: string | undefined;
  /** "identity-based policy", "resource-based policy", "session policy", "permissions boundary": what lacks an Allow. */
  noAllowIn: string | undefined;
  /** "service control policy", "permissions boundary", ...: the policy with the Deny. */
  explicitDenyIn: string | undefined;
}

export function parseNotAuthorized(message: string): NotAuthorized | undefined {
  const match =
    /User: (\S+) is not authorized to perform: ([\w-]+:[\w*]+)(?: on resource: (\S+?))?(?: because no ([\w -]+?) allows the \S+ action| with an explicit deny in an? ([\w -]+?))?\.?$/.exec(
      message.trim(),
    );
  if (!match) return undefined;
  return {
    principal: match[1] as string,
    action: match[2] as string,
    resource: match[3],
    noAllowIn: match[4],
    explicitDenyIn: match[5],
  };
}

/**
 * The ARN a trust policy names for a caller: the role of an assumed-role session
 * (`arn:P:sts::A:assumed-role/NAME/SESSION` -> `arn:P:iam::A:role/NAME`; the session ARN carries
 * no role path, so a role with a path needs it added), any other principal as it is.
 */
export function trustedPrincipal(callerArn: string): string {
  const m = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

function statementJson(value: unknown): string {
  return inertQuoted(JSON.stringify(value, null, 2));
}

/** A trust-policy statement that lets `principal` assume the role (and tag the session). */
export function trustStatement(principal: string, tagged: boolean): Record<string, unknown> {
  return {
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: tagged ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole',
  };
}

/** A permissions-policy statement that lets the caller assume `roleArn` (and tag the session). */
export function callerStatement(roleArn: string, tagged: boolean): Record<string, unknown> {
  return {
    Effect: 'Allow',
    Action: tagged ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole',
    Resource: roleArn,
  };
}

/** Turns STS's final refusal of AssumeRole into what to fix. */
export function explainAssumeRoleRefusal(refusal: StsRefusal, context: ChainContext): ActionError {
  const said = `STS: ${foreign(refusal.code, 100)}${refusal.stsMessage ? `, "${foreign(refusal.stsMessage, 400)}"` : ''}${refusal.requestId ? `, request id ${foreign(refusal.requestId, 100)}` : ''}`;
  const target = foreign(context.roleArn);
  switch (refusal.code) {
    case 'AccessDenied':
      return accessDenied(refusal, said, context);
    case 'ValidationError':
      if (/role chaining|1 hour session limit/i.test(refusal.stsMessage)) {
        return new ActionError(
          `Input "role-duration-seconds" (${context.durationSeconds}) is more than a chained session may last (${said}).`,
          'A session assumed with the credentials of another role session lasts at most 3600 s, whatever the role\'s MaxSessionDuration: set "role-duration-seconds" to 3600 or less for this step.',
        );
      }
      if (/duration/i.test(refusal.stsMessage)) {
        return new ActionError(
          `Input "role-duration-seconds" (${context.durationSeconds}) was refused (${said}).`,
          `It must not exceed the MaxSessionDuration of ${target} (1 hour unless raised in IAM), nor 3600 s for a chained session.`,
        );
      }
      if (/session ?name/i.test(refusal.stsMessage)) {
        return new ActionError(`Input "role-session-name" was refused (${said}).`);
      }
      if (/tag/i.test(refusal.stsMessage)) {
        return new ActionError(`STS refused the session tags (${said}).`);
      }
      return new ActionError(`STS refused the AssumeRole request as invalid (${said}).`);
    case 'ExpiredToken':
    case 'ExpiredTokenException':
      return new ActionError(
        `The credentials in the environment (${foreign(context.sourceFrom)}) have expired (${said}).`,
        'Role chaining starts from the session an earlier step exported: assume the first role again closer to this step, or give that step a longer "role-duration-seconds".',
      );
    case 'InvalidClientTokenId':
      return new ActionError(
        `STS does not know the access key in the environment (${foreign(context.sourceFrom)}) (${said}).`,
        'The key was deleted, belongs to another partition (aws-cn, aws-us-gov) than this STS endpoint, or its session token is missing or cut: check the step that exported AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.',
      );
    case 'SignatureDoesNotMatch':
      return new ActionError(
        `STS says the request was not signed with the secret of the access key in the environment (${foreign(context.sourceFrom)}) (${said}).`,
        'AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID, or was changed on its way (quoting, a shell that ate a character): if a tool in between cannot carry "+" or "/", set "special-characters-workaround: true" on the step that exported it.',
      );
    case 'PackedPolicyTooLarge':
    case 'MalformedPolicyDocument':
      return sessionPolicyRefusal(refusal, said, context.tagged);
    case 'RegionDisabledException':
      return new ActionError(
        `Input "aws-region": STS is not activated in ${foreign(context.region)} for this account (${said}).`,
        'Activate the region\'s STS endpoint in IAM (Account settings, Security Token Service), or use a region where it is active: its endpoint in "sts-endpoint" and the region in "aws-region" (AssumeRole is signed for "aws-region").',
      );
    case 'Throttling':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return new ActionError(
        `STS kept throttling the request (${said}; ${refusal.attempts} attempt${refusal.attempts === 1 ? '' : 's'}).`,
        'The account or region is over its STS request rate: re-run the job later, or spread jobs that assume roles at the same moment.',
      );
    default:
      return new ActionError(`STS refused to assume ${target} (${said}; HTTP ${refusal.status}).`);
  }
}

function accessDenied(refusal: StsRefusal, said: string, context: ChainContext): ActionError {
  const denied = parseNotAuthorized(refusal.stsMessage);
  const target = foreign(denied?.resource ?? context.roleArn);
  const caller = denied
    ? foreign(denied.principal)
    : `the credentials in the environment (${foreign(context.sourceFrom)})`;
  const principal = denied
    ? foreign(trustedPrincipal(denied.principal))
    : 'arn:aws:iam::SOURCE_ACCOUNT:role/SOURCE_ROLE';
  const withPath =
    denied && /:assumed-role\//.test(denied.principal)
      ? ' (with its path, if it has one: the session ARN names none)'
      : '';
  const trust = statementJson(trustStatement(principal, context.tagged));
  const permissions = statementJson(callerStatement(context.roleArn, context.tagged));

  if (denied?.explicitDenyIn) {
    return new ActionError(
      `Input "role-to-assume": an explicit Deny (${foreign(denied.explicitDenyIn, 60)}) stops ${caller} from ${foreign(denied.action, 60)} on ${target} (${said}).`,
      `An explicit Deny wins over every Allow: find the Deny statement for ${foreign(denied.action, 60)} in that ${foreign(denied.explicitDenyIn, 60)}${/session policy/.test(denied.explicitDenyIn) ? ' (the session policies of the step that exported these credentials)' : ''} and narrow it, or assume the role from another principal.`,
    );
  }

  if (denied?.action === 'sts:TagSession') {
    return new ActionError(
      `Input "role-to-assume": ${target} lets ${caller} assume it, but not tag the session (${said}).`,
      [
        context.tagged
          ? "This step sends session tags (as configure-aws-credentials does: Repository, Workflow, Branch...), and tagging needs sts:TagSession in the target role's trust policy besides sts:AssumeRole. Either allow it there:"
          : "This step sends no session tags of its own, but the source session has transitive tags (an earlier AssumeRole with transitive-tag-keys, EKS Pod Identity), which pass on only with sts:TagSession. Allow it in the target role's trust policy:",
        trust,
        `The principal is the source role${withPath}.`,
        context.tagged
          ? 'or send no session tags from this step: "role-skip-session-tagging: true".'
          : '',
        denied.noAllowIn === 'identity-based policy'
          ? `The source role's own permissions must allow it too (the roles are in different accounts, or the trust policy names the account):\n${permissions}`
          : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  const lines: string[] = [];
  if (denied?.noAllowIn === 'identity-based policy') {
    lines.push(
      `The permissions of ${principal} do not allow sts:AssumeRole on the target (needed when the roles are in different accounts, or the trust policy names only the account, :root). Add to a policy of the source role:`,
      permissions,
    );
  } else if (
    denied?.noAllowIn === 'session policy' ||
    denied?.noAllowIn === 'permissions boundary'
  ) {
    lines.push(
      denied.noAllowIn === 'session policy'
        ? `The source session was given session policies (by the step that exported its credentials: "inline-session-policy", "managed-session-policies") that do not allow sts:AssumeRole on the target. Add to them:`
        : `The permissions boundary of ${principal} does not allow sts:AssumeRole on the target. Add to it:`,
      permissions,
    );
  } else if (denied?.noAllowIn === 'resource-based policy') {
    lines.push(
      `The trust policy of ${target} does not admit ${principal}${withPath}. Add this statement to it:`,
      trust,
    );
  } else {
    lines.push(
      'AssumeRole needs both of these:',
      `1. the trust policy of ${target} admits the source role${withPath}:`,
      trust,
      `2. across accounts (or when that trust policy names only the account, :root), a policy of ${principal} allows:`,
      permissions,
    );
  }
  if (context.tagged) {
    lines.push(
      'Session tags are sent, so sts:TagSession is in both statements; without it STS refuses with sts:TagSession (or send no tags: "role-skip-session-tagging: true").',
    );
  }
  lines.push(
    `STS also answers AccessDenied when the role does not exist (check the ARN ${foreign(context.roleArn)}), or when its trust policy requires an sts:ExternalId ("role-external-id") this step did not send.`,
  );
  return new ActionError(
    `Input "role-to-assume": ${caller} may not assume ${target} (${said}).`,
    lines.join('\n'),
  );
}
