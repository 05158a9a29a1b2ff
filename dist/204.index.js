export const id = 204;
export const ids = [204];
export const modules = {

/***/ 4204:
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
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
// EXTERNAL MODULE: ./src/oidc/claims.ts + 7 modules
var claims = __webpack_require__(1530);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
;// CONCATENATED MODULE: ./src/kubernetes/proxy.ts




/**
 * The proxy for the API server as kubectl picks it: the kubeconfig cluster's `proxy-url` when
 * set; else, as Go's net/http, HTTPS_PROXY (or https_proxy) unless NO_PROXY (or no_proxy)
 * exempts the host, and never for loopback. Undefined: connect directly.
 */
function proxyFor(server, env, proxyUrl) {
    if (typeof proxyUrl === 'string' && proxyUrl.trim()) {
        return { url: parseProxy(proxyUrl.trim(), 'proxy-url'), source: 'proxy-url' };
    }
    const value = (env['HTTPS_PROXY'] || env['https_proxy'] || '').trim();
    if (!value)
        return undefined;
    const host = server.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || isLoopback(host))
        return undefined;
    const port = server.port || '443';
    if (exempt(host, port, env['NO_PROXY'] || env['no_proxy'] || ''))
        return undefined;
    return { url: parseProxy(value, 'HTTPS_PROXY'), source: 'HTTPS_PROXY' };
}
function parseProxy(value, source) {
    const where = source === 'proxy-url'
        ? "The kubeconfig cluster's proxy-url"
        : 'Environment variable HTTPS_PROXY';
    let proxy;
    try {
        proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
    }
    catch {
        throw new errors/* ActionError */.l(`${where} is not a URL.`);
    }
    if (proxy.protocol !== 'http:') {
        throw new errors/* ActionError */.l(`${where} uses ${proxy.protocol}//, which this action does not support for the cluster.`, source === 'proxy-url'
            ? 'Use an http:// proxy (it tunnels TLS with CONNECT), or remove proxy-url from the cluster.'
            : 'Use an http:// proxy (it tunnels TLS with CONNECT), or exempt the API server with NO_PROXY.');
    }
    return proxy;
}
/** The error code of a tunnel the proxy refused (407, 403...): not worth retrying. */
const PROXY_REFUSED = 'ERR_PROXY_REFUSED';
/** The proxy for a log line: never its credentials. */
function describeProxy(proxy) {
    return `${proxy.protocol}//${proxy.host}`;
}
/**
 * A `createConnection` for https.request that opens a CONNECT tunnel through `proxy` and
 * starts TLS to the API server inside it, verifying the server exactly as a direct connection
 * would (`tls` carries the CA, rejectUnauthorized and servername).
 */
function tunnelThrough(proxy, tls) {
    return (options, oncreate) => {
        const done = (error, socket) => oncreate(error, socket);
        const host = (options.hostname ?? options.host ?? '').replace(/^\[|\]$/g, '');
        const port = Number(options.port ?? 443);
        const authority = `${(0,external_node_net_.isIP)(host) === 6 ? `[${host}]` : host}:${port}`;
        const headers = { Host: authority };
        if (proxy.username || proxy.password) {
            const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
            headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
        }
        const connect = (0,external_node_http_.request)({
            host: proxy.hostname.replace(/^\[|\]$/g, ''),
            port: Number(proxy.port || 80),
            method: 'CONNECT',
            path: authority,
            headers,
            agent: false,
        });
        connect.setTimeout(30_000, () => connect.destroy(new Error('the proxy did not answer')));
        connect.once('connect', (response, socket) => {
            connect.setTimeout(0);
            if (response.statusCode !== 200) {
                socket.destroy();
                const refused = new Error(`the proxy ${describeProxy(proxy)} answered CONNECT with HTTP ${response.statusCode}`);
                done(Object.assign(refused, { code: PROXY_REFUSED }));
                return;
            }
            const secure = (0,external_node_tls_.connect)({
                ...tls,
                socket,
                ...(tls.servername || (0,external_node_net_.isIP)(host) ? {} : { servername: host }),
            });
            let settled = false;
            secure.once('secureConnect', () => {
                settled = true;
                done(null, secure);
            });
            secure.once('error', (error) => {
                if (!settled)
                    done(error);
            });
        });
        connect.once('error', (error) => done(error));
        connect.end();
        return undefined;
    };
}
function isLoopback(host) {
    if ((0,external_node_net_.isIP)(host) === 4)
        return host.startsWith('127.');
    if ((0,external_node_net_.isIP)(host) === 6)
        return host === '::1';
    return false;
}
/** NO_PROXY as Go reads it: `*`, IPs, CIDRs, and domains (`example.com` or `.example.com`), each optionally with a port. */
function exempt(host, port, noProxy) {
    for (const raw of noProxy.split(',')) {
        let entry = raw.trim().toLowerCase();
        if (!entry)
            continue;
        if (entry === '*')
            return true;
        if (entry.includes('/')) {
            const [network, bits] = entry.split('/');
            const family = (0,external_node_net_.isIP)(network ?? '');
            if (family && (0,external_node_net_.isIP)(host) === family) {
                const list = new external_node_net_.BlockList();
                list.addSubnet(network, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
                if (list.check(host, family === 4 ? 'ipv4' : 'ipv6'))
                    return true;
            }
            continue;
        }
        let entryPort;
        const withPort = /^(.*[^:\]]|\[.*\]):(\d+)$/.exec(entry);
        if (withPort && (0,external_node_net_.isIP)(entry) !== 6) {
            entry = withPort[1];
            entryPort = withPort[2];
        }
        entry = entry.replace(/^\[|\]$/g, '');
        if (entryPort !== undefined && entryPort !== port)
            continue;
        if ((0,external_node_net_.isIP)(entry)) {
            if (entry === host)
                return true;
            continue;
        }
        if (entry.startsWith('*.'))
            entry = entry.slice(1);
        if (entry.startsWith('.')) {
            if (host.endsWith(entry))
                return true;
        }
        else if (host === entry || host.endsWith(`.${entry}`)) {
            return true;
        }
    }
    return false;
}

;// CONCATENATED MODULE: ./src/kubernetes/client.ts




/**
 * A thin client for the few API calls a deploy needs (get, list, watch, strategic merge patch),
 * speaking to the one cluster of the written kubeconfig with the ID token as bearer.
 *
 * It is deliberately not @kubernetes/client-node: loading even only its KubeConfig costs a
 * 4.1 MB chunk and ~0.2 s per run, for TLS options that KubeTarget already carries.
 */
