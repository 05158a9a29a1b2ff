import { asError } from '../../base/errors.js';
import type { Logger } from '../../base/logger.js';
import { retryDelay, sleep, type Backoff } from '../../net/retry.js';
import {
  KubeApiError,
  KubeNetworkError,
  type Query,
  type WatchEnd,
  type WatchVerdict,
} from '../api/client.js';
import {
  qualifiedName,
  workloadPath,
  type ObjectList,
  type Status,
  type WatchEvent,
  type Workload,
} from '../api/objects.js';
import { foreign } from '../../base/untrusted.js';
import type { WorkloadKind } from './refs.js';

/**
 * Where a rollout stands, as `kubectl rollout status` judges it: `done` ends the wait with
 * success, `error` ends it with failure, otherwise `message` is the progress line to print.
 */
export interface RolloutStatus {
  done: boolean;
  message: string;
  error?: string;
}

const ONLY_ROLLING_UPDATE = 'rollout status is only available for RollingUpdate strategy type';

/**
 * kubectl's status viewer for the kind (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go).
 * Its words verbatim; the object's name and revisions come from the server and go through
 * `foreign` (unchanged for any name Kubernetes accepts, so the lines still match kubectl's).
 */
export function rolloutStatus(kind: WorkloadKind, object: Workload): RolloutStatus {
  switch (kind) {
    case 'deployment':
      return deploymentStatus(object);
    case 'statefulset':
      return statefulSetStatus(object);
    case 'daemonset':
      return daemonSetStatus(object);
  }
}

export function deploymentStatus(d: Workload): RolloutStatus {
  const name = foreign(d.metadata?.name ?? '', 253);
  const generation = count(d.metadata?.generation);
  const status = d.status ?? {};
  if (generation > count(status.observedGeneration)) {
    return waiting('Waiting for deployment spec update to be observed...');
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const error = `deployment "${name}" exceeded its progress deadline`;
    return { done: false, message: error, error };
  }
  const updated = count(status.updatedReplicas);
  const replicas = optionalCount(d.spec?.replicas);
  if (replicas !== undefined && updated < replicas) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    );
  }
  const current = count(status.replicas);
  if (current > updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${current - updated} old replicas are pending termination...`,
    );
  }
  const available = count(status.availableReplicas);
  if (available < updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

export function daemonSetStatus(d: Workload): RolloutStatus {
  const name = foreign(d.metadata?.name ?? '', 253);
  if (d.spec?.updateStrategy?.type !== 'RollingUpdate') {
    return { done: false, message: ONLY_ROLLING_UPDATE, error: ONLY_ROLLING_UPDATE };
  }
  const status = d.status ?? {};
  if (count(d.metadata?.generation) > count(status.observedGeneration)) {
    return waiting('Waiting for daemon set spec update to be observed...');
  }
  const desired = count(status.desiredNumberScheduled);
  const updated = count(status.updatedNumberScheduled);
  if (updated < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  const available = count(status.numberAvailable);
  if (available < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

export function statefulSetStatus(s: Workload): RolloutStatus {
  const strategy = s.spec?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate') {
    return { done: false, message: ONLY_ROLLING_UPDATE, error: ONLY_ROLLING_UPDATE };
  }
  const status = s.status ?? {};
  const observed = count(status.observedGeneration);
  if (observed === 0 || count(s.metadata?.generation) > observed) {
    return waiting('Waiting for statefulset spec update to be observed...');
  }
  const replicas = optionalCount(s.spec?.replicas);
  const ready = count(status.readyReplicas);
  if (replicas !== undefined && ready < replicas) {
    return waiting(`Waiting for ${replicas - ready} pods to be ready...`);
  }
  const updated = count(status.updatedReplicas);
  if (strategy.rollingUpdate) {
    const partition = optionalCount(strategy.rollingUpdate.partition);
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return waiting(
        `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`,
      );
    }
    return {
      done: true,
      message: `partitioned roll out complete: ${updated} new pods have been updated...`,
    };
  }
  if (status.updateRevision !== status.currentRevision) {
    return waiting(
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${foreign(status.updateRevision ?? '', 253)}...`,
    );
  }
  return {
    done: true,
    message: `statefulset rolling update complete ${count(status.currentReplicas)} pods at revision ${foreign(status.currentRevision ?? '', 253)}...`,
  };
}

/**
 * A count from the server's JSON. A hostile server can send anything; kubectl's typed decode
 * would refuse a non-number, here it counts as 0 and never reaches a log line as text.
 */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function optionalCount(value: unknown): number | undefined {
  return value === undefined ? undefined : count(value);
}

function waiting(message: string): RolloutStatus {
  return { done: false, message };
}

// ---------------------------------------------------------------- waiting for it

export type WaitResult = 'done' | 'failed' | 'deleted' | 'timed-out';

export interface WaitOutcome {
  result: WaitResult;
  /** kubectl's last line: the success line, the error, or `timed out waiting for the condition`. */
  message: string;
  /** The last state seen, for the diagnosis. */
  last: Workload | undefined;
}

/** The calls the wait makes; KubeClient has them, tests may pass their own. */
export interface WatchingClient {
  list<T>(path: string, query?: Query): Promise<ObjectList<T>>;
  watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => WatchVerdict,
    signal: AbortSignal,
  ): Promise<WatchEnd>;
}

