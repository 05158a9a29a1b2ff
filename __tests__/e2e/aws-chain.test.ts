// The next aws-mode pieces against moto, with moto's authorization on (every SigV4 signature
// recomputed, the session token checked, the caller's policies and the target's trust policy
// evaluated: fixtures/moto-recorder.ts), and each result proved with the real aws CLI:
// - role chaining: AssumeRoleWithWebIdentity (sts.ts) for `first`, then sts:AssumeRole of
//   `second` signed with first's credentials, with configure-aws-credentials' session tags,
//   a transitive key and session policies; `aws sts get-caller-identity` with the chained
//   credentials answers second's session; moto's recording shows what reached STS;
// - a trust policy that does not admit the caller: moto's AccessDenied, explained;
// - session policies on AssumeRoleWithWebIdentity (sts-form.ts's body, which sts.ts does not
//   send yet): moto's recording and its data.json show Policy and PolicyArns arrived;
// - allowed-account-ids refuses the account of a chained session in another account;
// - special-characters-workaround: sessions until a secret without "+" or "/";
// - aws-profile: the files, used by `aws --profile`, and role chaining from AWS_PROFILE.
// moto facts relied on: roles need not exist for AssumeRoleWithWebIdentity (any token), a
// session's account is its role ARN's, GetCallerIdentity answers a session's assumed-role ARN,
// the trust policy's Principal.AWS must list the caller's session ARN itself.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllowedAccount, accountOfArn } from '../../src/aws/account-ids.js';
import { chainRole, chainSourceCredentials } from '../../src/aws/chain.js';
import { explainAssumeRoleRefusal } from '../../src/aws/explain-assume-role.js';
import { profileFiles } from '../../src/aws/profile.js';
import {
  parseInlineSessionPolicy,
  parseManagedSessionPolicies,
} from '../../src/aws/session-policy.js';
import { jobSessionTags } from '../../src/aws/session-tags.js';
import {
  hasSpecialCharacters,
  withoutSpecialCharacters,
} from '../../src/aws/special-characters.js';
import type { SigningCredentials } from '../../src/aws/sigv4.js';
import { webIdentityForm } from '../../src/aws/sts-form.js';
import {
  assumeRoleWithWebIdentity,
  parseSuccess,
  StsRefusal,
  type AssumedRole,
} from '../../src/aws/sts.js';
import { ActionError } from '../../src/base/errors.js';
import { createHttpClient } from '../../src/net/http.js';
import {
  awsCli,
  formOf,
  startRecordingMoto,
  type RecordingMoto,
} from '../fixtures/moto-recorder.js';
import { tempDir } from '../helpers/temp.js';
import { recordingLogger } from '../helpers/logger.js';

const ACCOUNT = '123456789012'; // moto's default account: IAM roles created here live in it
const OTHER_ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const FIRST = `arn:aws:iam::${ACCOUNT}:role/first`;
const SECOND = `arn:aws:iam::${ACCOUNT}:role/second`;
const LOCKED = `arn:aws:iam::${ACCOUNT}:role/locked`;
const FIRST_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/first/oidc-deploy-org-app-42`;
const JOB_ENV = {
  GITHUB_REPOSITORY: 'org/app',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_ACTION: '__run',
  GITHUB_ACTOR: 'alice',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_RUN_ID: '42',
  GITHUB_JOB: 'deploy',
};
const POLICY = `{
  "Version": "2012-10-17",
  "Statement": [{ "Effect": "Allow", "Action": ["s3:GetObject", "sts:GetCallerIdentity"], "Resource": "*" }]
}`;

let moto: RecordingMoto;
let first: AssumedRole;
const masked: string[] = [];
const deps = () => ({
  logger: recordingLogger(),
  mask: (s: string) => masked.push(s),
  timing: { baseDelayMs: 1, maxDelayMs: 5 },
});

function trust(principal: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: [principal] },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ],
  });
}

async function callerArn(
  credentials: AssumedRole['credentials'],
  env: Record<string, string> = {},
) {
  const out = await awsCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], {
    credentials,
    env,
  });
  return (JSON.parse(out) as { Arn: string }).Arn;
}

function chain(source: SigningCredentials, extra: Partial<Parameters<typeof chainRole>[0]> = {}) {
  return chainRole(
    {
      endpoint: `${moto.url}/`,
      region: REGION,
      source,
      roleArn: SECOND,
      roleSessionName: 'chained',
      durationSeconds: 3600,
      ...extra,
    },
    deps(),
  );
}

beforeAll(async () => {
  moto = await startRecordingMoto();
  await moto.iam({
    Action: 'CreateRole',
    RoleName: 'first',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/forge.example/api/actions`,
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
        },
      ],
    }),
  });
  await moto.iam({
    Action: 'PutRolePolicy',
    RoleName: 'first',
    PolicyName: 'chain',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }],
    }),
  });
  await moto.iam({
    Action: 'CreateRole',
    RoleName: 'second',
    AssumeRolePolicyDocument: trust(FIRST_SESSION),
  });
  await moto.iam({
    Action: 'CreateRole',
    RoleName: 'locked',
    AssumeRolePolicyDocument: trust(`arn:aws:sts::${ACCOUNT}:assumed-role/someone-else/s`),
  });
  // The web identity session, while moto still answers unsigned requests.
  first = await assumeRoleWithWebIdentity(
    {
      endpoint: `${moto.url}/`,
      roleArn: FIRST,
      roleSessionName: 'oidc-deploy-org-app-42',
      durationSeconds: 3600,
      token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9hcHAifQ.c2ln',
    },
    { ...deps(), renewToken: () => Promise.reject(new Error('not needed')) },
  );
  expect(first.assumedRoleArn).toBe(FIRST_SESSION);
});

