import { stringify, type ScalarTag } from 'yaml';
import { ActionError } from '../base/errors.js';
import { printable, textOf } from '../base/untrusted.js';
import { isDnsLabel } from '../base/validate.js';
import type { Logger } from '../base/logger.js';
import { droppedCredentials } from './kubeconfig-user.js';
import { YamlBoundExceeded, yamlDocument } from './yaml-documents.js';

/** Where the cluster's server and CA are: a kubeconfig to take them from, or given directly. */
export type ClusterSpec =
  | { kind: 'kubeconfig'; text: string }
  | { kind: 'server'; server: string; certificateAuthorityData: string | undefined };

/** What the kubeconfig user authenticates with. */
export type KubeCredential =
  | { kind: 'static'; token: string }
  | {
      kind: 'refresh';
      command: string;
      args: string[];
      env: Array<{ name: string; value: string }>;
    };

/** What selects and checks the kubeconfig; no credential yet. */
export interface KubeconfigRequest {
  source: ClusterSpec;
  context: string | undefined;
  namespace: string | undefined;
  user: string | undefined;
  insecureSkipTlsVerify: boolean;
}

/** The one cluster/context/user a written kubeconfig holds. */
export interface KubeTarget {
  server: string;
  cluster: string;
  context: string;
  namespace: string;
  user: string;
  /** Base64 PEM of the cluster CA, when the kubeconfig has one. */
  certificateAuthorityData: string | undefined;
  insecureSkipTlsVerify: boolean;
  tlsServerName: string | undefined;
}

/**
 * The checked selection: everything of the kubeconfig to write except its credential. Made
 * before the ID token is requested, so a bad kubeconfig costs no request.
 */
export interface KubeconfigPlan {
  target: KubeTarget;
  cluster: Record<string, unknown>;
  context: Record<string, unknown>;
  /** The user's non-authentication keys (impersonation, extensions). */
  userKeep: Record<string, unknown>;
}

type Mapping = Record<string, unknown>;

const DEFAULT_NAME = 'oidc-deploy';
/** Keys in one mapping of a kubeconfig (a real one has a handful). */
const MAX_KEYS = 10_000;
const DEFAULT_USER = 'oidc';
// Keys of a kubeconfig user that say who to act as rather than how to authenticate.
const NON_AUTH_USER_KEYS = ['as', 'as-uid', 'as-groups', 'as-user-extra', 'extensions'];
// The booleans of a kubeconfig cluster (k8s.io/client-go/tools/clientcmd/api/v1 Cluster).
const CLUSTER_BOOLEANS = ['insecure-skip-tls-verify', 'disable-compression'];

/**
 * kubectl reads a kubeconfig as YAML 1.1: client-go's codec turns it into JSON with
 * sigs.k8s.io/yaml's YAMLToJSON, i.e. go-yaml v2, whose resolve.go reads these plain scalars as
 * booleans (`insecure-skip-tls-verify: yes` is true to kubectl). The `yaml` package reads YAML
 * 1.2, where they are strings; these two tags make it read them as kubectl does. Quoted "yes" stays
 * a string, as in go-yaml (and kubectl then refuses it for a boolean field).
 */
export const YAML11_BOOLEANS: ScalarTag[] = [
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: (value) => typeof value === 'boolean',
    test: /^(?:y|Y|yes|Yes|YES|on|On|ON)$/,
    resolve: () => true,
  },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    identify: (value) => typeof value === 'boolean',
    test: /^(?:n|N|no|No|NO|off|Off|OFF)$/,
    resolve: () => false,
  },
];

/**
 * Selects and checks what the written kubeconfig will hold: only the chosen context, its cluster
 * and its user. Every error names the input and a position, never the content (a kubeconfig may
 * hold secrets).
 */
