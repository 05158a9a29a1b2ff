import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import {
  parseImageReference,
  replaceImages,
  type ImageReplacement,
} from '../../../src/kubernetes/apply/images.js';
import {
  MAX_BYTES,
  readManifests,
  type ManifestObject,
} from '../../../src/kubernetes/apply/manifests.js';
import { tempDir } from '../../helpers/temp.js';

/** A workspace with these files (path -> content; a `{ link }` value is a symbolic link). */
function workspace(files: Record<string, string | { link: string }>): string {
  const root = tempDir('oidc-manifests-');
  const ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(join(root, 'outside.yaml'), cm('outside'));
  mkdirSync(join(root, 'outside-dir'));
  writeFileSync(join(root, 'outside-dir', 'a.yaml'), cm('outside'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(ws, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof content === 'string') writeFileSync(full, content);
    else symlinkSync(content.link, full);
  }
  return ws;
}

function cm(name: string, extra = ''): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;
}

function deployment(name: string, images: string[], init: string[] = []): string {
  const c = (list: string[]) =>
    list.map((image, i) => `        - name: c${i}\n          image: ${image}\n`).join('');
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  template:',
    '    spec:',
    ...(init.length ? ['      initContainers:', c(init).trimEnd()] : []),
    '      containers:',
    c(images).trimEnd(),
    '',
  ].join('\n');
}

async function read(
  ws: string,
  patterns: string[],
  imageReplacements: ImageReplacement[] = [],
  masked: string[] = [],
): Promise<ManifestObject[]> {
  return readManifests({ patterns, workspace: ws, imageReplacements, mask: (s) => masked.push(s) });
}

async function failure(promise: Promise<unknown>): Promise<ActionError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ActionError);
    return error as ActionError;
  }
  throw new Error('readManifests accepted the manifests');
}

/** The containers of a Deployment's pod template. */
function containersOf(object: ManifestObject | undefined): Array<{ image: string }> {
  const spec = (object?.object['spec'] ?? {}) as {
    template?: { spec?: { containers?: Array<{ image: string }> } };
  };
  return spec.template?.spec?.containers ?? [];
}

const summary = (objects: ManifestObject[]) =>
  objects.map((o) => `${o.file}#${o.document}@${o.line} ${o.kind}/${o.name}`);

