/**
 * Reading a message's request id from its edges: the leading members of a JSON object from its
 * first bytes, the trailing ones from its last bytes, without the middle. The line decoder uses
 * it on a line over the cap, to fail the request a too-large response answers.
 */

/** What the first or last top-level members of a message say. */
export interface EdgeInfo {
  /** The top-level keys read. */
  readonly keys: readonly string[];
  /** The `id` member, when it was read and is a string or a number. */
  readonly id: string | number | undefined;
}

const NO_INFO: EdgeInfo = { keys: [], id: undefined };

/** A response (it has `result` or `error` and no `method`), by what its edges show. */
export function isResponse(head: EdgeInfo, tail: EdgeInfo | undefined): boolean {
  const keys = tail === undefined ? head.keys : [...head.keys, ...tail.keys];
  return !keys.includes('method') && (keys.includes('result') || keys.includes('error'));
}

function idOf(
  key: string,
  value: unknown,
  id: string | number | undefined,
): string | number | undefined {
  if (key !== 'id' || id !== undefined) return id;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

const WS = /[ \t\r]/;

/**
 * Reads the leading members of a JSON object from its first bytes, up to the first member whose
 * value is an object or an array (or runs past the bytes).
 */
export function readHead(text: string): EdgeInfo {
  let i = 0;
  const skipWs = (): void => {
    // Stryker disable next-line ConditionalExpression: past the end `text[i]` is undefined, which the pattern reads as "undefined": not whitespace, so the loop stops there all the same
    // Stryker disable next-line EqualityOperator: at `text.length` the character is undefined, not whitespace, so one more test stops the loop all the same
    while (i < text.length && WS.test(text[i] as string)) i++;
  };
  skipWs();
  if (text[i] !== '{') return NO_INFO;
  i++;
  const keys: string[] = [];
  let id: string | number | undefined;
  for (;;) {
    skipWs();
    const key = stringAt(text, i);
    // Stryker disable next-line ConditionalExpression: a string read from quote to quote parses as a string or not at all; the type check only narrows the type
    if (key === undefined || typeof key.value !== 'string') break;
    i = key.end;
    skipWs();
    if (text[i] !== ':') break;
    i++;
    skipWs();
    keys.push(key.value);
    const c = text[i];
    let value: { value: unknown; end: number } | undefined;
    if (c === '"') value = stringAt(text, i);
    else {
      // No token at an object, an array or the end of the bytes: the reading stops there. A
      // token that reaches the end of the bytes may be cut short.
      const token = /^[-+.\w]+/.exec(text.slice(i, i + 64))?.[0];
      if (token !== undefined && i + token.length < text.length) {
        value = parseJson(token, i + token.length);
      }
    }
    if (value === undefined) break;
    id = idOf(key.value, value.value, id);
    i = value.end;
    skipWs();
    if (text[i] !== ',') break;
    i++;
  }
  return { keys, id };
}

/** The JSON string starting at `text[i]` (a quote), and where it ends. */
function stringAt(text: string, i: number): { value: unknown; end: number } | undefined {
  // Stryker disable next-line ConditionalExpression: from a character other than a quote up to the next quote is never a JSON string, so the parse below gives undefined too; the check saves the scan
  if (text[i] !== '"') return undefined;
  let j = i + 1;
  // Stryker disable next-line EqualityOperator: at `text.length` the character is undefined, which only steps `j` past the end
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return parseJson(text.slice(i, j + 1), j + 1);
    else j++;
  }
  return undefined;
}

function parseJson(token: string, end: number): { value: unknown; end: number } | undefined {
  try {
    return { value: JSON.parse(token) as unknown, end };
  } catch {
    // Not JSON: no value (undefined).
  }
}

/**
 * Reads the trailing members of a JSON object from its last bytes, backwards, down to the first
 * member whose value is an object or an array (or runs past the bytes).
 */
export function readTail(text: string): EdgeInfo {
  let j = text.length - 1;
  const skipWs = (): void => {
    // Stryker disable next-line ConditionalExpression: before the start `text[j]` is undefined, which the pattern reads as "undefined": not whitespace, so the loop stops there all the same
    // Stryker disable next-line EqualityOperator: whitespace at index 0 or undefined at -1 both fail every check that follows, so stopping at 0 reads the same
    while (j >= 0 && WS.test(text[j] as string)) j--;
  };
  skipWs();
  if (text[j] !== '}') return NO_INFO;
  j--;
  const keys: string[] = [];
  let id: string | number | undefined;
  for (;;) {
    skipWs();
    const c = text[j];
    // Where the value read back from here ends (its last character is `text[j]`).
    const end = j + 1;
    let value: unknown;
    if (c === '"') {
      const opening = openingQuote(text, j);
      // Stryker disable next-line ConditionalExpression: with no unescaped quote before, the text up to this quote is not JSON either, so the parse below breaks out the same
      if (opening === undefined) break;
      const parsed = parseJson(text.slice(opening, end), end);
      if (parsed === undefined) break;
      value = parsed.value;
      j = opening - 1;
    } else {
      let k = j;
      // Stryker disable next-line EqualityOperator: a token that reaches index 0 has no key before it, so reading it or not gives the same keys and id
      while (k >= 0 && /[-+.\w]/.test(text[k] as string)) k--;
      // No token parses as an empty string; a token that reaches the start of the bytes (and may be
      // cut short) has no key before it.
      const parsed = parseJson(text.slice(k + 1, end), end);
      if (parsed === undefined) break;
      value = parsed.value;
      j = k;
    }
    skipWs();
    if (text[j] !== ':') break;
    j--;
    skipWs();
    // Stryker disable next-line ConditionalExpression: the nearest unescaped quote before a character other than a quote closes a string, so the text from it never parses as one: the key check breaks out the same
    if (text[j] !== '"') break;
    const opening = openingQuote(text, j);
    // Stryker disable next-line ConditionalExpression: with no unescaped quote before, the text up to this quote is not a JSON string, so the key check breaks out the same
    if (opening === undefined) break;
    const key = parseJson(text.slice(opening, j + 1), opening)?.value;
    if (typeof key !== 'string') break;
    keys.push(key);
    id = idOf(key, value, id);
    j = opening - 1;
    skipWs();
    if (text[j] !== ',') break;
    j--;
  }
  return { keys, id };
}

/** The opening quote of the JSON string whose closing quote is `text[j]`: the first quote before it not escaped by a backslash. */
function openingQuote(text: string, j: number): number | undefined {
  for (let k = j - 1; k >= 0; k--) {
    if (text[k] !== '"') continue;
    let backslashes = 0;
    while (text[k - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return k;
  }
  return undefined;
}
