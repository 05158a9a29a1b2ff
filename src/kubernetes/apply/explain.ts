import { ActionError } from '../../base/errors.js';
import type { Claims } from '../../oidc/claims.js';
import { foreign } from '../../base/untrusted.js';
import { KubeApiError } from '../api/client.js';
import {
  explainApiError,
  parseForbidden,
  extraGrant,
  type SourceExplanations,
} from '../explain.js';
import type { Impersonation } from '../cluster/impersonation.js';
import { origin, type PlannedObject } from './plan.js';
import { applyRbacYaml, type AccessNeed } from './rbac.js';
import { redactSecret } from './secret-spellings.js';

/** One field another manager owns, from a 409's `details.causes`. */
export interface FieldConflict {
  field: string;
  manager: string;
  /** `using apps/v1`: the manager wrote it with an update, not an apply. */
  apiVersion: string | undefined;
}

interface Cause {
  reason?: unknown;
  message?: unknown;
  field?: unknown;
}

const CONFLICT_WITH = /conflict with "((?:[^"\\]|\\.)*)"(?: using (\S+))?/;

/** The conflicts of a 409 apply answer: each field and the manager that owns it. */
export function parseConflicts(status: unknown): FieldConflict[] {
  const causes = (status as { details?: { causes?: unknown } } | undefined)?.details?.causes;
  if (!Array.isArray(causes)) return [];
  const conflicts: FieldConflict[] = [];
  for (const cause of causes as Cause[]) {
    if (cause?.reason !== 'FieldManagerConflict') continue;
    const m = CONFLICT_WITH.exec(typeof cause.message === 'string' ? cause.message : '');
    conflicts.push({
      field: typeof cause.field === 'string' ? cause.field : '',
      manager: m ? (m[1] as string).replace(/\\(.)/g, '$1') : '',
      apiVersion: m?.[2],
    });
  }
  return conflicts;
}

export interface ApplyErrorContext {
  /** Every object of the run, for the RBAC that admits all of them. */
  needs: readonly AccessNeed[];
  /** The refused object did not exist before the apply (the GET answered 404). */
  absent: boolean;
  impersonation: Impersonation | undefined;
  claims: Claims;
  /** The namespace of the run, for errors that are not about an object. */
  namespace: string;
  /** The cluster source's part of the explanations of a refusal. */
  explanations: SourceExplanations;
}

/**
 * A refused apply (or the read before it) as an ActionError naming the object and its file:
 * a 409 lists the fields and their managers and names `force-conflicts`; a 403 prints the RBAC
 * that admits the run (`create` too for a new object, which the API server's bare
 * `... is forbidden: ` does not say); an admission webhook's denial shows its message. The
 * server's text is escaped, and for a Secret every value of the object is cut out of it first.
 */
export function explainApplyError(
  error: unknown,
  object: PlannedObject,
  doing: 'apply' | 'read',
  context: ApplyErrorContext,
): unknown {
  if (!(error instanceof KubeApiError)) {
    return explainApiError(error, `${doing} ${foreign(object.display, 300)}`, {
      namespace: context.namespace,
      kinds: [],
      explanations: context.explanations,
    });
  }
  const what = `${foreign(object.display, 300)} from ${origin(object.manifest)}`;
  const serverText = (text: string) => foreign(redact(text, object), 2000);
  const message = error.status?.message ?? error.message;
  if (error.statusCode === 401) {
    return explainApiError(error, `${doing} ${foreign(object.display, 300)}`, {
      namespace: context.namespace,
      kinds: [],
      explanations: context.explanations,
    });
  }
  if (error.statusCode === 409 && doing === 'apply') {
    const conflicts = parseConflicts(error.status);
    if (conflicts.length > 0) {
      const list = conflicts
        .map(
          (c) =>
            `${serverText(c.field)} (manager "${serverText(c.manager)}"${c.apiVersion ? `, using ${serverText(c.apiVersion)}` : ''})`,
        )
        .join(', ');
      return new ActionError(
        `Applying ${what} conflicts with fields another field manager owns: ${list}.`,
        [
          'Another tool (kubectl edit or set, a controller, an earlier apply by another manager) set these fields, and server-side apply does not take them over silently.',
          'Set input "force-conflicts: true" to take them over with the values of the manifest (kubectl: --force-conflicts), or remove these fields from the manifest to leave them to that manager.',
        ].join('\n'),
      );
    }
  }
  const admission =
    error.statusCode === 403
      ? /admission webhook "[^"]*" denied the request|ValidatingAdmissionPolicy .* denied request|denied request:/
      : /admission webhook "[^"]*" denied the request/;
  if (admission.test(message)) {
    if (object.secret) return withheldDenial(message, what);
    return new ActionError(
      `The cluster's admission control refused ${what}: ${serverText(message)}`,
      'An admission webhook or policy of the cluster refused the object: change the manifest to satisfy it (its message says what it wants), or ask the cluster administrators.',
    );
  }
  if (error.statusCode === 403) return explainForbiddenApply(error, object, what, doing, context);
  const details = error.status?.details;
  const missingNamespace =
    error.statusCode === 404 && details?.kind === 'namespaces' && object.namespace !== undefined;
  const action = `${doing} ${what}`;
  return new ActionError(
    `The cluster refused to ${action}: ${serverText(message)} (HTTP ${error.statusCode}).`,
    missingNamespace
      ? `Namespace "${foreign(object.namespace, 63)}" does not exist: add a Namespace object to the manifests (it is applied first), or create it. In a dry run, objects in a namespace the same apply would create cannot be checked.`
      : error.statusCode === 422 || error.statusCode === 400
        ? 'The API server found the object invalid (fieldValidation=Strict refuses unknown and duplicate fields, as kubectl does): fix the manifest at that place.'
        : undefined,
  );
}

