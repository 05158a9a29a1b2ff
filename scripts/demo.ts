// `npm run demo`: the sandbox a newcomer runs first. Each scene in scripts/demo/ starts local
// peers from the test fixtures, runs the bundled action as a runner would, and shows its log
// (masked, as a runner shows it), its job summary and what a later step can do with it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

let failed = 0;
for (const file of files) {
  const scene = (await import(pathToFileURL(join(dir, file)).href)) as Scene;
  console.log(`\n\x1b[1m━━ ${scene.title} ━━\x1b[0m\n`);
  try {
    await scene.run();
  } catch (error) {
    failed++;
    console.log(
      `\x1b[31mscene failed: ${error instanceof Error ? error.message : String(error)}\x1b[0m`,
    );
  }
}
process.exitCode = failed > 0 ? 1 : 0;
