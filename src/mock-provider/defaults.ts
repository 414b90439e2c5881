import { ROUTES } from './routes.js';
/**
 * Every default of the mock provider, each with the reason it is what it is.
 * `create-mock-provider.ts` reads these; nothing else hard-codes a default.
 */

/** Issuer of a provider created without a port: an `https://` origin the in-process transports (msw, nock) intercept; `.test` is reserved (RFC 6761), so it never resolves on a real network. */
export const DEFAULT_IN_PROCESS_ISSUER = 'https://mock-provider.test';

/** Host of the HTTP listener: loopback only, a test provider must never be reachable from the network. */
export const DEFAULT_HOST = '127.0.0.1';

/** Port of the HTTP listener: 0 lets the OS pick a free one, so parallel test files never collide. */
export const DEFAULT_PORT = 0;

/** Client ID of the ready-made client: what tests and `--mock` use when they register nothing. */
export const DEFAULT_CLIENT_ID = 'mock-client';

/** Secret of the ready-made client: fixed so examples can hard-code it; it protects nothing. */
export const DEFAULT_CLIENT_SECRET = 'mock-secret';

/**
 * Redirect URIs of the ready-made client. Loopback URIs match on any port (RFC 8252 §7.3), so a callback
 * server on an OS-picked port works without registering it. Both hosts, since `localhost` ≠ `127.0.0.1`.
 */
export const DEFAULT_REDIRECT_URIS: readonly string[] = ['http://127.0.0.1/callback', 'http://localhost/callback', 'http://[::1]/callback'];

/**
 * Grants of the ready-made client: every grant that needs nothing more declared (code, refresh,
 * client_credentials, password), so a zero-config provider answers them all. The JWT bearer grant needs a key.
 */
export const DEFAULT_CLIENT_GRANT_TYPES: readonly ('authorization_code' | 'refresh_token' | 'client_credentials' | 'password')[] = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
];

/** Users: one, so a headless login needs no choice; claims cover what connectors read most (name, email). */
export const DEFAULT_USERS: readonly { id: string; claims: Record<string, unknown> }[] = [
  { id: 'mock-user', claims: { name: 'Mock User', email: 'mock-user@example.com', email_verified: true, preferred_username: 'mock-user' } },
];

/** Scopes always accepted: OIDC's own plus `offline_access`, which some connectors send out of habit. Any scope a client declares is added. */
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'offline_access', 'profile', 'email'];

/** Access token lifetime, seconds: one hour, what most providers issue; tests shorten it and time-travel. */
export const DEFAULT_ACCESS_TOKEN_TTL = 3600;

/** Refresh token lifetime, seconds: 14 days (oidc-provider's own default, a common provider value). */
export const DEFAULT_REFRESH_TOKEN_TTL = 14 * 24 * 3600;

/** Authorization code lifetime, seconds: 60 s, RFC 6749 §4.1.2 recommends at most ten minutes; a test flow takes milliseconds. */
export const DEFAULT_AUTHORIZATION_CODE_TTL = 60;

/** Login session and interaction lifetime, seconds: short, they only live for one browser round trip and must not pile up. */
export const DEFAULT_SESSION_TTL = 600;

/** Cap on live sessions and interactions kept at once (oldest evicted): 10,000 headless flows must not grow memory. */
export const MAX_TRANSIENT_ENTRIES = 1000;

/** Cap on live grants (the oldest evicted with every code and token issued under it): ~2.6 KB each, so 10,000 flows stay under +20 MB RSS; oidc-provider's own in-memory adapter keeps 1000 entries of every kind together, a test holds a handful. */
export const MAX_GRANTS = 1000;

/** Rotate refresh tokens on every use, with reuse detection (RFC 9700 §4.14.2): what careful providers do, and what catches clients that keep the old token. */
export const DEFAULT_ROTATE_REFRESH_TOKENS = true;

/** Headless login and consent: a test or `--mock` run needs no page; `'form'` serves real pages for browser tests. */
export const DEFAULT_LOGIN: 'auto' | 'form' = 'auto';

/** Opaque access tokens: most third-party APIs issue them, and they can be expired and revoked in place. */
export const DEFAULT_ACCESS_TOKEN_FORMAT: 'opaque' | 'jwt' = 'opaque';

/** Path of the protected resource, relative to the issuer (from the routes table). */
export const RESOURCE_PATH: string = ROUTES.resource;

/** Client auth method of declared clients: `client_secret_basic`; the engine accepts `client_secret_post` for the same client too. */
export const DEFAULT_TOKEN_ENDPOINT_AUTH_METHOD = 'client_secret_basic';

/** Clock tolerance, seconds: 0, so an expired token is expired the moment a test time-travels past it (oidc-provider's default is 15). */
export const CLOCK_TOLERANCE = 0;