const FIELD_MANAGER = 'oidc-deploy-action';
const USER_AGENT = 'oidc-deploy-action';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
/** A token closer than this to its `exp` is renewed when the API refuses it. */
const RENEW_MARGIN_S = 60;
/** A non-2xx answer of the API server, with its Status body when it sent one. */
class KubeApiError extends Error {
    verb;
    path;
    statusCode;
    status;
    constructor(verb, path, statusCode, status) {
        super(status?.message || `${verb} ${path}: HTTP ${statusCode}`);
        this.verb = verb;
        this.path = path;
        this.statusCode = statusCode;
        this.status = status;
        this.name = 'KubeApiError';
    }
}
/** The server could not be reached, the connection broke, or its certificate was refused. */
class KubeNetworkError extends Error {
    verb;
    path;
    /** The server's certificate failed verification. */
    tls;
    /** Retrying cannot help: a refused certificate, or a proxy that refuses the tunnel. */
    permanent;
    constructor(verb, path, cause) {
        super(`${verb} ${path}: ${cause.message}`);
        this.verb = verb;
        this.path = path;
        this.name = 'KubeNetworkError';
        this.tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(cause.code ?? '');
        this.permanent = this.tls || cause.code === PROXY_REFUSED;
    }
}
class KubeClient {
    options;
    token;
    tokenExp;
    renewing;
    base;
    tls;
    /** Reused connections (keep-alive), or a fresh CONNECT tunnel per request through a proxy. */
    connection;
    now;
    constructor(options) {
        this.options = options;
        this.token = options.token;
        this.tokenExp = options.tokenExp;
        this.now = options.now ?? Date.now;
        this.base = new URL(options.target.server);
        if (this.base.protocol !== 'https:') {
            // kubectl never sends a bearer token over plain http, and neither does this.
            throw new errors/* ActionError */.l(`The cluster's server ${this.base.protocol}//${this.base.host} is not https.`, 'Use the https:// address of the API server.');
        }
        const ca = options.target.certificateAuthorityData;
        this.tls = {
            ...(ca ? { ca: Buffer.from(ca, 'base64').toString('utf8') } : {}),
            rejectUnauthorized: !options.target.insecureSkipTlsVerify,
            ...(options.target.tlsServerName ? { servername: options.target.tlsServerName } : {}),
        };
        this.connection = options.proxy
            ? {
                createConnection: tunnelThrough(options.proxy, this.tls),
            }
            : // One keep-alive agent per client: a TLS handshake per request cost 7-20 ms each (50
                // patches: 0.3-1 s). Idle sockets are unref'd, so they never hold the process open.
                { agent: new external_node_https_.Agent({ keepAlive: true }) };
    }
    async get(path, query = {}) {
        return this.call('GET', path, query, undefined);
    }
    async list(path, query = {}) {
        return this.call('GET', path, query, undefined);
    }
    /** A strategic merge patch, as `kubectl set image` sends, recorded under our field manager. */
    async patch(path, body) {
        return this.call('PATCH', path, { fieldManager: FIELD_MANAGER }, JSON.stringify(body));
    }
    /**
     * Streams a watch: `onEvent` gets each event in order. Resolves `closed` when the server ends
     * the stream (its timeoutSeconds), `stopped` when onEvent said so or `signal` aborted;
     * rejects with KubeApiError (e.g. 410 Gone) or KubeNetworkError (a dropped connection).
     */
    async watch(path, query, onEvent, signal) {
        const fullQuery = { ...query, watch: true };
        const idleMs = (Number(query['timeoutSeconds'] ?? 300) + 30) * 1000;
        for (let attempt = 1;; attempt++) {
            const response = await this.send('GET', path, fullQuery, undefined, idleMs, signal);
            if (response === 'aborted')
                return 'stopped';
            if (response.statusCode !== 200) {
                const error = await this.failure('GET', path, response);
                if (attempt === 1 && (await this.renewOn(error)))
                    continue;
                throw error;
            }
            return readEvents(response, onEvent, signal, () => new KubeNetworkError('GET', path, new Error('the watch stream broke')));
        }
    }
    async call(verb, path, query, body) {
        const maxAttempts = 3;
        let renewed = false;
        for (let attempt = 1;; attempt++) {
            let response;
            try {
                response = await this.send(verb, path, query, body, this.options.requestTimeoutMs ?? 30_000);
            }
            catch (error) {
                if (attempt >= maxAttempts || (error instanceof KubeNetworkError && error.permanent))
                    throw error;
                await delay(250 * 2 ** attempt);
                continue;
            }
            if (response === 'aborted')
                throw new KubeNetworkError(verb, path, new Error('aborted'));
            const text = await readBody(response);
            const code = response.statusCode ?? 0;
            if (code >= 200 && code < 300)
                return parseJson(text, verb, path);
            const error = new KubeApiError(verb, path, code, parseStatus(text));
            // Once per request: a fresh token that is refused too is the answer.
            if (!renewed && (await this.renewOn(error))) {
                renewed = true;
                continue;
            }
            if ((code === 429 || code >= 500) && attempt < maxAttempts) {
                await delay(retryDelay(response.headers['retry-after'], attempt));
                continue;
            }
            throw error;
        }
    }
    /**
     * On a 401 with a token that is expired or about to be, fetches a new one and says so.
     * GitHub's tokens live 5 minutes, and a rollout can take longer. Concurrent waits share
     * one renewal. Returns whether the request should be retried.
     */
    async renewOn(error) {
        if (error.statusCode !== 401 || !this.options.renewToken)
            return false;
        const left = this.tokenExp - this.now() / 1000;
        if (left > RENEW_MARGIN_S)
            return false;
        if (!this.renewing) {
            const renew = this.options.renewToken;
            const exp = this.tokenExp;
            this.renewing = (async () => {
                const token = await renew();
                this.token = token;
                this.tokenExp = (0,claims/* decodeClaims */.Yq)(token).exp;
                this.options.logger.info(`The ID token ${left <= 0 ? 'expired' : 'was about to expire'} (exp ${new Date(exp * 1000).toISOString()}) and the cluster refused it: requested a new one (exp ${new Date(this.tokenExp * 1000).toISOString()}) and continuing with it.`);
            })().finally(() => {
                this.renewing = undefined;
            });
        }
        await this.renewing;
        return true;
    }
    async failure(verb, path, response) {
        const text = await readBody(response);
        return new KubeApiError(verb, path, response.statusCode ?? 0, parseStatus(text));
    }
    send(verb, path, query, body, idleMs, signal) {
        const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
        for (const [key, value] of Object.entries(query)) {
            if (value !== undefined)
                url.searchParams.set(key, String(value));
        }
        return new Promise((resolve, reject) => {
            if (signal?.aborted)
                return resolve('aborted');
            const req = (0,external_node_https_.request)({
                hostname: url.hostname.replace(/^\[|\]$/g, ''),
                port: Number(url.port || 443),
                defaultPort: 443,
                path: `${url.pathname}${url.search}`,
                ...this.tls,
                ...this.connection,
                method: verb,
                headers: {
                    Accept: 'application/json',
                    Authorization: `Bearer ${this.token}`,
                    'User-Agent': USER_AGENT,
                    ...(body !== undefined
                        ? { 'Content-Type': STRATEGIC_MERGE_PATCH, 'Content-Length': Buffer.byteLength(body) }
                        : {}),
                },
            });
            const onAbort = () => {
                req.destroy();
                resolve('aborted');
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            req.setTimeout(idleMs, () => req.destroy(new Error(`no answer for ${idleMs / 1000} s`)));
            req.on('response', (response) => {
                signal?.removeEventListener('abort', onAbort);
                resolve(response);
            });
            req.on('error', (error) => {
                signal?.removeEventListener('abort', onAbort);
                reject(new KubeNetworkError(verb, path, error));
            });
            req.end(body);
        });
    }
}
/** Feeds newline-delimited watch events to onEvent until the stream ends or onEvent stops it. */
function readEvents(response, onEvent, signal, broken) {
    return new Promise((resolve, reject) => {
        let buffer = '';
        let settled = false;
        const finish = (end) => {
            if (settled)
                return;
            settled = true;
            signal.removeEventListener('abort', onAbort);
            response.destroy();
            if (end instanceof Error)
                reject(end);
            else
                resolve(end);
        };
        const onAbort = () => finish('stopped');
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted)
            return finish('stopped');
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
            buffer += chunk;
            let newline;
            while (!settled && (newline = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, newline).trim();
                buffer = buffer.slice(newline + 1);
                if (!line)
                    continue;
                let event;
                try {
                    event = JSON.parse(line);
                }
                catch {
                    return finish(broken());
                }
                if (onEvent(event) === 'stop')
                    return finish('stopped');
            }
        });
        response.on('end', () => finish('closed'));
        response.on('aborted', () => finish(broken()));
        response.on('error', () => finish(broken()));
        response.on('close', () => finish(response.complete ? 'closed' : broken()));
    });
}
function readBody(response) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
    });
}
function parseJson(text, verb, path) {
    try {
        return JSON.parse(text);
    }
    catch {
        throw new Error(`${verb} ${path}: the API server's answer is not JSON`);
    }
}
function parseStatus(text) {
    try {
        const value = JSON.parse(text);
        if (typeof value === 'object' && value !== null && value.kind === 'Status') {
            return value;
        }
    }
    catch {
        // Not JSON (a proxy's HTML page, say): the status code has to do.
    }
    return undefined;
}
/**
 * How long to wait before retrying a 429 or 5xx: the server's Retry-After (seconds, as client-go
 * honours it; capped, so a bad header cannot stall the step), else exponential backoff.
 */
