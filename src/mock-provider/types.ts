import type { RequestLogEntry } from '../shared/request-log.js';
/** Public shapes of `oauth2-testkit/mock-provider`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint, FaultSpec } from './scenario/faults.js';
import type { RecordedRequest } from './scenario/recorder.js';
import type { TokenInfo } from './resource/bearer.js';
import type { BearerVerdict, WithBearerOptions } from './resource/bearer-context.js';
import type { ProviderShapeQuirks } from './scenario/dimensions.js';
import type { PresetName } from './presets/index.js';

/** The grant types a mock client may use (RFC 6749 §4, RFC 7523 §2.1). */
/** A request for {@link MockProvider.handleRaw}: the parts of an HTTP request, nothing to parse. */
export interface RawRequest {
  method: string;
  /** Absolute: the issuer's origin, or a preset endpoint's real URL. */
  url: string | URL;
  /** Any case; a list is joined with `, ` (`cookie` with `; `); `undefined` values are skipped. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>> | undefined;
  /** The whole body (ignored for GET and HEAD). */
  body?: Uint8Array | string | null | undefined;
}

/** What {@link MockProvider.handleRaw} answers: the engine's response as written. */
export interface RawResponse {
  status: number;
  /** Lower-case names; `set-cookie` as a list. */
  headers: Record<string, string | string[]>;
  /** Empty for HEAD, 204 and 304. */
  body: Buffer;
}

export type MockGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'password' | 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A public JWK set (RFC 7517 §5): what a `jwt-bearer` client may register instead of a PEM key. */
export interface MockJwks {
  keys: Record<string, unknown>[];
}

/** How the JWT bearer grant (RFC 7523) checks a client's assertions; see `engine/grants.ts`. */
export interface JwtBearerOptions {
  /** The `iss` the assertions carry. Default: the client ID. */
  issuer?: string;
  /** `aud` values accepted besides the token endpoint URL and the issuer (e.g. the real provider's token URL). */
  audience?: string[];
  /**
   * Default true. `false` skips the signature check (the other checks stay): for a client that only has an
   * assertion minted for another provider and no key to verify it with. Anyone can then forge its assertions.
   */
  verifySignature?: boolean;
}

/** A client the provider accepts. */
export interface MockClientOptions {
  clientId: string;
  /** Omit for a public client (`tokenEndpointAuthMethod: 'none'`, PKCE S256 required). */
  clientSecret?: string;
  /** Exact match, except loopback `http` URIs which match on any port (RFC 8252 §7.3). Default: `http://127.0.0.1/callback`, `http://localhost/callback`, `http://[::1]/callback` (any port). */
  redirectUris?: string[];
  /** Scopes this client may request (provider-style names like `read:issues` are fine); any other is refused with `invalid_scope`. Unset or empty: any valid scope is accepted and granted as asked. A request without `scope` gets these. */
  scopes?: string[];
  /** Default `client_secret_basic`; `client_secret_post` is accepted for the same client either way. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /**
   * Grants this client may use; any other is refused with `unauthorized_client`. Default: `authorization_code`
   * and `refresh_token`, plus `client_credentials` for a confidential client. `refresh_token` is added whenever
   * a grant that issues refresh tokens (`authorization_code`, `password`, JWT bearer) is listed.
   */
  grantTypes?: MockGrantType[];
  /** JWT bearer grant: the PEM public key (SPKI, a certificate, or a private key, whose public half is kept) that signs this client's assertions. */
  publicKey?: string;
  /** JWT bearer grant: the public keys (JWKS) that sign this client's assertions, picked by `kid`. */
  jwks?: MockJwks;
  /** JWT bearer grant: the expected issuer, extra audiences, and whether the signature is checked. */
  jwtBearer?: JwtBearerOptions;
}

export interface MockClient {
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
  scopes: string[];
  tokenEndpointAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  grantTypes: MockGrantType[];
  /** PEM (SPKI) public key of a JWT bearer client. */
  publicKey?: string;
  jwks?: MockJwks;
  jwtBearer?: JwtBearerOptions;
}

export interface MockUser {
  /** Account ID, the `sub` of its tokens, the `login` a form submits and the `username` of the password grant. */
  id: string;
  claims: Record<string, unknown>;
  /** Password grant: the only password accepted; without one, any non-empty password is. */
  password?: string;
}

