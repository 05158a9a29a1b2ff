// The registries are the one place that knows which inputs each mode and cluster source reads
// (modes/registry.ts, kubernetes/sources/registry.ts): every input of action.yml is declared by
// one of them, and nothing is declared that action.yml lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { InputReader } from '../../src/base/input-reader.js';
import { COMMON_INPUTS } from '../../src/modes/contract.js';
import { MODES } from '../../src/modes/registry.js';
import { SOURCES } from '../../src/kubernetes/sources/registry.js';
import { ROOT } from '../helpers/runner.js';

const none: InputReader = { text: () => '', raw: () => '', boolean: (_, d) => d };
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string; default?: unknown }>;
};

describe('the mode and source registries', () => {
  const declared = new Set([
    ...COMMON_INPUTS,
    ...MODES.flatMap((m) => m.reads(none)),
    ...SOURCES.flatMap((s) => s.reads),
  ]);

  it('declare every input of action.yml', () => {
    expect(Object.keys(action.inputs).filter((name) => !declared.has(name))).toEqual([]);
  });

  it('declare no input that action.yml lacks', () => {
    expect([...declared].filter((name) => !(name in action.inputs))).toEqual([]);
  });

  it('give each mode a distinct name, and each source a distinct name and picking inputs', () => {
    expect(new Set(MODES.map((m) => m.name)).size).toBe(MODES.length);
    expect(new Set(SOURCES.map((s) => s.name)).size).toBe(SOURCES.length);
    const picks = SOURCES.flatMap((s) => s.picks);
    expect(new Set(picks).size).toBe(picks.length);
  });

  // A runner passes every declared input in every mode, its default when the step does not give
  // it (actions/runner ActionRunner; act populateEnvsFromInput): with a default the action could
  // not tell whether a step gave the input, so it could neither refuse nor warn about it in a
  // mode that does not read it. The default is stated at the end of the description instead
  // ("Default: `5m`.", which the README's table shows), and applied by the code that reads it.
  it('give no input a default in action.yml (the description states it)', () => {
    const withDefault = Object.entries(action.inputs)
      .filter(([, spec]) => spec.default !== undefined && spec.default !== '')
      .map(([name]) => name);
    expect(withDefault).toEqual([]);
    // Where a description states one, it is its last sentence (the README table reads it there).
    for (const [name, spec] of Object.entries(action.inputs)) {
      if (spec.description.includes('Default: `')) {
        expect(spec.description, name).toMatch(/ Default: `[^`]*`\.$/);
      }
    }
  });

  it('let no two modes own the same input', () => {
    const owned = MODES.flatMap((m) => m.owns);
    expect(owned.filter((name, i) => owned.indexOf(name) !== i)).toEqual([]);
  });
});
