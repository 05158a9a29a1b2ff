import { ActionError, asError } from '../../base/errors.js';
import type { Logger } from '../../base/logger.js';
import { sleep } from '../../net/retry.js';
import type { Claims } from '../../oidc/claims.js';
import { foreign } from '../../base/untrusted.js';
import { KubeApiError } from '../api/client.js';
import { explainApiError, type SourceExplanations } from '../explain.js';
import type { Impersonation } from '../cluster/impersonation.js';
import type { Workload } from '../api/objects.js';
import { isEstablished } from './crd.js';
import { Discovery, type DiscoveryClient } from './discovery.js';
import { explainApplyError, type ApplyErrorContext } from './explain.js';
import type { ManifestObject } from './manifests.js';
import { applyLine, applyOutcome, type ApplyOutcome } from './outcome.js';
import { isNamespace } from './order.js';
import { planObjects, type PlannedObject } from './plan.js';
import type { AccessNeed } from './rbac.js';
import type { WorkloadKind } from '../workloads/refs.js';

/** The calls an apply makes; KubeClient has them, tests pass their own. */
export interface ApplyClient extends DiscoveryClient {
  apply<T>(path: string, object: unknown, options: { force: boolean; dryRun: boolean }): Promise<T>;
}

export interface ApplyRequest {
  client: ApplyClient;
  objects: readonly ManifestObject[];
  namespaceInput: string | undefined;
  defaultNamespace: string;
  force: boolean;
  dryRun: boolean;
  logger: Logger;
  claims: Claims;
  impersonation: Impersonation | undefined;
  /** Explains a 401 of a token that is not the ID token (EKS). */
  /** The cluster source's part of the explanations of a refusal. */
  explanations: SourceExplanations;
  /** How long to wait for a CRD of the manifests to be established (default 60 s). */
  crdTimeoutMs?: number;
  /** Pause between reads of a CRD that is not established yet (default 250 ms). */
  crdPollMs?: number;
}

/** One applied object, for the result, the summary and the `applied` output. */
export interface AppliedObject {
  kind: string;
  apiVersion: string;
  /** Absent for a cluster-scoped object. */
  namespace?: string;
  name: string;
  outcome: ApplyOutcome;
  dryRun: boolean;
  file: string;
}

/** A Deployment, StatefulSet or DaemonSet the apply changed: its rollout is awaited. */
export interface AppliedWorkload {
  kind: WorkloadKind;
  name: string;
  namespace: string;
  outcome: ApplyOutcome;
  /** The object as the apply left it. */
  object: Workload;
  /** Before the apply; undefined when the apply created it. */
  before: Workload | undefined;
  /** Applies it again with the pod template it had before (the rollback); undefined if created. */
  restore: (() => Promise<void>) | undefined;
}

export interface ApplyResult {
  objects: AppliedObject[];
  workloads: AppliedWorkload[];
}

/** Checked and read before the first PATCH; `run` applies. */
export interface ApplyPlan {
  objects: PlannedObject[];
  run(): Promise<ApplyResult>;
}

interface Current {
  metadata?: { resourceVersion?: string };
}

/** Reads before the first apply, at most this many at once. */
const READ_CONCURRENCY = 8;

const WORKLOAD_KINDS: Record<string, WorkloadKind> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

/**
 * `kubectl apply --server-side`, checked first: maps every object with discovery, applies the
 * namespace rules, and reads each object (absent: the apply creates it and needs `create`;
 * present: its resourceVersion tells unchanged from configured afterwards). Everything that can
 * fail on bad input fails here, before anything is sent.
 */
