// The one way text from outside (an API server's answer, a kubeconfig, a token's claims, an
// input) reaches the job log or the job summary. The runner reads every stdout line that begins
// with `::` (or `##[`) as a workflow command, and Forgejo's runner (act) honours `::set-env` and
// `::add-path` without opt-in: foreign text must never end a line, nor begin one with a command.

/** Characters that end or bend a log line: C0 and C1 controls, DEL, and the Unicode separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/** What the runner reads as a command at the start of a line (after any white space). */
const COMMAND_START = /^(\s*)(::|##\[)/;

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
 * `\u001b`..., a leading `::` or `##[` broken (`\u003a:`), and at most `max` characters. Safe
 * anywhere in a line, including at its start.
 */
export function foreign(value: unknown, max = 400): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : String(value);
  let escaped = text.replace(LINE_BREAKING, escapeChar);
  escaped = escaped.replace(COMMAND_START, (_, space: string, command: string) =>
    command === '::' ? `${space}\\u003a:` : `${space}#\\u0023[`,
  );
  return escaped.length > max ? `${escaped.slice(0, max - 3)}...` : escaped;
}

/**
 * Foreign text for one Markdown table cell or sentence of the job summary: escaped as for a log
 * line, then HTML and Markdown syntax made literal (no links, images, tags, emphasis, or `|`
 * ending the cell).
 */
export function foreignMarkdown(value: unknown, max = 400): string {
  return foreign(value, max)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1');
}
