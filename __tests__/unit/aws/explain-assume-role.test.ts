// What a refused chained AssumeRole tells the user. The AccessDenied messages are IAM's:
// "User: CALLER is not authorized to perform: ACTION on resource: TARGET", optionally
// "because no identity-based policy allows the ACTION action" (or resource-based policy,
// session policy, permissions boundary) or "with an explicit deny in a service control policy";
// moto 5.2 says only "User: CALLER is not authorized to perform: sts:AssumeRole". The action
// is sts:TagSession when tags are sent and the trust policy does not allow tagging
// (configure-aws-credentials issue #1396).
import { describe, expect, it } from 'vitest';
import {
  explainAssumeRoleRefusal,
  parseNotAuthorized,
  trustedPrincipal,
  type ChainContext,
} from '../../../src/aws/explain-assume-role.js';
import { StsRefusal } from '../../../src/aws/sts.js';

const CALLER = 'arn:aws:sts::111122223333:assumed-role/first/oidc-deploy-org-app-42';
const TARGET = 'arn:aws:iam::444455556666:role/second';
const CONTEXT: ChainContext = {
  roleArn: TARGET,
  durationSeconds: 3600,
  tagged: false,
  region: 'eu-west-1',
  sourceFrom: 'AWS_ACCESS_KEY_ID',
};

function refusal(code: string, message: string, status = 403): StsRefusal {
  return new StsRefusal(code, message, status, 'req-1');
}

/** The JSON blocks of a hint: each starts at a line "{" and ends at the next line "}". */
function statementsIn(hint: string | undefined): Array<Record<string, unknown>> {
  return [...(hint ?? '').matchAll(/^\{\n[\s\S]*?\n\}$/gm)].map(
    (m) => JSON.parse(m[0]) as Record<string, unknown>,
  );
}

describe('parseNotAuthorized', () => {
  it('reads the caller, action, target and why', () => {
    expect(
      parseNotAuthorized(
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} because no resource-based policy allows the sts:AssumeRole action`,
      ),
    ).toEqual({
      principal: CALLER,
      action: 'sts:AssumeRole',
      resource: TARGET,
      noAllowIn: 'resource-based policy',
      explicitDenyIn: undefined,
    });
    expect(
      parseNotAuthorized(
        `User: ${CALLER} is not authorized to perform: sts:TagSession on resource: ${TARGET} with an explicit deny in a service control policy`,
      ),
    ).toMatchObject({ action: 'sts:TagSession', explicitDenyIn: 'service control policy' });
    expect(
      parseNotAuthorized(
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} because no permissions boundary allows the sts:AssumeRole action`,
      ),
    ).toMatchObject({ noAllowIn: 'permissions boundary' });
    // moto's form: no resource.
    expect(
      parseNotAuthorized(`User: ${CALLER} is not authorized to perform: sts:AssumeRole`),
    ).toMatchObject({
      principal: CALLER,
      resource: undefined,
    });
    expect(
      parseNotAuthorized('Not authorized to perform sts:AssumeRoleWithWebIdentity'),
    ).toBeUndefined();
  });

  it('names the role of a session for trust policies', () => {
    expect(trustedPrincipal(CALLER)).toBe('arn:aws:iam::111122223333:role/first');
    expect(trustedPrincipal('arn:aws-cn:sts::111122223333:assumed-role/r/s')).toBe(
      'arn:aws-cn:iam::111122223333:role/r',
    );
    expect(trustedPrincipal('arn:aws:iam::111122223333:user/ci')).toBe(
      'arn:aws:iam::111122223333:user/ci',
    );
  });
});

