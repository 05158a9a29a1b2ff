// YAML in bounded time (kubernetes/yaml-documents.ts): duplicate keys are found as the yaml
// library's own uniqueKeys finds them (checked against it, case by case), but in linear time;
// documents and keys are bounded.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { YAML11_BOOLEANS } from '../../../src/kubernetes/kubeconfig.js';
import {
  YamlBoundExceeded,
  yamlDocument,
  yamlDocuments,
} from '../../../src/kubernetes/yaml-documents.js';

const options = { merge: true, customTags: YAML11_BOOLEANS };
const bounds = { maxDocuments: 100, maxKeys: 100 };

/** Each document's errors as `CODE line:col`, from ours and from the library's check. */
function errorsOf(text: string) {
  const ours = [...yamlDocuments(text, options, bounds)].map((d) =>
    d.errors.map((e) => `${e.code} ${e.linePos?.[0].line}:${e.linePos?.[0].col}`),
  );
  const library = parseAllDocuments(text, { ...options, uniqueKeys: true }).map((d) =>
    d.errors.map((e) => `${e.code} ${e.linePos?.[0].line}:${e.linePos?.[0].col}`),
  );
  return { ours, library };
}

describe('duplicate keys, as the library finds them', () => {
  it.each([
    'a: 1\nb: 2\na: 3\n',
    'a: 1\nb: 2\n',
    '"a": 1\na: 2\n',
    '1: x\n"1": y\n',
    '1: x\n1.0: y\n',
    'yes: x\ntrue: y\n',
    '~: x\nnull: y\n',
    'outer:\n  in: 1\n  in: 2\nother: {x: 1, x: 2}\n',
    '- {a: 1}\n- {a: 1, b: 2, a: 3}\n',
    'base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n',
    '---\na: 1\n---\na: 1\na: 2\n',
    '.nan: a\n.nan: b\n',
  ])('%j', (text) => {
    const { ours, library } = errorsOf(text);
    expect(ours).toEqual(library);
  });

  it('finds a duplicate at the end of 40,000 keys, naming its line', () => {
    const lines = ['data:'];
    for (let i = 0; i < 40_000; i++) lines.push(`  k${i}: v`);
    lines.push('  k7: again');
    const [doc] = [
      ...yamlDocuments(lines.join('\n'), options, { maxDocuments: 1, maxKeys: 50_000 }),
    ];
    expect(doc?.errors.map((e) => e.code)).toEqual(['DUPLICATE_KEY']);
    expect(doc?.errors[0]?.linePos?.[0]).toEqual({ line: 40_002, col: 3 });
  });
});

describe('bounds', () => {
  it.each([
    [
      'a block mapping',
      `m:\n${Array.from({ length: 101 }, (_, i) => `  k${i}: v`).join('\n')}\n`,
      2,
    ],
    ['a flow mapping', `m: {${Array.from({ length: 101 }, (_, i) => `k${i}: v`).join(', ')}}\n`, 1],
    [
      'a mapping in a sequence',
      `- a: 1\n- ${Array.from({ length: 101 }, (_, i) => `k${i}: v`).join('\n  ')}\n`,
      2,
    ],
  ])('more than maxKeys keys in %s', (_name, text, line) => {
    const read = () => [...yamlDocuments(text, options, bounds)];
    expect(read).toThrow(YamlBoundExceeded);
    expect(read).toThrow('more than 100 keys in one mapping');
    try {
      read();
    } catch (error) {
      expect((error as YamlBoundExceeded).line).toBe(line);
    }
  });

  it('100 keys and a sequence of 1,000 items are fine', () => {
    const text = `m:\n${Array.from({ length: 100 }, (_, i) => `  k${i}: v`).join('\n')}\ns: [${Array.from({ length: 1000 }, () => '1').join(', ')}]\n`;
    expect([...yamlDocuments(text, options, bounds)]).toHaveLength(1);
  });

  it('more than maxDocuments documents, empty ones counted, read one at a time', () => {
    const text = '---\n'.repeat(1_000_000);
    const started = performance.now();
    let seen = 0;
    expect(() => {
      for (const _ of yamlDocuments(text, options, bounds)) seen++;
    }).toThrow('more than 100 documents');
    expect(seen).toBe(100);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('calls check between documents: a deadline stops the reading', () => {
    let calls = 0;
    const check = () => {
      if (++calls > 3) throw new Error('deadline');
    };
    expect(() => [
      ...yamlDocuments('a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n', options, { ...bounds, check }),
    ]).toThrow('deadline');
  });
});

describe('yamlDocument (one document, as parseDocument)', () => {
  it('a second document is a MULTIPLE_DOCS error of the first', () => {
    expect(yamlDocument('a: 1\n---\nb: 2\n', options, bounds)?.errors.map((e) => e.code)).toEqual([
      'MULTIPLE_DOCS',
    ]);
  });
  it('nothing but a comment: no document', () => {
    expect(yamlDocument('# nothing\n', options, bounds)).toBeUndefined();
  });
});
