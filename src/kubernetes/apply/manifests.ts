// Reads the `manifests` input into the objects to apply, before anything talks to the cluster:
// the files (manifest-files.ts), YAML and JSON parsed with line numbers (yaml), List kinds
// unpacked, Secrets' values masked, bare `images` replaced.
// Every bad input is an ActionError naming the input and the file; no object is half-read.
import { isMap, isSeq, LineCounter, type Document, type Node, type ScalarTag } from 'yaml';
import { ActionError } from '../../base/errors.js';
import { foreign } from '../../base/untrusted.js';
import { YAML11_BOOLEANS } from '../kubeconfig.js';
import { YamlBoundExceeded, yamlDocuments } from '../yaml-documents.js';
import { secretSpellings } from './secret-spellings.js';
import { replaceImages, type ImageReplacement } from './images.js';
import { checkSize, displayPath, findFiles, readBytes, workspaceOf } from './manifest-files.js';

export { MAX_BYTES } from './manifest-files.js';
import { isDnsLabel } from '../../base/validate.js';

export interface ManifestObject {
  /** Workspace-relative path, for messages ("deploy/web.yaml"). */
  file: string;
  /** 1-based document index in the file (empty documents counted). */
  document: number;
  /** 1-based line where the document (or List item) starts. */
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  /** metadata.namespace as written. */
  namespace: string | undefined;
  /** The object to send (List items unpacked, images replaced). */
  object: Record<string, unknown>;
}

export interface ManifestRequest {
  /** The `manifests` lines: paths, directories or globs; `!PATTERN` excludes. */
  patterns: string[];
  /** GITHUB_WORKSPACE: relative patterns start there, and nothing may lie outside it. */
  workspace: string;
  imageReplacements: ImageReplacement[];
  /** Masks a secret value before anything can print it (core.setSecret in the action). */
  mask: (secret: string) => void;
  /** Default READ_DEADLINE_MS. */
  deadlineMs?: number;
  now?: () => number;
}

/** At most this many objects in one step. */
export const MAX_OBJECTS = 1000;
/** At most this many YAML documents in one file, empty ones included. */
export const MAX_DOCUMENTS = 5000;
/** At most this many keys in one mapping (a ConfigMap's data, labels...). */
export const MAX_KEYS = 10_000;
/** Finding, reading and parsing every manifest ends within this time. */
export const READ_DEADLINE_MS = 60_000;

/**
 * kubectl turns YAML into JSON with go-yaml v2 (YAML 1.1): besides the booleans `yes`/`no`/`on`/
 * `off` (kubeconfig.ts), a plain `0644` is octal (420), which matters for `defaultMode` of volumes.
 */
const YAML11_OCTAL: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  identify: (value) => typeof value === 'number',
  test: /^[-+]?0[0-7]+$/,
  resolve: (text) => parseInt(text, 8),
};

type Mapping = Record<string, unknown>;

/**
 * Resolves `request.patterns` to files and reads every object in them. Files come in the order of
 * the lines; within a directory or glob sorted by name, as kubectl walks them. Throws ActionError
 * for every bad input; returns only when everything was read and checked.
 */
export async function readManifests(request: ManifestRequest): Promise<ManifestObject[]> {
  const deadline = (request.now ?? Date.now)() + (request.deadlineMs ?? READ_DEADLINE_MS);
  const check = () => {
    if ((request.now ?? Date.now)() > deadline) {
      const seconds = (request.deadlineMs ?? READ_DEADLINE_MS) / 1000;
      throw new ActionError(
        `Input "manifests" took longer than ${seconds} s to find and read.`,
        'Name the directories or files to apply rather than a glob over a large tree, and keep the manifests to what one deploy needs.',
      );
    }
  };
  const workspace = await workspaceOf(request.workspace);
  const files = await findFiles(request.patterns, workspace, check);
  // Sizes first, so that nothing over the limit is read at all; then what was read, in case a
  // file grew in between.
  checkSize(
    files.reduce((sum, file) => sum + file.size, 0),
    files.length,
  );
  const objects: ManifestObject[] = [];
  let read = 0;
  for (const [index, file] of files.entries()) {
    const bytes = await readBytes(file, workspace.lexical);
    read += bytes.length;
    checkSize(read, index + 1);
    const text = bytes.toString('utf8');
    const shown = displayPath(file.path, workspace.lexical);
    for (const object of parseFile(text, shown, request.mask, check)) {
      objects.push(object);
      if (objects.length > MAX_OBJECTS) {
        throw new ActionError(
          `Input "manifests" has more than ${MAX_OBJECTS} objects.`,
          'Deploy fewer objects per step (several steps can each apply a part).',
        );
      }
    }
  }
  if (objects.length === 0) {
    throw new ActionError(
      'Input "manifests" has no objects to apply.',
      'The files it names hold only empty documents: check the paths.',
    );
  }
  replaceImages(objects, request.imageReplacements);
  return objects;
}

