/**
 * The pages the loopback redirect receiver answers the browser with: fixed texts (nothing from
 * the request), and headers that keep them out of caches, referrers and scripts.
 */

/** The headers of every page: nothing cached, no referrer (the URL holds a code), no scripts. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'",
  connection: 'close',
} as const;

/** A small HTML page with a heading and one paragraph (fixed texts: nothing from the request). */
export function page(title: string, text: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>mcp-actors: ${title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto">
<h1>${title}</h1>
<p>${text}</p>
</body>
</html>
`;
}

export const DONE_PAGE = page(
  'Authorization received',
  'mcp-actors has what it needs. You can close this tab and go back to the terminal.',
);
export const REFUSED_PAGE = page(
  'Authorization not granted',
  'The authorization server answered with an error; the terminal says which. You can close this tab.',
);
export const UNKNOWN_PAGE = page(
  'Not the authorization in progress',
  'This redirect does not carry the state of an authorization mcp-actors is waiting for. Start again from the terminal.',
);
