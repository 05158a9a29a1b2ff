// YAML read in bounded time and memory: the documents of a text one at a time (never all of them
// at once), at most so many documents and so many keys in one mapping, with duplicate keys found
// in linear time. The `yaml` library's own check (`uniqueKeys`) compares each key with every key
// before it: one mapping of 40,000 keys took ~10 s, 150,000 keys minutes; and
// `parseAllDocuments` keeps every document it made, so 10 MiB of `---` lines (2.6 million empty
// documents) took ~2.5 GB. Duplicates are reported as the library reports them (a DUPLICATE_KEY
// error of the document, with its line and column), so callers word them as before.
import {
  Composer,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  YAMLParseError,
  type CST,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

export type YamlOptions = ParseOptions & DocumentOptions & SchemaOptions;

export interface YamlBounds {
  /** Documents in one text, empty ones included. */
  maxDocuments: number;
  /** Keys in one mapping. */
  maxKeys: number;
  /** Called between documents and every few thousand nodes; throws to stop (a deadline). */
  check?: () => void;
}

/** A text over a bound: which one, and where (1-based line of the mapping or document). */
export class YamlBoundExceeded extends Error {
  constructor(
    readonly bound: 'documents' | 'keys',
    readonly limit: number,
    readonly line: number,
  ) {
    super(`more than ${limit} ${bound === 'documents' ? 'documents' : 'keys in one mapping'}`);
    this.name = 'YamlBoundExceeded';
  }
}

/**
 * The documents of `text`, in order, each with its errors (duplicate keys among them) carrying a
 * line and column (`linePos`). Throws YamlBoundExceeded past a bound, and whatever `check` throws.
 */
export function* yamlDocuments(
  text: string,
  options: YamlOptions,
  bounds: YamlBounds,
  lineCounter: LineCounter = new LineCounter(),
): Generator<Document.Parsed> {
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer({ ...options, uniqueKeys: false });
  let count = 0;
  // Each document's syntax tree is counted before it is composed: a mapping over the bound
  // costs its parse, not the making of its nodes.
  const counted = function* (tokens: Generator<CST.Token>) {
    for (const token of tokens) {
      if (token.type === 'document') countKeys(token, bounds.maxKeys, lineAt);
      yield token;
    }
  };
  for (const doc of composer.compose(counted(parser.parse(text)))) {
    count++;
    if (count > bounds.maxDocuments) {
      throw new YamlBoundExceeded('documents', bounds.maxDocuments, lineAt(doc.range[0]));
    }
    bounds.check?.();
    findDuplicateKeys(doc, bounds);
    // In the order of the text, as the library reports them (the walk above is not).
    doc.errors.sort((a, b) => a.pos[0] - b.pos[0]);
    for (const error of [...doc.errors, ...doc.warnings]) {
      error.linePos ??= [lineCounter.linePos(error.pos[0]), lineCounter.linePos(error.pos[1])];
    }
    yield doc;
  }

  function lineAt(offset: number): number {
    return lineCounter.linePos(offset).line;
  }

  /**
   * Adds a DUPLICATE_KEY error for every key equal to an earlier one of its mapping (equal as
   * the library compares them: scalars by value with ===), walking the document without
   * recursion; a mapping of more than `maxKeys` keys throws.
   */
  function findDuplicateKeys(doc: Document.Parsed, limits: YamlBounds): void {
    const stack: unknown[] = [doc.contents];
    let visited = 0;
    while (stack.length > 0) {
      const node = stack.pop();
      if (++visited % 4096 === 0) limits.check?.();
      if (isSeq(node)) {
        stack.push(...node.items);
      } else if (isMap(node)) {
        if (node.items.length > limits.maxKeys) {
          throw new YamlBoundExceeded('keys', limits.maxKeys, lineAt(node.range?.[0] ?? 0));
        }
        const seen = new Set<unknown>();
        for (const pair of node.items) {
          const key = pair.key;
          // A scalar key by its value (NaN equals nothing, as with ===); any other by identity.
          const id = isScalar(key) ? key.value : key;
          if (typeof id === 'number' && Number.isNaN(id)) continue;
          if (seen.has(id)) {
            const at = (isScalar(key) ? key.range?.[0] : undefined) ?? node.range?.[0] ?? 0;
            doc.errors.push(
              new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'),
            );
          } else seen.add(id);
          if (key && !isScalar(key) && !isAlias(key)) stack.push(key);
          stack.push(pair.value);
        }
      }
    }
  }
}

/**
 * Throws when a mapping of `document`'s syntax tree (block or flow) has more than `maxKeys`
 * entries, walking it without recursion.
 */
function countKeys(
  document: CST.Document,
  maxKeys: number,
  lineAt: (offset: number) => number,
): void {
  const stack: Array<CST.Token | null | undefined> = [document.value];
  while (stack.length > 0) {
    const token = stack.pop();
    if (!token) continue;
    if (
      token.type !== 'block-map' &&
      token.type !== 'block-seq' &&
      token.type !== 'flow-collection'
    ) {
      continue;
    }
    const mapping =
      token.type === 'block-map' ||
      (token.type === 'flow-collection' && token.start.source === '{');
    if (mapping && token.items.length > maxKeys) {
      throw new YamlBoundExceeded('keys', maxKeys, lineAt(token.offset));
    }
    for (const item of token.items as CST.CollectionItem[]) stack.push(item.key, item.value);
  }
}

/**
 * One document, as the library's parseDocument reads it (a second document is a MULTIPLE_DOCS
 * error of the first), within `bounds.maxKeys`.
 */
export function yamlDocument(
  text: string,
  options: YamlOptions,
  bounds: Omit<YamlBounds, 'maxDocuments'>,
  lineCounter: LineCounter = new LineCounter(),
): Document.Parsed | undefined {
  let first: Document.Parsed | undefined;
  for (const doc of yamlDocuments(text, options, { ...bounds, maxDocuments: 2 }, lineCounter)) {
    if (!first) {
      first = doc;
      continue;
    }
    const at = doc.range[0];
    const error = new YAMLParseError(
      [at, at + 1],
      'MULTIPLE_DOCS',
      'Source contains multiple documents',
    );
    error.linePos = [lineCounter.linePos(at)];
    first.errors.push(error);
    break;
  }
  return first;
}