// ---------------------------------------------------------------- documents

/**
 * Every object of one file, in order: documents, and the items of List kinds. The documents are
 * read one at a time, within MAX_DOCUMENTS and MAX_KEYS (kubernetes/yaml-documents.ts), and
 * `check` is called as they are (the deadline).
 */
function parseFile(
  text: string,
  file: string,
  mask: (secret: string) => void,
  check: () => void,
): ManifestObject[] {
  const lineCounter = new LineCounter();
  const documents = yamlDocuments(
    text,
    {
      merge: true,
      // Before the core int tag, which would read 0644 as 644.
      customTags: (tags) => [YAML11_OCTAL, ...tags, ...YAML11_BOOLEANS],
    },
    { maxDocuments: MAX_DOCUMENTS, maxKeys: MAX_KEYS, check },
    lineCounter,
  );
  const objects: ManifestObject[] = [];
  let index = 0;
  try {
    for (const doc of documents) readDocument(doc, index++);
  } catch (error) {
    // The deadline and every problem of an object are ActionErrors already.
    if (error instanceof ActionError) throw error;
    throw boundError(error, file);
  }
  return objects;

  function readDocument(doc: Document.Parsed, index: number): void {
    const first = doc.errors[0];
    if (first) {
      const pos = first.linePos?.[0];
      throw new ActionError(
        `Input "manifests": error parsing ${foreign(file, 200)}: line ${pos?.line ?? '?'}, column ${pos?.col ?? '?'}: ${first.code.toLowerCase().replace(/_/g, ' ')}.`,
        'Fix the YAML there (kubectl apply would fail on it too); a YAML linter shows the details.',
      );
    }
    const document = index + 1;
    const line = lineOf(doc.contents, lineCounter);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch {
      throw new ActionError(
        `Input "manifests": ${foreign(file, 200)}, document ${document} (line ${line}) expands to too much data (YAML aliases).`,
      );
    }
    if (value === null || value === undefined) return; // an empty document, as kubectl skips
    const at = { file, document, line };
    maskSecret(value, mask);
    // v1 List and the *List kinds (what `kubectl get -o yaml` writes): their items are the
    // objects; the List itself needs no name (kubectl's FlattenListVisitor).
    const items = isMapping(value) ? value['items'] : undefined;
    const kind = isMapping(value) ? value['kind'] : undefined;
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
      const nodes = isMap(doc.contents) ? doc.contents.get('items', true) : undefined;
      items.forEach((item: unknown, i) => {
        const itemNode = isSeq(nodes) ? (nodes.items[i] as Node | undefined) : undefined;
        const itemAt = {
          ...at,
          item: i + 1,
          line: itemNode ? lineOf(itemNode, lineCounter) : line,
        };
        maskSecret(item, mask);
        objects.push(toManifest(checkObject(item, itemAt), itemAt));
      });
    } else {
      objects.push(toManifest(checkObject(value, at), at));
    }
  }
}

/** A bound of yaml-documents.ts, or the parser's own failure, said for the file. */
function boundError(error: unknown, file: string): ActionError {
  if (error instanceof YamlBoundExceeded) {
    return error.bound === 'documents'
      ? new ActionError(
          `Input "manifests": ${foreign(file, 200)} has more than ${MAX_DOCUMENTS} YAML documents.`,
          'No deploy needs that many (an empty document is a line "---" alone): check the file, or split it.',
        )
      : new ActionError(
          `Input "manifests": ${foreign(file, 200)}, line ${error.line}: a mapping has more than ${MAX_KEYS} keys.`,
          'No Kubernetes object needs that many keys in one mapping: check the file (it may be generated wrongly).',
        );
  }
  return new ActionError(`Input "manifests": error parsing ${foreign(file, 200)}: not YAML.`);
}

