// Every refusal of the AKS path as the user reads it: Entra's AADSTS codes (with the federated
// credential commands built from the token's own iss, sub and aud), ARM's refusals of
// listClusterUserCredential, and the cluster's 401/403. Table-driven; the wire shapes are the
// fixtures' (docs/wire-formats.md, 2e), the e2e test sees the same through the bundle.
import { describe, expect, it } from 'vitest';
import { ActionError } from '../../../src/base/errors.js';
import { ArmRefusal } from '../../../src/kubernetes/sources/aks/arm.js';
import { EntraRefusal, refusalOf, trimTrailer } from '../../../src/kubernetes/sources/aks/entra.js';
import {
  credentialName,
  explainEntraRefusal,
  type EntraContext,
} from '../../../src/kubernetes/sources/aks/explain-entra.js';
import {
  clusterExplanations,
  explainArmRefusal,
  type AksContext,
} from '../../../src/kubernetes/sources/aks/explain.js';
import type { AksSettings } from '../../../src/kubernetes/sources/aks/settings.js';
import { KubeApiError } from '../../../src/kubernetes/api/client.js';
import { explainApiError } from '../../../src/kubernetes/explain.js';
import type { Claims } from '../../../src/oidc/claims.js';

const CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const OID = '0d1c2b3a-4f5e-4d6c-8b7a-9f8e7d6c5b4a';
const SUB = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const GITHUB = 'https://token.actions.githubusercontent.com';
const FORGEJO = 'https://forgejo.example.com/api/actions';
const CLUSTER_ID = `/subscriptions/${SUB}/resourceGroups/prod-rg/providers/Microsoft.ContainerService/managedClusters/prod`;

function claims(iss: string, sub: string, aud = 'api://AzureADTokenExchange'): Claims {
  return { iss, sub, aud: [aud], exp: 2_000_000_000, extra: {} };
}

function entraContext(
  c: Claims,
  audience: string | undefined = 'api://AzureADTokenExchange',
): EntraContext {
  return {
    clientId: CLIENT,
    tenantId: TENANT,
    authorityHost: 'https://login.microsoftonline.com',
    claims: c,
    audience,
  };
}

