import { KubeApiError, type Query } from '../api/client.js';
import { parseForbidden } from '../explain.js';
import type {
  ContainerStatus,
  KubeEvent,
  LabelSelector,
  ObjectList,
  Pod,
  Workload,
} from '../api/objects.js';
import type { ContainerChange } from './result.js';
import { foreign, foreignMarkdown, markdownLiteral } from '../../base/untrusted.js';
import type { WorkloadKind } from './refs.js';

export interface Diagnosis {
  /** For the log, one finding per line; every field from the cluster passed through `foreign`. */
  lines: string[];
  /** For the job summary: the same lines made literal Markdown. */
  markdown: string;
}

export interface DiagnoseRequest {
  client: { list<T>(path: string, query?: Query): Promise<ObjectList<T>> };
  kind: WorkloadKind;
  name: string;
  namespace: string;
  /** The workload as last seen by the wait. */
  workload: Workload | undefined;
  changes: ContainerChange[];
  /** Pods and events shown at most. */
  maxPods?: number;
  maxEvents?: number;
}

/**
 * Why a rollout did not finish: the new revision's pods that are not ready, each container's
 * waiting/terminated reason, the scheduler's reason for a pending pod, and recent Warning
 * events of the workload and those pods. Deployments find the new revision's pods by the
 * newest ReplicaSet's pod-template-hash, StatefulSets by status.updateRevision; DaemonSets (and
 * deployments when ReplicaSets may not be listed) by the selector and the new images.
 * A refusal to list degrades to a note: the diagnosis never fails the action itself.
 */
export async function diagnose(request: DiagnoseRequest): Promise<Diagnosis> {
  const { client, kind, name, namespace, workload } = request;
  const maxPods = request.maxPods ?? 5;
  const maxEvents = request.maxEvents ?? 10;
  const notes: string[] = [];
  const findings: string[] = [];
  const eventObjects = new Set<string>([name]);
  const selector = workload?.spec?.selector ? labelSelector(workload.spec.selector) : undefined;

  let revisionLabel: string | undefined;
  if (kind === 'deployment' && selector !== undefined) {
    try {
      const replicaSets = await client.list<Workload>(
        `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`,
        { labelSelector: selector },
      );
      const newest = newestReplicaSet(replicaSets.items ?? [], workload?.metadata?.uid);
      const hash = newest?.metadata?.labels?.['pod-template-hash'];
      if (newest?.metadata?.name) eventObjects.add(newest.metadata.name);
      if (hash) revisionLabel = `pod-template-hash=${hash}`;
    } catch (error) {
      notes.push(cannotList('replicasets', error, 'picking pods by their new images instead'));
    }
  } else if (kind === 'statefulset' && workload?.status?.updateRevision) {
    revisionLabel = `controller-revision-hash=${workload.status.updateRevision}`;
  }

  if (selector === undefined) {
    notes.push(`The ${kind}'s selector is unknown, so its pods could not be found.`);
  } else {
    try {
      const pods = await client.list<Pod>(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        {
          labelSelector: revisionLabel
            ? [selector, revisionLabel].filter(Boolean).join(',')
            : selector,
          limit: 500,
        },
      );
      const newPods = (pods.items ?? []).filter(
        (pod) => revisionLabel !== undefined || runsNewImages(pod, request.changes),
      );
      const notReady = newPods.filter((pod) => !isReady(pod));
      if (notReady.length === 0) {
        findings.push(
          newPods.length === 0
            ? 'No pod of the new revision exists yet.'
            : `All ${newPods.length} pods of the new revision are ready.`,
        );
      }
      for (const pod of notReady.slice(0, maxPods)) {
        const podName = pod.metadata?.name ?? '?';
        eventObjects.add(podName);
        findings.push(...describePod(pod));
      }
      if (notReady.length > maxPods) {
        findings.push(`... and ${notReady.length - maxPods} more pods not ready.`);
      }
    } catch (error) {
      notes.push(cannotList('pods', error));
    }
  }

  const events: string[] = [];
  try {
    const list = await client.list<KubeEvent>(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
      { fieldSelector: 'type=Warning', limit: 500 },
    );
    const relevant = (list.items ?? [])
      .filter((e) => e.type === 'Warning' && eventObjects.has(e.involvedObject?.name ?? ''))
      .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
      .slice(-maxEvents);
    for (const e of relevant) {
      const count = typeof e.count === 'number' && e.count > 1 ? ` (x${e.count})` : '';
      const kind = foreign(String(e.involvedObject?.kind ?? '').toLowerCase(), 60);
      events.push(
        `${kind}/${foreign(e.involvedObject?.name ?? '?', 253)}: ${foreign(e.reason ?? '', 100)}: ${foreign(oneLine(e.message ?? ''), 300)}${count}`,
      );
    }
  } catch (error) {
    notes.push(cannotList('events', error));
  }

  const lines = [
    ...findings,
    ...(events.length > 0 ? ['Recent warning events:', ...events.map((e) => `  ${e}`)] : []),
    ...notes,
  ];
  const markdown = [
    `**${kind}/${foreignMarkdown(name)}** (namespace ${foreignMarkdown(namespace)})`,
    '',
    // Indented findings (a pod's containers) become nested list items under their pod.
    ...findings.map((f) => {
      const indent = /^\s*/.exec(f)?.[0] ?? '';
      return `${indent}- ${markdownLiteral(f.slice(indent.length))}`;
    }),
    ...(events.length > 0
      ? ['', 'Recent warning events:', '', ...events.map((e) => `- ${markdownLiteral(e)}`)]
      : []),
    ...(notes.length > 0 ? ['', ...notes.map((n) => `> ${markdownLiteral(n)}`)] : []),
  ].join('\n');
  return { lines, markdown };
}