export interface WaitRequest {
  client: WatchingClient;
  kind: WorkloadKind;
  name: string;
  namespace: string;
  timeoutMs: number;
  logger: Logger;
  /** Ends the wait early (as a timeout) when aborted: another wait failed. */
  signal?: AbortSignal;
  /** Put before each progress line, when several workloads print at once. */
  prefix?: string;
  /** Pauses before reconnecting a failed watch (net/retry.ts's rule). */
  backoff?: Backoff;
  /** The server-side timeout of each watch request; kubectl picks 5 to 10 minutes. */
  watchTimeoutSeconds?: () => number;
}

export const TIMED_OUT = 'timed out waiting for the condition';

/**
 * `kubectl rollout status --timeout`: list the object (by name), judge it, then watch from the
 * list's resourceVersion and judge every change, until done, an error, deletion or the timeout.
 * A 410 Gone or an ERROR event re-lists; a dropped stream reconnects with backoff from the last
 * resourceVersion seen; a stream the server ended reconnects at once. Requests grow with
 * reconnects, not with events. Each new progress line is logged once.
 */
export async function waitForRollout(request: WaitRequest): Promise<WaitOutcome> {
  const { client, kind, name, namespace, logger } = request;
  const path = workloadPath(kind, namespace);
  const fieldSelector = `metadata.name=${name}`;
  const backoff = request.backoff ?? { baseDelayMs: 500, maxDelayMs: 10_000 };
  const watchTimeout = request.watchTimeoutSeconds ?? (() => 300 + Math.floor(Math.random() * 300));
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal = request.signal
    ? AbortSignal.any([deadline.signal, request.signal])
    : deadline.signal;

  let last: Workload | undefined;
  let lastMessage: string | undefined;
  const judge = (object: Workload): WaitOutcome | undefined => {
    last = object;
    const status = rolloutStatus(kind, object);
    if (status.message !== lastMessage) {
      lastMessage = status.message;
      if (!status.error) logger.info(`${request.prefix ?? ''}${status.message}`);
    }
    if (status.error) return { result: 'failed', message: status.error, last };
    if (status.done) return { result: 'done', message: status.message, last };
    return undefined;
  };

  try {
    let resourceVersion: string | undefined;
    let failures = 0;
    // Re-lists in a row without an event between them: the first is immediate (as kubectl's),
    // the next back off, so a server that keeps expiring the watch costs requests over time only.
    let relists = 0;
    while (!signal.aborted) {
      if (relists > 1) {
        await sleep(retryDelay(backoff, relists - 1), signal);
        if (signal.aborted) break;
      }
      try {
        if (resourceVersion === undefined) {
          // A consistent read (no resourceVersion=0): a cached list could predate our patch.
          const list = await untilAborted(
            client.list<Workload>(path, { fieldSelector, limit: 500 }),
            signal,
          );
          if (list === ABORTED) break;
          const object = list.items?.[0];
          if (!object) {
            return { result: 'deleted', message: `${qualifiedName(kind, name)} not found`, last };
          }
          const verdict = judge(object);
          if (verdict) return verdict;
          resourceVersion =
            list.metadata?.resourceVersion ?? object.metadata?.resourceVersion ?? '';
        }

        let outcome: WaitOutcome | undefined;
        let relist = false;
        let events = 0;
        const started = Date.now();
        const end = await client.watch<Workload | Status>(
          path,
          {
            allowWatchBookmarks: true,
            fieldSelector,
            resourceVersion,
            timeoutSeconds: watchTimeout(),
          },
          (event) => {
            if (event.type !== 'ERROR') {
              events++;
              relists = 0;
            }
            switch (event.type) {
              case 'ADDED':
              case 'MODIFIED': {
                const object = event.object as Workload;
                resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
                outcome = judge(object);
                return outcome ? 'stop' : 'continue';
              }
              case 'BOOKMARK':
                resourceVersion =
                  (event.object as Workload).metadata?.resourceVersion ?? resourceVersion;
                return 'continue';
              case 'DELETED':
                // kubectl stops too: a re-created object would be a different rollout.
                outcome = { result: 'deleted', message: 'object has been deleted', last };
                return 'stop';
              default: {
                const status = event.object as Status;
                logger.debug(
                  `watch of ${kind}/${name} ended with ${foreign(`${status.code ?? ''} ${status.reason ?? ''} ${status.message ?? ''}`, 300)}; listing again`,
                );
                relist = true;
                return 'stop';
              }
            }
          },
          signal,
        );
        if (outcome) return outcome;
        if (relist) {
          resourceVersion = undefined;
          relists++;
          continue;
        }
        if (end === 'closed' && (events > 0 || Date.now() - started >= 1000)) {
          failures = 0;
          continue;
        }
        if (end === 'stopped') break;
        failures++;
        logger.debug(`watch of ${kind}/${name} closed at once; reconnecting`);
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 410) {
          resourceVersion = undefined;
          relists++;
          continue;
        }
        if (!isTransient(error)) throw error;
        failures++;
        logger.debug(
          `watch of ${kind}/${name}: ${foreign(error instanceof Error ? error.message : String(error), 300)}; reconnecting`,
        );
      }
      await sleep(retryDelay(backoff, failures), signal);
    }
    return { result: 'timed-out', message: TIMED_OUT, last };
  } finally {
    clearTimeout(timer);
  }
}

/** A broken connection or a server in trouble: worth another try within the timeout. */
function isTransient(error: unknown): boolean {
  if (error instanceof KubeNetworkError) return !error.permanent;
  return error instanceof KubeApiError && (error.statusCode === 429 || error.statusCode >= 500);
}

const ABORTED = Symbol('aborted');

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(ABORTED);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}
