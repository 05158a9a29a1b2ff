import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Wall time of one process, spawn to exit and closed pipes, in milliseconds: spawned the way
 * runAction spawns the action (asynchronously, stdio piped), so the two are comparable.
 */
export async function timeProcess(
  command: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  return performance.now() - started;
}

/**
 * Wall time of a shell step (`bash -c script`: the vendor CLI chains the benches compare with), in
 * milliseconds; its output is kept for the error when it fails.
 */
export async function timeShellStep(
  what: string,
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (c) => resolve({ code: c, output: out }));
  });
  const time = performance.now() - started;
  if (code !== 0) throw new Error(`${what} failed:\n${output}`);
  return time;
}

/**
 * `node -e 0`: the floor every start-up is compared with, in the environment runAction gives the
 * action (PATH and HOME only of this process's). Not this process's environment: a variable like
 * NODE_EXTRA_CA_CERTS (set on this machine) makes Node 20 parse a CA bundle at start-up, ~30 ms.
 */
export function nodeFloor(): Promise<number> {
  return timeProcess(process.execPath, ['-e', '0'], {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: tmpdir(),
  });
}

export function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
