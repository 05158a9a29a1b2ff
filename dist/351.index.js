export const id = 351;
export const ids = [351];
export const modules = {

/***/ 4351:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runAws: () => (/* binding */ runAws)
});

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
;// CONCATENATED MODULE: ./src/aws/explain.ts

/** `https://host/path` -> `host/path`: IAM's name for a provider and its condition keys. */
function providerName(issuer) {
    return issuer.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}
function providerArn(partition, accountId, issuer) {
    return `arn:${partition}:iam::${accountId}:oidc-provider/${providerName(issuer)}`;
}
/** The audience STS compared: the requested one if the token carries it, else its first. */
function tokenAudience(context) {
    const { aud } = context.claims;
    return aud.includes(context.audience) ? context.audience : (aud[0] ?? context.audience);
}
/** A trust policy that admits a token with this issuer and audience, and `sub` as given. */
function trustPolicy(context, sub, subOperator) {
    const key = providerName(context.claims.iss);
    const audience = { [`${key}:aud`]: tokenAudience(context) };
    const subject = { [`${key}:sub`]: sub };
    return {
        Version: '2012-10-17',
        Statement: [
            {
                Effect: 'Allow',
                Principal: {
                    Federated: providerArn(context.partition, context.accountId, context.claims.iss),
                },
                Action: 'sts:AssumeRoleWithWebIdentity',
                Condition: subOperator === 'StringEquals'
                    ? { StringEquals: { ...audience, ...subject } }
                    : { StringEquals: audience, StringLike: subject },
            },
        ],
    };
}
/** `repo:OWNER/REPO:ref:refs/heads/*` from the token's sub (or its repository claim). */
function allBranchesSubject(claims) {
    const fromSub = /^repo:([^:]+):/.exec(claims.sub)?.[1];
    const repository = fromSub ?? (typeof claims.extra['repository'] === 'string' ? claims.extra['repository'] : '');
    return repository ? `repo:${repository}:ref:refs/heads/*` : undefined;
}
/** Turns STS's final refusal into what to fix, naming the input or the AWS object at fault. */
function explainRefusal(refusal, context) {
    const said = `STS: ${refusal.code}${refusal.stsMessage ? `, "${refusal.stsMessage}"` : ''}${refusal.requestId ? `, request id ${refusal.requestId}` : ''}`;
    switch (refusal.code) {
        case 'AccessDenied':
            return new errors/* ActionError */.l(`Input "role-to-assume": role ${context.roleArn} does not trust this ID token (${said}).`, accessDeniedHint(context));
        case 'InvalidIdentityToken':
            return new errors/* ActionError */.l(`AWS account ${context.accountId} does not accept ID tokens from ${context.claims.iss} with audience "${tokenAudience(context)}" (${said}).`, invalidTokenHint(refusal.stsMessage, context));
        case 'ExpiredTokenException':
            return new errors/* ActionError */.l(`STS says the ID token has expired, even after a fresh one was requested (${said}).`, `The token's exp is ${new Date(context.claims.exp * 1000).toISOString()}. A fresh token that is already expired means the runner's clock is wrong: check its time synchronisation.`);
        case 'IDPRejectedClaim':
            return new errors/* ActionError */.l(`The identity provider rejected a claim of the ID token (${said}).`, `STS checked the token against ${context.claims.iss} and a claim was refused or revoked. Re-run the job to get a new token; if it persists, compare the token's claims above with what the IAM OIDC provider for ${providerName(context.claims.iss)} expects.`);
        case 'IDPCommunicationError':
            return new errors/* ActionError */.l(`STS could not reach the issuer ${context.claims.iss} to verify the ID token (${said}; ${attemptsText(refusal)}).`, `AWS fetches ${context.claims.iss}/.well-known/openid-configuration and its jwks_uri from the internet: they must be publicly reachable over https. Re-run the job if the issuer was briefly down.`);
        case 'Throttling':
        case 'ThrottlingException':
        case 'RequestLimitExceeded':
            return new errors/* ActionError */.l(`STS kept throttling the request (${said}; ${attemptsText(refusal)}).`, 'The account or region is over its STS request rate: re-run the job later, or spread jobs that assume roles at the same moment.');
        case 'ValidationError':
            return validationError(refusal, said, context);
        case 'RegionDisabledException':
            return new errors/* ActionError */.l(`Input "aws-region": STS is not activated in ${context.region} for account ${context.accountId} (${said}).`, `Activate the region's STS endpoint in IAM (Account settings, Security Token Service), or set "sts-endpoint" to the endpoint of a region where it is active.`);
        case 'PackedPolicyTooLarge':
        case 'MalformedPolicyDocument':
            return new errors/* ActionError */.l(`STS refused the session policy (${said}).`);
        default:
            return new errors/* ActionError */.l(`STS refused to assume ${context.roleArn} (${said}; HTTP ${refusal.status}).`);
    }
}
function attemptsText(refusal) {
    return `${refusal.attempts} attempt${refusal.attempts === 1 ? '' : 's'}`;
}
function accessDeniedHint(context) {
    const { claims } = context;
    const exact = trustPolicy(context, claims.sub, 'StringEquals');
    const branches = allBranchesSubject(claims);
    const lines = [
        'The trust policy of the role must admit this token, which has:',
        `  iss  ${claims.iss}  (IAM provider ${providerName(claims.iss)})`,
        `  aud  ${tokenAudience(context)}`,
        `  sub  ${claims.sub}`,
        `A trust policy that admits exactly this token (the principal is the IAM OIDC provider of that issuer in account ${context.accountId}):`,
        JSON.stringify(exact, null, 2),
    ];
    if (branches) {
        lines.push(`To admit every branch of the repository instead, match sub with StringLike "${branches}":`, JSON.stringify(trustPolicy(context, branches, 'StringLike'), null, 2));
        if (!claims.sub.includes(':ref:refs/heads/')) {
            lines.push("This job's sub is not a branch ref (jobs with an environment or on pull requests get their own sub): only the first policy admits it.");
        }
    }
    lines.push(`STS also answers AccessDenied when the role does not exist: check the ARN ${context.roleArn}.`);
    return lines.join('\n');
}
function invalidTokenHint(message, context) {
    const issuer = context.claims.iss;
    const audience = tokenAudience(context);
    const arn = providerArn(context.partition, context.accountId, issuer);
    const create = `Create it: aws iam create-open-id-connect-provider --url ${issuer} --client-id-list ${audience} (Forgejo's provider URL is https://HOST/api/actions, the token's iss; GitHub's is https://token.actions.githubusercontent.com).`;
    const addAudience = `Add the audience to it: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${audience}, or set input "audience" to one it lists.`;
    if (/no openid ?connect provider/i.test(message)) {
        return `Account ${context.accountId} has no IAM OIDC identity provider for ${issuer}. ${create}`;
    }
    if (/audience/i.test(message)) {
        return `The IAM OIDC provider ${arn} does not list the audience "${audience}". ${addAudience}`;
    }
    if (/verification key|jwks|keys|thumbprint|certificate/i.test(message)) {
        return `AWS could not verify the token's signature with the keys of ${issuer}: ${issuer}/.well-known/openid-configuration and its jwks_uri must be reachable from the internet over https with a publicly trusted certificate.`;
    }
    return [
        `Check the IAM OIDC identity provider ${arn}:`,
        `- it must exist for ${issuer}. ${create}`,
        `- it must list the audience "${audience}". ${addAudience}`,
    ].join('\n');
}
function validationError(refusal, said, context) {
    const message = refusal.stsMessage;
    if (/duration/i.test(message)) {
        return new errors/* ActionError */.l(`Input "role-duration-seconds" (${context.durationSeconds}) was refused (${said}).`, "It must not exceed the role's MaxSessionDuration (1 hour unless raised in IAM): lower it or raise the role's maximum.");
    }
    if (/session ?name/i.test(message)) {
        return new errors/* ActionError */.l(`Input "role-session-name" was refused (${said}).`);
    }
    if (/role ?arn/i.test(message)) {
        return new errors/* ActionError */.l(`Input "role-to-assume" was refused (${said}).`);
    }
    return new errors/* ActionError */.l(`STS refused the request as invalid (${said}).`);
}

