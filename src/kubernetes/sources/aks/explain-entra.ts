// What to fix when Entra ID refuses the ID token: each AADSTS code users hit, explained with the
// command that fixes it, built from the token's own iss, sub and aud (docs/wire-formats.md, 2e).
import { ActionError } from '../../../base/errors.js';
import { foreign, inertQuoted, shellWord } from '../../../base/untrusted.js';
import type { Claims } from '../../../oidc/claims.js';
import type { EntraRefusal } from './entra.js';

export interface EntraContext {
  clientId: string;
  tenantId: string;
  /** Entra's host (for messages). */
  authorityHost: string;
  /** The claims of the ID token that was presented. */
  claims: Claims;
  /** The audience it was requested for (undefined: the platform's). */
  audience: string | undefined;
}

/** Entra's refusal as what to do about it. */
export function explainEntraRefusal(refusal: EntraRefusal, context: EntraContext): ActionError {
  const said = refusal.said;
  const client = foreign(context.clientId, 64);
  const tenant = foreign(context.tenantId, 253);
  const host = foreign(new URL(context.authorityHost).host, 253);
  switch (refusal.code) {
    case 70021:
    case 700211:
      return new ActionError(
        `Entra ID has no federated identity credential for the ID token's issuer on application or managed identity ${client} (${said}).`,
        federatedCredentialHint(context, 'issuer'),
      );
    case 700213:
      return new ActionError(
        `Entra ID has no federated identity credential for the ID token's subject on application or managed identity ${client} (${said}).`,
        federatedCredentialHint(context, 'subject'),
      );
    case 7002138:
      return new ActionError(
        `A federated identity credential of application or managed identity ${client} differs from the ID token's subject only in letter case (${said}).`,
        federatedCredentialHint(context, 'case'),
      );
    case 700212:
      return new ActionError(
        `Entra ID has no federated identity credential for the ID token's audience on application or managed identity ${client} (${said}).`,
        federatedCredentialHint(context, 'audience'),
      );
    case 700016:
      return new ActionError(
        `Input "azure-client-id": Entra ID has no application or managed identity ${client} in tenant ${tenant} (${said}).`,
        [
          'Give the client (application) id, not an object id: of the app registration (az ad app list --display-name NAME --query "[].appId" --output tsv) or of the user-assigned managed identity (az identity show --resource-group RG --name NAME --query clientId --output tsv).',
          `Check "azure-tenant-id" too (the identity's directory: ${tenant}) and "azure-environment" (${host}).`,
        ].join('\n'),
      );
    case 700024:
      return new ActionError(
        `Entra ID refused the ID token as outside its validity period (${said}).`,
        [
          `The token's exp is ${new Date(context.claims.exp * 1000).toISOString()}; the runner's clock says ${new Date().toISOString()}. A fresh token was presented once already.`,
          "Entra refuses an expired assertion: a token kept and presented again later (az login --federated-token does that) fails this way. This action presents a fresh ID token for every Entra token, also in later steps (kubeconfig-credentials: refresh). If it persists, the runner's clock is off: check its time synchronisation (NTP).",
        ].join('\n'),
      );
    case 90002:
      return new ActionError(
        `Input "azure-tenant-id": Entra ID at ${host} has no tenant "${tenant}" (${said}).`,
        'Give the directory (tenant) id of the identity (az account show --query tenantId --output tsv), in the cloud "azure-environment" names: a US Government or China tenant is not in AzureCloud.',
      );
    case 50027:
    case 50166:
    case 700027:
      return new ActionError(
        `Entra ID could not verify the ID token with its issuer's keys (${said}).`,
        `Entra fetches ${foreign(context.claims.iss)}/.well-known/openid-configuration and its jwks_uri over the internet: both must be publicly reachable over https with a publicly trusted certificate (a Forgejo on a private network cannot be trusted this way).`,
      );
    case 500011:
      return new ActionError(
        `Entra ID has no resource ${foreign(refusal.scope.replace(/\/\.default$/, ''))} in tenant ${tenant} (${said}).`,
        'Check "azure-environment" and "azure-tenant-id". For the AKS server application 6dae42f8-4368-4678-94ff-3960e28e3630: the cluster must use Entra integration (docs/aks.md).',
      );
    default:
      return new ActionError(
        `Entra ID refused a token for ${foreign(refusal.scope)} to application or managed identity ${client} (${said}; HTTP ${refusal.status}).`,
        'The AADSTS code is explained at https://login.microsoftonline.com/error?code=N (N without AADSTS).',
      );
  }
}

