import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  currentDockerConfigDir,
  findOnPath,
  loginToRegistries,
  mergeDockerConfig,
  registryHost,
  type RegistryDeps,
  type RunDocker,
} from '../../../src/registry/login.js';
import { createFileStore } from '../../../src/action/file-store.js';
import { runDocker as runDockerBounded } from '../../../src/registry/docker.js';
import { recordingLogger } from '../../helpers/logger.js';
import { tempDir } from '../../helpers/temp.js';

/** One Chainguard-style login (`_token` and the token), as the chainguard mode asks for it. */
async function loginToRegistry(host: string, token: string, deps: RegistryDeps) {
  const [login] = await loginToRegistries([{ host, username: '_token', password: token }], deps);
  if (!login) throw new Error('no login');
  return login;
}

const auth = (token: string) => Buffer.from(`_token:${token}`).toString('base64');

describe('registryHost', () => {
  it.each([
    ['cgr.dev', 'cgr.dev'],
    ['registry.example:5000', 'registry.example:5000'],
    ['127.0.0.1:5111', '127.0.0.1:5111'],
    ['https://console-api.enforce.dev', undefined],
    ['cgr.dev/path', undefined],
    ['CGR.DEV', undefined],
    ['-cgr.dev', undefined],
    ['', undefined],
  ])('%s -> %s', (audience, host) => {
    expect(registryHost(audience)).toBe(host);
  });
});

describe('mergeDockerConfig', () => {
  it.each([
    ['an empty config', {}, { auths: { 'cgr.dev': { auth: auth('t') } } }],
    [
      'other auths and settings, kept',
      { auths: { 'ghcr.io': { auth: 'x' } }, proxies: { default: {} }, psFormat: 'table' },
      {
        auths: { 'ghcr.io': { auth: 'x' }, 'cgr.dev': { auth: auth('t') } },
        proxies: { default: {} },
        psFormat: 'table',
      },
    ],
    [
      'an old cgr.dev entry, replaced',
      { auths: { 'cgr.dev': { auth: 'old', identitytoken: 'old' } } },
      { auths: { 'cgr.dev': { auth: auth('t') } } },
    ],
    [
      "a cgr.dev credential helper (chainctl's), removed",
      { credHelpers: { 'cgr.dev': 'cgr', 'gcr.io': 'gcloud' } },
      { auths: { 'cgr.dev': { auth: auth('t') } }, credHelpers: { 'gcr.io': 'gcloud' } },
    ],
    [
      'only a cgr.dev helper: credHelpers goes',
      { credHelpers: { 'cgr.dev': 'cgr' } },
      { auths: { 'cgr.dev': { auth: auth('t') } } },
    ],
    [
      'a credsStore: cgr.dev gets an empty helper so docker reads auths',
      { credsStore: 'desktop', auths: { 'ghcr.io': {} } },
      {
        credsStore: 'desktop',
        auths: { 'ghcr.io': {}, 'cgr.dev': { auth: auth('t') } },
        credHelpers: { 'cgr.dev': '' },
      },
    ],
    [
      'auths that is not an object',
      { auths: 'nonsense' },
      { auths: { 'cgr.dev': { auth: auth('t') } } },
    ],
  ])('%s', (_name, existing, expected) => {
    const copy = structuredClone(existing);
    expect(
      mergeDockerConfig(existing, [{ host: 'cgr.dev', username: '_token', password: 't' }]),
    ).toEqual(expected);
    expect(existing).toEqual(copy); // the input is not modified
  });
});

describe('findOnPath and currentDockerConfigDir', () => {
  it('finds an executable file, skipping directories, non-executables and relative entries', () => {
    const a = tempDir('cg-path-');
    const b = tempDir('cg-path-');
    const c = tempDir('cg-path-');
    mkdirSync(join(a, 'docker'));
    writeFileSync(join(b, 'docker'), '#!/bin/sh\n');
    writeFileSync(join(c, 'docker'), '#!/bin/sh\n');
    chmodSync(join(c, 'docker'), 0o755);
    expect(findOnPath('docker', { PATH: ['relative', a, b, c].join(':') })).toBe(join(c, 'docker'));
    expect(findOnPath('docker', { PATH: [a, b].join(':') })).toBeUndefined();
    expect(findOnPath('docker', {})).toBeUndefined();
  });

  it('uses DOCKER_CONFIG, else HOME/.docker', () => {
    expect(currentDockerConfigDir({ DOCKER_CONFIG: '/x/y', HOME: '/h' })).toBe('/x/y');
    expect(currentDockerConfigDir({ DOCKER_CONFIG: ' ', HOME: '/h' })).toBe('/h/.docker');
  });
});

