// What a release and the Marketplace read: package.json's version agrees with CHANGELOG.md, and
// action.yml's description fits the GitHub Marketplace.
//
// The version rule: package.json's version is the CHANGELOG's latest released section
// (`## [1.2.3] - YYYY-MM-DD`). Before the first release there is none: the CHANGELOG has only
// `## [Unreleased]`, package.json says 0.0.0 (no version released), and the README says that no
// release is tagged. The release commit sets the version and dates the section together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The GitHub Marketplace shows at most this many characters of an action's description. */
const MARKETPLACE_DESCRIPTION_MAX = 125;

interface Section {
  version: string;
  date: string | undefined;
}

/** The `## [VERSION]` or `## [VERSION] - DATE` headings of a Keep a Changelog file, in order. */
function sections(changelog: string): Section[] {
  return [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\S+))?\s*$/gm)].map((m) => ({
    version: m[1] as string,
    date: m[2],
  }));
}

/** What is wrong with a package.json version against a CHANGELOG (empty: they agree). */
function versionProblems(version: string, changelog: string): string[] {
  const all = sections(changelog);
  const released = all.filter((s) => s.version !== 'Unreleased');
  const problems: string[] = [];
  if (all.length === 0) problems.push('the CHANGELOG has no ## [VERSION] section');
  if (all.findIndex((s) => s.version === 'Unreleased') > 0)
    problems.push('## [Unreleased] is not the first section');
  for (const s of released) {
    if (!/^\d+\.\d+\.\d+$/.test(s.version)) problems.push(`${s.version}: not MAJOR.MINOR.PATCH`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(s.date ?? '')) problems.push(`${s.version}: no release date`);
  }
  const expected = released[0]?.version ?? '0.0.0';
  if (version !== expected)
    problems.push(
      released[0]
        ? `package.json says ${version}, the latest release in the CHANGELOG is ${expected}`
        : `package.json says ${version}, but the CHANGELOG has no release: 0.0.0 until the first`,
    );
  return problems;
}

const version = (JSON.parse(read('package.json')) as { version: string }).version;
const changelog = read('CHANGELOG.md');

describe('package.json version and CHANGELOG.md', () => {
  it('agree (the check can fail)', () => {
    const unreleased = '# Changelog\n\n## [Unreleased]\n\n- a\n';
    const released =
      '# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-01-02\n\n## [1.1.0] - 2025-12-01\n';
    expect(versionProblems('0.0.0', unreleased)).toEqual([]);
    expect(versionProblems('0.1.0', unreleased)).toEqual([
      'package.json says 0.1.0, but the CHANGELOG has no release: 0.0.0 until the first',
    ]);
    expect(versionProblems('1.2.0', released)).toEqual([]);
    expect(versionProblems('1.1.0', released)).toEqual([
      'package.json says 1.1.0, the latest release in the CHANGELOG is 1.2.0',
    ]);
    expect(versionProblems('1.0.0', '## [1.0.0]\n')).toEqual(['1.0.0: no release date']);
  });

  it('agree in this repository', () => {
    expect(sections(changelog).length).toBeGreaterThan(0);
    expect(versionProblems(version, changelog)).toEqual([]);
  });

  it('and the README say the same about releases', () => {
    const readme = read('README.md');
    const released = sections(changelog).some((s) => s.version !== 'Unreleased');
    expect(readme.includes('No release is tagged yet')).toBe(!released);
  });
});

describe('action.yml', () => {
  it(`has a description of at most ${MARKETPLACE_DESCRIPTION_MAX} characters on one line (the Marketplace's limit)`, () => {
    const { description } = parse(read('action.yml')) as { description?: unknown };
    expect(typeof description).toBe('string');
    expect(description as string).toMatch(/^[^\n]+$/);
    expect([...(description as string)].length).toBeLessThanOrEqual(MARKETPLACE_DESCRIPTION_MAX);
  });
});
