/* eslint-disable no-console -- a step of the CI self-test: it talks to the job log */
// Checks the kubeconfig the action wrote in kubernetes mode, as a later step of the job sees it:
//   node .github/self-test/check-kubeconfig.mjs PATH AUDIENCE
// PATH is the kubeconfig-path output. It must be $KUBECONFIG, private (0600 in a 0700 directory
// under RUNNER_TEMP, outside the workspace), hold no token, and its user must run the action's
// credential plugin, which (run here as kubectl would run it) hands over a fresh ID token of
// AUDIENCE. Nothing of the token is printed.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

const [path, audience] = process.argv.slice(2);
const failures = [];
const check = (ok, failure) => {
  if (!ok) failures.push(failure);
};
const inside = (p, dir) => {
  const rel = relative(resolve(dir), resolve(p));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

check(path && existsSync(path), `the kubeconfig-path output (${path}) is not a file`);
if (failures.length === 0) {
  check(process.env.KUBECONFIG === path, 'KUBECONFIG is not the kubeconfig-path output');
  check(
    inside(path, process.env.RUNNER_TEMP ?? '/nonexistent'),
    'the kubeconfig is not under RUNNER_TEMP',
  );
  check(
    !inside(path, process.env.GITHUB_WORKSPACE ?? '/nonexistent'),
    'the kubeconfig is in the workspace',
  );
  const mode = statSync(path).mode & 0o777;
  check(mode === 0o600, `the kubeconfig's mode is ${mode.toString(8)}, not 600`);
  const dirMode = statSync(dirname(path)).mode & 0o777;
  check(dirMode === 0o700, `its directory's mode is ${dirMode.toString(8)}, not 700`);

  const text = readFileSync(path, 'utf8');
  check(!/^\s*token:/m.test(text), 'the kubeconfig holds a token (refresh credentials hold none)');
  check(text.includes('apiVersion: client.authentication.k8s.io/v1'), 'no v1 exec plugin');
  check(/interactiveMode: Never/.test(text), 'the exec plugin is not interactiveMode: Never');
  const command = /^\s*command: (.+)$/m.exec(text)?.[1]?.trim();
  const script = /^\s*args:\s*\n\s*- (.+)$/m.exec(text)?.[1]?.trim();
  const env = Object.fromEntries(
    [...text.matchAll(/- name: (\S+)\s*\n\s*value: (.+)$/gm)].map((m) => [m[1], m[2].trim()]),
  );
  check(command && existsSync(command), `the plugin's command (${command}) does not exist`);
  // The bundle's credential plugin, beside the entry the runner started (dist/credential.js).
  check(
    script?.endsWith('/credential.js') && existsSync(script),
    `the plugin's script (${script}) is not the bundle's credential.js`,
  );

  if (failures.length === 0) {
    // What kubectl does: run the plugin with the step's environment, the plugin's env and
    // KUBERNETES_EXEC_INFO, and read an ExecCredential from its stdout.
    const out = execFileSync(command, [script], {
      env: {
        ...process.env,
        ...env,
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          spec: { interactive: false },
        }),
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const credential = JSON.parse(out);
    const token = credential.status?.token ?? '';
    check(credential.kind === 'ExecCredential', 'the plugin did not answer an ExecCredential');
    check(token.split('.').length === 3, 'the plugin handed over no JWT');
    const claims = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}',
    );
    const aud = [claims.aud].flat();
    check(aud.includes(audience), `the plugin's token has aud ${aud.join(', ')}, not ${audience}`);
    check(
      Date.parse(credential.status?.expirationTimestamp ?? '') > Date.now(),
      'the ExecCredential has no expiry in the future',
    );
  }
}

if (failures.length > 0) {
  for (const failure of failures) console.log(`::error::${failure}`);
  process.exit(1);
}
console.log(
  `${path}: 0600 under RUNNER_TEMP, refresh credentials; the plugin minted a token for ${audience}.`,
);
