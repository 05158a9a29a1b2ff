// explain.ts: every STS refusal becomes one message naming what is at fault, and AccessDenied
// becomes a trust policy that would admit the token.
import { describe, expect, it } from 'vitest';
import {
  allBranchesSubject,
  explainRefusal,
  providerArn,
  type RefusalContext,
} from '../../../src/aws/explain.js';
import { StsRefusal } from '../../../src/aws/sts.js';
import type { Claims } from '../../../src/oidc/claims.js';
import { policiesIn } from '../../fixtures/sts.js';

function claims(overrides: Partial<Claims> = {}): Claims {
  return {
    iss: 'https://forge.example/api/actions',
    sub: 'repo:org/app:ref:refs/heads/main',
    aud: ['sts.amazonaws.com'],
    exp: 1_900_000_000,
    extra: { repository: 'org/app' },
    ...overrides,
  };
}

function context(overrides: Partial<RefusalContext> = {}): RefusalContext {
  return {
    roleArn: 'arn:aws:iam::111122223333:role/deploy',
    partition: 'aws',
    accountId: '111122223333',
    region: 'eu-west-1',
    durationSeconds: 3600,
    audience: 'sts.amazonaws.com',
    claims: claims(),
    ...overrides,
  };
}

describe('AccessDenied', () => {
  const refusal = new StsRefusal(
    'AccessDenied',
    'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    403,
    'req-1',
  );

  it('names role-to-assume and shows the token iss, aud and sub', () => {
    const error = explainRefusal(refusal, context());
    expect(error.message).toBe(
      'Input "role-to-assume": role arn:aws:iam::111122223333:role/deploy does not trust this ID token (STS: AccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity", request id req-1).',
    );
    expect(error.hint).toContain(
      'iss  https://forge.example/api/actions  (IAM provider forge.example/api/actions)',
    );
    expect(error.hint).toContain('aud  sts.amazonaws.com');
    expect(error.hint).toContain('sub  repo:org/app:ref:refs/heads/main');
  });

  it('gives an exact trust policy and a StringLike one for all branches', () => {
    const [exact, branches, more] = policiesIn(explainRefusal(refusal, context()).hint ?? '');
    expect(more).toBeUndefined();
    const principal = 'arn:aws:iam::111122223333:oidc-provider/forge.example/api/actions';
    expect(exact).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: principal },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'forge.example/api/actions:aud': 'sts.amazonaws.com',
              'forge.example/api/actions:sub': 'repo:org/app:ref:refs/heads/main',
            },
          },
        },
      ],
    });
    expect(branches?.Statement[0]?.Principal.Federated).toBe(principal);
    expect(branches?.Statement[0]?.Condition).toEqual({
      StringEquals: { 'forge.example/api/actions:aud': 'sts.amazonaws.com' },
      StringLike: { 'forge.example/api/actions:sub': 'repo:org/app:ref:refs/heads/*' },
    });
  });

  it('uses the GitHub issuer, another partition and the requested audience among several', () => {
    const error = explainRefusal(
      refusal,
      context({
        roleArn: 'arn:aws-cn:iam::222233334444:role/x',
        partition: 'aws-cn',
        accountId: '222233334444',
        audience: 'custom',
        claims: claims({
          iss: 'https://token.actions.githubusercontent.com',
          aud: ['other', 'custom'],
          sub: 'repo:octo/web:environment:prod',
        }),
      }),
    );
    const [exact, branches] = policiesIn(error.hint ?? '');
    expect(exact?.Statement[0]?.Principal.Federated).toBe(
      'arn:aws-cn:iam::222233334444:oidc-provider/token.actions.githubusercontent.com',
    );
    expect(exact?.Statement[0]?.Condition['StringEquals']).toEqual({
      'token.actions.githubusercontent.com:aud': 'custom',
      'token.actions.githubusercontent.com:sub': 'repo:octo/web:environment:prod',
    });
    expect(branches?.Statement[0]?.Condition['StringLike']).toEqual({
      'token.actions.githubusercontent.com:sub': 'repo:octo/web:ref:refs/heads/*',
    });
    expect(error.hint).toContain('not a branch ref');
  });
});

describe.each([
  [
    'No OpenIDConnect provider found in your account for https://forge.example/api/actions',
    'aws iam create-open-id-connect-provider --url https://forge.example/api/actions --client-id-list sts.amazonaws.com',
  ],
  [
    'Incorrect token audience',
    'add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/forge.example/api/actions --client-id sts.amazonaws.com',
  ],
  [
    "Couldn't retrieve verification key from your identity provider",
    'https://forge.example/api/actions/.well-known/openid-configuration and its jwks_uri must be reachable',
  ],
  ['Something else', 'it must exist for https://forge.example/api/actions'],
])('InvalidIdentityToken "%s"', (message, expected) => {
  it('says what to create or change', () => {
    const error = explainRefusal(
      new StsRefusal('InvalidIdentityToken', message, 400, 'r'),
      context(),
    );
    expect(error.message).toContain(
      'AWS account 111122223333 does not accept ID tokens from https://forge.example/api/actions with audience "sts.amazonaws.com"',
    );
    expect(error.hint).toContain(expected);
  });
});

describe('other refusals: one sentence each, naming the input where there is one', () => {
  it.each([
    [
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      /^Input "role-duration-seconds" \(3600\) was refused/,
    ],
    [
      'ValidationError',
      "Value 'x' at 'roleSessionName' failed to satisfy constraint",
      /^Input "role-session-name" was refused/,
    ],
    [
      'RegionDisabledException',
      'STS is not activated in this region',
      /^Input "aws-region": STS is not activated in eu-west-1/,
    ],
    ['Throttling', 'Rate exceeded', /^STS kept throttling the request \(.*; 5 attempts\)\.$/],
    [
      'IDPCommunicationError',
      'unreachable',
      /^STS could not reach the issuer https:\/\/forge\.example\/api\/actions/,
    ],
    ['IDPRejectedClaim', 'rejected', /^The identity provider rejected a claim/],
    ['ExpiredTokenException', 'Token expired', /even after a fresh one was requested/],
    [
      'SomethingNew',
      'huh',
      /^STS refused to assume arn:aws:iam::111122223333:role\/deploy \(STS: SomethingNew/,
    ],
  ])('%s: %s', (code, message, pattern) => {
    const error = explainRefusal(new StsRefusal(code, message, 400, undefined, 5), context());
    expect(error.message).toMatch(pattern);
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

describe('helpers', () => {
  it.each([
    [claims(), 'repo:org/app:ref:refs/heads/*'],
    [claims({ sub: 'repo:org@1/app@2:pull_request' }), 'repo:org@1/app@2:ref:refs/heads/*'],
    [claims({ sub: 'custom-subject', extra: { repository: 'o/r' } }), 'repo:o/r:ref:refs/heads/*'],
    [claims({ sub: 'custom-subject', extra: {} }), undefined],
  ])('allBranchesSubject %#', (c, expected) => {
    expect(allBranchesSubject(c)).toBe(expected);
  });

  it('providerArn strips the scheme and a trailing slash', () => {
    expect(providerArn('aws', '1', 'https://h.example/p/')).toBe(
      'arn:aws:iam::1:oidc-provider/h.example/p',
    );
  });
});
