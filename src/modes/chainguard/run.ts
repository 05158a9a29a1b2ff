import type { ChainguardSettings } from '../../action/inputs.js';
import type { ModeContext } from '../contract.js';
import { loginToRegistry, registryHost, type RunDocker } from '../../registry/login.js';
import { exchangeToken } from '../../chainguard/sts.js';
import { foreign } from '../../base/untrusted.js';

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

/** Chainguard mode: the ID token -> a Chainguard token (STS exchange) -> optionally a registry login. */
export async function runChainguard(
  settings: ChainguardSettings,
  ctx: ModeContext,
  runDocker?: RunDocker,
): Promise<ChainguardResult> {
  const exchanged = await exchangeToken({
    issuer: settings.issuer,
    idToken: ctx.token,
    claims: ctx.claims,
    identity: settings.identity,
    audience: settings.chainguardAudience,
    logger: ctx.logger,
    mask: ctx.mask,
  });
  ctx.logger.info(
    `Chainguard token for ${foreign(settings.chainguardAudience)} issued, valid until ${foreign(exchanged.expiration, 64)}`,
  );

  let registry: RegistryLogin | undefined;
  if (settings.registryLogin) {
    const host = registryHost(settings.chainguardAudience);
    if (host) {
      registry = await loginToRegistry(host, exchanged.token, {
        env: ctx.env,
        logger: ctx.logger,
        files: ctx.files,
        saveState: ctx.saveState,
        ...(runDocker ? { runDocker } : {}),
      });
    } else {
      ctx.logger.info(
        `No registry login: "chainguard-audience" ${foreign(settings.chainguardAudience)} is not a registry host (registry tokens use aud cgr.dev).`,
      );
    }
  }
  return {
    mode: 'chainguard',
    token: exchanged.token,
    expiration: exchanged.expiration,
    identity: settings.identity,
    audience: settings.chainguardAudience,
    registry,
  };
}
