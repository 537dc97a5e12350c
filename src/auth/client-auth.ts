/**
 * How the client authenticates at the token endpoint: the method chosen for a secret
 * (`client_secret_basic` or `client_secret_post`), the `ClientAuth` of each method, and the
 * private key of `private_key_jwt`, imported once from a PKCS#8 PEM.
 */
import type * as OAuth from 'oauth4webapi';
import type { CryptoKey } from 'oauth4webapi';
import { InvalidArgumentError } from '../errors/errors.js';
import type { OAuthLibrary } from './network.js';
import type { StoredClient, TokenEndpointAuthMethod } from './store.js';
import type { PreRegisteredClient } from './types.js';

/** The secret-based method to use: basic unless only post is supported (RFC 8414 default). */
export function secretMethod(as: OAuth.AuthorizationServer): TokenEndpointAuthMethod {
  const supported = as.token_endpoint_auth_methods_supported;
  if (supported === undefined || supported.includes('client_secret_basic')) {
    return 'client_secret_basic';
  }
  return supported.includes('client_secret_post') ? 'client_secret_post' : 'client_secret_basic';
}

/** The authentication of `client` at the token endpoint. */
export async function clientAuthOf(
  lib: OAuthLibrary,
  client: StoredClient,
  privateKey: () => Promise<CryptoKey>,
): Promise<OAuth.ClientAuth> {
  switch (client.authMethod) {
    case 'client_secret_basic':
      return clientSecretBasic(client.clientSecret ?? '');
    case 'client_secret_post':
      return lib.ClientSecretPost(client.clientSecret ?? '');
    case 'private_key_jwt':
      return lib.PrivateKeyJwt({ key: await privateKey() });
    default:
      return lib.None();
  }
}

/** The private key of a pre-registered client, a PEM imported on the first call only. */
export function privateKeyOf(client: PreRegisteredClient | undefined): () => Promise<CryptoKey> {
  let imported: Promise<CryptoKey> | undefined;
  return () => {
    const given = client?.privateKey;
    if (given === undefined) {
      return Promise.reject(new InvalidArgumentError('private_key_jwt needs client.privateKey.'));
    }
    if (typeof given !== 'string') return Promise.resolve(given);
    imported ??= crypto.subtle.importKey(
      'pkcs8',
      pemToDer(given),
      importParams(client?.signingAlgorithm ?? 'ES256'),
      false,
      ['sign'],
    );
    return imported;
  };
}

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): the id and secret form-urlencoded (Appendix B), then
 * Base64. oauth4webapi's own also escapes `-`, `.`, `_`, `*`, which form encoding leaves as they
 * are; servers that compare the credentials without decoding them then refuse a client id such
 * as `my-client`. This one encodes as URLSearchParams does.
 */
function clientSecretBasic(secret: string): OAuth.ClientAuth {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  return (_as, client, _body, headers) => {
    headers.set('authorization', `Basic ${btoa(`${encode(client.client_id)}:${encode(secret)}`)}`);
  };
}

function pemToDer(pem: string): ArrayBuffer {
  const base64 = pem.replace(/-----(BEGIN|END)[^-]*-----/g, '').replace(/\s+/g, '');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return bytes.buffer;
}

/** WebCrypto parameters of a JWS algorithm, for importing a PKCS#8 private key. */
function importParams(alg: string): Parameters<typeof crypto.subtle.importKey>[2] {
  switch (alg) {
    case 'ES256':
      return { name: 'ECDSA', namedCurve: 'P-256' };
    case 'ES384':
      return { name: 'ECDSA', namedCurve: 'P-384' };
    case 'ES512':
      return { name: 'ECDSA', namedCurve: 'P-521' };
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${alg.slice(2)}` };
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` };
    case 'EdDSA':
    case 'Ed25519':
      return { name: 'Ed25519' };
    default:
      throw new InvalidArgumentError(`Unsupported signing algorithm ${JSON.stringify(alg)}.`);
  }
}