describe('readManifests: which files, in which order', () => {
  const files = {
    'deploy/b.yaml': cm('b'),
    'deploy/a.yml': cm('a'),
    'deploy/c.json': JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    }),
    'deploy/README.md': '# not a manifest',
    'deploy/notes.txt': 'not: [a manifest',
    'deploy/sub/d.yaml': cm('d'),
    'deploy/sub/deeper/e.yaml': cm('e'),
    'deploy/Z.yaml': cm('z'),
    'other/x.txt': cm('x'),
  };

  it.each<[string, string[], string[]]>([
    [
      'a directory: its .yaml, .yml and .json files in byte order, not its subdirectories',
      ['deploy'],
      [
        'deploy/Z.yaml#1@1 ConfigMap/z',
        'deploy/a.yml#1@1 ConfigMap/a',
        'deploy/b.yaml#1@1 ConfigMap/b',
        'deploy/c.json#1@1 ConfigMap/c',
      ],
    ],
    ['a directory with a trailing slash', ['deploy/sub/'], ['deploy/sub/d.yaml#1@1 ConfigMap/d']],
    ['a file by name, whatever its extension', ['other/x.txt'], ['other/x.txt#1@1 ConfigMap/x']],
    [
      'files in the order of the lines',
      ['deploy/b.yaml', 'deploy/a.yml'],
      ['deploy/b.yaml#1@1 ConfigMap/b', 'deploy/a.yml#1@1 ConfigMap/a'],
    ],
    [
      'a glob, sorted, only manifest extensions',
      ['deploy/*'],
      [
        'deploy/Z.yaml#1@1 ConfigMap/z',
        'deploy/a.yml#1@1 ConfigMap/a',
        'deploy/b.yaml#1@1 ConfigMap/b',
        'deploy/c.json#1@1 ConfigMap/c',
      ],
    ],
    [
      'a recursive glob',
      ['deploy/**/*.yaml'],
      [
        'deploy/Z.yaml#1@1 ConfigMap/z',
        'deploy/b.yaml#1@1 ConfigMap/b',
        'deploy/sub/d.yaml#1@1 ConfigMap/d',
        'deploy/sub/deeper/e.yaml#1@1 ConfigMap/e',
      ],
    ],
    [
      'an exclusion',
      ['deploy/**/*.yaml', '!deploy/sub/**'],
      ['deploy/Z.yaml#1@1 ConfigMap/z', 'deploy/b.yaml#1@1 ConfigMap/b'],
    ],
    [
      'a file named twice is read once',
      ['deploy/b.yaml', 'deploy/*.yaml', './deploy/../deploy/b.yaml'],
      ['deploy/b.yaml#1@1 ConfigMap/b', 'deploy/Z.yaml#1@1 ConfigMap/z'],
    ],
  ])('%s', async (_title, patterns, expected) => {
    expect(summary(await read(workspace(files), patterns))).toEqual(expected);
  });

  it('orders a recursive glob as a directory walk (a/ before a-x.yaml), byte-wise (Z before a)', async () => {
    const ws = workspace({
      'k/a-x.yaml': cm('dash'),
      'k/a/x.yaml': cm('nested'),
      'k/Z.yaml': cm('upper'),
      'k/ä.yaml': cm('umlaut'),
      'k/b.yaml': cm('b'),
    });
    expect(summary(await read(ws, ['k/**/*.yaml']))).toEqual([
      'k/Z.yaml#1@1 ConfigMap/upper',
      'k/a/x.yaml#1@1 ConfigMap/nested',
      'k/a-x.yaml#1@1 ConfigMap/dash',
      'k/b.yaml#1@1 ConfigMap/b',
      'k/ä.yaml#1@1 ConfigMap/umlaut',
    ]);
  });

  it('takes absolute paths inside the workspace', async () => {
    const ws = workspace(files);
    expect(summary(await read(ws, [join(ws, 'deploy', 'sub')]))).toEqual([
      'deploy/sub/d.yaml#1@1 ConfigMap/d',
    ]);
  });

  it('follows a symbolic link that stays inside the workspace', async () => {
    const ws = workspace({ 'real/a.yaml': cm('a'), linked: { link: 'real' } });
    expect(summary(await read(ws, ['linked']))).toEqual(['linked/a.yaml#1@1 ConfigMap/a']);
  });

  it('a ** glob follows a symbolic link to a directory that stays inside, and a link cycle once', async () => {
    const ws = workspace({
      'deploy/app/a.yaml': cm('a'),
      'shared/b.yaml': cm('b'),
      'deploy/shared': { link: '../shared' },
      'shared/loop': { link: '..' },
    });
    expect(summary(await read(ws, ['deploy/**/*.yaml']))).toEqual([
      'deploy/app/a.yaml#1@1 ConfigMap/a',
      'deploy/shared/b.yaml#1@1 ConfigMap/b',
    ]);
  });

  it('ends at the deadline', async () => {
    const ws = workspace({ 'deploy/a.yaml': cm('a') });
    let now = 0;
    const error = await failure(
      readManifests({
        patterns: ['deploy/**/*.yaml'],
        workspace: ws,
        imageReplacements: [],
        mask: () => undefined,
        deadlineMs: 1000,
        now: () => (now += 600),
      }),
    );
    expect(error.message).toBe('Input "manifests" took longer than 1 s to find and read.');
  });

  it('reads a glob character in the workspace path literally', async () => {
    const ws = workspace({ 'x/a.yaml': cm('a') });
    const odd = join(dirname(ws), 'w[s]*');
    mkdirSync(odd);
    writeFileSync(join(odd, 'b.yaml'), cm('b'));
    expect(summary(await read(odd, ['*.yaml']))).toEqual(['b.yaml#1@1 ConfigMap/b']);
  });
});

