// Every error message the action can fail with, read from src/ with the TypeScript parser, so
// docs/troubleshooting.md can be checked against the code (__tests__/unit/docs-troubleshooting.test.ts).
//
// What counts: each `new ActionError(first, ...)`, each `setFailed(first)` and each report's
// `failure: first` (a mode's report fails the step after its outputs, base/report.ts) in src/. When `first`
// is a string or template literal, its "key" is the literal with every `${...}` replaced by `…`
// (e.g. `Input "mode" is "…", which is not a mode.`): stable as long as the wording is, and
// independent of the values the action fills in. When `first` is composed elsewhere (a variable,
// another error's message), the site is reported as `composed` with its file and the expression,
// and the test keeps an explicit list of those, so a new one cannot slip by unnoticed.
//
// `npx tsx scripts/error-messages.ts` prints every key missing from docs/troubleshooting.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');

export interface ErrorSite {
  file: string;
  line: number;
  /** The message with each interpolation as `…`; undefined when the message is composed. */
  key: string | undefined;
  /** The first argument's source text. */
  expression: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function keyOf(node: ts.Expression): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => `…${span.literal.text}`).join('');
  }
  return undefined;
}

export function errorSites(srcDir: string = join(root, 'src')): ErrorSite[] {
  const sites: ErrorSite[] = [];
  for (const path of sourceFiles(srcDir)) {
    const text = readFileSync(path, 'utf8');
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      const isError =
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'ActionError';
      const isFailed =
        ts.isCallExpression(node) &&
        ((ts.isPropertyAccessExpression(node.expression) &&
          node.expression.name.text === 'setFailed') ||
          (ts.isIdentifier(node.expression) && node.expression.text === 'setFailed'));
      const failure =
        ts.isPropertyAssignment(node) &&
        ts.isIdentifier(node.name) &&
        node.name.text === 'failure' &&
        // `failure: cond ? 'message' : undefined`
        (ts.isConditionalExpression(node.initializer)
          ? node.initializer.whenTrue
          : node.initializer);
      const first =
        failure && keyOf(failure) !== undefined
          ? failure
          : (isError || isFailed) && (node as ts.CallExpression).arguments?.[0];
      if (first) {
        sites.push({
          file: relative(root, path),
          line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1,
          key: keyOf(first),
          expression: first.getText(file),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return sites;
}

/** The message keys a troubleshooting page lists: every `Message: ` code span. */
export function documentedKeys(markdown: string): string[] {
  return [...markdown.matchAll(/^Message: `(.+)`$/gm)].map((m) => m[1] as string);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const documented = new Set(
    documentedKeys(readFileSync(join(root, 'docs', 'troubleshooting.md'), 'utf8')),
  );
  for (const site of errorSites()) {
    if (site.key === undefined)
      console.log(`composed  ${site.file}:${site.line}  ${site.expression}`);
    else if (!documented.has(site.key))
      console.log(`missing   ${site.file}:${site.line}  ${site.key}`);
  }
}