export function planKubeconfig(request: KubeconfigRequest, logger: Logger): KubeconfigPlan {
  const parsed =
    request.source.kind === 'kubeconfig'
      ? parseKubeconfigText(request.source.text)
      : kubeconfigForServer(
          request.source.server,
          request.source.certificateAuthorityData,
          request.context,
        );

  const contexts = namedEntries(parsed, 'contexts', 'context');
  const clusters = namedEntries(parsed, 'clusters', 'cluster');
  const users =
    parsed['users'] === undefined || parsed['users'] === null
      ? []
      : namedEntries(parsed, 'users', 'user');

  const contextName = pickContext(request.context, parsed['current-context'], contexts);
  const context = contexts.find((c) => c.name === contextName)?.body as Mapping;
  const clusterName = context['cluster'];
  if (typeof clusterName !== 'string' || !clusterName) {
    throw new ActionError(
      `Input "kubeconfig": context "${printable(contextName)}" names no cluster.`,
    );
  }
  const clusterEntry = clusters.find((c) => c.name === clusterName);
  if (!clusterEntry) {
    throw new ActionError(
      `Input "kubeconfig": context "${printable(contextName)}" names cluster "${printable(clusterName)}", which is not in clusters.`,
    );
  }
  const cluster = checkCluster(
    clusterName,
    { ...clusterEntry.body },
    request.insecureSkipTlsVerify,
    logger,
  );

  const userName =
    request.user ??
    (typeof context['user'] === 'string' && context['user'] ? context['user'] : DEFAULT_USER);
  const existingUser = users.find((u) => u.name === userName)?.body ?? {};
  const dropped = droppedCredentials(userName, existingUser);
  if (dropped) logger.warning(dropped);
  const userKeep: Mapping = {};
  for (const key of NON_AUTH_USER_KEYS) {
    if (existingUser[key] !== undefined) userKeep[key] = existingUser[key];
  }

  // The input wins (as kubectl --namespace does): then the context's namespace is not used.
  const namespace =
    request.namespace ?? checkContextNamespace(contextName, context['namespace']) ?? 'default';
  return {
    cluster,
    context: { ...context, cluster: clusterName, user: userName, namespace },
    userKeep,
    target: {
      server: cluster['server'] as string,
      cluster: clusterName,
      context: contextName,
      namespace,
      user: userName,
      certificateAuthorityData: cluster['certificate-authority-data'] as string | undefined,
      insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
      tlsServerName:
        typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
    },
  };
}

/** The kubeconfig YAML of a plan, whose user authenticates with `credential` and nothing else. */
export function renderKubeconfig(plan: KubeconfigPlan, credential: KubeCredential): string {
  const user: Mapping = { ...plan.userKeep };
  if (credential.kind === 'static') {
    user['token'] = credential.token;
  } else {
    user['exec'] = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: credential.command,
      args: credential.args,
      ...(credential.env.length > 0 ? { env: credential.env } : {}),
      interactiveMode: 'Never',
      provideClusterInfo: false,
    };
  }
  const { target } = plan;
  // Written for a YAML 1.1 reader (kubectl): a string such as "yes", "on" or "0755" is quoted,
  // so kubectl reads back exactly the strings and booleans written here.
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      preferences: {},
      clusters: [{ name: target.cluster, cluster: plan.cluster }],
      contexts: [{ name: target.context, context: plan.context }],
      users: [{ name: target.user, user }],
      'current-context': target.context,
    },
    { lineWidth: 0, version: '1.1' },
  );
}

