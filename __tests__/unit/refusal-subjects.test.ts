// Every refusal that depends on the token's subject prints the `sub` the token actually has, in
// each of its forms (GitHub's and Forgejo's name form, GitHub's immutable form, Forgejo's id-based
// form), so the user copies it into the trust policy, identity or RoleBinding instead of guessing.
import { describe, expect, it } from 'vitest';
import { explainUnauthorized } from '../../src/kubernetes/sources/kubeconfig/explain.js';
import { explainRefusal as explainAws, type RefusalContext } from '../../src/aws/explain.js';
import { StsRefusal } from '../../src/aws/sts.js';
import { explainRefusal as explainChainguard } from '../../src/chainguard/explain.js';
import { KubeApiError } from '../../src/kubernetes/api/client.js';
import { explainApiError } from '../../src/kubernetes/explain.js';
import type { Claims } from '../../src/oidc/claims.js';
import { ActionError } from '../../src/base/errors.js';
import { refusalOf } from '../../src/kubernetes/sources/aks/entra.js';
import { explainEntraRefusal } from '../../src/kubernetes/sources/aks/explain-entra.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const FORGEJO = 'https://forgejo.example.com/api/actions';
const SUBJECTS = [
  [GITHUB, 'repo:org/app:ref:refs/heads/main'],
  [GITHUB, 'repo:org@1234567/app@89012345:ref:refs/heads/main'],
  [GITHUB, 'repo:org@1234567/app@89012345:environment:production'],
  [FORGEJO, 'repo:org/app:ref:refs/heads/main'],
  [FORGEJO, 'repo:org-12/app-345:ref:refs/heads/main'],
] as const;

function claims(iss: string, sub: string, aud: string): Claims {
  return { iss, sub, aud: [aud], exp: 2_000_000_000, extra: {} };
}

/** The message and hint as the user reads them. */
function text(error: unknown): string {
  expect(error).toBeInstanceOf(ActionError);
  const e = error as ActionError;
  return `${e.message}\n${e.hint ?? ''}`;
}

describe.each(SUBJECTS)('a token of %s with sub %s', (iss, sub) => {
  it('aws: AccessDenied prints the sub and a trust policy for exactly it', () => {
    const context: RefusalContext = {
      roleArn: 'arn:aws:iam::111122223333:role/deploy',
      partition: 'aws',
      accountId: '111122223333',
      region: 'eu-west-1',
      durationSeconds: 3600,
      audience: 'sts.amazonaws.com',
      claims: claims(iss, sub, 'sts.amazonaws.com'),
    };
    const shown = text(
      explainAws(new StsRefusal('AccessDenied', 'Not authorized', 403, 'r1'), context),
    );
    expect(shown).toMatch(new RegExp(`^\\s*sub\\s+${escape(sub)}$`, 'm'));
    expect(shown).toContain(`:sub": "${sub}"`);
  });

  it.each([401, 403, 404])(
    'chainguard: HTTP %i prints the sub and a claim_match for it',
    (status) => {
      const shown = text(
        explainChainguard({
          status,
          body: '{"code":7,"message":"denied"}',
          identity: `${'a'.repeat(40)}/${'b'.repeat(16)}`,
          audience: 'cgr.dev',
          claims: claims(iss, sub, 'issuer.enforce.dev'),
        }),
      );
      expect(shown).toMatch(new RegExp(`^\\s*sub: ${escape(sub)}$`, 'm'));
      expect(shown).toContain(`subject  = "${sub}"`);
    },
  );

  it.each([700211, 700213, 7002138, 700212])(
    'aks: AADSTS%i prints the sub and a federated credential for exactly it',
    (code) => {
      const refusal = refusalOf(
        {
          status: 401,
          body: {
            error: 'invalid_client',
            error_description: `AADSTS${code}: no.`,
            error_codes: [code],
          },
        },
        'https://management.azure.com/.default',
        'eyJ.x.y',
      );
      const shown = text(
        explainEntraRefusal(refusal!, {
          clientId: 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b',
          tenantId: '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6',
          authorityHost: 'https://login.microsoftonline.com',
          claims: claims(iss, sub, 'api://AzureADTokenExchange'),
          audience: 'api://AzureADTokenExchange',
        }),
      );
      expect(shown).toMatch(new RegExp(`^\\s*sub\\s+${escape(sub)}$`, 'm'));
      expect(shown).toContain(`"subject":"${sub}"`);
      expect(shown).toContain(`--subject ${sub} `);
    },
  );

  it('kubernetes: a 401 prints the sub; a 403 binds the user the cluster made of it', () => {
    const context = {
      namespace: 'web',
      kinds: ['deployment' as const],
      explanations: {
        unauthorized: (doing: string) => explainUnauthorized(doing, claims(iss, sub, 'k8s')),
      },
    };
    const unauthorized = text(
      explainApiError(new KubeApiError('get', '/apis/apps/v1', 401, undefined), 'read', context),
    );
    expect(unauthorized).toMatch(new RegExp(`^\\s*sub: ${escape(sub)}\\s`, 'm'));
    const user = `github:${sub}`;
    const forbidden = text(
      explainApiError(
        new KubeApiError('patch', '/apis/apps/v1/namespaces/web/deployments/app', 403, {
          message: `deployments.apps "app" is forbidden: User "${user}" cannot patch resource "deployments" in API group "apps" in the namespace "web"`,
        } as never),
        'patch deployment/app',
        context,
      ),
    );
    expect(forbidden).toContain(`name: ${user}`);
  });
});

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
