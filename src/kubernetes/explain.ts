import { stringify } from 'yaml';
import { ActionError } from '../base/errors.js';
import { KubeApiError, KubeNetworkError } from './api/errors.js';
import type { Impersonation } from './cluster/impersonation.js';
import { WORKLOAD_RESOURCES } from './api/objects.js';
import { foreign, inertQuoted } from '../base/untrusted.js';
import type { WorkloadKind } from './workloads/refs.js';

/** Who was refused what, read from a 403's message. */
export interface Refusal {
  user: string;
  verb: string;
  resource: string;
  group: string;
  /** Undefined: refused at the cluster scope. */
  namespace: string | undefined;
}

// The API server's wording (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go).
const FORBIDDEN =
  /User "((?:[^"\\]|\\.)*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;

export function parseForbidden(message: string): Refusal | undefined {
  const m = FORBIDDEN.exec(message);
  if (!m) return undefined;
  return {
    user: (m[1] as string).replace(/\\(.)/g, '$1'),
    verb: m[2] as string,
    resource: m[3] as string,
    group: m[4] as string,
    namespace: m[5],
  };
}

export const ROLE_NAME = 'oidc-deploy-action';

/**
 * A Role and RoleBinding granting `user` exactly what this action does in `namespace`:
 * get/list/watch/patch on the workload kinds used, and list on the objects the diagnosis
 * reads (ReplicaSets for deployments, pods, events).
 */
export function rbacYaml(user: string, namespace: string, kinds: WorkloadKind[]): string {
  // The user and namespace come from the server's 403 and must stay exact (the binding must name
  // the very user). One that `foreign` would change is written as a JSON string (valid YAML
  // double-quoted), made inert: one line, no `##[`, same value.
  const literals: string[] = [];
  const exact = (value: string): string => {
    if (foreign(value, Infinity) === value) return value;
    literals.push(inertQuoted(JSON.stringify(value)));
    return `oidc-deploy-literal-${literals.length - 1}`;
  };
  user = exact(user);
  namespace = exact(namespace);
  const resources = [...new Set(kinds)].sort().map((k) => WORKLOAD_RESOURCES[k].resource);
  const rules: Array<Record<string, unknown>> = [
    { apiGroups: ['apps'], resources, verbs: ['get', 'list', 'watch', 'patch'] },
  ];
  if (kinds.includes('deployment')) {
    rules.push({ apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] });
  }
  rules.push({ apiGroups: [''], resources: ['pods', 'events'], verbs: ['list'] });
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: ROLE_NAME, namespace },
    rules,
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: ROLE_NAME, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  // YAML 1.1 quoting, as kubectl apply reads it (a user "yes" stays a string).
  const options = { lineWidth: 0, version: '1.1' } as const;
  return `${stringify(role, options)}---\n${stringify(binding, options)}`.replace(
    /oidc-deploy-literal-(\d+)/g,
    (_, index: string) => literals[Number(index)] as string,
  );
}

