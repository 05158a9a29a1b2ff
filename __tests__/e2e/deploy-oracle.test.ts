// Real kubectl as the oracle of the deploy: for each scenario, the same workload is seeded into
// two namespaces of one API server fixture; `kubectl set image` + `kubectl rollout status
// --timeout` run in one while the action runs in the other, side by side, with the controller
// paused until both watch. The action must reach kubectl's verdict with kubectl's words, print
// the same distinct progress lines, and send the same pod template change.
import { describe, expect, it } from 'vitest';
import { CLUSTER_AUDIENCE as AUDIENCE, withTrustingCluster } from '../helpers/cluster.js';
import type { Issuer } from '../fixtures/issuer.js';
import type { KubeApiServer, WorkloadKind, WorkloadSeed } from '../fixtures/kube-apiserver.js';
import { kubectl, type KubectlResult, type KubectlVersion } from '../fixtures/kube/kubectl.js';
import { findLeaks, jwtSecrets } from '../helpers/leaks.js';
import { actionRolloutLines, isRolloutLine } from '../helpers/rollout.js';
import { errorAnnotations, runAction, runPost, type RunResult } from '../helpers/runner.js';

let issuer: Issuer;
let server: KubeApiServer;
let kubeconfig: string;
let seq = 0;

withTrustingCluster({ stepMs: 20 }, async (started) => {
  ({ issuer, server } = started);
  kubeconfig = server.kubeconfig(await issuer.mint({ aud: AUDIENCE }));
});

type Kind = 'deployment' | 'statefulset' | 'daemonset';
const NAMES: Record<Kind, string> = { deployment: 'web', statefulset: 'db', daemonset: 'agent' };
const FIXTURE_KIND: Record<Kind, WorkloadKind> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
};

interface Scenario {
  title: string;
  kind: Kind;
  seed?: Omit<WorkloadSeed, 'name' | 'namespace'>;
  image: string;
  timeout?: string;
  /** kubectl's verdict: its last stdout line on success, its error line on failure. */
  verdict: { ok: true; line: RegExp } | { ok: false; error: string };
  /** Whether the rollout is watched at all (OnDelete is refused on the first read). */
  watched?: boolean;
  /** Done to both workloads once both are watched. */
  duringWatch?: (kind: WorkloadKind, namespace: string, name: string) => void;
  version?: KubectlVersion;
}

interface Compared {
  name: string;
  kubectl: KubectlResult;
  action: RunResult;
  kubectlLines: string[];
  actionLines: string[];
}

const watchOf =
  (namespace: string, name: string) =>
  (r: { verb?: string | undefined; path: string; query: Record<string, string> }) =>
    r.verb === 'watch' &&
    r.path.includes(`/namespaces/${namespace}/`) &&
    r.query['fieldSelector'] === `metadata.name=${name}`;

