// Temporary directories a test makes, removed after its file (__tests__/helpers/setup.ts): one
// `npm test` must leave nothing in the temp dir (scripts/test.mjs checks it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A fresh directory `<tmpdir>/<prefix>XXXXXX`, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes `path` (a directory something else created, e.g. a credential store's) after the file. */
export function removeAfterFile<T extends string>(path: T): T {
  made.add(path);
  return path;
}

export function removeTempDirs(): void {
  for (const dir of made) {
    rmSync(dir, { recursive: true, force: true });
    made.delete(dir);
  }
}