/**
 * A webhook's or policy's denial of a Secret: its message is not quoted at all. A policy engine
 * may render the denied object in any form (a template, a truncated or transformed value) that
 * no list of spellings can cut out, so only who refused it is said.
 */
function withheldDenial(message: string, what: string): ActionError {
  const webhook = /admission webhook "((?:[^"\\]|\\.)*)" denied the request/.exec(message)?.[1];
  const policy = /ValidatingAdmissionPolicy '([^']*)'/.exec(message)?.[1];
  const who =
    webhook !== undefined
      ? `admission webhook "${foreign(webhook, 200)}"`
      : policy !== undefined
        ? `ValidatingAdmissionPolicy "${foreign(policy, 200)}"`
        : 'an admission policy';
  return new ActionError(
    `The cluster's admission control refused ${what}: ${who} denied the request (its message is withheld: it may quote the Secret's values).`,
    "Change the Secret to satisfy that webhook or policy. Its full message is in the webhook's or policy engine's log, or in the output of kubectl apply --server-side --dry-run=server -f FILE run where printing the Secret is safe.",
  );
}

function explainForbiddenApply(
  error: KubeApiError,
  object: PlannedObject,
  what: string,
  doing: 'apply' | 'read',
  context: ApplyErrorContext,
): ActionError {
  const refusal = parseForbidden(error.status?.message ?? '');
  // The bare `configmaps "x" is forbidden: ` of a refused create names neither user nor verb.
  const verb = refusal?.verb ?? (doing === 'read' ? 'get' : context.absent ? 'create' : 'patch');
  const acting = context.impersonation?.user;
  const user = refusal?.user ?? acting;
  const subject =
    user ?? context.explanations.user ?? `${guessPrefix(context.claims.iss)}${context.claims.sub}`;
  const resource = `${object.mapping.resource}${object.mapping.group ? `.${object.mapping.group}` : ''}`;
  const where = object.namespace
    ? `in namespace "${foreign(object.namespace, 63)}"`
    : 'at the cluster scope';
  const why =
    verb === 'create'
      ? ` ${foreign(object.display, 300)} did not exist, and the API server authorizes a server-side apply that creates an object as "create" as well as "patch".`
      : '';
  const action = `${doing} ${what}`;
  const detail = `${user === undefined ? "the token's user" : `user "${foreign(user, 200)}"`} may not ${foreign(verb, 60)} ${foreign(resource, 200)} ${where}.${why}`;
  return new ActionError(
    `The cluster refused to ${action}: ${detail}`,
    [
      user === undefined
        ? `The API server did not name the user: the subject below is the token's sub ("${foreign(context.claims.sub, 200)}") with the usual prefix; use the user your cluster's claimMappings make of it.`
        : acting
          ? `The kubeconfig user impersonates "${foreign(acting, 200)}": the grant is for that user.`
          : `The cluster authenticated the token as user "${foreign(user, 200)}".`,
      'Grant exactly what this apply needs (get and patch on every kind applied, create where an object is new, and the rollout reads) with (kubectl apply -f rbac.yaml):',
      '',
      applyRbacYaml(subject, context.needs),
      ...extraGrant(context.explanations, subject),
    ].join('\n'),
  );
}

/** A username prefix naming the platform, as explain.ts suggests it for the 401. */
function guessPrefix(issuer: string): string {
  if (/token\.actions\.githubusercontent\.com/.test(issuer)) return 'github:';
  if (/\/api\/actions\/?$/.test(issuer)) return 'forgejo:';
  return 'oidc:';
}

/**
 * The server's text with every value of a Secret cut out, in every spelling a server may print
 * it (secret-spellings.ts): an error may echo the object, and a Secret must never reach the log.
 */
export function redact(text: string, object: PlannedObject): string {
  return object.secret ? redactSecret(text, object.body) : text;
}