/** A 403 as an ActionError: who the cluster saw, what it refused, and the RBAC to apply. */
export function explainForbidden(
  error: KubeApiError,
  doing: string,
  namespace: string,
  kinds: WorkloadKind[],
  explanations?: SourceExplanations,
): ActionError {
  const refusal = parseForbidden(error.status?.message ?? '');
  if (!refusal) {
    return new ActionError(
      `The cluster refused to ${doing}: ${foreign(error.message)}`,
      'Grant the user this token maps to get, list, watch and patch on the workloads, and list on pods and events, in the namespace.',
    );
  }
  // Every part of the refusal is the server's text.
  const what = foreign(`${refusal.resource}${refusal.group ? `.${refusal.group}` : ''}`, 200);
  const where = refusal.namespace
    ? `in namespace "${foreign(refusal.namespace, 100)}"`
    : 'at the cluster scope';
  const user = foreign(refusal.user, 200);
  const verb = foreign(refusal.verb, 60);
  const acting = error.impersonation;
  if (refusal.verb === 'impersonate') {
    // The token's user may not act as the kubeconfig user's `as`: the grant is for impersonation.
    return new ActionError(
      `The cluster refused to ${doing}: user "${user}" may not ${verb} ${what} ${where}.`,
      [
        `The kubeconfig user impersonates (${describeImpersonation(acting)}), and the cluster does not let user "${user}" do that.`,
        'Grant it with a ClusterRole (verbs: ["impersonate"] on users, groups, uids or userextras, restricted with resourceNames) bound to that user, or remove as/as-groups from the kubeconfig user.',
      ].join('\n'),
    );
  }
  return new ActionError(
    `The cluster refused to ${doing}: user "${user}" may not ${verb} ${what} ${where}.`,
    [
      acting?.user
        ? `The cluster authenticated the token and acted as user "${user}" (impersonated: ${describeImpersonation(acting)}), and RBAC grants that subject no "${verb}" on ${what}.`
        : `The cluster authenticated the token as user "${user}" but RBAC grants it no "${verb}" on ${what}.`,
      'Grant exactly what this action needs with (kubectl apply -f role.yaml):',
      '',
      rbacYaml(refusal.user, refusal.namespace ?? namespace, kinds),
      ...extraGrant(explanations, refusal.user),
    ].join('\n'),
  );
}

/** The source's other ways to grant `user` what was refused, as lines after the RBAC. */
export function extraGrant(explanations: SourceExplanations | undefined, user: string): string[] {
  const more = explanations?.forbidden?.(user);
  return more ? ['', more] : [];
}

/** The kubeconfig user's impersonation, for a hint: `as "x", as-groups "a", "b"`. */
function describeImpersonation(impersonation: Impersonation | undefined): string {
  const parts: string[] = [];
  // From the kubeconfig: escaped.
  if (impersonation?.user) parts.push(`as "${foreign(impersonation.user)}"`);
  if (impersonation?.groups) {
    parts.push(`as-groups ${impersonation.groups.map((g) => `"${foreign(g)}"`).join(', ')}`);
  }
  if (impersonation?.uid) parts.push(`as-uid "${foreign(impersonation.uid)}"`);
  if (impersonation?.extra) parts.push('as-user-extra');
  return parts.join(', ') || 'as';
}

/**
 * What a cluster source adds to the explanation of a refusal: authentication and part of
 * authorization are the cluster's own (issuer trust, EKS access entries, GKE IAM, Azure RBAC).
 */
export interface SourceExplanations {
  /** A 401 while `doing` something: what the cluster would have to accept. */
  unauthorized: (doing: string) => ActionError;
  /**
   * Further lines for a 403 refused to `user`, after the RBAC that would admit it: what else
   * grants it on this kind of cluster (GKE's IAM roles, Azure RBAC for Kubernetes).
   */
  forbidden?: (user: string) => string | undefined;
  /** The user the cluster sees, for a 403 whose message names none (a refused create). */
  user?: string;
}

/** Turns an API refusal into the explanation the user needs; other errors pass through. */
export function explainApiError(
  error: unknown,
  doing: string,
  context: {
    namespace: string;
    kinds: WorkloadKind[];
    explanations: SourceExplanations;
  },
): unknown {
  if (error instanceof KubeApiError) {
    if (error.statusCode === 401) return context.explanations.unauthorized(doing);
    if (error.statusCode === 403) {
      return explainForbidden(error, doing, context.namespace, context.kinds, context.explanations);
    }
    return new ActionError(
      `The cluster refused to ${doing}: ${foreign(error.message)} (HTTP ${error.statusCode}).`,
    );
  }
  if (error instanceof KubeNetworkError) {
    return new ActionError(
      `Could not reach the cluster to ${doing}: ${foreign(error.message)}.`,
      error.tls
        ? "The API server's certificate was not signed by the kubeconfig's CA: check the cluster's certificate-authority-data (base64 of the CA's PEM) and the server address (or tls-server-name)."
        : "Check that the runner can reach the API server (the kubeconfig's server address, firewalls). A proxy comes from the cluster's proxy-url, else HTTPS_PROXY unless NO_PROXY exempts the server.",
    );
  }
  return error;
}
