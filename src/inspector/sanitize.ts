/**
 * Redaction for the inspector: a plain, bounded JSON copy of any value with the credentials it
 * holds (under a credential's name, or quoted inside a string) replaced by `[redacted]`. Every
 * value the inspector shows goes through {@link sanitize} first.
 */

/** A JSON value with secrets removed, long strings cut and depth bounded. */
export type Sanitized =
  null | boolean | number | string | Sanitized[] | { [key: string]: Sanitized };

/**
 * Names whose values never leave the process, compared as {@link keyName} writes them (lower case,
 * without `-`, `_`, `.` or spaces): `Authorization`, `proxy-authorization`, `Cookie`, `set-cookie`,
 * `DPoP`; a token by its name (`token`, `access_token`, `accessToken`, `refresh_token`,
 * `id_token`, `subject_token`, …, not `progressToken` or `maxTokens`); client secrets, passwords,
 * API keys (`api_key`, `apiKey`, `x-api-key`), private keys, PKCE verifiers and client
 * assertions. Matched whole, never as a part of a longer name.
 */
const SECRET_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  'dpop',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'bearertoken',
  'authtoken',
  'xauthtoken',
  'sessiontoken',
  'subjecttoken',
  'actortoken',
  'registrationaccesstoken',
  'devicecode',
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'apikey',
  'xapikey',
  'privatekey',
  'sessionkey',
  'credential',
  'credentials',
  'codeverifier',
  'verifier',
  'assertion',
  'clientassertion',
]);

/**
 * Endings that make a longer name secret too: a credential named for what it is for
 * (`OPENAI_API_KEY`, `github_client_secret`, `db_password`, `x-goog-api-key`, `GITHUB_TOKEN`,
 * `slackBotToken`). Each is a credential on its own; a name that ends in `token` and is not one
 * is listed in {@link NOT_CREDENTIALS}.
 */
const SECRET_ENDINGS: readonly string[] = ['apikey', 'secret', 'password', 'token', 'privatekey'];

/**
 * Names with a secret ending that are no credentials: the protocol's `progressToken`, and the
 * page tokens of paginated APIs (`pageToken`, `nextPageToken`, …), which only say where a list
 * goes on.
 */
const NOT_CREDENTIALS: ReadonlySet<string> = new Set([
  'progresstoken',
  'pagetoken',
  'nextpagetoken',
  'prevpagetoken',
  'previouspagetoken',
  'nexttoken',
  'continuationtoken',
]);

/** A key as {@link SECRET_NAMES} lists it: lower case, without separators. */
const keyName = (key: string): string => key.toLowerCase().replace(/[-_.\s]/g, '');

/** Whether the value under `key` is a credential, by the key's exact name (see SECRET_NAMES). */
function isSecretKey(key: string): boolean {
  let secret = keyVerdicts.get(key);
  if (secret === undefined) {
    const name = keyName(key);
    secret =
      SECRET_NAMES.has(name) ||
      (!NOT_CREDENTIALS.has(name) && SECRET_ENDINGS.some((ending) => name.endsWith(ending)));
    // The same few keys come again and again (`jsonrpc`, `id`, `method`, `params`, `content`):
    // their verdict is kept, up to a bound (keys of arbitrary data must not grow it for ever).
    if (keyVerdicts.size >= MAX_KEY_VERDICTS) keyVerdicts.clear();
    keyVerdicts.set(key, secret);
  }
  return secret;
}

const keyVerdicts = new Map<string, boolean>();
const MAX_KEY_VERDICTS = 4096;

/**
 * Credentials that can hide inside a string (an error message that quotes a URL or a header):
 * a JWT, the credential of an `Authorization` value (`Bearer …`, `DPoP …`, `Basic …`, not an
 * auth-param such as `error="…"`), and the value of a URL's (or a form's) credential parameters
 * after `?`, `&` or `#` (`code=`, `access_token=`, `client_secret=`, …; not `exit code=1`).
 */