describe('readManifests: documents', () => {
  it('reads multi-document YAML, skipping empty documents, with document and line', async () => {
    const text = [
      '# leading comment',
      cm('one').trimEnd(),
      '---',
      '---',
      '# only a comment',
      '---',
      cm('two').trimEnd(),
      '...',
      '---',
      cm('three', 'data:\n  k: v\n').trimEnd(),
      '---',
      '',
    ].join('\n');
    expect(summary(await read(workspace({ 'm.yaml': text }), ['m.yaml']))).toEqual([
      'm.yaml#1@2 ConfigMap/one',
      'm.yaml#4@10 ConfigMap/two',
      'm.yaml#5@16 ConfigMap/three',
    ]);
  });

  it('unpacks List and *List kinds, item lines included', async () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: { name: a, namespace: shop }',
      '  - apiVersion: apps/v1',
      '    kind: Deployment',
      '    metadata: { name: web }',
      '---',
      'apiVersion: v1',
      'kind: ConfigMapList',
      'items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: b}}]',
    ].join('\n');
    const objects = await read(workspace({ 'l.yaml': list }), ['l.yaml']);
    expect(summary(objects)).toEqual([
      'l.yaml#1@4 ConfigMap/a',
      'l.yaml#1@7 Deployment/web',
      'l.yaml#2@13 ConfigMap/b',
    ]);
    expect(objects[0]).toMatchObject({ apiVersion: 'v1', namespace: 'shop' });
    expect(objects[1]).toMatchObject({ apiVersion: 'apps/v1', namespace: undefined });
  });

  it('reads JSON, and YAML as kubectl (YAML 1.1 booleans and octal, merge keys)', async () => {
    const yaml = cm(
      'yy',
      'data:\n  quoted: "yes"\nflag: yes\nmode: 0644\nzero: 0\nbase: &base { a: 1 }\nmerged:\n  <<: *base\n  b: 2\n',
    );
    const json =
      '{\n\t"apiVersion": "v1",\n\t"kind": "ConfigMap",\n\t"metadata": {"name": "j"}\n}\n';
    const [y, j] = await read(workspace({ 'y.yaml': yaml, 'j.json': json }), ['y.yaml', 'j.json']);
    expect(y?.object).toMatchObject({
      data: { quoted: 'yes' },
      flag: true,
      mode: 420,
      zero: 0,
      merged: { a: 1, b: 2 },
    });
    expect(j?.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'j' } });
  });
});

