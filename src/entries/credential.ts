// The exec credential plugin of every kubeconfig the action writes (kubernetes/plugin/run.ts).
import { runCredentialPlugin } from '../kubernetes/plugin/run.js';

process.exitCode = await runCredentialPlugin(process.env);
