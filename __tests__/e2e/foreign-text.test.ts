// The bundled action with hostile text where it prints foreign values without a cluster: the
// token's claims (show-claims) and a kubeconfig's names. Every stdout/stderr line a runner would
// parse as a command must be one the action issued itself (add-mask, warning, error...).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { commandLines } from '../helpers/commands.js';
import { runAction, type RunResult } from '../helpers/runner.js';

/** What the action itself may issue on stdout: masks and annotations. */
const OWN = /^\d+: (::add-mask::|::debug::|::warning::|::error::|::notice::)/;

const INJECTED = [
  'repo:org/app:ref:refs/heads/main\n::set-output name=pwned::1',
  'x\r\n::stop-commands::pwn',
  'x\r::set-env name=NODE_OPTIONS::--require=/tmp/x.js',
  'x ##[add-path]/tmp/evil',
];

function foreignCommands(run: RunResult): string[] {
  return [...commandLines(run.stdout), ...commandLines(run.stderr)].filter(
    (line) => !OWN.test(line),
  );
}

describe('hostile claims (show-claims)', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer({
      claims: {
        sub: INJECTED[0],
        repository: INJECTED[1],
        ref: INJECTED[2],
        workflow: INJECTED[3],
        repository_owner: INJECTED[3],
      },
    });
  });
  afterAll(() => issuer.close());

  it('prints every claim on its own line, escaped, and starts no command', async () => {
    const run = await runAction({ inputs: { mode: 'token' }, env: issuer.env() });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('ID token claims');
    expect(run.stdout).toContain('refs/heads/main\\n::set-output name=pwned::1');
    expect(foreignCommands(run)).toEqual([]);
    expect(run.outputs['pwned']).toBeUndefined();
    expect(run.outputs['subject']).toBe(INJECTED[0]); // the output carries the exact value
    expect(commandLines(run.summary)).toEqual([]);
    expect(run.summary).not.toContain('##[');
  });
});

describe("a kubeconfig's hostile names", () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it('"Wrote a kubeconfig" names context, user and cluster on one line, and starts no command', async () => {
    const ca = Buffer.from(
      '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
    ).toString('base64');
    const context = `prod\n::set-output name=pwned::1`;
    const user = `deployer\r\n::stop-commands::pwn ##[add-path]/tmp/evil`;
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c\n::add-path::/tmp/evil',
          cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': ca },
        },
      ],
      contexts: [{ name: context, context: { cluster: 'c\n::add-path::/tmp/evil', user } }],
      'current-context': context,
    });
    const run = await runAction({ inputs: { kubeconfig }, env: issuer.env() });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const wrote = run.stdout.split('\n').find((l) => l.startsWith('Wrote a kubeconfig'));
    expect(wrote).toContain('context prod\\n::set-output name=pwned::1');
    expect(wrote).toContain('user deployer\\r\\n::stop-commands::pwn #\\u0023[add-path]');
    expect(foreignCommands(run)).toEqual([]);
    expect(run.outputs['pwned']).toBeUndefined();
    expect(commandLines(run.summary)).toEqual([]);
  });
});

describe('the exec credential plugin (dist/credential.js)', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it('prints no ::add-mask:: for the token it mints (docs/design.md, "Foreign text and masking")', async () => {
    const run = await runAction({ entry: 'credential', env: issuer.env() });
    expect(run.code, run.stderr).toBe(0);
    const token = issuer.issued.at(-1) as string;
    expect(run.stdout).toContain(token);
    expect(run.stderr).not.toContain(token);
    expect(run.stderr).not.toContain('add-mask');
  });

  it("escapes a token endpoint's hostile answer on its one stderr line", async () => {
    issuer.faults.push({
      status: 400,
      body: 'bad\n::set-output name=pwned::1\r##[add-path]/tmp/x',
      headers: { 'content-type': 'text/plain' },
    });
    const run = await runAction({ entry: 'credential', env: issuer.env() });
    issuer.faults.length = 0;
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // The answer is shown (escaped), not dropped.
    expect(run.stderr).toContain('::set-output name=pwned::1');
    expect(commandLines(run.stderr)).toEqual([]);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
