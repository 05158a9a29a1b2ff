// readSettings for aws mode: what it derives, and every bad input -> one ActionError naming it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { readSettings } from '../../../src/action/inputs.js';
import { defaultSessionName } from '../../../src/aws/settings.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';

function withInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
  }
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('aws settings', () => {
  it('derives mode, partition, account, audience, session name and the defaults', () => {
    withInputs({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    const settings = readSettings({ GITHUB_REPOSITORY: 'org/app', GITHUB_RUN_ID: '42' }).settings;
    expect(settings).toMatchObject({
      mode: 'aws',
      roleArn: ROLE,
      partition: 'aws',
      accountId: '111122223333',
      region: 'eu-west-1',
      audience: 'sts.amazonaws.com',
      roleSessionName: 'oidc-deploy-org-app-42',
      durationSeconds: 3600,
      stsEndpoint: undefined,
      maskAccountId: false,
      outputCredentials: false,
    });
  });

  it('takes sts-endpoint over AWS_ENDPOINT_URL_STS, and the variable when the input is empty', () => {
    withInputs({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    expect(
      readSettings({ AWS_ENDPOINT_URL_STS: 'https://sts.vpce.example/' }).settings,
    ).toMatchObject({
      stsEndpoint: 'https://sts.vpce.example',
    });
    withInputs({ 'sts-endpoint': 'http://127.0.0.1:9' });
    expect(
      readSettings({ AWS_ENDPOINT_URL_STS: 'https://sts.vpce.example' }).settings,
    ).toMatchObject({
      stsEndpoint: 'http://127.0.0.1:9',
    });
  });

  it.each([
    ['arn:aws-cn:iam::111122223333:role/a/b/deploy', 'cn-north-1', 'aws-cn'],
    ['arn:aws-us-gov:iam::111122223333:role/deploy', 'us-gov-west-1', 'aws-us-gov'],
    ['arn:aws-eusc:iam::111122223333:role/deploy', 'eusc-de-east-1', 'aws-eusc'],
    ['arn:aws-iso-b:iam::111122223333:role/deploy', 'us-isob-east-1', 'aws-iso-b'],
  ])('accepts %s in %s (partition %s)', (role, region, partition) => {
    withInputs({ 'role-to-assume': role, 'aws-region': region });
    expect(readSettings({}).settings).toMatchObject({
      partition,
      region,
      accountId: '111122223333',
    });
  });

  it('accepts the China and GovCloud partitions with their regions', () => {
    withInputs({
      'role-to-assume': 'arn:aws-cn:iam::111122223333:role/a/b/deploy',
      'aws-region': 'cn-north-1',
    });
    expect(readSettings({}).settings).toMatchObject({
      partition: 'aws-cn',
      accountId: '111122223333',
    });
  });

  it('keeps the run id when the repository makes the default session name too long', () => {
    const name = defaultSessionName({
      GITHUB_REPOSITORY: `o/${'r'.repeat(80)}`,
      GITHUB_RUN_ID: '123456789',
    });
    expect(name).toHaveLength(64);
    expect(name.endsWith('-123456789')).toBe(true);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  it.each([
    ['role-to-assume', { 'role-to-assume': 'arn:aws:iam::1234:role/x', 'aws-region': 'eu-west-1' }],
    [
      'role-to-assume',
      { 'role-to-assume': 'arn:aws:iam::111122223333:user/x', 'aws-region': 'eu-west-1' },
    ],
    ['role-to-assume', { mode: 'aws', 'aws-region': 'eu-west-1' }],
    ['aws-region', { 'role-to-assume': ROLE }],
    ['aws-region', { 'role-to-assume': ROLE, 'aws-region': 'europe' }],
    [
      'role-duration-seconds',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-duration-seconds': '899' },
    ],
    [
      'role-duration-seconds',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-duration-seconds': '43201' },
    ],
    [
      'role-duration-seconds',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-duration-seconds': '1h' },
    ],
    [
      'role-session-name',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-session-name': 'a' },
    ],
    [
      'role-session-name',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-session-name': 'has space' },
    ],
    [
      'role-session-name',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'role-session-name': 'x'.repeat(65) },
    ],
    [
      'chainguard-identity',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'chainguard-identity': 'a'.repeat(40) },
    ],
    [
      'chainguard-identity',
      {
        mode: 'aws',
        'role-to-assume': ROLE,
        'aws-region': 'eu-west-1',
        'chainguard-identity': 'a'.repeat(40),
      },
    ],
    ['aws-region', { 'role-to-assume': ROLE, 'aws-region': 'cn-north-1' }],
    [
      'role-to-assume',
      { 'role-to-assume': 'arn:aws-cn:iam::111122223333:role/x', 'aws-region': 'us-east-1' },
    ],
    [
      'sts-endpoint',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': 'http://sts.example' },
    ],
    [
      'sts-endpoint',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': 'not a url' },
    ],
    [
      'mask-aws-account-id',
      { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'mask-aws-account-id': 'yes please' },
    ],
  ])('rejects a bad %s: %j', (name, inputs) => {
    withInputs(inputs);
    let error: unknown;
    try {
      readSettings({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toContain(`"${name}"`);
  });

  it('names AWS_ENDPOINT_URL_STS when the variable is the bad one', () => {
    withInputs({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' });
    expect(() => readSettings({ AWS_ENDPOINT_URL_STS: 'http://sts.example' }).settings).toThrow(
      /^Environment variable AWS_ENDPOINT_URL_STS must be an https:\/\/ URL\.$/,
    );
  });
});