// EXTERNAL MODULE: ./node_modules/fast-xml-parser/src/xmlparser/XMLParser.js + 28 modules
var XMLParser = __webpack_require__(8879);
// EXTERNAL MODULE: ./src/http.ts
var http = __webpack_require__(6803);
;// CONCATENATED MODULE: ./src/aws/sts.ts



/**
 * STS answers in well under a second; a request that has not finished in 8 s is stalled, and
 * 20 s is the most a job should wait for STS before saying so (the reference action has no
 * timeout at all and hangs until the job's own limit).
 */
const DEFAULT_STS_TIMING = {
    requestTimeoutMs: 8_000,
    deadlineMs: 20_000,
    attempts: 5,
    baseDelayMs: 250,
    maxDelayMs: 3_000,
};
/** An answer of STS's own (its error XML): the code says what is wrong. */
class StsRefusal extends Error {
    code;
    stsMessage;
    status;
    requestId;
    attempts;
    constructor(code, stsMessage, status, requestId, 
    /** Requests sent before STS gave this final answer. */
    attempts = 1) {
        super(stsMessage ? `${code}: ${stsMessage}` : code);
        this.code = code;
        this.stsMessage = stsMessage;
        this.status = status;
        this.requestId = requestId;
        this.attempts = attempts;
        this.name = 'StsRefusal';
    }
}
/** Codes that say "try again"; every other code is an answer about the request itself. */
const RETRYABLE_CODES = new Set([
    'Throttling',
    'ThrottlingException',
    'RequestLimitExceeded',
    'IDPCommunicationError',
    'InternalFailure',
    'ServiceUnavailable',
]);
/** DNS suffix of STS per partition (the SDKs' partition table). */
const PARTITION_SUFFIX = {
    aws: 'amazonaws.com',
    'aws-us-gov': 'amazonaws.com',
    'aws-cn': 'amazonaws.com.cn',
    'aws-iso': 'c2s.ic.gov',
    'aws-iso-b': 'sc2s.sgov.gov',
    'aws-iso-e': 'cloud.adc-e.uk',
    'aws-iso-f': 'csp.hci.ic.gov',
    'aws-eusc': 'amazonaws.eu',
};
/** The explicit endpoint if there is one, else the region's own STS endpoint. */
function stsEndpointUrl(region, partition, explicit) {
    if (explicit)
        return new URL(explicit).href;
    const suffix = region.startsWith('cn-')
        ? 'amazonaws.com.cn'
        : (PARTITION_SUFFIX[partition] ?? 'amazonaws.com');
    return `https://sts.${region}.${suffix}/`;
}
/** The form body of CONTRACTS.md section 3. */
function assumeRoleForm(request, token) {
    return new URLSearchParams({
        Action: 'AssumeRoleWithWebIdentity',
        Version: '2011-06-15',
        RoleArn: request.roleArn,
        RoleSessionName: request.roleSessionName,
        WebIdentityToken: token,
        DurationSeconds: String(request.durationSeconds),
    }).toString();
}
/**
 * AssumeRoleWithWebIdentity, unsigned (the web identity token is the credential). Retries
 * throttling, IDPCommunicationError, 5xx and network errors with bounded backoff under one
 * deadline; asks for a fresh ID token once on ExpiredTokenException; every other STS code is
 * final and thrown as a StsRefusal for explain.ts. The credentials are masked as soon as they
 * are parsed.
 */
