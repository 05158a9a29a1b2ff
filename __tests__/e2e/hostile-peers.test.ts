// Hostile ID-token endpoint, AWS STS and Chainguard STS (issue 14, finding 1): command sequences
// in every text they answer (error bodies, STS <Code>/<Message>, the assumed-role ARN, token
// claims, grpc-gateway messages) and redirects to another host. Each run: no foreign workflow
// command, no secret in clear, no foreign Markdown in the summary. Their trickled and huge answers
// (finding 5, 6) are rows of the fault matrix (fault-matrix.test.ts, "hostile pace and size").
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INJECTION, LEADING } from '../fixtures/hostile/kube-front.js';
import {
  startHostilePeer,
  stsErrorXml,
  stsSuccessXml,
  type HostilePeer,
  type PeerAnswer,
} from '../fixtures/hostile/http-peer.js';
import { startIssuer, type Issuer } from '../fixtures/issuer.js';
import { expectClean, expectFailure, secretsOf } from '../helpers/hostile.js';
import { runAction, type RunResult } from '../helpers/runner.js';

const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const IDENTITY = 'e'.repeat(40);
const REQUEST_TOKEN = `request-${randomBytes(16).toString('hex')}`;

let issuer: Issuer;
let peer: HostilePeer;
const minted: string[] = [];
const others: string[] = [REQUEST_TOKEN];
const runs: RunResult[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  peer = await startHostilePeer();
});
afterAll(async () => {
  await Promise.all([issuer.close(), peer.close()]);
});
afterEach(() => {
  for (const run of runs.splice(0)) rmSync(run.dirs.root, { recursive: true, force: true });
});

async function run(
  inputs: Record<string, string>,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<RunResult> {
  const result = await runAction({ inputs, env, timeoutMs });
  runs.push(result);
  return result;
}
const secrets = () => secretsOf([...issuer.issued, ...minted], [...others, issuer.requestToken]);
/** Answers in order; the last one repeats. */
function script(...answers: Array<PeerAnswer | (() => Promise<PeerAnswer>)>): void {
  let i = 0;
  peer.answer = () => {
    const next = answers[Math.min(i++, answers.length - 1)] as
      PeerAnswer | (() => Promise<PeerAnswer>);
    return typeof next === 'function' ? next() : next;
  };
}
async function mint(overrides: Record<string, unknown> = {}): Promise<string> {
  const token = await issuer.mint(overrides);
  minted.push(token);
  return token;
}
const json = (status: number, body: unknown): PeerAnswer => ({
  kind: 'answer',
  status,
  body: JSON.stringify(body),
});
/** Requests that carried a credential to the redirect target. */
const bearersAtTrap = () => peer.trapped.filter((r) => r.headers.authorization !== undefined);

describe('hostile ID-token endpoint (token mode)', () => {
  const tokenEnv = () => ({
    ACTIONS_ID_TOKEN_REQUEST_URL: `${peer.origin}/api/actions/_apis/pipelines/workflows/42/idtoken?placeholder=true`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
  });

  it('error bodies with command sequences (a retried 500, then a 403)', async () => {
    script(
      json(500, { message: `${LEADING}upstream failed${INJECTION}` }),
      json(403, { message: `${LEADING}missing scp generate_id_token${INJECTION}` }),
    );
    const result = await run({ mode: 'token' }, tokenEnv());
    expectFailure(result);
    expectClean(result, secrets());
  });

  it('token claims with command sequences (actor, workflow, ref)', async () => {
    const token = await mint({
      actor: `${LEADING}alice${INJECTION}`,
      workflow: `deploy${INJECTION}`,
      ref: `refs/heads/main${INJECTION}`,
    });
    script(json(200, { value: token }));
    const result = await run({ mode: 'token', 'show-claims': 'true' }, tokenEnv());
    expect(result.stdout).toMatch(/alice/);
    expectClean(result, secrets(), { outputs: ['id-token'] });
  });

  it('a redirect to another host: the request token does not follow', async () => {
    const trapped = peer.trapped.length;
    script({ kind: 'redirect' });
    const result = await run({ mode: 'token' }, tokenEnv());
    expectFailure(result);
    expect(bearersAtTrap().slice(0)).toHaveLength(0);
    expect(peer.trapped.length - trapped).toBe(0);
    expectClean(result, secrets());
  });
});

describe('hostile AWS STS', () => {
  const aws = () => ({
    'role-to-assume': ROLE,
    'aws-region': 'eu-west-1',
    'sts-endpoint': peer.origin,
  });
  const credentials = () => {
    const c = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(120).toString('base64')}`,
    };
    others.push(c.accessKeyId, c.secretAccessKey, c.sessionToken);
    return c;
  };
  const xml = (status: number, body: string): PeerAnswer => ({
    kind: 'answer',
    status,
    body,
    contentType: 'text/xml',
  });

  it('<Code> and <Message> with command sequences (a retried code, then a refusal)', async () => {
    script(
      xml(400, stsErrorXml('IDPCommunicationError', `${LEADING}idp down${INJECTION}`)),
      xml(
        403,
        stsErrorXml(`AccessDenied\n::stop-commands::x${INJECTION}`, `${LEADING}no${INJECTION}`),
      ),
    );
    const result = await run(aws(), issuer.env());
    expectFailure(result);
    expectClean(result, secrets());
  });

  it('a retried <Code> that is itself a command sequence', async () => {
    script(
      xml(400, stsErrorXml(`Throttling\n::stop-commands::x${INJECTION}`, 'Rate exceeded')),
      xml(400, stsErrorXml('AccessDenied', 'Not authorized')),
    );
    const result = await run(aws(), issuer.env());
    expectFailure(result);
    expectClean(result, secrets());
  });

  it('an assumed-role ARN with command sequences in a successful answer', async () => {
    const creds = credentials();
    script(
      xml(
        200,
        stsSuccessXml(
          `arn:aws:sts::111122223333:assumed-role/deploy/s\n::stop-commands::x${INJECTION}`,
          creds,
        ),
      ),
    );
    const result = await run(aws(), issuer.env());
    expectClean(result, secrets(), {
      exported: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'],
    });
  });
});

describe('hostile Chainguard STS', () => {
  const chainguard = () => ({
    'chainguard-identity': IDENTITY,
    'chainguard-issuer': peer.origin,
    'registry-login': 'false',
  });

  it('a grpc-gateway message with command sequences', async () => {
    script(json(403, { code: 7, message: `${LEADING}denied${INJECTION}`, details: [] }));
    const result = await run(chainguard(), issuer.env());
    expectFailure(result);
    expectClean(result, secrets());
  });

  it('a redirect to another host: the ID token does not follow', async () => {
    const trapped = peer.trapped.length;
    script({ kind: 'redirect', status: 307 });
    const result = await run(chainguard(), issuer.env());
    expectFailure(result);
    expect(peer.trapped.length - trapped).toBe(0);
    expectClean(result, secrets());
  });
});
