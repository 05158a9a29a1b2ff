import * as core from '@actions/core';
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { AWS_VARIABLES } from '../aws/report.js';
import { CREDENTIAL_DIR_PREFIX } from './file-store.js';
import type { Logger } from '../base/logger.js';
import { STATE } from '../base/state.js';
import { foreign } from '../base/untrusted.js';

export interface PostIo extends Logger {
  getState(name: string): string;
  exportVariable(name: string, value: string): void;
}

/**
 * Undoes what main left behind, whether main succeeded or not: credential files (a registry
 * login's Docker config among them), DOCKER_CONFIG, an aws profile's variables, exported AWS
 * credentials. Each part warns on
 * failure and the rest still runs. No docker runs here: the login lived only in the private
 * Docker config, which goes with the credential files.
 */
export function cleanUp(io: PostIo): void {
  for (const dir of credentialDirs(io)) {
    try {
      rmSync(dir, { recursive: true, force: true });
      io.info(`Removed the credential files in ${foreign(dir)}`);
    } catch (error) {
      io.warning(
        `Could not remove ${foreign(dir)}: ${foreign(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
  const parts: Array<[string, () => void]> = [
    ['restore DOCKER_CONFIG', () => restoreDockerConfig(io)],
    ['restore the aws profile variables', () => restoreVariables(io)],
    [
      'clear the exported AWS credentials',
      () => {
        if (io.getState(STATE.awsExported) !== 'true') return;
        // Later post steps (and the rest of this job's post phase) must not find live credentials.
        for (const name of AWS_VARIABLES) io.exportVariable(name, '');
        io.info('Cleared the exported AWS credentials');
      },
    ],
  ];
  for (const [what, part] of parts) {
    try {
      part();
    } catch (error) {
      io.warning(
        `Could not ${what}: ${foreign(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
}

/**
 * Main pointed DOCKER_CONFIG at a directory that is gone now: later post steps (buildx's, say)
 * get the job's own Docker config back ('' is docker's "unset": ~/.docker).
 */
function restoreDockerConfig(io: PostIo): void {
  const saved = io.getState(STATE.dockerConfigRestore);
  if (!saved) return;
  let previous: unknown;
  try {
    previous = (JSON.parse(saved) as { previous?: unknown }).previous;
  } catch {
    previous = null;
  }
  io.exportVariable('DOCKER_CONFIG', typeof previous === 'string' ? previous : '');
  io.info(
    typeof previous === 'string' && previous
      ? `Restored DOCKER_CONFIG to ${foreign(previous)}`
      : 'Reset DOCKER_CONFIG (docker uses ~/.docker again)',
  );
}

/**
 * Variables main pointed at files that are gone now (an aws profile's copies): back to what
 * they were, or '' (unset, as far as a runner can unset) when they were not set.
 */
function restoreVariables(io: PostIo): void {
  const saved = io.getState(STATE.envRestore);
  if (!saved) return;
  let previous: unknown;
  try {
    previous = JSON.parse(saved);
  } catch {
    io.warning('The saved variables to restore are unreadable; none was restored.');
    return;
  }
  if (!previous || typeof previous !== 'object' || Array.isArray(previous)) return;
  for (const [name, value] of Object.entries(previous)) {
    // Only the variables main may export.
    if (!RESTORABLE.has(name)) continue;
    io.exportVariable(name, typeof value === 'string' ? value : '');
    io.info(
      typeof value === 'string' && value
        ? `Restored ${name} to ${foreign(value)}`
        : `Reset ${name} (it was not set before this action)`,
    );
  }
}

/** What envRestore may name. */
const RESTORABLE: ReadonlySet<string> = new Set([
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_PROFILE',
]);

function credentialDirs(io: PostIo): string[] {
  const saved = io.getState(STATE.credentialDirs);
  if (!saved) return [];
  let dirs: unknown;
  try {
    dirs = JSON.parse(saved);
  } catch {
    io.warning('The saved list of credential directories is unreadable; nothing was removed.');
    return [];
  }
  if (!Array.isArray(dirs)) return [];
  // Only ever delete directories this action created.
  return dirs.filter(
    (d): d is string => typeof d === 'string' && basename(d).startsWith(CREDENTIAL_DIR_PREFIX),
  );
}

/** The post step (dist/post.js): tidies up, and never fails the job. */
export function runPost(): void {
  try {
    cleanUp(core);
  } catch (error) {
    core.warning(
      `Clean-up did not complete: ${foreign(error instanceof Error ? error.message : String(error))}`,
    );
  }
}
