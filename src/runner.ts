// The runner protocol (inputs, workflow commands, file commands, state, job summary) exactly as
// @actions/core implements it, without the HTTP stack @actions/core loads at import time:
// importing @actions/core costs ~45 ms of start-up (undici, tunnel, @actions/exec), about as much
// as starting Node itself, on every run. Unit tests hold this module to @actions/core's output.
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

export interface InputOptions {
  required?: boolean;
  trimWhitespace?: boolean;
}

function toCommandValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function escapeData(value: unknown): string {
  return toCommandValue(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function issueCommand(command: string, message: unknown): void {
  process.stdout.write(`::${command}::${escapeData(message)}${EOL}`);
}

function issueFileCommand(
  command: 'ENV' | 'OUTPUT' | 'STATE',
  name: string,
  value: unknown,
): boolean {
  const filePath = process.env[`GITHUB_${command}`] || '';
  if (!filePath) return false;
  if (!existsSync(filePath)) throw new Error(`Missing file at path: ${filePath}`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const converted = toCommandValue(value);
  if (name.includes(delimiter) || converted.includes(delimiter)) {
    throw new Error(`Unexpected input: the value contains the delimiter "${delimiter}"`);
  }
  appendFileSync(filePath, `${name}<<${delimiter}${EOL}${converted}${EOL}${delimiter}${EOL}`, {
    encoding: 'utf8',
  });
  return true;
}

/** Legacy stdout commands, for runners without file commands. */
function issueNamedCommand(command: string, name: string, value: unknown): void {
  const property = toCommandValue(name)
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A')
    .replace(/:/g, '%3A')
    .replace(/,/g, '%2C');
  process.stdout.write(`::${command} name=${property}::${escapeData(value)}${EOL}`);
}

export function getInput(name: string, options?: InputOptions): string {
  const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
  if (options?.required && !value) throw new Error(`Input required and not supplied: ${name}`);
  return options?.trimWhitespace === false ? value : value.trim();
}

export function getMultilineInput(name: string, options?: InputOptions): string[] {
  const lines = getInput(name, options)
    .split('\n')
    .filter((line) => line !== '');
  return options?.trimWhitespace === false ? lines : lines.map((line) => line.trim());
}

/** YAML 1.2 core-schema booleans, as @actions/core accepts them. */
export function getBooleanInput(name: string, options?: InputOptions): boolean {
  const value = getInput(name, options);
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new TypeError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
      'Support boolean input list: `true | True | TRUE | false | False | FALSE`',
  );
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', secret);
}

export function setOutput(name: string, value: unknown): void {
  if (issueFileCommand('OUTPUT', name, value)) return;
  process.stdout.write(EOL);
  issueNamedCommand('set-output', name, value);
}

export function exportVariable(name: string, value: unknown): void {
  process.env[name] = toCommandValue(value);
  if (!issueFileCommand('ENV', name, value)) issueNamedCommand('set-env', name, value);
}

export function saveState(name: string, value: unknown): void {
  if (!issueFileCommand('STATE', name, value)) issueNamedCommand('save-state', name, value);
}

export function getState(name: string): string {
  return process.env[`STATE_${name}`] || '';
}

export function info(message: string): void {
  process.stdout.write(message + EOL);
}

export function debug(message: string): void {
  issueCommand('debug', message);
}

export function warning(message: string): void {
  issueCommand('warning', message);
}

export function error(message: string): void {
  issueCommand('error', message);
}

export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}

/** Appends Markdown to the job summary; false when the runner offers none. */
export function appendSummary(markdown: string): boolean {
  const filePath = process.env['GITHUB_STEP_SUMMARY'] || '';
  if (!filePath) return false;
  appendFileSync(filePath, markdown.endsWith(EOL) ? markdown : markdown + EOL, {
    encoding: 'utf8',
  });
  return true;
}
