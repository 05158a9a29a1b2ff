// Hostile manifests and hostile admission (issue 22, defects 1-3 of the apply path), on the
// bundle as a runner runs it:
// 1. a webhook or policy engine that renders a denied Secret the way Go servers write text
//    (encoding/json: `&` `<` `>` as \u0026 \u003c \u003e, ESC as \u001b; fmt %q: \t, \x1b) must
//    not get a value of the Secret into the log or the summary in any spelling;
// 2. YAML that costs minutes or gigabytes (one map with tens of thousands of keys; 10 MiB of
//    empty documents) is refused in seconds and megabytes (the bounds below are wide for a
//    loaded machine: before the fix these took 75 s, over 150 s and 56 s with 2.7 GB);
// 3. a symbolic link out of the workspace under a `**` glob is refused before it is walked, and
//    no path outside the workspace is printed.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { startKubeApiServer, type KubeApiServer } from '../fixtures/kube-apiserver.js';
import { expectClean, expectFailure, secretsOf } from '../helpers/hostile.js';
import { peakMemoryRunner } from '../helpers/peak-memory.js';
import { makeRunnerDirs, runAction, type RunResult } from '../helpers/runner.js';

const AUDIENCE = 'https://kubernetes.fixture';

// ---------------------------------------------------------------- the Secret and its spellings

/** stringData: every character Go's encoders write another way (`&<>`, ESC, `"`, `\`, TAB). */
const PASSWORD = 'p&ss<w>rd\u001b[31m"quoted" back\\slash\ttab-end';
/** data (base64 in the manifest): two lines, a non-ASCII letter and U+2028. */
const KEY = 'first-line-of-the-key\nsecond-line-\u00e9-\u2028-of-the-key';

/**
 * Each value as a Go server may print it, written out by hand from Go's rules (not computed by
 * code that could share a mistake with the action's):
 * - encoding/json (json.Marshal, HTML escaping on): `&` `<` `>` U+2028 as \u0026 \u003c \u003e
 *   \u2028, ESC as \u001b, TAB as \t, newline as \n, `"` and `\` escaped; é raw;
 * - fmt %q (strconv.Quote): ESC as \x1b, TAB \t, newline \n, U+2028 (not printable) \u2028;
 * - fmt %+q (strconv.QuoteToASCII): also é as \u00e9.
 */
const SPELLINGS = [
  PASSWORD,
  Buffer.from(PASSWORD).toString('base64'),
  'p\\u0026ss\\u003cw\\u003erd\\u001b[31m\\"quoted\\" back\\\\slash\\ttab-end',
  'p&ss<w>rd\\u001b[31m\\"quoted\\" back\\\\slash\\ttab-end',
  'p&ss<w>rd\\x1b[31m\\"quoted\\" back\\\\slash\\ttab-end',
  KEY,
  Buffer.from(KEY).toString('base64'),
  'first-line-of-the-key',
  'second-line-\u00e9-\u2028-of-the-key',
  'first-line-of-the-key\\nsecond-line-\u00e9-\\u2028-of-the-key',
  'first-line-of-the-key\\nsecond-line-\\u00e9-\\u2028-of-the-key',
];

/** A Go webhook's message about the Secret: json.Marshal of its decoded data, then %q of each. */
function goRendered(data: Record<string, string>): string {
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  const json = decoded['password'] === PASSWORD && decoded['key'] === KEY;
  if (!json) throw new Error('the fixture did not store the Secret as written');
  return [
    'secrets must be sealed; got',
    `{"key":"${SPELLINGS[9]}","password":"${SPELLINGS[2]}"}`,
    `password=%q "${SPELLINGS[4]}"`,
    `key=%+q "${SPELLINGS[10]}"`,
    `raw=${data['password']}`,
  ].join(' ');
}

let issuer: Issuer;
let kube: KubeApiServer;
const runs: RunResult[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  kube = await startKubeApiServer({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    usernamePrefix: 'forgejo:',
    stepMs: 20,
  });
});
afterAll(async () => {
  await Promise.all([issuer.close(), kube.close()]);
});
afterEach(() => {
  kube.admit = () => undefined;
  kube.faults.length = 0;
  runs.length = 0;
});

