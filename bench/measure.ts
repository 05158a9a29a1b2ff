// Shared measurement of one configuration of the action: process start to the ID-token request
// (cold start), process start to exit (full run), `node -e 0` interleaved as the floor, the
// JavaScript of dist/ the run loads, and the peak RSS of its process.
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Issuer } from '../__tests__/fixtures/issuer.js';
import { DIST, ROOT, runAction, type RunOptions } from '../__tests__/helpers/runner.js';
import { median, nodeFloor } from './stats.js';

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

/** Options for one run: fixed, or fresh per run (a deploy needs a new image each time). */
export type OptionsFor = RunOptions | (() => RunOptions);

function optionsOf(options: OptionsFor): RunOptions {
  return typeof options === 'function' ? options() : options;
}

async function runOk(options: RunOptions): Promise<number> {
  const result = await runAction(options);
  if (result.code !== 0) throw new Error(`run failed: ${result.stdout}${result.stderr}`);
  return result.seconds * 1000;
}

export async function measureRuns(
  issuer: Issuer,
  requestedAt: () => number,
  options: OptionsFor,
  runs: number,
): Promise<ModeSample> {
  const once = async () => {
    const started = performance.now();
    const full = await runOk(withIssuer(issuer, optionsOf(options)));
    return { full, cold: requestedAt() - started };
  };
  for (let i = 0; i < 2; i++) await once(); // warm the file cache and the peers
  const cold: number[] = [];
  const full: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    const sample = await once();
    cold.push(sample.cold);
    full.push(sample.full);
    floor.push(await nodeFloor());
  }
  const loaded = await loadedFiles(withIssuer(issuer, optionsOf(options)));
  return { coldMs: median(cold), fullMs: median(full), floorMs: median(floor), loaded };
}

function withIssuer(issuer: Issuer, options: RunOptions): RunOptions {
  return { ...options, env: { ...issuer.env(), ...options.env } };
}

/** Which files of dist/ one run loads, from the module loader itself. */
export async function loadedFiles(
  options: RunOptions,
): Promise<Array<{ file: string; bytes: number }>> {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-'));
  const record = join(dir, 'loads.txt');
  try {
    await runOk({
      ...options,
      env: {
        ...options.env,
        NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
        RECORD_LOADS_FILE: record,
      },
    });
    return readFileSync(record, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file:'))
      .map((u) => new URL(u).pathname)
      .filter((p) => p.startsWith(`${DIST}/`))
      .map((p) => ({ file: p.slice(DIST.length + 1), bytes: statSync(p).size }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The files of dist/ that hold the Kubernetes code (src/kubernetes/*: the kubeconfig writer, the
 * deploy and its rollout watch), found by strings only that code contains.
 */
export function kubernetesChunks(): Set<string> {
  // Our Kubernetes code, and @kubernetes/client-node (its models' type names).
  const markers = ['successfully rolled out', 'strategic-merge-patch+json', '"V1PodSpec"'];
  return new Set(
    readdirSync(DIST).filter((file) => {
      if (!file.endsWith('.js')) return false;
      const text = readFileSync(join(DIST, file), 'utf8');
      return markers.some((m) => text.includes(m));
    }),
  );
}

const GNU_TIME = '/usr/bin/time';

/**
 * Peak RSS (KiB) of the action's process for one run, from GNU time (wait4's ru_maxrss), or
 * undefined when GNU time is not installed.
 */
export async function peakRssKiB(options: RunOptions): Promise<number | undefined> {
  if (!existsSync(GNU_TIME)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-rss-'));
  try {
    const out = join(dir, 'rss');
    const wrapper = join(dir, 'node');
    // runAction spawns `node <entry>`: this stands in for node and measures it.
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec ${GNU_TIME} -f %M -o '${out}' '${process.execPath}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    await runOk({ ...options, node: wrapper });
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
    return Number.isFinite(kib) ? kib : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
