// The action (dist/index.js): inputs -> the mode's checks -> ID token -> the mode's run ->
// outputs and summary. Every mode goes through the same steps (modes/registry.ts).
import * as core from '@actions/core';
import { formatError } from '../base/errors.js';
import { STATE } from '../base/state.js';
import { foreign } from '../base/untrusted.js';
import type { Report } from '../base/report.js';
import type { ModeContext, RunContext } from '../modes/contract.js';
import { claimRows, decodeClaims, verifyIdToken, type Claims } from '../oidc/claims.js';
import { requestIdToken } from '../oidc/token.js';
import { createFileStore } from './file-store.js';
import { readSettings } from './inputs.js';
import { writeReport } from './outputs.js';
import { renderSummary, writeFailureSummary, writeSummary } from './summary.js';

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const mode = readSettings(env);
    for (const warning of mode.warnings ?? []) core.warning(warning);
    const { audience } = mode;
    const { showClaims, verifyToken } = mode.settings;
    // Bad input costs no token request: the mode checks what it can before.
    const prepared = await mode.prepare({ logger: core, mask: core.setSecret, env });
    const credentialDirs: string[] = [];
    const runContext: RunContext = {
      logger: core,
      mask: core.setSecret,
      env,
      saveState: core.saveState,
      files: createFileStore(env, (dir) => {
        credentialDirs.push(dir);
        core.saveState(STATE.credentialDirs, JSON.stringify(credentialDirs));
      }),
    };
    if (prepared.idToken === false) {
      // The mode's settings need no ID token: none is requested, so there are no claims.
      const report = await prepared.run(runContext);
      await finish(mode.name, undefined, report, false);
      return;
    }

    const fetchToken = (onSent?: () => void) =>
      requestIdToken({
        audience,
        env,
        logger: core,
        mask: core.setSecret,
        ...(onSent ? { onSent } : {}),
      });
    const token = await fetchToken(() => prepared.whileTokenIsRequested?.());
    const claims = decodeClaims(token);
    if (verifyToken) {
      await verifyIdToken(token, claims, audience);
      core.info(
        "verify-token: signature, issuer, audience and expiry verified against the issuer's JWKS",
      );
    }
    reportClaims(claims, showClaims);

    const ctx: ModeContext = {
      ...runContext,
      token,
      claims,
      audience,
      renewToken: () => fetchToken(),
    };
    await finish(mode.name, claims, await prepared.run(ctx), showClaims);
  } catch (error) {
    const message = formatError(error);
    core.setFailed(message);
    await writeFailureSummary(message);
  }
}

/** The report written (outputs, exports, state), the summary, and the step failed if it says so. */
async function finish(
  mode: string,
  claims: Claims | undefined,
  report: Report,
  showClaims: boolean,
): Promise<void> {
  writeReport(report);
  await writeSummary(renderSummary(mode, claims, report, showClaims));
  if (report.failure) core.setFailed(report.failure);
}

function reportClaims(claims: Claims, showClaims: boolean): void {
  core.setOutput('subject', claims.sub);
  core.setOutput('issuer', claims.iss);
  core.setOutput('audience', claims.aud.join(','));
  if (!showClaims) return;
  core.info('ID token claims (the token itself is masked):');
  // Claims are the issuer's text: a sub with a line break must not start a workflow command.
  for (const [name, value] of claimRows(claims)) {
    core.info(`  ${foreign(name, 60).padEnd(16)} ${foreign(value)}`);
  }
}
