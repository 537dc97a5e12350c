/**
 * Answering the server's elicitation and sampling requests at the terminal. The dialogs are
 * written against a small `Asker` (one question, one line of answer), so tests can drive them
 * without a terminal; `openReadlineAsker` is the real one, over node:readline.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { JsonRpcError } from '../errors/errors.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The user ended a dialog: `eof` (Ctrl-D), `interrupt` (Ctrl-C) or `aborted` (the server cancelled). */
export class DialogEnded extends Error {
  override name = 'DialogEnded';
  readonly how: 'eof' | 'interrupt' | 'aborted';
  constructor(how: 'eof' | 'interrupt' | 'aborted') {
    super(
      how === 'eof'
        ? 'input ended'
        : how === 'interrupt'
          ? 'interrupted'
          : 'the server cancelled its request',
    );
    this.how = how;
  }
}

/** Asks one question and resolves with the line typed; rejects with `DialogEnded`. */
export interface Asker {
  ask(question: string): Promise<string>;
  /** Writes text (whole lines) to the user. */
  say(text: string): void;
}

// ---------------------------------------------------------------------------------------------
// Form fields (MCP elicitation: a flat object schema of primitive properties).

export interface Choice {
  readonly value: string;
  readonly title: string;
}

/** The choices of a single-select schema (`enum` with optional `enumNames`, or `oneOf` consts). */
function choicesOf(schema: Json): Choice[] | undefined {
  if (Array.isArray(schema.enum)) {
    const names = Array.isArray(schema.enumNames) ? schema.enumNames : [];
    return schema.enum.map((v, i) => ({
      value: String(v),
      title: str(names[i]) ?? String(v),
    }));
  }
  const alternatives = Array.isArray(schema.oneOf)
    ? schema.oneOf
    : Array.isArray(schema.anyOf)
      ? schema.anyOf
      : undefined;
  if (alternatives !== undefined && alternatives.every((a) => isObject(a) && 'const' in a)) {
    return alternatives.map((a) => {
      const o = a as Json;
      return { value: String(o.const), title: str(o.title) ?? String(o.const) };
    });
  }
  return undefined;
}

export type FieldKind =
  | { readonly type: 'boolean' }
  | { readonly type: 'number'; readonly integer: boolean }
  | { readonly type: 'string' }
  | { readonly type: 'choice'; readonly choices: readonly Choice[] }
  | { readonly type: 'choices'; readonly choices: readonly Choice[] };

export function fieldKind(schema: Json): FieldKind {
  if (schema.type === 'array' && isObject(schema.items)) {
    const choices = choicesOf(schema.items);
    if (choices !== undefined) return { type: 'choices', choices };
  }
  const choices = choicesOf(schema);
  if (choices !== undefined) return { type: 'choice', choices };
  if (schema.type === 'boolean') return { type: 'boolean' };
  if (schema.type === 'integer' || schema.type === 'number') {
    return { type: 'number', integer: schema.type === 'integer' };
  }
  return { type: 'string' };
}

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** What the user is asked to type: `(integer 1–100)`, `(email)`, `(y/n)`, … */
export function fieldHint(schema: Json): string {
  const kind = fieldKind(schema);
  switch (kind.type) {
    case 'boolean':
      return 'y/n';
    case 'number': {
      const min = num(schema.minimum);
      const max = num(schema.maximum);
      const range =
        min !== undefined && max !== undefined
          ? ` ${min}–${max}`
          : min !== undefined
            ? ` ≥ ${min}`
            : max !== undefined
              ? ` ≤ ${max}`
              : '';
      return `${kind.integer ? 'integer' : 'number'}${range}`;
    }
    case 'choice':
      return 'a number or a value';
    case 'choices': {
      const min = num(schema.minItems);
      const max = num(schema.maxItems);
      const count =
        min !== undefined && max !== undefined
          ? `${min}–${max}`
          : min !== undefined
            ? `at least ${min}`
            : max !== undefined
              ? `at most ${max}`
              : 'any';
      return `${count}, comma-separated`;
    }
    case 'string': {
      const format = str(schema.format);
      const min = num(schema.minLength);
      const max = num(schema.maxLength);
      const length =
        min !== undefined && max !== undefined
          ? `, ${min}–${max} characters`
          : min !== undefined
            ? `, at least ${min} characters`
            : max !== undefined
              ? `, at most ${max} characters`
              : '';
      return `${format ?? 'text'}${length}`;
    }
  }
}

