// Process start to ready (the ID-token request reaching the local issuer) and to exit, per mode,
// for several dist/ directories run interleaved (so machine load shifts them alike), with a given
// node binary: `npx tsx bench/compare-dists.ts DIR1,DIR2 NODE RUNS`. Medians. Needs moto_server.
// Used for the before/after table of docs/design.md ("Kubernetes client").
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { startKubeApiServer } from '../__tests__/fixtures/kube-apiserver.js';
import { startMoto } from '../__tests__/fixtures/moto.js';
import { actionDefaults, makeRunnerDirs } from '../__tests__/helpers/runner.js';

const [distList, node, runsText] = process.argv.slice(2);
const dists = (distList as string).split(',');
const runs = Number(runsText ?? 7);
const AUDIENCE = 'https://kubernetes.fixture';
const issuer = await startIssuer();
const server = await startKubeApiServer({
  issuer: issuer.issuer,
  audiences: [AUDIENCE],
  usernamePrefix: 'forgejo:',
  stepMs: 1,
});
server.addDeployment({ name: 'web', namespace: 'demo' });
const moto = await startMoto();
let requestedAt = 0;
const push = issuer.requests.push.bind(issuer.requests);
issuer.requests.push = (...items) => {
  requestedAt = performance.now();
  return push(...items);
};
let tag = 0;
const configs: Array<[string, () => Record<string, string>]> = [
  ['token', () => ({ mode: 'token' })],
  [
    'aws',
    () => ({
      'role-to-assume': 'arn:aws:iam::111122223333:role/deploy',
      'aws-region': 'eu-west-1',
      'sts-endpoint': moto.url,
    }),
  ],
  [
    'kubernetes (kubeconfig)',
    () => ({ audience: AUDIENCE, kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }) }),
  ],
  [
    'kubernetes (deploy 1)',
    () => ({
      audience: AUDIENCE,
      kubeconfig: server.kubeconfig(undefined, { namespace: 'demo' }),
      workloads: 'deployment/web',
      images: `*=nginx:1.${++tag}`,
      'rollout-timeout': '1m',
    }),
  ],
];
async function once(inputs: Record<string, string>, distDir: string) {
  const dirs = makeRunnerDirs();
  for (const f of [dirs.envFile, dirs.outputFile, dirs.stateFile, dirs.summaryFile])
    writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dirs.home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_RUN_ID: '42',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_WORKSPACE: dirs.workspace,
    RUNNER_TEMP: dirs.temp,
    GITHUB_ENV: dirs.envFile,
    GITHUB_OUTPUT: dirs.outputFile,
    GITHUB_STATE: dirs.stateFile,
    GITHUB_STEP_SUMMARY: dirs.summaryFile,
    ...issuer.env(),
  };
  for (const [k, v] of Object.entries({ ...actionDefaults(), ...inputs }))
    env[`INPUT_${k.toUpperCase()}`] = v;
  const started = performance.now();
  requestedAt = 0;
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(node as string, [join(distDir as string, 'index.js')], {
      env,
      cwd: dirs.workspace,
      stdio: 'ignore',
    });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error('run failed');
  return { ready: requestedAt - started, full: performance.now() - started };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, inputs] of configs) {
  for (const d of dists) await once(inputs(), d);
  const ready: number[][] = dists.map(() => []);
  const full: number[][] = dists.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, d] of dists.entries()) {
      const s = await once(inputs(), d);
      ready[j]!.push(s.ready);
      full[j]!.push(s.full);
    }
  }
  console.log(
    `${name}\t` +
      dists
        .map(
          (d, j) =>
            `${d}: ready ${median(ready[j]!).toFixed(0)} ms, full ${median(full[j]!).toFixed(0)} ms`,
        )
        .join('\t'),
  );
}
await Promise.all([server.close(), issuer.close(), moto.stop()]);
