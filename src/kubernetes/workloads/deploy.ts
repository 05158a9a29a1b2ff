import { ActionError, formatError } from '../../base/errors.js';
import { markdownLiteral } from '../../base/untrusted.js';
import { KubeApiError } from '../api/client.js';
import { qualifiedName, workloadPath, type Workload } from '../api/objects.js';
import type { AppliedWorkload } from '../apply/apply.js';
import { explainApiError } from '../explain.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import {
  appliedPlans,
  rollBack,
  waitFor,
  type DeployRequest,
  type DeployResult,
  type Planned,
} from './plan.js';
import type { WorkloadRef } from './refs.js';
import type { WorkloadOutcome, WorkloadResult } from './result.js';
import type { WaitOutcome } from './rollout.js';
import { changeCause, imagePatch, isUnchanged, planImages } from './set-image.js';

export type { DeployClient, DeployRequest, DeployResult } from './plan.js';

/**
 * `kubectl set image` + `kubectl rollout status --timeout` for every workload, with the checks
 * kubectl lacks: every workload and container is validated before anything is patched, a
 * failed rollout is diagnosed and, if asked, rolled back. API refusals become explanations.
 *
 * The deploy in two halves: this one reads every workload and matches the images (nothing
 * changes, so it can run before a manifest apply); the function it returns patches and waits,
 * together with the workloads that apply changed.
 */
export async function prepareDeploy(
  request: DeployRequest,
): Promise<(applied: AppliedWorkload[]) => Promise<DeployResult>> {
  const explainFor = (applied: AppliedWorkload[]) => {
    const kinds = [...request.workloads, ...applied].map((w) => w.kind);
    return (error: unknown, doing: string) =>
      explainApiError(error, doing, {
        namespace: request.namespace,
        kinds,
        explanations: request.explanations,
      });
  };
  const validated = await validate(request, explainFor([]));
  return (applied) =>
    runDeploy(request, [...validated, ...appliedPlans(applied)], explainFor(applied));
}