/** A default as the user sees it. */
export function defaultText(schema: Json): string | undefined {
  const d = schema.default;
  if (d === undefined) return undefined;
  const kind = fieldKind(schema);
  const titleOf = (v: unknown): string =>
    kind.type === 'choice' || kind.type === 'choices'
      ? (kind.choices.find((c) => c.value === String(v))?.title ?? String(v))
      : String(v);
  if (typeof d === 'boolean') return d ? 'y' : 'n';
  if (Array.isArray(d)) return d.map(titleOf).join(', ');
  return titleOf(d);
}

export type FieldAnswer =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (m === null) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

function pickChoice(choices: readonly Choice[], input: string): Choice | undefined {
  const t = input.trim();
  if (/^\d+$/.test(t)) {
    const byIndex = choices[Number(t) - 1];
    if (byIndex !== undefined && !choices.some((c) => c.value === t)) return byIndex;
  }
  return (
    choices.find((c) => c.value === t) ??
    choices.find((c) => c.value.toLowerCase() === t.toLowerCase()) ??
    choices.find((c) => c.title.toLowerCase() === t.toLowerCase())
  );
}

/**
 * Checks and converts what was typed for one field. An empty answer takes the default; with no
 * default it leaves an optional field out (`value: undefined`) and is refused for a required one.
 */
export function answerField(schema: Json, input: string, required: boolean): FieldAnswer {
  const text = input.trim();
  if (text === '') {
    if (schema.default !== undefined) return { ok: true, value: schema.default };
    return required
      ? { ok: false, error: 'this field is required' }
      : { ok: true, value: undefined };
  }
  const kind = fieldKind(schema);
  switch (kind.type) {
    case 'boolean': {
      if (/^(y|yes|true|1)$/i.test(text)) return { ok: true, value: true };
      if (/^(n|no|false|0)$/i.test(text)) return { ok: true, value: false };
      return { ok: false, error: 'answer y or n' };
    }
    case 'number':
      return answerNumber(schema, text, kind.integer);
    case 'choice': {
      const choice = pickChoice(kind.choices, text);
      return choice === undefined
        ? { ok: false, error: `choose one of ${kind.choices.map((c, i) => `${i + 1}`).join(', ')}` }
        : { ok: true, value: choice.value };
    }
    case 'choices':
      return answerChoices(schema, text, kind.choices);
    case 'string':
      return answerString(schema, text);
  }
}

/** A number field: a finite number (an integer if asked), within the schema's bounds. */
function answerNumber(schema: Json, text: string, integer: boolean): FieldAnswer {
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, error: 'not a number' };
  if (integer && !Number.isInteger(value)) return { ok: false, error: 'not an integer' };
  const min = num(schema.minimum);
  const max = num(schema.maximum);
  if (min !== undefined && value < min) return { ok: false, error: `must be at least ${min}` };
  if (max !== undefined && value > max) return { ok: false, error: `must be at most ${max}` };
  return { ok: true, value };
}

/** A multi-select field: comma-separated choices, each once, as many as the schema allows. */
function answerChoices(schema: Json, text: string, choices: readonly Choice[]): FieldAnswer {
  const picked: string[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const choice = pickChoice(choices, part);
    if (choice === undefined)
      return { ok: false, error: `${JSON.stringify(part.trim())} is not one of the choices` };
    if (!picked.includes(choice.value)) picked.push(choice.value);
  }
  const min = num(schema.minItems);
  const max = num(schema.maxItems);
  if (min !== undefined && picked.length < min)
    return { ok: false, error: `choose at least ${min}` };
  if (max !== undefined && picked.length > max)
    return { ok: false, error: `choose at most ${max}` };
  return { ok: true, value: picked };
}

