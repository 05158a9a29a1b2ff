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
