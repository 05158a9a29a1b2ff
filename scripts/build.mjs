// Builds dist/: one minified ncc bundle per entry of src/entries/ (index, post, credential), their minified chunks and
// the licenses of what they bundle. `node scripts/build.mjs OUTDIR` builds elsewhere (the
// staleness check in `npm test` compares such a build with the committed dist/).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { minify } from 'terser';

const root = resolve(import.meta.dirname, '..');
const out = resolve(process.argv[2] ?? join(root, 'dist'));
const entries = ['index', 'post', 'credential'];
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
// Optional requires of @kubernetes/client-node's dependencies that are not installed (node-fetch's
// `encoding`, debug's `supports-color`, ws's `bufferutil` and `utf-8-validate`): left to ncc,
// each becomes `eval("require")(...)`, and a direct eval stops terser from renaming or dropping
// anything in its chunk. As externals they stay plain `require` calls inside try/catch, which
// fail at run time exactly as an uninstalled optional dependency does.
const externals = ['encoding', 'supports-color', 'bufferutil', 'utf-8-validate'];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'oidc-deploy-build-'));
try {
  // The entries build at once (ncc is mostly one busy core each), with a progress line every
  // 20 s: npm test shows it (index alone takes a minute or more on 2 cores).
  const started = Date.now();
  const ticker = setInterval(
    () => console.log(`build: ${Math.round((Date.now() - started) / 1000)} s`),
    20_000,
  );
  try {
    await Promise.all(
      entries.map((entry) =>
        run(process.execPath, [
          ncc,
          'build',
          join(root, 'src', 'entries', `${entry}.ts`),
          '-o',
          join(work, entry),
          '-m',
          '--no-source-map-register',
          '-q',
          ...externals.flatMap((name) => ['-e', name]),
        ]),
      ),
    );
  } finally {
    clearInterval(ticker);
  }
  for (const entry of entries) {
    const dir = join(work, entry);
    // ncc names an entry's lazily loaded chunks ID.index.js, and ids collide between entries
    // (the index and credential entries both load a cluster source's module, each bundled with
    // what its own entry does not hold). Each entry's chunks get its name instead: ID.ENTRY.js,
    // and the entry's chunk loader (`__nccwpck_require__.u`) asks for that name.
    const suffix = `.${entry}.js`;
    for (const file of readdirSync(dir)) {
      const from = join(dir, file);
      if (file === 'index.js' || file === 'index.mjs') {
        let code = readFileSync(from, 'utf8');
        const loaders = code.split('".index.js"').length - 1;
        if (entry !== 'index' && loaders > 0) {
          if (loaders !== 1) throw new Error(`${entry}.ts: ${loaders} chunk loaders, expected 1`);
          code = code.replace('".index.js"', JSON.stringify(suffix));
        }
        writeFileSync(join(out, `${entry}.js`), code);
      } else if (file === 'package.json') {
        renameSync(from, join(out, 'package.json'));
      } else if (file !== 'licenses.txt') {
        // ncc -m minifies the entry but not its chunks: the YAML parser's chunk was 286 KiB,
        // minified 111 KiB, which is less for every kubernetes run to read and compile.
        // (terser --module -c -m: compress and mangle, as ES modules.)
        const { code } = await minify(readFileSync(from, 'utf8'), {
          module: true,
          compress: true,
          mangle: true,
        });
        writeFileSync(join(out, file.replace(/\.index\.js$/, suffix)), code ?? '');
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(out, 'licenses.txt'), licenses());

/**
 * The licenses of every runtime dependency (a superset of what the bundles include): the closure
 * of package.json's dependencies, each resolved as Node resolves it (the nearest node_modules up
 * from the package that needs it). Not `npm ls`, which exits 1 and lists dev packages as
 * extraneous where node_modules is a link to another checkout's.
 */
function licenses() {
  const seen = new Map();
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const queue = Object.keys(rootPkg.dependencies ?? {}).map((name) => ({ name, from: root }));
  const visited = new Set();
  while (queue.length > 0) {
    const { name, from } = queue.shift();
    const dir = resolvePackage(name, from);
    if (!dir || visited.has(dir)) continue;
    visited.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }))
      queue.push({ name: dep, from: dir });
    const key = `${pkg.name}@${pkg.version}`;
    if (seen.has(key)) continue;
    const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    // LF only: some license files have CRLF, which git (eol=lf) would turn into LF on checkout,
    // and the staleness check would then find the committed file differing from a fresh build.
    const text = file
      ? readFileSync(join(dir, file), 'utf8').replace(/\r\n?/g, '\n').trim()
      : '(no license file)';
    seen.set(key, `${key}\n${pkg.license ?? 'UNKNOWN'}\n${text}\n`);
  }
  return [...seen.keys()]
    .sort()
    .map((k) => seen.get(k))
    .join('\n');
}

/** Runs a command in the project, its output shown; rejects when it fails. */
async function run(command, args) {
  const child = promisify(execFile)(command, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  child.child.stdout?.pipe(process.stdout);
  child.child.stderr?.pipe(process.stderr);
  await child;
}

/** The directory of package `name` as required from `from`, or undefined (an optional one). */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
