// What a later step of the same job sees: the environment a runner gives every step of the job
// (the ID-token request variables among them, when OIDC is enabled) plus what earlier steps
// appended to GITHUB_ENV. Nothing of the action's own step: no INPUT_*, no STATE_*.
import type { RunResult } from '../../__tests__/helpers/runner.js';

export function laterStepEnv(
  run: RunResult,
  jobEnv: Record<string, string>,
): Record<string, string> {
  return {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_RUN_ID: '42',
    GITHUB_WORKSPACE: run.dirs.workspace,
    RUNNER_TEMP: run.dirs.temp,
    ...jobEnv,
    ...run.exported,
  };
}

/** Stops the scene: what it shows did not happen. */
export function expect(condition: unknown, failure: string): asserts condition {
  if (!condition) throw new Error(failure);
}

/** Whether a refusal's log names the `sub` the token has (what the user must bind or trust). */
export function showsSubject(log: string, subject: string): boolean {
  // An error annotation is one line, its line breaks encoded as %0A.
  const decoded = log.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  return decoded.split('\n').some((line) => /\bsub:?\s+(\S+)\s*$/.exec(line)?.[1] === subject);
}