async function assumeRoleWithWebIdentity(request, deps) {
    const timing = { ...DEFAULT_STS_TIMING, ...deps.timing };
    const started = Date.now();
    let token = request.token;
    let renewed = false;
    let attempts = 0;
    try {
        return await (0,http/* withRetries */.LH)('AssumeRoleWithWebIdentity', async () => {
            attempts++;
            const remaining = timing.deadlineMs - (Date.now() - started);
            const timeoutMs = Math.max(1, Math.min(timing.requestTimeoutMs, remaining));
            let answer;
            try {
                answer = await postForm(request.endpoint, assumeRoleForm(request, token), timeoutMs);
            }
            catch (error) {
                return { ok: false, error: new Error(networkMessage(error, timeoutMs)) };
            }
            if (answer.status === 200) {
                return { ok: true, value: { ...parseSuccess(answer.body, deps.mask), attempts } };
            }
            const refusal = parseError(answer.body, answer.status);
            if (!refusal) {
                if (answer.status >= 500 || answer.status === 429) {
                    return {
                        ok: false,
                        error: new Error(`STS answered HTTP ${answer.status} (${(0,http/* bodyExcerpt */.kG)(answer.body, 80)})`),
                        retryAfterMs: (0,http/* retryAfterMs */.Vs)(answer.retryAfter),
                    };
                }
                throw new errors/* ActionError */.l(`STS answered HTTP ${answer.status} without an STS error (${(0,http/* bodyExcerpt */.kG)(answer.body)}).`, `Is ${request.endpoint} an STS endpoint? Check "sts-endpoint" / AWS_ENDPOINT_URL_STS, or leave both empty for the regional endpoint.`);
            }
            refusal.attempts = attempts;
            if (refusal.code === 'ExpiredTokenException' && !renewed) {
                // The token may have aged past its `exp` (GitHub's last 5 minutes); one fresh one.
                renewed = true;
                deps.logger.info('STS says the ID token expired; requesting a fresh one');
                token = await deps.renewToken();
                return { ok: false, error: refusal, retryAfterMs: 0 };
            }
            if (RETRYABLE_CODES.has(refusal.code) || answer.status >= 500) {
                return { ok: false, error: refusal, retryAfterMs: (0,http/* retryAfterMs */.Vs)(answer.retryAfter) };
            }
            throw refusal;
        }, {
            attempts: timing.attempts,
            baseDelayMs: timing.baseDelayMs,
            maxDelayMs: timing.maxDelayMs,
            deadlineMs: timing.deadlineMs,
        }, deps.logger, deps.wait ?? http/* sleep */.yy);
    }
    catch (error) {
        if (error instanceof StsRefusal || error instanceof errors/* ActionError */.l)
            throw error;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const message = error instanceof Error ? error.message : String(error);
        throw new errors/* ActionError */.l(`STS at ${request.endpoint} failed: ${message} (${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s).`, message.startsWith('STS answered HTTP')
            ? 'STS had server errors: re-run the job; if it persists, check the AWS Health Dashboard for STS in this region, or set "sts-endpoint" to another region\'s endpoint.'
            : 'Check that the runner can reach the endpoint (proxy settings: HTTPS_PROXY/NO_PROXY), or set "sts-endpoint" to one it can reach (e.g. a VPC endpoint).');
    }
}
/** One POST that ends within `timeoutMs` whatever the peer does, silent or trickling. */
async function postForm(url, body, timeoutMs) {
    const response = await (0,http/* createHttpClient */.uT)(timeoutMs).post(url, body, {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        accept: 'text/xml',
    }, timeoutMs);
    return {
        status: response.status,
        retryAfter: response.headers['retry-after'],
        body: response.body,
    };
}
function networkMessage(error, timeoutMs) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    if (/^no (complete )?answer from /.test(message)) {
        return `no answer within ${(timeoutMs / 1000).toFixed(1)} s`;
    }
    return `network error: ${message}`;
}
const parser = new XMLParser/* default */.A({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
});
function parseXml(body) {
    try {
        const parsed = parser.parse(body);
        return parsed && typeof parsed === 'object' ? parsed : undefined;
    }
    catch {
        return undefined;
    }
}
function child(node, name) {
    return node && typeof node === 'object' ? node[name] : undefined;
}
function sts_text(node, name) {
    const value = child(node, name);
    if (typeof value === 'string')
        return value;
    if (typeof value === 'number')
        return String(value);
    return undefined;
}
/**
 * The success XML. Never echoes the body: it carries the credentials. Masks the three parts
 * of the credentials before returning, so nothing printed later can show them.
 */
