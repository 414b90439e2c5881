import Provider from 'oidc-provider';
import { TestkitError } from '../shared/errors.js';
import { MockProviderOptionsError } from './options-error.js';
import { ROUTES } from './routes.js';
import { readOnlyView } from './read-only-view.js';
import { checkBearer } from './resource/bearer.js';
import { clientMetadata, normalizeClient, redirectUriAllowed } from './engine/clients.js';
import { TokenControls } from './state/token-controls.js';
import {
  DEFAULT_ACCESS_TOKEN_FORMAT,
  DEFAULT_ACCESS_TOKEN_TTL,
  DEFAULT_CLIENT_GRANT_TYPES,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_IN_PROCESS_ISSUER,
  DEFAULT_LOGIN,
  DEFAULT_REDIRECT_URIS,
  DEFAULT_REFRESH_TOKEN_TTL,
  DEFAULT_ROTATE_REFRESH_TOKENS,
  DEFAULT_SCOPES,
  DEFAULT_USERS,
  MAX_GRANTS,
  MAX_TRANSIENT_ENTRIES,
} from './defaults.js';
import { scenarioEntry, type ScenarioLayer } from './scenario/pipeline.js';
import { NO_SCOPE, ScopePolicy } from './engine/scope-policy.js';
import { engineConfiguration } from './engine/configuration.js';
import { identifyAssertionClient } from './engine/assertions.js';
import { registerGrants, unauthorizedClientAnswers } from './engine/grants.js';
import { addEngineScopes } from './engine/scopes.js';
import { autoLoginPolicy, autoLoginShortcut } from './login/auto-login.js';
import { authorize, getTokens, type HeadlessDeps } from './user-agent/headless.js';
import {
  fromFetchRequest,
  injectRequest,
  toFetchResponse,
  type EngineEntry,
  type EngineRequest,
  type EngineResponse,
  type NodeHandler,
} from './transport/fetch.js';
import { fromRawRequest, toRawResponse } from './transport/raw-request.js';
import { interactionRoutes } from './login/interactions.js';
import { jwtTokenEndpoints } from './scenario/jwt-token-endpoints.js';
import { completeKeys, processWideKeys, type ProviderKeys } from './engine/keys.js';
import { MemoryStore } from './state/memory-store.js';
import { resourceRoute } from './resource/resource-route.js';
import { ENDPOINTS, FaultQueue } from './scenario/faults.js';
import { RequestRecorder } from './scenario/recorder.js';
import { Arrivals } from './scenario/arrivals.js';
import { readState, StateWriter } from './state/state-file.js';
import type { MockProvider, MockClient, MockProviderControl, MockProviderOptions, MockUser, MockUserOptions, RawRequest, RawResponse } from './types.js';
import { applyPreset } from './presets/apply.js';
import { hasProviderShape, providerShape } from './scenario/provider-shape.js';
import { unprefixToken } from './scenario/token-prefix.js';
import { RefreshFamilies } from './scenario/refresh-policy.js';
import { Topology } from './scenario/topology.js';

/**
 * What `startMockProvider` needs beyond the public handle.
 * @internal
 */
export interface MockProviderInternals {
  provider: MockProvider;
  /** The one entry into the mock (scenario layer around the engine): what every transport calls. */
  entry: EngineEntry;
  store: MemoryStore;
  /** Registered close hooks run by `close()` (the listener). */
  onClose(hook: () => Promise<void>): void;
  /** What the inspector page shows beyond the handle (`control/`). */
  inspect: { queuedFaults(): number; jwtAccessTokens(): ReadonlyMap<string, number> };
  /** Sets `provider.control` (the listener, once its control API is up). */
  setControl(control: MockProviderControl): void;
}

/**
 * Builds the engine, its scenario layer and the public handle; `createMockProvider` and `startMockProvider` wrap it.
 * @internal
 */
