import {
  accessSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { FileStore } from '../base/file-store.js';
import { runDocker as runDockerProcess, type DockerResult } from './docker.js';
import type { Logger } from '../base/logger.js';
import { STATE } from '../base/state.js';
import { foreign, bodyExcerpt } from '../base/untrusted.js';

/** A registry and what to log in to it with (Chainguard: `_token` and its token; ECR: `AWS`). */
export interface RegistryCredential {
  host: string;
  username: string;
  password: string;
}

export interface RegistryLogin {
  host: string;
  /** docker: `docker login`; docker-config: an auth entry in a Docker config under RUNNER_TEMP. */
  via: 'docker' | 'docker-config';
  /** The DOCKER_CONFIG directory to export. */
  dockerConfig: string;
}

/** Runs docker with `stdin` in `env`, never through a shell, bounded in time. */
export type RunDocker = (
  docker: string,
  args: string[],
  stdin: string,
  env: NodeJS.ProcessEnv,
) => Promise<DockerResult>;

export interface RegistryDeps {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  files: FileStore;
  saveState: (name: string, value: string) => void;
  runDocker?: RunDocker;
}

/** A bare registry host (`cgr.dev`, `registry.example:5000`); undefined for a URL or anything else. */
export function registryHost(audience: string): string | undefined {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/.test(
    audience,
  )
    ? audience
    : undefined;
}

/**
 * Logs in to each registry in a Docker config of this job: the job's own config.json merged
 * with an auth entry per registry (routed to the file, never to a credential helper), written
 * 0600 into a private directory that main exports as DOCKER_CONFIG and the post step deletes.
 * With `docker` on PATH, `docker login --password-stdin` (the password on stdin only) then checks
 * each with its registry and writes the same entry: no credential helper is asked, so nothing
 * can wait for a prompt, and docker is ended after 30 s. Its failure is a warning: the entry is
 * written either way.
 */
export async function loginToRegistries(
  credentials: RegistryCredential[],
  deps: RegistryDeps,
): Promise<RegistryLogin[]> {
  const dockerConfig = writeDockerConfig(credentials, deps);
  // Main exports DOCKER_CONFIG=dockerConfig; the post step deletes it and puts this back.
  deps.saveState(
    STATE.dockerConfigRestore,
    JSON.stringify({ previous: deps.env['DOCKER_CONFIG'] ?? null }),
  );
  const configFile = join(dockerConfig, 'config.json');
  const docker = findOnPath('docker', deps.env);
  const logins: RegistryLogin[] = [];
  for (const { host, username, password } of credentials) {
    if (!docker) {
      deps.logger.info(
        `Wrote the ${host} credentials to ${configFile} (DOCKER_CONFIG for the next steps)`,
      );
      logins.push({ host, via: 'docker-config', dockerConfig });
      continue;
    }
    const run = deps.runDocker ?? runDockerProcess;
    const { code, stderr } = await run(
      docker,
      ['login', host, '--username', username, '--password-stdin'],
      password,
      { ...deps.env, DOCKER_CONFIG: dockerConfig },
    ).catch((error: unknown) => ({
      code: -1,
      stderr: error instanceof Error ? error.message : String(error),
    }));
    if (code === 0) {
      deps.logger.info(
        `Logged in to ${host} as ${foreign(username, 64)} with docker login, in ${configFile} (DOCKER_CONFIG for the next steps)`,
      );
      logins.push({ host, via: 'docker', dockerConfig });
    } else {
      deps.logger.warning(
        `docker login ${host} exited with ${code}${lastLine(stderr)}; the credentials are in ${configFile} (DOCKER_CONFIG for the next steps), unchecked by the registry.`,
      );
      logins.push({ host, via: 'docker-config', dockerConfig });
    }
  }
  return logins;
}

/** The job's current Docker config directory: $DOCKER_CONFIG, else ~/.docker. */
export function currentDockerConfigDir(env: NodeJS.ProcessEnv): string {
  const configured = env['DOCKER_CONFIG']?.trim();
  if (configured) return configured;
  return join(env['HOME']?.trim() || homedir(), '.docker');
}

function writeDockerConfig(credentials: RegistryCredential[], deps: RegistryDeps): string {
  const originalDir = currentDockerConfigDir(deps.env);
  const existing = readExistingConfig(join(originalDir, 'config.json'), deps.logger);
  const merged = mergeDockerConfig(existing, credentials);
  const path = deps.files.write('config.json', `${JSON.stringify(merged, null, 2)}\n`);
  const dir = dirname(path);
  linkSiblings(originalDir, dir, deps.logger);
  return dir;
}

function readExistingConfig(path: string, logger: Logger): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Reported below; its content is never echoed (it holds credentials).
  }
  logger.warning(
    `${foreign(path)} is not a JSON object; the new Docker config starts without its entries.`,
  );
  return {};
}

/**
 * The existing config with an auth entry for each registry. Everything else is kept (other
 * auths, credHelpers, credsStore, proxies...). Docker asks a credential helper before `auths`, so
 * each host is routed to the file: its credHelpers entry is dropped, and when a credsStore is
 * set, an empty helper for the host (docker then reads it from `auths`).
 */
export function mergeDockerConfig(
  existing: Record<string, unknown>,
  credentials: RegistryCredential[],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...existing };
  const auths = isRecord(existing['auths']) ? { ...existing['auths'] } : {};
  const helpers = isRecord(existing['credHelpers']) ? { ...existing['credHelpers'] } : {};
  for (const { host, username, password } of credentials) {
    auths[host] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
    delete helpers[host];
    if (typeof existing['credsStore'] === 'string' && existing['credsStore']) helpers[host] = '';
  }
  merged['auths'] = auths;
  if (Object.keys(helpers).length > 0) merged['credHelpers'] = helpers;
  else delete merged['credHelpers'];
  return merged;
}

/**
 * A new DOCKER_CONFIG would hide what lives beside config.json (cli-plugins such as buildx,
 * buildx builders, contexts): link them in, so later steps still find them.
 */
function linkSiblings(originalDir: string, dir: string, logger: Logger): void {
  let entries: string[];
  try {
    entries = readdirSync(originalDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry === 'config.json') continue;
    try {
      symlinkSync(join(originalDir, entry), join(dir, entry));
    } catch (error) {
      logger.warning(
        `Could not link ${foreign(join(originalDir, entry))} into the new Docker config: ${foreign(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
}

/** An executable `name` on PATH, as the shell would find it; undefined when there is none. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function lastLine(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return line ? ` (${bodyExcerpt(line, 200)})` : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
