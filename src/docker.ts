// docker, run the one way both halves of the action need it: no shell, input on stdin only,
// bounded in time.
import { spawn } from 'node:child_process';
import { formatDuration } from './duration.js';

/** How long a docker command may take: login then falls back to a Docker config, logout warns. */
export const DOCKER_TIMEOUT_MS = 30_000;

/**
 * Runs `docker ARGS` without a shell, `stdin` its only input, and ends it after `timeoutMs`: a
 * credential helper waiting for a desktop prompt or an unreachable registry must not hold the
 * step until the job times out. Its stdout is dropped; stderr is kept for the warning.
 */
export function runDockerProcess(
  docker: string,
  args: string[],
  stdin: string,
  timeoutMs: number = DOCKER_TIMEOUT_MS,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(docker, args, {
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    // docker may exit before reading its stdin (a bad flag): that is its exit code's to say.
    child.stdin.on('error', () => undefined);
    let settled = false;
    const settle = (result: { code: number; stderr: string }) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    child.on('error', (error) => settle({ code: -1, stderr: error.message }));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const result = () =>
      exit?.signal === 'SIGKILL' && exit.code === null
        ? { code: -1, stderr: `no answer within ${formatDuration(timeoutMs)}` }
        : { code: exit?.code ?? -1, stderr };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A process docker started (a credential helper) may hold stderr open after docker is
      // gone: give the rest of its output a moment, not forever.
      setTimeout(() => {
        child.stderr.destroy();
        settle(result());
      }, 500).unref();
    });
    child.on('close', () => settle(result()));
    child.stdin.end(stdin);
  });
}
