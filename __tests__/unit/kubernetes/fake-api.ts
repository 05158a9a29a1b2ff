// A minimal in-memory apps/v1 API for the deploy's unit tests, served by the loopback server:
// get, list by name, watch (held open), strategic merge patch of images, and the lists the
// diagnosis reads. Each PATCH takes the next scripted outcome for that workload.
import type { ServerResponse } from 'node:http';
import type { Workload } from '../../../src/kubernetes/api/objects.js';
import {
  sendJson,
  startLoopback,
  startStream,
  status,
  type Loopback,
  type SeenRequest,
} from './loopback.js';

export type Outcome = 'succeed' | 'stuck' | 'deadline';

export interface FakeApi {
  server: Loopback;
  objects: Map<string, Workload>;
  /** Per object path, what each successive PATCH leads to. */
  outcomes: Map<string, Outcome[]>;
  /** `VERB /path` (path without query) answered 403 with the API server's message. */
  forbidden: Set<string>;
  unauthorized: boolean;
  pods: unknown[];
  replicaSets: unknown[];
  events: unknown[];
  patches: SeenRequest[];
  /** Called after each PATCH is applied. */
  afterPatch: (() => void) | undefined;
  /** Holds each PATCH this long before applying it (to see how many are in flight). */
  patchDelayMs: number;
  /** For each PATCH in arrival order, how many others were in flight when it arrived. */
  patchesInFlightAtArrival: number[];
}

export function deployment(
  name: string,
  containers: Record<string, string>,
  init: Record<string, string> = {},
): Workload {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'demo', uid: `uid-${name}`, generation: 1, resourceVersion: '1' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: Object.entries(containers).map(([n, image]) => ({ name: n, image })),
          ...(Object.keys(init).length > 0
            ? { initContainers: Object.entries(init).map(([n, image]) => ({ name: n, image })) }
            : {}),
        },
      },
    },
    status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
  };
}

export function statefulSet(name: string, containers: Record<string, string>): Workload {
  const w = deployment(name, containers);
  w.kind = 'StatefulSet';
  w.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
  w.status = { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3 };
  return w;
}

const RESOURCE =
  /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)(?:\/([^/]+))?$/;
const GROUPS: Record<string, string> = { pods: '', events: '', replicasets: 'apps' };

export async function startFakeApi(): Promise<FakeApi> {
  let rv = 100;
  const api = {
    objects: new Map<string, Workload>(),
    outcomes: new Map<string, Outcome[]>(),
    forbidden: new Set<string>(),
    unauthorized: false,
    pods: [] as unknown[],
    replicaSets: [] as unknown[],
    events: [] as unknown[],
    patches: [] as SeenRequest[],
    afterPatch: undefined as (() => void) | undefined,
    patchDelayMs: 0,
    patchesInFlightAtArrival: [] as number[],
  };
  let patchesInFlight = 0;
  const server = await startLoopback((r, res) => handle(r, res));
  function applyPatch(r: SeenRequest, res: ServerResponse, object: Workload) {
    api.patches.push(r);
    applyImages(object, JSON.parse(r.body) as PatchBody);
    object.metadata!.generation = (object.metadata!.generation ?? 0) + 1;
    object.metadata!.resourceVersion = String(++rv);
    const outcome = api.outcomes.get(r.path)?.shift() ?? 'succeed';
    settle(object, outcome);
    api.afterPatch?.();
    sendJson(res, 200, object);
  }
  function handle(r: SeenRequest, res: ServerResponse) {
    if (api.unauthorized) return sendJson(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const watch = r.query.get('watch') === 'true';
    const verb =
      r.method === 'PATCH'
        ? 'patch'
        : watch
          ? 'watch'
          : r.path.match(RESOURCE)?.[3]
            ? 'get'
            : 'list';
    if (api.forbidden.has(`${r.method} ${r.path}`)) {
      const m = RESOURCE.exec(r.path);
      const resource = m?.[2] ?? r.path.split('/').pop() ?? '';
      const group = m ? 'apps' : (GROUPS[resource] ?? '');
      const subject = m?.[3] ? `${resource}${group ? `.${group}` : ''} "${m[3]}"` : resource;
      return sendJson(res, 403, {
        ...status(
          403,
          'Forbidden',
          `${subject} is forbidden: User "forgejo:repo:org/app:ref:refs/heads/main" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "demo"`,
        ),
        details: { name: m?.[3], group, kind: resource },
      });
    }
    const m = RESOURCE.exec(r.path);
    if (m) {
      const [, , resource, name] = m;
      if (name) {
        const object = api.objects.get(r.path);
        if (!object) {
          return sendJson(
            res,
            404,
            status(404, 'NotFound', `${resource}.apps "${name}" not found`),
          );
        }
        if (r.method === 'GET') return sendJson(res, 200, object);
        if (r.method === 'PATCH' && api.patchDelayMs > 0) {
          api.patchesInFlightAtArrival.push(patchesInFlight++);
          setTimeout(() => {
            patchesInFlight--;
            applyPatch(r, res, object);
          }, api.patchDelayMs);
          return;
        }
        if (r.method === 'PATCH') return applyPatch(r, res, object);
      }
      const wanted = r.query.get('fieldSelector')?.replace('metadata.name=', '');
      if (watch) return startStream(res); // held open: the list already told the state
      const items = [...api.objects.entries()]
        .filter(([path, o]) => path.startsWith(`${r.path}/`) && o.metadata?.name === wanted)
        .map(([, o]) => o);
      return sendJson(res, 200, { metadata: { resourceVersion: String(rv) }, items });
    }
    if (r.path.endsWith('/pods')) return sendJson(res, 200, { metadata: {}, items: api.pods });
    if (r.path.endsWith('/replicasets'))
      return sendJson(res, 200, { metadata: {}, items: api.replicaSets });
    if (r.path.endsWith('/events')) return sendJson(res, 200, { metadata: {}, items: api.events });
    sendJson(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }
  // The same object the handler reads, so tests can change its knobs after start.
  return Object.assign(api, { server });
}

interface PatchBody {
  spec: { template: { spec: Record<string, Array<{ name: string; image: string }>> } };
}

function applyImages(object: Workload, body: PatchBody): void {
  const spec = object.spec!.template!.spec!;
  for (const list of ['containers', 'initContainers'] as const) {
    for (const { name, image } of body.spec.template.spec[list] ?? []) {
      const container = spec[list]?.find((c) => c.name === name);
      if (container) container.image = image;
    }
  }
}

function settle(object: Workload, outcome: Outcome): void {
  const generation = object.metadata!.generation!;
  const sts = object.kind === 'StatefulSet';
  if (outcome === 'succeed') {
    object.status = sts
      ? { observedGeneration: generation, replicas: 3, readyReplicas: 3, updatedReplicas: 3 }
      : { observedGeneration: generation, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
  } else {
    object.status = sts
      ? { observedGeneration: generation, replicas: 3, readyReplicas: 2, updatedReplicas: 1 }
      : { observedGeneration: generation, replicas: 4, updatedReplicas: 1, availableReplicas: 3 };
    if (outcome === 'deadline') {
      object.status.conditions = [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
      ];
    }
  }
}
