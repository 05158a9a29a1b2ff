// The bundled action reads a kubeconfig's booleans as real kubectl does (YAML 1.1 through
// sigs.k8s.io/yaml and go-yaml v2), spelling by spelling, with kubectl itself as the oracle; and
// kubectl reads the kubeconfig the action writes back as the same strings.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { kubectl } from '../fixtures/kube/kubectl.js';
import { errorAnnotations, runAction } from '../helpers/runner.js';

const CA = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
).toString('base64');

function kubeconfig(clusterLine: string, context = 'namespace: web, user: deployer'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: prod',
    '    cluster:',
    '      server: https://127.0.0.1:6443',
    `      certificate-authority-data: ${CA}`,
    `      ${clusterLine}`,
    'contexts:',
    `  - name: prod`,
    `    context: { cluster: prod, ${context} }`,
    'current-context: prod',
    'users: []',
    '',
  ].join('\n');
}

/** What kubectl makes of the line: true, false, or a load error. */
async function kubectlReads(line: string): Promise<'true' | 'false' | 'error'> {
  const result = await kubectl(
    ['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.insecure-skip-tls-verify}'],
    { kubeconfig: kubeconfig(line) },
  );
  if (result.code !== 0) return 'error';
  return result.stdout.trim() === 'true' ? 'true' : 'false';
}

const SPELLINGS = [
  ...['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON'],
  ...['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF'],
  ...['~', 'null', '', '"yes"', "'true'", '1', '0', 'yEs', 'tRUE', '!!bool yes'],
];

describe('insecure-skip-tls-verify, spelling by spelling, against kubectl', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it.each(SPELLINGS.map((s) => [s]))('insecure-skip-tls-verify: %s', async (spelling) => {
    const line = `insecure-skip-tls-verify: ${spelling}`;
    const expected = await kubectlReads(line);
    const run = await runAction({ inputs: { kubeconfig: kubeconfig(line) }, env: issuer.env() });
    const errors = errorAnnotations(run).join('\n');
    if (expected === 'true') {
      // kubectl would skip verification: refused without the input's opt-in.
      expect(run.code).toBe(1);
      expect(errors).toContain('turns TLS verification off');
    } else if (expected === 'error') {
      expect(run.code).toBe(1);
      expect(errors).toContain('which is not a boolean.');
    } else {
      expect(run.code, run.stdout).toBe(0);
      const written = readFileSync(run.outputs['kubeconfig-path'] as string, 'utf8');
      expect(await kubectlReadsFile(written)).toBe('false');
    }
  });
});

async function kubectlReadsFile(yaml: string): Promise<string> {
  const result = await kubectl(
    ['config', 'view', '-o', 'jsonpath={.clusters[0].cluster.insecure-skip-tls-verify}'],
    { kubeconfig: yaml },
  );
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim() === 'true' ? 'true' : 'false';
}

describe('the written kubeconfig, read by kubectl', () => {
  let issuer: Issuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it('keeps strings YAML 1.1 would read as booleans (a namespace "no", a user "on") strings', async () => {
    const run = await runAction({
      inputs: { kubeconfig: kubeconfig('tls-server-name: k8s', 'namespace: "no", user: "on"') },
      env: issuer.env(),
    });
    expect(run.code, run.stdout).toBe(0);
    const written = readFileSync(run.outputs['kubeconfig-path'] as string, 'utf8');
    const view = await kubectl(
      [
        'config',
        'view',
        '--raw',
        '-o',
        'jsonpath={.contexts[0].context.namespace} {.contexts[0].context.user} {.users[0].name}',
      ],
      { kubeconfig: written },
    );
    expect(view.code, view.stderr).toBe(0);
    expect(view.stdout).toBe('no on on');
  });
});