/**
 * One line per not-ready pod, and one per container that says why. Every field comes from the
 * cluster, so each goes through `foreign`: a phase `Running\n::set-output ...` stays one line.
 */
export function describePod(pod: Pod): string[] {
  const name = foreign(pod.metadata?.name ?? '?', 253);
  const status = pod.status ?? {};
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  let head = `pod/${name}: ${foreign(status.phase ?? 'Unknown', 60)}`;
  if (scheduled?.status === 'False') {
    head += ` (not scheduled: ${foreign(scheduled.reason ?? '', 100)}${scheduled.message ? `: ${foreign(oneLine(scheduled.message), 300)}` : ''})`;
  } else if (status.reason) {
    head += ` (${foreign(status.reason, 100)}${status.message ? `: ${foreign(oneLine(status.message), 300)}` : ''})`;
  }
  const lines = [head];
  const statuses: Array<[ContainerStatus, boolean]> = [
    ...(status.initContainerStatuses ?? []).map((s): [ContainerStatus, boolean] => [s, true]),
    ...(status.containerStatuses ?? []).map((s): [ContainerStatus, boolean] => [s, false]),
  ];
  for (const [container, init] of statuses) {
    const why = containerProblem(container);
    if (why) {
      lines.push(
        `  ${init ? 'init container' : 'container'} ${foreign(container.name, 63)}: ${why}`,
      );
    }
  }
  return lines;
}

/**
 * ImagePullBackOff, ErrImagePull, CrashLoopBackOff (with the last exit code), a failed exit.
 * Reasons, messages and numbers come from the cluster: each goes through `foreign`.
 */
export function containerProblem(container: ContainerStatus): string | undefined {
  const state = container.state ?? {};
  const restarts = container.restartCount
    ? `, ${foreign(container.restartCount, 20)} restarts`
    : '';
  if (state.waiting) {
    const { reason = 'Waiting', message } = state.waiting;
    if (reason === 'ContainerCreating' || reason === 'PodInitializing') return undefined;
    const lastExit = container.lastState?.terminated;
    const exit =
      lastExit?.exitCode !== undefined
        ? `; last exit code ${foreign(lastExit.exitCode, 20)}${lastExit.reason ? ` (${foreign(lastExit.reason, 100)})` : ''}`
        : '';
    return `${foreign(reason, 100)}${message ? `: ${foreign(oneLine(message), 300)}` : ''}${exit}${restarts}`;
  }
  if (state.terminated && state.terminated.exitCode !== 0) {
    const { reason = 'Terminated', exitCode, message } = state.terminated;
    return `${foreign(reason, 100)} (exit code ${foreign(exitCode ?? '?', 20)})${message ? `: ${foreign(oneLine(message), 300)}` : ''}${restarts}`;
  }
  if (state.running && container.ready === false) return `running, not ready${restarts}`;
  return undefined;
}

/** A LabelSelector as the `labelSelector` query parameter. */
export function labelSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The deployment's ReplicaSet with the highest revision annotation. */
export function newestReplicaSet(
  items: Workload[],
  ownerUid: string | undefined,
): Workload | undefined {
  const owned = items.filter(
    (rs) => !ownerUid || (rs.metadata?.ownerReferences ?? []).some((o) => o.uid === ownerUid),
  );
  let best: Workload | undefined;
  let bestRevision = -1;
  for (const rs of owned) {
    const revision = Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? -1);
    if (revision > bestRevision) {
      best = rs;
      bestRevision = revision;
    }
  }
  return best;
}

function runsNewImages(pod: Pod, changes: ContainerChange[]): boolean {
  const spec = pod.spec ?? {};
  return changes.every((change) => {
    const list = change.init ? spec.initContainers : spec.containers;
    return list?.find((c) => c.name === change.name)?.image === change.newImage;
  });
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function eventTime(e: KubeEvent): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
}

function cannotList(resource: string, error: unknown, instead?: string): string {
  const suffix = instead ? `; ${instead}` : '';
  if (error instanceof KubeApiError && error.statusCode === 403) {
    const refusal = parseForbidden(error.status?.message ?? '');
    const who = refusal ? `user "${foreign(refusal.user, 200)}"` : 'this user';
    return `Not allowed to list ${resource} (${who} lacks "list" on ${resource})${suffix}.`;
  }
  const why = error instanceof Error ? error.message : String(error);
  return `Could not list ${resource}: ${foreign(oneLine(why), 300)}${suffix}.`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
