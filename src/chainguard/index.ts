import { ActionError } from '../errors.js';
import type { ChainguardSettings } from '../inputs.js';
import type { ModeContext } from '../mode.js';

export interface RegistryLogin {
  host: string;
  /** docker: `docker login`; docker-config: an auth entry in a Docker config under RUNNER_TEMP. */
  via: 'docker' | 'docker-config';
  /** The DOCKER_CONFIG directory to export, for `docker-config`. */
  dockerConfig: string | undefined;
}

export interface ChainguardResult {
  mode: 'chainguard';
  token: string;
  /** ISO 8601. */
  expiration: string;
  identity: string;
  audience: string;
  registry: RegistryLogin | undefined;
}

export async function runChainguard(
  _settings: ChainguardSettings,
  _ctx: ModeContext,
): Promise<ChainguardResult> {
  throw new ActionError('chainguard mode is not implemented yet.');
}
