// aws mode: a full run (process start to exit) against moto on loopback, its cold start
// (process start to the ID-token request), and the JavaScript the mode loads.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { motoInstalled, startMoto } from '../__tests__/fixtures/moto.js';
import { DIST, ROOT, runAction } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import { median, timeProcess } from './stats.js';

export const title = 'aws mode against moto';

const RUNS = 15;
/**
 * aws-actions/configure-aws-credentials is not on npm (`npm view` finds neither
 * configure-aws-credentials nor @aws-actions/configure-aws-credentials) and GitHub cannot be
 * reached here, so its full run against the same peers, measured on this machine, is the
 * reference.
 */
const REFERENCE_MS = 260;
const BUDGET_MS = 0.6 * REFERENCE_MS;
const ROLE = 'arn:aws:iam::111122223333:role/deploy';

export async function measure(): Promise<BenchRow[]> {
  if (!motoInstalled()) {
    return [{ benchmark: 'aws mode full run', value: 'skipped: moto_server is not installed' }];
  }
  const [issuer, moto] = await Promise.all([startIssuer({ shape: 'github' }), startMoto()]);
  try {
    // When each ID-token request arrives, seen from this process.
    let requestedAt = 0;
    const push = issuer.requests.push.bind(issuer.requests);
    issuer.requests.push = (...items) => {
      requestedAt = performance.now();
      return push(...items);
    };
    const inputs = { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', 'sts-endpoint': moto.url };
    const once = async (env: Record<string, string> = {}) => {
      const started = performance.now();
      const result = await runAction({ inputs, env: { ...issuer.env(), ...env } });
      if (result.code !== 0) throw new Error(`aws run failed: ${result.stdout}${result.stderr}`);
      return { full: result.seconds * 1000, cold: requestedAt - started };
    };

    for (let i = 0; i < 2; i++) await once(); // warm moto and the file cache
    const full: number[] = [];
    const cold: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const sample = await once();
      full.push(sample.full);
      cold.push(sample.cold);
      bare.push(timeProcess(process.execPath, ['-e', '0']));
    }

    // Which files of dist/ the run loads, from the module loader itself.
    const dir = mkdtempSync(join(tmpdir(), 'oidc-deploy-bench-'));
    const record = join(dir, 'loads.txt');
    let loaded: string[];
    try {
      await once({
        NODE_OPTIONS: `--import=${join(ROOT, '__tests__', 'fixtures', 'record-loads.mjs')}`,
        RECORD_LOADS_FILE: record,
      });
      loaded = readFileSync(record, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:'))
        .map((u) => new URL(u).pathname)
        .filter((p) => p.startsWith(`${DIST}/`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const sizes = loaded.map((p) => [p.slice(DIST.length + 1), statSync(p).size] as const);
    const total = sizes.reduce((sum, [, size]) => sum + size, 0);

    const fullMs = median(full);
    const bareMs = median(bare);
    return [
      {
        benchmark: 'aws mode: full run, process start to exit (moto on loopback)',
        // The ratio to a bare Node start lets runs on a busy machine be compared.
        value: `${fullMs.toFixed(0)} ms median of ${RUNS} (node -e 0: ${bareMs.toFixed(0)} ms; ${(fullMs / bareMs).toFixed(1)}x)`,
        budget: `<= 0.6 x configure-aws-credentials = ${BUDGET_MS.toFixed(0)} ms (reference ${REFERENCE_MS} ms, measured on this machine earlier: the action is not on npm and cannot be run here)`,
        ok: fullMs <= BUDGET_MS,
      },
      {
        benchmark: 'aws mode: cold start, process start to the ID-token request',
        value: `${median(cold).toFixed(0)} ms median of ${RUNS} (node -e 0: ${bareMs.toFixed(0)} ms)`,
      },
      {
        benchmark: 'aws mode: JavaScript loaded',
        value: `${(total / 1024).toFixed(0)} KiB: ${sizes.map(([f, s]) => `${f} ${(s / 1024).toFixed(0)} KiB`).join(', ')}`,
      },
    ];
  } finally {
    await Promise.all([issuer.close(), moto.stop()]);
  }
}