async function runDeploy(
  request: DeployRequest,
  planned: Planned[],
  explain: (error: unknown, doing: string) => unknown,
): Promise<DeployResult> {
  const { client, logger } = request;

  const started = new Map<WorkloadRef, number>();
  const results = new Map<WorkloadRef, WorkloadResult>();
  const changing: Planned[] = [];
  for (const plan of planned) {
    if (plan.applied?.outcome === 'unchanged') {
      started.set(plan.ref, Date.now());
      results.set(plan.ref, result(plan, 'unchanged', 'applied unchanged', started));
    } else if (!plan.applied && isUnchanged(plan.changes)) {
      started.set(plan.ref, Date.now());
      logger.info(
        `${plan.ref.kind}.apps/${plan.ref.name} already runs the requested images: left unchanged`,
      );
      results.set(plan.ref, result(plan, 'unchanged', 'already at the requested images', started));
    } else {
      changing.push(plan);
    }
  }

  const { patched, waits } = await patchAndWatch(changing, request, started, explain);

  if (request.rolloutTimeoutMs === 0 || request.dryRun) {
    for (const plan of patched) {
      results.set(
        plan.ref,
        request.dryRun
          ? result(
              plan,
              'dry-run',
              'server dry run: the patch was accepted, nothing changed',
              started,
            )
          : result(
              plan,
              'patched',
              `${plan.applied ? 'applied' : 'patched'}; not waiting (rollout-timeout: 0)`,
              started,
            ),
      );
    }
    return {
      workloads: planned.map((p) => results.get(p.ref) as WorkloadResult),
      diagnosis: undefined,
    };
  }

  const diagnoses: string[] = [];
  const failed: Array<{ plan: Planned; outcome: WaitOutcome }> = [];
  for (const [index, plan] of patched.entries()) {
    const outcome = waits[index] as WaitOutcome;
    if (outcome.result === 'done') {
      results.set(plan.ref, result(plan, 'rolled-out', outcome.message, started));
    } else {
      failed.push({ plan, outcome });
    }
  }

  // Diagnosed at once, reported in input order.
  const found = await Promise.all(
    failed.map(({ plan, outcome }) =>
      diagnose({
        client,
        kind: plan.ref.kind,
        name: plan.ref.name,
        namespace: plan.namespace,
        workload: outcome.last ?? plan.object,
        changes: plan.changes,
      }),
    ),
  );
  for (const [index, { plan, outcome }] of failed.entries()) {
    const { ref } = plan;
    const diagnosis = found[index] as Diagnosis;
    logger.warning(`${ref.kind}/${ref.name}: ${outcome.message}`);
    // diagnosis.lines and outcome.message carry cluster text already passed through `foreign`.
    for (const line of diagnosis.lines) logger.info(`${ref.kind}/${ref.name}: ${line}`);
    diagnoses.push(`${diagnosis.markdown}\n\n_${markdownLiteral(outcome.message)}_`);
  }

  const rollbacks = request.rollbackOnFailure ? failed : [];
  const rolledBack = await Promise.all(
    rollbacks.map(({ plan }) =>
      // A refused rollback must not hide the failure it answers: it becomes part of the result.
      rollBack(plan, request, explain).catch((error: unknown): WaitOutcome => {
        const text = error instanceof Error ? error.message : String(error);
        logger.warning(
          `${plan.ref.kind}/${plan.ref.name}: the rollback failed: ${formatError(error)}`,
        );
        return { result: 'failed', message: text, last: undefined };
      }),
    ),
  );
  for (const { plan, outcome } of failed) {
    const index = rollbacks.findIndex((r) => r.plan === plan);
    const back = index >= 0 ? rolledBack[index] : undefined;
    const kind: WorkloadOutcome = outcome.result === 'timed-out' ? 'timed-out' : 'failed';
    if (back?.result === 'done') {
      results.set(
        plan.ref,
        result(
          plan,
          'rolled-back',
          plan.applied
            ? `${outcome.message}; rolled back to the pod template it had before the apply`
            : `${outcome.message}; rolled back to the previous images`,
          started,
        ),
      );
    } else if (back) {
      results.set(
        plan.ref,
        result(
          plan,
          kind,
          `${outcome.message}; the rollback did not finish: ${back.message}`,
          started,
        ),
      );
    } else {
      results.set(plan.ref, result(plan, kind, outcome.message, started));
    }
  }

  return {
    workloads: planned.map((p) => results.get(p.ref) as WorkloadResult),
    diagnosis: diagnoses.length > 0 ? diagnoses.join('\n\n') : undefined,
  };
}

/**
 * Reads every workload and matches every image line against it before anything changes:
 * all problems are reported at once, in one error, and nothing is patched.
 */
async function validate(
  request: DeployRequest,
  explain: (error: unknown, doing: string) => unknown,
): Promise<Planned[]> {
  const { client, namespace } = request;
  const reads = await Promise.allSettled(
    request.workloads.map((ref) =>
      client.get<Workload>(workloadPath(ref.kind, namespace, ref.name)),
    ),
  );
  const problems: string[] = [];
  const planned: Planned[] = [];
  for (const [index, ref] of request.workloads.entries()) {
    const read = reads[index] as PromiseSettledResult<Workload>;
    if (read.status === 'rejected') {
      if (read.reason instanceof KubeApiError && read.reason.statusCode === 404) {
        problems.push(`${qualifiedName(ref.kind, ref.name)} not found`);
        continue;
      }
      throw explain(read.reason, `get ${ref.kind}/${ref.name}`);
    }
    const plan = planImages(read.value, request.images);
    for (const problem of plan.problems) problems.push(`${ref.kind}/${ref.name}: ${problem}`);
    planned.push({ ref, namespace, object: read.value, changes: plan.changes });
  }
  if (problems.length > 0) {
    throw new ActionError(
      `Inputs "workloads" and "images" do not match the cluster (namespace "${namespace}"): ${problems.join('; ')}. Nothing was changed.`,
      'Check the workload names and kinds (deployment/NAME, statefulset/NAME, daemonset/NAME), the namespace, and the container names in "images" (kubectl get KIND NAME -o jsonpath=\'{.spec.template.spec.containers[*].name}\').',
    );
  }
  return planned;
}

/** Patches in flight at once after the first one. */
const PATCH_CONCURRENCY = 16;

interface Refusal {
  error: unknown;
  /** What was refused: a patch, or the wait (list/watch) after one. */
  of: 'patch' | 'wait';
}