export interface MockUserOptions {
  id: string;
  claims?: Record<string, unknown>;
  /** Password grant (`username` = `id`): the only password accepted; without one, any non-empty password is. */
  password?: string;
}

/** Provider behaviour deviations; see `scenario/quirks.ts` and, for the provider-shape dimensions, `scenario/dimensions.ts`. */
export interface QuirksOptions extends ProviderShapeQuirks {
  jsonTokenRequests?: boolean;
  formTokenResponses?: boolean;
  errorsAs200?: boolean;
  omitRefreshTokenOnRefresh?: boolean;
}

export interface MockProviderOptions {
  /** Issuer origin (no path). Default: `http://127.0.0.1:<port>` when started, `https://mock-provider.test` when created without a port. */
  issuer?: string;
  clients?: MockClientOptions[];
  users?: MockUserOptions[];
  /** Unset (the default): clients that declare no scopes accept any valid scope. Set: every client may also ask for these, and clients that declare none may ask only for these plus `openid offline_access profile email`; any other is refused with `error=invalid_scope` at the redirect URI. */
  scopes?: string[];
  /** Seconds. Default 3600. */
  accessTokenTtl?: number;
  /**
   * Most grants kept at once (default 1000): past it the oldest grant goes, with every code and token issued under
   * it, and a later use of one of them is refused with an `error_description` that names this cap.
   */
  maxGrants?: number;
  /** Seconds. Default 14 days. */
  refreshTokenTtl?: number;
  /** Default true: each refresh returns a new refresh token and replaying an old one revokes the whole grant. */
  rotateRefreshTokens?: boolean;
  /** `'auto'` (default) approves login and consent headlessly; `'form'` serves login and consent pages, where a typed user id that is not listed logs in as a new user (claims: only `sub`). */
  login?: 'auto' | 'form';
  /**
   * Default `'opaque'`; `'jwt'` issues ES256-signed JWT access tokens (RFC 9068, `aud` = `resourceUrl`) verifiable
   * against `jwksUrl`. They work at the resource (`/api/me`), at `userinfoUrl` and at `introspectionUrl` like
   * opaque ones (see `jwt-token-endpoints.ts`). The revocation endpoint answers them `unsupported_token_type`
   * (RFC 7009 §2.2.1: a JWT is self-contained and stays valid until it expires); use `expireAccessTokens()`.
   */
  accessTokenFormat?: 'opaque' | 'jwt';
  quirks?: QuirksOptions;
  /**
   * Start from a provider's preset (`presets/<name>.ts`: its real URLs, token and error shapes, refresh policy,
   * token lifetime); every option given beside it wins, and `quirks` merge key by key over the preset's.
   */
  preset?: PresetName;
  /** Persist tokens, grants and signing keys to this JSON file (read on create; written atomically once per tick of changes, and by `close()`). */
  statePath?: string;
  /** Listener port for `startMockProvider` (default 0 = any free port). */
  port?: number;
  /**
   * Listener host for `startMockProvider` (default 127.0.0.1). An unspecified address (`0.0.0.0`, `::`) listens on
   * every interface but advertises the loopback address as the issuer unless `issuer` says otherwise.
   */
  host?: string;
  /** Called by `startMockProvider`'s listener once each response is sent (a request log). The path has no query. */
  onRequest?: (entry: RequestLogEntry) => void;
  /**
   * `startMockProvider` only: serve the control API and the inspector page under `{issuer}/_testkit/` (see
   * `control/`), guarded by a bearer token: `true` for a random one, or `{ token }` to choose it. Off by default;
   * `integration-cli mock-provider` always turns it on. `createMockProvider` refuses it (use the handle instead).
   */
  control?: boolean | { token?: string };
}

/** Where the control API of a started provider listens, and the token it wants (`startMockProvider({ control: true })`). */
export interface MockProviderControl {
  /** `issuer + '/_testkit/'`: the control API's base and the inspector page. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`, or once as `?token=` to the inspector page. */
  token: string;
}

