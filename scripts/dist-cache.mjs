// The bundle of the current source, built once per source state into .cache/dist/HASH (HASH: of
// src/, packages/, package-lock.json and the build script): `npm test` builds it there and
// compares it with the committed dist/, and the e2e tests run it (vitest's globalSetup,
// __tests__/helpers/current-dist.ts), so they never test a stale dist/ and the build runs once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const cacheRoot = join(root, '.cache', 'dist');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? files(path) : [path];
    });
}

/** The hash of what the bundle is made of. */
export function sourceHash() {
  const hash = createHash('sha256');
  const inputs = [
    ...files(join(root, 'src')),
    ...files(join(root, 'packages')),
    join(root, 'package-lock.json'),
    join(root, 'scripts', 'build.mjs'),
  ];
  for (const path of inputs) {
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The directory of the current source's bundle, built now if it is not cached. */
export function currentDist() {
  const dir = join(cacheRoot, sourceHash());
  if (existsSync(join(dir, 'index.js'))) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  // Bundles of other source states are stale: only the current one is kept.
  for (const old of readdirSync(cacheRoot))
    rmSync(join(cacheRoot, old), { recursive: true, force: true });
  const building = `${dir}.building-${process.pid}`;
  console.log(`Building the current source into ${relative(root, dir)}...`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), building], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  renameSync(building, dir);
  return dir;
}