describe('readManifests: refusals', () => {
  const files: Record<string, string | { link: string }> = {
    'ok.yaml': cm('ok'),
    'bad-indent.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: 1\n',
    'bad-key.yaml': cm('x', 'data:\n  a: 1\n  b\n  c: 2\n'),
    'dup.yaml': cm('x', 'data:\n  a: 1\n  a: 2\n'),
    'second-doc.yaml': `${cm('x')}---\n${cm('y')}  labels: [a, \n`,
    'no-kind.yaml': 'apiVersion: v1\nmetadata:\n  name: x\n',
    'no-name.yaml': `${cm('x')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n`,
    'nothing.yaml': 'just a string\n',
    'list-item.yaml':
      'apiVersion: v1\nkind: List\nitems:\n  - kind: ConfigMap\n    metadata: {name: a}\n',
    'slash.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a/b\n',
    'newline-name.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "web\\n::error::injected"\n',
    'ns.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: Shop_1\n',
    'empty.yaml': '---\n# nothing\n---\n',
    'bool-name.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n',
    'list-kind.yaml': 'apiVersion: v1\nkind: [ConfigMap]\nmetadata:\n  name: a\n',
    'bomb.yaml': [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n'),
    'empty-dir/readme.md': '',
    'escape-file.yaml': { link: '../outside.yaml' },
    'escape-dir': { link: '../outside-dir' },
    'escape-abs.yaml': { link: '/etc/passwd' },
    'broken.yaml': { link: 'nowhere.yaml' },
    'dir/in.yaml': cm('in'),
    'dir/out.yaml': { link: '../../outside.yaml' },
  };

  it.each<[string, string[], RegExp | string]>([
    [
      '`..` out of the workspace',
      ['../outside.yaml'],
      /^Input "manifests": "\.\.\/outside\.yaml" is outside the workspace \(GITHUB_WORKSPACE\)\.$/,
    ],
    ['`..` in the middle', ['dir/../../outside-dir/*.yaml'], 'is outside the workspace'],
    ['an absolute path elsewhere', ['/etc/passwd'], '"/etc/passwd" is outside the workspace'],
    [
      'a symlinked file that leaves',
      ['escape-file.yaml'],
      '"escape-file.yaml" leads outside the workspace (GITHUB_WORKSPACE) through a symbolic link.',
    ],
    ['a symlinked directory that leaves', ['escape-dir'], '"escape-dir" leads outside'],
    [
      'a path through a symlinked directory',
      ['escape-dir/a.yaml'],
      '"escape-dir/a.yaml" leads outside',
    ],
    ['an absolute symlink', ['escape-abs.yaml'], '"escape-abs.yaml" leads outside'],
    ['a symlink in a directory', ['dir'], '"dir/out.yaml" leads outside'],
    ['a symlink matched by a glob', ['dir/*.yaml'], '"dir/out.yaml" leads outside'],
    // A `**` glob would descend escape-dir: refused by its name before anything below it is
    // listed (issue 22, defect 3), whatever it would have matched there.
    [
      'a symlinked directory a ** glob would descend',
      ['**/out.yaml'],
      '"escape-dir" leads outside',
    ],
    ['a missing path', ['nope.yaml'], 'Input "manifests": the path "nope.yaml" does not exist.'],
    ['a broken symlink', ['broken.yaml'], 'the path "broken.yaml" does not exist'],
    [
      'a glob matching nothing',
      ['k8s/*.yaml'],
      '"k8s/*.yaml" matched no .yaml, .yml or .json file.',
    ],
    [
      'a directory without manifests',
      ['empty-dir'],
      '"empty-dir" matched no .yaml, .yml or .json file',
    ],
    ['only empty documents', ['empty.yaml'], 'Input "manifests" has no objects to apply.'],
    [
      'bad indentation',
      ['bad-indent.yaml'],
      /^Input "manifests": error parsing bad-indent\.yaml: line 5, column \d+: /,
    ],
    [
      'a key without a value',
      ['bad-key.yaml'],
      /error parsing bad-key\.yaml: line 7, column \d+: /,
    ],
    ['a duplicate key', ['dup.yaml'], /error parsing dup\.yaml: line 7, column \d+: duplicate key/],
    [
      'an error in the second document',
      ['second-doc.yaml'],
      /error parsing second-doc\.yaml: line 1[01], column/,
    ],
    [
      'no kind',
      ['no-kind.yaml'],
      'Input "manifests": no-kind.yaml, document 1 (line 1): kind not set.',
    ],
    [
      'generateName only',
      ['no-name.yaml'],
      'no-name.yaml, document 2 (line 6): metadata.name not set.',
    ],
    [
      'a scalar document',
      ['nothing.yaml'],
      'nothing.yaml, document 1 (line 1) is not an object with apiVersion, kind and metadata.',
    ],
    [
      'a List item without apiVersion',
      ['list-item.yaml'],
      'list-item.yaml, document 1, item 1 (line 4): apiVersion not set.',
    ],
    [
      'a name with a slash',
      ['slash.yaml'],
      'metadata.name "a/b" may not be "." or "..", nor contain "/" or "%".',
    ],
    [
      'a name with a line break (a workflow command on the next line)',
      ['newline-name.yaml'],
      'metadata.name "web\\n::error::injected" is longer than 253 characters or holds a space, line break or control character.',
    ],
    [
      'a namespace that is not a DNS label',
      ['ns.yaml'],
      'metadata.namespace "Shop_1" is not a valid namespace name.',
    ],
    [
      'a name YAML reads as a boolean',
      ['bool-name.yaml'],
      'bool-name.yaml, document 1 (line 1): metadata.name is a boolean, not a string.',
    ],
    [
      'a kind that is a list',
      ['list-kind.yaml'],
      'list-kind.yaml, document 1 (line 1): kind is a list, not a string.',
    ],
    [
      'a YAML bomb',
      ['bomb.yaml'],
      'bomb.yaml, document 1 (line 1) expands to too much data (YAML aliases).',
    ],
  ])('%s', async (_title, patterns, message) => {
    const error = await failure(read(workspace(files), patterns));
    if (typeof message === 'string') expect(error.message).toContain(message);
    else expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^Input "manifests"/);
  });

  it('escapes foreign text in messages (a file name with a workflow command)', async () => {
    const ws = workspace({ '::warning::x.yaml': 'apiVersion: v1\nkind: ConfigMap\n' });
    const error = await failure(read(ws, ['::warning::x.yaml']));
    expect(error.message).toContain('Input "manifests": \\u003a:warning::x.yaml, document 1');
    const ws2 = workspace({
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "x/\\n::error::y"\n',
    });
    const error2 = await failure(read(ws2, ['a.yaml']));
    expect(error2.message).toContain('metadata.name "x/\\n::error::y"');
    expect(error2.message).not.toContain('\n');
  });

  // root reads a file of mode 000 all the same.
  it.skipIf(process.getuid?.() === 0)('refuses an unreadable file', async () => {
    const ws = workspace({ 'secret.yaml': cm('s') });
    chmodSync(join(ws, 'secret.yaml'), 0o000);
    const error = await failure(read(ws, ['secret.yaml']));
    expect(error.message).toBe('Input "manifests": could not read "secret.yaml": EACCES.');
  });

  it('refuses a missing workspace', async () => {
    const error = await failure(read('', ['a.yaml']));
    expect(error.message).toContain('needs the workspace (GITHUB_WORKSPACE)');
  });
});