describe('loginToRegistry', () => {
  function setup(pathHasDocker: boolean) {
    const root = tempDir('cg-login-');
    const bin = join(root, 'bin');
    mkdirSync(bin);
    if (pathHasDocker) {
      writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, 'docker'), 0o755);
    }
    const env = { PATH: bin, HOME: join(root, 'home'), RUNNER_TEMP: join(root, 'temp') };
    mkdirSync(env.RUNNER_TEMP);
    const state: Record<string, string> = {};
    const created: string[] = [];
    const logger = recordingLogger();
    const deps = {
      env,
      logger,
      files: createFileStore(env, (d) => created.push(d)),
      saveState: (name: string, value: string) => {
        state[name] = value;
      },
    };
    return { bin, env, state, created, logger, deps };
  }

  it('runs docker login with the token on stdin only, in the private Docker config it wrote', async () => {
    const t = setup(true);
    const calls: Array<{ docker: string; args: string[]; stdin: string; config: string }> = [];
    const runDocker: RunDocker = async (docker, args, stdin, env) => {
      const dir = env['DOCKER_CONFIG'] as string;
      // The config docker logs in to is there already, routed to the file: no helper to ask.
      calls.push({ docker, args, stdin, config: readFileSync(join(dir, 'config.json'), 'utf8') });
      return { code: 0, stderr: '' };
    };
    const login = await loginToRegistry('cgr.dev', 'the-token', { ...t.deps, runDocker });
    expect(login).toEqual({ host: 'cgr.dev', via: 'docker', dockerConfig: t.created[0] });
    expect(calls).toEqual([
      {
        docker: join(t.bin, 'docker'),
        args: ['login', 'cgr.dev', '--username', '_token', '--password-stdin'],
        stdin: 'the-token',
        config: `${JSON.stringify({ auths: { 'cgr.dev': { auth: auth('the-token') } } }, null, 2)}\n`,
      },
    ]);
    expect(t.state).toEqual({ 'docker-config-restore': '{"previous":null}' });
    expect(t.created).toHaveLength(1);
    expect(t.logger.lines.join('\n')).toContain('Logged in to cgr.dev as _token with docker login');
  });

  it('routes the host away from a credsStore the job config names, so docker login asks no helper', async () => {
    const t = setup(true);
    mkdirSync(join(t.env.HOME, '.docker'), { recursive: true });
    writeFileSync(
      join(t.env.HOME, '.docker', 'config.json'),
      JSON.stringify({ credsStore: 'desktop', credHelpers: { 'cgr.dev': 'cgr' } }),
    );
    let seen: Record<string, unknown> = {};
    await loginToRegistry('cgr.dev', 'tok', {
      ...t.deps,
      runDocker: async (_docker, _args, _stdin, env) => {
        seen = JSON.parse(
          readFileSync(join(env['DOCKER_CONFIG'] as string, 'config.json'), 'utf8'),
        ) as Record<string, unknown>;
        return { code: 0, stderr: '' };
      },
    });
    expect(seen['credHelpers']).toEqual({ 'cgr.dev': '' });
  });

  it('ends a docker login that hangs (a fake docker on PATH) and keeps the written config', async () => {
    const t = setup(false);
    writeFileSync(join(t.bin, 'docker'), '#!/bin/sh\nexec /bin/sleep 60\n');
    chmodSync(join(t.bin, 'docker'), 0o755);
    const started = Date.now();
    const login = await loginToRegistry('cgr.dev', 'tok', {
      ...t.deps,
      runDocker: (docker, args, stdin, env) => runDockerBounded(docker, args, stdin, env, 300),
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(login.via).toBe('docker-config');
    expect(t.logger.lines.find((l) => l.startsWith('warning: '))).toContain(
      'docker login cgr.dev exited with -1 (no answer within 300ms)',
    );
    const config = join(login.dockerConfig as string, 'config.json');
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
      auths: { 'cgr.dev': { auth: auth('tok') } },
    });
  });

  it.each([
    [
      'exits non-zero',
      async () => ({ code: 1, stderr: 'x\nError: no daemon\n' }),
      '(Error: no daemon)',
    ],
    [
      'cannot be started',
      async () => {
        throw new Error('spawn EACCES');
      },
      '(spawn EACCES)',
    ],
  ])('writes a Docker config when docker login %s', async (_name, runDocker, reason) => {
    const t = setup(true);
    const login = await loginToRegistry('cgr.dev', 'the-token', {
      ...t.deps,
      runDocker: runDocker as RunDocker,
    });
    expect(login.via).toBe('docker-config');
    expect(t.state).toEqual({ 'docker-config-restore': '{"previous":null}' });
    expect(t.logger.lines.find((l) => l.startsWith('warning: '))).toContain(reason);
    expect(t.created).toEqual([login.dockerConfig]);
    const config = join(login.dockerConfig as string, 'config.json');
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
      auths: { 'cgr.dev': { auth: auth('the-token') } },
    });
  });

  it('without docker on PATH writes the config without trying, and warns on an unreadable one', async () => {
    const t = setup(false);
    mkdirSync(join(t.env.HOME, '.docker'), { recursive: true });
    writeFileSync(join(t.env.HOME, '.docker', 'config.json'), '{not json');
    const login = await loginToRegistry('cgr.dev', 'tok', {
      ...t.deps,
      runDocker: () => Promise.reject(new Error('must not run')),
    });
    expect(login.via).toBe('docker-config');
    expect(t.created).toEqual([login.dockerConfig]);
    expect(t.logger.lines.some((l) => l.includes('is not a JSON object'))).toBe(true);
    expect(t.logger.lines.join('\n')).not.toContain('{not json');
  });
});
