// What to fix when Google or the cluster refuses, with the command that fixes it, built from the
// token's own claims: STS's refusals (provider, audience, issuer, attribute condition),
// generateAccessToken's (roles/iam.workloadIdentityUser), clusters.get's (container.clusters.get,
// a wrong name or location), and the cluster's 401/403 (IAM roles or Kubernetes RBAC for the
// user GKE sees). Google's own words are quoted, escaped; the hint is chosen by Google's error
// code, never by parsing its description alone.
import { ActionError } from '../../../base/errors.js';
import { foreign, shellWord } from '../../../base/untrusted.js';
import type { Claims } from '../../../oidc/claims.js';
import type { GoogleRefusal } from './google-api.js';
import { clusterResource } from './container.js';
import { federatedPrincipal } from './tokens.js';
import type { WorkloadIdentityProvider } from './settings.js';

/** Who the job is to Google (all the credential plugin knows). */
export interface IdentityContext {
  provider: WorkloadIdentityProvider;
  serviceAccount: string | undefined;
  /** The ID token's claims (what STS mapped and the condition tested). */
  claims: Claims;
  /** Who the Google token is: the account's e-mail, or the federated principal. */
  principal: string;
}

/** The step's: the cluster too. */
export interface GkeContext extends IdentityContext {
  project: string;
  location: string;
  cluster: string;
}

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** `--project=... --location=global --workload-identity-pool=POOL` of the provider's commands. */
function providerFlags(provider: WorkloadIdentityProvider): string {
  return `--project=${provider.projectNumber} --location=global --workload-identity-pool=${provider.pool}`;
}

function poolResource(provider: WorkloadIdentityProvider): string {
  return `projects/${provider.projectNumber}/locations/global/workloadIdentityPools/${provider.pool}`;
}

/**
 * The IAM member that stands for the job: the service account, or the principal set of its
 * repository (every job of the repository), else the principal of its exact subject.
 */
export function iamMember(context: IdentityContext): string {
  if (context.serviceAccount) return `serviceAccount:${context.serviceAccount}`;
  return repositoryPrincipalSet(context) ?? context.principal;
}

function repositoryPrincipalSet(context: IdentityContext): string | undefined {
  const repository = context.claims.extra['repository'];
  if (typeof repository !== 'string' || !repository) return undefined;
  return `principalSet://iam.googleapis.com/${poolResource(context.provider)}/attribute.repository/${repository}`;
}

/** One quoted shell word (single quotes), inert for a log line. */
function quoted(value: string): string {
  return shellWord(foreign(value, 300), true);
}

/** The claims an attribute mapping or condition can test, as CEL comparisons. */
export function testableClaims(claims: Claims): string[] {
  const lines = [
    `assertion.iss == ${quoted(claims.iss)}`,
    `assertion.sub == ${quoted(claims.sub)}`,
  ];
  for (const [name, value] of Object.entries(claims.extra)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    if (typeof value === 'string') lines.push(`assertion.${name} == ${quoted(value)}`);
    else if (typeof value === 'number' || typeof value === 'boolean')
      lines.push(`assertion.${name} == ${String(value)}`);
  }
  return lines.slice(0, 30).map((line) => `  ${line}`);
}

/** STS refused the ID token: why, and the gcloud command that changes the provider. */
export function explainStsRefusal(refusal: GoogleRefusal, context: IdentityContext): ActionError {
  const { provider, claims } = context;
  const name = foreign(provider.name);
  const said = `Google STS: ${refusal.said}`;
  const describe = `gcloud iam workload-identity-pools providers describe ${provider.provider} ${providerFlags(provider)}`;
  const update = `gcloud iam workload-identity-pools providers update-oidc ${provider.provider} ${providerFlags(provider)}`;
  switch (refusal.code) {
    case 'invalid_target':
      return new ActionError(
        `Input "workload-identity-provider": Google STS knows no active provider ${name} (${said}).`,
        [
          'The pool or the provider does not exist, is disabled or was deleted, or the name has a project ID where the project NUMBER belongs. Check:',
          `  ${describe}`,
          `  gcloud iam workload-identity-pools describe ${provider.pool} --project=${provider.projectNumber} --location=global`,
          `A disabled one: ${update} --no-disabled (pools: gcloud iam workload-identity-pools update ${provider.pool} --project=${provider.projectNumber} --location=global --no-disabled); a deleted one (within 30 days): gcloud iam workload-identity-pools providers undelete ${provider.provider} ${providerFlags(provider)}.`,
        ].join('\n'),
      );
    case 'invalid_request':
      // Whether the subject-size refusal is invalid_request or invalid_grant is not confirmed:
      // it gets its hint under either.
      if (refusal.description.toLowerCase().includes('google.subject')) {
        return new ActionError(
          `Google STS did not accept the ID token for provider ${name} (${said}).`,
          subjectTooLongHint(claims, update).join('\n'),
        );
      }
      return new ActionError(
        `Google STS refused the exchange for provider ${name} as invalid (${said}).`,
        `Check "workload-identity-provider": projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER (${describe} --format="value(name)" prints it).`,
      );
    case 'unauthorized_client':
      return new ActionError(
        `The attribute condition of provider ${name} rejected the ID token (${said}).`,
        [
          `The condition (${describe} --format="value(attributeCondition)") is false for this token. The claims it can test (each must be mapped as attribute.NAME to be used in bindings):`,
          ...testableClaims(claims),
          `Change it to admit this job, e.g. ${update} --attribute-condition=${quoted(conditionFor(claims))}`,
        ].join('\n'),
      );
    case 'invalid_grant':
      return new ActionError(
        `Google STS did not accept the ID token for provider ${name} (${said}).`,
        invalidGrantHint(refusal, context, update).join('\n'),
      );
    default:
      return new ActionError(
        `Google STS refused the exchange for provider ${name} (${said}; HTTP ${refusal.status}).`,
      );
  }
}

