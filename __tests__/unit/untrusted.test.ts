import { describe, expect, it } from 'vitest';
import { foreign, foreignMarkdown, markdownLiteral } from '../../src/base/untrusted.js';

describe('foreign', () => {
  it.each([
    ['plain text stays as it is', 'web-7d4b9c-abcde', 'web-7d4b9c-abcde'],
    [
      'a newline cannot start a command',
      'Running\n::set-output name=x::y',
      'Running\\n::set-output name=x::y',
    ],
    ['CR too', 'Failed\r::stop-commands::pwn', 'Failed\\r::stop-commands::pwn'],
    ['a leading command is broken', '::add-mask::x', '\\u003a:add-mask::x'],
    ['after white space too', '  ::error::x', '  \\u003a:error::x'],
    ['the v1 form', '##[add-path]/tmp', '#\\u0023[add-path]/tmp'],
    // actions/runner finds `##[command]` anywhere in a line (ActionCommand.TryParse: IndexOf).
    ['the v1 form mid-line', 'Failed ##[add-mask]x', 'Failed #\\u0023[add-mask]x'],
    ['every v1 form', '##[a]##[b]', '#\\u0023[a]#\\u0023[b]'],
    ['a leading command after a line separator', 'x\u2029::error::y', 'x\\u2029::error::y'],
    ['escape sequences', 'a\u001b[31mred', 'a\\u001b[31mred'],
    ['Unicode line separators', 'a\u2028b\u0085c', 'a\\u2028b\\u0085c'],
    ['an IPv6 server mid-line is untouched', 'https://[::1]:6443', 'https://[::1]:6443'],
  ])('%s', (_, input, expected) => {
    expect(foreign(input)).toBe(expected);
  });

  it('bounds the length', () => {
    expect(foreign('x'.repeat(1000), 10)).toBe('xxxxxxx...');
  });

  it('never yields a line break or a leading command, whatever the input', () => {
    const nasty = ['\n', '\r', '::', '##[', '#', '[', ' ', '\u2028', 'a', '\u0000', '%0A'];
    for (let i = 0; i < 2000; i++) {
      const input = Array.from(
        { length: 8 },
        (_, j) => nasty[(i * 7 + j * j * 3 + i * j) % nasty.length],
      ).join('');
      const out = foreign(input);
      expect(out).not.toMatch(/[\r\n\u2028\u2029]/);
      expect(out).not.toMatch(/^\s*::/);
      expect(out).not.toContain('##[');
    }
  });
});

describe('foreignMarkdown', () => {
  it.each([
    ['a pipe cannot end the cell', 'a|b', 'a\\|b'],
    ['no tags', '<img src=x onerror=y>', '&lt;img src=x onerror=y&gt;'],
    ['no links', '[click](https://evil)', '\\[click\\](https://evil)'],
    ['no images', '![x](https://evil/x.png)', '\\!\\[x\\](https://evil/x.png)'],
    ['no autolinks', '<https://evil>', '&lt;https://evil&gt;'],
    ['no heading', '# big', '\\# big'],
    ['no emphasis', '*bold* _it_', '\\*bold\\* \\_it\\_'],
    ['no line break', 'a\nb', 'a\\\\nb'],
    ['no command', '::set-output name=x::y', '\\\\u003a:set-output name=x::y'],
    ['no HTML entity', '&lt;b&gt;', '&amp;lt;b&amp;gt;'],
  ])('%s', (_, input, expected) => {
    expect(foreignMarkdown(input)).toBe(expected);
  });

  it('markdownLiteral keeps our own words readable and makes theirs literal', () => {
    expect(markdownLiteral(`pod/${foreign('web-1')}: ${foreign('<b>Running</b>')}`)).toBe(
      'pod/web-1: &lt;b&gt;Running&lt;/b&gt;',
    );
  });
});
