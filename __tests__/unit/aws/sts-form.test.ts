// The STS query-API bodies: AssumeRoleWithWebIdentity with optional session policies (without
// them, byte for byte what sts.ts sends today), and AssumeRole with policies, session tags
// (Tags.member.N.Key/Value), TransitiveTagKeys.member.N and ExternalId. Lists count from 1.
import { describe, expect, it } from 'vitest';
import { assumeRoleForm, webIdentityForm } from '../../../src/aws/sts-form.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const POLICIES = {
  inline: '{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}',
  managedArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/B'],
};

describe('webIdentityForm', () => {
  it('is the form of docs/wire-formats.md when there are no session policies', () => {
    const request = {
      roleArn: ROLE,
      roleSessionName: 'oidc-deploy-org-app-42',
      durationSeconds: 900,
    };
    expect(webIdentityForm(request, 'a.b.c')).toBe(
      'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fdeploy&RoleSessionName=oidc-deploy-org-app-42&WebIdentityToken=a.b.c&DurationSeconds=900',
    );
  });

  it('adds PolicyArns.member.N.arn and Policy', () => {
    const body = webIdentityForm(
      { roleArn: ROLE, roleSessionName: 's', durationSeconds: 3600, policies: POLICIES },
      'a.b.c',
    );
    expect([...new URLSearchParams(body)]).toEqual([
      ['Action', 'AssumeRoleWithWebIdentity'],
      ['Version', '2011-06-15'],
      ['RoleArn', ROLE],
      ['RoleSessionName', 's'],
      ['WebIdentityToken', 'a.b.c'],
      ['PolicyArns.member.1.arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
      ['PolicyArns.member.2.arn', 'arn:aws:iam::aws:policy/B'],
      ['Policy', POLICIES.inline],
      ['DurationSeconds', '3600'],
    ]);
    // Form encoding: the policy's braces, quotes and colons are percent-encoded.
    expect(body).toContain('Policy=%7B%22Statement%22%3A%7B');
  });
});

describe('assumeRoleForm', () => {
  it('is the bare request without options', () => {
    expect(
      assumeRoleForm({ roleArn: ROLE, roleSessionName: 'chained', durationSeconds: 3600 }),
    ).toBe(
      `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=chained&DurationSeconds=3600`,
    );
  });

  it('carries policies, tags, transitive keys and an external id', () => {
    const body = assumeRoleForm({
      roleArn: ROLE,
      roleSessionName: 'chained',
      durationSeconds: 1800,
      policies: POLICIES,
      tags: [
        { key: 'GitHub', value: 'Actions' },
        { key: 'Repository', value: 'org/app' },
      ],
      transitiveTagKeys: ['Repository'],
      externalId: 'ext-1',
    });
    expect([...new URLSearchParams(body)]).toEqual([
      ['Action', 'AssumeRole'],
      ['Version', '2011-06-15'],
      ['RoleArn', ROLE],
      ['RoleSessionName', 'chained'],
      ['PolicyArns.member.1.arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
      ['PolicyArns.member.2.arn', 'arn:aws:iam::aws:policy/B'],
      ['Policy', POLICIES.inline],
      ['DurationSeconds', '1800'],
      ['Tags.member.1.Key', 'GitHub'],
      ['Tags.member.1.Value', 'Actions'],
      ['Tags.member.2.Key', 'Repository'],
      ['Tags.member.2.Value', 'org/app'],
      ['TransitiveTagKeys.member.1', 'Repository'],
      ['ExternalId', 'ext-1'],
    ]);
  });
});
