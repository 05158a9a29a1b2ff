// Every way a server may write a Secret's value inside a message, so that each is masked (the
// runner hides only the exact strings it was given with ::add-mask::) and cut out of what the
// action prints itself. API servers, admission webhooks and policy engines are written in Go:
// they render a denied object with encoding/json (json.Marshal escapes `&` `<` `>` U+2028 U+2029
// as \u0026 \u003c \u003e \u2028 \u2029, control characters as \n \t or \u001b, and before Go
// 1.22 \b \f as \u0008 \u000c) or with fmt's %q (strconv.Quote: \t, \x1b, \u00ad for what is not
// printable; %+q also every non-ASCII letter as \u00e9), and the value arrives base64-encoded
// when they quote `data`. A multi-line value is masked line by line too (the runner masks lines).

/** Values shorter than this are not cut out of messages (they would cut ordinary words). */
export const MIN_REDACTED = 3;

/**
 * The value and every spelling of it a Go (or JSON) server may print, each once. `base64`: also
 * its base64 (a `stringData` value or a decoded `data` value, which a server shows encoded; not
 * a `data` value as written, which is base64 already).
 */
export function spellings(value: string, base64 = true): string[] {
  const all = [
    value,
    ...(base64 ? [Buffer.from(value, 'utf8').toString('base64')] : []),
    jsonInner(value, { html: false, shortBf: true }),
    jsonInner(value, { html: true, shortBf: true }),
    jsonInner(value, { html: true, shortBf: false }),
    jsonInner(value, { html: false, shortBf: false }),
    goQuoteInner(value, false),
    goQuoteInner(value, true),
  ];
  const lines = value.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length > 1) all.push(...lines);
  return [...new Set(all.filter((spelling) => spelling.trim() !== ''))];
}

/**
 * The spellings of every value of a Secret object (`data` as written and base64-decoded,
 * `stringData`), longest first, for cutting them out of a text.
 */
export function secretSpellings(secret: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const key of ['data', 'stringData']) {
    const map = secret[key];
    if (typeof map !== 'object' || map === null) continue;
    for (const value of Object.values(map as Record<string, unknown>)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        continue;
      }
      const text = String(value);
      values.push(...spellings(text, key !== 'data'));
      const decoded = key === 'data' ? decodeBase64(text) : undefined;
      if (decoded !== undefined) values.push(...spellings(decoded));
    }
  }
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/** `text` with every spelling of the Secret's values replaced by `***`. */
export function redactSecret(text: string, secret: Record<string, unknown>): string {
  let out = text;
  for (const spelling of secretSpellings(secret)) {
    if (spelling.length >= MIN_REDACTED) out = out.split(spelling).join('***');
  }
  return out;
}

/** The UTF-8 text of base64 `text`, when it is base64 of text. */
export function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return decoded.includes('\uFFFD') ? undefined : decoded;
}

const hex = (code: number, width: number) => code.toString(16).padStart(width, '0');

/**
 * The inside of a JSON string: as JSON.stringify writes it, or as Go's encoding/json does
 * (`html`: \u0026 \u003c \u003e; always \u2028 \u2029), with \b \f short (Go 1.22 and later,
 * JavaScript) or as \u0008 \u000c (earlier Go).
 */
function jsonInner(value: string, style: { html: boolean; shortBf: boolean }): string {
  let out = JSON.stringify(value).slice(1, -1);
  if (!style.shortBf)
    out = out.replace(/\\([bf])/g, (_, c: string) => (c === 'b' ? '\\u0008' : '\\u000c'));
  if (style.html) out = out.replace(/[<>&]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
  return out.replace(/[\u2028\u2029]/g, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}

const GO_SHORT: Record<string, string> = {
  '\u0007': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/**
 * The inside of Go's %q (strconv.Quote), or %+q (`ascii`: QuoteToASCII): what Go's
 * unicode.IsPrint calls printable (letters, marks, numbers, punctuation, symbols, the ASCII
 * space) stays, the rest is escaped.
 */
function goQuoteInner(value: string, ascii: boolean): string {
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    const short = GO_SHORT[char];
    if (short) out += short;
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2)}`;
    else if (code < 0x80 || (!ascii && /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(char))) out += char;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return out;
}
