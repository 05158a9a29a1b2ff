// The one way text from outside (an API server's answer, a kubeconfig, a token's claims, an
// input) reaches the job log or the job summary. The runner reads every stdout and stderr line
// that begins with `::` (after white space) as a workflow command, and a `##[command]` ANYWHERE in
// a line (actions/runner ActionCommand.TryParse uses IndexOf); Forgejo's runner (act) honours
// `::set-env` and `::add-path` without opt-in. Foreign text must never end a line, begin one with
// a command, or carry a `##[`. docs/design.md, "Foreign text and masking", has the evidence.

/** Characters that end or bend a log line: C0 and C1 controls, DEL, and the Unicode separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** What the runner reads as a command at the start of a line (after any white space). */
const COMMAND_START = /^(\s*)::/;
/** The runner's v1 command form, honoured wherever it appears in a line. */
const V1_COMMAND = /##\[/g;

function escapeChar(char: string): string {
  switch (char) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
}

/**
 * Foreign text for a log line or an error message: control characters escaped as `\n`, `\r`,
 * `\u001b`..., a leading `::` broken (`\u003a:`), every `##[` broken (`#\u0023[`), and at most
 * `max` characters. Safe anywhere in a line, including at its start.
 */
export function foreign(value: unknown, max = 400): string {
  const text = textOf(value);
  let escaped = text.replace(LINE_BREAKING, escapeChar).replace(V1_COMMAND, '#\\u0023[');
  escaped = escaped.replace(COMMAND_START, (_, space: string) => `${space}\\u003a:`);
  return escaped.length > max ? `${escaped.slice(0, max - 3)}...` : escaped;
}

/** A value from outside as text: a string as it is, anything else as JSON would write it. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${value}`;
  }
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * JSON (or HCL, or YAML made of JSON strings) meant to be copied exactly, made inert for a log
 * line: its strings take `\uXXXX` escapes, so line separators JSON leaves raw (U+2028, U+2029,
 * U+0085) and every `##[` are written as escapes. The values it stands for do not change.
 */
export function inertQuoted(text: string): string {
  return text
    .replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(V1_COMMAND, '#\\u0023[');
}

/**
 * Foreign text for one Markdown table cell or sentence of the job summary: escaped as for a log
 * line, then HTML and Markdown syntax made literal (no links, images, tags, emphasis, or `|`
 * ending the cell).
 */
export function foreignMarkdown(value: unknown, max = 400): string {
  return markdownLiteral(foreign(value, max));
}

/**
 * Log-safe text (from `foreign`, or a line built of our words and `foreign` fields) made literal
 * for Markdown: the same line in the job summary shows exactly what the log shows.
 */
export function markdownLiteral(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // Links and images need `[`; emphasis `*`, `_`, `~`; headings and lists a leading `#`, `+`;
      // a cell ends at `|`. Parentheses alone make nothing, so they stay readable.
      .replace(/([\\`*_[\]#+!|~])/g, '\\$1')
  );
}

/**
 * A short, single-line excerpt of a peer's response body for an error message. Bodies of
 * refusals carry no credentials, but they are still bounded, stripped of anything token-shaped,
 * and escaped as foreign text (no control character, no leading `::`): safe in any log line.
 */
export function bodyExcerpt(body: string, max = 200): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  const scrubbed = oneLine.replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt>');
  const short = scrubbed.length > max ? `${scrubbed.slice(0, max)}...` : scrubbed;
  return foreign(short, Infinity);
}

/**
 * Echo a bad value safely inside "quotes": `foreign` (one line, bounded, no workflow command)
 * with `\\` and `"` escaped as well, so the quoted value ends where it seems to.
 */
export function printable(value: string): string {
  return foreign(value.replace(/[\\"]/g, '\\$&'), 80);
}

/**
 * A shell word for a command a hint prints: as it is when it needs no quoting (`always`: quoted
 * anyway, as gcloud's documentation writes members and expressions), else in single quotes.
 * Takes text already escaped.
 */
export function shellWord(value: string, always = false): string {
  return !always && /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
