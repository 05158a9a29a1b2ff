import { report, type Report } from '../../base/report.js';
import { foreign, foreignMarkdown as md } from '../../base/untrusted.js';
import { exchangeToken } from '../../chainguard/sts.js';
import {
  loginToRegistries,
  registryHost,
  type RegistryLogin,
  type RunDocker,
} from '../../registry/login.js';
import type { ModeContext, PreparedMode } from '../contract.js';
import type { ChainguardSettings } from './settings.js';

/** The username of a registry login with a Chainguard token. */
export const CHAINGUARD_REGISTRY_USERNAME = '_token';

export function prepare(settings: ChainguardSettings): Promise<PreparedMode> {
  return Promise.resolve({ run: (ctx: ModeContext) => runChainguard(settings, ctx) });
}

/** Chainguard mode: the ID token -> a Chainguard token (STS exchange) -> optionally a registry login. */
export async function runChainguard(
  settings: ChainguardSettings,
  ctx: ModeContext,
  runDocker?: RunDocker,
): Promise<Report> {
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
      [registry] = await loginToRegistries(
        [{ host, username: CHAINGUARD_REGISTRY_USERNAME, password: exchanged.token }],
        {
          env: ctx.env,
          logger: ctx.logger,
          files: ctx.files,
          saveState: ctx.saveState,
          ...(runDocker ? { runDocker } : {}),
        },
      );
    } else {
      ctx.logger.info(
        `No registry login: "chainguard-audience" ${foreign(settings.chainguardAudience)} is not a registry host (registry tokens use aud cgr.dev).`,
      );
    }
  }
  return report({
    outputs: [
      ['chainguard-token', exchanged.token],
      ['chainguard-token-expiration', exchanged.expiration],
    ],
    exports: registry ? [['DOCKER_CONFIG', registry.dockerConfig]] : [],
    rows: [
      ['identity', md(settings.identity)],
      ['audience', md(settings.chainguardAudience)],
      ['expires', md(exchanged.expiration)],
      ['registry', registry ? `${md(registry.host)} (${md(registry.via)})` : 'no login'],
    ],
  });
}
