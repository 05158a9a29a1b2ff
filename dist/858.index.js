export const id = 858;
export const ids = [858];
export const modules = {

/***/ 4858:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  credentialPluginPath: () => (/* binding */ credentialPluginPath),
  prepareKubernetes: () => (/* binding */ prepareKubernetes)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./src/inputs.ts
var inputs = __webpack_require__(8422);
;// CONCATENATED MODULE: ./src/kubernetes/kubeconfig.ts



const DEFAULT_NAME = 'oidc-deploy';
const DEFAULT_USER = 'oidc';
// Keys of a kubeconfig user that say who to act as rather than how to authenticate.
const NON_AUTH_USER_KEYS = ['as', 'as-uid', 'as-groups', 'as-user-extra', 'extensions'];
/**
 * Selects and checks what the written kubeconfig will hold: only the chosen context, its cluster
 * and its user. Every error names the input and a position, never the content (a kubeconfig may
 * hold secrets).
 */
function planKubeconfig(request, logger) {
    const parsed = request.source.kind === 'kubeconfig'
        ? parseKubeconfigText(request.source.text)
        : kubeconfigForServer(request.source.server, request.source.certificateAuthorityData, request.context);
    const contexts = namedEntries(parsed, 'contexts', 'context');
    const clusters = namedEntries(parsed, 'clusters', 'cluster');
    const users = parsed['users'] === undefined || parsed['users'] === null
        ? []
        : namedEntries(parsed, 'users', 'user');
    const contextName = pickContext(request.context, parsed['current-context'], contexts);
    const context = contexts.find((c) => c.name === contextName)?.body;
    const clusterName = context['cluster'];
    if (typeof clusterName !== 'string' || !clusterName) {
        throw new errors/* ActionError */.l(`Input "kubeconfig": context "${contextName}" names no cluster.`);
    }
    const clusterEntry = clusters.find((c) => c.name === clusterName);
    if (!clusterEntry) {
        throw new errors/* ActionError */.l(`Input "kubeconfig": context "${contextName}" names cluster "${(0,inputs/* printable */.g$)(clusterName)}", which is not in clusters.`);
    }
    const cluster = checkCluster(clusterName, { ...clusterEntry.body }, request.insecureSkipTlsVerify, logger);
    const userName = request.user ??
        (typeof context['user'] === 'string' && context['user'] ? context['user'] : DEFAULT_USER);
    const existingUser = users.find((u) => u.name === userName)?.body ?? {};
    const userKeep = {};
    for (const key of NON_AUTH_USER_KEYS) {
        if (existingUser[key] !== undefined)
            userKeep[key] = existingUser[key];
    }
    const contextNamespace = typeof context['namespace'] === 'string' && context['namespace']
        ? context['namespace']
        : undefined;
    const namespace = request.namespace ?? contextNamespace ?? 'default';
    return {
        cluster,
        context: { ...context, cluster: clusterName, user: userName, namespace },
        userKeep,
        target: {
            server: cluster['server'],
            cluster: clusterName,
            context: contextName,
            namespace,
            user: userName,
            certificateAuthorityData: cluster['certificate-authority-data'],
            insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
            tlsServerName: typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined,
        },
    };
}
/** The kubeconfig YAML of a plan, whose user authenticates with `credential` and nothing else. */
function renderKubeconfig(plan, credential) {
    const user = { ...plan.userKeep };
    if (credential.kind === 'static') {
        user['token'] = credential.token;
    }
    else {
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
    return (0,dist/* stringify */.As)({
        apiVersion: 'v1',
        kind: 'Config',
        preferences: {},
        clusters: [{ name: target.cluster, cluster: plan.cluster }],
        contexts: [{ name: target.context, context: plan.context }],
        users: [{ name: target.user, user }],
        'current-context': target.context,
    }, { lineWidth: 0 });
}
/** The kubeconfig input is YAML, or base64 of it (what `base64 -w0 ~/.kube/config` gives). */
function parseKubeconfigText(text) {
    const trimmed = text.trim();
    let yamlText = trimmed;
    // YAML of a kubeconfig always has a colon; base64 never does.
    if (!trimmed.includes(':') && /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed.replace(/\s+/g, ''))) {
        const decoded = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8');
        if (!/^[\s\S]*:/.test(decoded) || decoded.includes('\uFFFD')) {
            throw new errors/* ActionError */.l('Input "kubeconfig" is neither kubeconfig YAML nor base64 of it.', "Pass the kubeconfig file's content, or base64 -w0 of it.");
        }
        yamlText = decoded;
    }
    // prettyErrors computes line positions; only those and the error code are shown, never the text.
    let document;
    try {
        document = (0,dist/* parseDocument */.Tp)(yamlText, { prettyErrors: true, uniqueKeys: true });
    }
    catch {
        throw new errors/* ActionError */.l('Input "kubeconfig" could not be parsed as YAML.');
    }
    const first = document.errors[0];
    if (first) {
        const where = first.linePos?.[0]
            ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})`
            : '';
        throw new errors/* ActionError */.l(`Input "kubeconfig" is not valid YAML${where}: ${yamlProblem(first.code)}.`);
    }
    let value;
    try {
        value = document.toJS({ maxAliasCount: 50 });
    }
    catch {
        throw new errors/* ActionError */.l('Input "kubeconfig" expands to too much data (YAML aliases).');
    }
    if (!isMapping(value)) {
        throw new errors/* ActionError */.l('Input "kubeconfig" is not a kubeconfig: its top level is not a mapping.');
    }
    if (value['kind'] !== undefined && value['kind'] !== 'Config') {
        throw new errors/* ActionError */.l(`Input "kubeconfig" has kind "${(0,inputs/* printable */.g$)(String(value['kind']))}", not Config.`);
    }
    return value;
}
function yamlProblem(code) {
    return code.toLowerCase().replace(/_/g, ' ');
}
function kubeconfigForServer(server, caData, context) {
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
function namedEntries(config, listKey, bodyKey) {
    const list = config[listKey];
    if (!Array.isArray(list)) {
        throw new errors/* ActionError */.l(`Input "kubeconfig" has no "${listKey}" list.`);
    }
    return list.map((entry, index) => {
        if (!isMapping(entry) || typeof entry['name'] !== 'string' || !entry['name']) {
            throw new errors/* ActionError */.l(`Input "kubeconfig": entry ${index + 1} of "${listKey}" has no name.`);
        }
        const body = entry[bodyKey] ?? {};
        if (!isMapping(body)) {
            throw new errors/* ActionError */.l(`Input "kubeconfig": ${bodyKey} "${(0,inputs/* printable */.g$)(entry['name'])}" is not a mapping.`);
        }
        return { name: entry['name'], body };
    });
}
function pickContext(requested, current, contexts) {
    const names = contexts.map((c) => c.name);
    const list = names.length > 0 ? names.map((n) => `"${(0,inputs/* printable */.g$)(n)}"`).join(', ') : 'none';
    if (requested !== undefined) {
        if (!names.includes(requested)) {
            throw new errors/* ActionError */.l(`Input "context" is "${(0,inputs/* printable */.g$)(requested)}", which the kubeconfig does not have.`, `Its contexts: ${list}.`);
        }
        return requested;
    }
    if (typeof current === 'string' && current) {
        if (!names.includes(current)) {
            throw new errors/* ActionError */.l(`Input "kubeconfig": current-context "${(0,inputs/* printable */.g$)(current)}" is not among its contexts.`, `Set input "context" to one of: ${list}.`);
        }
        return current;
    }
    if (names.length === 1)
        return names[0];
    throw new errors/* ActionError */.l('Input "kubeconfig" has no current-context, so input "context" must name one.', `Its contexts: ${list}.`);
}
function checkCluster(name, cluster, insecureInput, logger) {
    const where = `Input "kubeconfig": cluster "${(0,inputs/* printable */.g$)(name)}"`;
    const server = cluster['server'];
    if (typeof server !== 'string' || !server)
        throw new errors/* ActionError */.l(`${where} has no server.`);
    let url;
    try {
        url = new URL(server);
    }
    catch {
        throw new errors/* ActionError */.l(`${where} has a server that is not a URL.`);
    }
    if (url.protocol !== 'https:') {
        throw new errors/* ActionError */.l(`${where} has server ${url.protocol}//${url.host}, not https.`, 'Kubernetes clients send bearer tokens only over HTTPS: use the https:// address of the API server.');
    }
    if (cluster['certificate-authority'] !== undefined) {
        throw new errors/* ActionError */.l(`${where} reads "certificate-authority" from a file on the runner.`, 'A kubeconfig from a variable must be self-contained: put the CA inline as certificate-authority-data (base64 PEM).');
    }
    const caData = cluster['certificate-authority-data'];
    if (caData !== undefined) {
        const decoded = typeof caData === 'string' ? Buffer.from(caData, 'base64').toString('utf8') : '';
        if (!decoded.includes('-----BEGIN CERTIFICATE-----')) {
            throw new errors/* ActionError */.l(`${where} has certificate-authority-data that is not base64 of a PEM certificate.`);
        }
    }
    if (insecureInput) {
        logger.warning(`TLS verification of ${url.host} is off (insecure-skip-tls-verify): anyone between the runner and the cluster can take the token.`);
        delete cluster['certificate-authority-data'];
        cluster['insecure-skip-tls-verify'] = true;
    }
    else if (cluster['insecure-skip-tls-verify'] === true) {
        throw new errors/* ActionError */.l(`${where} turns TLS verification off (insecure-skip-tls-verify: true).`, 'Add its CA as certificate-authority-data, or accept the risk explicitly with input insecure-skip-tls-verify: true.');
    }
    return cluster;
}
function isMapping(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

;// CONCATENATED MODULE: ./src/kubernetes/index.ts




/**
 * The bundled exec credential plugin, dist/credential.js beside the entry the runner started.
 * (Derived from argv, not import.meta.url, which the bundler would rewrite into an asset.)
 */
function credentialPluginPath(entry = process.argv[1] ?? '') {
    const path = (0,external_node_path_.join)((0,external_node_path_.dirname)(entry), 'credential.js');
    if (!(0,external_node_fs_.existsSync)(path)) {
        throw new errors/* ActionError */.l('kubeconfig-credentials: refresh needs the bundled credential plugin (dist/credential.js), which is missing.', 'Use kubeconfig-credentials: static, or run the action from its released bundle.');
    }
    return path;
}
/**
 * Kubernetes mode, first half: checks the kubeconfig and picks its context before the ID token
 * is requested, so a bad kubeconfig costs no request. Returns the second half.
 */
function prepareKubernetes(settings, logger) {
    const plan = planKubeconfig({
        source: settings.source,
        context: settings.context,
        namespace: settings.namespace,
        user: settings.user,
        insecureSkipTlsVerify: settings.insecureSkipTlsVerify,
    }, logger);
    const pluginPath = settings.credentials === 'refresh' ? credentialPluginPath() : undefined;
    return (ctx) => runKubernetes(settings, plan, pluginPath, ctx);
}
/**
 * Kubernetes mode, second half: writes a kubeconfig whose user carries the ID token (or a plugin
 * that re-mints it), then deploys the workloads when any were given.
 */
async function runKubernetes(settings, plan, pluginPath, ctx) {
    const credential = pluginPath === undefined
        ? { kind: 'static', token: ctx.token }
        : {
            kind: 'refresh',
            command: process.execPath,
            args: [pluginPath],
            env: ctx.audience === undefined
                ? []
                : [{ name: 'OIDC_DEPLOY_AUDIENCE', value: ctx.audience }],
        };
    const kubeconfigPath = ctx.files.write('kubeconfig.yaml', renderKubeconfig(plan, credential));
    const { target } = plan;
    ctx.logger.info(`Wrote a kubeconfig for ${target.server} (context ${target.context}, namespace ${target.namespace}, user ${target.user}, ${settings.credentials} credentials)`);
    const result = {
        mode: 'kubernetes',
        kubeconfigPath,
        target,
        credentials: settings.credentials,
        workloads: undefined,
        diagnosis: undefined,
    };
    if (settings.workloads.length === 0)
        return result;
    throw new errors/* ActionError */.l('Deploying workloads (inputs "workloads" and "images") is not implemented yet.');
}


/***/ })

};
