import type { WorkloadKind } from '../workloads/refs.js';

/**
 * The few fields of Kubernetes objects this action reads, as the API serves them (JSON).
 * Everything is optional because a server may omit defaulted or empty fields.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ kind?: string; name?: string; uid?: string; controller?: boolean }>;
}

export interface Container {
  name: string;
  image?: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** Deployment, StatefulSet and DaemonSet share this shape; each reads its own status fields. */
export interface Workload {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { metadata?: ObjectMeta; spec?: PodSpec };
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } | null };
    strategy?: { type?: string };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Condition[];
  };
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

export interface ContainerStatus {
  name: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod {
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface KubeEvent {
  metadata?: ObjectMeta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

export interface ObjectList<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

/** A watch event, one JSON object per line of the stream. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** The `Status` object the API server answers errors with. */
export interface Status {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}

/** How each workload kind is addressed: all three live in apps/v1. */
export const WORKLOAD_RESOURCES: Record<WorkloadKind, { resource: string; kind: string }> = {
  deployment: { resource: 'deployments', kind: 'Deployment' },
  statefulset: { resource: 'statefulsets', kind: 'StatefulSet' },
  daemonset: { resource: 'daemonsets', kind: 'DaemonSet' },
};

/** `/apis/apps/v1/namespaces/NS/deployments[/NAME]` */
export function workloadPath(kind: WorkloadKind, namespace: string, name?: string): string {
  const base = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${WORKLOAD_RESOURCES[kind].resource}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/** kubectl's way of naming a workload in messages: `deployments.apps "web"`. */
export function qualifiedName(kind: WorkloadKind, name: string): string {
  return `${WORKLOAD_RESOURCES[kind].resource}.apps "${name}"`;
}
