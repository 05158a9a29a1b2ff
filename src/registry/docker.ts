// docker, run through @actions/exec: no shell, input on stdin only, bounded in time.
import type { ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getExecOutput } from '@actions/exec';
import { formatDuration } from '../base/duration.js';

/** How long a docker command may take: then it is ended, and login keeps the written config. */
export const DOCKER_TIMEOUT_MS = 30_000;

export interface DockerResult {
  /** docker's exit code; -1 when it could not start or was ended after the timeout. */
  code: number;
  stderr: string;
}

/**
 * Runs `docker ARGS` with @actions/exec (no shell), `stdin` its only input, in `env`. Its output
 * stays out of the log (stderr is returned for a warning). @actions/exec has no timeout and does
 * not hand out the child, so the wait is bounded here: after `timeoutMs` the result is "no
 * answer", and docker, found on Node's `child_process` diagnostics channel (which publishes
 * every child process created), is killed and its pipes closed, so neither it nor a process it
 * started can keep the step alive.
 */
export async function runDocker(
  docker: string,
  args: string[],
  stdin: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number = DOCKER_TIMEOUT_MS,
): Promise<DockerResult> {
  const children: ChildProcess[] = [];
  const onChild = (message: unknown) => {
    const child = (message as { process: ChildProcess }).process;
    children.push(child);
    // @actions/exec writes `input` without an error listener: a docker that exits before
    // reading its stdin (a bad flag) is its exit code's to report, not a crash.
    process.nextTick(() => child.stdin?.on('error', () => undefined));
  };
  subscribe('child_process', onChild);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<DockerResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ code: -1, stderr: `no answer within ${formatDuration(timeoutMs)}` }),
      timeoutMs,
    );
  });
  const finished = getExecOutput(docker, args, {
    input: Buffer.from(stdin),
    env: definedOnly(env),
    silent: true,
    ignoreReturnCode: true,
    // A process docker started (a credential helper) may hold stderr open after docker is gone.
    delay: 500,
  }).then(
    (output): DockerResult => ({ code: output.exitCode, stderr: output.stderr }),
    (error: unknown): DockerResult => ({
      code: -1,
      stderr: error instanceof Error ? error.message : String(error),
    }),
  );
  try {
    return await Promise.race([finished, expired]);
  } finally {
    clearTimeout(timer);
    unsubscribe('child_process', onChild);
    for (const child of children) {
      if (child.spawnfile !== docker) continue;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
  }
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
