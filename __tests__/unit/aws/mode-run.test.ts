// aws mode's prepare (modes/aws/run.ts): what it decides before any ID token is requested or
// anything written: a profile the job's files already have, role chaining's source credentials
// (read and masked now; no ID token will be requested).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_SESSION_POLICIES } from '../../../src/aws/session-policy.js';
import { prepare } from '../../../src/modes/aws/run.js';
import type { AwsSettings } from '../../../src/modes/aws/settings.js';
import { recordingLogger } from '../../helpers/logger.js';
import { tempDir } from '../../helpers/temp.js';

function settings(overrides: Partial<AwsSettings> = {}): AwsSettings {
  return {
    mode: 'aws',
    audience: 'sts.amazonaws.com',
    showClaims: true,
    verifyToken: false,
    roleArn: 'arn:aws:iam::111122223333:role/deploy',
    partition: 'aws',
    accountId: '111122223333',
    region: 'eu-west-1',
    roleSessionName: 'oidc-deploy-org-app-42',
    durationSeconds: 900,
    stsEndpoint: 'http://127.0.0.1:9',
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

function deps(env: NodeJS.ProcessEnv) {
  const masked: string[] = [];
  return { masked, deps: { logger: recordingLogger(), mask: (s: string) => masked.push(s), env } };
}

describe('aws mode prepare', () => {
  it('refuses a profile the job already has before anything is requested, unless overwrite-aws-profile', async () => {
    const dir = tempDir('oidc-deploy-profile-');
    const file = join(dir, 'credentials');
    writeFileSync(file, '[deploy]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n');
    const env = { AWS_SHARED_CREDENTIALS_FILE: file, AWS_CONFIG_FILE: join(dir, 'none') };
    await expect(
      prepare(settings({ profile: { name: 'deploy', overwrite: false } }), deps(env).deps),
    ).rejects.toThrow(
      'Input "aws-profile": profile "deploy" already exists in the AWS credentials file.',
    );
    const prepared = await prepare(
      settings({ profile: { name: 'deploy', overwrite: true } }),
      deps(env).deps,
    );
    expect(prepared.idToken).toBeUndefined();
  });

  it('role-chaining: reads and masks the source credentials now, and asks for no ID token', async () => {
    const { masked, deps: d } = deps({
      AWS_ACCESS_KEY_ID: 'ASIASOURCE',
      AWS_SECRET_ACCESS_KEY: 'source/secret+key',
      AWS_SESSION_TOKEN: 'source-session-token',
    });
    const chaining = { tagSession: true, transitiveTagKeys: 'Nope', externalId: undefined };
    const prepared = await prepare(settings({ chaining }), d);
    expect(prepared.idToken).toBe(false);
    expect(masked).toEqual(['source/secret+key', 'source-session-token']);
    expect(d.logger.lines.join('\n')).toContain('transitive-tag-keys: Nope is not a tag');
    await expect(prepare(settings({ chaining }), deps({}).deps)).rejects.toThrow(
      'Input "role-chaining" assumes the role with the credentials already in the environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set.',
    );
  });
});
