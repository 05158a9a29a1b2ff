// src/runner.ts must speak the runner protocol exactly as @actions/core does: the same workflow
// commands on stdout, the same file commands, the same input parsing. @actions/core is the oracle.
import * as core from '@actions/core';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as runner from '../../src/runner.js';

type Impl = typeof runner;
const oracle = core as unknown as Impl;

let files: Record<'GITHUB_OUTPUT' | 'GITHUB_ENV' | 'GITHUB_STATE' | 'GITHUB_STEP_SUMMARY', string>;

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `act` against one implementation; returns stdout and the file commands, delimiters normalised. */
function observe(impl: Impl, withFiles: boolean, act: (impl: Impl) => unknown) {
  for (const [name, path] of Object.entries(files)) {
    writeFileSync(path, '');
    vi.stubEnv(name, withFiles ? path : '');
  }
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  let result: unknown;
  let thrown: string | undefined;
  try {
    result = act(impl);
  } catch (error) {
    thrown = `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
  spy.mockRestore();
  const normalise = (text: string) => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'DELIM');
  const fileText = Object.fromEntries(
    Object.entries(files)
      .filter(([name]) => name !== 'GITHUB_STEP_SUMMARY')
      .map(([name, path]) => [name, normalise(readFileSync(path, 'utf8'))]),
  );
  return { stdout, result, thrown, files: fileText, exitCode: process.exitCode };
}

const awkward = 'line1\nline2\r%25 100% :, done';

describe.each([true, false])('runner protocol (file commands: %s)', (withFiles) => {
  it.each<[string, (impl: Impl) => unknown]>([
    ['setSecret', (i) => i.setSecret(awkward)],
    ['setOutput string', (i) => i.setOutput('name', awkward)],
    ['setOutput object', (i) => i.setOutput('json', { a: [1, 'b'] })],
    ['exportVariable', (i) => i.exportVariable('KUBECONFIG', '/tmp/x y')],
    ['saveState', (i) => i.saveState('credential-dirs', '["/tmp/a"]')],
    ['info', (i) => i.info(awkward)],
    ['debug', (i) => i.debug(awkward)],
    ['warning', (i) => i.warning(awkward)],
    ['error', (i) => i.error(awkward)],
    ['setFailed', (i) => i.setFailed(awkward)],
  ])('%s', (_name, act) => {
    expect(observe(runner, withFiles, act)).toEqual(observe(oracle, withFiles, act));
  });
});

describe('inputs, as @actions/core reads them', () => {
  it.each([
    ['plain', '  value  '],
    ['empty', ''],
    ['multiline', ' a \n\n b\n c '],
    ['true', 'true'],
    ['True', 'True'],
    ['FALSE', 'FALSE'],
    ['yes', 'yes'],
    ['spaced name', 'x'],
  ])('%s', (name, value) => {
    vi.stubEnv(`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value);
    for (const read of [
      (i: Impl) => i.getInput(name),
      (i: Impl) => i.getInput(name, { trimWhitespace: false }),
      (i: Impl) => i.getInput(name, { required: true }),
      (i: Impl) => i.getMultilineInput(name),
      (i: Impl) => i.getMultilineInput(name, { trimWhitespace: false }),
      (i: Impl) => i.getBooleanInput(name),
    ]) {
      expect(observe(runner, true, read)).toEqual(observe(oracle, true, read));
    }
  });

  it('reads state as STATE_*', () => {
    vi.stubEnv('STATE_aws-exported', 'true');
    expect(runner.getState('aws-exported')).toBe(core.getState('aws-exported'));
    expect(runner.getState('missing')).toBe('');
  });
});

describe('job summary', () => {
  it('appends, as core.summary.addRaw().write() does', async () => {
    writeFileSync(files.GITHUB_STEP_SUMMARY, 'before\n');
    vi.stubEnv('GITHUB_STEP_SUMMARY', files.GITHUB_STEP_SUMMARY);
    expect(runner.appendSummary('| a | b |')).toBe(true);
    const ours = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    writeFileSync(files.GITHUB_STEP_SUMMARY, 'before\n');
    await core.summary.addRaw('| a | b |', true).write();
    expect(ours).toBe(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'));
  });

  it('says when the runner offers no summary', () => {
    vi.stubEnv('GITHUB_STEP_SUMMARY', '');
    expect(runner.appendSummary('x')).toBe(false);
  });
});
