// aws mode's inputs beyond the role (modes/aws/settings.ts): defaults as configure-aws-credentials
// has them, and every combination that would be silently ignored refused, naming the input.
import { describe, expect, it } from 'vitest';
import { NO_SESSION_POLICIES } from '../../../src/aws/session-policy.js';
import type { InputReader } from '../../../src/base/input-reader.js';
import { chooseMode } from '../../../src/modes/registry.js';
import type { AwsSettings } from '../../../src/modes/aws/settings.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';

function read(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): AwsSettings {
  const all: Record<string, string> = {
    'role-to-assume': ROLE,
    'aws-region': 'eu-west-1',
    ...values,
  };
  const input: InputReader = {
    text: (name) => all[name]?.trim() ?? '',
    raw: (name) => all[name] ?? '',
    boolean: (name, whenEmpty) => {
      const value = all[name]?.trim() ?? '';
      if (!value) return whenEmpty;
      if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw new Error(`not a boolean: ${name}`);
    },
  };
  const common = (i: InputReader) => ({
    audience: i.text('audience') || undefined,
    showClaims: true,
    verifyToken: i.boolean('verify-token', false),
  });
  return chooseMode(input, common, env).settings as AwsSettings;
}

describe('aws mode settings', () => {
  it('defaults: web identity, no policies, AWS_* exported, nothing else', () => {
    expect(read({})).toMatchObject({
      chaining: undefined,
      policies: NO_SESSION_POLICIES,
      outputEnvCredentials: true,
      profile: undefined,
      specialCharactersWorkaround: false,
      allowedAccountIds: undefined,
      ecrLogin: undefined,
      ecrEndpoint: undefined,
    });
  });

  it('output-env-credentials defaults to false with aws-profile, as in configure-aws-credentials', () => {
    expect(read({ 'aws-profile': 'ci' })).toMatchObject({
      profile: { name: 'ci', overwrite: false },
      outputEnvCredentials: false,
    });
    expect(
      read({ 'aws-profile': 'ci', 'output-env-credentials': 'true' }).outputEnvCredentials,
    ).toBe(true);
    expect(read({ 'output-env-credentials': 'false' }).outputEnvCredentials).toBe(false);
  });

  it('role-chaining: tags by default, transitive keys, external id', () => {
    expect(
      read({
        'role-chaining': 'true',
        'transitive-tag-keys': 'Repository\nBranch',
        'role-external-id': 'partner-42',
      }).chaining,
    ).toEqual({
      tagSession: true,
      transitiveTagKeys: 'Repository\nBranch',
      externalId: 'partner-42',
    });
    expect(read({ 'role-chaining': 'true', 'role-skip-session-tagging': 'true' }).chaining).toEqual(
      {
        tagSession: false,
        transitiveTagKeys: '',
        externalId: undefined,
      },
    );
  });

  it('session policies are parsed and minified', () => {
    expect(
      read({
        'inline-session-policy':
          '{ "Statement": [ { "Effect": "Allow", "Action": "s3:*", "Resource": "*" } ] }',
        'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess\n',
      }).policies,
    ).toEqual({
      inline: '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
      managedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    });
  });

  it('ecr-login reads AWS_ENDPOINT_URL_ECR (else AWS_ENDPOINT_URL) only when it logs in', () => {
    expect(
      read({ 'ecr-login': 'true' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }),
    ).toMatchObject({
      ecrLogin: [{ registryId: undefined, region: 'eu-west-1' }],
      ecrEndpoint: 'http://127.0.0.1:5000',
    });
    expect(read({}, { AWS_ENDPOINT_URL_ECR: 'http://ecr.example' }).ecrEndpoint).toBeUndefined();
    expect(() =>
      read({ 'ecr-login': 'true' }, { AWS_ENDPOINT_URL_ECR: 'http://ecr.example' }),
    ).toThrow('Environment variable AWS_ENDPOINT_URL_ECR must be an https:// URL.');
  });

  it.each([
    [
      { 'role-skip-session-tagging': 'true' },
      'Input "role-skip-session-tagging" applies only with "role-chaining: true".',
    ],
    [
      { 'transitive-tag-keys': 'Repository' },
      'Input "transitive-tag-keys" applies only with "role-chaining: true".',
    ],
    [
      { 'role-external-id': 'x1' },
      'Input "role-external-id" applies only with "role-chaining: true".',
    ],
    [
      { 'role-chaining': 'true', audience: 'sts.amazonaws.com' },
      'Input "audience" does not apply with "role-chaining: true".',
    ],
    [
      { 'role-chaining': 'true', 'verify-token': 'true' },
      'Input "verify-token" does not apply with "role-chaining: true".',
    ],
    [
      {
        'role-chaining': 'true',
        'role-skip-session-tagging': 'true',
        'transitive-tag-keys': 'Repository',
      },
      'Input "transitive-tag-keys" names tags, but "role-skip-session-tagging" sends none.',
    ],
    [{ 'role-chaining': 'true', 'role-external-id': 'a b' }, 'Input "role-external-id" is "a b".'],
    [
      { 'overwrite-aws-profile': 'true' },
      'Input "overwrite-aws-profile" is true, but "aws-profile" is not given.',
    ],
    [
      { 'aws-profile': 'a/b' },
      'Input "aws-profile" is not a profile name: it contains a slash ("a/b").',
    ],
  ])('refuses %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('the new inputs belong to aws mode: refused in kubernetes mode', () => {
    expect(() =>
      read({ 'role-to-assume': '', 'aws-region': '', kubeconfig: 'x', 'ecr-login': 'true' }),
    ).toThrow(/"ecr-login" does not apply to kubernetes mode/);
    // A boolean given as false is not given.
    expect(() =>
      read({
        'role-to-assume': '',
        'aws-region': '',
        server: 'https://k.example',
        'role-chaining': 'false',
      }),
    ).not.toThrow(/does not apply/);
  });
});
