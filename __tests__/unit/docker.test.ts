import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDocker } from '../../src/registry/docker.js';
import { tempDir } from '../helpers/temp.js';

describe('runDocker (@actions/exec, bounded)', () => {
  /** An executable script standing in for docker. */
  function fakeDocker(body: string): string {
    const dir = tempDir('oidc-deploy-fakedocker-');
    const path = join(dir, 'docker');
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('passes stdin and env, drops stdout, keeps stderr and the exit code; no shell sees the args', async () => {
    const dir = tempDir('oidc-deploy-fakedocker-out-');
    const docker = fakeDocker(
      `cat > '${dir}/stdin'; printf '%s\\n' "$@" > '${dir}/args'; echo "$DOCKER_CONFIG" > '${dir}/env'; echo out; echo 'bad thing' >&2; exit 3`,
    );
    const result = await runDocker(docker, ['login', 'cgr.dev', '$(touch x);'], 'the-token', {
      PATH: '/usr/bin:/bin',
      DOCKER_CONFIG: '/private/config',
    });
    expect(result).toEqual({ code: 3, stderr: 'bad thing\n' });
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe('the-token');
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('login\ncgr.dev\n$(touch x);\n');
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('/private/config\n');
  });

  it('ends a docker that does not answer, kills it, and says so', async () => {
    const dir = tempDir('oidc-deploy-fakedocker-pid-');
    const started = Date.now();
    const result = await runDocker(
      fakeDocker(`echo $$ > '${dir}/pid'; exec sleep 60`),
      ['login'],
      't',
      { PATH: '/usr/bin:/bin' },
      300,
    );
    expect(result).toEqual({ code: -1, stderr: 'no answer within 300ms' });
    expect(Date.now() - started).toBeLessThan(5000);
    // The process is gone (killed, not left behind holding the step).
    const pid = readFileSync(join(dir, 'pid'), 'utf8').trim();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(() => execFileSync('kill', ['-0', pid], { stdio: 'ignore' })).toThrow();
  });

  it('does not wait for a process docker started that keeps its pipes open', async () => {
    const started = Date.now();
    // docker exits at once; a "credential helper" it started holds stdout and stderr for 60 s.
    const result = await runDocker(fakeDocker('sleep 60 & exit 0'), ['logout'], '', {
      PATH: '/usr/bin:/bin',
    });
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a docker that cannot be started', async () => {
    const result = await runDocker('/nonexistent/docker', ['login'], 't', {});
    expect(result.code).toBe(-1);
    expect(result.stderr).toMatch(/nonexistent\/docker/);
  });
});
