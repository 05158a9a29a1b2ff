// The modes of the action, and how the inputs pick one. Adding a mode is a folder under modes/
// (an index.ts that calls defineMode) and a line here; nothing else switches on the mode.
import { ActionError } from '../base/errors.js';
import type { InputReader } from '../base/input-reader.js';
import { printable } from '../base/untrusted.js';
import { EMPTY_INPUT_HINT } from '../base/validate.js';
import { awsMode } from './aws/index.js';
import { chainguardMode } from './chainguard/index.js';
import {
  COMMON_INPUTS,
  type ChosenMode,
  type CommonSettings,
  type Mode,
  type ModeName,
} from './contract.js';
import { kubernetesMode } from './kubernetes/index.js';
import { tokenMode } from './token/index.js';

export const MODES: readonly Mode[] = [kubernetesMode, awsMode, chainguardMode, tokenMode];

/**
 * Booleans that are off unless given: `false` asks for nothing, so another mode does not refuse
 * it (unreadWarnings still names it).
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
 * whose inputs were given. Inputs that only another mode reads are refused; inputs it does not
 * read at all are listed in `unread` (the edge warns). Nothing is requested or written before
 * this returns.
 */
export function chooseMode(
  input: InputReader,
  readCommon: (input: InputReader) => CommonSettings,
  env: NodeJS.ProcessEnv,
): ChosenMode {
  const { mode, by } = pickMode(input);
  const common = readCommon(input);
  rejectForeignInputs(input, mode);
  requirePick(input, mode, by);
  const chosen = mode.choose(input, common, env);
  return { ...chosen, warnings: unreadWarnings(input, mode) };
}

/** The mode, and when no input picked it, the input of it that was given (for messages). */
function pickMode(input: InputReader): { mode: Mode; by?: string } {
  const given = input.text('mode').toLowerCase();
  if (given) {
    const named = MODES.find((m) => m.name === given);
    if (!named) {
      throw new ActionError(
        `Input "mode" is "${printable(given)}", which is not a mode.`,
        `Use one of: ${MODES.map((m) => m.name).join(', ')} (or leave it empty to pick from the other inputs).`,
      );
    }
    return { mode: named };
  }
  // An input one mode claims (kubernetes with eks-cluster reads role-to-assume) picks no other.
  const claimed = new Set(MODES.flatMap((m) => (m.pickedBy(input) ? m.claims(input) : [])));
  const candidates: Array<[Mode, string]> = [];
  for (const mode of MODES) {
    const by = mode.pickedBy(input);
    if (by && !claimed.has(by)) candidates.push([mode, by]);
  }
  const [first, second] = candidates;
  if (first && !second) return { mode: first[0] };
  if (first && second) {
    throw new ActionError(
      `Inputs "${first[1]}" (${first[0].name} mode) and "${second[1]}" (${second[0].name} mode) were both given; one step runs one mode.`,
      'Split them into two steps, or set "mode" and remove the other mode\'s inputs.',
    );
  }
  // No picking input: they may be set from variables that are not defined. Another input only
  // one mode owns (manifests, aws-region...) says which mode was meant; requirePick names the
  // empty input it needs.
  const hinted = MODES.flatMap((m) => {
    const owned = [...m.implies, ...m.owns].find((name) => isGiven(input, name));
    return owned ? [{ mode: m, by: owned }] : [];
  });
  if (hinted.length === 1) return hinted[0] as { mode: Mode; by: string };
  const picks = MODES.flatMap((m) => m.picks);
  const [lead, ...others] = picks;
  throw new ActionError(
    `Input "${lead ?? 'mode'}" is empty, and so is every other input that picks a mode: ${[...others, 'mode'].map((n) => `"${n}"`).join(', ')}.`,
    `${EMPTY_INPUT_HINT}\nOtherwise set "mode" to ${modeList()}, or give ${MODES.filter(
      (m) => m.picks.length > 0,
    )
      .map((m) => `${m.picks.map((p) => `"${p}"`).join('/')} (${m.name})`)
      .join(', ')}.`,
  );
}

/** A mode needs one of its picking inputs (token mode has none); all empty is said as such. */
function requirePick(input: InputReader, mode: Mode, by: string | undefined): void {
  if (mode.picks.length === 0 || mode.pickedBy(input)) return;
  const names = mode.picks.map((n) => `"${n}"`);
  const why = by === undefined ? '' : ` ("${by}" is an input of ${mode.name} mode)`;
  if (names.length === 1) {
    throw new ActionError(
      `Input ${names[0] ?? ''} is empty, and ${mode.name} mode needs it${why}.`,
      EMPTY_INPUT_HINT,
    );
  }
  throw new ActionError(
    `Inputs ${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''} are empty, and ${mode.name} mode needs one of them${why}.`,
    EMPTY_INPUT_HINT,
  );
}

/**
 * Inputs the step set (not empty) that the chosen mode, with the inputs given, does not read: the
 * step would silently ignore them. Built on the declarations (modes' and sources' owns, reads,
 * claims: Mode.reads), so a new mode or source needs nothing here. A warning, not a failure: an
 * input with a default that the mode does not use is harmless.
 */
function unreadWarnings(input: InputReader, mode: Mode): string[] {
  const read = new Set([...COMMON_INPUTS, ...mode.reads(input)]);
  const unread = (input.given?.() ?? []).filter((name) => !read.has(name));
  if (unread.length === 0) return [];
  const by = mode.pickedBy(input);
  const names = unread.map((n) => `"${printable(n)}"`).join(', ');
  const many = unread.length > 1;
  return [
    `Input${many ? 's' : ''} ${names} ${many ? 'have' : 'has'} no effect: ${mode.name} mode${by ? ` with "${by}"` : ''} does not read ${many ? 'them' : 'it'}. Remove ${many ? 'them' : 'it'}, or check the name${many ? 's' : ''} and the mode.`,
  ];
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