/** An Entra error body as the service sends it (the fixture's errors.ts has the same shape). */
function entraBody(code: number, error: string, text: string) {
  return {
    error,
    error_description: `AADSTS${code}: ${text} Trace ID: 11111111-1111-1111-1111-111111111111 Correlation ID: 22222222-2222-2222-2222-222222222222 Timestamp: 2026-12-07 10:00:00Z`,
    error_codes: [code],
    timestamp: '2026-12-07 10:00:00Z',
    trace_id: '11111111-1111-1111-1111-111111111111',
    correlation_id: '22222222-2222-2222-2222-222222222222',
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

function refusal(
  code: number,
  error = 'invalid_client',
  text = 'Something.',
  scope = 'https://management.azure.com/.default',
) {
  const made = refusalOf(
    { status: error === 'invalid_client' ? 401 : 400, body: entraBody(code, error, text) },
    scope,
    'eyJ.x.y',
  );
  if (!made) throw new Error('not a refusal');
  return made;
}

function text(error: unknown): string {
  expect(error).toBeInstanceOf(ActionError);
  const e = error as ActionError;
  return `${e.message}\n${e.hint ?? ''}`;
}

describe("Entra's error body", () => {
  it('is read into the code, the error, the description without its trailer, and the ids', () => {
    const r = refusal(
      700213,
      'invalid_client',
      "No matching federated identity record found for presented assertion subject 'repo:o/a:ref:refs/heads/main'.",
    );
    expect(r).toBeInstanceOf(EntraRefusal);
    expect(r.code).toBe(700213);
    expect(r.error).toBe('invalid_client');
    expect(r.description).toBe(
      "No matching federated identity record found for presented assertion subject 'repo:o/a:ref:refs/heads/main'.",
    );
    expect(r.said).toBe(
      'Entra ID: AADSTS700213 (invalid_client), "No matching federated identity record found for presented assertion subject \'repo:o/a:ref:refs/heads/main\'.", trace id 11111111-1111-1111-1111-111111111111, correlation id 22222222-2222-2222-2222-222222222222',
    );
  });

  it('is not a refusal without an error (an answer of something else)', () => {
    expect(refusalOf({ status: 404, body: { message: 'not found' } }, 's', 't')).toBeUndefined();
    expect(refusalOf({ status: 404, body: null }, 's', 't')).toBeUndefined();
  });

  it('takes the code from the description when error_codes is missing, and escapes what it quotes', () => {
    const r = refusalOf(
      {
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'AADSTS90002: Tenant\n::warning::x not found.\r\nTrace ID: 1',
        },
      },
      's',
      't',
    );
    expect(r?.code).toBe(90002);
    expect(r?.description).toBe('Tenant\\n::warning::x not found.');
  });

  it.each([
    [
      'Entra, spaces',
      'AADSTS700024: Client assertion is not within its valid time range. Trace ID: a Correlation ID: b Timestamp: c',
      'Client assertion is not within its valid time range.',
    ],
    [
      'Entra, CRLF (older answers)',
      'AADSTS700016: Application not found.\r\nTrace ID: a\r\nCorrelation ID: b',
      'Application not found.',
    ],
    [
      'MSAL ServerError message',
      'Error(s): 700213 - Timestamp: 2026-12-07 10:00:00Z - Description: AADSTS700213: No match. Trace ID: a Correlation ID: b Timestamp: c - Correlation ID: b - Trace ID: a',
      'No match.',
    ],
  ])('trims the trailer (%s)', (_name, description, trimmed) => {
    expect(trimTrailer(description)).toBe(trimmed);
  });
});

describe('AADSTS explanations', () => {
  const token = claims(GITHUB, 'repo:org/app:ref:refs/heads/main');
  // code, error, what the message must say, what the hint must say
  it.each<[number, string, RegExp, RegExp[]]>([
    [
      700211,
      'invalid_client',
      /no federated identity credential for the ID token's issuer on application or managed identity c1a2b3c4/,
      [/az ad app federated-credential create --id c1a2b3c4/],
    ],
    [
      70021,
      'invalid_client',
      /for the ID token's issuer/,
      [/az identity federated-credential create/],
    ],
    [
      700213,
      'invalid_client',
      /for the ID token's subject/,
      [/Each branch, environment or pull-request event gets its own sub/],
    ],
    [
      7002138,
      'invalid_client',
      /differs from the ID token's subject only in letter case/,
      [/case-sensitively/, /delete the old one/],
    ],
    [
      700212,
      'invalid_client',
      /for the ID token's audience/,
      [/must list api:\/\/AzureADTokenExchange/, /set input "audience"/],
    ],
    [
      700016,
      'unauthorized_client',
      /^Input "azure-client-id": Entra ID has no application or managed identity c1a2b3c4.* in tenant 4d1e2f3a/,
      [/not an object id/, /az identity show/],
    ],
    [
      700024,
      'invalid_client',
      /outside its validity period/,
      [/exp is 2033-05-18T03:33:20.000Z/, /NTP/],
    ],
    [
      90002,
      'invalid_request',
      /^Input "azure-tenant-id": Entra ID at login.microsoftonline.com has no tenant "4d1e2f3a/,
      [/azure-environment/],
    ],
    [
      700027,
      'invalid_client',
      /could not verify the ID token with its issuer's keys/,
      [/\.well-known\/openid-configuration/],
    ],
    [50166, 'invalid_client', /could not verify the ID token/, [/publicly reachable/]],
    [
      500011,
      'invalid_resource',
      /has no resource https:\/\/management.azure.com in tenant/,
      [/azure-environment/],
    ],
    [
      9999999,
      'invalid_grant',
      /Entra ID refused a token for https:\/\/management.azure.com\/.default to application or managed identity c1a2b3c4.*HTTP 400/,
      [/error\?code=N/],
    ],
  ])('AADSTS%i', (code, error, message, hints) => {
    const explained = explainEntraRefusal(refusal(code, error), entraContext(token));
    expect(explained.message).toMatch(message);
    expect(explained.message).toContain(`AADSTS${code}`);
    for (const hint of hints) expect(explained.hint).toMatch(hint);
  });

  it('builds both federated credential commands from the exact iss, sub and aud', () => {
    const hint = explainEntraRefusal(refusal(700213), entraContext(token)).hint ?? '';
    expect(hint).toContain(
      `az ad app federated-credential create --id ${CLIENT} --parameters '{"name":"repo-org-app-ref-refs-heads-main","issuer":"${GITHUB}","subject":"repo:org/app:ref:refs/heads/main","audiences":["api://AzureADTokenExchange"]}'`,
    );
    expect(hint).toContain(
      `az identity federated-credential create --resource-group IDENTITY_RG --identity-name IDENTITY_NAME --name repo-org-app-ref-refs-heads-main --issuer ${GITHUB} --subject repo:org/app:ref:refs/heads/main --audiences api://AzureADTokenExchange`,
    );
  });

  it('quotes a subject with a quote or a space for the shell', () => {
    const odd = claims(GITHUB, "repo:org/app:environment:it's prod");
    const hint = explainEntraRefusal(refusal(700213), entraContext(odd)).hint ?? '';
    expect(hint).toContain(`--subject 'repo:org/app:environment:it'\\''s prod'`);
    expect(hint).toContain(`"subject":"repo:org/app:environment:it'\\''s prod"`);
  });

  it.each([
    [
      GITHUB,
      'repo:org@1234567/app@89012345:ref:refs/heads/main',
      /with their ids \(repo:OWNER@ID\/REPO@ID/,
    ],
    [FORGEJO, 'repo:org-12/app-345:ref:refs/heads/main', /Forgejo v16's id-based form/],
    [
      FORGEJO,
      'repo:org/app:ref:refs/heads/main',
      /by name: a credential made for an id-based form/,
    ],
  ])('says which subject form a %s token has (%s)', (iss, sub, says) => {
    const hint = explainEntraRefusal(refusal(700213), entraContext(claims(iss, sub))).hint ?? '';
    expect(hint).toMatch(
      new RegExp(`^  sub  ${sub.replace(/[.*+?^${}()|[\]\\/@]/g, '\\$&')}$`, 'm'),
    );
    expect(hint).toMatch(says);
  });

  it('the audience is the requested one the token carries, else its first', () => {
    const multi: Claims = { ...token, aud: ['api://One', 'api://Two'] };
    expect(explainEntraRefusal(refusal(700212), entraContext(multi, 'api://Two')).hint).toContain(
      '"audiences":["api://Two"]',
    );
    expect(explainEntraRefusal(refusal(700212), entraContext(multi, undefined)).hint).toContain(
      '"audiences":["api://One"]',
    );
  });

  it.each([
    ['repo:org/app:ref:refs/heads/main', 'repo-org-app-ref-refs-heads-main'],
    ['repo:org@1/app@2:pull_request', 'repo-org-1-app-2-pull_request'],
    ['::', 'github-actions'],
    ['x'.repeat(200), 'x'.repeat(120)],
  ])('names a credential after sub %s', (sub, name) => {
    expect(credentialName(sub)).toBe(name);
  });

  it('never prints a workflow command from a hostile subject', () => {
    const hostile = claims(GITHUB, 'repo:o/a:ref:refs/heads/x\n::set-env name=X::y');
    const shown = text(explainEntraRefusal(refusal(700213), entraContext(hostile)));
    expect(shown.split('\n').some((line) => /^\s*::/.test(line))).toBe(false);
  });
});

const settings: AksSettings = {
  cluster: 'prod',
  resourceGroup: 'prod-rg',
  subscriptionId: SUB,
  clientId: CLIENT,
  tenantId: TENANT,
  environment: 'AzureCloud',
  authorityHost: 'https://login.microsoftonline.com',
  customAuthority: false,
  resourceManager: 'https://management.azure.com',
  resourceManagerScope: 'https://management.azure.com/.default',
};
const context: AksContext = { settings, objectId: OID, tokenTenant: TENANT, namespace: 'shop' };

describe('ARM explanations', () => {
  it.each<[string, number, RegExp, RegExp[]]>([
    [
      'AuthorizationFailed',
      403,
      /^The identity 0d1c2b3a.* may not list the user credentials of AKS cluster "prod" in resource group "prod-rg" of subscription 5e6f7a8b/,
      [
        new RegExp(
          `az role assignment create --assignee-object-id ${OID} --assignee-principal-type ServicePrincipal --role "Azure Kubernetes Service Cluster User Role" --scope ${CLUSTER_ID}$`,
          'm',
        ),
        /ARM checks the role before it checks that the cluster exists/,
        /az aks list --subscription 5e6f7a8b/,
      ],
    ],
    [
      'ResourceNotFound',
      404,
      /^Input "aks-cluster": ARM has no AKS cluster "prod" in resource group "prod-rg"/,
      [/az aks list/],
    ],
    [
      'ResourceGroupNotFound',
      404,
      /^Input "azure-resource-group": subscription 5e6f7a8b.* has no resource group "prod-rg"/,
      [/az aks list/],
    ],
    [
      'SubscriptionNotFound',
      404,
      /^Input "azure-subscription-id": ARM has no subscription/,
      [/az account list/],
    ],
    [
      'InvalidAuthenticationTokenTenant',
      401,
      /^Input "azure-tenant-id": subscription .* is not in tenant 4d1e2f3a/,
      [/tenantId/],
    ],
    [
      'InvalidAuthenticationTokenAudience',
      401,
      /did not accept the Entra token for https:\/\/management.azure.com\/.default/,
      [/"azure-environment" \(AzureCloud\)/],
    ],
    [
      'Conflict',
      409,
      /^ARM refused listClusterUserCredential for AKS cluster "prod" \(ARM: Conflict, "m"; HTTP 409\)/,
      [],
    ],
  ])('%s', (code, status, message, hints) => {
    const explained = explainArmRefusal(new ArmRefusal(code, 'm', status, undefined), context);
    expect(explained.message).toMatch(message);
    expect(explained.message).toContain(`ARM: ${code}`);
    for (const hint of hints) expect(explained.hint).toMatch(hint);
  });

  it('without the object id (an opaque ARM token) the command has a placeholder', () => {
    const explained = explainArmRefusal(new ArmRefusal('AuthorizationFailed', 'm', 403, 'r1'), {
      ...context,
      objectId: undefined,
    });
    expect(explained.hint).toContain('--assignee-object-id OBJECT_ID');
    expect(explained.message).toContain('request id r1');
  });
});

describe("the cluster's refusals", () => {
  const api401 = new KubeApiError(
    'get',
    '/apis/apps/v1/namespaces/shop/deployments/web',
    401,
    undefined,
  );
  const api403 = new KubeApiError('get', '/apis/apps/v1/namespaces/shop/deployments/web', 403, {
    message: `deployments.apps "web" is forbidden: User "${OID}" cannot get resource "deployments" in API group "apps" in the namespace "shop"`,
  } as never);
  const explain = (
    error: KubeApiError,
    explanations = clusterExplanations(context, 'entra', TENANT),
  ) =>
    text(
      explainApiError(error, 'read deployment/web', {
        namespace: 'shop',
        kinds: ['deployment'],
        explanations,
      }),
    );

  it('a 401: what AKS checks, for this token', () => {
    const shown = explain(api401);
    expect(shown).toContain(
      `The AKS cluster "prod" did not accept the Entra token of object id ${OID} (401 Unauthorized) when asked to read deployment/web.`,
    );
    expect(shown).toContain('aud 6dae42f8-4368-4678-94ff-3960e28e3630');
    expect(shown).toContain(
      'az aks update --resource-group prod-rg --name prod --enable-aad --enable-azure-rbac',
    );
    expect(shown).toContain(`the token is from tenant ${TENANT}; it must be the cluster's`);
  });

  it('a 401 from a cluster of another tenant names both tenants', () => {
    const shown = explain(
      api401,
      clusterExplanations(context, 'entra', 'ffffffff-1111-4222-8333-444444444444'),
    );
    expect(shown).toContain(
      `the token is from tenant ${TENANT}, the cluster's Entra integration is tenant ffffffff-1111-4222-8333-444444444444`,
    );
  });

  it("a 401 with a local account's token", () => {
    const shown = explain(api401, clusterExplanations(context, 'local', undefined));
    expect(shown).toContain("did not accept its local account's token (401 Unauthorized)");
    expect(shown).toContain('az aks rotate-certs');
  });

  it('a 403: the RoleBinding for the object id, then the Azure RBAC role assignment on the namespace', () => {
    const shown = explain(api403);
    expect(shown).toContain(`name: ${OID}`);
    expect(shown.indexOf(`name: ${OID}`)).toBeLessThan(shown.indexOf('Azure RBAC for Kubernetes'));
    expect(shown).toContain(
      `az role assignment create --assignee-object-id ${OID} --assignee-principal-type ServicePrincipal --role "Azure Kubernetes Service RBAC Writer" --scope ${CLUSTER_ID}/namespaces/shop`,
    );
  });

  it('the user a nameless 403 means is the object id', () => {
    expect(clusterExplanations(context, 'entra', TENANT).user).toBe(OID);
    expect(
      clusterExplanations({ ...context, objectId: undefined }, 'entra', TENANT).user,
    ).toBeUndefined();
  });
});
