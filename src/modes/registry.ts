// The modes of the action, and how the inputs pick one. Adding a mode is a folder under modes/
// (an index.ts that calls defineMode) and a line here; nothing else switches on the mode.
import { ActionError } from '../base/errors.js';
import type { InputReader } from '../base/input-reader.js';
import { printable } from '../base/untrusted.js';
import { awsMode } from './aws/index.js';
import { chainguardMode } from './chainguard/index.js';
import type { ChosenMode, CommonSettings, Mode, ModeName } from './contract.js';
import { kubernetesMode } from './kubernetes/index.js';
import { tokenMode } from './token/index.js';

export const MODES: readonly Mode[] = [kubernetesMode, awsMode, chainguardMode, tokenMode];

/**
 * Booleans that are false unless given (force-conflicts and dry-run have the default false, which
 * a runner passes in every mode): `false` counts as not given.
 */
const DEFAULT_FALSE = new Set([
  'force-conflicts',
  'dry-run',
  'role-chaining',
  'overwrite-aws-profile',
  'special-characters-workaround',
  'role-skip-session-tagging',
  'ecr-login',
]);

/** Whether an input was given: set, and for a default-false boolean, not false. */
export function isGiven(input: InputReader, name: string): boolean {
  const value = input.text(name);
  return value !== '' && !(DEFAULT_FALSE.has(name) && value.toLowerCase() === 'false');
}

/**
 * The mode the inputs ask for, its settings read and checked: "mode" when set, else the one mode
 * whose inputs were given. Inputs that only another mode reads are refused. Nothing is requested
 * or written before this returns.
 */
export function chooseMode(
  input: InputReader,
  readCommon: (input: InputReader) => CommonSettings,
  env: NodeJS.ProcessEnv,
): ChosenMode {
  const mode = pickMode(input);
  const common = readCommon(input);
  rejectForeignInputs(input, mode);
  return mode.choose(input, common, env);
}

function pickMode(input: InputReader): Mode {
  const given = input.text('mode').toLowerCase();
  if (given) {
    const named = MODES.find((m) => m.name === given);
    if (!named) {
      throw new ActionError(
        `Input "mode" is "${printable(given)}", which is not a mode.`,
        `Use one of: ${MODES.map((m) => m.name).join(', ')} (or leave it empty to pick from the other inputs).`,
      );
    }
    return named;
  }
  // An input one mode claims (kubernetes with eks-cluster reads role-to-assume) picks no other.
  const claimed = new Set(MODES.flatMap((m) => (m.pickedBy(input) ? m.claims(input) : [])));
  const candidates: Array<[Mode, string]> = [];
  for (const mode of MODES) {
    const by = mode.pickedBy(input);
    if (by && !claimed.has(by)) candidates.push([mode, by]);
  }
  const [first, second] = candidates;
  if (first && !second) return first[0];
  if (first && second) {
    throw new ActionError(
      `Inputs "${first[1]}" (${first[0].name} mode) and "${second[1]}" (${second[0].name} mode) were both given; one step runs one mode.`,
      'Split them into two steps, or set "mode" and remove the other mode\'s inputs.',
    );
  }
  // Manifests alone are a deploy, so kubernetes mode, which then asks for kubeconfig or server.
  const implied = MODES.find((m) => m.implies.some((name) => isGiven(input, name)));
  if (implied) return implied;
  throw new ActionError(
    'Input "mode" is empty and no input picks one.',
    `Set "mode" to ${modeList()}, or give ${MODES.filter((m) => m.picks.length > 0)
      .map((m) => `${m.picks.map((p) => `"${p}"`).join('/')} (${m.name})`)
      .join(', ')}.`,
  );
}

function modeList(): string {
  const names = MODES.map((m) => m.name);
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}

/** Inputs only other modes read, given anyway: the step would silently ignore them. */
function rejectForeignInputs(input: InputReader, mode: Mode): void {
  const own = new Set([...mode.owns, ...mode.claims(input)]);
  const foreign = MODES.filter((m) => m !== mode)
    .flatMap((m) => m.owns)
    .filter((name, i, all) => all.indexOf(name) === i && !own.has(name) && isGiven(input, name));
  if (foreign.length === 0) return;
  const many = foreign.length > 1;
  throw new ActionError(
    `Input${many ? 's' : ''} ${foreign.map((n) => `"${n}"`).join(', ')} ${many ? 'do' : 'does'} not apply to ${mode.name} mode.`,
    `Remove ${many ? 'them' : 'it'}, or run the other mode in a step of its own.`,
  );
}

export type { ModeName };