/** A condition that admits exactly this repository (by id where the token has one). */
function conditionFor(claims: Claims): string {
  const id = claims.extra['repository_id'];
  if (typeof id === 'string' && id) return `assertion.repository_id == '${id}'`;
  const repository = claims.extra['repository'];
  if (typeof repository === 'string' && repository)
    return `assertion.repository == '${repository}'`;
  return `assertion.sub == '${claims.sub}'`;
}

function invalidGrantHint(
  refusal: GoogleRefusal,
  context: IdentityContext,
  update: string,
): string[] {
  const { claims, provider } = context;
  const aud = claims.aud.join(', ') || '(none)';
  const audience = [
    `The token's aud is ${foreign(aud)}; the provider accepts https://iam.googleapis.com/${foreign(provider.name)} unless it lists --allowed-audiences. Either leave the action's "audience" input empty (it then asks for that one), or allow this one:`,
    `  ${update} --allowed-audiences=${quoted(claims.aud[0] ?? '')}`,
  ];
  const issuer = [
    `The token's iss is ${foreign(claims.iss)}; the provider's --issuer-uri must equal it (GitHub: ${GITHUB_ISSUER}; Forgejo: https://HOST/api/actions):`,
    `  ${update} --issuer-uri=${quoted(claims.iss)}`,
  ];
  const reachable = [
    `Google fetches ${foreign(claims.iss.replace(/\/+$/, ''))}/.well-known/openid-configuration and the keys it names from the internet. An issuer Google cannot reach needs its keys uploaded with the provider (again whenever they change):`,
    `  curl -fsS ISSUER_JWKS_URL > jwks.json && ${update} --jwk-json-path=jwks.json`,
  ];
  const text = refusal.description.toLowerCase();
  if (text.includes('audience')) return audience;
  if (text.includes('issuer in id token') || text.includes('does not match the expected ones'))
    return issuer;
  if (text.includes('connecting') || text.includes('issuer')) return reachable;
  if (text.includes('google.subject')) return subjectTooLongHint(claims, update);
  return [
    'Google checks, in this order:',
    ...issuer.map((line) => `- ${line}`),
    ...reachable.map((line) => `- ${line}`),
    ...audience.map((line) => `- ${line}`),
    `- The token is unexpired (exp ${new Date(claims.exp * 1000).toISOString()}) and its signature verifies with the issuer's keys; check the runner's clock.`,
  ];
}

function subjectTooLongHint(claims: Claims, update: string): string[] {
  return [
    `The mapped google.subject is over 127 bytes (this token's sub has ${Buffer.byteLength(claims.sub)}). Map a shorter one, e.g.:`,
    `  ${update} --attribute-mapping=${quoted("google.subject=assertion.repository + ':' + assertion.ref,attribute.repository=assertion.repository")}`,
  ];
}

/**
 * A 403 whose ErrorInfo reason is SERVICE_DISABLED: the API is off in the project Google names
 * ("... has not been used in project N before or it is disabled"), else `project`.
 */
function serviceDisabled(
  refusal: GoogleRefusal,
  said: string,
  api: string,
  project: string,
): ActionError | undefined {
  if (refusal.reason !== 'SERVICE_DISABLED') return undefined;
  const named = /\bproject (\d+|[a-z][-a-z0-9]{4,28}[a-z0-9])\b/.exec(refusal.description)?.[1];
  return new ActionError(
    `Google's ${api} is not enabled in the project (${said}).`,
    `Enable it (a minute or two to take effect): gcloud services enable ${api} --project=${foreign(named ?? project)}`,
  );
}

