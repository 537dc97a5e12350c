/**
 * The seeds of the fuzz run, read at run time: the official example messages of the
 * specification (`<MCP_SPEC_DIR>/2026-07-28/examples/<TypeName>/*.json`, default
 * `../shared/mcp-spec` from the project root) and the sessions recorded from a real server
 * (`test/fixtures/recorded/*.jsonl`, written by scripts/record-sessions.ts).
 *
 * Each seed is sorted by what it can become on the wire: the result of a method (sent as the
 * answer to a pending request of that method), an error object, a whole message (a server
 * request, a notification, a response), or a fragment spliced into other messages.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A whole message, as a server could send it. */
export interface SeedMessage {
  /** Where it came from (`spec:ProgressNotification/x.json`, `recorded:…`). */
  readonly source: string;
  readonly message: { [key: string]: Json };
}

export interface Corpus {
  /** Results by the method they answer. */
  readonly results: ReadonlyMap<string, readonly Json[]>;
  /** Every result, whatever it answers. */
  readonly anyResult: readonly Json[];
  /** JSON-RPC error objects (`{ code, message, data? }`). */
  readonly errors: readonly Json[];
  /** Notifications. */
  readonly notifications: readonly SeedMessage[];
  /** Requests (the server's own, and the client's, which a server has no business sending). */
  readonly requests: readonly SeedMessage[];
  /** Other values of the schema (content blocks, capabilities, schemas of elicitation forms…). */
  readonly fragments: readonly Json[];
  /** What was read: spec example files and recorded messages. */
  readonly counts: { readonly specExamples: number; readonly recorded: number };
  /** The directory the spec examples were read from, or undefined when it is absent. */
  readonly specDir: string | undefined;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The specification data directory: MCP_SPEC_DIR, or `../shared/mcp-spec` from the project root. */
export function specDirectory(): string {
  return path.resolve(root, process.env['MCP_SPEC_DIR'] ?? '../shared/mcp-spec');
}

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the corpus. With `requireSpec`, a missing specification directory is an error; without,
 * the recorded sessions alone are used (and `specDir` is undefined).
 */
export function loadCorpus(options: { readonly requireSpec: boolean }): Corpus {
  const results = new Map<string, Json[]>();
  const anyResult: Json[] = [];
  const errors: Json[] = [];
  const notifications: SeedMessage[] = [];
  const requests: SeedMessage[] = [];
  const fragments: Json[] = [];
  let specExamples = 0;
  let recorded = 0;
  const addResult = (method: string | undefined, result: Json): void => {
    anyResult.push(result);
    if (method === undefined) return;
    let list = results.get(method);
    if (list === undefined) results.set(method, (list = []));
    list.push(result);
  };
  /** A whole message: sorted by its shape. */
  const addMessage = (source: string, message: Json, answers: string | undefined): void => {
    if (!isObject(message)) {
      fragments.push(message);
      return;
    }
    if (typeof message.method === 'string') {
      const seed = { source, message: { jsonrpc: '2.0', ...message } };
      if ('id' in message) requests.push(seed);
      else notifications.push(seed);
      return;
    }
    if ('result' in message) addResult(answers, message.result);
    else if (isObject(message.error)) errors.push(message.error);
  };

  const specDir = specDirectory();
  const examples = path.join(specDir, '2026-07-28', 'examples');
  const haveSpec = existsSync(examples);
  if (!haveSpec && options.requireSpec) {
    throw new Error(
      `The specification examples were not found in ${examples}. Set MCP_SPEC_DIR to the directory holding <revision>/schema.json and 2026-07-28/examples.`,
    );
  }
  if (haveSpec) {
    // The method of each request type, from its own example, so that `FooResult` examples
    // answer the method of the `FooRequest` examples.
    const typeNames = readdirSync(examples).sort();
    const read = (type: string): { file: string; value: Json }[] =>
      readdirSync(path.join(examples, type))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((file) => ({
          file,
          value: JSON.parse(readFileSync(path.join(examples, type, file), 'utf8')) as Json,
        }));
    const methodOf = new Map<string, string>();
    for (const type of typeNames) {
      if (!type.endsWith('Request')) continue;
      for (const { value } of read(type)) {
        if (isObject(value) && typeof value.method === 'string') {
          methodOf.set(type.slice(0, -'Request'.length), value.method);
        }
      }
    }
    for (const type of typeNames) {
      for (const { file, value } of read(type)) {
        specExamples += 1;
        const source = `spec:${type}/${file}`;
        if (type.endsWith('ResultResponse')) {
          addMessage(source, value, methodOf.get(type.slice(0, -'ResultResponse'.length)));
        } else if (type.endsWith('Result')) {
          addResult(methodOf.get(type.slice(0, -'Result'.length)), value);
        } else if (type.endsWith('Error') && isObject(value) && 'error' in value) {
          addMessage(source, value, undefined);
        } else if (type.endsWith('Error')) {
          errors.push(value);
        } else if (type.endsWith('Request') || type.endsWith('Notification')) {
          addMessage(source, value, undefined);
        } else {
          fragments.push(value);
        }
      }
    }
  }

  const recordedDir = path.join(root, 'test', 'fixtures', 'recorded');
  for (const file of readdirSync(recordedDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    const lines = readFileSync(path.join(recordedDir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const entry = JSON.parse(line) as { answers?: string; message: Json };
      recorded += 1;
      addMessage(`recorded:${file}:${i + 1}`, entry.message, entry.answers);
    });
  }
  return {
    results,
    anyResult,
    errors,
    notifications,
    requests,
    fragments,
    counts: { specExamples, recorded },
    specDir: haveSpec ? specDir : undefined,
  };
}
