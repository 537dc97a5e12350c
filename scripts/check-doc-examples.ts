/**
 * Type-checks the code examples of the documentation:
 *
 * - every ```ts block inside an `@example` tag of a TSDoc comment in `src/` and `machines/`;
 * - every ```ts block of the Markdown files under `docs/`.
 *
 * Each block becomes a module of its own (in memory, under `.doc-examples/` at the project root)
 * where `mcp-actors`, `mcp-actors/node`, `mcp-actors/testing`, `mcp-actors/ai-sdk` and
 * `mcp-actors/machines` resolve to the source entry points. All of them are checked in one
 * TypeScript program, with the compiler options of tsconfig.json (strict). A block whose info string says `fragment` (```ts fragment) is
 * a deliberate excerpt and is skipped; an `@example` without any ```ts block is an error, since
 * nothing would check it.
 *
 *   npm run docs:check-examples     prints each error as file:line:column and exits 1 on any
 *
 * test/doc-examples.test.ts runs the same check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One code block found in the docs. */
export interface DocExample {
  /** The file it was found in, relative to the project root. */
  readonly file: string;
  /** The 1-based line of the block's first code line in that file. */
  readonly line: number;
  /** The code. */
  readonly code: string;
  /** Where the block came from: a TSDoc `@example` or a Markdown file. */
  readonly kind: 'tsdoc' | 'markdown';
}

/** What a check found. */
export interface DocExampleReport {
  /** The blocks type-checked. */
  readonly examples: readonly DocExample[];
  /** Blocks marked as fragments, not checked. */
  readonly fragments: number;
  /** One line per error: `file:line:column: message`. */
  readonly errors: readonly string[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The package's entry points, as examples import them. */
const ENTRY_POINTS: Readonly<Record<string, string>> = {
  'mcp-actors': 'src/index.ts',
  'mcp-actors/node': 'src/node/index.ts',
  'mcp-actors/testing': 'src/testing/index.ts',
  'mcp-actors/ai-sdk': 'src/ai-sdk/index.ts',
  'mcp-actors/machines': 'machines/index.ts',
};

/** The folders whose TSDoc comments are scanned, and the folder of Markdown files. */
const SOURCE_DIRS = ['src', 'machines'];
const MARKDOWN_DIRS = ['docs'];
/** Markdown files outside those folders. */
const MARKDOWN_FILES = ['README.md'];

interface Fence {
  readonly code: string;
  /** 0-based index, among the lines given, of the first code line. */
  readonly start: number;
  readonly fragment: boolean;
}

/** The ```ts / ```typescript blocks among these lines (other languages are left alone). */
function fences(lines: readonly string[]): { blocks: Fence[]; unclosed: number | undefined } {
  const blocks: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', marker = '```', lang = '', info = ''] = open;
    const close = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end] ?? '')) end++;
    if (end >= lines.length) return { blocks, unclosed: i };
    if (lang === 'ts' || lang === 'typescript') {
      const body = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      blocks.push({ code: body.join('\n'), start: i + 1, fragment: /\bfragment\b/.test(info) });
    }
    i = end;
  }
  return { blocks, unclosed: undefined };
}

function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(ext) && !entry.name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Examples found so far, fragments skipped, and errors of finding them. */
export interface Found {
  examples: DocExample[];
  fragments: number;
  errors: string[];
}

/** Adds the `@example` blocks of the TSDoc comments of one source file (`text`, read from `file`). */
export function examplesOfSource(file: string, text: string, found: Found): void {
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    // The comment's lines without the leading ` * `.
    const lines = comment[0]
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\* ?/, ''));
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*@example\b/.test(lines[i] ?? '')) continue;
      // The tag runs to the next block tag outside a code fence, or to the end of the comment.
      let end = i + 1;
      let inFence = false;
      for (; end < lines.length; end++) {
        const l = lines[end] ?? '';
        if (/^\s*(`{3,}|~{3,})/.test(l)) inFence = !inFence;
        else if (!inFence && /^\s*@\w+/.test(l)) break;
      }
      const where = `${file}:${firstLine + i}`;
      const { blocks, unclosed } = fences(lines.slice(i + 1, end));
      if (unclosed !== undefined) {
        found.errors.push(`${where}: @example has an unclosed code fence`);
      } else if (blocks.length === 0) {
        found.errors.push(`${where}: @example without a \`\`\`ts block (nothing would check it)`);
      }
      for (const block of blocks) {
        if (block.fragment) found.fragments += 1;
        else
          found.examples.push({
            file,
            line: firstLine + i + 1 + block.start,
            code: block.code,
            kind: 'tsdoc',
          });
      }
      i = end - 1;
    }
  }
}

/** Adds the ```ts blocks of one Markdown file (`text`, read from `file`). */
export function examplesOfMarkdown(file: string, text: string, found: Found): void {
  const lines = text.split('\n');
  const { blocks, unclosed } = fences(lines);
  if (unclosed !== undefined) found.errors.push(`${file}:${unclosed + 1}: unclosed code fence`);
  for (const block of blocks) {
    if (block.fragment) found.fragments += 1;
    else found.examples.push({ file, line: block.start + 1, code: block.code, kind: 'markdown' });
  }
}