function parseSuccess(body, mask) {
    const result = child(child(parseXml(body), 'AssumeRoleWithWebIdentityResponse'), 'AssumeRoleWithWebIdentityResult');
    const credentials = child(result, 'Credentials');
    const accessKeyId = sts_text(credentials, 'AccessKeyId');
    const secretAccessKey = sts_text(credentials, 'SecretAccessKey');
    const sessionToken = sts_text(credentials, 'SessionToken');
    for (const secret of [secretAccessKey, sessionToken, accessKeyId])
        if (secret)
            mask(secret);
    const expiration = sts_text(credentials, 'Expiration');
    const assumedRoleArn = sts_text(child(result, 'AssumedRoleUser'), 'Arn');
    if (!accessKeyId || !secretAccessKey || !sessionToken || !expiration || !assumedRoleArn) {
        throw new errors/* ActionError */.l('STS answered 200, but not with AssumeRoleWithWebIdentityResult credentials, expiration and assumed-role ARN.', 'Check that "sts-endpoint" / AWS_ENDPOINT_URL_STS points at STS.');
    }
    const date = new Date(expiration);
    return {
        credentials: { accessKeyId, secretAccessKey, sessionToken },
        expiration: Number.isNaN(date.getTime()) ? expiration : date.toISOString(),
        assumedRoleArn,
        assumedRoleId: sts_text(child(result, 'AssumedRoleUser'), 'AssumedRoleId'),
    };
}
/** STS's error XML as a StsRefusal; undefined when the body is not one (an HTML 500...). */
function parseError(body, status) {
    const response = child(parseXml(body), 'ErrorResponse');
    const error = child(response, 'Error');
    const code = sts_text(error, 'Code');
    if (!code)
        return undefined;
    // A message may quote a parameter (a ValidationError can quote the token): strip JWTs.
    const message = (0,http/* bodyExcerpt */.kG)(sts_text(error, 'Message') ?? '', 400);
    return new StsRefusal(code, message, status, sts_text(response, 'RequestId'));
}

