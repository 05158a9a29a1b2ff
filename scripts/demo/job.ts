// What a later step of the same job sees: the environment a runner gives every step of the job
// (the ID-token request variables among them, when OIDC is enabled) plus what earlier steps
// appended to GITHUB_ENV. Nothing of the action's own step: no INPUT_*, no STATE_*.
import { kubectl, type KubectlResult } from '../../__tests__/fixtures/kube/kubectl.js';
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

function showKubectl(args: string[], result: KubectlResult): void {
  console.log(`  $ kubectl ${args.join(' ')}`);
  const text = (result.stdout + result.stderr).trimEnd();
  console.log(
    text
      .split('\n')
      .map((l) => `  │ ${l}`)
      .join('\n'),
  );
  console.log(`  └ exit code ${result.code}\n`);
}

/** kubectl in a later step of the job: KUBECONFIG from GITHUB_ENV, the job's ID-token variables. */
export async function laterStep(
  run: RunResult,
  jobEnv: Record<string, string>,
  args: string[],
): Promise<KubectlResult> {
  const path = run.exported['KUBECONFIG'];
  if (!path) throw new Error('the action exported no KUBECONFIG');
  const result = await kubectl(args, { kubeconfigPath: path, env: laterStepEnv(run, jobEnv) });
  showKubectl(args, result);
  return result;
}
