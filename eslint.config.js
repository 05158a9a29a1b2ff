// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The dependency rules of src/ (docs/design.md, "Module map"): the folder layout is the
// architecture, and these rules keep it so. Relative imports are matched by what they reach.
const EDGE = '(^|/)(action|entries)/';
const MODES = '(^|/)modes/';
const CORE = {
  name: '@actions/core',
  message:
    'Only the action edge (src/action/) talks to the runner: take a Logger, an InputReader or a callback.',
};
const SOCKETS = [
  {
    name: 'node:https',
    allowTypeImports: true,
    message:
      'Only the cluster adapter (src/kubernetes/cluster/) opens connections itself; other clients use net/http.ts.',
  },
  {
    name: 'node:http',
    allowTypeImports: true,
    message: 'Requests go through net/http.ts (@actions/http-client) or the cluster adapter.',
  },
  { name: 'node:tls', message: 'TLS comes from the libraries (http-client, client-node).' },
  {
    name: 'node:child_process',
    allowTypeImports: true,
    message: 'Processes run through @actions/exec (src/registry/docker.ts).',
  },
];

/** `files` may not import what `regex` matches, nor open sockets or processes themselves. */
function restrict(files, regex, { paths = [CORE, ...SOCKETS] } = {}) {
  return {
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths,
          patterns: [
            {
              regex,
              message: `${files.join(', ')} may not import this (docs/design.md, "Module map").`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  // The action's own code: type-aware rules (no `any` leaking out of a library, no promise left
  // floating).
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  // Leaves first: base/ imports nothing of ours, net/ only base/; the domains never the edge nor
  // the modes; the modes never the edge. Only the cluster adapter opens sockets itself, and only
  // the edge talks to the runner.
  restrict(['src/base/**'], '^\\.\\./'),
  restrict(['src/net/**'], '^\\.\\./(?!base/|net/)'),
  restrict(
    ['src/oidc/**', 'src/aws/**', 'src/chainguard/**', 'src/registry/**', 'src/kubernetes/**'],
    `${EDGE}|${MODES}`,
  ),
  restrict(['src/kubernetes/cluster/**'], `${EDGE}|${MODES}`, { paths: [CORE] }),
  restrict(['src/modes/**'], EDGE),
  {
    // Scripts, fixtures and tests talk to a terminal; the action itself logs through @actions/core.
    files: ['scripts/**', 'bench/**', '__tests__/**'],
    rules: { 'no-console': 'off' },
  },
);