/** The kubeconfig input is YAML, or base64 of it (what `base64 -w0 ~/.kube/config` gives). */
export function parseKubeconfigText(text: string): Mapping {
  const trimmed = text.trim();
  let yamlText = trimmed;
  // YAML of a kubeconfig always has a colon; base64 never does.
  if (!trimmed.includes(':') && /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed.replace(/\s+/g, ''))) {
    const decoded = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (!/^[\s\S]*:/.test(decoded) || decoded.includes('\uFFFD')) {
      throw new ActionError(
        'Input "kubeconfig" is neither kubeconfig YAML nor base64 of it.',
        "Pass the kubeconfig file's content, or base64 -w0 of it.",
      );
    }
    yamlText = decoded;
  }
  // Only line positions and the error code are shown, never the text. Duplicate keys are found
  // in linear time, and a mapping has at most MAX_KEYS keys (yaml-documents.ts).
  let document: ReturnType<typeof yamlDocument>;
  try {
    document = yamlDocument(
      yamlText,
      { customTags: (tags) => [...tags, ...YAML11_BOOLEANS] },
      { maxKeys: MAX_KEYS },
    );
  } catch (error) {
    if (error instanceof YamlBoundExceeded) {
      throw new ActionError(
        `Input "kubeconfig" has a mapping of more than ${MAX_KEYS} keys (line ${error.line}).`,
      );
    }
    throw new ActionError('Input "kubeconfig" could not be parsed as YAML.');
  }
  if (!document) {
    throw new ActionError(
      'Input "kubeconfig" is not a kubeconfig: its top level is not a mapping.',
    );
  }
  const first = document.errors[0];
  if (first) {
    const where = first.linePos?.[0]
      ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})`
      : '';
    throw new ActionError(
      `Input "kubeconfig" is not valid YAML${where}: ${yamlProblem(first.code)}.`,
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 50 });
  } catch {
    throw new ActionError('Input "kubeconfig" expands to too much data (YAML aliases).');
  }
  if (!isMapping(value)) {
    throw new ActionError(
      'Input "kubeconfig" is not a kubeconfig: its top level is not a mapping.',
    );
  }
  if (value['kind'] !== undefined && value['kind'] !== 'Config') {
    throw new ActionError(
      `Input "kubeconfig" has kind "${printable(textOf(value['kind']))}", not Config.`,
    );
  }
  return value;
}

function yamlProblem(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

function kubeconfigForServer(
  server: string,
  caData: string | undefined,
  context: string | undefined,
): Mapping {
  const name = context ?? DEFAULT_NAME;
  return {
    clusters: [
      {
        name: DEFAULT_NAME,
        cluster: { server, ...(caData ? { 'certificate-authority-data': caData } : {}) },
      },
    ],
    contexts: [{ name, context: { cluster: DEFAULT_NAME } }],
    'current-context': name,
  };
}

function namedEntries(
  config: Mapping,
  listKey: string,
  bodyKey: string,
): Array<{ name: string; body: Mapping }> {
  const list = config[listKey];
  if (!Array.isArray(list)) {
    throw new ActionError(`Input "kubeconfig" has no "${listKey}" list.`);
  }
  return list.map((entry, index) => {
    if (!isMapping(entry) || typeof entry['name'] !== 'string' || !entry['name']) {
      throw new ActionError(`Input "kubeconfig": entry ${index + 1} of "${listKey}" has no name.`);
    }
    const body = entry[bodyKey] ?? {};
    if (!isMapping(body)) {
      throw new ActionError(
        `Input "kubeconfig": ${bodyKey} "${printable(entry['name'])}" is not a mapping.`,
      );
    }
    return { name: entry['name'], body };
  });
}

function pickContext(
  requested: string | undefined,
  current: unknown,
  contexts: Array<{ name: string }>,
): string {
  const names = contexts.map((c) => c.name);
  const list = names.length > 0 ? names.map((n) => `"${printable(n)}"`).join(', ') : 'none';
  if (requested !== undefined) {
    if (!names.includes(requested)) {
      throw new ActionError(
        `Input "context" is "${printable(requested)}", which the kubeconfig does not have.`,
        `Its contexts: ${list}.`,
      );
    }
    return requested;
  }
  if (typeof current === 'string' && current) {
    if (!names.includes(current)) {
      throw new ActionError(
        `Input "kubeconfig": current-context "${printable(current)}" is not among its contexts.`,
        `Set input "context" to one of: ${list}.`,
      );
    }
    return current;
  }
  if (names.length === 1) return names[0] as string;
  throw new ActionError(
    'Input "kubeconfig" has no current-context, so input "context" must name one.',
    `Its contexts: ${list}.`,
  );
}

function checkCluster(
  name: string,
  cluster: Mapping,
  insecureInput: boolean,
  logger: Logger,
): Mapping {
  const where = `Input "kubeconfig": cluster "${printable(name)}"`;
  const server = cluster['server'];
  if (typeof server !== 'string' || !server) throw new ActionError(`${where} has no server.`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new ActionError(`${where} has a server that is not a URL.`);
  }
  if (url.protocol !== 'https:') {
    throw new ActionError(
      `${where} has server ${url.protocol}//${url.host}, not https.`,
      'Kubernetes clients send bearer tokens only over HTTPS: use the https:// address of the API server.',
    );
  }
  if (cluster['certificate-authority'] !== undefined) {
    throw new ActionError(
      `${where} reads "certificate-authority" from a file on the runner.`,
      'A kubeconfig from a variable must be self-contained: put the CA inline as certificate-authority-data (base64 PEM).',
    );
  }
  const caData = cluster['certificate-authority-data'];
  if (caData !== undefined) {
    const decoded =
      typeof caData === 'string' ? Buffer.from(caData, 'base64').toString('utf8') : '';
    if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ActionError(
        `${where} has certificate-authority-data that is not base64 of a PEM certificate.`,
      );
    }
  }
  for (const key of CLUSTER_BOOLEANS) {
    const value = cluster[key];
    if (value === null) {
      // kubectl reads null as false, and so does the written kubeconfig without the key.
      delete cluster[key];
    } else if (value !== undefined && typeof value !== 'boolean') {
      throw new ActionError(
        `${where} has ${key}: "${printable(textOf(value))}", which is not a boolean.`,
        'Write true or false, without quotes (kubectl cannot load it either).',
      );
    }
  }
  if (insecureInput) {
    logger.warning(
      `TLS verification of ${url.host} is off (insecure-skip-tls-verify): anyone between the runner and the cluster can take the token.`,
    );
    delete cluster['certificate-authority-data'];
    cluster['insecure-skip-tls-verify'] = true;
  } else if (cluster['insecure-skip-tls-verify'] === true) {
    throw new ActionError(
      `${where} turns TLS verification off (insecure-skip-tls-verify: true).`,
      'Add its CA as certificate-authority-data, or accept the risk explicitly with input insecure-skip-tls-verify: true.',
    );
  }
  return cluster;
}

/**
 * The namespace of the kubeconfig's context, checked as the "namespace" input is: the deploy
 * puts it in request paths and the log, and kubectl would only fail later, less clearly.
 */
function checkContextNamespace(contextName: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !isDnsLabel(value)) {
    throw new ActionError(
      `Input "kubeconfig": context "${printable(contextName)}" has namespace "${printable(textOf(value))}", which is not a valid namespace name.`,
      'Fix the namespace of that context (a DNS label), or set input "namespace".',
    );
  }
  return value;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
