// assume-role.ts against the AssumeRole test STS on loopback: the signed request (SigV4 service
// sts, the session token as X-Amz-Security-Token), masking, what is retried (throttling, 5xx,
// resets) and what is final, configure-aws-credentials' one retry without the droppable tags
// after PackedPolicyTooLarge, and where the source credentials come from.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chainRole, chainSourceCredentials, type ChainRequest } from '../../../src/aws/chain.js';
import { jobSessionTags } from '../../../src/aws/session-tags.js';
import { parseError, parseSuccess, StsRefusal, type StsTiming } from '../../../src/aws/sts.js';
import { ActionError } from '../../../src/base/errors.js';
import { denied, startChainSts, type ChainSts } from '../../fixtures/sts-chain.js';
import { recordingLogger } from '../../helpers/logger.js';

const SOURCE = {
  accessKeyId: 'ASIASOURCEEXAMPLE',
  secretAccessKey: 'source/secret+key',
  sessionToken: 'source-session-token',
};
const TARGET = 'arn:aws:iam::444455556666:role/second';
const FAST: Partial<StsTiming> = { baseDelayMs: 1, maxDelayMs: 5 };

let sts: ChainSts;
beforeAll(async () => {
  sts = await startChainSts();
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.faults.length = 0;
  sts.requests.length = 0;
  sts.secrets.length = 0;
});

function call(extra: Partial<ChainRequest> = {}, timing: Partial<StsTiming> = {}) {
  const masked: string[] = [];
  const logger = recordingLogger();
  const promise = chainRole(
    {
      endpoint: `${sts.url}/`,
      region: 'eu-west-1',
      source: SOURCE,
      roleArn: TARGET,
      roleSessionName: 'chained',
      durationSeconds: 3600,
      ...extra,
    },
    { logger, mask: (s) => masked.push(s), timing: { ...FAST, ...timing } },
  );
  return { promise, masked, logger };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('chainRole', () => {
  it('signs the form POST with the source credentials and parses the new session', async () => {
    const { promise, masked } = call({
      tags: [{ key: 'GitHub', value: 'Actions' }],
      transitiveTagKeys: ['GitHub', 'Absent'],
      policies: { inline: '{"Statement":{}}', managedArns: [] },
    });
    const session = await promise;
    expect(session.assumedRoleArn).toBe('arn:aws:sts::444455556666:assumed-role/second/chained');
    expect(session.assumedRoleId).toBe('AROA3XFRBF23EXAMPLE:chained');
    expect(session.attempts).toBe(1);
    expect(Date.parse(session.expiration)).toBeGreaterThan(Date.now() + 3500_000);
    expect(masked).toEqual(
      expect.arrayContaining([
        session.credentials.accessKeyId,
        session.credentials.secretAccessKey,
        session.credentials.sessionToken,
      ]),
    );
    const [request] = sts.requests;
    expect(request?.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIASOURCEEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host;[a-z0-9;-]*x-amz-security-token[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request?.headers['x-amz-security-token']).toBe('source-session-token');
    expect(request?.headers['content-type']).toBe(
      'application/x-www-form-urlencoded; charset=utf-8',
    );
    expect(Object.fromEntries(request?.params ?? [])).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: TARGET,
      RoleSessionName: 'chained',
      Policy: '{"Statement":{}}',
      DurationSeconds: '3600',
      'Tags.member.1.Key': 'GitHub',
      'Tags.member.1.Value': 'Actions',
      // "Absent" is not among the tags: left out, as configure-aws-credentials does.
      'TransitiveTagKeys.member.1': 'GitHub',
    });
  });

  it('signs an IAM user key without a session token', async () => {
    const { promise } = call({ source: { accessKeyId: 'AKIAUSER', secretAccessKey: 's' } });
    await promise;
    expect(sts.requests[0]?.headers['x-amz-security-token']).toBeUndefined();
    expect(sts.requests[0]?.headers['authorization']).toContain('Credential=AKIAUSER/');
  });

  it('retries throttling, HTML 500 and resets, then succeeds', async () => {
    sts.faults.push(
      { status: 400, code: 'Throttling', message: 'Rate exceeded' },
      { kind: 'html500' },
      { kind: 'reset' },
    );
    const { promise, logger } = call();
    const session = await promise;
    expect(session.attempts).toBe(4);
    expect(logger.lines.filter((l) => l.startsWith('AssumeRole: '))).toHaveLength(3);
  });

  it('gives up on an STS that keeps failing, within its attempts', async () => {
    for (let i = 0; i < 3; i++) sts.faults.push({ kind: 'html500' });
    const error = await rejection(call({}, { attempts: 3 }).promise);
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^STS AssumeRole at .* failed: STS answered HTTP 500 .*\(3 attempts in/,
    );
  });

  it('throws AccessDenied as a StsRefusal at once', async () => {
    sts.faults.push(
      denied('arn:aws:sts::111122223333:assumed-role/first/s', 'sts:AssumeRole', TARGET),
    );
    const error = await rejection(call().promise);
    expect(error).toBeInstanceOf(StsRefusal);
    expect((error as StsRefusal).code).toBe('AccessDenied');
    expect(sts.requests).toHaveLength(1);
  });

  it('drops the droppable tags once after PackedPolicyTooLarge', async () => {
    const tags = jobSessionTags({
      GITHUB_REPOSITORY: 'org/app',
      GITHUB_RUN_ID: '42',
      GITHUB_JOB: 'deploy',
    });
    sts.faults.push({
      status: 400,
      code: 'PackedPolicyTooLarge',
      message:
        'Packed policy consumes 112% of allotted space, please use smaller policy for this request.',
    });
    const { promise, logger } = call({ tags, transitiveTagKeys: ['RunId', 'Repository'] });
    await promise;
    expect(sts.requests).toHaveLength(2);
    const keys = (i: number) =>
      [...(sts.requests[i]?.params ?? [])]
        .filter(([k]) => /^Tags\.member\.\d+\.Key$/.test(k))
        .map(([, v]) => v);
    expect(keys(0)).toEqual(['GitHub', 'Repository', 'RunId', 'Job']);
    expect(keys(1)).toEqual(['GitHub', 'Repository']);
    // RunId is no tag any more: it is no transitive key either.
    expect(sts.requests[1]?.params.getAll('TransitiveTagKeys.member.1')).toEqual(['Repository']);
    expect(sts.requests[1]?.params.has('TransitiveTagKeys.member.2')).toBe(false);
    expect(logger.lines.join('\n')).toContain('retrying without the tags EventName');

    // Twice too large: final.
    sts.requests.length = 0;
    const large = { status: 400, code: 'PackedPolicyTooLarge', message: 'too large' };
    sts.faults.push(large, large);
    const error = await rejection(call({ tags }).promise);
    expect((error as StsRefusal).code).toBe('PackedPolicyTooLarge');
    expect(sts.requests).toHaveLength(2);
  });

  it('does not retry PackedPolicyTooLarge without droppable tags', async () => {
    sts.faults.push({ status: 400, code: 'PackedPolicyTooLarge', message: 'too large' });
    const error = await rejection(call({ tags: [{ key: 'GitHub', value: 'Actions' }] }).promise);
    expect((error as StsRefusal).code).toBe('PackedPolicyTooLarge');
    expect(sts.requests).toHaveLength(1);
  });

  it("reads AWS's error XML and moto's (wrapped in <Errors>)", () => {
    expect(
      parseError(
        '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>User: arn:aws:sts::1:assumed-role/a/b is not authorized to perform: sts:AssumeRole</Message><Type>Sender</Type></Error></Errors></ErrorResponse>',
        403,
      ),
    ).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      stsMessage: expect.stringContaining('sts:AssumeRole') as unknown,
    });
    expect(parseError('<html>500</html>', 500)).toBeUndefined();
  });

  it('refuses a 200 without credentials, and says so for a non-STS answer', () => {
    expect(() => parseSuccess('<html/>', () => undefined, 'AssumeRole')).toThrow(
      /not with AssumeRoleResult/,
    );
  });
});

