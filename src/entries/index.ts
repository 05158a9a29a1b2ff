// The action's main step (dist/index.js).
import { run } from '../action/run.js';

await run();
