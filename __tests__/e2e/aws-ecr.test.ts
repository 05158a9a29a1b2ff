// ECR login against moto with its authorization on (signatures recomputed, the caller's
// policies evaluated: fixtures/moto-recorder.ts), proved with the real aws CLI:
// - GetAuthorizationToken (JSON 1.1, SigV4 service ecr) through AWS_ENDPOINT_URL_ECR, the
//   variable the CLI honours too: the password decoded here is what
//   `aws ecr get-login-password` prints, for the same credentials;
// - registry ids: one login per registry, tokens equal to `aws ecr get-authorization-token
//   --registry-ids`;
// - a role without ecr:GetAuthorizationToken: moto's AccessDenied, explained with the statement
//   that fixes it, and the same credentials work once the statement is added.
// moto 5.2's ECR (read from its source): password "<REGISTRY_ID>-auth-token", proxyEndpoint
// https://ID.dkr.ecr.REGION.amazonaws.com, expiresAt 2015-01-01 (a constant in the past).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ECR_LOGIN_STATEMENT,
  EcrRefusal,
  ecrRegistryHost,
  explainEcrRefusal,
  getAuthorizationToken,
} from '../../src/aws/ecr.js';
import { configuredEndpoint } from '../../src/aws/endpoints.js';
import { assumeRoleWithWebIdentity, type AssumedRole } from '../../src/aws/sts.js';
import { awsCli, startRecordingMoto, type RecordingMoto } from '../fixtures/moto-recorder.js';
import { recordingLogger } from '../helpers/logger.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

let moto: RecordingMoto;
const sessions: Record<string, AssumedRole> = {};
const masked: string[] = [];
const deps = () => ({
  logger: recordingLogger(),
  mask: (s: string) => masked.push(s),
  timing: { baseDelayMs: 1, maxDelayMs: 5 },
});

beforeAll(async () => {
  moto = await startRecordingMoto();
  for (const name of ['pusher', 'nopush']) {
    await moto.iam({
      Action: 'CreateRole',
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: 'x' },
            Action: 'sts:AssumeRoleWithWebIdentity',
          },
        ],
      }),
    });
    sessions[name] = await assumeRoleWithWebIdentity(
      {
        endpoint: `${moto.url}/`,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        roleSessionName: 'oidc-deploy-org-app-42',
        durationSeconds: 3600,
        token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
      },
      { ...deps(), renewToken: () => Promise.reject(new Error('not needed')) },
    );
  }
  await moto.iam({
    Action: 'PutRolePolicy',
    RoleName: 'pusher',
    PolicyName: 'ecr-login',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [ECR_LOGIN_STATEMENT] }),
  });
  await moto.authorization(true);
});

afterAll(async () => {
  await moto?.stop();
});

function login(session: AssumedRole, registryIds?: string[]) {
  const endpoint = configuredEndpoint({ AWS_ENDPOINT_URL_ECR: moto.url }, 'ECR');
  return getAuthorizationToken(
    {
      region: REGION,
      partition: 'aws',
      endpoint: endpoint?.url,
      credentials: session.credentials,
      registryIds,
    },
    deps(),
  );
}

describe('ECR login against moto', () => {
  it('decodes the password `aws ecr get-login-password` prints', async () => {
    const session = sessions['pusher'] as AssumedRole;
    await moto.resetRecording();
    const [ours, ...more] = await login(session);
    expect(more).toEqual([]);
    expect(ours).toEqual({
      registry: ecrRegistryHost(ACCOUNT, REGION, 'aws'),
      proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
      username: 'AWS',
      password: `${ACCOUNT}-auth-token`,
      expiresAt: expect.stringMatching(/^2015-01-01T/) as unknown,
    });
    expect(masked).toContain(ours?.password);
    const cli = await awsCli(['ecr', 'get-login-password'], {
      credentials: session.credentials,
      env: { AWS_ENDPOINT_URL_ECR: moto.url },
    });
    expect(cli.trim()).toBe(ours?.password);

    const [request] = await moto.recorded();
    expect(request?.headers['X-Amz-Target']).toBe(
      'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
    );
    expect(request?.headers['Content-Type']).toBe('application/x-amz-json-1.1');
    expect(request?.headers['Authorization']).toMatch(
      new RegExp(`Credential=${session.credentials.accessKeyId}/\\d{8}/${REGION}/ecr/aws4_request`),
    );
    expect(request?.body).toBe('{}');
  });

  it('logs in to several registries, as `aws ecr get-authorization-token --registry-ids` does', async () => {
    const session = sessions['pusher'] as AssumedRole;
    const ids = ['111122223333', '444455556666'];
    const ours = await login(session, ids);
    const cli = JSON.parse(
      await awsCli(['ecr', 'get-authorization-token', '--registry-ids', ...ids], {
        credentials: session.credentials,
        env: { AWS_ENDPOINT_URL_ECR: moto.url },
      }),
    ) as { authorizationData: Array<{ authorizationToken: string; proxyEndpoint: string }> };
    expect(ours.map((l) => l.registry)).toEqual(
      ids.map((id) => ecrRegistryHost(id, REGION, 'aws')),
    );
    expect(ours.map((l) => Buffer.from(`${l.username}:${l.password}`).toString('base64'))).toEqual(
      cli.authorizationData.map((d) => d.authorizationToken),
    );
    expect(ours.map((l) => l.proxyEndpoint)).toEqual(
      cli.authorizationData.map((d) => d.proxyEndpoint),
    );
  });

  it('explains AccessDenied with the statement that fixes it', async () => {
    const session = sessions['nopush'] as AssumedRole;
    const error = await login(session).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EcrRefusal);
    const refusal = error as EcrRefusal;
    expect(refusal.code).toBe('AccessDenied');
    expect(refusal.ecrMessage).toBe(
      `User: ${session.assumedRoleArn} is not authorized to perform: ecr:GetAuthorizationToken`,
    );
    const explained = explainEcrRefusal(refusal, {
      region: REGION,
      callerArn: session.assumedRoleArn,
      registryIds: undefined,
    });
    expect(explained.message).toContain(
      `arn:aws:iam::${ACCOUNT}:role/nopush may not get an ECR login token`,
    );
    const policy = JSON.parse(/^\{\n[\s\S]*?\n\}$/m.exec(explained.hint ?? '')?.[0] ?? '') as {
      Statement: unknown[];
    };

    // The statement from the explanation, added to the role: the same session logs in.
    await moto.authorization(false);
    await moto.iam({
      Action: 'PutRolePolicy',
      RoleName: 'nopush',
      PolicyName: 'from-the-hint',
      PolicyDocument: JSON.stringify(policy),
    });
    await moto.authorization(true);
    const [ours] = await login(session);
    expect(ours?.password).toBe(`${ACCOUNT}-auth-token`);
  });
});