async function applyFiles(
  files: Record<string, string>,
  inputs: Record<string, string> = {},
  options: {
    node?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
    links?: Record<string, string>;
  } = {},
): Promise<RunResult> {
  const dirs = makeRunnerDirs();
  for (const [path, text] of Object.entries(files)) {
    const full = join(dirs.workspace, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  for (const [path, target] of Object.entries(options.links ?? {})) {
    mkdirSync(join(dirs.workspace, path, '..'), { recursive: true });
    symlinkSync(target, join(dirs.workspace, path));
  }
  const run = await runAction({
    dirs,
    inputs: {
      kubeconfig: kube.kubeconfig(undefined, { namespace: 'default' }),
      audience: AUDIENCE,
      manifests: 'deploy',
      'rollout-timeout': '30s',
      ...inputs,
    },
    env: { ...issuer.env(), ...options.env },
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.node ? { node: options.node } : {}),
  });
  runs.push(run);
  return run;
}

const secretManifest = (namespace: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${namespace}
---
apiVersion: v1
kind: Secret
metadata:
  name: credentials
  namespace: ${namespace}
stringData:
  password: ${JSON.stringify(PASSWORD)}
data:
  key: ${Buffer.from(KEY).toString('base64')}
`;

describe('a Secret refused by a server that writes Go (defect 1)', () => {
  it("a webhook's denial rendered with json.Marshal and %q: no value in any spelling reaches the log or the summary", async () => {
    kube.admit = (request) =>
      request.kind === 'Secret'
        ? {
            webhook: 'seal.policy.example.com',
            message: goRendered(request.object['data'] as Record<string, string>),
          }
        : undefined;
    const run = await applyFiles({ 'deploy/secret.yaml': secretManifest('gojson') });
    const error = expectFailure(run);
    expect(error).toContain('secret/credentials');
    expect(error).toContain('seal.policy.example.com');
    expectClean(run, secretsOf(issuer.issued, [issuer.requestToken, ...SPELLINGS]));
  });

  it("the API server's own 422 quoting a value with %q: the value is cut out of the message", async () => {
    kube.faults.push({
      match: { method: 'PATCH', resource: 'secrets' },
      status: 422,
      message: `Secret "credentials" is invalid: data[password]: Invalid value: "${SPELLINGS[4]}": must be sealed`,
    });
    const run = await applyFiles({ 'deploy/secret.yaml': secretManifest('goquote') });
    const error = expectFailure(run);
    expect(error).toContain('Secret "credentials" is invalid: data[password]: Invalid value:');
    expectClean(run, secretsOf(issuer.issued, [issuer.requestToken, ...SPELLINGS]));
  });
});

describe('YAML that costs minutes or gigabytes (defect 2)', () => {
  const configMap = (keys: number, duplicate: boolean) => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: many', 'data:'];
    for (let i = 0; i < keys; i++) lines.push(`  k${i}: v`);
    if (duplicate) lines.push('  k7: again');
    return `${lines.join('\n')}\n`;
  };

  it('one map of 40,000 keys with a duplicate at its end: refused in seconds, naming the line', async () => {
    const run = await applyFiles(
      { 'deploy/many.yaml': configMap(40_000, true) },
      {},
      { timeoutMs: 30_000 },
    );
    const error = expectFailure(run);
    expect(error).toContain('deploy/many.yaml');
    expect(run.seconds).toBeLessThan(15);
    expectClean(run, secretsOf(issuer.issued, [issuer.requestToken]));
  });

  it('one map of 150,000 keys (2.5 MB): refused in seconds', async () => {
    const run = await applyFiles(
      { 'deploy/many.yaml': configMap(150_000, false) },
      {},
      { timeoutMs: 30_000 },
    );
    const error = expectFailure(run);
    expect(error).toContain('deploy/many.yaml');
    expect(run.seconds).toBeLessThan(15);
  });

  it('10 MiB of empty documents: refused in seconds, within 400 MiB of memory', async () => {
    const peak = peakMemoryRunner(40);
    try {
      const run = await applyFiles(
        { 'deploy/empty.yaml': '---\n'.repeat(Math.floor((10 * 1024 * 1024 - 1024) / 4)) },
        {},
        { node: peak.node, env: peak.env, timeoutMs: 50_000 },
      );
      const error = expectFailure(run);
      expect(error).toContain('deploy/empty.yaml');
      expect(run.seconds).toBeLessThan(15);
      expect(peak.peakMiB()).toBeLessThan(400);
    } finally {
      peak.cleanup();
    }
  });
});

describe('a link out of the workspace (defect 3)', () => {
  it('deploy/root -> / under deploy/**/*.yaml: refused naming the link, before the file system is walked', async () => {
    const run = await applyFiles(
      { 'deploy/app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n' },
      { manifests: 'deploy/**/*.yaml' },
      { links: { 'deploy/root': '/' }, timeoutMs: 60_000 },
    );
    const error = expectFailure(run);
    expect(error).toContain('"deploy/root"');
    expect(error).toContain('outside the workspace');
    // No path below the link (a file of the runner's file system) is named anywhere.
    expect(run.stdout + run.summary).not.toMatch(/deploy\/root\/[^\s"]/);
    expect(run.seconds).toBeLessThan(5);
  });
});
