// The leak guard: no secret may appear in anything a run leaves readable, except inside an
// `::add-mask::` command (which is how the runner learns what to hide) and in the outputs and
// variables whose job is to carry it.
import { logAsShown } from './commands.js';
import type { RunResult } from './runner.js';

export interface LeakAllowance {
  /** Output names meant to carry a secret (id-token, chainguard-token...). */
  outputs?: string[];
  /** Exported variables meant to carry one (AWS_SECRET_ACCESS_KEY...). */
  exported?: string[];
}

/** The parts of a JWT worth hunting for: the whole token and its signature. */
export function jwtSecrets(token: string): string[] {
  const signature = token.split('.')[2];
  return signature ? [token, signature] : [token];
}

/** Where each secret was found; empty when the run leaked nothing. */
export function findLeaks(
  result: RunResult,
  secrets: string[],
  allow: LeakAllowance = {},
): string[] {
  const places: Array<[string, string]> = [
    // Without the add-mask commands the runner consumes, but with any it prints verbatim
    // (after an injected ::stop-commands::, issue 14 finding 1).
    ['stdout', logAsShown(result.stdout)],
    ['stderr', result.stderr],
    ['GITHUB_STEP_SUMMARY', result.summary],
    ['GITHUB_STATE', JSON.stringify(result.state)],
  ];
  for (const [name, value] of Object.entries(result.outputs)) {
    if (!allow.outputs?.includes(name)) places.push([`output ${name}`, value]);
  }
  for (const [name, value] of Object.entries(result.exported)) {
    if (!allow.exported?.includes(name)) places.push([`GITHUB_ENV ${name}`, value]);
  }
  const found: string[] = [];
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    const pieces = fragments(secret);
    for (const [where, text] of places) {
      if (pieces.some((piece) => text.includes(piece))) {
        found.push(`${where} holds a secret or a piece of one (${secret.slice(0, 6)}...)`);
      }
    }
  }
  return found;
}

const WINDOW = 32;
/**
 * The secret, and for a long one every 32-character window at a multiple of 8: any leaked run of
 * 40 or more characters contains one of them. (The runner masks only whole values, so a tool that
 * prints part of a token leaks that part: the guard must see it.)
 */
function fragments(secret: string): string[] {
  if (secret.length < WINDOW + 8) return [secret];
  const pieces: string[] = [];
  for (let i = 0; i + WINDOW <= secret.length; i += 8) pieces.push(secret.slice(i, i + WINDOW));
  return pieces;
}

/** Every `::add-mask::` value of a run. */
export function maskedValues(result: RunResult): string[] {
  return result.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
}