export async function prepareApply(request: ApplyRequest): Promise<ApplyPlan> {
  const discovery = new Discovery(request.client);
  const explain = (doing: string) => (error: unknown) => {
    throw error instanceof ActionError
      ? error
      : explainApiError(error, doing, {
          namespace: request.defaultNamespace,
          kinds: [],
          explanations: request.explanations,
        });
  };
  const objects = await planObjects({
    objects: request.objects,
    discovery,
    namespaceInput: request.namespaceInput,
    defaultNamespace: request.defaultNamespace,
  }).catch(explain('read the API discovery documents (GET /api/v1, /apis/GROUP/VERSION)'));
  const before = await readAll(objects, request);
  const needs: AccessNeed[] = objects.map((o, i) => ({
    group: o.mapping.group,
    resource: o.mapping.resource,
    namespace: o.namespace,
    absent: before[i] === undefined,
    workload: !request.dryRun && o.mapping.group === 'apps' && o.manifest.kind in WORKLOAD_KINDS,
  }));
  const context = (index: number): ApplyErrorContext => ({
    needs,
    absent: before[index] === undefined,
    impersonation: request.impersonation,
    claims: request.claims,
    namespace: request.defaultNamespace,
    explanations: request.explanations,
  });
  request.logger.debug(
    `apply: ${objects.length} objects mapped with ${discovery.reads} discovery reads`,
  );
  return {
    objects,
    run: () =>
      applyAll(objects, before, request, discovery, context).catch(explain('apply the manifests')),
  };
}

