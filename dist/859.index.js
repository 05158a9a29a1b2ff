export const id = 859;
export const ids = [859];
export const modules = {

/***/ 5859:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runChainguard: () => (/* binding */ runChainguard)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/http.ts
var src_http = __webpack_require__(6803);
// EXTERNAL MODULE: ./src/state.ts
var state = __webpack_require__(2462);
;// CONCATENATED MODULE: ./src/chainguard/registry.ts





const REGISTRY_USERNAME = '_token';
/**
 * The registry host a Chainguard audience names: the audience itself when it is a bare host
 * (`cgr.dev`, `registry.example:5000`); undefined for an API audience with a scheme.
 */
function registryHost(audience) {
    return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/.test(audience)
        ? audience
        : undefined;
}
/**
 * Logs in to `host` as `_token`. With a working `docker` on PATH that is `docker login
 * --password-stdin` (the token on stdin only), undone by the post step's `docker logout`.
 * Without docker, or when its login fails (no daemon is needed, but a broken credential helper
 * or an unreachable registry fails it), the auth entry goes into a private Docker config whose
 * directory main exports as DOCKER_CONFIG, and the post step deletes it.
 */
async function loginToRegistry(host, token, deps) {
    const docker = findOnPath('docker', deps.env);
    if (docker) {
        const run = deps.runDocker ?? runDockerWithExec;
        const { code, stderr } = await run(docker, ['login', host, '--username', REGISTRY_USERNAME, '--password-stdin'], token).catch((error) => ({
            code: -1,
            stderr: error instanceof Error ? error.message : String(error),
        }));
        if (code === 0) {
            deps.saveState(state/* STATE */.c.dockerLogout, host);
            deps.logger.info(`Logged in to ${host} as ${REGISTRY_USERNAME} with docker login`);
            return { host, via: 'docker', dockerConfig: undefined };
        }
        deps.logger.warning(`docker login ${host} exited with ${code}${lastLine(stderr)}; writing the credentials to a Docker config of this job instead.`);
    }
    const dockerConfig = writeDockerConfig(host, token, deps);
    // Main exports DOCKER_CONFIG=dockerConfig; the post step deletes it and puts this back.
    deps.saveState(state/* STATE */.c.dockerConfigRestore, JSON.stringify({ previous: deps.env['DOCKER_CONFIG'] ?? null }));
    deps.logger.info(`Wrote the ${host} credentials to ${(0,external_node_path_.join)(dockerConfig, 'config.json')} (DOCKER_CONFIG for the next steps)`);
    return { host, via: 'docker-config', dockerConfig };
}
/** The job's current Docker config directory: $DOCKER_CONFIG, else ~/.docker. */
function currentDockerConfigDir(env) {
    const configured = env['DOCKER_CONFIG']?.trim();
    if (configured)
        return configured;
    return (0,external_node_path_.join)(env['HOME']?.trim() || (0,external_node_os_.homedir)(), '.docker');
}
function writeDockerConfig(host, token, deps) {
    const originalDir = currentDockerConfigDir(deps.env);
    const existing = readExistingConfig((0,external_node_path_.join)(originalDir, 'config.json'), deps.logger);
    const merged = mergeDockerConfig(existing, host, token);
    const path = deps.files.write('config.json', `${JSON.stringify(merged, null, 2)}\n`);
    const dir = (0,external_node_path_.dirname)(path);
    linkSiblings(originalDir, dir, deps.logger);
    return dir;
}
function readExistingConfig(path, logger) {
    if (!(0,external_node_fs_.existsSync)(path))
        return {};
    try {
        const parsed = JSON.parse((0,external_node_fs_.readFileSync)(path, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
            return parsed;
        }
    }
    catch {
        // Reported below; its content is never echoed (it holds credentials).
    }
    logger.warning(`${path} is not a JSON object; the new Docker config starts without its entries.`);
    return {};
}
/**
 * The existing config with an auth entry for `host`. Everything else is kept (other auths,
 * credHelpers, credsStore, proxies...). Docker asks a credential helper before `auths`, so
 * `host` is routed to the file: its credHelpers entry is dropped, and when a credsStore is set,
 * an empty helper for `host` (docker then reads it from `auths`).
 */
function mergeDockerConfig(existing, host, token) {
    const merged = { ...existing };
    const auths = isRecord(existing['auths']) ? { ...existing['auths'] } : {};
    auths[host] = {
        auth: Buffer.from(`${REGISTRY_USERNAME}:${token}`, 'utf8').toString('base64'),
    };
    merged['auths'] = auths;
    const helpers = isRecord(existing['credHelpers']) ? { ...existing['credHelpers'] } : {};
    delete helpers[host];
    if (typeof existing['credsStore'] === 'string' && existing['credsStore'])
        helpers[host] = '';
    if (Object.keys(helpers).length > 0)
        merged['credHelpers'] = helpers;
    else
        delete merged['credHelpers'];
    return merged;
}
/**
 * A new DOCKER_CONFIG would hide what lives beside config.json (cli-plugins such as buildx,
 * buildx builders, contexts): link them in, so later steps still find them.
 */
function linkSiblings(originalDir, dir, logger) {
    let entries;
    try {
        entries = (0,external_node_fs_.readdirSync)(originalDir);
    }
    catch {
        return;
    }
    for (const entry of entries) {
        if (entry === 'config.json')
            continue;
        try {
            (0,external_node_fs_.symlinkSync)((0,external_node_path_.join)(originalDir, entry), (0,external_node_path_.join)(dir, entry));
        }
        catch (error) {
            logger.warning(`Could not link ${(0,external_node_path_.join)(originalDir, entry)} into the new Docker config: ${error instanceof Error ? error.message : String(error)}`);
        }
    }
}
/** An executable `name` on PATH, as the shell would find it; undefined when there is none. */
function findOnPath(name, env) {
    for (const dir of (env['PATH'] ?? '').split(external_node_path_.delimiter)) {
        if (!dir || !(0,external_node_path_.isAbsolute)(dir))
            continue;
        const candidate = (0,external_node_path_.join)(dir, name);
        try {
            (0,external_node_fs_.accessSync)(candidate, external_node_fs_.constants.X_OK);
            if ((0,external_node_fs_.statSync)(candidate).isFile())
                return candidate;
        }
        catch {
            // not here
        }
    }
    return undefined;
}
const runDockerWithExec = async (docker, args, stdin) => {
    const { getExecOutput } = await __webpack_require__.e(/* import() */ 260).then(__webpack_require__.bind(__webpack_require__, 1260));
    // silent: the command line is not echoed (it holds no secret anyway), nor docker's output.
    const result = await getExecOutput(docker, args, {
        input: Buffer.from(stdin, 'utf8'),
        silent: true,
        ignoreReturnCode: true,
    });
    return { code: result.exitCode, stderr: result.stderr };
};
function lastLine(stderr) {
    const line = stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .at(-1);
    return line ? ` (${(0,src_http/* bodyExcerpt */.kG)(line, 200)})` : '';
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// EXTERNAL MODULE: ./node_modules/jose/dist/webapi/util/decode_jwt.js
var decode_jwt = __webpack_require__(7961);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
;// CONCATENATED MODULE: ./src/chainguard/explain.ts


/** The grpc status codes grpc-gateway maps to HTTP, by number. */
const GRPC_CODES = {
    1: { name: 'CANCELLED', sentence: 'the request was cancelled' },
    2: { name: 'UNKNOWN', sentence: 'the STS failed for an unknown reason' },
    3: { name: 'INVALID_ARGUMENT', sentence: 'the STS rejected the request as malformed' },
    4: { name: 'DEADLINE_EXCEEDED', sentence: 'the STS timed out' },
    5: { name: 'NOT_FOUND', sentence: 'the identity does not exist, or is not visible' },
    7: {
        name: 'PERMISSION_DENIED',
        sentence: 'the identity does not accept this ID token: its claim_match does not match',
    },
    8: { name: 'RESOURCE_EXHAUSTED', sentence: 'the STS is rate-limiting this caller' },
    13: { name: 'INTERNAL', sentence: 'the STS failed internally' },
    14: { name: 'UNAVAILABLE', sentence: 'the STS is unavailable' },
    16: {
        name: 'UNAUTHENTICATED',
        sentence: 'the STS did not accept the ID token: its issuer, audience, signature or expiry was rejected',
    },
};
/** A grpc-gateway error body `{"code", "message"}`; undefined when the body is not one. */
function parseGrpcError(body) {
    let parsed;
    try {
        parsed = JSON.parse(body);
    }
    catch {
        return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null)
        return undefined;
    const { code, message } = parsed;
    if (typeof message !== 'string')
        return undefined;
    return { code: typeof code === 'number' ? code : undefined, message: (0,src_http/* bodyExcerpt */.kG)(message, 300) };
}
/** The sentence for a grpc code, e.g. `PERMISSION_DENIED: the identity does not accept...`. */
function describeGrpcCode(code) {
    const known = code === undefined ? undefined : GRPC_CODES[code];
    return known ? `${known.name}: ${known.sentence}` : undefined;
}
/**
 * Turns a refusal into what to do about it. For 401/403/404 that is the identity that would
 * accept this very token: its issuer, subject and audience, as a Terraform resource. The body
 * is never printed verbatim: only the grpc message, bounded and stripped of JWTs.
 */
function explainRefusal(refusal) {
    const { status, claims } = refusal;
    const grpc = parseGrpcError(refusal.body);
    const sentence = describeGrpcCode(grpc?.code);
    const detail = grpc ? grpc.message : 'the body is not a grpc-gateway error';
    const message = `The Chainguard STS refused the exchange for "chainguard-identity" ${refusal.identity}: ` +
        `HTTP ${status}${sentence ? `, ${sentence}` : ''} (${detail}).`;
    if (status !== 401 && status !== 403 && status !== 404) {
        const hint = status === 400
            ? `Check "chainguard-audience" ("${refusal.audience}") and "chainguard-identity".`
            : undefined;
        return new errors/* ActionError */.l(message, hint);
    }
    const audience = claims.aud[0] ?? '';
    const lines = [];
    if (status === 404) {
        lines.push('Check "chainguard-identity": `chainctl iam identities list` shows the ids of your assumable identities.');
    }
    if (status === 401) {
        lines.push('The identity accepts an ID token only when its aud equals the claim_match audience (default issuer.enforce.dev; set it with the "audience" input) and its issuer serves discovery and JWKS the STS can reach.');
    }
    lines.push('The ID token this job presented has:', `  iss: ${claims.iss}`, `  sub: ${claims.sub}`, `  aud: ${claims.aud.join(', ')}`, `An identity that accepts it (Terraform, chainguard-dev/chainguard provider):`, terraformIdentity(refusal.identity, claims.iss, claims.sub, audience));
    return new errors/* ActionError */.l(message, lines.join('\n'));
}
/** A `chainguard_identity` whose claim_match accepts exactly this issuer, subject and audience. */
function terraformIdentity(identity, issuer, subject, audience) {
    const slash = identity.lastIndexOf('/');
    const parent = slash === -1 ? '<your group id>' : identity.slice(0, slash);
    return [
        'resource "chainguard_identity" "ci" {',
        `  parent_id = ${hcl(parent)}`,
        '  name      = "ci"',
        '  claim_match {',
        `    issuer   = ${hcl(issuer)}`,
        `    subject  = ${hcl(subject)}`,
        `    audience = ${hcl(audience)}`,
        '  }',
        '}',
    ].join('\n');
}
/** An HCL string literal: JSON escaping, plus `${` and `%{` which HCL would interpolate. */
function hcl(value) {
    return JSON.stringify(value).replace(/([$%])\{/g, (_m, sigil) => `${sigil}${sigil}{`);
}

;// CONCATENATED MODULE: ./src/chainguard/sts.ts




const DEFAULT_STS_POLICY = {
    attempts: 4,
    baseDelayMs: 500,
    maxDelayMs: 4000,
    deadlineMs: 30_000,
};
const STS_SOCKET_TIMEOUT_MS = 15_000;
/** Statuses the contract lets us retry: the gateway's, never a refusal. */
const RETRYABLE = new Set([502, 503, 504]);
/**
 * Exchanges the CI ID token for a Chainguard token (CONTRACTS.md section 4). Parameters travel
 * form-urlencoded (a JSON body is silently dropped by the gateway), redirects are never followed
 * (the bearer must not reach another host), and only 502/503/504 are retried.
 */
async function exchangeToken(request) {
    const url = `${request.issuer}/sts/exchange`;
    const form = new URLSearchParams({ aud: request.audience, identity: request.identity });
    const http = request.http ?? (0,src_http/* createHttpClient */.uT)(STS_SOCKET_TIMEOUT_MS);
    request.logger.info(`Exchanging the ID token at ${url} for identity ${request.identity} (aud ${request.audience})`);
    return (0,src_http/* withRetries */.LH)('Chainguard token exchange', async () => {
        let status;
        let body;
        let headers;
        try {
            const response = await http.post(url, form.toString(), {
                authorization: `Bearer ${request.idToken}`,
                'content-type': 'application/x-www-form-urlencoded',
                accept: 'application/json',
            });
            status = response.status;
            headers = response.headers;
            body = response.body;
        }
        catch (error) {
            throw new errors/* ActionError */.l(`The Chainguard token exchange at ${url} failed: ${error instanceof Error ? error.message || error.name : String(error)}.`, 'Check that "chainguard-issuer" is right and reachable from the runner (proxy settings: HTTPS_PROXY, NO_PROXY).');
        }
        if (status === 200)
            return { ok: true, value: parseExchange(body, request.mask) };
        if (RETRYABLE.has(status)) {
            const grpc = parseGrpcError(body);
            return {
                ok: false,
                error: new errors/* ActionError */.l(`the STS answered HTTP ${status}${grpc ? ` (${grpc.message})` : ''}`),
                retryAfterMs: (0,src_http/* retryAfterMs */.Vs)(headers['retry-after']),
            };
        }
        if (status >= 300 && status < 400)
            throw redirectRefusal(url, status, headers['location']);
        throw explainRefusal({
            status,
            body,
            identity: request.identity,
            audience: request.audience,
            claims: request.claims,
        });
    }, request.policy ?? DEFAULT_STS_POLICY, request.logger, request.wait ?? src_http/* sleep */.yy).catch((error) => {
        if (error instanceof errors/* ActionError */.l && error.hint)
            throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new errors/* ActionError */.l(`The Chainguard token exchange failed: ${message}.`, 'The Chainguard STS is unavailable; re-run the job later (https://status.chainguard.dev).');
    });
}
/**
 * The success body: masks both tokens before anything else can look at them, then works out
 * the expiry (`expiry`, else the token's JWT `exp`).
 */
function parseExchange(body, mask) {
    let parsed;
    try {
        parsed = JSON.parse(body);
    }
    catch {
        throw new errors/* ActionError */.l('The Chainguard STS answered 200 with a body that is not JSON.');
    }
    const { token, refreshToken, expiry } = parsed;
    if (typeof token === 'string' && token) {
        mask(token);
        // A tool that prints part of a JWT usually prints its tail.
        const signature = token.split('.')[2];
        if (signature && signature.length >= 16)
            mask(signature);
    }
    if (typeof refreshToken === 'string' && refreshToken)
        mask(refreshToken);
    if (typeof token !== 'string' || !token) {
        throw new errors/* ActionError */.l('The Chainguard STS answered 200 without a token.');
    }
    return {
        token,
        refreshToken: typeof refreshToken === 'string' && refreshToken ? refreshToken : undefined,
        expiration: expirationOf(token, expiry),
    };
}
function expirationOf(token, expiry) {
    if (typeof expiry === 'string' && expiry) {
        const ms = Date.parse(expiry);
        if (!Number.isNaN(ms))
            return new Date(ms).toISOString();
    }
    let exp;
    try {
        exp = (0,decode_jwt/* decodeJwt */.i)(token).exp;
    }
    catch {
        exp = undefined;
    }
    if (typeof exp !== 'number') {
        throw new errors/* ActionError */.l('The Chainguard STS answered a token without a usable expiry (no "expiry", and the token has no JWT exp).');
    }
    return new Date(exp * 1000).toISOString();
}
function redirectRefusal(url, status, location) {
    const target = Array.isArray(location) ? location[0] : location;
    let where = 'another location';
    if (target) {
        try {
            // Only the origin: a query could carry anything.
            where = new URL(target, url).origin;
        }
        catch {
            where = 'an unreadable location';
        }
    }
    return new errors/* ActionError */.l(`The Chainguard STS at ${url} answered HTTP ${status}, a redirect to ${where}; it was not followed, because the ID token must not travel to another host.`, 'Set "chainguard-issuer" to the final STS address (https://issuer.enforce.dev unless you run your own).');
}

;// CONCATENATED MODULE: ./src/chainguard/index.ts


/** Chainguard mode: the ID token -> a Chainguard token (STS exchange) -> optionally a registry login. */
async function runChainguard(settings, ctx, runDocker) {
    const exchanged = await exchangeToken({
        issuer: settings.issuer,
        idToken: ctx.token,
        claims: ctx.claims,
        identity: settings.identity,
        audience: settings.chainguardAudience,
        logger: ctx.logger,
        mask: ctx.mask,
    });
    ctx.logger.info(`Chainguard token for ${settings.chainguardAudience} issued, valid until ${exchanged.expiration}`);
    let registry;
    if (settings.registryLogin) {
        const host = registryHost(settings.chainguardAudience);
        if (host) {
            registry = await loginToRegistry(host, exchanged.token, {
                env: ctx.env,
                logger: ctx.logger,
                files: ctx.files,
                saveState: ctx.saveState,
                ...(runDocker ? { runDocker } : {}),
            });
        }
        else {
            ctx.logger.info(`No registry login: "chainguard-audience" ${settings.chainguardAudience} is not a registry host (registry tokens use aud cgr.dev).`);
        }
    }
    return {
        mode: 'chainguard',
        token: exchanged.token,
        expiration: exchanged.expiration,
        identity: settings.identity,
        audience: settings.chainguardAudience,
        registry,
    };
}


/***/ })

};
