// The credential plugin (dist/credential.js) as kubectl runs it: process start to exit with an
// ExecCredential on stdout, for a plain kubeconfig (the ID token itself) and for an EKS one (the
// source's chunk: AssumeRoleWithWebIdentity on moto, then a presigned EKS token). kubectl pays
// this whenever its token is missing or expired.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { motoInstalled, startMoto } from '../__tests__/fixtures/moto.js';
import { DIST } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import { median, ms, nodeFloor } from './stats.js';

export const title = 'credential plugin start to ExecCredential';

const RUNS = 15;

/** Wall time of one plugin run, and whether it printed an ExecCredential. */
async function pluginRun(env: NodeJS.ProcessEnv): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(DIST, 'credential.js')], { env, stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  return { ms: performance.now() - started, ok: stdout.includes('"kind":"ExecCredential"') };
}

export async function measure(): Promise<BenchRow[]> {
  const issuer = await startIssuer();
  const moto = motoInstalled() ? await startMoto() : undefined;
  const base = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    ...issuer.env(),
  };
  const plain = { ...base, OIDC_DEPLOY_AUDIENCE: 'https://kubernetes.fixture' };
  const eks = moto && {
    ...base,
    OIDC_DEPLOY_AUDIENCE: 'sts.amazonaws.com',
    OIDC_DEPLOY_SOURCE: 'eks',
    OIDC_DEPLOY_EKS_CLUSTER: 'demo',
    OIDC_DEPLOY_EKS_ROLE_ARN: 'arn:aws:iam::111122223333:role/deploy',
    OIDC_DEPLOY_EKS_REGION: 'eu-west-1',
    OIDC_DEPLOY_EKS_ROLE_SESSION_NAME: 'bench',
    OIDC_DEPLOY_EKS_ROLE_DURATION_SECONDS: '900',
    OIDC_DEPLOY_EKS_STS_ENDPOINT: moto.url,
  };
  const samples = { plain: [] as number[], eks: [] as number[], floor: [] as number[] };
  let failures = 0;
  try {
    for (let i = 0; i < RUNS + 1; i++) {
      const a = await pluginRun(plain);
      const b = eks ? await pluginRun(eks) : undefined;
      const floor = await nodeFloor();
      if (!a.ok || (b && !b.ok)) failures++;
      if (i === 0) continue; // warm-up
      samples.plain.push(a.ms);
      if (b) samples.eks.push(b.ms);
      samples.floor.push(floor);
    }
  } finally {
    await Promise.all([issuer.close(), moto?.stop()]);
  }
  const floor = median(samples.floor);
  const rows: BenchRow[] = [
    {
      benchmark: 'credential plugin, plain kubeconfig (the ID token)',
      value: `${ms(median(samples.plain))}, ${(median(samples.plain) / floor).toFixed(2)}x node -e 0 (${ms(floor)}); median of ${RUNS}`,
    },
  ];
  if (eks) {
    rows.push({
      benchmark: 'credential plugin, EKS kubeconfig (STS on moto, then presign)',
      value: `${ms(median(samples.eks))}, ${(median(samples.eks) / floor).toFixed(2)}x node -e 0`,
    });
  }
  rows.push({
    benchmark: 'credential plugin runs without an ExecCredential',
    value: String(failures),
    budget: '0',
    ok: failures === 0,
  });
  return rows;
}