describe('chainSourceCredentials', () => {
  const none = () => undefined;
  it('reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN', () => {
    expect(
      chainSourceCredentials(
        { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' },
        none,
      ),
    ).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 's',
      sessionToken: 't',
      from: 'AWS_ACCESS_KEY_ID',
    });
    expect(
      chainSourceCredentials(
        { AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: '' },
        none,
      ),
    ).toEqual({ accessKeyId: 'AKIA1', secretAccessKey: 's', from: 'AWS_ACCESS_KEY_ID' });
  });

  it("reads AWS_PROFILE's keys from the shared credentials file", () => {
    const files: Record<string, string> = {
      '/tmp/creds':
        '[other]\naws_access_key_id = A\naws_secret_access_key = B\n\n[first]\naws_access_key_id = ASIA2\naws_secret_access_key = s2\naws_session_token = t2\n',
      '/home/u/.aws/credentials': '[first]\naws_access_key_id=K\naws_secret_access_key=S\n',
    };
    const read = (path: string) => files[path];
    expect(
      chainSourceCredentials(
        { AWS_PROFILE: 'first', AWS_SHARED_CREDENTIALS_FILE: '/tmp/creds' },
        read,
      ),
    ).toEqual({
      accessKeyId: 'ASIA2',
      secretAccessKey: 's2',
      sessionToken: 't2',
      from: 'profile first',
    });
    expect(chainSourceCredentials({ AWS_PROFILE: 'first', HOME: '/home/u' }, read)).toMatchObject({
      accessKeyId: 'K',
    });
    expect(() =>
      chainSourceCredentials(
        { AWS_PROFILE: 'nope', AWS_SHARED_CREDENTIALS_FILE: '/tmp/creds' },
        read,
      ),
    ).toThrow(/has no aws_access_key_id and aws_secret_access_key for it/);
  });

  it('says what is missing', () => {
    const error = (() => {
      try {
        chainSourceCredentials({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: '' }, none);
      } catch (e) {
        return e as ActionError;
      }
      throw new Error('no error');
    })();
    expect(error.message).toContain('but AWS_SECRET_ACCESS_KEY is not set');
    expect(error.hint).toContain('role-chaining: true');
  });
});