/** A string field: its length, its format (email, uri, date, date-time) and its pattern. */
function answerString(schema: Json, text: string): FieldAnswer {
  const length = [...text].length;
  const min = num(schema.minLength);
  const max = num(schema.maxLength);
  if (min !== undefined && length < min) return { ok: false, error: `at least ${min} characters` };
  if (max !== undefined && length > max) return { ok: false, error: `at most ${max} characters` };
  const wrong = formatError(schema.format, text);
  if (wrong !== undefined) return { ok: false, error: wrong };
  if (typeof schema.pattern === 'string') {
    try {
      if (!new RegExp(schema.pattern, 'u').test(text)) {
        return { ok: false, error: `does not match ${schema.pattern}` };
      }
    } catch {
      // A pattern this runtime cannot compile is not checked here; the server checks it.
    }
  }
  return { ok: true, value: text };
}

/** Why `text` is not of the string format `format`, or undefined when it is (or none is known). */
function formatError(format: unknown, text: string): string | undefined {
  switch (format) {
    case 'email':
      return EMAIL.test(text) ? undefined : 'not an email address';
    case 'uri':
      try {
        new URL(text);
        return undefined;
      } catch {
        return 'not a URI (like https://example.com)';
      }
    case 'date':
      return validDate(text) ? undefined : 'not a date (YYYY-MM-DD)';
    case 'date-time':
      return /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))
        ? undefined
        : 'not a date-time (like 2025-01-31T12:00:00Z)';
    default:
      return undefined;
  }
}

/** The question line of one field: `? Title (key)* — description (hint) [default]: `. */
export function fieldQuestion(key: string, schema: Json, required: boolean): string {
  const title = str(schema.title);
  const label = title === undefined || title === key ? key : `${title} (${key})`;
  const description = str(schema.description);
  const d = defaultText(schema);
  return `? ${label}${required ? '*' : ''}${description === undefined ? '' : ` — ${description}`} (${fieldHint(schema)})${d === undefined ? '' : ` [${d}]`}: `;
}

/** Asks until the answer is one of `letters` (the first letter of a word); Enter takes `fallback`. */
async function choose<T extends string>(
  asker: Asker,
  question: string,
  words: readonly T[],
  fallback: T,
): Promise<T> {
  const prompt = `? ${question} ${words.map((w) => `(${w[0]})${w.slice(1)}`).join(', ')} [${fallback[0]}]: `;
  for (;;) {
    const answer = (await asker.ask(prompt)).trim().toLowerCase();
    if (answer === '') return fallback;
    const word = words.find((w) => w === answer || w[0] === answer);
    if (word !== undefined) return word;
    asker.say(`  ✗ answer ${words.map((w) => w[0]).join(', ')}`);
  }
}

/** Form-mode elicitation: asks every field, then whether to send. */
export async function elicitForm(params: Json, asker: Asker): Promise<Json> {
  const schema = isObject(params.requestedSchema) ? params.requestedSchema : {};
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  asker.say(`The server asks (elicitation): ${str(params.message) ?? ''}`);
  asker.say('  (* required; Enter takes the [default] or leaves a field out; Ctrl-D cancels)');
  const start = await choose(asker, 'Fill in the form?', ['yes', 'decline', 'cancel'], 'yes');
  if (start === 'decline') return { action: 'decline' };
  if (start === 'cancel') return { action: 'cancel' };
  const content: Json = {};
  for (const [key, raw] of Object.entries(properties)) {
    const field = isObject(raw) ? raw : {};
    const kind = fieldKind(field);
    if (kind.type === 'choice' || kind.type === 'choices') {
      asker.say(`    ${kind.choices.map((c, i) => `${i + 1}) ${c.title}`).join('  ')}`);
    }
    for (;;) {
      const answer = answerField(
        field,
        await asker.ask(fieldQuestion(key, field, required.has(key))),
        required.has(key),
      );
      if (answer.ok) {
        if (answer.value !== undefined) content[key] = answer.value;
        break;
      }
      asker.say(`  ✗ ${answer.error}`);
    }
  }
  const send = await choose(asker, 'Send?', ['yes', 'decline', 'cancel'], 'yes');
  if (send === 'decline') return { action: 'decline' };
  if (send === 'cancel') return { action: 'cancel' };
  return { action: 'accept', content };
}