afterAll(async () => {
  await moto?.stop();
});

describe('role chaining against moto', () => {
  it('web identity session, session policies on AssumeRoleWithWebIdentity (recorded by moto)', async () => {
    const policies = {
      inline: parseInlineSessionPolicy(POLICY),
      managedArns: parseManagedSessionPolicies(
        'arn:aws:iam::aws:policy/ReadOnlyAccess\narn:aws:iam::123456789012:policy/deploy-limits',
        'aws',
      ),
    };
    await moto.resetRecording();
    const body = webIdentityForm(
      { roleArn: FIRST, roleSessionName: 'with-policies', durationSeconds: 900, policies },
      'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    );
    const answer = await createHttpClient(5000).post(`${moto.url}/`, body, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(answer.status).toBe(200);
    const session = parseSuccess(answer.body, () => undefined);
    const [request] = await moto.recorded();
    const form = formOf(request as NonNullable<typeof request>);
    expect(form.get('Action')).toBe('AssumeRoleWithWebIdentity');
    expect(form.get('Policy')).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","sts:GetCallerIdentity"],"Resource":"*"}]}',
    );
    expect(form.getAll('PolicyArns.member.1.arn')).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
    ]);
    expect(form.getAll('PolicyArns.member.2.arn')).toEqual([
      'arn:aws:iam::123456789012:policy/deploy-limits',
    ]);
    // moto parsed the Policy parameter into the session it issued.
    const sessions = (await moto.data())['sts']?.['AssumedRole'] as Array<{
      arn: string;
      policy: string | null;
    }>;
    expect(sessions.find((s) => s.arn.endsWith('/first/with-policies'))?.policy).toBe(
      form.get('Policy'),
    );
    expect(await callerArn(session.credentials)).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/first/with-policies`,
    );
  });

  it('assumes the second role with the first session, signed (moto checks), tagged, with policies', async () => {
    await moto.authorization(true);
    await moto.resetRecording();
    const tags = jobSessionTags(JOB_ENV);
    const second = await chain(first.credentials, {
      tags,
      transitiveTagKeys: ['Repository'],
      policies: {
        inline: parseInlineSessionPolicy(POLICY),
        managedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      },
    });
    expect(second.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/second/chained`);
    expect(masked).toEqual(
      expect.arrayContaining([second.credentials.secretAccessKey, second.credentials.sessionToken]),
    );

    // The aws CLI, with nothing but the chained credentials: the second role's session.
    expect(await callerArn(second.credentials)).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/second/chained`,
    );

    const recorded = await moto.recorded();
    const request = recorded.find((r) => formOf(r).get('Action') === 'AssumeRole');
    expect(request?.headers['Authorization']).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${first.credentials.accessKeyId}/\\d{8}/${REGION}/sts/aws4_request, `,
      ),
    );
    expect(request?.headers['X-Amz-Security-Token']).toBe(first.credentials.sessionToken);
    const form = formOf(request as NonNullable<typeof request>);
    expect(form.get('RoleArn')).toBe(SECOND);
    expect(form.get('Tags.member.2.Key')).toBe('Repository');
    expect(form.get('Tags.member.2.Value')).toBe('org/app');
    expect(form.get('TransitiveTagKeys.member.1')).toBe('Repository');
    expect(form.get('PolicyArns.member.1.arn')).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess');
    expect(JSON.parse(form.get('Policy') ?? '')).toEqual(JSON.parse(POLICY));

    // The control: moto does check the signature (a wrong secret is refused, and explained).
    const forged = await chain({ ...first.credentials, secretAccessKey: 'wrong' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await moto.authorization(false);
    expect(forged).toBeInstanceOf(StsRefusal);
    expect((forged as StsRefusal).code).toBe('SignatureDoesNotMatch');
    expect(
      explainAssumeRoleRefusal(forged as StsRefusal, {
        roleArn: SECOND,
        durationSeconds: 3600,
        tagged: false,
        region: REGION,
        sourceFrom: 'AWS_ACCESS_KEY_ID',
      }).hint,
    ).toContain('special-characters-workaround');
  });

  it('explains the AccessDenied of a trust policy that does not admit the caller', async () => {
    await moto.authorization(true);
    const error = await chain(first.credentials, {
      roleArn: LOCKED,
      tags: jobSessionTags(JOB_ENV),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await moto.authorization(false);
    expect(error).toBeInstanceOf(StsRefusal);
    const refusal = error as StsRefusal;
    expect(refusal.code).toBe('AccessDenied');
    expect(refusal.stsMessage).toBe(
      `User: ${FIRST_SESSION} is not authorized to perform: sts:AssumeRole`,
    );
    const explained = explainAssumeRoleRefusal(refusal, {
      roleArn: LOCKED,
      durationSeconds: 3600,
      tagged: true,
      region: REGION,
      sourceFrom: 'AWS_ACCESS_KEY_ID',
    });
    expect(explained.message).toContain(`${FIRST_SESSION} may not assume ${LOCKED}`);
    expect(explained.hint).toContain(`"AWS": "arn:aws:iam::${ACCOUNT}:role/first"`);
    expect(explained.hint).toContain('"sts:TagSession"');
  });

  it('allowed-account-ids refuses a chained session in another account', async () => {
    const other = await chain(first.credentials, {
      roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/elsewhere`,
    });
    const account = accountOfArn(other.assumedRoleArn);
    expect(account).toBe(OTHER_ACCOUNT);
    // The CLI agrees on the account.
    const identity = JSON.parse(
      await awsCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], {
        credentials: other.credentials,
      }),
    ) as { Account: string };
    expect(identity.Account).toBe(OTHER_ACCOUNT);
    expect(() => checkAllowedAccount([ACCOUNT], account)).toThrow(ActionError);
    expect(() => checkAllowedAccount([ACCOUNT, OTHER_ACCOUNT], account)).not.toThrow();
  });

  it('special-characters-workaround: sessions until the secret has none', async () => {
    await moto.resetRecording();
    const session = await withoutSpecialCharacters(
      (n) => chain(first.credentials, { roleSessionName: `sc-${n}` }),
      {
        logger: recordingLogger(),
      },
    );
    expect(hasSpecialCharacters(session.credentials)).toBe(false);
    const attempts = (await moto.recorded()).filter(
      (r) => formOf(r).get('Action') === 'AssumeRole',
    ).length;
    expect(session.assumedRoleArn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/second/sc-${attempts}`,
    );
    expect(await callerArn(session.credentials)).toBe(session.assumedRoleArn);
  });
});

describe('aws-profile against the aws CLI', () => {
  it('writes profiles the CLI uses, and chains from AWS_PROFILE', async () => {
    const dir = tempDir('aws-profile-');
    const credentialsFile = join(dir, 'credentials');
    const configFile = join(dir, 'config');
    // The job's own files already hold a profile; ours is added beside it.
    let files = profileFiles({
      profile: 'first',
      credentials: first.credentials,
      region: REGION,
      existingCredentials:
        "# the job's own\n[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
      existingConfig: '[profile ci]\nregion = us-east-1\n',
      overwrite: false,
    });
    const write = () => {
      writeFileSync(credentialsFile, files.credentials, { mode: 0o600 });
      writeFileSync(configFile, files.config, { mode: 0o600 });
      chmodSync(credentialsFile, 0o600);
    };
    write();
    const env = { AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };
    const profileCli = (args: string[], profile: string) =>
      awsCli(['--profile', profile, ...args], { env, region: null });
    expect(
      (
        JSON.parse(
          await profileCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], 'first'),
        ) as { Arn: string }
      ).Arn,
    ).toBe(FIRST_SESSION);
    expect((await profileCli(['configure', 'get', 'region'], 'first')).trim()).toBe(REGION);
    expect((await profileCli(['configure', 'get', 'region'], 'ci')).trim()).toBe('us-east-1');

    // A later step: role chaining from AWS_PROFILE=first, written to profile "second".
    const source = chainSourceCredentials({ ...env, AWS_PROFILE: 'first' }, (path) =>
      readFileSync(path, 'utf8'),
    );
    expect(source.from).toBe('profile first');
    const second = await chain(source, { roleSessionName: 'from-profile' });
    files = profileFiles({
      profile: 'second',
      credentials: second.credentials,
      region: 'us-east-2',
      existingCredentials: files.credentials,
      existingConfig: files.config,
      overwrite: false,
    });
    write();
    expect(
      (
        JSON.parse(
          await profileCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], 'second'),
        ) as { Arn: string }
      ).Arn,
    ).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/second/from-profile`);
    expect((await profileCli(['configure', 'get', 'region'], 'second')).trim()).toBe('us-east-2');
    // The first profile still works beside it.
    expect(
      (
        JSON.parse(
          await profileCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], 'first'),
        ) as { Arn: string }
      ).Arn,
    ).toBe(FIRST_SESSION);
  });
});
