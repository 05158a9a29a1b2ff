// Every bad or hostile input ends the same way: exit 1, one ::error:: naming the input, no stack
// trace, no request sent, no credential file left. docs/bad-inputs.md is generated from these runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUTS } from '../cases/bad-inputs.js';
import { renderBadInputsDoc, type BadInputOutcome } from '../cases/bad-inputs-doc.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { errorAnnotations, ROOT, runAction } from '../helpers/runner.js';

describe('bad and hostile input', () => {
  let issuer: Issuer;
  const outcomes: BadInputOutcome[] = [];
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it('has at least 40 cases over the inputs', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(BAD_INPUTS.map((c) => [c.title, c] as const))('%s', async (_title, badCase) => {
    const before = issuer.requests.length;
    const run = await runAction({
      inputs: badCase.inputs,
      env: { ...issuer.env(), ...badCase.env },
    });
    expect(run.code, run.stdout).toBe(1);
    const errors = errorAnnotations(run);
    expect(errors, run.stdout).toHaveLength(1);
    const error = errors[0] as string;
    const named = /^[A-Z_]+$/.test(badCase.names) ? badCase.names : `"${badCase.names}"`;
    expect(error).toContain(named);
    if (badCase.says) expect(error).toMatch(badCase.says);
    expect(run.stdout + run.stderr).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
    expect(issuer.requests.length - before, 'no ID token may be requested for bad input').toBe(0);
    expect(readdirSync(run.dirs.temp), 'no credential file may be left').toEqual([]);
    outcomes.push({ case: badCase, error });
  });

  it('docs/bad-inputs.md is generated from these cases (run `npm run docs` after changing them)', async () => {
    expect(outcomes).toHaveLength(BAD_INPUTS.length);
    const ordered = BAD_INPUTS.map((c) => outcomes.find((o) => o.case === c) as BadInputOutcome);
    const expected = await prettier.format(renderBadInputsDoc(ordered), { parser: 'markdown' });
    expect(readFileSync(join(ROOT, 'docs', 'bad-inputs.md'), 'utf8')).toBe(expected);
  });
});
