// Writes docs/bad-inputs.md by running the bundled action on every bad-input case.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as prettier from 'prettier';
import { BAD_INPUTS } from '../__tests__/cases/bad-inputs.js';
import { renderBadInputsDoc, type BadInputOutcome } from '../__tests__/cases/bad-inputs-doc.js';
import { startIssuer } from '../__tests__/fixtures/issuer.js';
import { errorAnnotations, runAction } from '../__tests__/helpers/runner.js';

const root = resolve(import.meta.dirname, '..');
const issuer = await startIssuer();
const outcomes: BadInputOutcome[] = [];
try {
  for (const badCase of BAD_INPUTS) {
    const run = await runAction({
      inputs: badCase.inputs,
      env: { ...issuer.env(), ...badCase.env },
    });
    const errors = errorAnnotations(run);
    if (run.code !== 1 || errors.length !== 1) {
      throw new Error(
        `case "${badCase.title}" did not end with one error (exit ${run.code}, ${errors.length} errors)`,
      );
    }
    outcomes.push({ case: badCase, error: errors[0] as string });
  }
} finally {
  await issuer.close();
}
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(
  join(root, 'docs', 'bad-inputs.md'),
  await prettier.format(renderBadInputsDoc(outcomes), { parser: 'markdown' }),
);
console.log(`docs/bad-inputs.md: ${outcomes.length} cases`);
