import { stringify } from 'yaml';
import { foreign, inertQuoted } from '../../base/untrusted.js';
import { ROLE_NAME } from '../explain.js';

/** What the run does to one object, for the RBAC that admits it. */
export interface AccessNeed {
  group: string;
  resource: string;
  /** Undefined: cluster-scoped. */
  namespace: string | undefined;
  /** The object did not exist before: server-side apply is authorized as create too. */
  absent: boolean;
  /** A workload whose rollout is awaited: list and watch, and the diagnosis' reads. */
  workload: boolean;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * The rules that admit an apply run: get (the read before) and patch on every object's resource,
 * create where an object is new, list and watch on awaited workloads, and what the rollout
 * diagnosis lists (replicasets for deployments, pods, events).
 */
export function rulesFor(needs: readonly AccessNeed[]): Rule[] {
  const byGroup = new Map<string, Map<string, Set<string>>>();
  const add = (group: string, resource: string, verbs: string[]) => {
    const resources = byGroup.get(group) ?? new Map<string, Set<string>>();
    byGroup.set(group, resources);
    const set = resources.get(resource) ?? new Set<string>();
    resources.set(resource, set);
    for (const verb of verbs) set.add(verb);
  };
  for (const need of needs) {
    add(need.group, need.resource, ['get', 'patch', ...(need.absent ? ['create'] : [])]);
    if (need.workload) {
      add(need.group, need.resource, ['list', 'watch']);
      if (need.resource === 'deployments') add('apps', 'replicasets', ['list']);
      add('', 'pods', ['list']);
      add('', 'events', ['list']);
    }
  }
  const order = ['get', 'list', 'watch', 'create', 'patch'];
  const rules: Rule[] = [];
  for (const [group, resources] of [...byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    // Resources with the same verbs share a rule, as people write them.
    const byVerbs = new Map<string, string[]>();
    for (const [resource, verbs] of [...resources].sort(([a], [b]) => a.localeCompare(b))) {
      const key = [...verbs].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(',');
      byVerbs.set(key, [...(byVerbs.get(key) ?? []), resource]);
    }
    for (const [verbs, list] of byVerbs) {
      rules.push({ apiGroups: [group], resources: list, verbs: verbs.split(',') });
    }
  }
  return rules;
}

/**
 * A Role and RoleBinding per namespace, and a ClusterRole and ClusterRoleBinding for
 * cluster-scoped objects, granting `user` what the run needs. Values a log line would change
 * (from the server or the manifests) are written as inert JSON strings, which YAML reads as the
 * same value.
 */
export function applyRbacYaml(user: string, needs: readonly AccessNeed[]): string {
  const literals: string[] = [];
  const exact = (value: string): string => {
    if (foreign(value, Infinity) === value) return value;
    literals.push(inertQuoted(JSON.stringify(value)));
    return `oidc-deploy-literal-${literals.length - 1}`;
  };
  const subject = { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: exact(user) };
  const docs: unknown[] = [];
  // Cluster scope first (Array.prototype.sort would put undefined last without asking).
  const named = [
    ...new Set(needs.flatMap((n) => (n.namespace === undefined ? [] : [n.namespace]))),
  ];
  const namespaces = [
    ...(needs.some((n) => n.namespace === undefined) ? [undefined] : []),
    ...named.sort(),
  ];
  for (const namespace of namespaces) {
    const rules = rulesFor(needs.filter((n) => n.namespace === namespace)).map((r) => ({
      ...r,
      apiGroups: r.apiGroups.map(exact),
      resources: r.resources.map(exact),
    }));
    if (namespace === undefined) {
      docs.push(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: ROLE_NAME },
          rules,
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: ROLE_NAME },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE_NAME },
          subjects: [subject],
        },
      );
    } else {
      const metadata = { name: ROLE_NAME, namespace: exact(namespace) };
      docs.push(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata,
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME },
          subjects: [subject],
        },
      );
    }
  }
  // YAML 1.1 quoting, as kubectl apply reads it.
  const options = { lineWidth: 0, version: '1.1' } as const;
  return docs
    .map((doc) => stringify(doc, options))
    .join('---\n')
    .replace(/oidc-deploy-literal-(\d+)/g, (_, index: string) => literals[Number(index)] as string);
}