export async function createMockProviderInternals(
  given: MockProviderOptions,
  issuerInput: string,
  transport: { overHttp?: boolean } = {},
): Promise<MockProviderInternals> {
  const options = applyPreset(given);
  const issuer = normalizeIssuer(issuerInput);
  const quirks = { ...(options.quirks ?? {}) };
  const shaped = hasProviderShape(quirks);
  const topology = quirks.endpoints === undefined ? undefined : new Topology(quirks.endpoints);
  const accessTokenTtl = positiveSeconds('accessTokenTtl', options.accessTokenTtl ?? DEFAULT_ACCESS_TOKEN_TTL);
  const refreshTokenTtl = positiveSeconds('refreshTokenTtl', options.refreshTokenTtl ?? DEFAULT_REFRESH_TOKEN_TTL);
  const format = options.accessTokenFormat ?? DEFAULT_ACCESS_TOKEN_FORMAT;
  const login = options.login ?? DEFAULT_LOGIN;
  if (format !== 'opaque' && format !== 'jwt')
    throw new MockProviderOptionsError('accessTokenFormat', `accessTokenFormat must be 'opaque' or 'jwt', got ${JSON.stringify(format)}.`);
  if (login !== 'auto' && login !== 'form') throw new MockProviderOptionsError('login', `login must be 'auto' or 'form', got ${JSON.stringify(login)}.`);

  const clients: MockClient[] = (
    options.clients ?? [
      {
        clientId: DEFAULT_CLIENT_ID,
        clientSecret: DEFAULT_CLIENT_SECRET,
        redirectUris: [...DEFAULT_REDIRECT_URIS],
        grantTypes: [...DEFAULT_CLIENT_GRANT_TYPES],
        // A provider that takes credentials in the body only: the headless flow sends them there.
        ...(quirks.clientAuth === 'body' ? { tokenEndpointAuthMethod: 'client_secret_post' as const } : {}),
      },
    ]
  ).map((client, index) => normalizeClient(client, `clients[${index}]`));
  const users: MockUser[] = ((options.users ?? DEFAULT_USERS) as readonly MockUserOptions[]).map((user, index) => normalizeUser(user, `users[${index}]`));
  // What reset() goes back to.
  const initialClients = clients.map(copyClient);
  const initialUsers = users.map(copyUser);
  for (const [index, scope] of (options.scopes ?? []).entries()) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope))
      throw new MockProviderOptionsError(`scopes[${index}]`, `Invalid scope ${JSON.stringify(scope)} (RFC 6749 §3.3).`);
  }
  const scopes = new Set<string>([...DEFAULT_SCOPES, NO_SCOPE, ...(options.scopes ?? []), ...clients.flatMap((client) => client.scopes)]);
  let engineRef: Provider | undefined;
  const scopePolicy = new ScopePolicy({
    engine: () => engineRef as Provider,
    clients: () => clients,
    providerScopes: [...(options.scopes ?? [])],
    defaultScopes: DEFAULT_SCOPES,
    known: scopes,
  });

  // A provider that omits refresh_token on refresh (Google) keeps the old one valid: it cannot also rotate.
  const omitsRefreshToken = options.quirks?.omitRefreshTokenOnRefresh === true;
  if (omitsRefreshToken && options.rotateRefreshTokens === true) {
    throw new MockProviderOptionsError(
      'quirks.omitRefreshTokenOnRefresh',
      'quirks.omitRefreshTokenOnRefresh cannot be combined with rotateRefreshTokens: true (the client would lose its only valid refresh token). Leave rotateRefreshTokens unset or false.',
    );
  }
  // A refresh policy is ours (scenario/refresh-policy.ts) over an engine that keeps its refresh token.
  const rotateRefreshTokens = omitsRefreshToken || quirks.refreshPolicy !== undefined ? false : (options.rotateRefreshTokens ?? DEFAULT_ROTATE_REFRESH_TOKENS);

  const persisted = options.statePath === undefined ? undefined : readState(options.statePath);
  const keys: ProviderKeys = persisted === undefined ? processWideKeys() : completeKeys(persisted.keys);
  const maxGrants = options.maxGrants ?? MAX_GRANTS;
  if (!Number.isInteger(maxGrants) || maxGrants < 1)
    throw new MockProviderOptionsError('maxGrants', `maxGrants must be a whole number >= 1, got ${String(maxGrants)}.`);
  const store = new MemoryStore({ maxTransient: MAX_TRANSIENT_ENTRIES, maxGrants });
  const resourceUrl = `${issuer}${ROUTES.resource}`;
  const controls = new TokenControls({ store, issuer, signingKeys: keys.signing });
  // Users typed in the login form (not declared in options): persisted, so their tokens refresh after a restart.
  const adHocUsers: MockUser[] = [];
  const addUser = (user: MockUser): void => {
    if (users.some((candidate) => candidate.id === user.id)) return;
    users.push(user);
    adHocUsers.push(user);
    controls.onChange?.();
  };
  if (persisted !== undefined) {
    for (const user of persisted.adHocUsers) addUser({ id: user.id, claims: { ...user.claims } });
    store.load(persisted.entries.filter((entry) => !entry.key.startsWith('Client:')));
    for (const [jti, expiresAt] of persisted.jwtAccessTokens) controls.jwtAccessTokens.set(jti, expiresAt);
  }

  const engine = new Provider(
    issuer,
    engineConfiguration({
      store,
      keys,
      scopes,
      scopeValidator: scopePolicy.validator(),
      users: () => users,
      accessTokenTtl,
      refreshTokenTtl,
      rotateRefreshTokens,
      jwtResource: format === 'jwt' ? resourceUrl : undefined,
      onJwtIssued: (jti, ttl) => controls.trackJwt(jti, ttl),
      interactionPolicy: login === 'auto' ? autoLoginPolicy({ users: () => users, resource: format === 'jwt' ? resourceUrl : undefined }) : undefined,
    }),
  );
  engine.proxy = true;
  engineRef = engine;
  registerGrants(engine, {
    clients: () => clients,
    users: () => users,
    tokenUrl: `${issuer}${ROUTES.token}`,
    issuer,
    jwtResource: format === 'jwt' ? resourceUrl : undefined,
  });
  // RFC 8252 §7.3 loopback rule for every client of this instance (the Client class is per provider).
  engine.Client.prototype.redirectUriAllowed = function redirectAllowed(this: { redirectUris: string[] }, value: string): boolean {
    return redirectUriAllowed(this.redirectUris, value);
  };
  const origin = new URL(issuer).origin;
  let callback: NodeHandler | undefined;
  // The engine alone (oidc-provider's callback with our Koa middleware in it), for the scenario layer's one call
  // and the auto login's hops.
  const rawEngine: EngineEntry = (request) => injectRequest(callback as NodeHandler, request);
  const layer: ScenarioLayer = {
    engine: rawEngine,
    routes: [jwtTokenEndpoints({ issuer, lookup: (token) => controls.lookupAccessToken(token), users: () => users })],
    faults: new FaultQueue(),
    evicted: (key) => store.wasEvicted(key),
    maxGrants,
    recorder: new RequestRecorder({ secrets: () => [...clients.map((client) => client.clientSecret ?? ''), ...users.map((user) => user.password ?? '')] }),
    arrivals: new Arrivals(),
    // With a provider shape, its layer owns every token answer transform (the encoding last).
    quirks: shaped ? {} : quirks,
    settle: () => state?.flush(),
    identifyClient: (form, authorization) => identifyAssertionClient(clients, form, authorization),
    tokenScopes: (form, authorization) => scopePolicy.tokenRequest(form, authorization),
  };
  let refresh: RefreshFamilies | undefined;
  if (shaped) {
    refresh =
      quirks.refreshPolicy === undefined
        ? undefined
        : new RefreshFamilies(quirks.refreshPolicy, {
            expireAccessToken: (token, at) => {
              const payload = store.get(`AccessToken:${token}`);
              if (payload === undefined) return;
              const exp = Math.min(typeof payload.exp === 'number' ? payload.exp : at, at);
              store.set('AccessToken', `AccessToken:${token}`, { ...payload, exp }, Math.max(exp - Math.floor(Date.now() / 1000), 0) + 300);
            },
            dropRefreshToken: (token) => store.delete(`RefreshToken:${token}`),
          });
    if (persisted?.refreshAliases !== undefined) refresh?.load(persisted.refreshAliases);
    // Recorded at the preset host and path the client called, before the provider shape rewrites it.
    layer.locate = (path) => {
      const matched = topology?.matchIssuerPath(path);
      return matched === undefined ? undefined : { role: matched.endpoint.role, host: matched.url.host, path: matched.url.pathname };
    };
    layer.shape = providerShape({ quirks, topology, issuer, lookup: (token) => controls.lookupAccessToken(token), users: () => users, refresh });
  }
  engine.use(unauthorizedClientAnswers());
  if (login === 'auto')
    engine.use(autoLoginShortcut({ origin, engine: rawEngine, provider: engine, users: () => users, resource: format === 'jwt' ? resourceUrl : undefined }));
  engine.use(scopePolicy.authorizationRequests());
  engine.use(resourceRoute({ lookup: (token) => controls.lookupAccessToken(token), users: () => users }));
  engine.use(interactionRoutes({ provider: engine, users: () => users, addUser, login, resource: format === 'jwt' ? resourceUrl : undefined }));

  const putClient = (client: MockClient): void => {
    store.set('Client', `Client:${client.clientId}`, clientMetadata(client), undefined);
    for (const scope of client.scopes) scopes.add(scope);
    addEngineScopes(engine, client.scopes);
  };
  for (const client of clients) putClient(client);

  const state =
    options.statePath === undefined
      ? undefined
      : new StateWriter(options.statePath, () => ({
          version: 1,
          keys,
          entries: store.serialize().filter((entry) => !entry.key.startsWith('Client:')),
          jwtAccessTokens: [...controls.jwtAccessTokens],
          adHocUsers,
          refreshAliases: refresh?.serialize() ?? [],
        }));
  if (state !== undefined) {
    store.onChange = state.schedule;
    controls.onChange = state.schedule;
    if (refresh !== undefined) refresh.onChange = state.schedule;
  }

  callback = engine.callback();
  const entry = scenarioEntry(layer);
  const closeHooks: (() => Promise<void>)[] = [];
  let closed = false;
  let closing: Promise<void> | undefined;

  const serves = (input: string | URL): boolean => {
    const url = typeof input === 'string' ? URL.parse(input) : input;
    return url !== null && (url.origin === origin || topology?.match(url) !== undefined);
  };
  // The one in-process entry: handle() and handleRaw() convert to and from it.
  const toEngine = async (request: EngineRequest): Promise<EngineResponse> => {
    if (closed) throw new TestkitError('MOCK_PROVIDER', `The mock provider ${issuer} is closed; create a new one.`);
    const url = request.url;
    if (url.origin !== origin) {
      // A preset's real URL: served on its path under the issuer, as over HTTP.
      if (topology?.match(url) === undefined) {
        throw new TestkitError(
          'MOCK_PROVIDER',
          `The in-process provider got a request for ${url.origin}${url.pathname}, which is not this provider (${origin})${topology === undefined ? '' : ' nor one of its preset endpoints'}.`,
        );
      }
      request.url = new URL(Topology.issuerPath(url), origin);
    }
    return entry(request);
  };
  const handle = async (request: Request): Promise<Response> => toFetchResponse(await toEngine(await fromFetchRequest(request)), request.method);
  const handleRaw = async (request: RawRequest): Promise<RawResponse> => toRawResponse(await toEngine(fromRawRequest(request)), request.method);
  const providerFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    if (serves(request.url)) return handle(request);
    return globalThis.fetch(request);
  };
  const listed = topology?.listed(issuer, transport.overHttp === true);
  const endpoints: Record<string, string> = {
    ...(listed ?? {
      authorization: `${issuer}${ROUTES.authorization}`,
      token: `${issuer}${ROUTES.token}`,
      userinfo: `${issuer}${ROUTES.userinfo}`,
      resource: resourceUrl,
      revocation: `${issuer}${ROUTES.revocation}`,
      introspection: `${issuer}${ROUTES.introspection}`,
      jwks: `${issuer}${ROUTES.jwks}`,
    }),
  };
  const authorizationUrl = endpoints.authorization ?? `${issuer}${ROUTES.authorization}`;
  const tokenUrl = endpoints.token ?? `${issuer}${ROUTES.token}`;

  // The headless flow sends the fixed values the preset requires on the authorization request (Atlassian's audience).
  const headlessAuthorizationUrl = new URL(authorizationUrl);
  for (const [name, value] of Object.entries(quirks.requiredAuthorizeParams ?? {}))
    if (typeof value === 'string') headlessAuthorizationUrl.searchParams.set(name, value);
  const headless: HeadlessDeps = {
    fetch: providerFetch,
    authorizationUrl: headlessAuthorizationUrl.href,
    tokenUrl,
    scopeSeparator: quirks.scopeSeparator ?? ' ',
    clients: () => clients,
    users: () => users,
  };

  let control: MockProviderControl | undefined;
  const provider: MockProvider = {
    get control() {
      return control;
    },
    issuer,
    authorizationUrl,
    tokenUrl,
    endpoints: Object.freeze(endpoints),
    preset: given.preset,
    serves,
    served: [
      { origin, path: /^\// },
      ...(topology?.endpoints.map((endpoint) => ({
        origin: /[{}]/.test(endpoint.template.split('/').slice(0, 3).join('/'))
          ? new RegExp(endpoint.host.source.replace(/\$$/, '(?::\\d+)?$'), 'i')
          : endpoint.concrete.origin,
        path: endpoint.path,
      })) ?? []),
    ],
    userinfoUrl: `${issuer}${ROUTES.userinfo}`,
    resourceUrl,
    revocationUrl: `${issuer}${ROUTES.revocation}`,
    introspectionUrl: `${issuer}${ROUTES.introspection}`,
    jwksUrl: `${issuer}${ROUTES.jwks}`,
    clients: readOnlyView(clients, 'clients', 'registerClient()'),
    users: readOnlyView(users, 'users', 'the users option of createMockProvider()'),
    handle,
    handleRaw,
    fetch: providerFetch,
    registerClient(input) {
      const client = normalizeClient(input);
      const index = clients.findIndex((candidate) => candidate.clientId === client.clientId);
      if (index === -1) clients.push(client);
      else clients[index] = client;
      putClient(client);
      // A copy: the provider's own entry changes only through registerClient().
      return { ...client, redirectUris: [...client.redirectUris], scopes: [...client.scopes], grantTypes: [...client.grantTypes] };
    },
    registerUser(input) {
      const user = normalizeUser(input, 'user');
      const index = users.findIndex((candidate) => candidate.id === user.id);
      if (index === -1) users.push(user);
      else users[index] = user;
      return copyUser(user);
    },
    reset() {
      refresh?.clear();
      layer.faults.clear();
      layer.recorder.clear();
      store.clear();
      controls.jwtAccessTokens.clear();
      clients.splice(0, clients.length, ...initialClients.map(copyClient));
      users.splice(0, users.length, ...initialUsers.map(copyUser));
      adHocUsers.length = 0;
      for (const client of clients) putClient(client);
      controls.onChange?.();
    },
    getTokens: (tokenOptions) => getTokens(headless, tokenOptions),
    authorize: (authorizeOptions) => authorize(headless, authorizeOptions),
    expireAccessTokens: async () => controls.expireAccessTokens(),
    revokeRefreshTokens: async () => controls.revokeRefreshTokens(),
    failNext: (endpoint, fault, failOptions) => layer.faults.push(endpoint, fault, failOptions),
    nextRequest(endpoint) {
      if (!ENDPOINTS.includes(endpoint)) {
        throw new TestkitError('MOCK_PROVIDER', `nextRequest() got an unknown endpoint ${JSON.stringify(endpoint)}; use one of ${ENDPOINTS.join(', ')}.`);
      }
      if (closed) return Promise.reject(new TestkitError('MOCK_PROVIDER', `The mock provider ${issuer} is closed; create a new one.`));
      return (layer.arrivals as Arrivals).next(endpoint);
    },
    get requests() {
      return layer.recorder.requests;
    },
    clearRequests: () => layer.recorder.clear(),
    // A preset's prefixed token (`gho_…`) stands for the engine's token it wraps.
    lookupAccessToken: (token) => controls.lookupAccessToken(unprefixToken(quirks, token)),
    async verifyBearer(input, verifyOptions = {}) {
      const authorization = input === undefined || typeof input === 'string' ? input : (input.headers.get('authorization') ?? undefined);
      const result = await checkBearer({
        authorization,
        lookup: (token) => controls.lookupAccessToken(unprefixToken(quirks, token)),
        ...(verifyOptions.requiredScopes === undefined ? {} : { requiredScopes: verifyOptions.requiredScopes }),
      });
      if (!result.ok) return result;
      const user = users.find((candidate) => candidate.id === result.token.accountId) ?? { id: result.token.accountId, claims: {} };
      return { ok: true, token: result.token, user };
    },
    engine,
    // Every call gets the one promise that settles once the listener and the state file are done with.
    close() {
      closing ??= (async () => {
        closed = true;
        layer.arrivals?.close(issuer);
        layer.faults.clear();
        for (const hook of closeHooks.splice(0)) await hook();
        state?.close();
      })();
      return closing;
    },
  };
  return {
    provider,
    entry,
    store,
    onClose: (hook) => closeHooks.push(hook),
    inspect: { queuedFaults: () => layer.faults.size, jwtAccessTokens: () => controls.jwtAccessTokens },
    setControl: (value) => {
      control = value;
    },
  };
}

