/**
 * Lists the functions of a source tree longer than a number of lines, with the TypeScript
 * compiler's own parser, so the house rule "no function over ~80 lines" is checked rather than
 * remembered. Used by long-functions.test.ts; `npx tsx test/unit/code/long-functions.ts [DIR]`
 * prints the list.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

export interface LongFunction {
  /** Path relative to the root given, with forward slashes. */
  file: string;
  /** The function's name, or `<anonymous>` at the line it starts on; methods as Class.method. */
  name: string;
  /** First line (1-based) of the function itself, its doc comment left out. */
  line: number;
  lines: number;
}

/** The functions of one source text longer than `limit` lines, outermost first. */
export function longFunctionsIn(file: string, text: string, limit: number): LongFunction[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > limit) found.push({ file, name: nameOf(node), line: first + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every .ts file under `root` (recursively), checked with longFunctionsIn. */
export function longFunctionsUnder(root: string, limit: number): LongFunction[] {
  return tsFiles(root).flatMap((path) =>
    longFunctionsIn(relative(root, path).split("\\").join("/"), readFileSync(path, "utf8"), limit),
  );
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return tsFiles(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
    });
}

function nameOf(node: ts.SignatureDeclaration): string {
  const owner = node.parent && ts.isClassLike(node.parent) ? node.parent.name?.text : undefined;
  if (ts.isConstructorDeclaration(node)) return `${owner ?? "<class>"}.constructor`;
  const own = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
  // `const f = () => …` and `{ f: () => … }` take the name they are bound to.
  const bound =
    own ??
    (node.parent &&
    (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)) &&
    ts.isIdentifier(node.parent.name)
      ? node.parent.name.text
      : undefined);
  if (bound === undefined) {
    const line = node.getSourceFile().getLineAndCharacterOfPosition(node.getStart()).line + 1;
    return `<anonymous>@${line}`;
  }
  return owner ? `${owner}.${bound}` : bound;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = process.argv[2] ?? "controller";
  for (const f of longFunctionsUnder(root, 80)) console.log(`${f.file}:${f.line} ${f.name} ${f.lines} lines`);
}
