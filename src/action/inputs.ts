// The inputs, read through @actions/core: the edge's reader (base/input-reader.ts), the inputs
// every mode shares, and the mode they pick (modes/registry.ts) with its settings.
import * as core from '@actions/core';
import { ActionError } from '../base/errors.js';
import type { InputReader } from '../base/input-reader.js';
import { printable } from '../base/untrusted.js';
import { checkSingleLine } from '../base/validate.js';
import type { ChosenMode, CommonSettings } from '../modes/contract.js';
import { chooseMode } from '../modes/registry.js';

/** The step's inputs, as @actions/core reads them (INPUT_* of the runner). */
export const actionInputs: InputReader = {
  text: (name) => core.getInput(name),
  raw: (name) => core.getInput(name, { trimWhitespace: false }),
  boolean(name, whenEmpty) {
    // Empty (not given: action.yml declares no defaults) means the default stated there.
    if (core.getInput(name) === '') return whenEmpty;
    try {
      return core.getBooleanInput(name);
    } catch {
      throw new ActionError(
        `Input "${name}" is "${printable(core.getInput(name))}", which is not a boolean.`,
        'Use true or false.',
      );
    }
  },
  // The runner passes INPUT_<NAME> (upper case, hyphens kept) for every input action.yml
  // declares, empty unless the step gives it, and for each other input the step gives.
  given: () =>
    Object.entries(process.env)
      .filter(([key, value]) => key.startsWith('INPUT_') && (value ?? '').trim() !== '')
      .map(([key]) => key.slice('INPUT_'.length).toLowerCase()),
};

/**
 * Reads every input into the chosen mode and its typed settings, with every cross-check, so the
 * mode can trust what it gets. Nothing is requested or written before this returns.
 */
export function readSettings(
  env: NodeJS.ProcessEnv = process.env,
  input: InputReader = actionInputs,
): ChosenMode {
  return chooseMode(input, readCommon, env);
}

function readCommon(input: InputReader): CommonSettings {
  return {
    audience: optionalAudience(input),
    showClaims: input.boolean('show-claims', true),
    verifyToken: input.boolean('verify-token', false),
  };
}

function optionalAudience(input: InputReader): string | undefined {
  const audience = input.text('audience');
  if (!audience) return undefined;
  checkSingleLine('audience', audience);
  if (audience.length > 512) {
    throw new ActionError('Input "audience" is longer than 512 characters.');
  }
  return audience;
}
