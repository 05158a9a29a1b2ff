// The properties every run against a hostile peer must show, whatever the wording of the fix:
// no workflow command the action did not issue, no secret in clear (the leak guard), a job
// summary without foreign Markdown/HTML, no stack trace; a failure is exit 1 with an ::error::.
import { expect } from 'vitest';
import { foreignCommands, summaryFindings } from './commands.js';
import { findLeaks, jwtSecrets, type LeakAllowance } from './leaks.js';
import { errorAnnotations, type RunResult } from './runner.js';

export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

/** Secrets of a run: JWTs (and their signatures) and other values the action masks. */
export function secretsOf(tokens: string[], others: string[] = []): string[] {
  return [...tokens.flatMap(jwtSecrets), ...others];
}

/** `allow`: the outputs and variables whose job is to carry a secret (id-token, AWS_*). */
export function expectClean(run: RunResult, secrets: string[], allow: LeakAllowance = {}): void {
  expect(
    foreignCommands(run, { secrets, maskShapes: [/^\d{12}$/] }),
    `${run.stdout}\n--- stderr\n${run.stderr}`,
  ).toEqual([]);
  expect(findLeaks(run, secrets, allow)).toEqual([]);
  expect(summaryFindings(run.summary), run.summary).toEqual([]);
  expect(run.stdout + run.stderr).not.toMatch(STACK_TRACE);
}

/** Exit 1 with at least one ::error::; returns the annotations, decoded, joined. */
export function expectFailure(run: RunResult): string {
  expect(run.code, `${run.stdout}\n--- stderr\n${run.stderr}`).toBe(1);
  const errors = errorAnnotations(run);
  expect(errors.length, run.stdout).toBeGreaterThan(0);
  return errors.join('\n');
}
