// The setup guides are checked against the code: what they show is what the action generates
// or accepts, and every link between the pages resolves.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { trustPolicy, type RefusalContext } from '../../src/aws/explain.js';
import { trustStatement } from '../../src/aws/explain-assume-role.js';
import { describeClusterPolicy } from '../../src/kubernetes/sources/eks/explain.js';
import { rbacYaml } from '../../src/kubernetes/explain.js';
import { readSettings } from '../../src/action/inputs.js';
import { planKubeconfig } from '../../src/kubernetes/kubeconfig.js';
import type { Claims } from '../../src/oidc/claims.js';
import { ROOT } from '../helpers/runner.js';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const pages = [
  'README.md',
  'SECURITY.md',
  'CHANGELOG.md',
  ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`),
].filter((p) => p.endsWith('.md'));

/** The fenced code blocks of a page in a language, in order. */
function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map(
    (m) => m[1] as string,
  );
}

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  return new Set(
    [...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      (m[1] as string)
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

const quiet = { debug() {}, info() {}, warning() {} };

function claims(iss: string, sub: string): Claims {
  return { iss, sub, aud: ['sts.amazonaws.com'], exp: 2_000_000_000, extra: {} };
}

function awsContext(iss: string, sub: string): RefusalContext {
  return {
    roleArn: 'arn:aws:iam::111122223333:role/deploy-site',
    partition: 'aws',
    accountId: '111122223333',
    region: 'eu-west-1',
    durationSeconds: 3600,
    audience: 'sts.amazonaws.com',
    claims: claims(iss, sub),
  };
}

describe('links', () => {
  it.each(pages)('%s: every relative link and anchor resolves', (page) => {
    const text = read(page).replace(/^```[\s\S]*?^```/gm, '');
    const links = [...text.matchAll(/\]\((?!https?:|mailto:)([^)\s]+)\)/g)].map(
      (m) => m[1] as string,
    );
    if (page === 'README.md') expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path ? join(dirname(page), path) : page;
      expect(existsSync(join(ROOT, target)), `${page}: ${link}`).toBe(true);
      if (anchor) expect(anchors(read(target)), `${page}: ${link}`).toContain(anchor);
    }
  });
});

describe('docs/aws.md', () => {
  const documents = blocks(read('docs/aws.md'), 'json').map((b) => JSON.parse(b) as unknown);
  // Trust policies; the EKS section's permission policy is checked on its own below.
  const policies = documents.filter((p) => JSON.stringify(p).includes('AssumeRoleWithWebIdentity'));

  // Role chaining's trust statement, as the AccessDenied explanation prints it.
  const chaining = documents.filter((p) => JSON.stringify(p).includes('"sts:TagSession"'));

  it('shows the trust statement for role chaining that the action prints when STS denies it', () => {
    expect(chaining).toEqual([trustStatement('arn:aws:iam::111122223333:role/ci', true)]);
  });

  it('shows the eks:DescribeCluster policy the action prints when EKS denies it', () => {
    expect(documents.filter((p) => !policies.includes(p) && !chaining.includes(p))).toEqual([
      describeClusterPolicy({
        cluster: 'prod',
        region: 'eu-west-1',
        partition: 'aws',
        accountId: '111122223333',
        roleArn: 'arn:aws:iam::111122223333:role/deploy-eks',
        assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/deploy-eks/s',
      }),
    ]);
  });

  it('shows the trust policies the action prints for a refused token', () => {
    const forgejo = 'https://forgejo.example.com/api/actions';
    const github = 'https://token.actions.githubusercontent.com';
    const immutable = 'repo:org@1234567/app@89012345:ref:refs/heads/main';
    expect(policies).toEqual([
      trustPolicy(awsContext(github, immutable), immutable, 'StringEquals'),
      trustPolicy(
        awsContext(forgejo, 'repo:org/app:ref:refs/heads/main'),
        'repo:org/app:ref:refs/heads/main',
        'StringEquals',
      ),
      trustPolicy(
        awsContext(github, 'repo:org/app:environment:production'),
        'repo:org/app:environment:production',
        'StringEquals',
      ),
      trustPolicy(
        awsContext(forgejo, 'repo:org/app:ref:refs/heads/main'),
        'repo:org/app:ref:refs/heads/*',
        'StringLike',
      ),
    ]);
  });
});

describe('docs/kubernetes.md', () => {
  const page = read('docs/kubernetes.md');
  const yamlBlocks = blocks(page, 'yaml');

  it('shows the Role and RoleBinding the action prints for a refused deploy', () => {
    const shown = yamlBlocks.find((b) => b.includes('kind: RoleBinding')) as string;
    const generated = rbacYaml('forgejo:repo:org/app:ref:refs/heads/main', 'web', ['deployment']);
    expect(parseAllDocuments(shown).map((d) => d.toJS())).toEqual(
      parseAllDocuments(generated).map((d) => d.toJS()),
    );
  });

  it('shows a kubeconfig the action accepts', () => {
    const shown = yamlBlocks.find((b) => b.includes('kind: Config')) as string;
    const plan = planKubeconfig(
      {
        source: {
          kind: 'kubeconfig',
          text: shown.replace(
            /LS0tLS1CRUdJTi\S*/,
            Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'),
          ),
        },
        context: undefined,
        namespace: undefined,
        user: undefined,
        insecureSkipTlsVerify: false,
      },
      quiet,
    );
    expect(plan.target).toMatchObject({ context: 'prod', namespace: 'web', user: 'oidc' });
  });

  it('shows AuthenticationConfigurations with the fields the API server requires', () => {
    const configs = yamlBlocks
      .filter((b) => b.includes('kind: AuthenticationConfiguration') || b.startsWith('jwt:'))
      .map((b) => parse(b) as { jwt: Array<Record<string, Record<string, unknown>>> });
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const config of configs) {
      for (const entry of config.jwt) {
        expect(String(entry['issuer']?.['url'])).toMatch(/^https:\/\/[^/]+\/?.*[^/]$/);
        expect(entry['issuer']?.['audiences']).toEqual(
          expect.arrayContaining([expect.any(String)]),
        );
        expect(entry['claimMappings']?.['username']).toMatchObject({
          claim: 'sub',
          prefix: expect.stringMatching(/:$/),
        });
      }
    }
  });
});

describe('snippets that use the action', () => {
  const inputs = Object.keys((parse(read('action.yml')) as { inputs: object }).inputs);

  /** Every `uses: …oidc-deploy-action…` step in the YAML blocks of a page. */
  function steps(page: string): Array<Record<string, string>> {
    const found: Array<Record<string, string>> = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const step = node as { uses?: unknown; with?: Record<string, string> };
        if (typeof step.uses === 'string' && step.uses.includes('oidc-deploy-action')) {
          found.push(step.with ?? {});
        }
        Object.values(node).forEach(visit);
      }
    };
    for (const block of blocks(read(page), 'yaml')) {
      for (const doc of parseAllDocuments(block)) visit(doc.toJS());
    }
    return found;
  }

  /** readSettings on a step's `with`, each expression replaced by a value of the shape it stands for. */
  function settings(step: Record<string, string>) {
    const names = Object.keys(step).map((n) => `INPUT_${n.toUpperCase()}`);
    Object.entries(step).forEach(([name, value]) => {
      const placeholder =
        name === 'chainguard-identity'
          ? `${'0'.repeat(40)}/${'0'.repeat(16)}`
          : `registry.example/app@sha256:${'0'.repeat(64)}`;
      process.env[`INPUT_${name.toUpperCase()}`] = String(value).replace(
        /\$\{\{[^}]*\}\}/g,
        placeholder,
      );
    });
    try {
      return readSettings(process.env);
    } finally {
      for (const name of names) delete process.env[name];
    }
  }

  const withSteps = pages.filter((page) => steps(page).length > 0);

  it('are found in the README and the setup guides', () => {
    expect(withSteps).toEqual(
      expect.arrayContaining(['README.md', 'docs/aws.md', 'docs/chainguard.md']),
    );
  });

  it.each(withSteps)('%s: only inputs of action.yml, accepted by the action', (page) => {
    for (const step of steps(page)) {
      for (const name of Object.keys(step)) expect(inputs, page).toContain(name);
      expect(() => settings(step), JSON.stringify(step)).not.toThrow();
    }
  });
});
