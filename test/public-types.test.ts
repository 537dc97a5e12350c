/**
 * The protocol's types as a user imports them: `import type { … } from 'mcp-actors'`, type-checked
 * with the project's strict options, 'mcp-actors' and its subpaths resolving to the source entry
 * points. (test/package-install.test.ts checks the same fixture against the packed, installed package.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  Annotations,
  CancelledNotificationParams,
  ClientCapabilities,
  CreateMessageRequestParams,
  ElicitRequestURLParams,
  ElicitResult,
  Implementation,
  Resource,
  ServerCapabilities,
  TextContent,
  Tool,
} from '../src/index.js';
import type { Defs } from '../src/protocol/schemas/build.js';
import { memberDocs, REVISION_DOCS } from './support/type-docs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(root, 'test/fixtures/consumer');

const ENTRY_POINTS: Readonly<Record<string, string>> = {
  'mcp-actors': 'src/index.ts',
  'mcp-actors/node': 'src/node/index.ts',
  'mcp-actors/testing': 'src/testing/index.ts',
  'mcp-actors/ai-sdk': 'src/ai-sdk/index.ts',
  'mcp-actors/machines': 'machines/index.ts',
};

/** The names `src/protocol/types.ts` exports as types, but the helper `Complete`. */
function protocolTypeNames(): string[] {
  const file = path.join(root, 'src/protocol/types.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const names: string[] = [];
  for (const statement of source.statements) {
    const exported = ts.canHaveModifiers(statement)
      ? ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
      : false;
    if (
      exported === true &&
      (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement))
    ) {
      names.push(statement.name.text);
    }
    if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined) {
      if (ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.push(element.name.text);
      }
    }
  }
  return names.filter((name) => name !== 'Complete').sort();
}

/**
 * Type-checks `files` (paths, or in-memory modules by path) in one program with the project's
 * compiler options; returns each file's errors as `TS<code>: message`.
 */
function typeCheck(
  files: readonly string[],
  virtual: ReadonlyMap<string, string> = new Map(),
): Map<string, string[]> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(root, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (parsed === undefined) throw new Error('cannot read tsconfig.json');
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    baseUrl: root,
    paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, [file]])),
  };
  const host = ts.createCompilerHost(options, true);
  const base = { ...host };
  host.fileExists = (f) => virtual.has(f) || base.fileExists(f);
  host.readFile = (f) => virtual.get(f) ?? base.readFile(f);
  host.getSourceFile = (f, language, onError, create) => {
    const text = virtual.get(f);
    return text === undefined
      ? base.getSourceFile(f, language, onError, create)
      : ts.createSourceFile(f, text, language, true);
  };
  const program = ts.createProgram([...files, ...virtual.keys()], options, host);
  const out = new Map<string, string[]>();
  for (const file of [...files, ...virtual.keys()]) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) throw new Error(`${file} was not compiled`);
    out.set(
      path.relative(root, file),
      [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map(
        (d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
      ),
    );
  }
  return out;
}

describe('the protocol types, imported from mcp-actors', () => {
  it('are every type of src/protocol/types.ts, and the consumer fixture imports each', () => {
    const names = protocolTypeNames();
    expect(names).toEqual(expect.arrayContaining(['CallToolResult', 'Tool', 'ContentBlock']));
    expect(names.length).toBeGreaterThan(55);
    const imported = /import type \{([^}]*)\} from 'mcp-actors';/.exec(
      readFileSync(path.join(fixture, 'types.ts'), 'utf8'),
    )?.[1];
    const importedNames = (imported ?? '').split(',').map((n) => n.trim());
    expect(names.filter((name) => !importedNames.includes(name))).toEqual([]);
  });

  it('type-check in a strict user module, and what is missing or wrong is reported', () => {
    const names = protocolTypeNames();
    const all = path.join(fixture, 'all-protocol-types.ts');
    const missing = path.join(fixture, 'missing.ts');
    const wrong = path.join(fixture, 'wrong.ts');
    const virtual = new Map([
      [
        all,
        `import type { ${names.join(', ')} } from 'mcp-actors';\n` +
          `export type All = [${names.join(', ')}];\n`,
      ],
      // The checks can fail: a type that is not there, and a type that is not what is said.
      [missing, `import type { NoSuchType } from 'mcp-actors';\nexport type T = NoSuchType;\n`],
      [
        wrong,
        `import type { Tool } from 'mcp-actors';\n` +
          `export const name: number = ({} as Tool).name;\n`,
      ],
    ]);
    const errors = typeCheck(
      [path.join(fixture, 'types.ts'), path.join(fixture, 'main.ts')],
      virtual,
    );
    expect(errors.get('test/fixtures/consumer/types.ts')).toEqual([]);
    expect(errors.get('test/fixtures/consumer/main.ts')).toEqual([]);
    expect(errors.get('test/fixtures/consumer/all-protocol-types.ts')).toEqual([]);
    expect(errors.get('test/fixtures/consumer/missing.ts')).toEqual([
      expect.stringMatching(/^TS2305: Module '"mcp-actors"' has no exported member 'NoSuchType'/),
    ]);
    expect(errors.get('test/fixtures/consumer/wrong.ts')).toEqual([
      expect.stringMatching(/^TS2322: Type 'string' is not assignable to type 'number'/),
    ]);
  }, 180_000);

  it('document the members whose revisions differ', () => {
    const probe = path.join(root, 'test/fixtures/consumer/types.ts');
    const docs = memberDocs(probe, Object.keys(REVISION_DOCS), {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      baseUrl: root,
      paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([n, f]) => [n, [f]])),
    });
    for (const [member, said] of Object.entries(REVISION_DOCS)) {
      expect(docs[member], member).toMatch(said);
    }
  }, 120_000);

  it("are the schemas' output types: documenting their members changes no member", () => {
    type Plain<T> = { [K in keyof T]: T[K] };
    type Schema<T> = Plain<z.output<NonNullable<T>>>;
    type Elicit = NonNullable<Defs['e']>;
    expectTypeOf<Plain<Tool>>().toEqualTypeOf<Schema<Defs['td']['Tool']>>();
    expectTypeOf<Plain<Implementation>>().toEqualTypeOf<Schema<Defs['id']['Implementation']>>();
    expectTypeOf<Plain<ClientCapabilities>>().toEqualTypeOf<
      Schema<Defs['id']['ClientCapabilities']>
    >();
    expectTypeOf<Plain<ServerCapabilities>>().toEqualTypeOf<
      Schema<Defs['id']['ServerCapabilities']>
    >();
    expectTypeOf<Plain<Annotations>>().toEqualTypeOf<Schema<Defs['c']['Annotations']>>();
    expectTypeOf<Plain<TextContent>>().toEqualTypeOf<Schema<Defs['c']['TextContent']>>();
    expectTypeOf<Plain<Resource>>().toEqualTypeOf<Schema<Defs['resources']['Resource']>>();
    expectTypeOf<Plain<ElicitRequestURLParams>>().toEqualTypeOf<
      Schema<Elicit['ElicitRequestURLParams']>
    >();
    expectTypeOf<Plain<ElicitResult>>().toEqualTypeOf<Schema<Elicit['ElicitResult']>>();
    expectTypeOf<Plain<CancelledNotificationParams>>().toEqualTypeOf<
      Schema<Defs['life']['CancelledNotificationParams']>
    >();
    expectTypeOf<Omit<CreateMessageRequestParams, 'messages'>>().toEqualTypeOf<
      Omit<Schema<Defs['s']['CreateMessageRequestParams']>, 'messages'>
    >();
  });
});
