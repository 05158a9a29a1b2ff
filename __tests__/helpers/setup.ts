// Runs before every test file (vitest.config.ts `setupFiles`): whatever a file's runs of the
// action left in the temp dir (runner directories, with the credential files in them) is removed
// after the file's own afterAll hooks, so one `npm test` leaves nothing behind.
import { afterAll } from 'vitest';
import { removeRunnerDirs } from './runner.js';

afterAll(() => {
  removeRunnerDirs();
});