/** URL-mode elicitation: shows the URL (never opens or fetches it) and asks for consent. */
export async function elicitUrl(params: Json, asker: Asker): Promise<Json> {
  asker.say(`The server asks you to open a URL (elicitation): ${str(params.message) ?? ''}`);
  asker.say(`  ${str(params.url) ?? '(no URL given)'}`);
  asker.say('  mcp-actors does not open it; open it yourself if you trust it.');
  const answer = await choose(asker, 'Accept?', ['accept', 'decline', 'cancel'], 'decline');
  return { action: answer };
}

function samplingText(content: unknown): string {
  const blocks = Array.isArray(content) ? content : [content];
  return blocks
    .map((b) =>
      isObject(b) && b.type === 'text'
        ? (str(b.text) ?? '')
        : `[${isObject(b) ? String(b.type) : '?'}]`,
    )
    .join(' ');
}

/** The model name a typed reply is sent under. */
export const TYPED_MODEL = 'mcp-actors-terminal';

/** Sampling: shows the conversation and takes the reply typed; an empty reply declines. */
export async function sampleAtTerminal(params: Json, asker: Asker): Promise<Json> {
  asker.say('The server asks for a model reply (sampling/createMessage):');
  const system = str(params.systemPrompt);
  if (system !== undefined) asker.say(`  [system] ${system}`);
  for (const m of Array.isArray(params.messages) ? params.messages : []) {
    if (isObject(m)) asker.say(`  [${str(m.role) ?? '?'}] ${samplingText(m.content)}`);
  }
  const limits = [
    num(params.maxTokens) === undefined ? undefined : `max ${String(params.maxTokens)} tokens`,
    num(params.temperature) === undefined ? undefined : `temperature ${String(params.temperature)}`,
  ].filter((x) => x !== undefined);
  if (limits.length > 0) asker.say(`  (${limits.join(', ')})`);
  const reply = (await asker.ask('? Your reply (Enter alone declines): ')).trim();
  if (reply === '') throw samplingRefused();
  return {
    role: 'assistant',
    content: { type: 'text', text: reply },
    model: TYPED_MODEL,
    stopReason: 'endTurn',
  };
}

/** The error a refused sampling request is answered with: code -1, as in the spec's example of a user rejecting one. */
export function samplingRefused(why = 'The user declined the sampling request.'): JsonRpcError {
  return new JsonRpcError({ code: -1, message: why });
}

// ---------------------------------------------------------------------------------------------
// The terminal.

/**
 * Opens a readline dialog over `input` (a terminal) and `output` (stderr). Ctrl-C rejects the
 * pending question with `DialogEnded('interrupt')` and calls `onInterrupt`; Ctrl-D with `eof`;
 * `signal` (the server cancelling its request) with `aborted`. `close()` gives the terminal back.
 */
export function openReadlineAsker(
  input: Readable,
  output: Writable,
  options: { readonly signal?: AbortSignal; readonly onInterrupt?: () => void } = {},
): Asker & { close(): void } {
  const rl = createInterface({ input, output, terminal: true });
  let pending: ((error: DialogEnded) => void) | undefined;
  let ended: DialogEnded | undefined;
  const end = (error: DialogEnded): void => {
    ended ??= error;
    const reject = pending;
    pending = undefined;
    reject?.(error);
  };
  rl.on('SIGINT', () => {
    output.write('^C\n');
    end(new DialogEnded('interrupt'));
    options.onInterrupt?.();
  });
  rl.on('close', () => end(new DialogEnded('eof')));
  const onAbort = (): void => {
    if (ended === undefined) output.write('\n');
    end(new DialogEnded('aborted'));
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    ask(question) {
      if (ended !== undefined) return Promise.reject(ended);
      if (options.signal?.aborted === true) return Promise.reject(new DialogEnded('aborted'));
      return new Promise<string>((resolve, reject) => {
        pending = reject;
        rl.question(question, (answer) => {
          pending = undefined;
          resolve(answer);
        });
      });
    },
    say(text) {
      output.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    close() {
      options.signal?.removeEventListener('abort', onAbort);
      pending = undefined;
      rl.close();
    },
  };
}
