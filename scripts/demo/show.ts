// How the demo shows a run: the log with masked values replaced by ***, as a runner shows it,
// and the job summary.
import type { RunResult } from '../../__tests__/helpers/runner.js';
import { maskedValues } from '../../__tests__/helpers/leaks.js';

export function step(text: string): void {
  console.log(`\x1b[36m▶ ${text}\x1b[0m`);
}

export function masked(run: RunResult, text: string): string {
  let shown = text;
  for (const secret of maskedValues(run).sort((a, b) => b.length - a.length)) {
    if (secret) shown = shown.split(secret).join('***');
  }
  return shown;
}

export function showRun(run: RunResult): void {
  const log = run.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('::add-mask::'))
    .map((l) =>
      l
        .replace(
          /^::(error|warning)[^:]*::/,
          (_m, kind: string) => `${kind === 'error' ? 'Error' : 'Warning'}: `,
        )
        .replace(/%0A/g, '\n    '),
    )
    .map((l) => `  │ ${l}`)
    .join('\n');
  console.log(masked(run, log));
  console.log(`  └ exit code ${run.code}, ${run.seconds.toFixed(2)} s\n`);
  if (run.summary.trim()) {
    step('Job summary');
    console.log(
      masked(run, run.summary)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
}
