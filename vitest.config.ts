import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './__tests__/helpers/sequencer.js';

// Before every test file: removes, after the file, the runner directories its runs made.
const setupFiles = ['__tests__/helpers/setup.ts'];

export default defineConfig({
  test: {
    // The default reporter, and a line every 20 s while files run (helpers/heartbeat.ts).
    reporters: ['default', './__tests__/helpers/heartbeat.ts'],
    // The slowest e2e files start first (helpers/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['__tests__/e2e/**/*.test.ts'],
          environment: 'node',
          setupFiles,
          // The bundle of the current source, built once per source state (never a stale dist/).
          globalSetup: ['__tests__/helpers/current-dist.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real peers (kubectl, moto, aws, gcloud) are processes of their own, but most e2e time is
          // waiting (deadlines, trickling peers, token lifetimes): 3 files at a time on 2 cores.
          maxWorkers: 3,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
