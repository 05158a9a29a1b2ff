// `npm test`: typecheck, lint, the dist/ staleness check, the demo, unit and e2e tests, and a
// check that the run left nothing in the temp dir. Each step stops the run on failure, with the
// step named.
//
// The run gets a temp dir of its own (TMPDIR for every process it starts, the runner's children
// included): other processes on the machine, another `npm test` among them, create directories
// with the same prefixes at the same time, so only this run's own temp dir tells what it left.
import { spawn } from 'node:child_process';
import { currentDist } from './dist-cache.mjs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNode24 } from './node24.mjs';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

/** What the project's tests, fixtures, demo and the action itself create in the temp dir. */
const PROJECT_TEMP_PREFIXES = [
  'oidc-deploy-', // runner dirs (-e2e-), credential dirs, -dockerconfig-, -fakedocker-, -demo-...
  'kubectl-home-',
  'fixture-tls-', // fixtures/tls.ts
  'oci-registry-tls-',
  'kube-loopback-',
  'proxy-tls-',
  'cg-path-',
  'cg-login-',
  'store-',
  'ws-',
  'post-',
];

const runTemp = mkdtempSync(join(tmpdir(), 'oidc-deploy-test-run-'));
process.env.TMPDIR = runTemp;
// Also when a step throws: the run's temp dir goes with it.
process.on('exit', () => rmSync(runTemp, { recursive: true, force: true }));

/** Runs one step, its output shown, with a line every 20 s while it is silent for long. */
async function step(name, command, args) {
  console.log(`\n== ${name}`);
  const started = Date.now();
  const ticker = setInterval(
    () => console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s`),
    20_000,
  );
  const code = await new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (status, signal) => resolve(status ?? signal));
    child.on('error', (error) => resolve(error.message));
  });
  clearInterval(ticker);
  if (code !== 0) {
    console.error(`\n${name} failed (exit ${code}).`);
    process.exit(1);
  }
}

await step('typecheck', bin('tsc'), ['--noEmit']);
await step('lint', bin('eslint'), ['.']);
await step('format', bin('prettier'), ['--check', '.']);

console.log('\n== dist/ is what `npm run build` produces');
// Built once into .cache/dist/HASH: the e2e tests run the same bundle (their globalSetup finds it).
const fresh = currentDist();
const stale = compareDirs(join(root, 'dist'), fresh);
if (stale.length > 0) {
  console.error(`dist/ is stale (${stale.join(', ')}): run \`npm run build\` and commit dist/.`);
  process.exit(1);
}
const missing = readdirSync(join(root, 'dist'))
  .filter((f) => f.endsWith('.js'))
  .filter((f) => readFileSync(join(root, 'dist', f), 'utf8').includes('webpackMissingModule'));
if (missing.length > 0) {
  console.error(`dist/ has unresolved imports (webpackMissingModule) in ${missing.join(', ')}.`);
  process.exit(1);
}
console.log('dist/ is up to date.');

// The newcomer's first command (README): every scene must pass.
await step('demo (npm run demo)', bin('tsx'), [join('scripts', 'demo.ts')]);

console.log('\n== Node 24 for the compatibility smoke test');
process.env.OIDC_DEPLOY_NODE24 = ensureNode24();

await step('tests', bin('vitest'), ['run', ...process.argv.slice(2)]);

console.log('\n== the run left nothing in the temp dir');
const left = readdirSync(runTemp).filter((name) =>
  PROJECT_TEMP_PREFIXES.some((prefix) => name.startsWith(prefix)),
);
if (left.length > 0) {
  console.error(
    `The run left ${left.length} director${left.length === 1 ? 'y' : 'ies'} in the temp dir: ${left.join(', ')}.\n` +
      'Each test removes what it creates: use tempDir() or removeAfterFile() of __tests__/helpers/temp.ts (runner directories are removed for you).',
  );
  process.exit(1);
}
console.log('Nothing left.');
process.exit(0);

function compareDirs(a, b) {
  const filesA = readdirSync(a).sort();
  const filesB = readdirSync(b).sort();
  const differ = [];
  for (const f of new Set([...filesA, ...filesB])) {
    if (!filesA.includes(f)) differ.push(`${f} missing`);
    else if (!filesB.includes(f)) differ.push(`${f} extra`);
    else if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f))))
      differ.push(`${f} differs`);
  }
  return differ;
}