/**
 * Patches every changing workload and starts waiting for each as soon as its patch lands. The
 * first patch goes alone, so the usual refusals (RBAC, an admission policy) change nothing; the
 * rest go PATCH_CONCURRENCY at a time, because one by one they cost a round trip each (50
 * workloads against a cluster 30 ms away: 1.5 s before the last rollout even starts). The first
 * refusal, of a patch or of a wait, stops the patches still to come and every wait, and its error
 * names the workloads already patched. Waits come back in the order of `plans`.
 */
async function patchAndWatch(
  plans: Planned[],
  request: DeployRequest,
  started: Map<WorkloadRef, number>,
  explain: (error: unknown, doing: string) => unknown,
): Promise<{ patched: Planned[]; waits: WaitOutcome[] }> {
  const { client, logger } = request;
  const waiting = request.rolloutTimeoutMs > 0 && !request.dryRun;
  const stop = new AbortController();
  const landed = new Set<Planned>();
  const waits = new Map<Planned, Promise<WaitOutcome>>();
  let refusal: Refusal | undefined;

  const patchOne = async (plan: Planned): Promise<void> => {
    const { ref, object, changes } = plan;
    started.set(ref, Date.now());
    if (!plan.applied) {
      try {
        await client.patch(
          workloadPath(ref.kind, plan.namespace, ref.name),
          imagePatch(object, changes, changeCause(ref, changes, request.env)),
          request.dryRun ? { dryRun: 'All' } : {},
        );
      } catch (error) {
        refusal ??= { error: explain(error, `patch ${ref.kind}/${ref.name}`), of: 'patch' };
        return;
      }
      logger.info(
        `${ref.kind}.apps/${ref.name} image updated${request.dryRun ? ' (server dry run)' : ''}`,
      );
    }
    landed.add(plan);
    if (!waiting) return;
    const prefix = plans.length > 1 ? `${ref.kind}/${ref.name}: ` : '';
    const wait = waitFor(plan, request, prefix, stop.signal);
    waits.set(plan, wait);
    // Handled at once, not when all patches are done: a refused watch stops the patching.
    wait.catch((error: unknown) => {
      refusal ??= { error: explain(error, `watch ${ref.kind}/${ref.name}`), of: 'wait' };
      stop.abort();
    });
  };

  const queue = [...plans];
  const worker = async (): Promise<void> => {
    for (let plan = queue.shift(); plan && !refusal; plan = queue.shift()) await patchOne(plan);
  };
  const first = queue.shift();
  if (first) await patchOne(first);
  await Promise.all(Array.from({ length: PATCH_CONCURRENCY }, worker));
  if (refusal) stop.abort();
  const settled = await Promise.allSettled(
    plans.flatMap((plan) => {
      const wait = waits.get(plan);
      return wait ? [wait] : [];
    }),
  );

  const patched = plans.filter((plan) => landed.has(plan));
  if (refusal) {
    const { error, of } = refusal;
    const changed = patched.filter((p) => !p.applied);
    if (!(error instanceof ActionError) || changed.length === 0) throw error;
    const names = changed.map((p) => `${p.ref.kind}/${p.ref.name}`).join(', ');
    // The patches that went through must be named, or the user would think nothing changed.
    throw withNote(
      error,
      of === 'patch' ? `already patched: ${names}` : `the new images were already set on ${names}`,
    );
  }
  return {
    patched,
    waits: settled.map((s) => (s as PromiseFulfilledResult<WaitOutcome>).value),
  };
}

/** The same error with a note appended to its message. */
function withNote(error: ActionError, note: string): ActionError {
  return new ActionError(`${error.message.replace(/\.$/, '')}; ${note}.`, error.hint);
}

function result(
  plan: Planned,
  outcome: WorkloadOutcome,
  message: string,
  started: Map<WorkloadRef, number>,
): WorkloadResult {
  const seconds = (Date.now() - (started.get(plan.ref) ?? Date.now())) / 1000;
  return {
    kind: plan.ref.kind,
    name: plan.ref.name,
    namespace: plan.namespace,
    containers: plan.changes,
    result: outcome,
    seconds: Math.round(seconds * 10) / 10,
    message,
  };
}
