// aws mode's configure-aws-credentials and amazon-ecr-login inputs, end to end: the bundled action
// run as a runner runs it, against the local issuer and moto (its recorder shows what reached
// STS and ECR; its authorization, on for role chaining, recomputes every SigV4 signature and
// evaluates the caller's policies and the target's trust policy), and every credential the
// action exported or wrote proved with the real aws CLI:
// - session policies on AssumeRoleWithWebIdentity reach STS (moto's recording and its session);
// - aws-profile: private copies of the job's files, used by `aws --profile`, the job's own files
//   untouched; nothing exported but the two file variables (output-env-credentials defaults to
//   false with a profile); ecr-login: the Docker config's password is what
//   `aws ecr get-login-password` prints for that profile; post removes both and restores the
//   variables;
// - role-chaining: a second step requests no ID token, signs AssumeRole with the first step's
//   credentials (moto checks), tags the session as configure-aws-credentials does; the exported
//   credentials are the second role's (`aws sts get-caller-identity`);
// - allowed-account-ids refuses a session of another account before anything is exported,
//   written or output;
// - special-characters-workaround: the exported secret has none, after as many sessions as moto
//   recorded.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSpecialCharacters } from '../../src/aws/special-characters.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import {
  awsCli,
  formOf,
  startRecordingMoto,
  type RecordingMoto,
} from '../fixtures/moto-recorder.js';
import { findLeaks, maskedValues } from '../helpers/leaks.js';
import { errorAnnotations, runAction, runPost, type RunResult } from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

const ACCOUNT = '123456789012'; // moto's default account: its IAM roles live here
const OTHER_ACCOUNT = '444455556666';
const REGION = 'eu-west-1';
const FIRST = `arn:aws:iam::${ACCOUNT}:role/first`;
const SECOND = `arn:aws:iam::${ACCOUNT}:role/second`;
const SESSION = 'oidc-deploy-org-app-42'; // runner.ts: GITHUB_REPOSITORY org/app, GITHUB_RUN_ID 42
const FIRST_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/first/${SESSION}`;
const POLICY = `{
  "Version": "2012-10-17",
  "Statement": [{ "Effect": "Allow", "Action": ["s3:GetObject", "sts:GetCallerIdentity"], "Resource": "*" }]
}`;
/** The job's variables configure-aws-credentials makes its session tags of. */
const JOB = {
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_ACTION: '__oidc-deploy',
  GITHUB_ACTOR: 'alice',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_JOB: 'deploy',
};
/** A PATH without docker: the ECR login is the Docker config entry (no registry to reach). */
const NO_DOCKER = tempDir('oidc-deploy-nodocker-');

let issuer: Issuer;
let moto: RecordingMoto;

function credentialsOf(result: RunResult) {
  return {
    accessKeyId: result.exported['AWS_ACCESS_KEY_ID'] as string,
    secretAccessKey: result.exported['AWS_SECRET_ACCESS_KEY'] as string,
    sessionToken: result.exported['AWS_SESSION_TOKEN'] as string,
  };
}

async function callerArn(result: RunResult): Promise<string> {
  const out = await awsCli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity'], {
    credentials: credentialsOf(result),
  });
  return (JSON.parse(out) as { Arn: string }).Arn;
}

function aws(inputs: Record<string, string>, env: Record<string, string> = {}) {
  return runAction({
    inputs: { 'aws-region': REGION, 'sts-endpoint': moto.url, ...inputs },
    env: { ...issuer.env(), ...JOB, PATH: NO_DOCKER, ...env },
  });
}

beforeAll(async () => {
  [issuer, moto] = await Promise.all([startIssuer({ shape: 'forgejo' }), startRecordingMoto()]);
  await moto.iam({
    Action: 'CreateRole',
    RoleName: 'first',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/forge.example` },
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
      Statement: [
        { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: SECOND },
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      ],
    }),
  });
  // moto's trust check wants the caller's session ARN itself (it does not map it to its role).
  await moto.iam({
    Action: 'CreateRole',
    RoleName: 'second',
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [FIRST_SESSION] },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ],
    }),
  });
});

afterAll(async () => {
  await Promise.all([issuer?.close(), moto?.stop()]);
});

