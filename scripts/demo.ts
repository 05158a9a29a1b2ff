// `npm run demo`: the sandbox a newcomer runs first. Each scene in scripts/demo/ starts local
// peers from the test fixtures, runs the bundled action as a runner would, and shows its log
// (masked, as a runner shows it), its job summary and what a later step can do with it.
// A scene throws when what it shows did not happen; the demo ends with one line per scene and
// exits 1 if any failed (`npm test` runs it, so the newcomer's path cannot break unnoticed).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeRunnerDirs } from '../__tests__/helpers/runner.js';

export interface Scene {
  title: string;
  run(): Promise<void>;
}

const dir = join(import.meta.dirname, 'demo');
const only = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => /^\d+-.*\.ts$/.test(f))
  .filter((f) => !only || f.includes(only))
  .sort();
if (files.length === 0) {
  console.error(`No scene matches ${JSON.stringify(only)} in scripts/demo/.`);
  process.exit(1);
}

const results: Array<{ file: string; title: string; error?: string }> = [];
for (const file of files) {
  const scene = (await import(pathToFileURL(join(dir, file)).href)) as Scene;
  console.log(`\n\x1b[1m━━ ${scene.title} ━━\x1b[0m\n`);
  try {
    await scene.run();
    results.push({ file, title: scene.title });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    results.push({ file, title: scene.title, error: message });
    console.log(`\x1b[31mscene failed: ${message}\x1b[0m`);
  } finally {
    // The runner directories (RUNNER_TEMP, GITHUB_ENV...) of the scene's steps.
    removeRunnerDirs();
  }
}

console.log('\n\x1b[1m━━ scenes ━━\x1b[0m');
for (const result of results) {
  console.log(
    result.error === undefined
      ? `\x1b[32mpassed\x1b[0m  ${result.file}: ${result.title}`
      : `\x1b[31mfailed\x1b[0m  ${result.file}: ${result.title} (${result.error})`,
  );
}
const failed = results.filter((r) => r.error !== undefined).length;
console.log(
  failed > 0
    ? `${failed} of ${results.length} scenes failed`
    : `all ${results.length} scenes passed`,
);
process.exitCode = failed > 0 ? 1 : 0;
