// Runs the bundle under a small watcher to learn the process's peak resident memory: a wrapper
// script given to runAction as its `node`, which starts the real node, polls its VmHWM (the
// kernel's high-water mark of resident memory) and writes the peak (KiB) to a file.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeakMemory {
  /** The `node` for runAction. */
  node: string;
  /** The environment the wrapper needs (merge into runAction's env). */
  env: Record<string, string>;
  /** Peak RSS of the last run in MiB (undefined if none was read). */
  peakMiB(): number | undefined;
  cleanup(): void;
}

const WATCHER = `
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
const child = spawn(process.env.REAL_NODE, process.argv.slice(2), { stdio: 'inherit' });
let peak = 0;
const poll = () => {
  try {
    const kib = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/' + child.pid + '/status', 'utf8'))?.[1]);
    if (kib > peak) writeFileSync(process.env.PEAK_FILE, String((peak = kib)));
  } catch {}
};
const timer = setInterval(poll, 100);
// The run ends by KILL_AFTER seconds at the latest (runAction's SIGKILL would only reach this
// watcher and leave node behind with the pipes open).
const kill = setTimeout(() => child.kill('SIGKILL'), Number(process.env.KILL_AFTER) * 1000);
child.on('exit', (code, signal) => {
  clearInterval(timer);
  clearTimeout(kill);
  process.exitCode = code ?? (signal ? 137 : 1);
});
`;

export function peakMemoryRunner(killAfterS = 45): PeakMemory {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-peak-'));
  const node = join(dir, 'node.mjs');
  const out = join(dir, 'peak');
  writeFileSync(node, `#!${process.execPath}\n${WATCHER}`);
  chmodSync(node, 0o755);
  return {
    node,
    env: { PEAK_FILE: out, REAL_NODE: process.execPath, KILL_AFTER: String(killAfterS) },
    peakMiB: () => {
      try {
        const kib = Number(readFileSync(out, 'utf8').trim());
        return Number.isFinite(kib) && kib > 0 ? kib / 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
