/**
 * How the OAuth client reaches the network: oauth4webapi, loaded on the first authorization (so
 * that importing the package stays cheap), and the bounded fetch every call of a flow goes through
 * (a timeout, a cap on the answer's size, secure endpoints only).
 */
import type { Clock } from '../core/clock.js';
import type { DiscoveryContext } from './discovery.js';
import { boundedFetch, DEFAULT_AUTH_MAX_RESPONSE_BYTES, DEFAULT_AUTH_TIMEOUT_MS } from './http.js';

/** The oauth4webapi module. */
export type OAuthLibrary = typeof import('oauth4webapi');

/** Loaded on the first authorization: importing the package stays cheap. */
let library: Promise<OAuthLibrary> | undefined;
const loadLibrary = (): Promise<OAuthLibrary> => (library ??= import('oauth4webapi'));

/** The limits of the authorization calls, as the client's options give them. */
export interface NetworkOptions {
  readonly fetch?: typeof fetch | undefined;
  readonly timeout?: number | undefined;
  readonly maxResponseBytes?: number | undefined;
}

/** The library and the bounded fetch of one OAuth client. */
export class AuthNetwork {
  readonly #options: NetworkOptions;
  readonly #clock: Clock;
  #lib: OAuthLibrary | undefined;

  constructor(options: NetworkOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
  }

  /** How long one authorization HTTP call may take, ms. */
  get timeout(): number {
    return this.#options.timeout ?? DEFAULT_AUTH_TIMEOUT_MS;
  }

  /** The library, loaded on the first call. */
  async lib(): Promise<OAuthLibrary> {
    this.#lib ??= await loadLibrary();
    return this.#lib;
  }

  /** How a step reaches the network. Each step awaits {@link lib} first, so the library is loaded. */
  context(signal: AbortSignal): DiscoveryContext {
    return {
      lib: this.#lib as OAuthLibrary,
      fetch: boundedFetch({
        fetch: this.#options.fetch ?? globalThis.fetch,
        timeout: this.timeout,
        maxResponseBytes: this.#options.maxResponseBytes ?? DEFAULT_AUTH_MAX_RESPONSE_BYTES,
        clock: this.#clock,
      }),
      signal,
    };
  }
}
