// A minimal authorization-code client over fetch: follows the provider's redirect chain with a per-flow cookie
// jar until it reaches the client's redirect URI, then exchanges the code (PKCE S256, client_secret_basic).
import { BASIC_AUTH, CLIENT, SCOPES, pkcePair } from './common.js';

const MAX_REDIRECTS = 10;

class Jar {
  #cookies = new Map();
  store(_url, response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let cookiePath = '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key, val = ''] = attribute.split('=');
        const lower = key.trim().toLowerCase();
        if (lower === 'path') cookiePath = val.trim() || '/';
        if (lower === 'max-age' && Number(val) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(val) < Date.now()) expired = true;
      }
      const key = `${name};${cookiePath}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { name, value, path: cookiePath });
    }
  }
  header(url) {
    const parts = [];
    for (const cookie of this.#cookies.values()) {
      if (url.pathname === cookie.path || url.pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`) || cookie.path === '/') {
        parts.push(`${cookie.name}=${cookie.value}`);
      }
    }
    return parts.join('; ');
  }
}

/**
 * Authorize (redirect chain) and return `{ code, verifier }`. Throws on anything but a code at the redirect URI.
 * `scope` is one of `SCOPES` (default: the plain OAuth scopes).
 */
export async function authorize(authorizationUrl, { fetchImpl = fetch, scope = SCOPES.oauth } = {}) {
  const { verifier, challenge } = pkcePair();
  const redirectUri = CLIENT.redirectUris[0];
  const state = Math.random().toString(36).slice(2);
  const url = new URL(authorizationUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT.clientId,
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const jar = new Jar();
  let current = url;
  for (let hop = 0; hop < MAX_REDIRECTS; hop += 1) {
    const cookie = jar.header(current);
    const response = await fetchImpl(current, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(current, response);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`authorize: ${response.status} at ${current.pathname} without a redirect`);
    }
    const next = new URL(location, current);
    if (next.href.startsWith(redirectUri)) {
      const code = next.searchParams.get('code');
      if (!code) throw new Error(`authorize ended with ${next.searchParams.get('error')}: ${next.searchParams.get('error_description')}`);
      if (next.searchParams.get('state') !== state) throw new Error('authorize: state mismatch');
      return { code, verifier, redirectUri };
    }
    current = next;
  }
  throw new Error('authorize: too many redirects');
}

export async function tokenRequest(tokenUrl, params, { fetchImpl = fetch } = {}) {
  const response = await fetchImpl(tokenUrl, {
    method: 'POST',
    headers: { authorization: BASIC_AUTH, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params).toString(),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`token: ${response.status} ${text.slice(0, 200)}`);
  const json = JSON.parse(text);
  if (typeof json.access_token !== 'string') throw new Error('token: no access_token');
  return json;
}

/** One full authorization-code flow: redirect chain + code exchange. Returns the token response. */
export async function fullFlow({ authorizationUrl, tokenUrl }, options) {
  const { code, verifier, redirectUri } = await authorize(authorizationUrl, options);
  return tokenRequest(tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, options);
}

export function refreshParams(refreshToken) {
  return { grant_type: 'refresh_token', refresh_token: refreshToken };
}
