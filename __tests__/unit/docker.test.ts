import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDockerProcess } from '../../src/docker.js';
import { tempDir } from '../helpers/temp.js';

describe('runDockerProcess', () => {
  /** An executable script standing in for docker. */
  function fakeDocker(body: string): string {
    const dir = tempDir('oidc-deploy-fakedocker-');
    const path = join(dir, 'docker');
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('passes stdin, drops stdout, keeps stderr and the exit code; no shell sees the args', async () => {
    const dir = tempDir('oidc-deploy-fakedocker-out-');
    const docker = fakeDocker(
      `cat > '${dir}/stdin'; printf '%s\\n' "$@" > '${dir}/args'; echo out; echo 'bad thing' >&2; exit 3`,
    );
    const result = await runDockerProcess(docker, ['login', 'cgr.dev', '$(touch x);'], 'the-token');
    expect(result).toEqual({ code: 3, stderr: 'bad thing\n' });
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe('the-token');
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('login\ncgr.dev\n$(touch x);\n');
  });

  it('ends a docker that does not answer, and says so', async () => {
    const started = Date.now();
    const result = await runDockerProcess(fakeDocker('sleep 30'), ['login'], 't', 200);
    expect(result).toEqual({ code: -1, stderr: 'no answer within 200ms' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('reports a docker that cannot be started', async () => {
    const result = await runDockerProcess('/nonexistent/docker', ['login'], 't');
    expect(result.code).toBe(-1);
    expect(result.stderr).toContain('ENOENT');
  });
});
