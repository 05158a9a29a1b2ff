// A client-go exec credential plugin (client.authentication.k8s.io/v1): kubectl, helm and
// client libraries run it whenever their token is missing or expired, and it mints a fresh
// ID token from the job's token endpoint. stdout carries nothing but the ExecCredential JSON.
import { PLUGIN_ENV } from './aws/eks/plugin-env.js';
import { formatError } from './errors.js';
import type { Logger } from './logger.js';
import { decodeClaims } from './oidc/claims.js';
import { DEFAULT_TOKEN_POLICY, requestIdToken } from './oidc/token.js';
import { foreign } from './untrusted.js';

const REFRESH_MARGIN_SECONDS = 30;
/**
 * kubectl waits on the plugin: it answers or fails within 30 s in all, start-up included, even
 * against an endpoint that trickles its answer (each attempt also ends after 15 s).
 */
const PLUGIN_TOKEN_POLICY = { ...DEFAULT_TOKEN_POLICY, deadlineMs: 25_000 };

// stderr reaches the step's log through kubectl (client-go runs the plugin with its own stderr),
// so each line is one line, foreign text escaped. No `::add-mask::<token>` is ever written: a
// later step's runner honours it only when commands are not stopped and the line arrives whole
// and alone; otherwise (an earlier `::stop-commands::`, e.g. in `kubectl logs` output; stdout and
// stderr sharing one line buffer in Forgejo's runner; `2>&1 | tee`, `2>file`) the runner or the
// file keeps the token in clear. kubectl never prints the token it gets (client-go masks the
// Authorization header even at -v=9). Evidence: docs/design.md, "Foreign text and masking".
const say = (line: string) =>
  process.stderr.write(`oidc-deploy credential plugin: ${foreign(line, 2000)}\n`);
const stderrLogger: Logger = {
  debug: () => {},
  info: (message) => say(message),
  warning: (message) => say(`warning: ${message}`),
};

try {
  const audience = process.env['OIDC_DEPLOY_AUDIENCE'] || undefined;
  const token = await requestIdToken({
    audience,
    env: process.env,
    logger: stderrLogger,
    mask: () => {},
    policy: PLUGIN_TOKEN_POLICY,
  });
  let status: { token: string; expirationTimestamp: string };
  if (process.env[PLUGIN_ENV.cluster]) {
    // A kubeconfig written for EKS: the ID token assumes the role, the answer is an EKS token.
    // Loaded only here, so the plain path stays as small as it was.
    const { eksCredential } = await import('./aws/eks/plugin.js');
    status = await eksCredential(process.env, token, audience ?? '', stderrLogger, () =>
      requestIdToken({
        audience,
        env: process.env,
        logger: stderrLogger,
        mask: () => {},
        policy: PLUGIN_TOKEN_POLICY,
      }),
    );
  } else {
    const { exp } = decodeClaims(token);
    const expiresAt = Math.max(Date.now() / 1000 + 1, exp - REFRESH_MARGIN_SECONDS);
    status = { token, expirationTimestamp: new Date(Math.floor(expiresAt) * 1000).toISOString() };
  }
  process.stdout.write(
    JSON.stringify({ apiVersion: execInfoApiVersion(), kind: 'ExecCredential', status }) + '\n',
  );
} catch (error) {
  say(formatError(error).replace(/\n+/g, ' '));
  process.exitCode = 1;
}

/** Answer in the version the client asked for (KUBERNETES_EXEC_INFO), v1 by default. */
function execInfoApiVersion(): string {
  try {
    const info = JSON.parse(process.env['KUBERNETES_EXEC_INFO'] ?? '{}') as {
      apiVersion?: unknown;
    };
    if (
      typeof info.apiVersion === 'string' &&
      info.apiVersion.startsWith('client.authentication.k8s.io/')
    ) {
      return info.apiVersion;
    }
  } catch {
    // Not JSON: fall back to v1, which the kubeconfig asks for.
  }
  return 'client.authentication.k8s.io/v1';
}
