// configure-aws-credentials itself (its bundle, from CAC_DIST: fixtures/cac.ts; skipped without
// it) against the same moto and test issuer, beside this action's bundle: what CAC sends to STS
// when chaining (moto's recording) is what `role-chaining: true` here sends, tags and session
// policies included, and the credentials of both work with the aws CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAC_JOB_ENV, cacDist, runCac } from '../fixtures/cac.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import {
  awsCli,
  formOf,
  startRecordingMoto,
  type RecordingMoto,
} from '../fixtures/moto-recorder.js';
import { runAction } from '../helpers/runner.js';

const dist = cacDist();
const ACCOUNT = '123456789012';
const FIRST = `arn:aws:iam::${ACCOUNT}:role/first`;
const SECOND = `arn:aws:iam::${ACCOUNT}:role/second`;
const POLICY =
  '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]\n}';
const MANAGED = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

/** The tag and transitive-key parameters of a recorded AssumeRole body. */
function tagParams(form: URLSearchParams): Array<[string, string]> {
  return [...form].filter(([name]) => /^(Tags|TransitiveTagKeys)\./.test(name));
}

describe.skipIf(!dist)('configure-aws-credentials (CAC_DIST) beside this action', () => {
  let issuer: Issuer;
  let moto: RecordingMoto;
  beforeAll(async () => {
    [issuer, moto] = await Promise.all([startIssuer({ shape: 'github' }), startRecordingMoto()]);
  });
  afterAll(async () => {
    await Promise.all([issuer?.close(), moto?.stop()]);
  });

  it('sends the tags and session policies that role chaining here sends', async () => {
    const web = await runCac({
      dist: dist as string,
      inputs: { 'aws-region': 'eu-west-1', 'role-to-assume': FIRST, 'sts-endpoint': moto.url },
      env: issuer.env(),
    });
    expect(web.code, web.stdout + web.stderr).toBe(0);
    const source = {
      accessKeyId: web.exported['AWS_ACCESS_KEY_ID'] as string,
      secretAccessKey: web.exported['AWS_SECRET_ACCESS_KEY'] as string,
      sessionToken: web.exported['AWS_SESSION_TOKEN'] as string,
    };
    expect(web.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/first/GitHubActions`,
    );

    await moto.resetRecording();
    const chained = await runCac({
      dist: dist as string,
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': SECOND,
        'sts-endpoint': moto.url,
        'role-chaining': 'true',
        'role-session-name': 'chained',
        'transitive-tag-keys': 'Repository\nBranch',
        'inline-session-policy': POLICY,
        'managed-session-policies': MANAGED,
      },
      env: {
        AWS_ACCESS_KEY_ID: source.accessKeyId,
        AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
        AWS_SESSION_TOKEN: source.sessionToken,
      },
    });
    expect(chained.code, chained.stdout + chained.stderr).toBe(0);
    const theirs = (await moto.recorded())
      .map(formOf)
      .find((f) => f.get('Action') === 'AssumeRole');

    // Ours: this action's bundle, chaining with the same inputs in the same job.
    await moto.resetRecording();
    const mine = await runAction({
      inputs: {
        'aws-region': 'eu-west-1',
        'role-to-assume': SECOND,
        'sts-endpoint': moto.url,
        'role-chaining': 'true',
        'role-session-name': 'chained',
        'transitive-tag-keys': 'Repository\nBranch',
        'inline-session-policy': POLICY,
        'managed-session-policies': MANAGED,
      },
      env: {
        ...CAC_JOB_ENV,
        AWS_ACCESS_KEY_ID: source.accessKeyId,
        AWS_SECRET_ACCESS_KEY: source.secretAccessKey,
        AWS_SESSION_TOKEN: source.sessionToken,
      },
    });
    expect(mine.code, mine.stdout).toBe(0);
    const ours = (await moto.recorded()).map(formOf).find((f) => f.get('Action') === 'AssumeRole');

    expect(tagParams(ours as URLSearchParams)).toEqual(tagParams(theirs as URLSearchParams));
    expect(ours?.getAll('PolicyArns.member.1.arn')).toEqual(
      theirs?.getAll('PolicyArns.member.1.arn'),
    );
    // CAC sends the policy as written; here it is minified: the same policy.
    expect(theirs?.get('Policy')).toBe(POLICY);
    expect(JSON.parse(ours?.get('Policy') ?? '')).toEqual(JSON.parse(POLICY));
    expect(ours?.get('DurationSeconds')).toBe(theirs?.get('DurationSeconds'));

    for (const run of [chained, mine]) {
      const identity = JSON.parse(
        await awsCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], {
          credentials: {
            accessKeyId: run.exported['AWS_ACCESS_KEY_ID'] as string,
            secretAccessKey: run.exported['AWS_SECRET_ACCESS_KEY'] as string,
            sessionToken: run.exported['AWS_SESSION_TOKEN'] as string,
          },
        }),
      ) as { Arn: string };
      expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/second/chained`);
    }
  });
});
