/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1): what an MCP server's `401` or `403` says.
 * oauth4webapi parses these only inside the requests it makes itself with a token; a client's
 * first request carries none, so the parse is here, shared by both.
 */

/** One challenge: its scheme (lower-cased) and its parameters (names lower-cased). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/**
 * Parses a `WWW-Authenticate` value into its challenges. Tolerant: a malformed part ends the
 * parse, keeping the challenges read so far.
 */
export function parseChallenges(header: string | null): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  if (header === null) return challenges;
  let rest = header;
  const skip = (re: RegExp): void => {
    rest = rest.replace(re, '');
  };
  for (;;) {
    skip(/^[\s,]+/);
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) break;
    rest = rest.slice(scheme.length);
    const challenge = { scheme: scheme.toLowerCase(), params: {} as Record<string, string> };
    challenges.push(challenge);
    for (;;) {
      const save = rest;
      skip(/^[\s,]+/);
      const name = TOKEN.exec(rest)?.[0];
      if (name === undefined) break;
      const after = rest.slice(name.length).replace(/^\s*/, '');
      if (!after.startsWith('=')) {
        // The next challenge's scheme (or a token68): this challenge ends here.
        rest = save;
        break;
      }
      rest = after.slice(1).replace(/^\s*/, '');
      let value: string;
      if (rest.startsWith('"')) {
        const quoted = /^"((?:[^"\\]|\\[\s\S])*)"/.exec(rest);
        if (quoted === null) return challenges;
        value = (quoted[1] ?? '').replace(/\\([\s\S])/g, '$1');
        rest = rest.slice(quoted[0].length);
      } else {
        const token = /^[^\s,]*/.exec(rest)?.[0] ?? '';
        value = token;
        rest = rest.slice(token.length);
      }
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}

/** What an MCP client reads from a server's challenges (MCP basic/authorization). */
export interface AuthChallenge {
  /** `Bearer` or `DPoP`, as the server named it (lower-cased), or undefined with no challenge. */
  readonly scheme: string | undefined;
  /** The `resource_metadata` URL (RFC 9728 §5.1). */
  readonly resourceMetadata: string | undefined;
  /** The `scope` the server asks for. */
  readonly scope: string | undefined;
  /** The `error` code, for example `invalid_token`, `insufficient_scope`, `use_dpop_nonce`. */
  readonly error: string | undefined;
}

/**
 * The OAuth challenge among a response's challenges: a `Bearer` or `DPoP` one, the one with an
 * `error` first (a DPoP server may send both schemes, naming the problem in one of them).
 */
export function authChallengeOf(header: string | null): AuthChallenge {
  const oauth = parseChallenges(header).filter((c) => c.scheme === 'bearer' || c.scheme === 'dpop');
  const first = oauth.find((c) => c.params['error'] !== undefined) ?? oauth[0];
  const param = (name: string): string | undefined => {
    if (first?.params[name] !== undefined) return first.params[name];
    for (const c of oauth) if (c.params[name] !== undefined) return c.params[name];
    return undefined;
  };
  return {
    scheme: first?.scheme,
    resourceMetadata: param('resource_metadata'),
    scope: param('scope'),
    error: first?.params['error'],
  };
}
