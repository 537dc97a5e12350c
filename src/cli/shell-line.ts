/**
 * The lines of `mcp-actors shell`: splitting a line into words, parsing it into a command of the
 * CLI (with the command line's own checks), the shell's help, and tab completion. Pure: the
 * terminal is in shell.ts.
 */
import { parseArgs } from 'node:util';
import {
  checkCommand,
  commandSpec,
  SHELL_COMMANDS,
  UsageError,
  type ShellCommandName,
} from './commands.js';

/** One word of a line: its text (quotes taken off) and where it stands in the line. */
export interface Word {
  readonly text: string;
  /** The index of its first character in the line. */
  readonly start: number;
  /** Whether it ends inside a quote or an unbalanced JSON value (only the last word can). */
  readonly open: boolean;
}

/**
 * Splits a line into words as a POSIX shell would for simple words: blanks separate them,
 * `'…'` is literal, `"…"` takes `\"` and `\\`, a backslash outside quotes escapes the next
 * character. A word that starts with `{` or `[` is taken as JSON up to its matching bracket, so
 * `call echo {"message": "hi there"}` needs no quotes. Never throws: an unclosed quote or bracket
 * leaves the last word `open`.
 */
export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    const start = i;
    let text = '';
    let open = false;
    if (line[i] === '{' || line[i] === '[') {
      let depth = 0;
      let inString = false;
      for (; i < line.length; i++) {
        const c = line[i] ?? '';
        text += c;
        if (inString) {
          if (c === '\\') {
            i++;
            text += line[i] ?? '';
          } else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      open = depth > 0;
      words.push({ text, start, open });
      continue;
    }
    while (i < line.length && !/\s/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) {
          text += line.slice(i + 1);
          i = line.length;
          open = true;
        } else {
          text += line.slice(i + 1, end);
          i = end + 1;
        }
      } else if (c === '"') {
        i++;
        for (; i < line.length && line[i] !== '"'; i++) {
          if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) i++;
          text += line[i] ?? '';
        }
        if (i >= line.length) open = true;
        else i++;
      } else if (c === '\\' && i + 1 < line.length) {
        text += line[i + 1] ?? '';
        i += 2;
      } else {
        text += c;
        i++;
      }
    }
    words.push({ text, start, open });
  }
  return words;
}

/** What a line asks for. */
export type ShellLine =
  | { readonly kind: 'empty' }
  | { readonly kind: 'exit' }
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'run';
      readonly command: ShellCommandName;
      readonly args: readonly string[];
      /** `--json` was given on the line. */
      readonly json: boolean;
    };

/** The shell's own commands, beside the CLI's. */
export const SHELL_OWN = ['help', 'exit', 'quit'] as const;

