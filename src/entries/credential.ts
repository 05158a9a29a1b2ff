// A client-go exec credential plugin (client.authentication.k8s.io/v1): kubectl, helm and
// client libraries run it whenever their token is missing or expired, and it mints a fresh
// ID token from the job's token endpoint. stdout carries nothing but the ExecCredential JSON.
// (A kubeconfig written for EKS runs credential-eks.ts instead.)
import {
  say,
  stderrLogger,
  PLUGIN_TOKEN_POLICY,
  writeExecCredential,
} from '../kubernetes/plugin/output.js';
import { formatError } from '../base/errors.js';
import { decodeClaims } from '../oidc/claims.js';
import { requestIdToken } from '../oidc/token.js';

const REFRESH_MARGIN_SECONDS = 30;

try {
  const audience = process.env['OIDC_DEPLOY_AUDIENCE'] || undefined;
  const token = await requestIdToken({
    audience,
    env: process.env,
    logger: stderrLogger,
    mask: () => {},
    policy: PLUGIN_TOKEN_POLICY,
  });
  const { exp } = decodeClaims(token);
  writeExecCredential(token, Math.max(Date.now() / 1000 + 1, exp - REFRESH_MARGIN_SECONDS));
} catch (error) {
  say(formatError(error).replace(/\n+/g, ' '));
  process.exitCode = 1;
}
