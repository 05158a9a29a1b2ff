import { mkdtempSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, isAbsolute } from 'node:path';
import type { FileStore } from '../base/file-store.js';

export const CREDENTIAL_DIR_PREFIX = 'oidc-deploy-';

/**
 * A store in a fresh private directory (0700) under RUNNER_TEMP, never under the workspace,
 * created on first use; `onCreated` records it (in the action: the post step's state) before
 * any secret is written into it.
 */
export function createFileStore(
  env: NodeJS.ProcessEnv,
  onCreated: (dir: string) => void,
): FileStore {
  let dir: string | undefined;
  return {
    write(fileName, content) {
      if (!dir) {
        dir = mkdtempSync(join(credentialBase(env), CREDENTIAL_DIR_PREFIX));
        onCreated(dir);
      }
      const path = join(dir, fileName);
      // 'wx' fails if the file exists; the mode applies at creation, so no chmod window.
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      return path;
    },
  };
}

function credentialBase(env: NodeJS.ProcessEnv): string {
  const runnerTemp = env['RUNNER_TEMP']?.trim();
  const workspace = env['GITHUB_WORKSPACE']?.trim();
  if (runnerTemp && !(workspace && isInside(runnerTemp, workspace))) return resolve(runnerTemp);
  return tmpdir();
}

export function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
