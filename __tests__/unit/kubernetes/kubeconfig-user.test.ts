// The warning about a kubeconfig user's own credentials (kubernetes/kubeconfig-user.ts): which
// keys, whether a secret was among them, and the pointer to eks-cluster for EKS plugins.
import { describe, expect, it } from 'vitest';
import { droppedCredentials } from '../../../src/kubernetes/kubeconfig-user.js';

describe('droppedCredentials', () => {
  it.each<[string, Record<string, unknown>, string[], string[]]>([
    ['no credentials', {}, [], []],
    ['only impersonation', { as: 'deployer', 'as-groups': ['x'] }, [], []],
    ['a token', { token: 't' }, ['(token)', 'readable by anyone', 'remove token'], ['eks-cluster']],
    [
      'a client certificate and key',
      { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' },
      ['(client-key-data, client-certificate-data)', 'remove client-key-data'],
      [],
    ],
    [
      'basic auth',
      { username: 'u', password: 'p' },
      ['(password, username)', 'remove password'],
      [],
    ],
    [
      'a token file (no secret in the variable)',
      { tokenFile: '/x' },
      ['(tokenFile)'],
      ['readable by anyone'],
    ],
    [
      'aws eks get-token',
      {
        exec: {
          command: 'aws',
          args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'demo'],
        },
      },
      ['(exec)', 'give input "eks-cluster"'],
      ['readable by anyone'],
    ],
    [
      'aws-iam-authenticator token',
      { exec: { command: '/usr/local/bin/aws-iam-authenticator', args: ['token', '-i', 'demo'] } },
      ['give input "eks-cluster"'],
      [],
    ],
    [
      'another exec plugin',
      { exec: { command: 'kubelogin', args: ['get-token'] } },
      ['(exec)'],
      ['eks-cluster'],
    ],
  ])('%s', (_name, user, has, hasNot) => {
    const warning = droppedCredentials('ci', user);
    if (has.length === 0) return expect(warning).toBeUndefined();
    expect(warning).toContain('Input "kubeconfig": user "ci" carries credentials of its own');
    for (const text of has) expect(warning).toContain(text);
    for (const text of hasNot) expect(warning).not.toContain(text);
  });

  it('never prints a credential, and escapes the user name', () => {
    const warning = droppedCredentials('a\n::error::x', { token: 'secret-token-value' }) ?? '';
    expect(warning).not.toContain('secret-token-value');
    expect(warning).not.toContain('\n');
  });
});