/** Raw token endpoint JSON, as a connector receives it. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
  [key: string]: unknown;
}

export interface GetTokensOptions {
  /**
   * Which grant to run. Default: the authorization code flow (headless browser). `client_credentials`,
   * `password` and `jwt-bearer` (RFC 7523) post straight to the token endpoint.
   */
  grantType?: 'authorization_code' | 'client_credentials' | 'password' | 'jwt-bearer';
  /** Default: the first client. */
  clientId?: string;
  /** Space-separated. Default: the client's declared scopes (or none). */
  scope?: string;
  /** Account ID to log in as (sent as `login_hint`; the `sub` of a signed JWT bearer assertion). Default: the first user. */
  user?: string;
  /** Default: the client's first redirect URI. */
  redirectUri?: string;
  /** Password grant: default `user`, else the first user. */
  username?: string;
  /** Password grant: default the user's own password, else `'password'`. */
  password?: string;
  /** JWT bearer grant: the assertion to send as is. Else one is signed with `privateKey`. */
  assertion?: string;
  /** JWT bearer grant: PEM private key that signs a fresh assertion (iss = the client's issuer, aud = the token URL, 5 minutes, random jti). */
  privateKey?: string;
  /** Extra authorization request parameters (`access_type: 'offline'`, `prompt: 'consent'`…). */
  params?: Record<string, string>;
}

export interface AuthorizeOptions extends Omit<GetTokensOptions, 'grantType' | 'username' | 'password' | 'assertion' | 'privateKey'> {
  state?: string;
  /** S256 challenge to send; default: one computed from a fresh verifier (returned). */
  codeChallenge?: string;
}

export interface AuthorizeResult {
  code: string;
  redirectUri: string;
  /** The verifier matching the challenge sent; empty when the caller passed its own `codeChallenge`. */
  codeVerifier: string;
  state: string;
}

export type { TokenInfo } from './resource/bearer.js';

/**
 * The oidc-provider 9 instance behind a mock provider, typed by the little this package promises about it, so
 * the published types do not depend on typings oidc-provider does not ship. Cast it to oidc-provider's own
 * `Provider` type (from your own typings) to reach the rest; it is an escape hatch, not a stable API.
 */
export interface MockProviderEngine {
  readonly issuer: string;
  /** The engine's Node request listener. */
  callback(): (req: IncomingMessage, res: ServerResponse) => unknown;
  /** Adds a Koa middleware in front of the engine's routes. */
  // biome-ignore lint/suspicious/noExplicitAny: the engine's Koa context is untyped in the published declarations on purpose.
  use(middleware: (ctx: any, next: () => Promise<unknown>) => unknown): unknown;
}

