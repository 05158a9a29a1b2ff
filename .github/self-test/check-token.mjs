/* eslint-disable no-console -- a step of the CI self-test: it talks to the job log */
// Checks the token mode's outputs in a later step:
//   ISSUER=… SUBJECT=… AUDIENCE=… ID_TOKEN=… node .github/self-test/check-token.mjs ISS AUD
// The outputs must be the claims of the id-token output, the issuer and audience the expected
// ones, and the subject this repository's (by name, or with immutable ids). Nothing of the token
// is printed.
const [expectedIssuer, expectedAudience] = process.argv.slice(2);
const { ISSUER, SUBJECT, AUDIENCE, ID_TOKEN = '' } = process.env;
const repository = process.env.GITHUB_REPOSITORY ?? '';
const [owner, name] = repository.split('/');
const failures = [];
const check = (ok, failure) => {
  if (!ok) failures.push(failure);
};

const parts = ID_TOKEN.split('.');
check(parts.length === 3, 'the id-token output is not a JWT');
const claims = parts.length === 3 ? JSON.parse(Buffer.from(parts[1], 'base64url').toString()) : {};
check(ISSUER === expectedIssuer, `issuer is ${ISSUER}, not ${expectedIssuer}`);
check(ISSUER === claims.iss, 'the issuer output is not the token’s iss');
check(AUDIENCE === expectedAudience, `audience is ${AUDIENCE}, not ${expectedAudience}`);
check([claims.aud].flat().join(',') === AUDIENCE, 'the audience output is not the token’s aud');
check(SUBJECT === claims.sub, 'the subject output is not the token’s sub');
// repo:OWNER/REPO:… (name form), repo:OWNER@ID/REPO@ID:… (GitHub's immutable form) or
// repo:OWNER-ID/REPO-ID:… (Forgejo's id-based form).
const forms = new RegExp(`^repo:${escape(owner)}(?:[@-]\\d+)?/${escape(name)}(?:[@-]\\d+)?:`);
check(forms.test(SUBJECT ?? ''), `subject ${SUBJECT} is not of ${repository}`);
check(claims.exp * 1000 > Date.now(), 'the token has expired');

if (failures.length > 0) {
  for (const failure of failures) console.log(`::error::${failure}`);
  process.exit(1);
}
console.log(`iss ${ISSUER}, aud ${AUDIENCE}, sub ${SUBJECT}: the outputs are the token's claims.`);

function escape(text = '') {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
