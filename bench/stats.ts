import { spawnSync } from 'node:child_process';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wall time of one process, start to exit, in milliseconds. */
export function timeProcess(command: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const started = performance.now();
  spawnSync(command, args, { env, stdio: 'ignore' });
  return performance.now() - started;
}
