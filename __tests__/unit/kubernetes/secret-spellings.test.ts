// The spellings a Go (or JSON) server writes a Secret's value in (issue 22, defect 1): each row
// written out by hand from Go's rules (encoding/json with HTML escaping; strconv.Quote and
// QuoteToASCII), not computed, so that the code cannot agree with itself by mistake.
import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  redactSecret,
  secretSpellings,
  spellings,
} from '../../../src/kubernetes/apply/secret-spellings.js';

describe('spellings', () => {
  it.each([
    // value, json.Marshal (Go >= 1.22), %q, %+q
    ['a&b<c>d', 'a\\u0026b\\u003cc\\u003ed', 'a&b<c>d', 'a&b<c>d'],
    ['esc\u001b[0m', 'esc\\u001b[0m', 'esc\\x1b[0m', 'esc\\x1b[0m'],
    ['tab\there', 'tab\\there', 'tab\\there', 'tab\\there'],
    ['q"uo\\te', 'q\\"uo\\\\te', 'q\\"uo\\\\te', 'q\\"uo\\\\te'],
    ['bell\u0007x', 'bell\\u0007x', 'bell\\ax', 'bell\\ax'],
    ['back\bspace', 'back\\bspace', 'back\\bspace', 'back\\bspace'],
    ['caf\u00e9-ok', 'caf\u00e9-ok', 'caf\u00e9-ok', 'caf\\u00e9-ok'],
    ['sep\u2028x', 'sep\\u2028x', 'sep\\u2028x', 'sep\\u2028x'],
    ['soft\u00adhy', 'soft\u00adhy', 'soft\\u00adhy', 'soft\\u00adhy'],
    ['del\u007fx', 'del\u007fx', 'del\\x7fx', 'del\\x7fx'],
    ['emoji-\u{1F600}', 'emoji-\u{1F600}', 'emoji-\u{1F600}', 'emoji-\\U0001f600'],
  ])('%j: json.Marshal %j, %%q %j, %%+q %j', (value, goJson, quoted, ascii) => {
    const all = spellings(value);
    expect(all).toContain(value);
    expect(all).toContain(goJson);
    expect(all).toContain(quoted);
    expect(all).toContain(ascii);
    expect(all).toContain(Buffer.from(value).toString('base64'));
    expect(all).toContain(JSON.stringify(value).slice(1, -1));
  });

  it('writes \\b and \\f as Go before 1.22 did too (\\u0008, \\u000c)', () => {
    expect(spellings('x\by\fz')).toEqual(expect.arrayContaining(['x\\u0008y\\u000cz']));
  });

  it('masks each line of a multi-line value, and no blank one', () => {
    const all = spellings('line one\n\nline two\n');
    expect(all).toEqual(expect.arrayContaining(['line one', 'line two']));
    expect(all.filter((s) => s.trim() === '')).toEqual([]);
  });
});

describe('secretSpellings and redactSecret', () => {
  const secret = {
    kind: 'Secret',
    data: { key: Buffer.from('k&y-value').toString('base64'), empty: '' },
    stringData: { password: 'p<w>d-secret', port: 5432 },
  };

  it('covers data as written and decoded, stringData, and scalars that are not strings', () => {
    const all = secretSpellings(secret);
    expect(all).toEqual(
      expect.arrayContaining([
        Buffer.from('k&y-value').toString('base64'),
        'k&y-value',
        'k\\u0026y-value',
        'p<w>d-secret',
        'p\\u003cw\\u003ed-secret',
        Buffer.from('p<w>d-secret').toString('base64'),
        '5432',
      ]),
    );
    // Longest first, so a longer spelling is cut before a shorter one inside it.
    expect([...all].sort((a, b) => b.length - a.length)).toEqual(all);
  });

  it('cuts every spelling out of a message', () => {
    const message = `denied: {"password":"p\\u003cw\\u003ed-secret"} key=k\\u0026y-value raw=${secret.data.key}`;
    expect(redactSecret(message, secret)).toBe('denied: {"password":"***"} key=*** raw=***');
  });

  it.each([
    ['aGVsbG8=', 'hello'],
    ['aGVs\nbG8=', 'hello'],
    ['not base64!', undefined],
    [Buffer.from([0xff, 0xfe]).toString('base64'), undefined],
  ])('decodeBase64(%j) is %j', (text, decoded) => {
    expect(decodeBase64(text)).toBe(decoded);
  });
});
