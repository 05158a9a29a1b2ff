// The leak guard: no secret may appear in anything a run leaves readable, except inside an
// `::add-mask::` command (which is how the runner learns what to hide) and in the outputs and
// variables whose job is to carry it.
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
    [
      'stdout',
      result.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
    ],
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
    for (const [where, text] of places) {
      if (text.includes(secret)) found.push(`${where} holds a secret (${secret.slice(0, 6)}...)`);
    }
  }
  return found;
}

/** Every `::add-mask::` value of a run. */
export function maskedValues(result: RunResult): string[] {
  return result.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length));
}
