// `npm test`: typecheck, lint, the dist/ staleness check, then unit and e2e tests.
// Each step stops the run on failure, with the step named.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureNode24 } from './node24.mjs';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function step(name, command, args) {
  console.log(`\n== ${name}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n${name} failed (exit ${result.status ?? result.signal}).`);
    process.exit(1);
  }
}

step('typecheck', bin('tsc'), ['--noEmit']);
step('lint', bin('eslint'), ['.']);
step('format', bin('prettier'), ['--check', '.']);

console.log('\n== dist/ is what `npm run build` produces');
const fresh = mkdtempSync(join(tmpdir(), 'oidc-deploy-dist-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), fresh], {
    cwd: root,
    stdio: 'inherit',
  });
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
} finally {
  rmSync(fresh, { recursive: true, force: true });
}

console.log('\n== Node 24 for the compatibility smoke test');
process.env.OIDC_DEPLOY_NODE24 = ensureNode24();

step('tests', bin('vitest'), ['run', ...process.argv.slice(2)]);

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
