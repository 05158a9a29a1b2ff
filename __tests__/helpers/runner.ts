// Runs the bundled action the way a runner does: INPUT_* from action.yml's defaults and the
// step's `with:`, GITHUB_ENV / GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, and
// STATE_* for the post step.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..', '..');
/**
 * The bundle the tests run: the current source's (vitest's globalSetup builds it,
 * helpers/current-dist.ts), else the committed dist/ (the demo).
 */
export const DIST = process.env['OIDC_DEPLOY_DIST'] || join(ROOT, 'dist');

export interface RunnerDirs {
  root: string;
  temp: string;
  workspace: string;
  home: string;
  envFile: string;
  outputFile: string;
  stateFile: string;
  summaryFile: string;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  /** Extra environment (the ID-token variables, proxies...). */
  env?: Record<string, string | undefined>;
  /** Which bundle entry to run. */
  entry?: 'index' | 'post' | 'credential';
  /** The Node binary (Node 24 for the compatibility smoke test). */
  node?: string;
  /** Reuse the directories of an earlier run (main then post, two steps of one job). */
  dirs?: RunnerDirs;
  /** STATE_* for a post step. */
  state?: Record<string, string>;
  timeoutMs?: number;
  stdin?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  exported: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  dirs: RunnerDirs;
  seconds: number;
}

let defaults: Record<string, string> | undefined;

/**
 * Every input action.yml declares, with its default (`''`: action.yml declares none, see
 * __tests__/unit/registry.test.ts): a runner passes each as INPUT_*, given or not, empty unless
 * the step gives it (actions/runner; act, which Forgejo's runner is built on: docs/wire-formats.md,
 * 1b). So a test's `inputs` override exactly what a workflow's `with:` would.
 */
export function actionDefaults(): Record<string, string> {
  if (!defaults) {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>;
    };
    defaults = Object.fromEntries(
      Object.entries(action.inputs).map(([name, spec]) => [name, String(spec.default ?? '')]),
    );
  }
  return defaults;
}

/** Every runner directory made in this process and not yet removed. */
const made = new Set<string>();

/**
 * Removes the runner directories made so far (RUNNER_TEMP with the action's credential files,
 * the workspace, HOME, the command files). Every test file calls it after its tests
 * (__tests__/helpers/setup.ts), the demo after each scene.
 */
export function removeRunnerDirs(): void {
  for (const root of made) {
    rmSync(root, { recursive: true, force: true });
    made.delete(root);
  }
}

export function makeRunnerDirs(): RunnerDirs {
  const root = mkdtempSync(join(tmpdir(), 'oidc-deploy-e2e-'));
  made.add(root);
  const dirs: RunnerDirs = {
    root,
    temp: join(root, 'runner-temp'),
    workspace: join(root, 'workspace'),
    home: join(root, 'home'),
    envFile: join(root, 'files', 'env'),
    outputFile: join(root, 'files', 'output'),
    stateFile: join(root, 'files', 'state'),
    summaryFile: join(root, 'files', 'summary'),
  };
  for (const dir of [dirs.temp, dirs.workspace, dirs.home, join(root, 'files')])
    mkdirSync(dir, { recursive: true });
  return dirs;
}

export async function runAction(options: RunOptions = {}): Promise<RunResult> {
  const dirs = options.dirs ?? makeRunnerDirs();
  // Each step gets fresh command files, as on a runner.
  for (const file of [dirs.envFile, dirs.outputFile, dirs.stateFile, dirs.summaryFile])
    writeFileSync(file, '');
  const inputs = { ...actionDefaults(), ...options.inputs };
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dirs.home,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_RUN_ID: '42',
    GITHUB_SHA: 'a'.repeat(40),
    GITHUB_SERVER_URL: 'https://forge.example',
    GITHUB_WORKSPACE: dirs.workspace,
    RUNNER_TEMP: dirs.temp,
    GITHUB_ENV: dirs.envFile,
    GITHUB_OUTPUT: dirs.outputFile,
    GITHUB_STATE: dirs.stateFile,
    GITHUB_STEP_SUMMARY: dirs.summaryFile,
  };
  // The temp dir of the test run (scripts/test.mjs gives it one), so that what the action
  // creates outside RUNNER_TEMP is found by the run's leftover check.
  if (process.env['TMPDIR']) env['TMPDIR'] = process.env['TMPDIR'];
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  const started = performance.now();
  const child = spawn(
    options.node ?? process.execPath,
    [join(DIST, `${options.entry ?? 'index'}.js`)],
    {
      cwd: dirs.workspace,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolveCode) => child.on('close', resolveCode));
  clearTimeout(timeout);
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(dirs.outputFile, 'utf8')),
    exported: parseFileCommands(readFileSync(dirs.envFile, 'utf8')),
    state: parseFileCommands(readFileSync(dirs.stateFile, 'utf8')),
    summary: readFileSync(dirs.summaryFile, 'utf8'),
    dirs,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The post step of `main`'s job: same directories, STATE_* from what main saved. */
export function runPost(main: RunResult, options: RunOptions = {}): Promise<RunResult> {
  return runAction({
    ...options,
    entry: 'post',
    dirs: main.dirs,
    state: { ...main.state, ...options.state },
  });
}

/** Parses GITHUB_OUTPUT/GITHUB_ENV/GITHUB_STATE content: `name<<DELIM\nvalue\nDELIM` or `name=value`. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      result[name] = value.join('\n');
    } else {
      const eq = line.indexOf('=');
      if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return result;
}

/** The `::error::` lines of a run, decoded (%0A -> newline), as a runner shows them. */
export function errorAnnotations(result: RunResult): string[] {
  return result.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map((l) =>
      l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%0D/g, '\r')
        .replace(/%25/g, '%'),
    );
}