describe('readManifests: limits', () => {
  it('accepts 1,000 objects and refuses 1,001', async () => {
    const docs = (n: number) => Array.from({ length: n }, (_, i) => cm(`c${i}`)).join('---\n');
    const ws = workspace({ 'a.yaml': docs(1000), 'b.yaml': docs(1001) });
    expect(await read(ws, ['a.yaml'])).toHaveLength(1000);
    const error = await failure(read(ws, ['b.yaml']));
    expect(error.message).toBe('Input "manifests" has more than 1000 objects.');
  });

  it('refuses more than 10 MiB in all, before reading', async () => {
    const half = cm('big', `data:\n  x: "${'x'.repeat(MAX_BYTES / 2)}"\n`);
    const ws = workspace({ 'a.yaml': half, 'b.yaml': half });
    expect(await read(ws, ['a.yaml'])).toHaveLength(1);
    const error = await failure(read(ws, ['a.yaml', 'b.yaml']));
    expect(error.message).toBe(
      'Input "manifests" is larger than 10 MiB in all (10.0 MiB in 2 files).',
    );
  });
});

describe('readManifests: Secrets', () => {
  it('masks every stringData value, every data value and its decoded text, line by line', async () => {
    const secret = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db',
      'stringData:',
      '  password: hunter2',
      '  pem: |',
      '    -----BEGIN KEY-----',
      '    abc',
      'data:',
      `  token: ${Buffer.from('s3cr3t-token').toString('base64')}`,
      '  empty: ""',
      '  port: 5432',
    ].join('\n');
    const masked: string[] = [];
    const [object] = await read(workspace({ 's.yaml': secret }), ['s.yaml'], [], masked);
    expect(object?.kind).toBe('Secret');
    expect(masked).toEqual(
      expect.arrayContaining([
        'hunter2',
        '-----BEGIN KEY-----\nabc\n',
        '-----BEGIN KEY-----',
        'abc',
        Buffer.from('s3cr3t-token').toString('base64'),
        's3cr3t-token',
        '5432',
      ]),
    );
    expect(masked).not.toContain('');
  });

  it('masks a Secret inside a List, and before the object is refused', async () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Secret',
      '    metadata: {name: a}',
      '    stringData: {k: in-a-list}',
      '  - kind: Secret',
      '    stringData: {k: refused-but-masked}',
    ].join('\n');
    const masked: string[] = [];
    const error = await failure(read(workspace({ 'l.yaml': list }), ['l.yaml'], [], masked));
    expect(error.message).toContain('item 2 (line 8): apiVersion, metadata.name not set');
    // Each value, and each spelling of it a server may print (base64 here: secret-spellings.ts).
    expect(masked).toEqual(
      expect.arrayContaining(['in-a-list', 'refused-but-masked', 'aW4tYS1saXN0']),
    );
  });

  it('never puts a Secret value in a YAML error', async () => {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  k: hunter2\n   bad: [\n';
    const error = await failure(read(workspace({ 's.yaml': secret }), ['s.yaml']));
    expect(error.message).toMatch(/^Input "manifests": error parsing s\.yaml: line \d+/);
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
  });
});

