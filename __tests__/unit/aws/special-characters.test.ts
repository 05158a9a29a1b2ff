// special-characters-workaround: configure-aws-credentials' SPECIAL_CHARS_REGEX
// /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]+/ on the access key id and the secret access key (not
// the session token), and a new session until neither holds one; bounded here (30 sessions).
import { describe, expect, it } from 'vitest';
import {
  hasSpecialCharacters,
  SPECIAL_CHARACTERS_ATTEMPTS,
  withoutSpecialCharacters,
} from '../../../src/aws/special-characters.js';
import { ActionError } from '../../../src/base/errors.js';
import { recordingLogger } from '../../helpers/logger.js';

const key = (secretAccessKey: string, accessKeyId = 'ASIAEXAMPLE') => ({
  accessKeyId,
  secretAccessKey,
});

describe('hasSpecialCharacters', () => {
  it("is configure-aws-credentials' rule", () => {
    expect(hasSpecialCharacters(key('abcDEF0123456789'))).toBe(false);
    for (const c of '!@#$%^&*()_+-=[]{};\':"\\|,.<>/?') {
      expect(hasSpecialCharacters(key(`abc${c}def`)), c).toBe(true);
    }
    expect(hasSpecialCharacters(key('abc', 'ASIA+X'))).toBe(true);
    for (const c of '~`é ') expect(hasSpecialCharacters(key(`abc${c}`)), c).toBe(false);
  });
});

describe('withoutSpecialCharacters', () => {
  it('asks again until a session passes', async () => {
    const secrets = ['a/b', 'c+d', 'plain'];
    const logger = recordingLogger();
    const calls: number[] = [];
    const session = await withoutSpecialCharacters(
      (n) => {
        calls.push(n);
        return Promise.resolve({ credentials: key(secrets[n - 1] as string) });
      },
      { logger },
    );
    expect(session.credentials.secretAccessKey).toBe('plain');
    expect(calls).toEqual([1, 2, 3]);
    expect(logger.lines).toHaveLength(3);
    expect(logger.lines.join('\n')).not.toMatch(/a\/b|c\+d/);
  });

  it('gives up after its attempts, and passes errors through', async () => {
    let calls = 0;
    const always = () => {
      calls++;
      return Promise.resolve({ credentials: key('x/y') });
    };
    await expect(withoutSpecialCharacters(always, { logger: recordingLogger() })).rejects.toThrow(
      ActionError,
    );
    expect(calls).toBe(SPECIAL_CHARACTERS_ATTEMPTS);
    await expect(
      withoutSpecialCharacters(() => Promise.reject(new Error('sts down')), {
        logger: recordingLogger(),
      }),
    ).rejects.toThrow('sts down');
  });
});
