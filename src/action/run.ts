import * as core from '@actions/core';
import type { AwsResult } from '../modes/aws/run.js';
import type { ChainguardResult } from '../modes/chainguard/run.js';
import { createCredentialStore } from './file-store.js';
import { formatError } from '../base/errors.js';
import { readSettings, type Settings } from './inputs.js';
import { isSuccess, type KubernetesResult } from '../kubernetes/workloads/result.js';
import type { ModeContext, PreparedMode } from '../modes/contract.js';
import { claimRows, decodeClaims, verifyIdToken, type Claims } from '../oidc/claims.js';
import { requestIdToken } from '../oidc/token.js';
import { STATE } from './state.js';
import { writeFailureSummary, writeSummary } from './summary.js';
import { foreign } from '../base/untrusted.js';

export interface TokenResult {
  mode: 'token';
  token: string;
}

export type Result = KubernetesResult | AwsResult | ChainguardResult | TokenResult;

/** The action: inputs -> ID token -> the mode's handler -> outputs and summary. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const settings = readSettings(env);
    const mode = await prepareMode(settings, env);
    const fetchToken = (onSent?: () => void) =>
      requestIdToken({
        audience: settings.audience,
        env,
        logger: core,
        mask: core.setSecret,
        ...(onSent ? { onSent } : {}),
      });
    const token = await fetchToken(() => mode.whileTokenIsRequested?.());
    const claims = decodeClaims(token);
    if (settings.verifyToken) {
      await verifyIdToken(token, claims, settings.audience);
      core.info(
        "verify-token: signature, issuer, audience and expiry verified against the issuer's JWKS",
      );
    }
    reportClaims(settings, claims);

    const credentialDirs: string[] = [];
    const ctx: ModeContext = {
      token,
      claims,
      audience: settings.audience,
      renewToken: () => fetchToken(),
      logger: core,
      mask: core.setSecret,
      env,
      saveState: core.saveState,
      files: createCredentialStore(env, (dir) => {
        credentialDirs.push(dir);
        core.saveState(STATE.credentialDirs, JSON.stringify(credentialDirs));
      }),
    };
    const result = await mode.run(ctx);
    writeOutputs(result);
    await writeSummary(claims, result, settings.showClaims);
    if (result.mode === 'kubernetes' && result.workloads?.some((w) => !isSuccess(w.result))) {
      core.setFailed(
        'The rollout did not complete; see the diagnosis above and in the job summary.',
      );
    }
  } catch (error) {
    const message = formatError(error);
    core.setFailed(message);
    await writeFailureSummary(message);
  }
}

/**
 * Loads the mode's module and checks what can be checked without the network, so bad input
 * costs no token request. Each mode is imported only when used: aws or token runs never load
 * the Kubernetes code.
 */
async function prepareMode(
  settings: Settings,
  env: NodeJS.ProcessEnv,
): Promise<PreparedMode<Result>> {
  switch (settings.mode) {
    case 'kubernetes':
      return (await import('../modes/kubernetes/run.js')).prepareKubernetes(settings, core, env);
    case 'aws': {
      // Loaded while the token is requested: nothing in it is needed to check the inputs.
      const module = loadEarly(import('../modes/aws/run.js'));
      return { run: async (ctx) => (await module).runAws(settings, ctx) };
    }
    case 'chainguard': {
      const module = loadEarly(import('../modes/chainguard/run.js'));
      return { run: async (ctx) => (await module).runChainguard(settings, ctx) };
    }
    case 'token':
      return { run: async (ctx) => ({ mode: 'token', token: ctx.token }) };
  }
}

/** A module import awaited later; its failure surfaces there, not as an unhandled rejection. */
function loadEarly<T>(module: Promise<T>): Promise<T> {
  module.catch(() => undefined);
  return module;
}

function reportClaims(settings: Settings, claims: Claims): void {
  core.setOutput('subject', claims.sub);
  core.setOutput('issuer', claims.iss);
  core.setOutput('audience', claims.aud.join(','));
  if (!settings.showClaims) return;
  core.info('ID token claims (the token itself is masked):');
  // Claims are the issuer's text: a sub with a line break must not start a workflow command.
  for (const [name, value] of claimRows(claims)) {
    core.info(`  ${foreign(name, 60).padEnd(16)} ${foreign(value)}`);
  }
}

function writeOutputs(result: Result): void {
  switch (result.mode) {
    case 'token':
      core.setOutput('id-token', result.token);
      return;
    case 'kubernetes':
      core.exportVariable('KUBECONFIG', result.kubeconfigPath);
      core.setOutput('kubeconfig-path', result.kubeconfigPath);
      if (result.workloads) core.setOutput('workloads', JSON.stringify(result.workloads));
      if (result.applied) core.setOutput('applied', JSON.stringify(result.applied));
      // eks-cluster: aws mode's outputs too, and its exports unless eks-export-aws-credentials: false.
      if (result.eks) writeAwsOutputs(result.eks.aws, result.eks.exportAwsCredentials);
      return;
    case 'aws':
      writeAwsOutputs(result, true);
      return;
    case 'chainguard':
      core.setOutput('chainguard-token', result.token);
      core.setOutput('chainguard-token-expiration', result.expiration);
      if (result.registry?.dockerConfig)
        core.exportVariable('DOCKER_CONFIG', result.registry.dockerConfig);
      return;
  }
}

function writeAwsOutputs(result: AwsResult, exportCredentials: boolean): void {
  const { credentials } = result;
  if (result.maskAccountId) core.setSecret(result.accountId);
  if (exportCredentials) {
    core.exportVariable('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    core.exportVariable('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    core.exportVariable('AWS_SESSION_TOKEN', credentials.sessionToken);
    core.exportVariable('AWS_REGION', result.region);
    core.exportVariable('AWS_DEFAULT_REGION', result.region);
    core.saveState(STATE.awsExported, 'true');
  }
  core.setOutput('aws-account-id', result.accountId);
  core.setOutput('aws-role-arn', result.assumedRoleArn);
  core.setOutput('aws-expiration', result.expiration);
  if (result.outputCredentials) {
    core.setOutput('aws-access-key-id', credentials.accessKeyId);
    core.setOutput('aws-secret-access-key', credentials.secretAccessKey);
    core.setOutput('aws-session-token', credentials.sessionToken);
  }
}
