// The registries are the one place that knows which inputs each mode and cluster source reads
// (modes/registry.ts, kubernetes/sources/registry.ts): every input of action.yml is declared by
// one of them, and nothing is declared that action.yml lacks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { InputReader } from '../../src/base/input-reader.js';
import { MODES } from '../../src/modes/registry.js';
import { SOURCES } from '../../src/kubernetes/sources/registry.js';
import { ROOT } from '../helpers/runner.js';

const COMMON = ['mode', 'audience', 'show-claims', 'verify-token'];
const none: InputReader = { text: () => '', raw: () => '', boolean: (_, d) => d };
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
};

describe('the mode and source registries', () => {
  const declared = new Set([
    ...COMMON,
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

  it('let no two modes own the same input', () => {
    const owned = MODES.flatMap((m) => m.owns);
    expect(owned.filter((name, i) => owned.indexOf(name) !== i)).toEqual([]);
  });
});
