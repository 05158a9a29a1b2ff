// Validates workflow and action files with GitHub's own parser (@actions/workflow-parser).
// Reads JSON `[{ "kind": "workflow" | "action", "name": ..., "content": ... }]` on stdin and
// writes `[[error messages], ...]` in the same order. A separate process because the parser
// imports its JSON schemas without import attributes, which Node 20 refuses inside vitest's
// externalised modules (tsx handles them).
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';

export interface ValidationRequest {
  kind: 'workflow' | 'action';
  name: string;
  content: string;
}

export function validate(request: ValidationRequest): string[] {
  const file = { name: request.name, content: request.content };
  const result =
    request.kind === 'workflow'
      ? parseWorkflow(file, new NoOperationTraceWriter())
      : parseAction(file, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ValidationRequest[];
process.stdout.write(JSON.stringify(requests.map(validate)));
