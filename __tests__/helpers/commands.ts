// The workflow-command scanner: reads a run's output the way the runner does and lists every
// command in it, so a test can compare them with the commands the action issues itself.
//
// What the runner treats as a command (GitHub's runner, and act for Forgejo): each line of the
// step's stdout (lines end at \n, \r\n or a lone \r: .NET's ReadLine), after leading white
// space, that begins with `::name props::data` or `##[name props]data`. `::stop-commands::T`
// turns command processing off until a line `::T::`: every line in between is printed verbatim,
// so an `::add-mask::<secret>` issued then shows the secret in clear (the chain of finding 1 of
// issue 14). stderr is scanned too: act reads both streams, and a command there is never ours.
import type { RunResult } from './runner.js';

/** The commands the action issues itself (through @actions/core). */
export const OWN_COMMANDS = new Set([
  'add-mask',
  'error',
  'warning',
  'notice',
  'debug',
  'group',
  'endgroup',
]);

export interface WorkflowCommand {
  stream: 'stdout' | 'stderr';
  name: string;
  data: string;
  /** The raw line, for messages. */
  line: string;
}

export interface CommandScan {
  commands: WorkflowCommand[];
  /** Lines the runner prints verbatim because commands were stopped (after `::stop-commands::`). */
  verbatim: string[];
}

const V2 = /^::([A-Za-z][\w-]*)(?:\s[^:]*)?::(.*)$/s;
const V1 = /^##\[([A-Za-z][\w-]*)(?:\s[^\]]*)?\](.*)$/s;

/** Every command the runner would run from `text`, with stop-commands/resume honoured. */
export function scanCommands(text: string, stream: 'stdout' | 'stderr' = 'stdout'): CommandScan {
  const commands: WorkflowCommand[] = [];
  const verbatim: string[] = [];
  let stopToken: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trimStart();
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      else verbatim.push(raw);
      continue;
    }
    const match = V2.exec(line) ?? V1.exec(line);
    if (!match) continue;
    const [, name, data] = match as unknown as [string, string, string];
    commands.push({ stream, name: name.toLowerCase(), data, line: raw });
    if (name.toLowerCase() === 'stop-commands' && data) stopToken = data;
  }
  return { commands, verbatim };
}

export interface CommandCheck {
  /** Values the action may legitimately mask (its tokens, keys...). */
  secrets?: string[];
  /** Also accept add-mask of values of these shapes (e.g. a 12-digit account id). */
  maskShapes?: RegExp[];
}

/**
 * Findings: every command in stdout or stderr the action did not issue (any name outside
 * OWN_COMMANDS, any command on stderr, an add-mask of something that is not one of its secrets),
 * and every line printed verbatim after an injected stop-commands. Empty for a clean run.
 */