/** The token's audience as Entra saw it: the one requested if the token has it, else its first. */
function tokenAudience(context: EntraContext): string {
  const { aud } = context.claims;
  return context.audience && aud.includes(context.audience)
    ? context.audience
    : (aud[0] ?? context.audience ?? '');
}

/** A credential name Entra accepts (3-120 of letters, digits, "-", "_"), from the subject. */
export function credentialName(sub: string): string {
  const name = sub
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return name.length >= 3 ? name : 'github-actions';
}

/**
 * The claims the credential must match, the two commands that add a credential for exactly this
 * token (app registration, user-assigned managed identity), and what the refused part means.
 */
export function federatedCredentialHint(
  context: EntraContext,
  part: 'issuer' | 'subject' | 'case' | 'audience',
): string {
  const { claims } = context;
  const audience = tokenAudience(context);
  const name = credentialName(claims.sub);
  const parameters = JSON.stringify({
    name,
    issuer: claims.iss,
    subject: claims.sub,
    audiences: [audience],
  });
  const lines = [
    "A federated identity credential matches the ID token's iss, sub and aud exactly: case-sensitive, no wildcards, the issuer without a trailing slash. This token has:",
    `  iss  ${foreign(claims.iss)}`,
    `  sub  ${foreign(claims.sub)}`,
    `  aud  ${foreign(claims.aud.join(', ')) || '(none)'}`,
  ];
  if (part === 'case') {
    lines.push(
      'Entra compares subjects case-sensitively: an owner, repository, branch or environment written in another case is another subject. Correct the credential to exactly the sub above (delete the old one), or add one:',
    );
  } else if (part === 'audience') {
    lines.push(
      `The credential's audiences must list ${foreign(audience)} (api://AzureADTokenExchange is the default), or set input "audience" to one they list. A credential for exactly this token:`,
    );
  } else {
    lines.push(`Add a credential for exactly this token to ${foreign(context.clientId, 64)}:`);
  }
  lines.push(
    '  app registration:',
    `  az ad app federated-credential create --id ${foreign(context.clientId, 64)} --parameters ${inertQuoted(shellWord(foreign(parameters, 4000)))}`,
    '  user-assigned managed identity (its resource group and name):',
    `  az identity federated-credential create --resource-group IDENTITY_RG --identity-name IDENTITY_NAME --name ${name} --issuer ${shellWord(foreign(claims.iss))} --subject ${shellWord(foreign(claims.sub, 1000))} --audiences ${shellWord(foreign(audience))}`,
  );
  const form = subjectForm(claims);
  if (form) lines.push(form);
  if (part === 'subject' || part === 'case') {
    lines.push(
      'Each branch, environment or pull-request event gets its own sub (repo:OWNER/REPO:environment:NAME, ...:pull_request): one credential each, at most 20 per identity.',
    );
  }
  return lines.join('\n');
}

/**
 * Which form the subject has: GitHub's ids form (repositories created after 2026-07-15) or
 * Forgejo v16's, which a credential made from the owner and repository names does not match, or
 * the names form, which a credential made for the ids form does not match.
 */
function subjectForm(claims: Claims): string | undefined {
  if (/^repo:[^/:@]+@\d+\/[^/:@]+@\d+:/.test(claims.sub)) {
    return 'This sub names the owner and repository with their ids (repo:OWNER@ID/REPO@ID:..., GitHub repositories created after 2026-07-15): a credential made from the names (repo:OWNER/REPO:..., as the Azure portal\'s "GitHub Actions deploying Azure resources" scenario builds it) does not match it.';
  }
  if (/^repo:[^/:]+-\d+\/[^/:]+-\d+:/.test(claims.sub) && /\/api\/actions\/?$/.test(claims.iss)) {
    return "This sub looks like Forgejo v16's id-based form (repo:OWNER-ID/REPO-ID:...): a credential made from the names (repo:OWNER/REPO:...) does not match it.";
  }
  if (/^repo:[^/:]+\/[^/:]+:/.test(claims.sub)) {
    return 'This sub names the owner and repository by name: a credential made for an id-based form (GitHub: repo:OWNER@ID/REPO@ID:...; Forgejo v16: repo:OWNER-ID/REPO-ID:...) does not match it.';
  }
  return undefined;
}
