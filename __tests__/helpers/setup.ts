// Runs before every test file (vitest.config.ts `setupFiles`): whatever the file's runs of the
// action and its tests left in the temp dir (runner directories with the credential files in
// them, the directories of tempDir) is removed after the file's own afterAll hooks, so one
// `npm test` leaves nothing behind.
import { afterAll } from 'vitest';
import { removeRunnerDirs } from './runner.js';
import { removeTempDirs } from './temp.js';

afterAll(() => {
  removeRunnerDirs();
  removeTempDirs();
});