describe('explainAssumeRoleRefusal', () => {
  it('AccessDenied on sts:TagSession: the trust statement with sts:TagSession, or no tags', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:TagSession on resource: ${TARGET}`,
      ),
      { ...CONTEXT, tagged: true },
    );
    expect(error.message).toBe(
      `Input "role-to-assume": ${TARGET} lets ${CALLER} assume it, but not tag the session (STS: AccessDenied, "User: ${CALLER} is not authorized to perform: sts:TagSession on resource: ${TARGET}", request id req-1).`,
    );
    expect(statementsIn(error.hint)).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/first' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ]);
    expect(error.hint).toContain('role-skip-session-tagging: true');
    expect(error.hint).toContain(
      'The principal is the source role (with its path, if it has one: the session ARN names none).',
    );
  });

  it('AccessDenied on sts:TagSession without tags of ours: the transitive tags of the source', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:TagSession on resource: ${TARGET}`,
      ),
      CONTEXT,
    );
    expect(error.hint).toContain('transitive tags');
    expect(error.hint).not.toContain('role-skip-session-tagging');
  });

  it('AccessDenied by the trust policy: the statement to add to it', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} because no resource-based policy allows the sts:AssumeRole action`,
      ),
      CONTEXT,
    );
    expect(error.message).toMatch(
      /^Input "role-to-assume": arn:aws:sts::111122223333:assumed-role\/first\/\S+ may not assume arn:aws:iam::444455556666:role\/second \(STS: AccessDenied/,
    );
    expect(error.hint).toContain(
      `The trust policy of ${TARGET} does not admit arn:aws:iam::111122223333:role/first`,
    );
    expect(statementsIn(error.hint)).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/first' },
        Action: 'sts:AssumeRole',
      },
    ]);
  });

  it("AccessDenied by the caller's permissions: the statement for the source role", () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} because no identity-based policy allows the sts:AssumeRole action`,
      ),
      { ...CONTEXT, tagged: true },
    );
    expect(statementsIn(error.hint)).toEqual([
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: TARGET },
    ]);
    expect(error.hint).toContain('Session tags are sent, so sts:TagSession is in both statements');
  });

  it('AccessDenied without a reason (moto, older messages): both statements', () => {
    const error = explainAssumeRoleRefusal(
      refusal('AccessDenied', `User: ${CALLER} is not authorized to perform: sts:AssumeRole`),
      CONTEXT,
    );
    expect(statementsIn(error.hint)).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/first' },
        Action: 'sts:AssumeRole',
      },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: TARGET },
    ]);
    expect(error.hint).toContain('when the role does not exist');
    expect(error.hint).toContain('role-external-id');
  });

  it('an explicit deny: where it is, no statement to add', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} with an explicit deny in a service control policy`,
      ),
      CONTEXT,
    );
    expect(error.message).toContain('an explicit Deny (service control policy) stops');
    expect(statementsIn(error.hint)).toEqual([]);
  });

  it('a session policy of the source session', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'AccessDenied',
        `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${TARGET} because no session policy allows the sts:AssumeRole action`,
      ),
      CONTEXT,
    );
    expect(error.hint).toContain('inline-session-policy');
    expect(statementsIn(error.hint)).toEqual([
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: TARGET },
    ]);
  });

  it('the one-hour limit of a chained session', () => {
    const error = explainAssumeRoleRefusal(
      refusal(
        'ValidationError',
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
        400,
      ),
      { ...CONTEXT, durationSeconds: 7200 },
    );
    expect(error.message).toMatch(
      /^Input "role-duration-seconds" \(7200\) is more than a chained session may last/,
    );
    expect(error.hint).toContain('3600 s');
  });

  it('the source credentials: expired, unknown, wrong secret', () => {
    expect(
      explainAssumeRoleRefusal(
        refusal('ExpiredToken', 'The security token included in the request is expired'),
        CONTEXT,
      ).message,
    ).toMatch(/^The credentials in the environment \(AWS_ACCESS_KEY_ID\) have expired/);
    expect(
      explainAssumeRoleRefusal(
        refusal('InvalidClientTokenId', 'The security token included in the request is invalid.'),
        {
          ...CONTEXT,
          sourceFrom: 'profile first',
        },
      ).message,
    ).toContain('(profile first)');
    expect(
      explainAssumeRoleRefusal(
        refusal('SignatureDoesNotMatch', 'The request signature we calculated does not match'),
        CONTEXT,
      ).hint,
    ).toContain('special-characters-workaround');
  });

  it('policies and tags too large, a malformed policy', () => {
    expect(
      explainAssumeRoleRefusal(
        refusal('PackedPolicyTooLarge', 'Packed policy consumes 120%', 400),
        {
          ...CONTEXT,
          tagged: true,
        },
      ).hint,
    ).toContain('role-skip-session-tagging: true');
    expect(
      explainAssumeRoleRefusal(
        refusal('MalformedPolicyDocument', 'Syntax errors in policy.', 400),
        CONTEXT,
      ).hint,
    ).toContain('inline-session-policy');
  });

  it("escapes STS's text", () => {
    const error = explainAssumeRoleRefusal(
      refusal('AccessDenied', '::error::forged\nline'),
      CONTEXT,
    );
    expect(error.message).not.toMatch(/\n/);
    expect(error.message).toContain('\\u003a:error::forged\\nline');
  });
});