async function readAll(
  objects: PlannedObject[],
  request: ApplyRequest,
): Promise<Array<Current | undefined>> {
  const results = new Array<Current | undefined>(objects.length);
  let next = 0;
  let failure: Error | undefined;
  const worker = async () => {
    while (failure === undefined && next < objects.length) {
      const index = next++;
      const object = objects[index] as PlannedObject;
      try {
        results[index] = await request.client.get<Current>(object.path);
      } catch (error) {
        // 404: absent (for a kind a CRD of the manifests defines, the whole path is unknown yet).
        if (error instanceof KubeApiError && error.statusCode === 404) continue;
        failure ??= asError(
          explainApplyError(error, object, 'read', {
            needs: objects.map((o) => ({
              group: o.mapping.group,
              resource: o.mapping.resource,
              namespace: o.namespace,
              absent: false,
              workload: false,
            })),
            absent: false,
            impersonation: request.impersonation,
            claims: request.claims,
            namespace: request.defaultNamespace,
            explanations: request.explanations,
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, objects.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

async function applyAll(
  objects: PlannedObject[],
  before: Array<Current | undefined>,
  request: ApplyRequest,
  discovery: Discovery,
  context: (index: number) => ApplyErrorContext,
): Promise<ApplyResult> {
  const { client, logger, dryRun, force } = request;
  const applied: AppliedObject[] = [];
  const workloads: AppliedWorkload[] = [];
  const established = new Set<string>();
  // Namespaces a dry run would create: the server cannot check objects in them (it answers
  // `namespaces "x" not found`), so they are reported without being sent.
  const newNamespaces = new Set<string>();
  for (const [index, object] of objects.entries()) {
    const { manifest } = object;
    const previous = before[index];
    if (dryRun && object.namespace !== undefined && newNamespaces.has(object.namespace)) {
      logger.info(
        `${foreign(object.display, 300)}: would be created (not sent: its namespace "${foreign(object.namespace, 63)}" is new, and a dry run cannot check objects in it)`,
      );
      applied.push(result(object, 'created', dryRun));
      continue;
    }
    if (object.crd !== undefined && !established.has(object.crd)) {
      if (dryRun && !object.served) {
        logger.info(
          `${foreign(object.display, 300)}: ${previous ? 'would be applied' : 'would be created'} (not sent: its CustomResourceDefinition ${foreign(object.crd, 253)} is not established in a dry run)`,
        );
        applied.push(result(object, previous ? 'configured' : 'created', dryRun));
        continue;
      }
      if (!dryRun) await waitEstablished(object, request, discovery);
      established.add(object.crd);
    }
    let after: Current & Workload;
    try {
      after = await client.apply<Current & Workload>(object.path, object.body, { force, dryRun });
    } catch (error) {
      const explained = explainApplyError(error, object, 'apply', context(index));
      if (applied.length === 0 || !(explained instanceof ActionError)) throw explained;
      // What went through must be named, or the user would think nothing changed.
      const done = applied
        .map((a) =>
          foreign(`${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name} (${a.outcome})`, 300),
        )
        .join(', ');
      throw withNote(explained, `already applied before it: ${done}`);
    }
    const outcome = applyOutcome(previous, after, dryRun);
    // Names come from the manifests: escaped, and never a Secret's content (only its name).
    logger.info(applyLine(foreign(object.display, 300), outcome, dryRun));
    applied.push(result(object, outcome, dryRun));
    if (isNamespace(manifest) && outcome === 'created' && dryRun) newNamespaces.add(manifest.name);
    const workloadKind = WORKLOAD_KINDS[manifest.kind];
    if (!dryRun && workloadKind && object.mapping.group === 'apps' && object.namespace) {
      const prior = previous;
      workloads.push({
        kind: workloadKind,
        name: manifest.name,
        namespace: object.namespace,
        outcome,
        object: after,
        before: prior,
        restore: prior === undefined ? undefined : () => restoreTemplate(object, prior, request),
      });
    }
  }
  return { objects: applied, workloads };
}

function result(object: PlannedObject, outcome: ApplyOutcome, dryRun: boolean): AppliedObject {
  const { manifest } = object;
  return {
    kind: manifest.kind,
    apiVersion: manifest.apiVersion,
    ...(object.namespace !== undefined ? { namespace: object.namespace } : {}),
    name: manifest.name,
    outcome,
    dryRun,
    file: manifest.file,
  };
}

/**
 * Waits (bounded) until the CRD that defines the object's kind is established, then reads its
 * group version again: discovery serves the new kind only from then on.
 */
async function waitEstablished(
  object: PlannedObject,
  request: ApplyRequest,
  discovery: Discovery,
): Promise<void> {
  const timeoutMs = request.crdTimeoutMs ?? 60_000;
  const pollMs = request.crdPollMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  const crd = object.crd as string;
  const apiVersion = object.manifest.apiVersion;
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(crd)}`;
  let logged = false;
  for (;;) {
    const current = await request.client.get<unknown>(path).catch((error: unknown) => {
      if (error instanceof KubeApiError && error.statusCode === 404) return undefined;
      throw error;
    });
    if (isEstablished(current)) {
      discovery.forget(apiVersion);
      const mapping = await discovery.resolve(apiVersion, object.manifest.kind);
      if (mapping) return;
    }
    if (Date.now() >= deadline) {
      throw new ActionError(
        `The CustomResourceDefinition ${foreign(crd, 253)} was applied but not established within ${timeoutMs / 1000} s: ${foreign(object.display, 300)} (${foreign(object.manifest.file, 300)}) cannot be applied.`,
        `Check its status (kubectl get crd ${foreign(crd, 253)} -o yaml: conditions NamesAccepted and Established) and the apiextensions-apiserver's log.`,
      );
    }
    if (!logged) {
      request.logger.info(
        `Waiting for the CustomResourceDefinition ${foreign(crd, 253)} to be established...`,
      );
      logged = true;
    }
    await sleep(pollMs);
  }
}

/**
 * The rollback of an applied workload: the manifest applied again with the pod template the
 * object had before, taking those fields back (force) under our field manager.
 */
async function restoreTemplate(
  object: PlannedObject,
  before: Workload,
  request: ApplyRequest,
): Promise<void> {
  const spec = { ...(object.body['spec'] as Record<string, unknown> | undefined) };
  spec['template'] = before.spec?.template;
  await request.client.apply(object.path, { ...object.body, spec }, { force: true, dryRun: false });
}

/** The same error with a note appended to its message. */
function withNote(error: ActionError, note: string): ActionError {
  return new ActionError(`${error.message.replace(/\.$/, '')}; ${note}.`, error.hint);
}
