// Chainguard mode, end to end: the bundled action against the local issuer and the local
// Chainguard STS (docs/wire-formats.md, 4), with no docker, a fake docker that records what it
// gets, and the real docker CLI against a local registry.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startChainguardSts,
  startRegistry,
  type ChainguardSts,
  type TestRegistry,
} from '../fixtures/chainguard-sts.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { findLeaks, jwtSecrets, maskedValues } from '../helpers/leaks.js';
import { errorAnnotations, runAction, runPost, type RunResult } from '../helpers/runner.js';
import { tempDir } from '../helpers/temp.js';

const IDENTITY = `${'a1'.repeat(20)}/${'b2'.repeat(8)}`;
const WRONG_AUDIENCE = `${'a1'.repeat(20)}/${'c3'.repeat(8)}`;
const WRONG_SUBJECT = `${'a1'.repeat(20)}/${'d4'.repeat(8)}`;
const UNKNOWN = `${'a1'.repeat(20)}/${'e5'.repeat(8)}`;

/** A PATH with nothing on it: no docker, so the action must write a Docker config. */
const NO_DOCKER = tempDir('oidc-deploy-nodocker-');

let issuer: Issuer;
let sts: ChainguardSts;

beforeAll(async () => {
  issuer = await startIssuer({ shape: 'forgejo' });
  sts = await startChainguardSts({
    identities: {
      [IDENTITY]: { issuer: issuer.issuer, subject: issuer.subject },
      [WRONG_AUDIENCE]: {
        issuer: issuer.issuer,
        subject: issuer.subject,
        audience: 'https://other.example',
      },
      [WRONG_SUBJECT]: { issuer: issuer.issuer, subject: 'repo:org/other:ref:refs/heads/main' },
    },
  });
});
afterAll(async () => {
  await sts.close();
  await issuer.close();
});

function run(inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runAction({
    inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': sts.origin, ...inputs },
    env: { ...issuer.env(), PATH: NO_DOCKER, ...env },
  });
}

/** Every file under `dir` whose content holds one of `secrets`, except the allowed paths. */
function filesHolding(dir: string, secrets: string[], allowed: string[]): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !allowed.includes(path)) {
        const text = readFileSync(path, 'utf8');
        if (secrets.some((s) => text.includes(s))) found.push(path);
      }
    }
  };
  walk(dir);
  return found;
}

function basicAuth(token: string): string {
  return Buffer.from(`_token:${token}`).toString('base64');
}

describe('chainguard mode: success', () => {
  let main: RunResult;
  let token: string;
  let idToken: string;

  beforeAll(async () => {
    const before = sts.issued.length;
    const tokensBefore = issuer.issued.length;
    main = await run();
    token = sts.issued[before] as string;
    idToken = issuer.issued[tokensBefore] as string;
  });

  it('exchanges the ID token (form body, bearer, aud and identity) and outputs the token', () => {
    expect(main.code, main.stdout + main.stderr).toBe(0);
    // The ID token was requested for the identity's audience.
    expect(issuer.requests.at(-1)?.audience).toBe('issuer.enforce.dev');
    const request = sts.requests.at(-1);
    expect(request).toMatchObject({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      aud: ['cgr.dev'],
      identity: IDENTITY,
      bearer: true,
      status: 200,
    });
    expect(main.outputs['chainguard-token']).toBe(token);
    const exp = decodeJwt(token).exp as number;
    expect(main.outputs['chainguard-token-expiration']).toBe(new Date(exp * 1000).toISOString());
    expect(main.summary).toContain(`| identity | ${IDENTITY} |`);
    expect(main.summary).toContain('| registry | cgr.dev (docker-config) |');
  });

  it('masks the token, its signature and the refresh token before printing anything else', () => {
    const masks = maskedValues(main);
    expect(masks).toContain(token);
    expect(masks).toContain(token.split('.')[2]);
    expect(masks).toContain(sts.refreshTokens.at(-1));
    expect(main.stdout.indexOf(`::add-mask::${token}`)).toBeLessThan(
      main.stdout.indexOf('Chainguard token for cgr.dev issued'),
    );
  });

  it('leaks the token nowhere but the output and the Docker config file', () => {
    const secrets = [
      ...jwtSecrets(token),
      ...jwtSecrets(idToken),
      basicAuth(token),
      sts.refreshTokens.at(-1) as string,
    ];
    expect(findLeaks(main, secrets, { outputs: ['chainguard-token'] })).toEqual([]);
    const config = join(main.exported['DOCKER_CONFIG'] as string, 'config.json');
    expect(filesHolding(main.dirs.root, secrets, [main.dirs.outputFile, config])).toEqual([]);
  });
});

