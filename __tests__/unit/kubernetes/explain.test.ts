import { describe, expect, it } from 'vitest';
import { explainUnauthorized } from '../../../src/kubernetes/sources/kubeconfig/explain.js';
import { parseAllDocuments } from 'yaml';
import { ActionError } from '../../../src/base/errors.js';
import { KubeApiError } from '../../../src/kubernetes/api/client.js';
import { explainForbidden, parseForbidden, rbacYaml } from '../../../src/kubernetes/explain.js';

describe('parseForbidden', () => {
  it.each([
    [
      'a namespaced patch',
      'deployments.apps "web" is forbidden: User "forgejo:repo:org/app:ref:refs/heads/main" cannot patch resource "deployments" in API group "apps" in the namespace "demo"',
      {
        user: 'forgejo:repo:org/app:ref:refs/heads/main',
        verb: 'patch',
        resource: 'deployments',
        group: 'apps',
        namespace: 'demo',
      },
    ],
    [
      'a list in the core group with an RBAC suffix',
      'pods is forbidden: User "github:repo:o/r:environment:prod" cannot list resource "pods" in API group "" in the namespace "demo": RBAC: role.rbac.authorization.k8s.io "x" not found',
      {
        user: 'github:repo:o/r:environment:prod',
        verb: 'list',
        resource: 'pods',
        group: '',
        namespace: 'demo',
      },
    ],
    [
      'the cluster scope',
      'namespaces is forbidden: User "u" cannot watch resource "namespaces" in API group "" at the cluster scope',
      { user: 'u', verb: 'watch', resource: 'namespaces', group: '', namespace: undefined },
    ],
    [
      'an escaped quote in the user',
      'deployments.apps is forbidden: User "a\\"b" cannot list resource "deployments" in API group "apps" in the namespace "n"',
      { user: 'a"b', verb: 'list', resource: 'deployments', group: 'apps', namespace: 'n' },
    ],
  ])('%s', (_, message, expected) => {
    expect(parseForbidden(message)).toEqual(expected);
  });

  it('returns undefined for another message', () => {
    expect(parseForbidden('Unauthorized')).toBeUndefined();
  });
});

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

describe('rbacYaml', () => {
  const docs = parseAllDocuments(
    rbacYaml('forgejo:repo:org/app:ref:refs/heads/main', 'demo', [
      'deployment',
      'statefulset',
      'deployment',
    ]),
  );

  it('is a Role and a RoleBinding in the namespace', () => {
    expect(Array.isArray(docs)).toBe(true);
    const objects = (docs as Array<{ toJS(): unknown }>).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace: string } },
    );
    expect(objects.map((o) => [o.kind, o.metadata.namespace])).toEqual([
      ['Role', 'demo'],
      ['RoleBinding', 'demo'],
    ]);
    const role = objects[0] as unknown as { rules: Rule[]; metadata: { name: string } };
    expect(role.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'statefulsets'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods', 'events'], verbs: ['list'] },
    ]);
    const binding = objects[1] as unknown as Record<string, unknown>;
    expect(binding['roleRef']).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata.name,
    });
    expect(binding['subjects']).toEqual([
      {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'User',
        name: 'forgejo:repo:org/app:ref:refs/heads/main',
      },
    ]);
  });

  it('asks for no ReplicaSets when no deployment is deployed', () => {
    const [role] = parseAllDocuments(rbacYaml('u', 'n', ['daemonset'])) as unknown as Array<{
      toJS(): { rules: Rule[] };
    }>;
    expect(role?.toJS().rules.flatMap((r) => r.resources)).toEqual([
      'daemonsets',
      'pods',
      'events',
    ]);
  });
});

describe('explainForbidden', () => {
  it('names the user, verb and resource, and hints the Role to apply', () => {
    const message =
      'deployments.apps "web" is forbidden: User "forgejo:repo:org/app:ref:refs/heads/main" cannot patch resource "deployments" in API group "apps" in the namespace "demo"';
    const error = explainForbidden(
      new KubeApiError('PATCH', '/apis/apps/v1/namespaces/demo/deployments/web', 403, {
        kind: 'Status',
        message,
        reason: 'Forbidden',
        code: 403,
      }),
      'patch deployment/web',
      'demo',
      ['deployment'],
    );
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      'The cluster refused to patch deployment/web: user "forgejo:repo:org/app:ref:refs/heads/main" may not patch deployments.apps in namespace "demo".',
    );
    const yamlPart = (error.hint ?? '').split('\n\n')[1] ?? '';
    const [role] = parseAllDocuments(yamlPart) as unknown as Array<{ toJS(): { kind: string } }>;
    expect(role?.toJS().kind).toBe('Role');
  });
});

describe('explainUnauthorized', () => {
  it("lists the token's iss, aud and exp and what the cluster must say", () => {
    const exp = Date.UTC(2026, 0, 1) / 1000;
    const error = explainUnauthorized(
      'get deployment/web',
      {
        iss: 'https://code.example/api/actions',
        sub: 'repo:o/r:ref:refs/heads/main',
        aud: ['k8s'],
        exp,
        extra: {},
      },
      exp * 1000 + 1,
    );
    expect(error.message).toContain('401 Unauthorized');
    const hint = error.hint ?? '';
    expect(hint).toContain('iss: https://code.example/api/actions');
    expect(hint).toContain('aud: k8s');
    expect(hint).toContain('exp: 2026-01-01T00:00:00.000Z  (expired)');
    expect(hint).toContain('url: https://code.example/api/actions');
    expect(hint).toContain('For this token:\napiVersion');
    expect(hint.split('Forgejo, e.g.:')[0]).toContain('prefix: "forgejo:"');
    expect(hint).toContain('kind: AuthenticationConfiguration');
    expect(hint).toContain('claim: sub');
    expect(hint).toContain('Forgejo');
    expect(hint).toContain('url: https://token.actions.githubusercontent.com');
  });
});