export function foreignCommands(
  run: Pick<RunResult, 'stdout' | 'stderr'>,
  check: CommandCheck = {},
): string[] {
  const findings: string[] = [];
  const out = scanCommands(run.stdout, 'stdout');
  const err = scanCommands(run.stderr, 'stderr');
  const secrets = new Set(check.secrets ?? []);
  const shapes = check.maskShapes ?? [];
  for (const command of [...out.commands, ...err.commands]) {
    const where = `${command.stream}: ${JSON.stringify(command.line.slice(0, 120))}`;
    if (command.stream === 'stderr') findings.push(`a command on stderr (${where})`);
    else if (!OWN_COMMANDS.has(command.name)) findings.push(`::${command.name}:: (${where})`);
    else if (
      command.name === 'add-mask' &&
      !secrets.has(command.data) &&
      // The runner unescapes a command's data (@actions/core escapes %, CR and LF): a multi-line
      // secret is masked whole as well as line by line.
      !secrets.has(unescapeData(command.data)) &&
      !shapes.some((shape) => shape.test(command.data))
    ) {
      findings.push(`add-mask of a value that is none of the action's secrets (${where})`);
    }
  }
  for (const line of [...out.verbatim, ...err.verbatim]) {
    findings.push(`printed verbatim after stop-commands: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return findings;
}

/** A command's data as the runner reads it: @actions/core's %25, %0D, %0A undone. */
function unescapeData(data: string): string {
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Whether an `::add-mask::` of `secret` reached the log while commands were stopped (shown in clear). */
export function maskedInClear(run: Pick<RunResult, 'stdout'>, secret: string): boolean {
  return scanCommands(run.stdout).verbatim.some((line) => line.includes(secret));
}

/**
 * stdout without the `::add-mask::` lines the runner consumes as commands: what a reader of the
 * log sees (before masking). An add-mask line printed while commands are stopped stays in.
 */
export function logAsShown(stdout: string): string {
  const kept: string[] = [];
  let stopToken: string | undefined;
  for (const raw of stdout.split(/\r\n|\r|\n/)) {
    const line = raw.trimStart();
    if (stopToken !== undefined) {
      if (line === `::${stopToken}::`) stopToken = undefined;
      kept.push(raw);
      continue;
    }
    const match = V2.exec(line) ?? V1.exec(line);
    if (match?.[1]?.toLowerCase() === 'add-mask') continue;
    if (match?.[1]?.toLowerCase() === 'stop-commands' && match[2]) stopToken = match[2];
    kept.push(raw);
  }
  return kept.join('\n');
}

/**
 * What foreign text must not do in the job summary (Markdown): raw HTML tags (other than the
 * action's own <details>/<summary>), links, a `|` that ends a table cell, a fence that closes a
 * code block. Checked on the summary outside its fenced code blocks (inside them text is
 * literal); a fence opened by foreign text shows as an odd number of fences.
 */
export function summaryFindings(summary: string): string[] {
  const findings: string[] = [];
  const fences = summary.match(/^\s*```/gm) ?? [];
  if (fences.length % 2 !== 0)
    findings.push('an odd number of ``` fences (one came from foreign text)');
  const prose = summary.replace(/^\s*```[^\n]*\n[\s\S]*?^\s*```[^\n]*$/gm, '');
  const tag = /<(?!\/?(details|summary)>)\/?[a-z!][^>]*>/i.exec(prose);
  if (tag) findings.push(`a raw HTML tag: ${tag[0]}`);
  // `\]` is a literal bracket: only an unescaped `](` closes a link text.
  const link = /(?<!\\)\]\([^)]*\)/.exec(prose);
  if (link) findings.push(`a Markdown link: ${link[0]}`);
  if (prose.includes('hostile|pipe')) findings.push('an unescaped | from foreign text');
  return findings;
}

// What a runner would read as a workflow command in some output. actions/runner splits its
// streams with StreamReader.ReadLine (CR, LF, CRLF), reads a line that begins with `::` after
// white space (ActionCommand.TryParseV2, TrimStart) and a `##[` anywhere (TryParse, IndexOf);
// act splits on LF and anchors both at the line start. Splitting on every line terminator and
// looking everywhere for `##[` covers both.

/** Every line of `text` a runner would take for a command, with the line number. */
export function commandLines(text: string): string[] {
  return text
    .split(/\r\n|[\r\n\u0085\u2028\u2029]/)
    .map((line, index) => [line, index] as const)
    .filter(([line]) => /^\s*::/.test(line) || line.includes('##['))
    .map(([line, index]) => `${index + 1}: ${line}`);
}

/** Hostile values: each tries to start a command on a line of its own, or mid-line. */
export const HOSTILE = {
  newline: 'Running\n::set-output name=x::y',
  crlf: 'Failed\r\n::stop-commands::pwn',
  cr: 'Failed\r::add-mask::pwn',
  leading: '::set-env name=NODE_OPTIONS::--require=/tmp/x.js',
  v1: 'ok ##[add-path]/tmp/evil',
  separator: 'a\u2028::error::b',
} as const;