describe('aws mode with configure-aws-credentials and amazon-ecr-login inputs, against moto', () => {
  it('session policies reach STS; aws-profile and ecr-login write what the aws CLI agrees with; post undoes them', async () => {
    // The job's own AWS files, with a profile of its own that must survive.
    const dirs = (await import('../helpers/runner.js')).makeRunnerDirs();
    mkdirSync(join(dirs.home, '.aws'));
    const ownCredentials =
      "# the job's own\n[ci]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n";
    writeFileSync(join(dirs.home, '.aws', 'credentials'), ownCredentials);
    writeFileSync(join(dirs.home, '.aws', 'config'), '[profile ci]\nregion = us-east-1\n');
    await moto.resetRecording();
    const main = await runAction({
      dirs,
      inputs: {
        'role-to-assume': FIRST,
        'aws-region': REGION,
        'sts-endpoint': moto.url,
        'inline-session-policy': POLICY,
        'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
        'aws-profile': 'deploy',
        'ecr-login': 'true',
        'allowed-account-ids': ACCOUNT,
      },
      env: { ...issuer.env(), ...JOB, PATH: NO_DOCKER, AWS_ENDPOINT_URL_ECR: moto.url },
    });
    expect(main.code, main.stdout + main.stderr).toBe(0);

    // What reached STS: the minified policy and the managed policy's ARN.
    const recorded = await moto.recorded();
    const web = formOf(
      recorded.find((r) => formOf(r).get('Action') === 'AssumeRoleWithWebIdentity')!,
    );
    expect(web.get('Policy')).toBe(JSON.stringify(JSON.parse(POLICY)));
    expect(web.get('PolicyArns.member.1.arn')).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess');
    const sessions = (await moto.data())['sts']?.['AssumedRole'] as Array<{
      arn: string;
      policy: string | null;
    }>;
    expect(sessions.filter((s) => s.arn === FIRST_SESSION).at(-1)?.policy).toBe(web.get('Policy'));

    // A profile, not variables: only the two file variables (and DOCKER_CONFIG) are exported.
    expect(Object.keys(main.exported).sort()).toEqual([
      'AWS_CONFIG_FILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'DOCKER_CONFIG',
    ]);
    const credentialsFile = main.exported['AWS_SHARED_CREDENTIALS_FILE'] as string;
    const configFile = main.exported['AWS_CONFIG_FILE'] as string;
    expect(credentialsFile.startsWith(dirs.temp)).toBe(true);
    expect(readFileSync(credentialsFile, 'utf8')).toContain(ownCredentials.trim());
    expect(readFileSync(join(dirs.home, '.aws', 'credentials'), 'utf8')).toBe(ownCredentials);
    const profileEnv = {
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      AWS_CONFIG_FILE: configFile,
    };
    const cli = (args: string[], profile = 'deploy') =>
      awsCli(['--profile', profile, ...args], { env: profileEnv, region: null });
    const identity = JSON.parse(
      await cli(['--endpoint-url', moto.url, 'sts', 'get-caller-identity']),
    ) as { Arn: string };
    expect(identity.Arn).toBe(FIRST_SESSION);
    expect(main.outputs['aws-role-arn']).toBe(FIRST_SESSION);
    expect((await cli(['configure', 'get', 'region'])).trim()).toBe(REGION);

    // The ECR login: the password the CLI gets for the same profile is the Docker config's.
    const password = (
      await awsCli(['--profile', 'deploy', 'ecr', 'get-login-password'], {
        env: { ...profileEnv, AWS_ENDPOINT_URL_ECR: moto.url },
        region: null,
      })
    ).trim();
    const registry = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
    expect(main.outputs['registry']).toBe(registry);
    const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
    expect(main.outputs['docker-config']).toBe(dockerConfig);
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    const auth = Buffer.from(`AWS:${password}`).toString('base64');
    expect(config.auths[registry]?.auth).toBe(auth);
    const suffix = registry.replace(/[^a-zA-Z0-9_]+/g, '_');
    expect(main.outputs[`docker_username_${suffix}`]).toBe('AWS');
    expect(main.outputs[`docker_password_${suffix}`]).toBe(password);
    expect(maskedValues(main)).toEqual(expect.arrayContaining([password, auth]));
    const profileText = readFileSync(credentialsFile, 'utf8');
    const secret = /aws_secret_access_key = (\S+)\n(?=aws_session_token)/.exec(profileText)?.[1];
    const sessionToken = /aws_session_token = (\S+)/.exec(profileText)?.[1];
    expect(maskedValues(main)).toEqual(expect.arrayContaining([secret, sessionToken]));
    expect(
      findLeaks(main, [secret as string, sessionToken as string, password, auth], {
        outputs: [`docker_password_${suffix}`],
      }),
    ).toEqual([]);
    expect(main.summary).toContain(
      '| profile | deploy (private AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE) |',
    );
    expect(main.summary).toContain(`| ECR | ${registry} (docker-config) |`);

    const post = await runPost(main, { env: { PATH: NO_DOCKER } });
    expect(post.code, post.stdout).toBe(0);
    expect(existsSync(credentialsFile) || existsSync(dockerConfig)).toBe(false);
    expect(post.exported).toMatchObject({
      AWS_SHARED_CREDENTIALS_FILE: '',
      AWS_CONFIG_FILE: '',
      DOCKER_CONFIG: '',
    });
    expect(readFileSync(join(dirs.home, '.aws', 'credentials'), 'utf8')).toBe(ownCredentials);
  });

  it("role-chaining: no ID token, AssumeRole signed with the first step's credentials (moto checks), tagged; the CLI sees the second role", async () => {
    const first = await aws({ 'role-to-assume': FIRST });
    expect(first.code, first.stdout).toBe(0);
    expect(await callerArn(first)).toBe(FIRST_SESSION);

    await moto.authorization(true);
    await moto.resetRecording();
    const tokensBefore = issuer.requests.length;
    // The second step: the first's exports are in its environment, as on a runner.
    const second = await aws(
      { 'role-to-assume': SECOND, 'role-chaining': 'true', 'transitive-tag-keys': 'Repository' },
      { ...first.exported, ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    );
    const recorded = await moto.recorded();
    const chainedArn = second.code === 0 ? await callerArn(second) : undefined;
    await moto.authorization(false);
    expect(second.code, second.stdout).toBe(0);
    expect(issuer.requests.length - tokensBefore, 'no ID token requested').toBe(0);
    expect(chainedArn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/second/${SESSION}`);
    expect(second.outputs['aws-role-arn']).toBe(chainedArn);
    expect(second.outputs['subject']).toBeUndefined();

    const request = recorded.find((r) => formOf(r).get('Action') === 'AssumeRole');
    expect(request?.headers['Authorization']).toMatch(
      new RegExp(
        `Credential=${credentialsOf(first).accessKeyId}/\\d{8}/${REGION}/sts/aws4_request`,
      ),
    );
    expect(request?.headers['X-Amz-Security-Token']).toBe(credentialsOf(first).sessionToken);
    const form = formOf(request!);
    expect(form.get('RoleArn')).toBe(SECOND);
    expect([...form].filter(([name]) => name.startsWith('Tags.member.'))).toContainEqual([
      'Tags.member.2.Value',
      'org/app',
    ]);
    expect(form.get('TransitiveTagKeys.member.1')).toBe('Repository');
    // The first step's secret is masked in this step's log too.
    expect(maskedValues(second)).toContain(credentialsOf(first).secretAccessKey);
    expect(second.summary).toContain('role-chaining; no ID token requested');
    expect(second.summary).not.toContain('ID token claims');
  });

  it('allowed-account-ids refuses another account before anything is exported, written or output', async () => {
    const before = (await moto.data())['sts']?.['AssumedRole']?.length ?? 0;
    const run = await aws({
      'role-to-assume': `arn:aws:iam::${OTHER_ACCOUNT}:role/elsewhere`,
      'allowed-account-ids': `${ACCOUNT}, 111122223333`,
      'aws-profile': 'p',
      'ecr-login': 'true',
      'output-env-credentials': 'true',
    });
    expect(run.code).toBe(1);
    // STS did issue the session: the refusal is about where it landed.
    expect((await moto.data())['sts']?.['AssumedRole']?.length).toBe(before + 1);
    expect(errorAnnotations(run)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Input "allowed-account-ids": the credentials are for account ${OTHER_ACCOUNT}, which is not one of ${ACCOUNT}, 111122223333; nothing was exported\\.`,
        ),
      ),
    ]);
    expect(run.exported).toEqual({});
    expect(
      Object.keys(run.outputs).filter((name) => !['subject', 'issuer', 'audience'].includes(name)),
    ).toEqual([]);
    expect(run.state).toEqual({});
    expect(readdirSync(run.dirs.temp)).toEqual([]);
  });

  it('special-characters-workaround: the exported secret has none, the CLI accepts it', async () => {
    await moto.resetRecording();
    const run = await aws({ 'role-to-assume': FIRST, 'special-characters-workaround': 'true' });
    expect(run.code, run.stdout).toBe(0);
    const credentials = credentialsOf(run);
    expect(hasSpecialCharacters(credentials)).toBe(false);
    const sessions = (await moto.recorded()).filter(
      (r) => formOf(r).get('Action') === 'AssumeRoleWithWebIdentity',
    ).length;
    expect(sessions).toBeGreaterThanOrEqual(1);
    if (sessions > 1)
      expect(run.stdout).toContain(`special-characters-workaround: session ${sessions} has none`);
    expect(await callerArn(run)).toBe(FIRST_SESSION);
  });
});
