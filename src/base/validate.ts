// Checks of input values as plain strings: each failure is an ActionError naming the input.
import { ActionError } from './errors.js';

/**
 * What to check when an input the step needs is empty. A runner passes every input action.yml
 * declares, given or not, empty unless given (actions/runner: ActionManifestManager.ConvertInputs
 * and ActionRunner fill in the declared defaults; act, which Forgejo's runner is built on, does
 * the same in populateEnvsFromInput): an input set from a variable or secret that is not
 * defined looks exactly like one the step does not set.
 */
export const EMPTY_INPUT_HINT = [
  'An input set from a variable or secret that is not defined is empty: is the variable defined for this repository/environment (a variable, not a secret)?',
  "${{ vars.NAME }} reads a variable and ${{ secrets.NAME }} a secret; those of an environment reach only a job with that `environment:`, and a reusable workflow gets the caller's secrets only through `secrets:` (or `secrets: inherit`).",
].join('\n');

/** `Input "name"`, or `Environment variable NAME` for an upper-case name. */
export function describeInput(name: string): string {
  return /^[A-Z_]+$/.test(name) ? `Environment variable ${name}` : `Input "${name}"`;
}

/** A single-line input: no line break or other control character. */
export function checkSingleLine(name: string, value: string): void {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ActionError(`Input "${name}" contains a line break or control character.`);
  }
}

/** An RFC 1123 label: a namespace, a container name. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** An RFC 1123 subdomain: most object names. */
export function isDnsSubdomain(name: string): boolean {
  return (
    name.length <= 253 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
  );
}
