// Runs the bundle under /usr/bin/time to learn the process's peak resident memory: a wrapper
// script given to runAction as its `node`, which writes the peak (KiB) to a file.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PeakMemory {
  /** The `node` for runAction. */
  node: string;
  /** The environment the wrapper needs (merge into runAction's env). */
  env: Record<string, string>;
  /** Peak RSS of the last run in MiB (undefined if the run was killed before time wrote it). */
  peakMiB(): number | undefined;
  cleanup(): void;
}

export function peakMemoryRunner(killAfterS = 45): PeakMemory {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-peak-'));
  const node = join(dir, 'node');
  const out = join(dir, 'peak');
  // `timeout` kills node itself (runAction's SIGKILL would only reach `time`, leaving node behind
  // with the pipes open): the run ends by killAfterS at the latest.
  writeFileSync(
    node,
    '#!/bin/sh\nexec /usr/bin/time -f %M -o "$PEAK_FILE" timeout -s KILL "$KILL_AFTER" "$REAL_NODE" "$@"\n',
  );
  chmodSync(node, 0o755);
  return {
    node,
    env: { PEAK_FILE: out, REAL_NODE: process.execPath, KILL_AFTER: String(killAfterS) },
    peakMiB: () => {
      try {
        const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
        return Number.isFinite(kib) ? kib / 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
