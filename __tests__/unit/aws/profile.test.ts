// Profile files as configure-aws-credentials 6.1+ writes them (src/profileManager.ts):
// credentials [NAME] with aws_access_key_id, aws_secret_access_key, aws_session_token; config
// [profile NAME] ([default] for default) with region; "key = value" lines, a blank line between
// sections; names with white space, brackets or slashes refused; an existing profile refused
// unless overwrite-aws-profile. Here the rest of an existing file is kept line for line.
import { describe, expect, it } from 'vitest';
import {
  configSection,
  profileCredentials,
  profileFiles,
  validateProfileName,
  withSection,
} from '../../../src/aws/profile.js';
import { ActionError } from '../../../src/base/errors.js';

const CREDS = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'se/cr+et',
  sessionToken: 'to+ken/==',
};

describe('profileFiles', () => {
  it("writes configure-aws-credentials' layout into empty files", () => {
    expect(
      profileFiles({
        profile: 'deploy',
        credentials: CREDS,
        region: 'eu-west-1',
        existingCredentials: '',
        existingConfig: '',
        overwrite: false,
      }),
    ).toEqual({
      credentials:
        '[deploy]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = se/cr+et\naws_session_token = to+ken/==\n',
      config: '[profile deploy]\nregion = eu-west-1\n',
    });
  });

  it('names the default profile [default] in the config file', () => {
    expect(configSection('default')).toBe('default');
    expect(
      profileFiles({
        profile: 'default',
        credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' },
        region: 'cn-north-1',
        existingCredentials: '',
        existingConfig: '',
        overwrite: false,
      }),
    ).toEqual({
      credentials: '[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n',
      config: '[default]\nregion = cn-north-1\n',
    });
  });

  it('adds to existing files, keeping their comments and nested values', () => {
    const config =
      '# mine\n[profile other]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 20\n\n\n';
    const files = profileFiles({
      profile: 'deploy',
      credentials: CREDS,
      region: 'eu-west-1',
      existingCredentials: '[other]\r\naws_access_key_id = X\r\n',
      existingConfig: config,
      overwrite: false,
    });
    expect(files.config).toBe(
      '# mine\n[profile other]\nregion = us-east-1\ns3 =\n  max_concurrent_requests = 20\n\n[profile deploy]\nregion = eu-west-1\n',
    );
    expect(files.credentials.startsWith('[other]\naws_access_key_id = X\n\n[deploy]\n')).toBe(true);
  });

  it('refuses an existing profile unless told to overwrite it, then replaces it in place', () => {
    const existing = '[a]\nx = 1\n\n[deploy]\naws_access_key_id = OLD\n; note\n\n[b]\ny = 2\n';
    expect(() =>
      profileFiles({
        profile: 'deploy',
        credentials: CREDS,
        region: 'eu-west-1',
        existingCredentials: existing,
        existingConfig: '',
        overwrite: false,
      }),
    ).toThrow(/profile "deploy" already exists in the AWS credentials file/);
    const { credentials } = profileFiles({
      profile: 'deploy',
      credentials: { accessKeyId: 'NEW', secretAccessKey: 's' },
      region: 'eu-west-1',
      existingCredentials: existing,
      existingConfig: '[ profile   deploy ]\nregion = us-east-1\n',
      overwrite: true,
    });
    expect(credentials).toBe(
      '[a]\nx = 1\n\n[deploy]\naws_access_key_id = NEW\naws_secret_access_key = s\n\n[b]\ny = 2\n',
    );
  });

  it('refuses a value that would write another line', () => {
    expect(() =>
      withSection('', 'p', [['k', 'a\nb']], { overwrite: false, profile: 'p', file: 'config' }),
    ).toThrow(ActionError);
  });
});

describe('validateProfileName', () => {
  it("follows configure-aws-credentials' rule", () => {
    expect(validateProfileName(' prod-readonly ')).toBe('prod-readonly');
    for (const [name, problem] of [
      ['', 'is empty'],
      ['my profile', 'contains white space'],
      ['a]b', 'contains a square bracket'],
      ['../x', 'contains a slash'],
      ['a\\b', 'contains a slash'],
      ['a\u0007b', 'contains a control character'],
    ]) {
      expect(() => validateProfileName(name as string)).toThrow(
        `Input "aws-profile" is not a profile name: it ${problem}`,
      );
    }
  });
});

describe('profileCredentials', () => {
  it("reads a profile's static keys, and nothing for other kinds of profile", () => {
    const text =
      '[a]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = b\n\n[b]\n aws_access_key_id=K \naws_secret_access_key = S\n';
    expect(profileCredentials(text, 'b')).toEqual({ accessKeyId: 'K', secretAccessKey: 'S' });
    expect(profileCredentials(text, 'a')).toBeUndefined();
    expect(profileCredentials(text, 'c')).toBeUndefined();
  });
});
