// `npm run bench`: every bench/*.bench.ts, one Markdown table on stdout and, for a full run, in
// docs/BENCHMARKS.md with the machine it ran on. Not part of `npm test`: budgets are measured
// here, on this machine, and reported; tests check behaviour. `npm run bench -- NAME` runs only
// the bench files whose name contains NAME (and leaves docs/BENCHMARKS.md alone).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';

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
  /** What each budget of this file measures, one Markdown paragraph per budget. */
  budgets?: Record<string, string>;
  measure(): Promise<BenchRow[]>;
}

const DOC = join(import.meta.dirname, '..', 'docs', 'BENCHMARKS.md');

const only = process.argv[2];
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort();
const started = performance.now();
const loadBefore = loadavg()[0] ?? 0;
const rows: BenchRow[] = [];
const budgets: Array<[string, string]> = [];
for (const file of files) {
  const bench = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as Bench;
  console.error(`measuring: ${bench.title}`);
  rows.push(...(await bench.measure()));
  budgets.push(...Object.entries(bench.budgets ?? {}));
}
const seconds = (performance.now() - started) / 1000;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = [
  '| benchmark | value | budget | holds |',
  '| --- | --- | --- | --- |',
  ...rows.map((row) => {
    const holds = row.ok === undefined ? '' : row.ok ? 'yes' : '**no**';
    return `| ${cell(row.benchmark)} | ${cell(row.value)} | ${cell(row.budget ?? '')} | ${holds} |`;
  }),
].join('\n');
const failing = rows.filter((row) => row.ok === false);

console.log(`Node ${process.version}, ${process.platform}-${process.arch}\n`);
console.log(table);
console.log(
  `\n${failing.length === 0 ? 'Every budget holds.' : `Budgets that do not hold: ${failing.length}.`} (${seconds.toFixed(0)} s)`,
);

if (!only) {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readCpuinfo())?.[1] ?? 'unknown CPU';
  const text = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); do not edit by hand. Each row is measured on the machine below, against local peers on loopback (the issuer, the Kubernetes API server fixture, moto, the Chainguard STS, Google and Azure fixtures) and real `kubectl`, `curl`, `jq`, `aws`, `gcloud` and `az`; with CAC_DIST set, the dist of configure-aws-credentials. Times are medians; the machine may be shared, so start-up times are also given as a ratio to `node -e 0` measured in the same loop.',
    '',
    `- Machine: ${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${process.platform}-${process.arch}`,
    `- Node ${process.version}`,
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the whole run took ${seconds.toFixed(0)} s`,
    `- Load average (1 min) before and after: ${loadBefore.toFixed(2)}, ${(loadavg()[0] ?? 0).toFixed(2)}`,
    '',
    table,
    '',
    failing.length === 0
      ? 'Every budget holds.'
      : `Budgets that do not hold: ${failing.map((r) => r.benchmark).join('; ')}.`,
    '',
    '## What each budget measures',
    '',
    ...budgets.flatMap(([name, paragraph]) => [`**${name}.** ${paragraph}`, '']),
  ].join('\n');
  writeFileSync(DOC, await format(text, { ...(await resolveConfig(DOC)), filepath: DOC }));
  console.error(`wrote ${DOC}`);
}
if (failing.length > 0) process.exitCode = 1;

function readCpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}