describe('image replacement', () => {
  const DIGEST = 'sha256:' + 'f'.repeat(64);
  const r = (image: string): ImageReplacement => ({
    repository: parseImageReference(image)?.repository as string,
    image,
  });

  it.each<[string, string[], string[]]>([
    ['a tag', ['ghcr.io/org/app:1'], [`ghcr.io/org/app@${DIGEST}`]],
    ['a digest', [`ghcr.io/org/app@${'sha256:' + 'a'.repeat(64)}`], [`ghcr.io/org/app@${DIGEST}`]],
    [
      'tag and digest',
      [`ghcr.io/org/app:1@${'sha256:' + 'a'.repeat(64)}`],
      [`ghcr.io/org/app@${DIGEST}`],
    ],
    ['no tag', ['ghcr.io/org/app'], [`ghcr.io/org/app@${DIGEST}`]],
    [
      'another repository stays',
      ['ghcr.io/org/app-worker:1', 'ghcr.io/org/app:1'],
      ['ghcr.io/org/app-worker:1', `ghcr.io/org/app@${DIGEST}`],
    ],
    [
      'the same path on another registry stays',
      ['registry:5000/org/app:1', 'ghcr.io/org/app:1', 'org/app:1'],
      ['registry:5000/org/app:1', `ghcr.io/org/app@${DIGEST}`, 'org/app:1'],
    ],
  ])('%s', async (_title, before, after) => {
    const ws = workspace({
      'd.yaml': deployment('web', before) + `---\n${deployment('other', ['x:1'])}`,
    });
    const objects = await read(ws, ['d.yaml'], [r(`ghcr.io/org/app@${DIGEST}`), r('x:2')]);
    const containers = containersOf(objects[0]);
    expect(containers.map((c: { image: string }) => c.image)).toEqual(after);
  });

  it.each<[string, string, string[]]>([
    ['Deployment init containers', 'Deployment', ['spec', 'template', 'spec']],
    ['StatefulSet', 'StatefulSet', ['spec', 'template', 'spec']],
    ['DaemonSet', 'DaemonSet', ['spec', 'template', 'spec']],
    ['ReplicaSet', 'ReplicaSet', ['spec', 'template', 'spec']],
    ['Job', 'Job', ['spec', 'template', 'spec']],
    ['CronJob', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
    ['Pod', 'Pod', ['spec']],
  ])('replaces in %s', (_title, kind, path) => {
    const podSpec = {
      initContainers: [{ name: 'migrate', image: 'app:1' }],
      containers: [
        { name: 'main', image: 'app:1' },
        { name: 'side', image: 'envoy:1' },
      ],
    };
    const object: Record<string, unknown> = {};
    let at: Record<string, unknown> = object;
    path.slice(0, -1).forEach((key) => {
      at = (at[key] = {}) as Record<string, unknown>;
    });
    at[path[path.length - 1] as string] = podSpec;
    replaceImages([{ kind, object }], [r('app:2')]);
    expect(podSpec.initContainers[0]?.image).toBe('app:2');
    expect(podSpec.containers.map((c) => c.image)).toEqual(['app:2', 'envoy:1']);
  });

  it('compares repositories as written: nginx is not docker.io/library/nginx', () => {
    const object = { spec: { containers: [{ image: 'docker.io/library/nginx:1.26' }] } };
    expect(() => replaceImages([{ kind: 'Pod', object }], [r('nginx:1.27')])).toThrow(
      'Input "images": "nginx:1.27" matched no container or init container image in "manifests".',
    );
    expect(object.spec.containers[0]?.image).toBe('docker.io/library/nginx:1.26');
  });

  it('leaves other kinds alone (a ConfigMap that looks like a pod spec)', () => {
    const object = { spec: { containers: [{ image: 'app:1' }] } };
    const error = (() => {
      try {
        replaceImages([{ kind: 'ConfigMap', object }], [r('app:2')]);
      } catch (e) {
        return e as ActionError;
      }
      return undefined;
    })();
    expect(error?.hint).toContain('The manifests have no Pod, Deployment');
    expect(object.spec.containers[0]?.image).toBe('app:1');
  });

  it('names every replacement that matched nothing, and the images it saw', async () => {
    const ws = workspace({
      'd.yaml': deployment('web', ['ghcr.io/org/web:1'], ['ghcr.io/org/migrate:1']),
    });
    const error = await failure(
      read(ws, ['d.yaml'], [r('ghcr.io/org/web:2'), r('ghcr.io/org/api:2'), r('nginx')]),
    );
    expect(error.message).toBe(
      'Input "images": "ghcr.io/org/api:2", "nginx" matched no container or init container image in "manifests".',
    );
    expect(error.hint).toContain('ghcr.io/org/migrate:1');
    expect(error.hint).toContain('ghcr.io/org/web:1');
  });

  it('does nothing without replacements', async () => {
    const ws = workspace({ 'd.yaml': deployment('web', ['app:1']) });
    const [object] = await read(ws, ['d.yaml']);
    expect(containersOf(object)[0]?.image).toBe('app:1');
  });
});