function normalizeUser(user: MockUserOptions, at: string): MockUser {
  if (typeof user !== 'object' || user === null || typeof user.id !== 'string' || user.id === '')
    throw new MockProviderOptionsError(`${at}.id`, 'A mock user needs a non-empty id.');
  if (user.claims !== undefined && (typeof user.claims !== 'object' || user.claims === null || Array.isArray(user.claims)))
    throw new MockProviderOptionsError(`${at}.claims`, `Mock user ${user.id} has claims that are not an object.`);
  if (user.password !== undefined && (typeof user.password !== 'string' || user.password === '')) {
    throw new MockProviderOptionsError(`${at}.password`, 'A mock user password must be a non-empty string, or left out (any password is then accepted).');
  }
  return { id: user.id, claims: { ...(user.claims ?? {}) }, ...(user.password === undefined ? {} : { password: user.password }) };
}

function copyClient(client: MockClient): MockClient {
  return { ...client, redirectUris: [...client.redirectUris], scopes: [...client.scopes], grantTypes: [...client.grantTypes] };
}

function copyUser(user: MockUser): MockUser {
  return { id: user.id, claims: { ...user.claims }, ...(user.password === undefined ? {} : { password: user.password }) };
}

function normalizeIssuer(input: string): string {
  const url = URL.parse(input);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new MockProviderOptionsError('issuer', `The mock provider issuer must be an http(s) URL, got ${JSON.stringify(input)}.`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new MockProviderOptionsError(
      'issuer',
      `The mock provider issuer must be an origin without path, query or fragment (like https://mock-provider.test), got ${JSON.stringify(input)}.`,
    );
  }
  return url.origin;
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new MockProviderOptionsError(name, `${name} must be a whole number of seconds >= 1, got ${String(value)}.`);
  }
  return value;
}

/**
 * Creates a mock OAuth 2 provider (oidc-provider underneath) with no listener: serve it in-process with
 * `handle()`/`fetch`, or through msw/nock. `startMockProvider` adds an HTTP listener.
 *
 * Throws {@link MockProviderOptionsError} (`MOCK_PROVIDER_OPTIONS`) on invalid options, `MOCK_PROVIDER` on an
 * unreadable state file.
 *
 * @example
 * const provider = await createMockProvider();
 * const tokens = await provider.getTokens();
 * const me = await provider.fetch(provider.resourceUrl, { headers: { authorization: `Bearer ${tokens.access_token}` } });
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export async function createMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  if (options.control !== undefined && options.control !== false) {
    throw new MockProviderOptionsError(
      'control',
      'control serves the control API over HTTP: use startMockProvider({ control: true }), or the handle itself in-process.',
    );
  }
  return (await createMockProviderInternals(options, options.issuer ?? DEFAULT_IN_PROCESS_ISSUER)).provider;
}
