// The size of every file in dist/, and the total against its budget.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DIST } from '../__tests__/helpers/runner.js';
import type { BenchRow } from './run.js';
import { kib } from './measure.js';

export const title = 'bundle sizes';

export const budgets = {
  'bundle size':
    'The bytes of every file in dist/ (the committed ncc bundle: the entries, their lazily loaded chunks, licenses.txt). What a runner downloads with the action and what start-up may have to read. Budget: the total under 6 MB.',
};
const BUDGET = 6 * 1024 * 1024;

export async function measure(): Promise<BenchRow[]> {
  const files = readdirSync(DIST)
    .map((file) => ({ file, bytes: statSync(join(DIST, file)).size }))
    .sort((a, b) => b.bytes - a.bytes);
  const total = files.reduce((sum, f) => sum + f.bytes, 0);
  return [
    { benchmark: 'dist/ total', value: kib(total), budget: '< 6 MB', ok: total < BUDGET },
    ...files.map((f) => ({ benchmark: `dist/${f.file}`, value: kib(f.bytes) })),
  ];
}