function lineOf(node: unknown, lineCounter: LineCounter): number {
  const range = (node as Node | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : 1;
}

interface Location {
  file: string;
  document: number;
  item?: number;
  line: number;
}

function where(at: Location): string {
  const item = at.item === undefined ? '' : `, item ${at.item}`;
  return `${foreign(at.file, 200)}, document ${at.document}${item} (line ${at.line})`;
}

interface CheckedObject extends Mapping {
  apiVersion: string;
  kind: string;
  metadata: Mapping & { name: string };
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** apiVersion, kind and metadata.name, as kubectl demands them before any request. */
function checkObject(value: unknown, at: Location): CheckedObject {
  if (!isMapping(value)) {
    throw new ActionError(
      `Input "manifests": ${where(at)} is not an object with apiVersion, kind and metadata.`,
      'Each YAML document (or List item) must be one Kubernetes object.',
    );
  }
  const metadata = isMapping(value['metadata']) ? value['metadata'] : {};
  const fields: Array<[string, unknown]> = [
    ['apiVersion', value['apiVersion']],
    ['kind', value['kind']],
    ['metadata.name', metadata['name']],
  ];
  const missing = fields.filter(([, v]) => v === undefined || v === null || v === '');
  if (missing.length > 0) {
    throw new ActionError(
      `Input "manifests": ${where(at)}: ${missing.map(([field]) => field).join(', ')} not set.`,
      'Every object needs apiVersion, kind and metadata.name (server-side apply has no generateName).',
    );
  }
  const [notString] = fields.filter(([, v]) => typeof v !== 'string');
  if (notString) {
    throw new ActionError(
      `Input "manifests": ${where(at)}: ${notString[0]} is a ${Array.isArray(notString[1]) ? 'list' : typeof notString[1]}, not a string.`,
      'Quote it: YAML reads y, yes, on, n, no, off, true and false as booleans, and digits as numbers (kubectl too).',
    );
  }
  const { name, namespace } = metadata;
  if (name === '.' || name === '..' || /[/%]/.test(name as string)) {
    throw new ActionError(
      `Input "manifests": ${where(at)}: metadata.name "${foreign(name, 200)}" may not be "." or "..", nor contain "/" or "%".`,
    );
  }
  // No kind's name may hold them, and the name reaches log lines and the summary.
  if ((name as string).length > 253 || /[\s\p{Cc}\p{Cf}\u2028\u2029]/u.test(name as string)) {
    throw new ActionError(
      `Input "manifests": ${where(at)}: metadata.name "${foreign(name, 200)}" is longer than 253 characters or holds a space, line break or control character.`,
      'Kubernetes names are at most 253 lowercase letters, digits, "-" and ".".',
    );
  }
  if (namespace !== undefined && !(typeof namespace === 'string' && isDnsLabel(namespace))) {
    throw new ActionError(
      `Input "manifests": ${where(at)}: metadata.namespace "${foreign(namespace, 200)}" is not a valid namespace name.`,
      'A namespace is at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit.',
    );
  }
  return value as CheckedObject;
}

function toManifest(object: CheckedObject, at: Location): ManifestObject {
  const namespace = object.metadata['namespace'];
  return {
    file: at.file,
    document: at.document,
    line: at.line,
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    object,
  };
}

// ---------------------------------------------------------------- secrets

/**
 * A Secret's values masked before anything else is done with it (even before it is checked):
 * each `stringData` value, each `data` value and its base64-decoded text, in every spelling a
 * server may print them (secret-spellings.ts: JSON, Go's json.Marshal and %q, base64, each line
 * of a multi-line value), since the runner hides only the exact strings it is given.
 */
function maskSecret(value: unknown, mask: (secret: string) => void): void {
  if (!isMapping(value) || value['kind'] !== 'Secret') return;
  for (const spelling of secretSpellings(value)) mask(spelling);
}