/** Every example of the docs, and the errors of finding them. */
export function collectDocExamples(): Found {
  const found: Found = { examples: [], fragments: 0, errors: [] };
  const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
  for (const dir of SOURCE_DIRS)
    for (const file of filesUnder(dir, '.ts')) examplesOfSource(file, read(file), found);
  for (const dir of MARKDOWN_DIRS)
    for (const file of filesUnder(dir, '.md')) examplesOfMarkdown(file, read(file), found);
  for (const file of MARKDOWN_FILES) examplesOfMarkdown(file, read(file), found);
  return found;
}

/** The project's compiler options, with the package's names mapped to its source entry points. */
function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (parsed === undefined) throw new Error('cannot read tsconfig.json');
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    baseUrl: ROOT,
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, [file]])),
  };
}

/**
 * Type-checks every example of the docs in one program; `extra` examples (for the checker's own
 * test) are checked along with them.
 */
export function checkDocExamples(extra: readonly DocExample[] = []): DocExampleReport {
  const collected = collectDocExamples();
  const found = { ...collected, examples: [...collected.examples, ...extra] };
  const virtualDir = path.join(ROOT, '.doc-examples');
  const virtual = new Map<string, DocExample>();
  for (const example of found.examples) {
    const name = `${example.file.replace(/[^\w.-]+/g, '_')}_L${example.line}.ts`;
    virtual.set(path.join(virtualDir, name), example);
  }
  // A block with no import or export would be a script sharing one global scope with the others.
  const source = (example: DocExample): string =>
    /^\s*(import|export)\b/m.test(example.code) ? example.code : `${example.code}\nexport {};\n`;

  const options = compilerOptions();
  const host = ts.createCompilerHost(options, true);
  const base = { ...host };
  host.fileExists = (f) => virtual.has(f) || base.fileExists(f);
  host.readFile = (f) => {
    const example = virtual.get(f);
    return example === undefined ? base.readFile(f) : source(example);
  };
  host.getSourceFile = (f, language, onError, create) => {
    const example = virtual.get(f);
    return example === undefined
      ? base.getSourceFile(f, language, onError, create)
      : ts.createSourceFile(f, source(example), language, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);

  const errors = [...found.errors];
  const format = (d: ts.Diagnostic): string =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n').replace(/\n/g, '\n    ');
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    errors.push(`error TS${d.code}: ${format(d)}`);
  }
  for (const [file, example] of virtual) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) {
      errors.push(`${example.file}:${example.line}: the example was not compiled`);
      continue;
    }
    for (const d of [
      ...program.getSyntacticDiagnostics(sf),
      ...program.getSemanticDiagnostics(sf),
    ]) {
      const at =
        d.start === undefined
          ? { line: 0, character: 0 }
          : sf.getLineAndCharacterOfPosition(d.start);
      // TSDoc lines lose their ` * ` prefix; columns count from the code, not the comment.
      errors.push(
        `${example.file}:${example.line + at.line}:${at.character + 1}: error TS${d.code}: ${format(d)}`,
      );
    }
  }
  errors.push(...missingExamples(program));
  return { examples: found.examples, fragments: found.fragments, errors };
}

/**
 * The rule for the public API: every runtime export of the entry points (a function, a class, a
 * constant) carries an `@example`. Types and interfaces need a comment (typedoc checks that), not
 * an example of their own.
 */
function missingExamples(program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const [entry, file] of Object.entries(ENTRY_POINTS)) {
    const sf = program.getSourceFile(path.join(ROOT, file));
    const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    if (moduleSymbol === undefined) {
      missing.push(`${file}: the entry point ${entry} was not compiled`);
      continue;
    }
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if ((symbol.flags & ts.SymbolFlags.Value) === 0) continue;
      if (symbol.getJsDocTags(checker).some((tag) => tag.name === 'example')) continue;
      const declaration = symbol.declarations?.[0];
      const where =
        declaration === undefined
          ? file
          : `${path.relative(ROOT, declaration.getSourceFile().fileName)}:${
              declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart())
                .line + 1
            }`;
      missing.push(`${where}: ${entry} exports ${exported.name} without an @example`);
    }
  }
  return missing;
}

if (process.argv[1]?.endsWith('check-doc-examples.ts')) {
  const started = Date.now();
  const report = checkDocExamples();
  const tsdoc = report.examples.filter((e) => e.kind === 'tsdoc').length;
  for (const error of report.errors) console.error(error);
  console.log(
    `${report.examples.length} examples checked (${tsdoc} from TSDoc @example, ${report.examples.length - tsdoc} from Markdown; ${report.fragments} fragments skipped): ${report.errors.length} error(s), ${Date.now() - started} ms`,
  );
  process.exitCode = report.errors.length > 0 ? 1 : 0;
}
