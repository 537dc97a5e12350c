/**
 * `npm run lint:size`: size as a signal. Fails when a source file of `src/` or `machines/` has
 * more than 500 lines, or a function in one has more than 80, unless the file says why in its
 * first comment, in a paragraph that starts with `Size:` (a table of schemas may be long; a class
 * that does eight things may not).
 *
 *   npx tsx scripts/check-size.ts            every file under src/ and machines/
 *   npx tsx scripts/check-size.ts a.ts b.ts  only these files (what a change touched)
 *   npx tsx scripts/check-size.ts --all      every long file and function, excused or not
 *
 * A function is a declaration, a method, an accessor, a constructor, a function expression or an
 * arrow function; its lines run from its first line to its last, comments included. A function
 * nested in another is counted on its own and inside its parent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const MAX_FILE_LINES = 500;
export const MAX_FUNCTION_LINES = 80;

/** One thing over its limit. */
export interface Oversize {
  readonly file: string;
  /** `file`, or the function's name (`Class.method`, `<arrow>` when it has none). */
  readonly what: string;
  /** Its first line, 1-based. */
  readonly line: number;
  readonly lines: number;
  readonly limit: number;
  /** The file's first comment says why (a `Size:` paragraph). */
  readonly excused: boolean;
}

/** The `Size:` reason in the first comment of `text`, if it gives one. */
export function sizeReason(text: string): string | undefined {
  const first = /^\s*(\/\*[\s\S]*?\*\/|(?:\/\/[^\n]*\n\s*)+)/.exec(text)?.[1];
  if (first === undefined) return undefined;
  const reason = /^[\s*/]*Size:\s*(\S[^\n]*)/m.exec(first)?.[1];
  return reason?.trim();
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = (n: ts.Node): string | undefined => {
    const name = (n as { name?: ts.Node }).name;
    return name === undefined ? undefined : name.getText(source);
  };
  let own = named(node);
  if (own === undefined && ts.isConstructorDeclaration(node)) own = 'constructor';
  if (own === undefined && ts.isVariableDeclaration(node.parent)) own = named(node.parent);
  if (own === undefined && ts.isPropertyAssignment(node.parent)) own = named(node.parent);
  if (own === undefined && ts.isPropertyDeclaration(node.parent)) own = named(node.parent);
  const owner = ts.isClassLike(node.parent) ? node.parent.name?.getText(source) : undefined;
  const base = own ?? (ts.isArrowFunction(node) ? '<arrow>' : '<function>');
  return owner === undefined ? base : `${owner}.${base}`;
}

/** What in `text` (the contents of `file`) is over its limit. */
export function oversizes(file: string, text: string): Oversize[] {
  const excused = sizeReason(text) !== undefined;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line + 1;
  const found: Oversize[] = [];
  const total = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
  if (total > MAX_FILE_LINES) {
    found.push({ file, what: file, line: 1, lines: total, limit: MAX_FILE_LINES, excused });
  }
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = lineOf(node.getStart(source));
      const lines = lineOf(node.getEnd()) - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        found.push({
          file,
          what: nameOf(node, source),
          line: start,
          lines,
          limit: MAX_FUNCTION_LINES,
          excused,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function main(argv: readonly string[]): number {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const all = argv.includes('--all');
  const named = argv.filter((a) => !a.startsWith('--'));
  const files =
    named.length > 0
      ? named.map((f) => path.resolve(f))
      : [...sources(path.join(root, 'src')), ...sources(path.join(root, 'machines'))];
  const found = files.flatMap((f) => oversizes(path.relative(root, f), readFileSync(f, 'utf8')));
  const shown = all ? found : found.filter((o) => !o.excused);
  for (const o of shown) {
    const where = o.what === o.file ? o.file : `${o.file}:${o.line} ${o.what}`;
    console.log(
      `${where}: ${o.lines} lines (limit ${o.limit})${o.excused ? ' — excused by Size:' : ''}`,
    );
  }
  const failing = found.filter((o) => !o.excused).length;
  if (failing > 0) {
    console.log(
      `\n${failing} over the limit. Split it, or say why in the file's first comment ("Size: …").`,
    );
    return 1;
  }
  return 0;
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  process.exitCode = main(process.argv.slice(2));
}
