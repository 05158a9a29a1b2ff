// `npm run bench`: every bench/*.bench.ts, one Markdown table. Not part of `npm test`: budgets
// are measured here, on this machine, and reported; tests check behaviour.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchRow {
  benchmark: string;
  /** The measurement, with its unit. */
  value: string;
  /** The budget as a sentence ("<= 0.6x configure-aws-credentials"), if there is one. */
  budget?: string;
  /** Whether the budget holds; undefined when there is none. */
  ok?: boolean;
}

export interface Bench {
  title: string;
  measure(): Promise<BenchRow[]>;
}

const only = process.argv[2];
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort();
const rows: BenchRow[] = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as Bench;
  console.error(`measuring: ${bench.title}`);
  rows.push(...(await bench.measure()));
}
console.log(`Node ${process.version}, ${process.platform}-${process.arch}\n`);
console.log('| benchmark | value | budget | holds |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) {
  const holds = row.ok === undefined ? '' : row.ok ? 'yes' : '**no**';
  console.log(`| ${row.benchmark} | ${row.value} | ${row.budget ?? ''} | ${holds} |`);
}
