// The exec credential plugin of a kubeconfig written for EKS (eks-cluster): a fresh ID token
// assumes the role named in the kubeconfig's exec env, and a new EKS token is presigned with
// the session, so a later kubectl works past the token's 15 minutes and the session's end with
// no AWS keys in the job's environment. An entry of its own (dist/credential-eks.js), so the
// plain plugin never loads SigV4 or STS.
import { eksCredential } from '../kubernetes/sources/eks/plugin.js';
import {
  say,
  stderrLogger,
  PLUGIN_TOKEN_POLICY,
  writeExecCredential,
} from '../kubernetes/plugin/output.js';
import { formatError } from '../base/errors.js';
import { requestIdToken } from '../oidc/token.js';

/**
 * The ID token within 15 s, so that with STS's 12 s (aws/eks/plugin.ts) the plugin still answers
 * or fails within the 30 s the plain plugin keeps to.
 */
const EKS_PLUGIN_TOKEN_POLICY = { ...PLUGIN_TOKEN_POLICY, deadlineMs: 15_000 };

try {
  const audience = process.env['OIDC_DEPLOY_AUDIENCE'] || undefined;
  const fetchToken = () =>
    requestIdToken({
      audience,
      env: process.env,
      logger: stderrLogger,
      mask: () => {},
      policy: EKS_PLUGIN_TOKEN_POLICY,
    });
  const made = await eksCredential(
    process.env,
    await fetchToken(),
    audience ?? '',
    stderrLogger,
    fetchToken,
  );
  writeExecCredential(made.token, made.expiresAt.getTime() / 1000);
} catch (error) {
  say(formatError(error).replace(/\n+/g, ' '));
  process.exitCode = 1;
}
