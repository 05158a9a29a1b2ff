// Shared by the deploy e2e tests and the demo: run the action (or kubectl) against the API server
// fixture with its controller paused until the rollout's watch is open, so every status change
// reaches the watcher whatever the machine's load, and read the rollout lines out of a log.
import type { KubeApiServer } from '../fixtures/kube-apiserver.js';
import { runAction, type RunOptions, type RunResult } from './runner.js';

/** kubectl's rollout status lines (docs/wire-formats.md, 2), by kind, as patterns. */
export const ROLLOUT_LINES: RegExp[] = [
  /^Waiting for deployment spec update to be observed\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ out of \d+ new replicas have been updated\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ old replicas are pending termination\.\.\.$/,
  /^Waiting for deployment "[\w-]+" rollout to finish: \d+ of \d+ updated replicas are available\.\.\.$/,
  /^deployment "[\w-]+" successfully rolled out$/,
  /^Waiting for daemon set spec update to be observed\.\.\.$/,
  /^Waiting for daemon set "[\w-]+" rollout to finish: \d+ out of \d+ new pods have been updated\.\.\.$/,
  /^Waiting for daemon set "[\w-]+" rollout to finish: \d+ of \d+ updated pods are available\.\.\.$/,
  /^daemon set "[\w-]+" successfully rolled out$/,
  /^Waiting for statefulset spec update to be observed\.\.\.$/,
  /^Waiting for \d+ pods to be ready\.\.\.$/,
  /^Waiting for partitioned roll out to finish: \d+ out of \d+ new pods have been updated\.\.\.$/,
  /^partitioned roll out complete: \d+ new pods have been updated\.\.\.$/,
];

export const isRolloutLine = (line: string): boolean => ROLLOUT_LINES.some((p) => p.test(line));

/**
 * The lines the action printed while it waited for `kind/name`, in order, without `prefix`:
 * the plain log lines after its "image updated" line, up to the first warning or error (where
 * the failure report begins). Found by position, not by pattern, so a wrong line shows up.
 */
export function actionRolloutLines(
  run: RunResult,
  kind: string,
  name: string,
  prefix = '',
): string[] {
  const log = run.stdout.split('\n');
  const start = log.lastIndexOf(`${kind}.apps/${name} image updated`);
  if (start < 0) return [];
  const lines: string[] = [];
  for (const line of log.slice(start + 1)) {
    if (line.startsWith('::warning::') || line.startsWith('::error::')) break;
    if (!line || line.startsWith('::') || line.endsWith(' image updated')) continue;
    if (prefix && !line.startsWith(prefix)) continue;
    lines.push(line.slice(prefix.length));
  }
  return lines;
}

export interface PausedRun {
  server: KubeApiServer;
  /** Each name whose watch (fieldSelector metadata.name=NAME) must be open before resuming. */
  watched: string[];
  /** Acts once the watches are open, before the controller moves. */
  duringWatch?: () => void | Promise<void>;
}

/**
 * Starts `start` with the controller paused, waits until every named workload is watched, then
 * runs `duringWatch` and resumes the controller. Returns what `start` resolves to.
 */
export async function whilePaused<T>(paused: PausedRun, start: () => Promise<T>): Promise<T> {
  const { server } = paused;
  server.pause();
  try {
    const from = server.requests.length;
    const pending = start();
    const settled = pending.then(
      () => 'done' as const,
      () => 'done' as const,
    );
    for (const name of paused.watched) {
      const opened = server
        .waitForRequest(
          (r) => r.verb === 'watch' && r.query['fieldSelector'] === `metadata.name=${name}`,
          { from, timeoutMs: 30_000 },
        )
        .then(
          () => 'open' as const,
          () => 'never' as const,
        );
      // A run that ends before watching (a refusal, a validation error) must not hang here.
      const first = await Promise.race([opened, settled]);
      if (first === 'done') break;
      if (first === 'never') throw new Error(`nothing watched ${name} within 30 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    await paused.duringWatch?.();
    server.resume();
    return await pending;
  } finally {
    server.resume();
  }
}

/** The action in kubernetes mode with a kubeconfig for `server`, while the controller waits. */
export function deployPaused(
  server: KubeApiServer,
  watched: string[],
  options: RunOptions,
  duringWatch?: () => void | Promise<void>,
): Promise<RunResult> {
  return whilePaused({ server, watched, ...(duringWatch ? { duringWatch } : {}) }, () =>
    runAction(options),
  );
}
