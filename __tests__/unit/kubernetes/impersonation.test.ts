import { describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { KubeApiError } from '../../../src/kubernetes/api/client.js';
import { explainForbidden } from '../../../src/kubernetes/explain.js';
import {
  headerKeyEscape,
  impersonates,
  impersonationHeaders,
  impersonationOf,
} from '../../../src/kubernetes/cluster/impersonation.js';

describe('impersonationOf (the kubeconfig user kept keys)', () => {
  it('reads as, as-groups, as-uid and as-user-extra', () => {
    expect(
      impersonationOf({
        as: 'deployer',
        'as-groups': ['a', 'b'],
        'as-uid': '42',
        'as-user-extra': { scopes: ['x'], single: 'y' },
        extensions: [],
      }),
    ).toEqual({
      user: 'deployer',
      groups: ['a', 'b'],
      uid: '42',
      extra: { scopes: ['x'], single: ['y'] },
    });
    expect(impersonates(impersonationOf({}))).toBe(false);
    expect(impersonationHeaders(impersonationOf({}))).toEqual({});
  });

  it('escapes extra keys as client-go does', () => {
    expect(headerKeyEscape('acme.com/project')).toBe('acme.com%2Fproject');
    expect(headerKeyEscape('100%')).toBe('100%25');
    expect(headerKeyEscape('é')).toBe('%C3%A9');
    expect(
      impersonationHeaders({ user: 'u', groups: ['g1', 'g2'], extra: { 'a/b': ['1'] } }),
    ).toEqual({
      'Impersonate-User': 'u',
      'Impersonate-Group': ['g1', 'g2'],
      'Impersonate-Extra-a%2Fb': ['1'],
    });
  });
});

describe('the RBAC hint under impersonation', () => {
  const status = (message: string) => ({
    kind: 'Status' as const,
    code: 403,
    message,
    reason: 'Forbidden',
  });

  it('names the impersonated subject the cluster refused', () => {
    const error = new KubeApiError(
      'PATCH',
      '/apis/apps/v1/namespaces/demo/deployments/web',
      403,
      status(
        'deployments.apps "web" is forbidden: User "deployer" cannot patch resource "deployments" in API group "apps" in the namespace "demo"',
      ),
      { user: 'deployer', groups: ['team-a'] },
    );
    const explained = explainForbidden(error, 'patch deployment/web', 'demo', ['deployment']);
    expect(explained).toBeInstanceOf(ActionError);
    expect(explained.hint).toContain(
      'acted as user "deployer" (impersonated: as "deployer", as-groups "team-a")',
    );
    expect(explained.hint).toContain('name: deployer');
  });

  it('explains a refused impersonation as such, not with a Role for the workloads', () => {
    const error = new KubeApiError(
      'GET',
      '/apis/apps/v1/namespaces/demo/deployments/web',
      403,
      status(
        'users "deployer" is forbidden: User "forgejo:repo:org/app" cannot impersonate resource "users" in API group "" at the cluster scope',
      ),
      { user: 'deployer' },
    );
    const explained = explainForbidden(error, 'get deployment/web', 'demo', ['deployment']);
    expect(explained.message).toContain('may not impersonate users at the cluster scope');
    expect(explained.hint).toContain('impersonates (as "deployer")');
    expect(explained.hint).toContain('"impersonate"');
    expect(explained.hint).not.toContain('kind: RoleBinding');
  });
});