;// CONCATENATED MODULE: ./src/aws/index.ts


/** aws mode: AssumeRoleWithWebIdentity with the job's ID token; a refusal says what to fix. */
async function runAws(settings, ctx, timing) {
    // Before the first line that could name it.
    if (settings.maskAccountId)
        ctx.mask(settings.accountId);
    const endpoint = stsEndpointUrl(settings.region, settings.partition, settings.stsEndpoint);
    ctx.logger.info(`Assuming ${settings.roleArn} as session ${settings.roleSessionName} for ${settings.durationSeconds} s (STS ${endpoint})`);
    let assumed;
    try {
        assumed = await assumeRoleWithWebIdentity({
            endpoint,
            roleArn: settings.roleArn,
            roleSessionName: settings.roleSessionName,
            durationSeconds: settings.durationSeconds,
            token: ctx.token,
        }, { logger: ctx.logger, mask: ctx.mask, renewToken: ctx.renewToken, timing });
    }
    catch (error) {
        if (!(error instanceof StsRefusal))
            throw error;
        throw explainRefusal(error, {
            roleArn: settings.roleArn,
            partition: settings.partition,
            accountId: settings.accountId,
            region: settings.region,
            durationSeconds: settings.durationSeconds,
            audience: settings.audience,
            claims: ctx.claims,
        });
    }
    // The account is the 5th field of arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION.
    const accountId = assumed.assumedRoleArn.split(':')[4] || settings.accountId;
    if (settings.maskAccountId && accountId !== settings.accountId)
        ctx.mask(accountId);
    ctx.logger.info(`Assumed ${assumed.assumedRoleArn}; the credentials expire at ${assumed.expiration}`);
    return {
        mode: 'aws',
        region: settings.region,
        assumedRoleArn: assumed.assumedRoleArn,
        accountId,
        expiration: assumed.expiration,
        roleSessionName: settings.roleSessionName,
        credentials: assumed.credentials,
        maskAccountId: settings.maskAccountId,
        outputCredentials: settings.outputCredentials,
    };
}


/***/ })

};