/** The shell's help: its commands, or one command's. */
export function shellHelp(about?: string): string {
  const command = SHELL_COMMANDS.find((c) => c === about);
  if (command !== undefined) {
    const spec = commandSpec(command);
    return `${spec.synopsis} [--json]\n\n${spec.details}`;
  }
  const rows: [string, string][] = [
    ...SHELL_COMMANDS.map((c): [string, string] => [
      `${commandSpec(c).synopsis} [--json]`,
      commandSpec(c).summary,
    ]),
    ['help [command]', 'this list, or what a command does'],
    ['exit, quit', 'close the session (or Ctrl-D, or Ctrl-C at an empty line)'],
  ];
  const width = Math.max(...rows.map(([a]) => a.length));
  return [
    'Commands:',
    ...rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`),
    '',
    'A JSON argument may be quoted (\'{"message": "hi"}\') or typed bare ({"message": "hi"}).',
    "Tab completes commands, names, and a tool's or a prompt's argument names after {.",
    'Ctrl-C cancels the running call; the session stays.',
  ].join('\n');
}

/**
 * Parses one line of the shell into what to run, with the checks of the command line (the
 * command, the number of its arguments); the JSON arguments are checked when the command runs,
 * as on the command line. Throws `UsageError`.
 */
export function parseShellLine(line: string): ShellLine {
  const words = splitWords(line);
  const last = words.at(-1);
  if (last?.open === true) {
    throw new UsageError(
      `The line ends inside a quote or a JSON value: ${JSON.stringify(line.slice(last.start))}.`,
    );
  }
  const [first, ...rest] = words.map((w) => w.text);
  if (first === undefined || first.startsWith('#')) return { kind: 'empty' };
  if (first === 'exit' || first === 'quit') return { kind: 'exit' };
  if (first === 'help') return { kind: 'help', text: shellHelp(rest[0]) };
  let parsed;
  try {
    parsed = parseArgs({
      args: words.map((w) => w.text),
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const option = /option '([^']+)'/i.exec(error instanceof Error ? error.message : '')?.[1];
    throw new UsageError(
      `Unknown option ${option ?? '?'}; on a line of the shell, a command takes --json (and --help).`,
    );
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help === true) return { kind: 'help', text: shellHelp(name) };
  if (name === 'listen') {
    throw new UsageError(
      "listen is not a command of the shell: here the server's notifications print as they arrive.",
    );
  }
  if (name !== undefined && !(SHELL_COMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(
      `Unknown command ${JSON.stringify(name)}; the commands are ${[...SHELL_COMMANDS, ...SHELL_OWN].join(', ')}.`,
    );
  }
  const command = checkCommand(name, args, SHELL_COMMANDS, '');
  return { kind: 'run', command, args, json: parsed.values.json === true };
}

/** What completion knows of the server: names, and the argument names of each. */
export interface Catalog {
  /** Tool name → its argument names (the input schema's properties). */
  readonly tools: ReadonlyMap<string, readonly string[]>;
  /** Prompt name → its argument names. */
  readonly prompts: ReadonlyMap<string, readonly string[]>;
  /** Resource URIs, and the URI templates of the resource templates. */
  readonly resources: readonly string[];
}

/** Nothing to complete yet (before the first listing). */
export const EMPTY_CATALOG: Catalog = { tools: new Map(), prompts: new Map(), resources: [] };

/** The argument names of a JSON Schema object. */
export function schemaPropertyNames(schema: unknown): string[] {
  const properties = (schema as { properties?: unknown } | null | undefined)?.properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

/** The candidates that start with `partial`; a single one is followed by a space. */
function matching(candidates: readonly string[], partial: string, space = true): string[] {
  const hits = [...new Set(candidates)].filter((c) => c.startsWith(partial)).sort();
  return hits.length === 1 && space ? [`${hits[0] ?? ''} `] : hits;
}

/**
 * The argument names to offer in a JSON object being typed (`raw`, from its `{`): when the
 * cursor is where a key goes (after `{` or `,`, outside any string, maybe after a `"`), the
 * names not given yet, as `"name": `.
 */
function completeKeys(raw: string, names: readonly string[]): [string[], string] {
  if (raw === '')
    return [
      matching(
        names.map((n) => `{"${n}": `),
        '',
        false,
      ),
      '',
    ];
  const key = /(?:^|[{,])\s*("[^"\\{},:]*)?$/.exec(raw);
  if (key === null) return [[], ''];
  const partial = key[1] ?? '';
  // Outside a string: an even number of unescaped quotes before the key.
  const before = raw.slice(0, raw.length - partial.length).replace(/\\./g, '');
  if ((before.match(/"/g) ?? []).length % 2 !== 0) return [[], ''];
  const given = new Set([...raw.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]));
  const candidates = names.filter((n) => !given.has(n)).map((n) => `"${n}": `);
  return [matching(candidates, partial, false), partial];
}

/**
 * Tab completion of a line (for node:readline's completer): the command names first; then a
 * tool's, a prompt's or a resource's name; then, in the JSON arguments of `call` and
 * `get-prompt`, the argument names. Returns the candidates and the text they complete.
 */
export function completeLine(line: string, catalog: Catalog): [string[], string] {
  const words = splitWords(line);
  const last = words.at(-1);
  const fresh = last === undefined || (!last.open && /\s$/.test(line));
  const index = fresh ? words.length : words.length - 1;
  const raw = fresh || last === undefined ? '' : line.slice(last.start);
  const command = words[0]?.text;
  if (raw.startsWith('-')) return [matching(['--json', '--help'], raw), raw];
  const positional = words.slice(0, index).filter((w) => !w.text.startsWith('-'));
  const at = positional.length;
  if (at === 0) return [matching([...SHELL_COMMANDS, ...SHELL_OWN], raw), raw];
  if (at === 1) {
    switch (command) {
      case 'call':
        return [matching([...catalog.tools.keys()], raw), raw];
      case 'get-prompt':
        return [matching([...catalog.prompts.keys()], raw), raw];
      case 'read':
        return [matching(catalog.resources, raw), raw];
      case 'help':
        return [matching(SHELL_COMMANDS, raw), raw];
      default:
        return [[], raw];
    }
  }
  if (at === 2 && (command === 'call' || command === 'get-prompt')) {
    const name = positional[1]?.text ?? '';
    const names = (command === 'call' ? catalog.tools : catalog.prompts).get(name) ?? [];
    return completeKeys(raw, names);
  }
  return [[], raw];
}