async function compare(scenario: Scenario): Promise<Compared> {
  const n = ++seq;
  const name = NAMES[scenario.kind];
  const theirs = `kubectl-${n}`;
  const ours = `action-${n}`;
  const add = {
    deployment: server.addDeployment,
    statefulset: server.addStatefulSet,
    daemonset: server.addDaemonSet,
  }[scenario.kind];
  for (const namespace of [theirs, ours]) add({ name, namespace, ...scenario.seed });
  const timeout = scenario.timeout ?? '60s';
  const target = `${scenario.kind}/${name}`;
  const version = scenario.version ? { version: scenario.version } : {};

  server.pause();
  try {
    const from = server.requests.length;
    const set = await kubectl(['set', 'image', target, `${name}=${scenario.image}`, '-n', theirs], {
      kubeconfig,
      ...version,
    });
    expect(set.code, set.stderr).toBe(0);
    const status = kubectl(['rollout', 'status', target, '-n', theirs, `--timeout=${timeout}`], {
      kubeconfig,
      timeoutMs: 90_000,
      ...version,
    });
    const action = runAction({
      inputs: {
        kubeconfig: server.kubeconfig(undefined, { namespace: ours }),
        audience: AUDIENCE,
        workloads: target,
        images: `${name}=${scenario.image}`,
        'rollout-timeout': timeout,
      },
      env: issuer.env(),
      timeoutMs: 90_000,
    });
    if (scenario.watched !== false) {
      await Promise.all([
        server.waitForRequest(watchOf(theirs, name), { from, timeoutMs: 30_000 }),
        server.waitForRequest(watchOf(ours, name), { from, timeoutMs: 30_000 }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      for (const namespace of [theirs, ours])
        scenario.duringWatch?.(FIXTURE_KIND[scenario.kind], namespace, name);
    }
    server.resume();
    const [kubectlResult, actionResult] = await Promise.all([status, action]);

    // The same pod template change on the wire.
    const patchIn = (namespace: string) =>
      server.requests
        .slice(from)
        .filter((r) => r.method === 'PATCH' && r.path.includes(`/namespaces/${namespace}/`));
    const [kubectlPatch] = patchIn(theirs);
    const [actionPatch] = patchIn(ours);
    expect(patchIn(ours)).toHaveLength(1);
    expect((actionPatch?.body as { spec: unknown }).spec).toEqual(
      (kubectlPatch?.body as { spec: unknown }).spec,
    );

    await runPost(actionResult);
    return {
      name,
      kubectl: kubectlResult,
      action: actionResult,
      kubectlLines: kubectlResult.stdout.split('\n').filter(Boolean),
      actionLines: actionRolloutLines(actionResult, scenario.kind, name),
    };
  } finally {
    server.resume();
  }
}

const distinct = (lines: string[]) => [...new Set(lines)].sort();
/** Without consecutive repeats. */
const collapsed = (lines: string[]) => lines.filter((line, i) => line !== lines[i - 1]);

const SCENARIOS: Scenario[] = [
  {
    title: 'a Deployment rolls out',
    kind: 'deployment',
    image: 'nginx:1.27',
    verdict: { ok: true, line: /^deployment "web" successfully rolled out$/ },
  },
  {
    title: 'a Deployment rolls out (kubectl 1.27)',
    kind: 'deployment',
    image: 'nginx:1.27',
    version: '1.27',
    verdict: { ok: true, line: /^deployment "web" successfully rolled out$/ },
  },
  {
    title: 'a Deployment rolls out (kubectl 1.33)',
    kind: 'deployment',
    image: 'nginx:1.27',
    version: '1.33',
    verdict: { ok: true, line: /^deployment "web" successfully rolled out$/ },
  },
  {
    title: 'a Deployment with maxSurge 0 rolls out through "N of M updated replicas are available"',
    kind: 'deployment',
    seed: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    },
    image: 'nginx:1.27',
    verdict: { ok: true, line: /^deployment "web" successfully rolled out$/ },
  },
  {
    title: 'a StatefulSet rolls out',
    kind: 'statefulset',
    image: 'postgres:17',
    verdict: {
      ok: true,
      line: /^partitioned roll out complete: 3 new pods have been updated\.\.\.$/,
    },
  },
  {
    title: 'a StatefulSet stops at its partition',
    kind: 'statefulset',
    seed: { strategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
    image: 'postgres:17',
    verdict: {
      ok: true,
      line: /^partitioned roll out complete: 1 new pods have been updated\.\.\.$/,
    },
  },
  {
    title: 'a DaemonSet rolls out',
    kind: 'daemonset',
    image: 'agent:2',
    verdict: { ok: true, line: /^daemon set "agent" successfully rolled out$/ },
  },
  {
    title: 'a stuck rollout (ImagePullBackOff) exceeds its progress deadline',
    kind: 'deployment',
    seed: { progressDeadlineSeconds: 1 },
    image: 'nginx:does-not-exist',
    verdict: { ok: false, error: 'deployment "web" exceeded its progress deadline' },
  },
  {
    title: 'a too-short timeout (pods Pending, unschedulable)',
    kind: 'deployment',
    image: 'registry.example/unschedulable:1',
    timeout: '2s',
    verdict: { ok: false, error: 'timed out waiting for the condition' },
  },
  {
    title: 'a DaemonSet with updateStrategy OnDelete',
    kind: 'daemonset',
    seed: { strategy: { type: 'OnDelete' } },
    image: 'agent:2',
    watched: false,
    verdict: {
      ok: false,
      error: 'rollout status is only available for RollingUpdate strategy type',
    },
  },
  {
    title: 'a StatefulSet with updateStrategy OnDelete',
    kind: 'statefulset',
    seed: { replicas: 2, strategy: { type: 'OnDelete' } },
    image: 'postgres:17',
    watched: false,
    verdict: {
      ok: false,
      error: 'rollout status is only available for RollingUpdate strategy type',
    },
  },
  {
    title: 'a Deployment deleted mid-rollout',
    kind: 'deployment',
    image: 'nginx:1.27',
    duringWatch: (kind, namespace, name) => server.deleteWorkload(kind, namespace, name),
    verdict: { ok: false, error: 'object has been deleted' },
  },
];

describe("the action reaches kubectl rollout status's verdict, with its words", () => {
  it.each(SCENARIOS.map((s) => [s.title, s] as const))('%s', async (_title, scenario) => {
    const before = issuer.issued.length;
    const { name, kubectl: k, action, kubectlLines, actionLines } = await compare(scenario);
    const [output] = JSON.parse(action.outputs['workloads'] ?? '[]') as Array<{
      result: string;
      message: string;
    }>;

    if (scenario.verdict.ok) {
      expect(k.code, k.stderr).toBe(0);
      expect(action.code, action.stdout).toBe(0);
      expect(kubectlLines.at(-1)).toMatch(scenario.verdict.line);
      // The final verdict line is identical.
      expect(actionLines.at(-1)).toBe(kubectlLines.at(-1));
      expect(output).toMatchObject({ result: 'rolled-out', message: kubectlLines.at(-1) });
    } else {
      expect(k.code).toBe(1);
      expect(k.stderr.trim()).toBe(`error: ${scenario.verdict.error}`);
      expect(action.code).toBe(1);
      const timedOut = scenario.verdict.error === 'timed out waiting for the condition';
      expect(output).toMatchObject({
        result: timedOut ? 'timed-out' : 'failed',
        message: scenario.verdict.error,
      });
      expect(action.stdout.split('\n')).toContain(
        `::warning::${scenario.kind}/${name}: ${scenario.verdict.error}`,
      );
      expect(errorAnnotations(action)).toEqual([
        'The rollout did not complete; see the diagnosis above and in the job summary.',
      ]);
    }

    // The progress lines: every one of the action's is one of kubectl's kind, and both saw the
    // same ones, in the same order (both watched from before the controller moved).
    for (const line of actionLines) expect(isRolloutLine(line), line).toBe(true);
    for (const line of kubectlLines) expect(isRolloutLine(line), line).toBe(true);
    expect(distinct(actionLines)).toEqual(distinct(kubectlLines));
    // kubectl prints a line per watch event, the action a line per change: the same story.
    expect(actionLines).toEqual(collapsed(kubectlLines));
    if (scenario.watched !== false) expect(distinct(actionLines).length).toBeGreaterThan(0);

    expect(
      findLeaks(action, [...issuer.issued.slice(before).flatMap(jwtSecrets), issuer.requestToken]),
    ).toEqual([]);
  });
});

describe('several workloads awaited at once', () => {
  it("prefixes each line with kind/name, and each workload's lines are kubectl's for it", async () => {
    const n = ++seq;
    const theirs = `kubectl-${n}`;
    const ours = `action-${n}`;
    const targets = [
      ['deployment', 'web'],
      ['statefulset', 'db'],
      ['daemonset', 'agent'],
    ] as const;
    for (const namespace of [theirs, ours]) {
      const containers = [{ name: 'app', image: 'registry.example/app:1' }];
      server.addDeployment({ name: 'web', namespace, containers });
      server.addStatefulSet({ name: 'db', namespace, containers });
      server.addDaemonSet({ name: 'agent', namespace, containers });
    }
    const before = issuer.issued.length;
    server.pause();
    let statuses: KubectlResult[];
    let action: RunResult;
    try {
      const from = server.requests.length;
      const set = await kubectl(
        [
          'set',
          'image',
          ...targets.map(([k, name]) => `${k}/${name}`),
          'app=registry.example/app:2',
          '-n',
          theirs,
        ],
        { kubeconfig },
      );
      expect(set.code, set.stderr).toBe(0);
      const pending = Promise.all(
        targets.map(([k, name]) =>
          kubectl(['rollout', 'status', `${k}/${name}`, '-n', theirs, '--timeout=60s'], {
            kubeconfig,
            timeoutMs: 90_000,
          }),
        ),
      );
      const running = runAction({
        inputs: {
          kubeconfig: server.kubeconfig(undefined, { namespace: ours }),
          audience: AUDIENCE,
          workloads: targets.map(([k, name]) => `${k}/${name}`).join('\n'),
          images: 'app=registry.example/app:2',
        },
        env: issuer.env(),
        timeoutMs: 90_000,
      });
      await Promise.all(
        [theirs, ours].flatMap((namespace) =>
          targets.map(([, name]) =>
            server.waitForRequest(watchOf(namespace, name), { from, timeoutMs: 30_000 }),
          ),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      server.resume();
      [statuses, action] = await Promise.all([pending, running]);
    } finally {
      server.resume();
    }
    expect(action.code, action.stdout).toBe(0);
    for (const [index, [k, name]] of targets.entries()) {
      const status = statuses[index] as KubectlResult;
      expect(status.code, status.stderr).toBe(0);
      const kubectlLines = status.stdout.split('\n').filter(Boolean);
      const actionLines = actionRolloutLines(action, k, name, `${k}/${name}: `);
      expect(actionLines.length, `${k}/${name}`).toBeGreaterThan(1);
      expect(actionLines).toEqual(collapsed(kubectlLines));
      expect(actionLines.at(-1)).toBe(kubectlLines.at(-1));
    }
    // No unprefixed rollout line: with several waits, every line says whose it is.
    const unprefixed = action.stdout.split('\n').filter((l) => isRolloutLine(l));
    expect(unprefixed).toEqual([]);
    expect(
      findLeaks(action, [...issuer.issued.slice(before).flatMap(jwtSecrets), issuer.requestToken]),
    ).toEqual([]);
    await runPost(action);
  });
});
