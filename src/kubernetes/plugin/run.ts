// The exec credential plugin (dist/credential.js, the user of every kubeconfig written with
// kubeconfig-credentials: refresh): kubectl, helm and client libraries run it whenever their
// token is missing or expired, and it mints a fresh credential from a fresh ID token. The
// kubeconfig's exec env names the cluster source (OIDC_DEPLOY_SOURCE) and what it needs; a
// source without a plugin of its own (a cluster that trusts the CI issuer) gets the ID token.
import { ActionError, formatError } from '../../base/errors.js';
import { foreign } from '../../base/untrusted.js';
import { decodeClaims } from '../../oidc/claims.js';
import { requestIdToken } from '../../oidc/token.js';
import { PLUGIN_SOURCE_ENV } from '../sources/contract.js';
import { sourceNamed } from '../sources/registry.js';
import { PLUGIN_TOKEN_POLICY, say, stderrLogger, writeExecCredential } from './output.js';

/** The ID token is handed out until this long before its exp. */
const REFRESH_MARGIN_SECONDS = 30;

/** Runs the plugin in `env` (the process's): stdout carries nothing but the ExecCredential. */
export async function runCredentialPlugin(env: NodeJS.ProcessEnv): Promise<number> {
  try {
    const audience = env['OIDC_DEPLOY_AUDIENCE'] || undefined;
    const sourceName = env[PLUGIN_SOURCE_ENV];
    const source = sourceName ? sourceNamed(sourceName) : undefined;
    if (sourceName && !source?.plugin) {
      throw new ActionError(
        `The kubeconfig's exec env names the cluster source "${foreign(sourceName, 40)}", which this action does not have.`,
        'Run the action again to write a new kubeconfig.',
      );
    }
    const policy = {
      ...PLUGIN_TOKEN_POLICY,
      deadlineMs: source?.pluginTokenDeadlineMs ?? PLUGIN_TOKEN_POLICY.deadlineMs,
    };
    const fetchToken = () =>
      requestIdToken({ audience, env, logger: stderrLogger, mask: () => {}, policy });
    // The source's module compiles while the ID token is requested.
    const plugin = source?.plugin?.();
    plugin?.catch(() => undefined);
    const idToken = await fetchToken();
    if (!plugin) {
      const { exp } = decodeClaims(idToken);
      writeExecCredential(idToken, Math.max(Date.now() / 1000 + 1, exp - REFRESH_MARGIN_SECONDS));
      return 0;
    }
    const made = await (
      await plugin
    ).mint({ env, idToken, renewIdToken: fetchToken, audience, logger: stderrLogger });
    writeExecCredential(made.token, made.expiresAt.getTime() / 1000);
    return 0;
  } catch (error) {
    say(formatError(error).replace(/\n+/g, ' '));
    return 1;
  }
}
