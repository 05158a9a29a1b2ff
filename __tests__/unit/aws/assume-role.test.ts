// openAwsSession (aws mode's run, the EKS source's first step) with the test STS: the result, the order of masking and logging, refusals explained.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAwsSession } from '../../../src/aws/assume-role.js';
import { ActionError } from '../../../src/base/errors.js';
import type { ModeContext } from '../../../src/modes/contract.js';
import { policiesIn, startSts, type TestSts } from '../../fixtures/sts.js';
import type { AwsSettings } from '../../../src/modes/aws/index.js';
import { NO_SESSION_POLICIES } from '../../../src/aws/session-policy.js';

let sts: TestSts;
beforeAll(async () => {
  sts = await startSts();
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.faults.length = 0;
  sts.always = undefined;
});

function settings(overrides: Partial<AwsSettings> = {}): AwsSettings {
  return {
    mode: 'aws',
    audience: 'sts.amazonaws.com',
    showClaims: true,
    verifyToken: false,
    roleArn: 'arn:aws:iam::111122223333:role/ci/deploy',
    partition: 'aws',
    accountId: '111122223333',
    region: 'eu-west-1',
    roleSessionName: 'oidc-deploy-org-app-42',
    durationSeconds: 900,
    stsEndpoint: sts.url,
    maskAccountId: false,
    outputCredentials: false,
    chaining: undefined,
    policies: NO_SESSION_POLICIES,
    outputEnvCredentials: true,
    profile: undefined,
    specialCharactersWorkaround: false,
    allowedAccountIds: undefined,
    ecrLogin: undefined,
    ecrEndpoint: undefined,
    ...overrides,
  };
}

/** A context whose log and masks land in one ordered list. */
function context(): ModeContext & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    token: 'header.payload.signature',
    claims: {
      iss: 'https://forge.example/api/actions',
      sub: 'repo:org/app:ref:refs/heads/main',
      aud: ['sts.amazonaws.com'],
      exp: 1_900_000_000,
      extra: {},
    },
    audience: 'sts.amazonaws.com',
    renewToken: async () => 'fresh.token.here',
    logger: {
      debug: (m) => events.push(`debug ${m}`),
      info: (m) => events.push(`info ${m}`),
      warning: (m) => events.push(`warning ${m}`),
    },
    mask: (s) => events.push(`mask ${s}`),
    files: { write: () => '' },
    env: {},
    saveState: () => undefined,
  };
}

const runAws = (s: AwsSettings, ctx: ModeContext) => openAwsSession(s, ctx.token, ctx.claims, ctx);

describe('openAwsSession', () => {
  it('returns the assumed role, its account (5th ARN field), expiry and masked credentials', async () => {
    const ctx = context();
    const result = await runAws(settings(), ctx);
    const issued = sts.issued.at(-1);
    expect(result).toMatchObject({
      region: 'eu-west-1',
      assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/deploy/oidc-deploy-org-app-42',
      accountId: '111122223333',
      roleSessionName: 'oidc-deploy-org-app-42',
      credentials: {
        accessKeyId: issued?.accessKeyId,
        secretAccessKey: issued?.secretAccessKey,
        sessionToken: issued?.sessionToken,
      },
    });
    expect(Date.parse(result.expiration) - Date.now()).toBeGreaterThan(890_000);
    expect(result.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const firstLogAfterSts = ctx.events.findIndex((e) => e.startsWith('info Assumed'));
    for (const secret of [issued?.secretAccessKey, issued?.sessionToken, issued?.accessKeyId]) {
      const masked = ctx.events.indexOf(`mask ${secret}`);
      expect(masked).toBeGreaterThanOrEqual(0);
      expect(masked).toBeLessThan(firstLogAfterSts);
    }
  });

  it('masks the account id before the first line that names it, with mask-aws-account-id', async () => {
    const ctx = context();
    await runAws(settings({ maskAccountId: true }), ctx);
    expect(ctx.events[0]).toBe('mask 111122223333');
    expect(ctx.events.filter((e) => e.includes('111122223333')).length).toBeGreaterThan(1);
  });

  it('turns AccessDenied into a trust policy for the token', async () => {
    sts.always = { code: 'AccessDenied' };
    const error = await runAws(settings(), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ActionError);
    const [policy] = policiesIn((error as ActionError).hint ?? '');
    expect(policy?.Statement[0]?.Principal.Federated).toBe(
      'arn:aws:iam::111122223333:oidc-provider/forge.example/api/actions',
    );
  });
});