const JWT_IN_TEXT = /\beyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*/g;
const CREDENTIAL_IN_TEXT = /\b(bearer|dpop|basic)(\s+)(?![\w-]+=")[\w.~+/-]{16,}=*/gi;
const PARAMETER_IN_TEXT =
  /([?&#])(code|access_token|refresh_token|id_token|token|client_secret|code_verifier|assertion|client_assertion|subject_token|actor_token|device_code|password|api_key)=[^&#\s"'<>]+/gi;

/** What a string must hold for each pattern above to match in it (cheap tests, run first). */
const MIN_JWT = 25;
const MIN_CREDENTIAL = 21;
const SCHEME_IN_TEXT = /bearer|dpop|basic/i;

/**
 * `text` with the credentials it quotes replaced by `[redacted]`. Most strings (a method, an id, a
 * tool's text) can hold none: a pattern runs only on a string that has what it needs (`eyJ`, an
 * `=`, an authorization scheme's name) and is long enough.
 */
function scrub(text: string): string {
  let out = text;
  if (out.length >= MIN_JWT && out.includes('eyJ')) out = out.replace(JWT_IN_TEXT, '[redacted]');
  if (out.length >= MIN_CREDENTIAL && SCHEME_IN_TEXT.test(out)) {
    out = out.replace(CREDENTIAL_IN_TEXT, '$1$2[redacted]');
  }
  if (out.includes('=')) out = out.replace(PARAMETER_IN_TEXT, '$1$2=[redacted]');
  return out;
}

export interface SanitizeLimits {
  /** Longest string kept, in characters; longer ones are cut with a note. Default 4 096. */
  readonly maxString?: number;
  /** Most array items or object keys kept. Default 200. */
  readonly maxItems?: number;
  /** Deepest nesting kept. Default 12. */
  readonly maxDepth?: number;
}

/**
 * A plain JSON copy of `value` that is safe to show: values under credential names
 * (`authorization`, `cookie`, `set-cookie`, `access_token`, `refreshToken`, `client_secret`,
 * `password`, `api_key`, `x-api-key`, …, matched whole and in any case; see {@link isSecretKey})
 * are replaced by `"[redacted]"` at any depth (and so are the values of `[name, value]` pairs,
 * headers as `fetch` takes them), and so are credentials quoted inside strings (a
 * JWT, `Bearer …`, a URL's `code=` or `access_token=`); functions and symbols are dropped,
 * errors become `{ name, message, code }`, cycles are cut, and strings, arrays, objects and
 * depth are bounded.
 */
export function sanitize(value: unknown, limits: SanitizeLimits = {}): Sanitized {
  const maxString = limits.maxString ?? 4096;
  const maxItems = limits.maxItems ?? 200;
  const maxDepth = limits.maxDepth ?? 12;
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): Sanitized | undefined => {
    switch (typeof v) {
      case 'string':
        return v.length > maxString
          ? `${scrub(v.slice(0, maxString))}… (${v.length - maxString} more characters)`
          : scrub(v);
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return `${v}n`;
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    const object = v as object;
    if (seen.has(object)) return '[circular]';
    if (depth >= maxDepth) return '[…]';
    seen.add(object);
    try {
      if (object instanceof Error) return errorOf(object, (x) => walk(x, depth + 1));
      if (Array.isArray(object)) {
        // A header or an entry as a pair (`[['Authorization', 'Bearer …']]`, `Object.entries`).
        const [name, item] = object as unknown[];
        if (object.length === 2 && typeof name === 'string' && isSecretKey(name)) {
          if (item !== undefined && item !== null) return [name, '[redacted]'];
        }
        const out: Sanitized[] = [];
        for (const item of object.slice(0, maxItems)) out.push(walk(item, depth + 1) ?? null);
        if (object.length > maxItems) out.push(`… (${object.length - maxItems} more items)`);
        return out;
      }
      if (ArrayBuffer.isView(object)) return `[${object.byteLength} bytes]`;
      const out: Record<string, Sanitized> = {};
      let count = 0;
      for (const key of Object.keys(object)) {
        if (count === maxItems) {
          out['…'] = `${Object.keys(object).length - maxItems} more keys`;
          break;
        }
        const item = (object as Record<string, unknown>)[key];
        if (isSecretKey(key) && item !== undefined && item !== null) {
          out[key] = '[redacted]';
          count++;
          continue;
        }
        const shown = walk(item, depth + 1);
        if (shown !== undefined) {
          out[key] = shown;
          count++;
        }
      }
      return out;
    } finally {
      seen.delete(object);
    }
  };
  return walk(value, 0) ?? null;
}

function errorOf(error: Error, walk: (v: unknown) => Sanitized | undefined): Sanitized {
  const e = error as Error & { code?: unknown; data?: unknown; cause?: unknown };
  const out: Record<string, Sanitized> = { name: e.name, message: e.message };
  const code = walk(e.code);
  if (code !== undefined) out['code'] = code;
  const data = walk(e.data);
  if (data !== undefined) out['data'] = data;
  const cause = walk(e.cause);
  if (cause !== undefined) out['cause'] = cause;
  return out;
}
