// Shared measurement of one configuration of the action: process start to the ID-token request
// (cold start), process start to exit (full run), `node -e 0` interleaved as the floor, and the
// JavaScript of dist/ the run loads.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Issuer } from '../__tests__/fixtures/issuer.js';
import { DIST, ROOT, runAction, type RunOptions } from '../__tests__/helpers/runner.js';
import { median, timeProcess } from './stats.js';

export interface ModeSample {
  coldMs: number;
  fullMs: number;
  floorMs: number;
  loaded: Array<{ file: string; bytes: number }>;
}

/** Watches when each ID-token request reaches the issuer, as seen from this process. */
export function watchTokenRequests(issuer: Issuer): () => number {
  let at = 0;
  const push = issuer.requests.push.bind(issuer.requests);
  issuer.requests.push = (...items) => {
    at = performance.now();
    return push(...items);
  };
  return () => at;
}

export async function measureRuns(
  issuer: Issuer,
  requestedAt: () => number,
  options: RunOptions,
  runs: number,
): Promise<ModeSample> {
  const once = async (extraEnv: Record<string, string> = {}) => {
    const started = performance.now();
    const result = await runAction({
      ...options,
      env: { ...issuer.env(), ...options.env, ...extraEnv },
    });
    if (result.code !== 0) throw new Error(`run failed: ${result.stdout}${result.stderr}`);
    return { full: result.seconds * 1000, cold: requestedAt() - started };
  };
  for (let i = 0; i < 2; i++) await once(); // warm the file cache and the peers
  const cold: number[] = [];
  const full: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    const sample = await once();
    cold.push(sample.cold);
    full.push(sample.full);
    floor.push(timeProcess(process.execPath, ['-e', '0']));
  }
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-'));
  const record = join(dir, 'loads.txt');
  let loaded: Array<{ file: string; bytes: number }>;
  try {
    await once({
      NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
      RECORD_LOADS_FILE: record,
    });
    loaded = readFileSync(record, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname)
      .filter((p) => p.startsWith(`${DIST}/`))
      .map((p) => ({ file: p.slice(DIST.length + 1), bytes: statSync(p).size }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { coldMs: median(cold), fullMs: median(full), floorMs: median(floor), loaded };
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