/** A running mock provider: its URLs, clients and users, a headless flow, scenario controls, and the raw engine. */
export interface MockProvider {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  /** `issuer + '/api/me'`: the protected resource (see `resource.ts`). */
  resourceUrl: string;
  revocationUrl: string;
  introspectionUrl: string;
  jwksUrl: string;
  /**
   * Every endpoint by name, where a client reaches it: with a preset its real URLs in-process
   * (`https://github.com/login/oauth/access_token`, templated hosts filled in) or `{issuer}/{host}{path}` over HTTP,
   * plus the identity calls (`user`, `userinfo`…); without one the engine's own URLs.
   */
  readonly endpoints: Readonly<Record<string, string>>;
  /** The preset this provider started from, if any. */
  readonly preset: PresetName | undefined;
  /** Whether `handle()` answers this URL (the issuer's origin, or one of the preset's endpoints). What the msw and undici adapters ask. */
  serves(url: string | URL): boolean;
  /** Where the provider answers, per origin (a RegExp for a templated host) and path: what the nock adapter registers. */
  readonly served: readonly { origin: string | RegExp; path: RegExp }[];
  /** Read-only live view of the clients (writes throw a `TypeError`); `registerClient()` is the way in. */
  readonly clients: readonly Readonly<MockClient>[];
  /** Read-only live view of the users (writes throw a `TypeError`). */
  readonly users: readonly Readonly<MockUser>[];
  /** In-process: hands a WHATWG Request for this issuer to the engine (no socket), returns its Response unchanged (redirects not followed). */
  handle(request: Request): Promise<Response>;
  /**
   * In-process, without WHATWG objects: the same entry as `handle()` for a request given as plain data, answered
   * as plain data (status, lower-case headers with `set-cookie` as a list, the whole body as a Buffer; redirects not
   * followed). For adapters that already hold the request's parts (the undici dispatcher): no `Request`/`Response`
   * to build and read back. A body over 1 MiB is answered 413. Rejects with `MOCK_PROVIDER` for a URL this provider
   * does not serve (see `serves()`) or once closed.
   *
   * @example
   * const { status, headers, body } = await provider.handleRaw({ method: 'GET', url: provider.jwksUrl });
   * JSON.parse(body.toString('utf8')).keys;
   */
  handleRaw(request: RawRequest): Promise<RawResponse>;
  /** A fetch that serves this provider's URLs in-process through `handle()` and passes anything else to `globalThis.fetch`. */
  fetch: typeof fetch;
  /** Adds or replaces a client at runtime. Throws `MOCK_PROVIDER` on an invalid declaration. */
  registerClient(client: MockClientOptions): MockClient;
  /** Adds or replaces a user at runtime. Throws {@link MockProviderOptionsError} on an invalid declaration. */
  registerUser(user: MockUserOptions): MockUser;
  /**
   * Back to how the provider started: the clients and users of its options only, no grant, token, code or session,
   * no recorded request, no queued fault (a pending `delayMs` ends at once).
   */
  reset(): void;
  /** Authorization code flow, headless, or the grant `grantType` names. Throws `MOCK_PROVIDER` when the provider refuses. */
  getTokens(options?: GetTokensOptions): Promise<TokenResponse>;
  /** The authorization step alone: a code ready to exchange, with its PKCE verifier. */
  authorize(options?: AuthorizeOptions): Promise<AuthorizeResult>;
  /** Every access token issued so far is expired from now on (resource → 401 invalid_token). */
  expireAccessTokens(): Promise<void>;
  /** Every refresh token issued so far is gone (refresh → 400 invalid_grant). */
  revokeRefreshTokens(): Promise<void>;
  /** Queues a fault for the next `times` (default 1) requests to `endpoint`. Throws `MOCK_PROVIDER` on a bad spec. */
  failNext(endpoint: Endpoint, fault: FaultSpec, options?: { times?: number }): void;
  /**
   * Resolves when the next request to `endpoint` (`'any'`: any) reaches the provider: recorded, before a queued
   * fault or `delayMs` is served. Uses no timer, so it works under `vi.useFakeTimers()`: start the request, await
   * this, then advance the clock. Rejects with `MOCK_PROVIDER` when the provider closes first.
   * @example
   * vi.useFakeTimers();
   * provider.failNext('token', { delayMs: 5000 });
   * const p = refresh();
   * await provider.nextRequest('token');
   * await vi.advanceTimersByTimeAsync(5000);
   * await p;
   */
  nextRequest(endpoint: Endpoint): Promise<void>;
  /** Requests received, oldest first, secrets redacted, each with its final status. */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** What this provider knows about an access token (used by `withBearer`); undefined when unknown. */
  lookupAccessToken(token: string): Promise<TokenInfo | undefined>;
  /**
   * Checks a protected-resource request's `Authorization: Bearer` token (a `Request`, or the header value) the
   * way `/api/me` does (RFC 6750): `{ ok: true, token, user }`, or `{ ok: false, status, headers, body }` — the
   * complete 401 `invalid_token` / 403 `insufficient_scope` answer to send. What the msw and nock `withBearer` use.
   * Throws `MOCK_PROVIDER` when `requiredScopes` holds an invalid scope token.
   * @example
   * const verdict = await provider.verifyBearer(request, { requiredScopes: ['read:issues'] });
   * if (!verdict.ok) return new Response(verdict.body, { status: verdict.status, headers: verdict.headers });
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
   */
  verifyBearer(input: Request | string | undefined, options?: WithBearerOptions): Promise<BearerVerdict>;
  /** The control API of a provider started with `control` (see {@link MockProviderOptions.control}); else undefined. */
  readonly control: MockProviderControl | undefined;
  /** The raw oidc-provider instance: an escape hatch, not a stable API (see `MockProviderEngine`). */
  engine: MockProviderEngine;
  /**
   * Stops the provider: ends pending `delayMs` faults (no timer outlives it), closes the HTTP listener and its
   * connections, and writes pending changes to `statePath`. Every call returns the same promise, settled once
   * all of that is done; it rejects with `MOCK_PROVIDER` when a state file write failed.
   */
  close(): Promise<void>;
}