/** generateAccessToken refused: the federated identity may not act as the account. */
export function explainImpersonationRefusal(
  refusal: GoogleRefusal,
  context: IdentityContext,
): ActionError {
  const account = foreign(context.serviceAccount ?? '');
  const said = `IAM Credentials: ${refusal.said}`;
  const disabled = serviceDisabled(
    refusal,
    said,
    'iamcredentials.googleapis.com',
    context.provider.projectNumber,
  );
  if (disabled) return disabled;
  if (refusal.status === 403 || refusal.status === 404) {
    // Who asks to impersonate is the federated principal, not the account (context.principal).
    const subject = federatedPrincipal(context.provider.name, context.claims.sub);
    const set = repositoryPrincipalSet(context);
    const project = /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(context.serviceAccount ?? '')?.[1];
    return new ActionError(
      `The federated identity may not impersonate service account ${account} (${said}).`,
      [
        `Google says this when the account does not exist, or when no binding of roles/iam.workloadIdentityUser on it names the job. Grant it to the job's ${set ? 'repository (map attribute.repository=assertion.repository in the provider first)' : 'subject'}:`,
        `  gcloud iam service-accounts add-iam-policy-binding ${account}${project ? ` --project=${project}` : ''} --role=roles/iam.workloadIdentityUser --member=${quoted(set ?? subject)}`,
        set
          ? `Or to this exact subject: --member=${quoted(subject)}. IAM changes take a few minutes to apply.`
          : 'IAM changes take a few minutes to apply.',
      ].join('\n'),
    );
  }
  return new ActionError(
    `IAM Credentials refused to make a token of service account ${account} (${said}; HTTP ${refusal.status}).`,
    'Check "service-account" (the e-mail of an existing account).',
  );
}

/** clusters.get refused: the permission, or a cluster that is not there. */
export function explainGetClusterRefusal(refusal: GoogleRefusal, context: GkeContext): ActionError {
  const resource = foreign(clusterResource(context));
  const said = `GKE: ${refusal.said}`;
  const who = foreign(context.principal);
  const disabled = serviceDisabled(refusal, said, 'container.googleapis.com', context.project);
  if (disabled) return disabled;
  if (refusal.status === 404) {
    return new ActionError(
      `Input "gke-cluster": GKE has no cluster ${resource} (${said}).`,
      `Check the name, the location (a region such as europe-west1 and a zone such as europe-west1-b are different locations) and the project: gcloud container clusters list --project=${foreign(context.project)} lists the clusters with their locations.`,
    );
  }
  if (refusal.status === 403) {
    return new ActionError(
      `${who} may not read GKE cluster ${resource} (${said}).`,
      [
        `The action needs container.clusters.get on the cluster (Google answers so too for a project that does not exist). Grant a role that has it, e.g.:`,
        `  gcloud projects add-iam-policy-binding ${foreign(context.project)} --role=roles/container.clusterViewer --member=${quoted(iamMember(context))}`,
        'roles/container.clusterViewer lets it read the cluster only; what it may do inside comes from Kubernetes RBAC (or roles/container.developer). IAM changes take a few minutes to apply.',
      ].join('\n'),
    );
  }
  return new ActionError(
    `GKE refused clusters.get for ${resource} (${said}; HTTP ${refusal.status}).`,
    'Check "gke-cluster", "gke-location" and "gcp-project".',
  );
}

/** What else grants a refused verb on GKE: its IAM roles, for the member that is the job. */
export function gkeForbiddenGrant(context: GkeContext): string {
  return [
    `GKE authorizes with IAM as well as RBAC: either may allow. roles/container.developer on the project allows reading and writing the objects of every namespace of its clusters:`,
    `  gcloud projects add-iam-policy-binding ${foreign(context.project)} --role=roles/container.developer --member=${quoted(iamMember(context))}`,
    context.serviceAccount
      ? ''
      : 'How GKE names a directly federated principal to RBAC is not documented: kubectl auth whoami shows it; an IAM role needs no name.',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The cluster's 401: GKE did not accept the Google token. */
export function explainGkeUnauthorized(
  doing: string,
  context: GkeContext,
  tokenExp: number,
  now: number = Date.now(),
): ActionError {
  const expired = tokenExp * 1000 <= now;
  const who = foreign(context.principal);
  return new ActionError(
    `The GKE cluster "${foreign(context.cluster)}" did not accept the Google access token of ${who} (401 Unauthorized) when asked to ${doing}.`,
    [
      'GKE asks Google about every token and does not say why it refused one. Check:',
      `1. The token was valid: it ends at ${new Date(tokenExp * 1000).toISOString()}${expired ? ' (expired)' : ''}${context.serviceAccount ? '' : "; a federated token ends with the ID token (GitHub: 5 minutes), and the kubeconfig's plugin makes a new one"}. Check the runner's clock.`,
      `2. The server is cluster ${foreign(clusterResource(context))}'s ("gke-endpoint" picks public, private or dns).`,
      `3. ${who} may use the cluster at all: an IAM role on the project, e.g.`,
      `   gcloud projects add-iam-policy-binding ${foreign(context.project)} --role=roles/container.clusterViewer --member=${quoted(iamMember(context))}`,
      '   then Kubernetes RBAC for the user (or roles/container.developer for every namespace).',
    ].join('\n'),
  );
}
