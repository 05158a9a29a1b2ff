// Checks of input values as plain strings: each failure is an ActionError naming the input.
import { ActionError } from './errors.js';

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