function retryDelay(header, attempt) {
    const value = Array.isArray(header) ? header[0] : header;
    const seconds = value === undefined || value.trim() === '' ? NaN : Number(value);
    if (Number.isFinite(seconds) && seconds >= 0)
        return Math.min(seconds, 10) * 1000;
    return 250 * 2 ** attempt;
}
function delay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/kubernetes/objects.ts
/** How each workload kind is addressed: all three live in apps/v1. */
const WORKLOAD_RESOURCES = {
    deployment: { resource: 'deployments', kind: 'Deployment' },
    statefulset: { resource: 'statefulsets', kind: 'StatefulSet' },
    daemonset: { resource: 'daemonsets', kind: 'DaemonSet' },
};
/** `/apis/apps/v1/namespaces/NS/deployments[/NAME]` */
function workloadPath(kind, namespace, name) {
    const base = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${WORKLOAD_RESOURCES[kind].resource}`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}
/** kubectl's way of naming a workload in messages: `deployments.apps "web"`. */
function qualifiedName(kind, name) {
    return `${WORKLOAD_RESOURCES[kind].resource}.apps "${name}"`;
}

;// CONCATENATED MODULE: ./src/kubernetes/explain.ts




// The API server's wording (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go).
const FORBIDDEN = /User "((?:[^"\\]|\\.)*)" cannot (\S+) resource "([^"]+)" in API group "([^"]*)" (?:in the namespace "([^"]+)"|at the cluster scope)/;
function parseForbidden(message) {
    const m = FORBIDDEN.exec(message);
    if (!m)
        return undefined;
    return {
        user: m[1].replace(/\\(.)/g, '$1'),
        verb: m[2],
        resource: m[3],
        group: m[4],
        namespace: m[5],
    };
}
const ROLE_NAME = 'oidc-deploy-action';
/**
 * A Role and RoleBinding granting `user` exactly what this action does in `namespace`:
 * get/list/watch/patch on the workload kinds used, and list on the objects the diagnosis
 * reads (ReplicaSets for deployments, pods, events).
 */
function rbacYaml(user, namespace, kinds) {
    const resources = [...new Set(kinds)].sort().map((k) => WORKLOAD_RESOURCES[k].resource);
    const rules = [
        { apiGroups: ['apps'], resources, verbs: ['get', 'list', 'watch', 'patch'] },
    ];
    if (kinds.includes('deployment')) {
        rules.push({ apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] });
    }
    rules.push({ apiGroups: [''], resources: ['pods', 'events'], verbs: ['list'] });
    const role = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: ROLE_NAME, namespace },
        rules,
    };
    const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: ROLE_NAME, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAME },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    };
    return `${(0,dist/* stringify */.As)(role, { lineWidth: 0 })}---\n${(0,dist/* stringify */.As)(binding, { lineWidth: 0 })}`;
}
/** A 403 as an ActionError: who the cluster saw, what it refused, and the RBAC to apply. */
function explainForbidden(error, doing, namespace, kinds) {
    const refusal = parseForbidden(error.status?.message ?? '');
    if (!refusal) {
        return new errors/* ActionError */.l(`The cluster refused to ${doing}: ${error.message}`, 'Grant the user this token maps to get, list, watch and patch on the workloads, and list on pods and events, in the namespace.');
    }
    const what = `${refusal.resource}${refusal.group ? `.${refusal.group}` : ''}`;
    const where = refusal.namespace ? `in namespace "${refusal.namespace}"` : 'at the cluster scope';
    return new errors/* ActionError */.l(`The cluster refused to ${doing}: user "${refusal.user}" may not ${refusal.verb} ${what} ${where}.`, [
        `The cluster authenticated the token as user "${refusal.user}" but RBAC grants it no "${refusal.verb}" on ${what}.`,
        'Grant exactly what this action needs with (kubectl apply -f role.yaml):',
        '',
        rbacYaml(refusal.user, refusal.namespace ?? namespace, kinds),
    ].join('\n'));
}
/**
 * A 401 as an ActionError. The API server never says why (its body is always "Unauthorized"),
 * so this lists what it checks: the token's issuer, audience and expiry against the cluster's
 * AuthenticationConfiguration.
 */
function explainUnauthorized(doing, claims, now = Date.now()) {
    const exp = new Date(claims.exp * 1000).toISOString();
    const expired = claims.exp * 1000 <= now;
    const aud = claims.aud[0] ?? '<audience>';
    const example = (prefix, issuer, audience) => [
        'apiVersion: apiserver.config.k8s.io/v1beta1  # v1 from Kubernetes 1.34',
        'kind: AuthenticationConfiguration',
        'jwt:',
        '  - issuer:',
        `      url: ${issuer}`,
        '      audiences:',
        `        - ${audience}`,
        '    claimMappings:',
        '      username:',
        '        claim: sub',
        `        prefix: "${prefix}"`,
    ].join('\n');
    return new errors/* ActionError */.l(`The cluster did not accept the ID token (401 Unauthorized) when asked to ${doing}.`, [
        'The API server does not say why; it checks these against its AuthenticationConfiguration (--authentication-config):',
        `  iss: ${claims.iss}  must equal jwt[].issuer.url exactly`,
        `  aud: ${claims.aud.join(', ') || '(none)'}  one must be in jwt[].issuer.audiences (set input "audience" to request another)`,
        `  exp: ${exp}${expired ? '  (expired)' : ''}`,
        `  sub: ${claims.sub}  becomes the user via claimMappings.username (claim: sub, with a prefix)`,
        "The cluster must also reach the issuer's discovery document and JWKS.",
        '',
        'For this token:',
        example(usernamePrefix(claims.iss), claims.iss, aud),
        '',
        'Forgejo, e.g.:',
        example('forgejo:', 'https://forgejo.example.com/api/actions', 'https://forgejo.example.com/OWNER'),
        '',
        'GitHub, e.g.:',
        example('github:', 'https://token.actions.githubusercontent.com', 'https://github.com/OWNER'),
    ].join('\n'));
}
/** A username prefix naming the platform, so cluster users from CI are recognisable. */
function usernamePrefix(issuer) {
    if (/token\.actions\.githubusercontent\.com|\/_services\/token$/.test(issuer))
        return 'github:';
    if (/\/api\/actions\/?$/.test(issuer))
        return 'forgejo:';
    return 'oidc:';
}
/** Turns an API refusal into the explanation the user needs; other errors pass through. */
function explainApiError(error, doing, context) {
    if (error instanceof KubeApiError) {
        if (error.statusCode === 401)
            return explainUnauthorized(doing, context.claims);
        if (error.statusCode === 403) {
            return explainForbidden(error, doing, context.namespace, context.kinds);
        }
        return new errors/* ActionError */.l(`The cluster refused to ${doing}: ${error.message} (HTTP ${error.statusCode}).`);
    }
    if (error instanceof KubeNetworkError) {
        return new errors/* ActionError */.l(`Could not reach the cluster to ${doing}: ${error.message}.`, error.tls
            ? "The API server's certificate was not signed by the kubeconfig's CA: check the cluster's certificate-authority-data (base64 of the CA's PEM) and the server address (or tls-server-name)."
            : "Check that the runner can reach the API server (the kubeconfig's server address, firewalls). A proxy comes from the cluster's proxy-url, else HTTPS_PROXY unless NO_PROXY exempts the server.");
    }
    return error;
}

;// CONCATENATED MODULE: ./src/kubernetes/diagnose.ts


/**
 * Why a rollout did not finish: the new revision's pods that are not ready, each container's
 * waiting/terminated reason, the scheduler's reason for a pending pod, and recent Warning
 * events of the workload and those pods. Deployments find the new revision's pods by the
 * newest ReplicaSet's pod-template-hash, StatefulSets by status.updateRevision; DaemonSets (and
 * deployments when ReplicaSets may not be listed) by the selector and the new images.
 * A refusal to list degrades to a note: the diagnosis never fails the action itself.
 */
async function diagnose(request) {
    const { client, kind, name, namespace, workload } = request;
    const maxPods = request.maxPods ?? 5;
    const maxEvents = request.maxEvents ?? 10;
    const notes = [];
    const findings = [];
    const eventObjects = new Set([name]);
    const selector = workload?.spec?.selector ? labelSelector(workload.spec.selector) : undefined;
    let revisionLabel;
    if (kind === 'deployment' && selector !== undefined) {
        try {
            const replicaSets = await client.list(`/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/replicasets`, { labelSelector: selector });
            const newest = newestReplicaSet(replicaSets.items ?? [], workload?.metadata?.uid);
            const hash = newest?.metadata?.labels?.['pod-template-hash'];
            if (newest?.metadata?.name)
                eventObjects.add(newest.metadata.name);
            if (hash)
                revisionLabel = `pod-template-hash=${hash}`;
        }
        catch (error) {
            notes.push(cannotList('replicasets', error, 'picking pods by their new images instead'));
        }
    }
    else if (kind === 'statefulset' && workload?.status?.updateRevision) {
        revisionLabel = `controller-revision-hash=${workload.status.updateRevision}`;
    }
    if (selector === undefined) {
        notes.push(`The ${kind}'s selector is unknown, so its pods could not be found.`);
    }
    else {
        try {
            const pods = await client.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, {
                labelSelector: revisionLabel
                    ? [selector, revisionLabel].filter(Boolean).join(',')
                    : selector,
                limit: 500,
            });
            const newPods = (pods.items ?? []).filter((pod) => revisionLabel !== undefined || runsNewImages(pod, request.changes));
            const notReady = newPods.filter((pod) => !isReady(pod));
            if (notReady.length === 0) {
                findings.push(newPods.length === 0
                    ? 'No pod of the new revision exists yet.'
                    : `All ${newPods.length} pods of the new revision are ready.`);
            }
            for (const pod of notReady.slice(0, maxPods)) {
                const podName = pod.metadata?.name ?? '?';
                eventObjects.add(podName);
                findings.push(...describePod(pod));
            }
            if (notReady.length > maxPods) {
                findings.push(`... and ${notReady.length - maxPods} more pods not ready.`);
            }
        }
        catch (error) {
            notes.push(cannotList('pods', error));
        }
    }
    const events = [];
    try {
        const list = await client.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, { fieldSelector: 'type=Warning', limit: 500 });
        const relevant = (list.items ?? [])
            .filter((e) => e.type === 'Warning' && eventObjects.has(e.involvedObject?.name ?? ''))
            .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
            .slice(-maxEvents);
        for (const e of relevant) {
            const count = e.count && e.count > 1 ? ` (x${e.count})` : '';
            events.push(`${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? '?'}: ${e.reason ?? ''}: ${oneLine(e.message ?? '')}${count}`);
        }
    }
    catch (error) {
        notes.push(cannotList('events', error));
    }
    const lines = [
        ...findings,
        ...(events.length > 0 ? ['Recent warning events:', ...events.map((e) => `  ${e}`)] : []),
        ...notes,
    ];
    const markdown = [
        `**${kind}/${name}** (namespace ${namespace})`,
        '',
        // Indented findings (a pod's containers) become nested list items under their pod.
        ...findings.map((f) => f.replace(/^(\s*)/, '$1- ')),
        ...(events.length > 0
            ? ['', 'Recent warning events:', '', ...events.map((e) => `- ${e}`)]
            : []),
        ...(notes.length > 0 ? ['', ...notes.map((n) => `> ${n}`)] : []),
    ].join('\n');
    return { lines, markdown };
}
/** One line per not-ready pod, and one per container that says why. */
function describePod(pod) {
    const name = pod.metadata?.name ?? '?';
    const status = pod.status ?? {};
    const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
    let head = `pod/${name}: ${status.phase ?? 'Unknown'}`;
    if (scheduled?.status === 'False') {
        head += ` (not scheduled: ${scheduled.reason ?? ''}${scheduled.message ? `: ${oneLine(scheduled.message)}` : ''})`;
    }
    else if (status.reason) {
        head += ` (${status.reason}${status.message ? `: ${oneLine(status.message)}` : ''})`;
    }
    const lines = [head];
    const statuses = [
        ...(status.initContainerStatuses ?? []).map((s) => [s, true]),
        ...(status.containerStatuses ?? []).map((s) => [s, false]),
    ];
    for (const [container, init] of statuses) {
        const why = containerProblem(container);
        if (why)
            lines.push(`  ${init ? 'init container' : 'container'} ${container.name}: ${why}`);
    }
    return lines;
}
/** ImagePullBackOff, ErrImagePull, CrashLoopBackOff (with the last exit code), a failed exit. */
function containerProblem(container) {
    const state = container.state ?? {};
    const restarts = container.restartCount ? `, ${container.restartCount} restarts` : '';
    if (state.waiting) {
        const { reason = 'Waiting', message } = state.waiting;
        if (reason === 'ContainerCreating' || reason === 'PodInitializing')
            return undefined;
        const lastExit = container.lastState?.terminated;
        const exit = lastExit?.exitCode !== undefined
            ? `; last exit code ${lastExit.exitCode}${lastExit.reason ? ` (${lastExit.reason})` : ''}`
            : '';
        return `${reason}${message ? `: ${oneLine(message)}` : ''}${exit}${restarts}`;
    }
    if (state.terminated && state.terminated.exitCode !== 0) {
        const { reason = 'Terminated', exitCode, message } = state.terminated;
        return `${reason} (exit code ${exitCode ?? '?'})${message ? `: ${oneLine(message)}` : ''}${restarts}`;
    }
    if (state.running && container.ready === false)
        return `running, not ready${restarts}`;
    return undefined;
}
/** A LabelSelector as the `labelSelector` query parameter. */
function labelSelector(selector) {
    const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const e of selector.matchExpressions ?? []) {
        const values = (e.values ?? []).join(',');
        if (e.operator === 'In')
            parts.push(`${e.key} in (${values})`);
        else if (e.operator === 'NotIn')
            parts.push(`${e.key} notin (${values})`);
        else if (e.operator === 'Exists')
            parts.push(e.key);
        else if (e.operator === 'DoesNotExist')
            parts.push(`!${e.key}`);
    }
    return parts.join(',');
}
/** The deployment's ReplicaSet with the highest revision annotation. */
function newestReplicaSet(items, ownerUid) {
    const owned = items.filter((rs) => !ownerUid || (rs.metadata?.ownerReferences ?? []).some((o) => o.uid === ownerUid));
    let best;
    let bestRevision = -1;
    for (const rs of owned) {
        const revision = Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? -1);
        if (revision > bestRevision) {
            best = rs;
            bestRevision = revision;
        }
    }
    return best;
}
function runsNewImages(pod, changes) {
    const spec = pod.spec ?? {};
    return changes.every((change) => {
        const list = change.init ? spec.initContainers : spec.containers;
        return list?.find((c) => c.name === change.name)?.image === change.newImage;
    });
}
function isReady(pod) {
    return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
function eventTime(e) {
    return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
}
function cannotList(resource, error, instead) {
    const suffix = instead ? `; ${instead}` : '';
    if (error instanceof KubeApiError && error.statusCode === 403) {
        const refusal = parseForbidden(error.status?.message ?? '');
        const who = refusal ? `user "${refusal.user}"` : 'this user';
        return `Not allowed to list ${resource} (${who} lacks "list" on ${resource})${suffix}.`;
    }
    const why = error instanceof Error ? error.message : String(error);
    return `Could not list ${resource}: ${oneLine(why)}${suffix}.`;
}
function oneLine(text) {
    return text.replace(/\s+/g, ' ').trim();
}

;// CONCATENATED MODULE: ./src/kubernetes/rollout.ts


const ONLY_ROLLING_UPDATE = 'rollout status is only available for RollingUpdate strategy type';
/** kubectl's status viewer for the kind (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go). */
function rolloutStatus(kind, object) {
    switch (kind) {
        case 'deployment':
            return deploymentStatus(object);
        case 'statefulset':
            return statefulSetStatus(object);
        case 'daemonset':
            return daemonSetStatus(object);
    }
}
function deploymentStatus(d) {
    const name = d.metadata?.name ?? '';
    const generation = d.metadata?.generation ?? 0;
    const status = d.status ?? {};
    if (generation > (status.observedGeneration ?? 0)) {
        return waiting('Waiting for deployment spec update to be observed...');
    }
    const progressing = status.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
        const error = `deployment "${name}" exceeded its progress deadline`;
        return { done: false, message: error, error };
    }
    const updated = status.updatedReplicas ?? 0;
    const replicas = d.spec?.replicas;
    if (replicas !== undefined && updated < replicas) {
        return waiting(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`);
    }
    const current = status.replicas ?? 0;
    if (current > updated) {
        return waiting(`Waiting for deployment "${name}" rollout to finish: ${current - updated} old replicas are pending termination...`);
    }
    const available = status.availableReplicas ?? 0;
    if (available < updated) {
        return waiting(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
    }
    return { done: true, message: `deployment "${name}" successfully rolled out` };
}
function daemonSetStatus(d) {
    const name = d.metadata?.name ?? '';
    if (d.spec?.updateStrategy?.type !== 'RollingUpdate') {
        return { done: false, message: ONLY_ROLLING_UPDATE, error: ONLY_ROLLING_UPDATE };
    }
    const status = d.status ?? {};
    if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
        return waiting('Waiting for daemon set spec update to be observed...');
    }
    const desired = status.desiredNumberScheduled ?? 0;
    const updated = status.updatedNumberScheduled ?? 0;
    if (updated < desired) {
        return waiting(`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
    }
    const available = status.numberAvailable ?? 0;
    if (available < desired) {
        return waiting(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
    }
    return { done: true, message: `daemon set "${name}" successfully rolled out` };
}
function statefulSetStatus(s) {
    const strategy = s.spec?.updateStrategy;
    if (strategy?.type !== 'RollingUpdate') {
        return { done: false, message: ONLY_ROLLING_UPDATE, error: ONLY_ROLLING_UPDATE };
    }
    const status = s.status ?? {};
    const observed = status.observedGeneration ?? 0;
    if (observed === 0 || (s.metadata?.generation ?? 0) > observed) {
        return waiting('Waiting for statefulset spec update to be observed...');
    }
    const replicas = s.spec?.replicas;
    const ready = status.readyReplicas ?? 0;
    if (replicas !== undefined && ready < replicas) {
        return waiting(`Waiting for ${replicas - ready} pods to be ready...`);
    }
    const updated = status.updatedReplicas ?? 0;
    if (strategy.rollingUpdate) {
        const partition = strategy.rollingUpdate.partition;
        if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
            return waiting(`Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`);
        }
        return {
            done: true,
            message: `partitioned roll out complete: ${updated} new pods have been updated...`,
        };
    }
    if (status.updateRevision !== status.currentRevision) {
        return waiting(`waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision ?? ''}...`);
    }
    return {
        done: true,
        message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? ''}...`,
    };
}
function waiting(message) {
    return { done: false, message };
}
const TIMED_OUT = 'timed out waiting for the condition';
/**
 * `kubectl rollout status --timeout`: list the object (by name), judge it, then watch from the
 * list's resourceVersion and judge every change, until done, an error, deletion or the timeout.
 * A 410 Gone or an ERROR event re-lists; a dropped stream reconnects with backoff from the last
 * resourceVersion seen; a stream the server ended reconnects at once. Requests grow with
 * reconnects, not with events. Each new progress line is logged once.
 */
async function waitForRollout(request) {
    const { client, kind, name, namespace, logger } = request;
    const path = workloadPath(kind, namespace);
    const fieldSelector = `metadata.name=${name}`;
    const backoff = request.backoff ?? { baseMs: 500, maxMs: 10_000 };
    const watchTimeout = request.watchTimeoutSeconds ?? (() => 300 + Math.floor(Math.random() * 300));
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
    const signal = request.signal
        ? AbortSignal.any([deadline.signal, request.signal])
        : deadline.signal;
    let last;
    let lastMessage;
    const judge = (object) => {
        last = object;
        const status = rolloutStatus(kind, object);
        if (status.message !== lastMessage) {
            lastMessage = status.message;
            if (!status.error)
                logger.info(`${request.prefix ?? ''}${status.message}`);
        }
        if (status.error)
            return { result: 'failed', message: status.error, last };
        if (status.done)
            return { result: 'done', message: status.message, last };
        return undefined;
    };
    try {
        let resourceVersion;
        let failures = 0;
        // Re-lists in a row without an event between them: the first is immediate (as kubectl's),
        // the next back off, so a server that keeps expiring the watch costs requests over time only.
        let relists = 0;
        while (!signal.aborted) {
            if (relists > 1) {
                await abortableDelay(pause(backoff, relists - 1), signal);
                if (signal.aborted)
                    break;
            }
            try {
                if (resourceVersion === undefined) {
                    // A consistent read (no resourceVersion=0): a cached list could predate our patch.
                    const list = await untilAborted(client.list(path, { fieldSelector, limit: 500 }), signal);
                    if (list === ABORTED)
                        break;
                    const object = list.items?.[0];
                    if (!object) {
                        return { result: 'deleted', message: `${qualifiedName(kind, name)} not found`, last };
                    }
                    const verdict = judge(object);
                    if (verdict)
                        return verdict;
                    resourceVersion =
                        list.metadata?.resourceVersion ?? object.metadata?.resourceVersion ?? '';
                }
                let outcome;
                let relist = false;
                let events = 0;
                const started = Date.now();
                const end = await client.watch(path, {
                    allowWatchBookmarks: true,
                    fieldSelector,
                    resourceVersion,
                    timeoutSeconds: watchTimeout(),
                }, (event) => {
                    if (event.type !== 'ERROR') {
                        events++;
                        relists = 0;
                    }
                    switch (event.type) {
                        case 'ADDED':
                        case 'MODIFIED': {
                            const object = event.object;
                            resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
                            outcome = judge(object);
                            return outcome ? 'stop' : 'continue';
                        }
                        case 'BOOKMARK':
                            resourceVersion =
                                event.object.metadata?.resourceVersion ?? resourceVersion;
                            return 'continue';
                        case 'DELETED':
                            // kubectl stops too: a re-created object would be a different rollout.
                            outcome = { result: 'deleted', message: 'object has been deleted', last };
                            return 'stop';
                        default: {
                            const status = event.object;
                            logger.debug(`watch of ${kind}/${name} ended with ${status.code ?? ''} ${status.reason ?? ''} ${status.message ?? ''}; listing again`);
                            relist = true;
                            return 'stop';
                        }
                    }
                }, signal);
                if (outcome)
                    return outcome;
                if (relist) {
                    resourceVersion = undefined;
                    relists++;
                    continue;
                }
                if (end === 'closed' && (events > 0 || Date.now() - started >= 1000)) {
                    failures = 0;
                    continue;
                }
                if (end === 'stopped')
                    break;
                failures++;
                logger.debug(`watch of ${kind}/${name} closed at once; reconnecting`);
            }
            catch (error) {
                if (error instanceof KubeApiError && error.statusCode === 410) {
                    resourceVersion = undefined;
                    relists++;
                    continue;
                }
                if (!isTransient(error))
                    throw error;
                failures++;
                logger.debug(`watch of ${kind}/${name}: ${error instanceof Error ? error.message : String(error)}; reconnecting`);
            }
            await abortableDelay(pause(backoff, failures), signal);
        }
        return { result: 'timed-out', message: TIMED_OUT, last };
    }
    finally {
        clearTimeout(timer);
    }
}
/** Exponential: baseMs for the first failure, doubling up to maxMs. */
function pause(backoff, failures) {
    return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
}
/** A broken connection or a server in trouble: worth another try within the timeout. */
function isTransient(error) {
    if (error instanceof KubeNetworkError)
        return !error.permanent;
    return error instanceof KubeApiError && (error.statusCode === 429 || error.statusCode >= 500);
}
const ABORTED = Symbol('aborted');
function untilAborted(promise, signal) {
    if (signal.aborted) {
        promise.catch(() => undefined);
        return Promise.resolve(ABORTED);
    }
    return new Promise((resolve, reject) => {
        const onAbort = () => resolve(ABORTED);
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then((value) => {
            signal.removeEventListener('abort', onAbort);
            resolve(value);
        }, (error) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
        });
    });
}
function abortableDelay(ms, signal) {
    return new Promise((resolve) => {
        if (signal.aborted)
            return resolve();
        const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
    });
}

;// CONCATENATED MODULE: ./src/kubernetes/set-image.ts
/** Matches the assignments against the workload's pod template, containers and init containers. */
function planImages(workload, images) {
    const podSpec = workload.spec?.template?.spec ?? {};
    const all = [
        ...(podSpec.containers ?? []).map((c) => ({ ...c, init: false })),
        ...(podSpec.initContainers ?? []).map((c) => ({ ...c, init: true })),
    ];
    const changes = [];
    const problems = [];
    for (const { container, image } of images) {
        const matched = container === '*' ? all : all.filter((c) => c.name === container);
        if (matched.length === 0) {
            problems.push(`unable to find container named "${container}"`);
            continue;
        }
        for (const c of matched) {
            changes.push({ name: c.name, init: c.init, previousImage: c.image ?? '', newImage: image });
        }
    }
    return { changes, problems };
}
/** True when every named container already runs the requested image: nothing to patch. */
function isUnchanged(changes) {
    return changes.every((c) => c.previousImage === c.newImage);
}
/**
 * The strategic merge patch kubectl computes for `set image` (a two-way merge patch of the pod
 * template): per list, `$setElementOrder/<list>` keeps the order of every container and the list
 * holds only the changed ones, `{"image","name"}`. Keys are sorted as Go marshals a map.
 * `changeCause` goes to the workload's `kubernetes.io/change-cause` annotation.
 */
function imagePatch(workload, changes, changeCause) {
    const podSpec = workload.spec?.template?.spec ?? {};
    const templateSpec = {};
    const lists = [
        ['containers', podSpec.containers ?? [], false],
        ['initContainers', podSpec.initContainers ?? [], true],
    ];
    for (const [list, containers, init] of lists) {
        const changed = containers.filter((c) => changes.some((x) => x.init === init && x.name === c.name && x.newImage !== c.image));
        if (changed.length === 0)
            continue;
        templateSpec[`$setElementOrder/${list}`] = containers.map((c) => ({ name: c.name }));
        templateSpec[list] = changed.map((c) => ({
            image: changes.find((x) => x.init === init && x.name === c.name)?.newImage,
            name: c.name,
        }));
    }
    const patch = {};
    if (changeCause !== undefined) {
        patch['metadata'] = { annotations: { 'kubernetes.io/change-cause': changeCause } };
    }
    patch['spec'] = { template: { spec: sortKeys(templateSpec) } };
    return patch;
}
/** The reverse of `changes`: what restores the images read before the patch. */
function reverseChanges(changes) {
    return changes.map((c) => ({ ...c, previousImage: c.newImage, newImage: c.previousImage }));
}
/**
 * The change-cause annotation: which repository, commit and run set the images, so
 * `kubectl rollout history` says where a revision came from.
 */
function changeCause(ref, changes, env, action = 'set image') {
    const pairs = changes
        .filter((c) => c.previousImage !== c.newImage)
        .map((c) => `${c.name}=${c.newImage}`)
        .join(' ');
    const origin = [
        env['GITHUB_REPOSITORY'] && `repository ${env['GITHUB_REPOSITORY']}`,
        env['GITHUB_SHA'] && `commit ${env['GITHUB_SHA']}`,
        env['GITHUB_RUN_ID'] && `run ${env['GITHUB_RUN_ID']}`,
    ].filter(Boolean);
    const by = origin.length > 0 ? ` (${origin.join(', ')})` : '';
    return `oidc-deploy-action ${action} ${ref.kind}/${ref.name} ${pairs}${by}`;
}
function sortKeys(object) {
    return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

;// CONCATENATED MODULE: ./src/kubernetes/deploy.ts







/**
 * `kubectl set image` + `kubectl rollout status --timeout` for every workload, with the checks
 * kubectl lacks: every workload and container is validated before anything is patched, a
 * failed rollout is diagnosed and, if asked, rolled back. API refusals become explanations.
 */
async function deploy(request) {
    const { client, namespace, logger } = request;
    const kinds = request.workloads.map((w) => w.kind);
    const explain = (error, doing) => explainApiError(error, doing, { namespace, kinds, claims: request.claims });
    const planned = await validate(request, explain);
    // Patch one at a time, so a refusal leaves as few workloads changed as possible.
    const started = new Map();
    const patched = [];
    const results = new Map();
    for (const plan of planned) {
        const { ref, object, changes } = plan;
        started.set(ref, Date.now());
        const label = `${ref.kind}.apps/${ref.name}`;
        if (isUnchanged(changes)) {
            logger.info(`${label} already runs the requested images: left unchanged`);
            results.set(ref, result(plan, 'unchanged', 'already at the requested images', started, namespace));
            continue;
        }
        try {
            await client.patch(workloadPath(ref.kind, namespace, ref.name), imagePatch(object, changes, changeCause(ref, changes, request.env)));
        }
        catch (error) {
            const explained = explain(error, `patch ${ref.kind}/${ref.name}`);
            if (patched.length > 0 && explained instanceof errors/* ActionError */.l) {
                const done = patched.map((p) => `${p.ref.kind}/${p.ref.name}`).join(', ');
                throw withNote(explained, `already patched: ${done}`);
            }
            throw explained;
        }
        logger.info(`${label} image updated`);
        patched.push(plan);
    }
    if (request.rolloutTimeoutMs === 0) {
        for (const plan of patched) {
            results.set(plan.ref, result(plan, 'patched', 'patched; not waiting (rollout-timeout: 0)', started, namespace));
        }
        return {
            workloads: planned.map((p) => results.get(p.ref)),
            diagnosis: undefined,
        };
    }
    const several = patched.length > 1;
    const waits = await waitAll(patched, request, several, explain).catch((error) => {
        // The patches went through: say so, or the user would think nothing changed.
        if (!(error instanceof errors/* ActionError */.l))
            throw error;
        const set = patched.map((p) => `${p.ref.kind}/${p.ref.name}`).join(', ');
        throw withNote(error, `the new images were already set on ${set}`);
    });
    const diagnoses = [];
    const failed = [];
    for (const [index, plan] of patched.entries()) {
        const outcome = waits[index];
        if (outcome.result === 'done') {
            results.set(plan.ref, result(plan, 'rolled-out', outcome.message, started, namespace));
        }
        else {
            failed.push({ plan, outcome });
        }
    }
    // Diagnosed at once, reported in input order.
    const found = await Promise.all(failed.map(({ plan, outcome }) => diagnose({
        client,
        kind: plan.ref.kind,
        name: plan.ref.name,
        namespace,
        workload: outcome.last ?? plan.object,
        changes: plan.changes,
    })));
    for (const [index, { plan, outcome }] of failed.entries()) {
        const { ref } = plan;
        const diagnosis = found[index];
        logger.warning(`${ref.kind}/${ref.name}: ${outcome.message}`);
        for (const line of diagnosis.lines)
            logger.info(`${ref.kind}/${ref.name}: ${line}`);
        diagnoses.push(`${diagnosis.markdown}\n\n_${outcome.message}_`);
    }
    const rollbacks = request.rollbackOnFailure ? failed : [];
    const rolledBack = await Promise.all(rollbacks.map(({ plan }) => 
    // A refused rollback must not hide the failure it answers: it becomes part of the result.
    rollBack(plan, request, explain).catch((error) => {
        const text = error instanceof Error ? error.message : String(error);
        logger.warning(`${plan.ref.kind}/${plan.ref.name}: the rollback failed: ${(0,errors/* formatError */.W)(error)}`);
        return { result: 'failed', message: text, last: undefined };
    })));
    for (const { plan, outcome } of failed) {
        const index = rollbacks.findIndex((r) => r.plan === plan);
        const back = index >= 0 ? rolledBack[index] : undefined;
        const kind = outcome.result === 'timed-out' ? 'timed-out' : 'failed';
        if (back?.result === 'done') {
            results.set(plan.ref, result(plan, 'rolled-back', `${outcome.message}; rolled back to the previous images`, started, namespace));
        }
        else if (back) {
            results.set(plan.ref, result(plan, kind, `${outcome.message}; the rollback did not finish: ${back.message}`, started, namespace));
        }
        else {
            results.set(plan.ref, result(plan, kind, outcome.message, started, namespace));
        }
    }
    return {
        workloads: planned.map((p) => results.get(p.ref)),
        diagnosis: diagnoses.length > 0 ? diagnoses.join('\n\n') : undefined,
    };
}
/**
 * Reads every workload and matches every image line against it before anything changes:
 * all problems are reported at once, in one error, and nothing is patched.
 */
async function validate(request, explain) {
    const { client, namespace } = request;
    const reads = await Promise.allSettled(request.workloads.map((ref) => client.get(workloadPath(ref.kind, namespace, ref.name))));
    const problems = [];
    const planned = [];
    for (const [index, ref] of request.workloads.entries()) {
        const read = reads[index];
        if (read.status === 'rejected') {
            if (read.reason instanceof KubeApiError && read.reason.statusCode === 404) {
                problems.push(`${qualifiedName(ref.kind, ref.name)} not found`);
                continue;
            }
            throw explain(read.reason, `get ${ref.kind}/${ref.name}`);
        }
        const plan = planImages(read.value, request.images);
        for (const problem of plan.problems)
            problems.push(`${ref.kind}/${ref.name}: ${problem}`);
        planned.push({ ref, object: read.value, changes: plan.changes });
    }
    if (problems.length > 0) {
        throw new errors/* ActionError */.l(`Inputs "workloads" and "images" do not match the cluster (namespace "${namespace}"): ${problems.join('; ')}. Nothing was changed.`, 'Check the workload names and kinds (deployment/NAME, statefulset/NAME, daemonset/NAME), the namespace, and the container names in "images" (kubectl get KIND NAME -o jsonpath=\'{.spec.template.spec.containers[*].name}\').');
    }
    return planned;
}
/** Waits for every patched workload at once; a refusal stops them all. */
async function waitAll(plans, request, several, explain) {
    const stop = new AbortController();
    const settled = await Promise.allSettled(plans.map((plan) => waitFor(plan, request, several ? `${plan.ref.kind}/${plan.ref.name}: ` : '', stop.signal).catch((error) => {
        stop.abort();
        throw explain(error, `watch ${plan.ref.kind}/${plan.ref.name}`);
    })));
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure)
        throw failure.reason;
    return settled.map((s) => s.value);
}
function waitFor(plan, request, prefix, signal) {
    return waitForRollout({
        client: request.client,
        kind: plan.ref.kind,
        name: plan.ref.name,
        namespace: request.namespace,
        timeoutMs: request.rolloutTimeoutMs,
        logger: request.logger,
        prefix,
        ...(signal ? { signal } : {}),
        ...request.waitTuning,
    });
}
/** Patches the images read before the deploy back in, and waits for that rollout too. */
async function rollBack(plan, request, explain) {
    const { ref } = plan;
    const back = reverseChanges(plan.changes);
    const latest = await request.client
        .get(workloadPath(ref.kind, request.namespace, ref.name))
        .catch((error) => {
        throw explain(error, `get ${ref.kind}/${ref.name} to roll it back`);
    });
    request.logger.info(`${ref.kind}/${ref.name}: rolling back to ${back
        .filter((c) => c.previousImage !== c.newImage)
        .map((c) => `${c.name}=${c.newImage}`)
        .join(' ')}`);
    try {
        await request.client.patch(workloadPath(ref.kind, request.namespace, ref.name), imagePatch(latest, back, changeCause(ref, back, request.env, 'rollback')));
    }
    catch (error) {
        throw explain(error, `patch ${ref.kind}/${ref.name} back to its previous images`);
    }
    // Prefixed even alone: its lines must not read as the deploy's own success.
    return waitFor(plan, request, `rollback of ${ref.kind}/${ref.name}: `);
}
/** The same error with a note appended to its message. */
function withNote(error, note) {
    return new errors/* ActionError */.l(`${error.message.replace(/\.$/, '')}; ${note}.`, error.hint);
}
function result(plan, outcome, message, started, namespace) {
    const seconds = (Date.now() - (started.get(plan.ref) ?? Date.now())) / 1000;
    return {
        kind: plan.ref.kind,
        name: plan.ref.name,
        namespace,
        containers: plan.changes,
        result: outcome,
        seconds: Math.round(seconds * 10) / 10,
        message,
    };
}

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
    // The deploy talks to the same cluster as the kubeconfig, as its user, with the token itself
    // (also in refresh mode: the plugin would only fetch the same token again).
    const proxy = proxyFor(new URL(target.server), ctx.env, plan.cluster['proxy-url']);
    if (proxy) {
        ctx.logger.info(`Reaching the cluster through the proxy ${describeProxy(proxy.url)} (${proxy.source})`);
    }
    const client = new KubeClient({
        target,
        proxy: proxy?.url,
        token: ctx.token,
        tokenExp: ctx.claims.exp,
        renewToken: ctx.renewToken,
        logger: ctx.logger,
    });
    const deployed = await deploy({
        client,
        namespace: target.namespace,
        workloads: settings.workloads,
        images: settings.images,
        rolloutTimeoutMs: settings.rolloutTimeoutMs,
        rollbackOnFailure: settings.rollbackOnFailure,
        claims: ctx.claims,
        env: ctx.env,
        logger: ctx.logger,
    });
    return { ...result, workloads: deployed.workloads, diagnosis: deployed.diagnosis };
}


/***/ })

};
