import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentedKeys, errorSites } from '../../scripts/error-messages.js';
import { ROOT } from '../helpers/runner.js';

const page = readFileSync(join(ROOT, 'docs', 'troubleshooting.md'), 'utf8');
const documented = documentedKeys(page);
const sites = errorSites();

/**
 * Sites whose message is composed from other text, so no key can be read from the code. Each is
 * documented by the entries of the messages it is made of. A new composed site fails the test
 * until it is listed here, with where its text is documented.
 */
const COMPOSED: Record<string, string> = {
  // explainRefusal: "The Chainguard STS refused the exchange for ..." (chainguard section, prose).
  'src/chainguard/explain.ts message': 'The exchange is refused',
  // withNote: another ActionError's message plus "; the new images were already set on ...".
  'src/kubernetes/workloads/deploy.ts …; ….': 'The rollout did not complete',
  // withNote: an apply refusal's message plus "; already applied before it: ...".
  'src/kubernetes/apply/apply.ts …; ….': 'The cluster refuses an apply',
  // The top-level catch: every ActionError above.
  'src/action/run.ts message': 'all',
  // A mode's report that fails the step: every `failure:` above.
  'src/action/run.ts report.failure': 'all',
};

function siteName(site: { file: string; key: string | undefined; expression: string }): string {
  return `${site.file} ${site.key ?? site.expression}`;
}

/** A key with almost no fixed text (e.g. `…; ….`) says nothing a reader could search for. */
function searchable(key: string): boolean {
  return key.replace(/…/g, '').replace(/[^A-Za-z]/g, '').length >= 8;
}

describe('docs/troubleshooting.md', () => {
  it('finds the error sites in src/ (the scanner works)', () => {
    // A broken scanner would make every other check here pass vacuously.
    expect(sites.length).toBeGreaterThan(80);
    expect(sites.map((s) => s.key)).toContain(
      'Input "…" is empty, and so is every other input that picks a mode: ….',
    );
    expect(sites.map((s) => s.key)).toContain('Input "mode" is "…", which is not a mode.');
  });

  it('has an entry for every message the action can fail with', () => {
    const missing = sites
      .filter((s) => s.key !== undefined && searchable(s.key))
      .filter((s) => !documented.includes(s.key as string))
      .map((s) => `${s.file}:${s.line} ${s.key}`);
    expect(missing, 'run `npx tsx scripts/error-messages.ts`').toEqual([]);
  });

  it('lists every composed message site explicitly', () => {
    const composed = sites.filter((s) => s.key === undefined || !searchable(s.key)).map(siteName);
    expect([...new Set(composed)].sort()).toEqual(Object.keys(COMPOSED).sort());
  });

  it('has no entry for a message the code no longer has', () => {
    const keys = new Set(sites.map((s) => s.key));
    expect(documented.filter((key) => !keys.has(key))).toEqual([]);
  });

  it('lists each message once', () => {
    expect(documented.filter((key, i) => documented.indexOf(key) !== i)).toEqual([]);
  });

  it('links the generated bad-inputs page, and every local link resolves', () => {
    expect(page).toContain('](bad-inputs.md)');
    for (const [, target] of page.matchAll(/\]\(([a-z-]+\.md)(?:#[^)]*)?\)/g)) {
      expect(() => readFileSync(join(ROOT, 'docs', target as string)), target).not.toThrow();
    }
  });
});