describe('chainguard mode: refusals', () => {
  it.each([
    [401, WRONG_AUDIENCE, 'UNAUTHENTICATED', 'JWT validation failed'],
    [403, WRONG_SUBJECT, 'PERMISSION_DENIED', 'token does not match the identity'],
    [404, UNKNOWN, 'NOT_FOUND', 'not found'],
  ])(
    'explains HTTP %i with the claims and a chainguard_identity that would accept them',
    async (status, identity, grpcName, message) => {
      const before = sts.requests.length;
      const main = await run({ 'chainguard-identity': identity });
      expect(main.code).toBe(1);
      expect(sts.requests.length - before).toBe(1); // a refusal is never retried
      expect(sts.requests.at(-1)?.status).toBe(status);
      const errors = errorAnnotations(main);
      expect(errors).toHaveLength(1);
      const error = errors[0] as string;
      expect(error).toContain(`HTTP ${status}, ${grpcName}`);
      expect(error).toContain(message);
      expect(error).toContain(`iss: ${issuer.issuer}`);
      expect(error).toContain(`sub: ${issuer.subject}`);
      expect(error).toContain('aud: issuer.enforce.dev');
      expect(error).toContain('resource "chainguard_identity" "ci" {');
      expect(error).toContain(`parent_id = "${'a1'.repeat(20)}"`);
      expect(error).toMatch(
        new RegExp(
          `claim_match \\{\\n\\s+issuer\\s+= "${issuer.issuer}"\\n\\s+subject\\s+= "${issuer.subject}"\\n\\s+audience = "issuer.enforce.dev"`,
        ),
      );
      if (status === 404) expect(error).toContain('chainctl iam identities list');
      expect(main.outputs['chainguard-token']).toBeUndefined();
      expect(main.exported['DOCKER_CONFIG']).toBeUndefined();
      expect(main.stdout + main.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it('retries a 503 and succeeds on the second attempt', async () => {
    const before = sts.requests.length;
    sts.faults.push({ status: 503, code: 14, message: 'upstream unavailable' });
    const main = await run({ 'registry-login': 'false' });
    expect(main.code, main.stdout).toBe(0);
    expect(sts.requests.length - before).toBe(2);
    expect(main.stdout).toMatch(/HTTP 503 \(upstream unavailable\); retrying in \d+ ms/);
    expect(main.outputs['chainguard-token']).toBe(sts.issued.at(-1));
  });

  it('does not follow a redirect: the other host sees no request', async () => {
    const before = sts.requests.length;
    sts.faults.push({ kind: 'redirect' });
    const main = await run();
    expect(main.code).toBe(1);
    expect(sts.requests.length - before).toBe(1);
    expect(sts.redirectTrap).toEqual([]);
    expect(errorAnnotations(main)[0]).toMatch(
      /answered HTTP 307, a redirect to http:\/\/127\.0\.0\.1:\d+; it was not followed/,
    );
  });

  it('reads the expiry from the JWT when the STS sends none', async () => {
    sts.sendExpiry = false;
    try {
      const main = await run({ 'registry-login': 'false' });
      expect(main.code, main.stdout).toBe(0);
      const exp = decodeJwt(sts.issued.at(-1) as string).exp as number;
      expect(main.outputs['chainguard-token-expiration']).toBe(new Date(exp * 1000).toISOString());
    } finally {
      sts.sendExpiry = true;
    }
  });
});

describe('chainguard mode: registry login', () => {
  it('without docker writes a 0600 Docker config merged with the existing one; post removes it', async () => {
    const dirs = (await import('../helpers/runner.js')).makeRunnerDirs();
    const existingDir = join(dirs.home, '.docker');
    mkdirSync(join(existingDir, 'cli-plugins'), { recursive: true });
    const existing = {
      auths: { 'ghcr.io': { auth: 'Z2hjcjpzZWNyZXQ=' }, 'cgr.dev': { auth: 'b2xkOm9sZA==' } },
      credsStore: 'desktop',
      credHelpers: { 'gcr.io': 'gcloud', 'cgr.dev': 'cgr' },
      proxies: { default: { httpProxy: 'http://proxy.example:3128' } },
    };
    const existingText = JSON.stringify(existing);
    writeFileSync(join(existingDir, 'config.json'), existingText);

    const before = sts.issued.length;
    const main = await runAction({
      dirs,
      inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': sts.origin },
      env: { ...issuer.env(), PATH: NO_DOCKER },
    });
    expect(main.code, main.stdout).toBe(0);
    const token = sts.issued[before] as string;
    const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
    expect(dockerConfig.startsWith(dirs.temp)).toBe(true);
    const configPath = join(dockerConfig, 'config.json');
    expect(statSync(configPath).mode & 0o777).toBe(0o600);
    expect(statSync(dockerConfig).mode & 0o777).toBe(0o700);
    const written = JSON.parse(readFileSync(configPath, 'utf8')) as typeof existing;
    expect(written).toEqual({
      auths: { 'ghcr.io': { auth: 'Z2hjcjpzZWNyZXQ=' }, 'cgr.dev': { auth: basicAuth(token) } },
      credsStore: 'desktop',
      // cgr.dev is routed to the file: docker asks helpers before auths.
      credHelpers: { 'gcr.io': 'gcloud', 'cgr.dev': '' },
      proxies: { default: { httpProxy: 'http://proxy.example:3128' } },
    });
    // cli-plugins (buildx...) stay reachable through the new DOCKER_CONFIG.
    expect(readlinkSync(join(dockerConfig, 'cli-plugins'))).toBe(join(existingDir, 'cli-plugins'));
    // The original is untouched.
    expect(readFileSync(join(existingDir, 'config.json'), 'utf8')).toBe(existingText);
    expect(main.state['docker-logout']).toBeUndefined();
    expect(main.stdout).toContain(`Wrote the cgr.dev credentials to ${configPath}`);

    const post = await runPost(main, { env: { PATH: NO_DOCKER } });
    expect(post.code).toBe(0);
    expect(existsSync(dockerConfig)).toBe(false);
    // Later post steps get docker's default config back.
    expect(post.exported['DOCKER_CONFIG']).toBe('');
    // Removing the link did not remove what it pointed to.
    expect(lstatSync(join(existingDir, 'cli-plugins')).isDirectory()).toBe(true);
    expect(readFileSync(join(existingDir, 'config.json'), 'utf8')).toBe(existingText);
  });

  it.skipIf(!whichDocker())(
    'the written config is what the real docker CLI reads for cgr.dev',
    async () => {
      const main = await run();
      expect(main.code, main.stdout).toBe(0);
      const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
      // With stored credentials docker login reads them before it needs a daemon or the registry.
      const probe = spawnSync(whichDocker() as string, ['login', 'cgr.dev'], {
        env: { PATH: '/usr/bin:/bin', HOME: main.dirs.home, DOCKER_CONFIG: dockerConfig },
        input: '',
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(probe.stdout + probe.stderr).toContain(
        'Authenticating with existing credentials... [Username: _token]',
      );
    },
  );

  it('with docker on PATH logs in with the password on stdin only, in a private Docker config; post deletes it', async () => {
    const fake = fakeDocker(0);
    const before = sts.issued.length;
    const main = await run({}, { PATH: `${fake.dir}:/usr/bin:/bin` });
    expect(main.code, main.stdout).toBe(0);
    const token = sts.issued[before] as string;
    expect(fake.calls()).toEqual([
      ['login', 'cgr.dev', '--username', '_token', '--password-stdin'],
    ]);
    expect(fake.stdin()).toBe(token);
    const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
    // docker logged in to the job's own config (no credential helper to ask), not ~/.docker.
    expect(fake.dockerConfig()).toBe(dockerConfig);
    expect(dockerConfig.startsWith(main.dirs.temp)).toBe(true);
    expect(main.state['docker-logout']).toBeUndefined();
    expect(main.summary).toContain('| registry | cgr.dev (docker) |');
    expect(
      findLeaks(main, [...jwtSecrets(token), basicAuth(token)], {
        outputs: ['chainguard-token'],
      }),
    ).toEqual([]);

    const post = await runPost(main, { env: { PATH: `${fake.dir}:/usr/bin:/bin` } });
    expect(post.code).toBe(0);
    expect(fake.calls()).toHaveLength(1); // no docker in the post step: the config goes
    expect(existsSync(dockerConfig)).toBe(false);
    expect(post.exported['DOCKER_CONFIG']).toBe('');
  });

  it('keeps the written Docker config, with a warning, when docker login fails', async () => {
    const fake = fakeDocker(1, 'Error response from daemon: login attempt failed');
    const custom = tempDir('oidc-deploy-dockerconfig-');
    writeFileSync(join(custom, 'config.json'), '{"auths":{"quay.io":{"auth":"cXVheTpx"}}}');
    const env = { PATH: `${fake.dir}:/usr/bin:/bin`, DOCKER_CONFIG: custom };
    const main = await run({}, env);
    expect(main.code, main.stdout).toBe(0);
    expect(fake.calls()).toHaveLength(1);
    expect(main.stdout).toMatch(
      /::warning::docker login cgr.dev exited with 1 \(Error response from daemon: login attempt failed\); the credentials are in .*config\.json \(DOCKER_CONFIG for the next steps\), unchecked by the registry\./,
    );
    expect(main.summary).toContain('| registry | cgr.dev (docker-config) |');
    const config = JSON.parse(
      readFileSync(join(main.exported['DOCKER_CONFIG'] as string, 'config.json'), 'utf8'),
    ) as { auths: Record<string, { auth: string }> };
    expect(config.auths).toEqual({
      'quay.io': { auth: 'cXVheTpx' },
      'cgr.dev': { auth: basicAuth(main.outputs['chainguard-token'] as string) },
    });
    const post = await runPost(main, { env });
    expect(post.exported['DOCKER_CONFIG']).toBe(custom);
    expect(post.stdout).toContain(`Restored DOCKER_CONFIG to ${custom}`);
    expect(fake.calls()).toHaveLength(1);
  });

  it('registry-login: false only exchanges', async () => {
    const fake = fakeDocker(0);
    const main = await run({ 'registry-login': 'false' }, { PATH: `${fake.dir}:/usr/bin:/bin` });
    expect(main.code, main.stdout).toBe(0);
    expect(main.outputs['chainguard-token']).toBe(sts.issued.at(-1));
    expect(fake.calls()).toEqual([]);
    expect(main.exported['DOCKER_CONFIG']).toBeUndefined();
    expect(main.state['docker-logout']).toBeUndefined();
    expect(main.state['credential-dirs']).toBeUndefined();
    expect(main.summary).toContain('| registry | no login |');
  });

  it('does not log in for an API audience', async () => {
    const fake = fakeDocker(0);
    const main = await run(
      { 'chainguard-audience': 'https://console-api.enforce.dev' },
      { PATH: `${fake.dir}:/usr/bin:/bin` },
    );
    expect(main.code, main.stdout).toBe(0);
    expect(sts.requests.at(-1)?.aud).toEqual(['https://console-api.enforce.dev']);
    expect(decodeJwt(main.outputs['chainguard-token'] as string).aud).toBe(
      'https://console-api.enforce.dev',
    );
    expect(fake.calls()).toEqual([]);
    expect(main.exported['DOCKER_CONFIG']).toBeUndefined();
    expect(main.stdout).toContain('is not a registry host');
  });

  it.skipIf(!process.env['OIDC_DEPLOY_NODE24'])('runs on Node 24 too', async () => {
    const node = process.env['OIDC_DEPLOY_NODE24'] as string;
    const main = await runAction({
      node,
      inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': sts.origin },
      env: { ...issuer.env(), PATH: NO_DOCKER },
    });
    expect(main.code, main.stdout + main.stderr).toBe(0);
    const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
    expect(existsSync(join(dockerConfig, 'config.json'))).toBe(true);
    const post = await runPost(main, { node, env: { PATH: NO_DOCKER } });
    expect(post.code).toBe(0);
    expect(existsSync(dockerConfig)).toBe(false);
  });

  describe.skipIf(!whichDocker())('with the real docker CLI and a local registry', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startRegistry();
      registry.accept = (password) => sts.issued.includes(password);
      sts.identities.set(IDENTITY, { issuer: issuer.issuer, subject: issuer.subject });
    });
    afterAll(() => registry.close());

    it('docker login reaches the registry with the token, in the private Docker config; post deletes it', async () => {
      const docker = whichDocker() as string;
      const path = `${dirname(docker)}:/usr/bin:/bin`;
      const before = sts.issued.length;
      const main = await run({ 'chainguard-audience': registry.host }, { PATH: path });
      expect(main.code, main.stdout).toBe(0);
      const token = sts.issued[before] as string;
      expect(decodeJwt(token).aud).toBe(registry.host);
      expect(registry.logins).toContain(`_token:${token}`);
      expect(main.summary).toContain(`| registry | ${registry.host} (docker) |`);
      const dockerConfig = main.exported['DOCKER_CONFIG'] as string;
      const stored = join(dockerConfig, 'config.json');
      expect(readFileSync(stored, 'utf8')).toContain(basicAuth(token));
      expect(statSync(stored).mode & 0o777).toBe(0o600);
      // The job's own ~/.docker is left alone.
      expect(existsSync(join(main.dirs.home, '.docker', 'config.json'))).toBe(false);
      expect(
        findLeaks(main, [...jwtSecrets(token), basicAuth(token)], {
          outputs: ['chainguard-token'],
        }),
      ).toEqual([]);

      const post = await runPost(main, { env: { PATH: path } });
      expect(post.code).toBe(0);
      expect(existsSync(dockerConfig)).toBe(false);
    });
  });
});

function whichDocker(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** A `docker` that records each call's argv (one JSON array per line) and login's stdin. */
function fakeDocker(loginExitCode: number, loginStderr = '') {
  const dir = tempDir('oidc-deploy-fakedocker-');
  const script = [
    '#!/bin/sh',
    `log='${join(dir, 'calls')}'`,
    'sep=""; printf "[" >> "$log"',
    'for a in "$@"; do printf \'%s"%s"\' "$sep" "$a" >> "$log"; sep=","; done',
    'printf "]\\n" >> "$log"',
    'if [ "$1" = login ]; then',
    `  /bin/cat > '${join(dir, 'stdin')}'`,
    `  printf '%s' "$DOCKER_CONFIG" > '${join(dir, 'docker-config')}'`,
    loginStderr ? `  echo '${loginStderr}' >&2` : '  echo "Login Succeeded"',
    `  exit ${loginExitCode}`,
    'fi',
    'exit 0',
  ].join('\n');
  writeFileSync(join(dir, 'docker'), `${script}\n`);
  chmodSync(join(dir, 'docker'), 0o755);
  return {
    dir,
    calls: (): string[][] =>
      existsSync(join(dir, 'calls'))
        ? readFileSync(join(dir, 'calls'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[])
        : [],
    stdin: () => readFileSync(join(dir, 'stdin'), 'utf8'),
    dockerConfig: () => readFileSync(join(dir, 'docker-config'), 'utf8'),
  };
}
