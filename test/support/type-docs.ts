/**
 * Reads the documentation a user's editor shows for members of exported types: the TSDoc of
 * `Type.member` as a module resolves it (the sources, or an installed package's declarations).
 */
import ts from 'typescript';

/** The TSDoc of each `Type.member` of the module `file` imports first, by `Type.member`. */
export function memberDocs(
  file: string,
  members: readonly string[],
  options: ts.CompilerOptions,
): Record<string, string> {
  const program = ts.createProgram([file], { skipLibCheck: true, noEmit: true, ...options });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const declaration = source?.statements.find(ts.isImportDeclaration);
  const module = declaration && checker.getSymbolAtLocation(declaration.moduleSpecifier);
  if (module === undefined) throw new Error(`${file}: no module imported`);
  const exported = checker.getExportsOfModule(module);
  const out: Record<string, string> = {};
  for (const entry of members) {
    const [typeName, member] = entry.split('.') as [string, string];
    let symbol = exported.find((s) => s.name === typeName);
    if (symbol === undefined) throw new Error(`${typeName} is not exported`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const property = checker.getDeclaredTypeOfSymbol(symbol).getProperty(member);
    out[entry] = ts.displayPartsToString(property?.getDocumentationComment(checker) ?? []);
  }
  return out;
}

/** Members whose revisions differ, and what their documentation must say. */
export const REVISION_DOCS: Readonly<Record<string, RegExp>> = {
  'Tool.title': /^A name for people to read.*\(2025-06-18 and later\)\.$/s,
  'Tool.outputSchema': /^The JSON Schema of `structuredContent`.*\(2025-06-18 and later\)/s,
  'Tool.execution': /^Whether the tool runs as a task \(2025-11-25 only/,
  'Tool.icons': /\(2025-11-25 and later\)/,
  'CallToolResult.structuredContent': /\(2025-06-18 and later\).*any JSON value on 2026-07-28/s,
  'CallToolResult.resultType': /2026-07-28/,
  'ListToolsResult.ttlMs': /2026-07-28/,
  'Implementation.websiteUrl': /\(2025-11-25 and later\)/,
  'ClientCapabilities.elicitation': /2025-06-18 and later/,
  'ServerCapabilities.completions': /2025-03-26 and later/,
  'ElicitRequestURLParams.elicitationId': /2025-11-25, where it is\s+required/,
  'CreateMessageRequestParams.tools': /2025-11-25 and later/,
  'ProgressNotificationParams.message': /2025-03-26 and later/,
  'CancelledNotificationParams.requestId': /Absent only in 2025-11-25/,
  'SamplingMessage.content': /2025-11-25 and later/,
};
