import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanUp, type PostIo } from '../../src/action/cleanup.js';
import { createFileStore, isInside } from '../../src/action/file-store.js';
import { removeAfterFile, tempDir } from '../helpers/temp.js';

function io(state: Record<string, string>) {
  const lines: string[] = [];
  const exported: Record<string, string> = {};
  const post: PostIo = {
    getState: (name) => state[name] ?? '',
    exportVariable: (name, value) => {
      exported[name] = value;
    },
    debug: () => {},
    info: (m) => lines.push(m),
    warning: (m) => lines.push(`warning: ${m}`),
  };
  return { post, lines, exported };
}

describe('credential store', () => {
  it('writes 0600 files in a private 0700 directory under RUNNER_TEMP, recorded before writing', () => {
    const temp = tempDir('store-');
    const recorded: string[] = [];
    const store = createFileStore(
      { RUNNER_TEMP: temp, GITHUB_WORKSPACE: join(temp, '..', 'ws') },
      (d) => recorded.push(d),
    );
    const a = store.write('kubeconfig.yaml', 'secret');
    const b = store.write('config.json', '{}');
    expect(recorded).toHaveLength(1);
    expect(isInside(a, temp)).toBe(true);
    expect(statSync(a).mode & 0o777).toBe(0o600);
    expect(statSync(recorded[0] as string).mode & 0o777).toBe(0o700);
    expect(join(a, '..')).toBe(join(b, '..'));
    expect(() => store.write('config.json', 'again')).toThrow(/EEXIST/);
  });

  it('never writes under the workspace, even when RUNNER_TEMP lies inside it', () => {
    const ws = tempDir('ws-');
    const store = createFileStore({ RUNNER_TEMP: join(ws, 'tmp'), GITHUB_WORKSPACE: ws }, () => {});
    // RUNNER_TEMP is refused: the store falls back to the temp dir, so the test removes it.
    const path = store.write('k', 'x');
    removeAfterFile(dirname(path));
    expect(isInside(path, ws)).toBe(false);
  });

  it('gives two steps of one job separate directories', () => {
    const temp = tempDir('store-');
    const one = createFileStore({ RUNNER_TEMP: temp }, () => {}).write('kubeconfig.yaml', '1');
    const two = createFileStore({ RUNNER_TEMP: temp }, () => {}).write('kubeconfig.yaml', '2');
    expect(one).not.toBe(two);
  });
});

describe('cleanUp (post)', () => {
  it('removes the recorded credential directories and only those', async () => {
    const temp = tempDir('post-');
    const dirs: string[] = [];
    createFileStore({ RUNNER_TEMP: temp }, (d) => dirs.push(d)).write('kubeconfig.yaml', 'x');
    const foreign = join(temp, 'not-ours');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep'), 'x');
    const { post, lines } = io({ 'credential-dirs': JSON.stringify([...dirs, foreign]) });
    cleanUp(post);
    expect(existsSync(dirs[0] as string)).toBe(false);
    expect(existsSync(join(foreign, 'keep'))).toBe(true);
    expect(lines.join('\n')).toContain('Removed the credential files');
  });

  it('clears exported AWS credentials', async () => {
    const { post, exported, lines } = io({ 'aws-exported': 'true' });
    cleanUp(post);
    expect(exported).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });
    expect(lines).toContain('Cleared the exported AWS credentials');
  });

  it('deletes the Docker config of a registry login and gives DOCKER_CONFIG back', async () => {
    const temp = tempDir('oidc-deploy-post-');
    const dirs: string[] = [];
    const config = createFileStore({ RUNNER_TEMP: temp }, (d) => dirs.push(d)).write(
      'config.json',
      '{"auths":{}}',
    );
    const { post, exported } = io({
      'credential-dirs': JSON.stringify(dirs),
      'docker-config-restore': JSON.stringify({ previous: '/home/me/.docker-custom' }),
    });
    cleanUp(post);
    expect(existsSync(config)).toBe(false);
    expect(exported).toEqual({ DOCKER_CONFIG: '/home/me/.docker-custom' });
  });

  it('warns and goes on when a part fails', async () => {
    const { post, lines, exported } = io({ 'credential-dirs': 'not json', 'aws-exported': 'true' });
    expect(() => cleanUp(post)).not.toThrow();
    expect(lines.join('\n')).toMatch(/warning: The saved list .* unreadable/);
    expect(exported['AWS_ACCESS_KEY_ID']).toBe('');
  });

  it('does nothing without state', async () => {
    const { post, lines, exported } = io({});
    cleanUp(post);
    expect(lines).toEqual([]);
    expect(exported).toEqual({});
  });
});

describe('post: variables an aws profile pointed at its files', () => {
  it('restores what they were, resets what was unset, and touches nothing else', () => {
    const { post, exported, lines } = io({
      'env-restore': JSON.stringify({
        AWS_SHARED_CREDENTIALS_FILE: '/home/runner/.aws/credentials',
        AWS_CONFIG_FILE: null,
        AWS_PROFILE: null,
        PATH: '/evil',
      }),
    });
    cleanUp(post);
    expect(exported).toEqual({
      AWS_SHARED_CREDENTIALS_FILE: '/home/runner/.aws/credentials',
      AWS_CONFIG_FILE: '',
      AWS_PROFILE: '',
    });
    expect(lines).toContain(
      'Restored AWS_SHARED_CREDENTIALS_FILE to /home/runner/.aws/credentials',
    );
    expect(lines).toContain('Reset AWS_CONFIG_FILE (it was not set before this action)');
  });

  it('warns about an unreadable record and goes on', () => {
    const { post, exported, lines } = io({ 'env-restore': '{not json', 'aws-exported': 'true' });
    cleanUp(post);
    expect(lines).toContain(
      'warning: The saved variables to restore are unreadable; none was restored.',
    );
    expect(exported['AWS_SECRET_ACCESS_KEY']).toBe('');
  });
});
