// Hostile Kubernetes API (issue 14, findings 1, 5, 6): the front of fixtures/hostile/kube-front.ts
// injects command sequences in every field the action prints, refuses with hostile Status
// messages, trickles, answers huge bodies, never ends a watch line and redirects. Every run is
// checked for commands the action did not issue, for secrets in clear (the leak guard, which
// also sees an `::add-mask::` printed verbatim after an injected `::stop-commands::`), for a
// bounded time and for a clean failure (exit 1, an ::error::, no stack trace).
import { rmSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import {
  startHostileKube,
  type FrontRequest,
  type HostileKube,
} from '../fixtures/hostile/kube-front.js';
import type { Issuer } from '../fixtures/issuer.js';
import { rules, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { maskedInClear } from '../helpers/commands.js';
import { expectClean as expectCleanRun, expectFailure, secretsOf } from '../helpers/hostile.js';
import { runAction, type RunResult } from '../helpers/runner.js';

let issuer: Issuer;
let kube: KubeApiServer;
let front: HostileKube;
const runs: RunResult[] = [];

withTrustingCluster({ stepMs: 20 }, async (started) => {
  ({ issuer, server: kube } = started);
  front = await startHostileKube(kube.url);
});
afterAll(async () => {
  await Promise.all([front.close()]);
});
afterEach(() => {
  front.inject = false;
  front.behaviours.length = 0;
  kube.authorize = () => true;
  issuer.setLifetime(3600);
  for (const run of runs.splice(0)) rmSync(run.dirs.root, { recursive: true, force: true });
});

let seq = 0;
function seed(kind: 'deployment' | 'statefulset' = 'deployment'): string {
  const name = `web-${++seq}`;
  if (kind === 'deployment') kube.addDeployment({ name, namespace: 'demo', replicas: 2 });
  else kube.addStatefulSet({ name, namespace: 'demo', replicas: 2 });
  return name;
}

async function deploy(
  name: string,
  extra: Record<string, string> = {},
  options: { kind?: string; timeoutMs?: number; node?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const run = await runAction({
    inputs: {
      kubeconfig: front.kubeconfig(kube.kubeconfig(undefined, { namespace: 'demo' })),
      audience: AUDIENCE,
      workloads: `${options.kind ?? 'deployment'}/${name}`,
      images: `${name}=nginx:1.27`,
      'rollout-timeout': '20s',
      'rollback-on-failure': 'false',
      ...extra,
    },
    env: { ...issuer.env(), ...options.env },
    timeoutMs: options.timeoutMs ?? 90_000,
    ...(options.node ? { node: options.node } : {}),
  });
  runs.push(run);
  return run;
}

/** The secrets a run may mask: every ID token (and its signature) and the request token. */
const secrets = () => secretsOf(issuer.issued, [issuer.requestToken]);

const expectClean = (run: RunResult) => expectCleanRun(run, secrets());

/** PATCHes of workload `name` among the requests from `from` up to `index`. */
const patchesOf = (name: string, from: number, index: number) =>
  front.requests
    .slice(from, index)
    .filter((r) => r.method === 'PATCH' && r.path.endsWith(`/${name}`)).length;

describe('hostile Kubernetes API: foreign text (finding 1)', () => {
  it('pod names, phases, container reasons and messages, events, object names: no command reaches the log or the summary', async () => {
    const name = seed();
    front.inject = true;
    const run = await deploy(name, { images: `${name}=nginx:crashloop`, 'rollout-timeout': '3s' });
    expectFailure(run);
    // The diagnosis did print the hostile fields (escaped, after the fix).
    expect(run.stdout).toMatch(/CrashLoopBackOff/);
    expect(run.stdout).toMatch(/BackOff/);
    expectClean(run);
  });

  it('StatefulSet revisions and object names in rollout status lines', async () => {
    const name = seed('statefulset');
    front.inject = true;
    const run = await deploy(name, { 'rollout-timeout': '30s' }, { kind: 'statefulset' });
    expect(run.stdout).toMatch(/at revision/);
    expectClean(run);
  });

  it('a 403 whose user name and message carry commands (the RBAC hint quotes the user)', async () => {
    const name = seed();
    front.inject = true;
    kube.authorize = rules([{ verbs: ['get', 'list', 'watch'] }]);
    const run = await deploy(name);
    const error = expectFailure(run);
    expect(error).toMatch(/patch/i);
    expectClean(run);
  });

  it('a 403 on listing pods and events during the diagnosis', async () => {
    const name = seed();
    front.inject = true;
    kube.authorize = (a) =>
      !(a.verb === 'list' && ['pods', 'events', 'replicasets'].includes(a.resource));
    const run = await deploy(name, { images: `${name}=nginx:crashloop`, 'rollout-timeout': '3s' });
    expectFailure(run);
    expect(run.stdout).toMatch(/Not allowed to list|cannot list|forbidden/i);
    expectClean(run);
  });

  it('a 401 whose message carries commands', async () => {
    const name = seed();
    front.behaviours.push({
      match: () => true,
      act: { kind: 'status', status: 401 },
      always: true,
    });
    const run = await deploy(name);
    expectFailure(run);
    expectClean(run);
  });

  it('the chain: an injected ::stop-commands:: during a rollback, then a 401 near expiry forces a renewal whose ::add-mask:: would print the new token in clear', async () => {
    const name = seed();
    front.inject = true;
    issuer.setLifetime(50); // within the client's 60 s renewal margin from the start
    const tokens = issuer.issued.length;
    // The first GET after the rollback's PATCH (the one that puts nginx:1.26 back; a dry run
    // or the forward PATCH carry the new image) is refused with 401.
    const from = front.requests.length;
    const isRollback = (r: FrontRequest) =>
      r.method === 'PATCH' && r.path.endsWith(`/${name}`) && r.body.includes('nginx:1.26');
    front.behaviours.push({
      match: (r, i) => r.method === 'GET' && front.requests.slice(from, i).some(isRollback),
      act: { kind: 'status', status: 401 },
    });
    const run = await deploy(name, {
      images: `${name}=nginx:crashloop`,
      'rollout-timeout': '3s',
      'rollback-on-failure': 'true',
    });
    // The scenario did happen: a rollback PATCH, and a second token requested after the 401.
    expect(front.requests.slice(from).filter(isRollback)).toHaveLength(1);
    expect(issuer.issued.length - tokens).toBe(2);
    const renewed = issuer.issued.at(-1) as string;
    expect(maskedInClear(run, renewed), 'the renewed token printed verbatim').toBe(false);
    expectClean(run);
  });
});

describe('hostile Kubernetes API: time and size bounds (findings 5, 6)', () => {
  it('a list trickled one byte every 2 s during the wait: the run ends within rollout-timeout + 15 s', async () => {
    const name = seed();
    const from = front.requests.length;
    front.behaviours.push({
      match: (r, i) =>
        // Every GET of the workload after the PATCH that is not a watch: the list (or get)
        // the wait starts with, whichever the transport sends.
        r.method === 'GET' &&
        r.query['watch'] === undefined &&
        (r.path.endsWith('/deployments') || r.path.endsWith(`/deployments/${name}`)) &&
        patchesOf(name, from, i) >= 1,
      act: { kind: 'trickle', intervalMs: 2000 },
      always: true,
    });
    const run = await deploy(name, { 'rollout-timeout': '5s' }, { timeoutMs: 40_000 });
    expect(
      run.seconds,
      'the run must not outlive its rollout-timeout by more than 15 s',
    ).toBeLessThan(20);
    expectFailure(run);
    expectClean(run);
  });

  // An 80 MB answer and a watch line that never ends are rows of the fault matrix
  // (fault-matrix.test.ts, "hostile pace and size"), with the same checks.

  it('a redirect to another origin: not followed, the bearer never leaves', async () => {
    const name = seed();
    const trapped = front.trapped.length;
    front.behaviours.push({
      match: (r) => r.method === 'GET' && r.path.endsWith(`/deployments/${name}`),
      act: { kind: 'redirect' },
      always: true,
    });
    const run = await deploy(name);
    expectFailure(run);
    const reached = front.trapped.slice(trapped);
    expect(reached.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
    expectClean(run);
  });
});
