import { TestkitError, TokenEndpointError, isTestkitError } from '../shared/errors.js';
import { DEFAULT_CALLBACK_PORT } from '../shared/defaults.js';
import { findEncryptedValue } from './encrypted-values.js';
import { SecretRedactor } from '../shared/mask.js';
import { displayUrl, oneLine } from '../shared/text.js';
import { buildAuthorizeUrl, createPkce, createState, platformRedirectUrl } from './authorize-url.js';
import { startCallbackServer } from './callback-server.js';
import type { CallbackServer } from './callback-server.js';
import { getTestAccount, loadConfig, selectAuthorization } from './config.js';
import { expandRequestParameters, expandTemplate, templateContext } from './template.js';
import { clientAuthUsed, clientAuthWarnings } from './client-auth.js';
import type { ParametersBlock } from './client-auth.js';
import { passwordCredentials } from './password-grant.js';
import { bearerAssertion } from './jwt-assertion.js';
import { requestTokenSet } from './token-client.js';
import type { TokenGrant } from './token-client.js';
import { acquireConfigLock, saveTokens } from './token-store.js';
import type { ConfigLock } from './token-store.js';
import type { Tunnel } from './tunnel.js';
import { loggingFetch } from './http-log.js';
import type { FlowHttpEvent } from './http-log.js';
import { isLoopbackHost } from '../shared/loopback.js';
import { ACCOUNT_SECRET_NAMES } from './types.js';
import { grantLabel, grantTypeOf, JWT_BEARER_GRANT, usesBrowser } from './grants.js';
import type { GrantType } from './grants.js';
import type { OAuth2Authorization, OAuth2Settings, TestAccount, TokenSet } from './types.js';

/** The steps the flow reports, in order (`token`: a grant without a browser asks the token endpoint directly). */
export type FlowStep = 'config' | 'refresh' | 'server' | 'tunnel' | 'browser' | 'waiting' | 'exchange' | 'token' | 'saved';

/** Receives one short line per step; the CLI renders it (spinner on a TTY), tests record it. Never given secrets. */
export interface FlowReporter {
  start(step: FlowStep, text: string): void;
  succeed(step: FlowStep, text: string): void;
  warn(text: string): void;
  /**
   * Optional: every HTTP request the flow sends (token exchange, refresh) and its status, masked for the run's
   * secrets (client secret, codes, PKCE verifier, tokens, Basic credentials, passwords). The CLI's `--verbose`.
   */
  http?(event: FlowHttpEvent): void;
}

/**
 * What the mock swaps in for the real provider: called once per run, with the redirect URI the run sends (empty for
 * a grant without a browser), the run's grant and the test account (with `accountDefaults`). The query of the
 * configured `authorizationUrl` is kept on the returned one (parameters it already has win). `prepareGrant`, when
 * returned, is called by a grant without a browser with the grant's fields (the password grant's as typed at a
 * prompt, the assertion as signed) just before its token request, so the provider can know the user or the key.
 */
export type ProviderOverride = (
  authorization: OAuth2Authorization,
  context: { redirectUri: string; grantType: GrantType; account: Readonly<TestAccount> },
) => Promise<{ authorizationUrl: string; tokenUrl: string; prepareGrant?: (grant: TokenGrant) => void | Promise<void> }>;

/**
 * Asks the user for one value the grant needs and the test account lacks (the password grant's `username` and
 * `password`); `hidden`: the answer is not echoed. Given only on a terminal: without it, a missing value is a config error.
 */
export type PromptEdge = (question: { name: 'username' | 'password'; text: string; hidden: boolean }) => Promise<string>;

/** Shows the authorize URL to the user: opens a browser, prints it, or drives a headless user agent. */
export type OpenBrowser = (url: string) => Promise<void>;

/** The tunnel edge: exposes the local callback server publicly (ngrok in the CLI). */
export interface FlowTunnel {
  /** Called before a login opens anything (server, tunnel, browser); throws to stop early (e.g. no ngrok authtoken). */
  check?(): void | Promise<void>;
  /** Opens the tunnel to `127.0.0.1:port`. */
  open(port: number): Promise<Tunnel>;
}

/** The edges of the flow, shaped by what they are. Tests and `--mock` inject their own; the CLI wires the real ones. */
export interface FlowEdges {
  fetch?: typeof fetch | undefined;
  browser: OpenBrowser;
  /** Required unless `tunnel: false`. */
  tunnel?: FlowTunnel | undefined;
  /** Replaces the provider's URLs (the mock of `--mock`). */
  provider?: ProviderOverride | undefined;
  /** Asks for what the password grant needs when the test account lacks it (a hidden prompt in the CLI). */
  prompt?: PromptEdge | undefined;
  reporter?: FlowReporter | undefined;
  /** Why this provider returned no refresh token, with the fix (the CLI: the provider's known pitfalls), if known. */
  noRefreshTokenCause?: ((settings: OAuth2Settings) => string | undefined) | undefined;
}

export interface FlowOptions {
  configPath: string;
  /** Test account to write; default `development`. */
  testAccount?: string | undefined;
  authorization?: string | undefined;
  /** Platform environment whose callback-cli URL is the redirect URL; default `production`. */
  environment?: string | undefined;
  reauth?: boolean | undefined;
  redirectUrl?: string | undefined;
  /** `false` for `--no-tunnel`. Default true. */
  tunnel?: boolean | undefined;
  /** `false` for `--no-pkce`. Default true. */
  pkce?: boolean | undefined;
  /** Callback server port; 0 picks a free one. Default {@link DEFAULT_CALLBACK_PORT} (9002). */
  port?: number | undefined;
  /** How long to wait for the callback. Default 300 000 ms. */
  timeoutMs?: number | undefined;
  /** Limit on each token request, headers and body. Default 30 000 ms. */
  tokenTimeoutMs?: number | undefined;
  /** Limit on a token response body that stops arriving. Default 10 000 ms. */
  tokenIdleTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** When the refresh token is rejected: true falls back to a full login, false fails with `REFRESH_REJECTED`. */
  interactive?: boolean | undefined;
  /**
   * Values the test account gets where it lacks them (the template values `--mock` seeds): they fill templates like
   * the account's own and are written into the account with the tokens (never over a value it has).
   */
  accountDefaults?: Readonly<Record<string, string | number | boolean>> | undefined;
  /**
   * Options the caller set that only a browser login uses (e.g. `['--no-open', '--no-tunnel']`): for a grant
   * without a browser the flow says, in one warning, that they are unused.
   */
  browserOptionsGiven?: string[] | undefined;
}

export interface FlowResult {
  /** `login`: new tokens from the authorization's grant; `refresh`: from the stored refresh token. */
  mode: 'login' | 'refresh';
  /** The grant of the login (`oauth2.grantType`, default `authorization_code`), also for a refresh. */
  grantType: GrantType;
  configPath: string;
  testAccount: string;
  authorization: string;
  redirectUri?: string;
  tokens: TokenSet;
}

const silentReporter: FlowReporter = { start() {}, succeed() {}, warn() {} };

/**
 * Runs the OAuth 2 authorization-code flow (or a refresh) for one authorization of a `.unito.json`
 * and writes the tokens into the chosen test account. Nothing is written when the flow fails.
 *
 * Throws `TestkitError` with codes from config loading (`CONFIG_*`, `CONFIG_INVALID` with `details.reason:
 * 'encrypted-value'` for a platform-encrypted value, `AUTHORIZATION_NOT_FOUND`,
 * `TEMPLATE_*`), `LOCKED`, `PORT_IN_USE`, `TUNNEL_*`, `AUTHORIZATION_DENIED`, `STATE_MISMATCH`,
 * `CALLBACK_TIMEOUT`, `INTERRUPTED`, `TOKEN_ENDPOINT_ERROR`, `TOKEN_RESPONSE_INVALID`, `REFRESH_REJECTED`,
 * `NETWORK_ERROR`, `WRITE_FAILED`.
 *
 * @example
 * const result = await runOAuth2Flow(
 *   { configPath: '.unito.json', tunnel: false, port: 0 },
 *   { browser: async (url) => console.error(url) },
 * );
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export async function runOAuth2Flow(options: FlowOptions, edges: FlowEdges): Promise<FlowResult> {
  // Every message of the run, reported or thrown, is masked for the run's secrets, whatever route they took.
  const secrets = new SecretRedactor();
  const reporter = warningsOnce(redacting(edges.reporter ?? silentReporter, secrets));
  const http = reporter.http?.bind(reporter);
  const fetch = http === undefined ? edges.fetch : loggingFetch(edges.fetch ?? globalThis.fetch, http);
  try {
    return await runFlow(options, { ...edges, reporter, ...(fetch === undefined ? {} : { fetch }) }, reporter, secrets);
  } catch (error) {
    throw secrets.redactError(error);
  }
}

async function runFlow(options: FlowOptions, edges: FlowEdges, reporter: FlowReporter, secrets: SecretRedactor): Promise<FlowResult> {
  const accountName = options.testAccount ?? 'development';
  checkFlags(options);

  reporter.start('config', `Reading ${options.configPath}`);
  const config = await loadConfig(options.configPath);
  const { authorization, index } = selectAuthorization(config.data, options.authorization, config.path);
  const account: TestAccount = { ...options.accountDefaults, ...getTestAccount(config.data, accountName, config.path) };
  const defaults = options.accountDefaults ?? {};
  addRunSecrets(secrets, authorization, account);
  const where = `authorizations[${index}].oauth2`;
  // The platform decrypts `unito-secret-v1://` values; sent as they are, the login would end in invalid_client.
  if (!edges.provider) refuseEncrypted(authorization, where, account, accountName);
  const lock = await acquireConfigLock(config.path);
  reporter.succeed(
    'config',
    `Authorization "${oneLine(authorization.name, 100)}", test account "${oneLine(accountName, 100)}" in ${oneLine(config.path, 300)}`,
  );

  const grantType = grantTypeOf(authorization.oauth2);
  for (const warning of clientAuthWarnings(authorization.oauth2, where)) reporter.warn(warning.message);
  const base = { configPath: config.path, testAccount: accountName, authorization: authorization.name, grantType };
  let server: CallbackServer | undefined;
  let tunnel: Tunnel | undefined;
  try {
    const expanded = expandSettings(authorization, where, account, accountName, grantType);
    const browser = usesBrowser(grantType);
    if (!browser && options.browserOptionsGiven?.length) {
      reporter.warn(`${options.browserOptionsGiven.join(', ')} unused: grantType ${grantLabel(grantType)} opens no browser, callback server or tunnel.`);
    }
    const useTunnel = browser && options.tunnel !== false;
    let redirectUri = browser ? decideRedirectUri(options, useTunnel) : undefined;
    if (browser && redirectUri === undefined && edges.provider) {
      // The redirect URI is the callback server's own, on a port only known once it listens (port 0).
      server = await startServer(options, reporter);
      redirectUri = server.callbackUrl;
    }
    const plan: RunPlan = {
      ...expanded,
      grantType,
      redirectUri,
      useTunnel,
      platformRelay: useTunnel && options.redirectUrl === undefined,
      tokenUrlAnswered: false,
    };
    if (edges.provider) {
      // Once per run: the refresh and the login both use what it returns.
      const swapped = await edges.provider(authorization, { redirectUri: redirectUri ?? '', grantType, account });
      // Only the endpoint is swapped: the configured query (`access_type=offline`, `audience`…) goes along, as it
      // would to the real provider.
      plan.authorizationUrl = withQueryOf(swapped.authorizationUrl, plan.authorizationUrl);
      plan.tokenUrl = swapped.tokenUrl;
      plan.prepareGrant = swapped.prepareGrant;
    }

    // client_credentials has no refresh step: a re-run asks for a new token with the same grant (RFC 6749 §4.4.3).
    const refreshes = grantType !== 'client_credentials';
    const storedRefreshToken = refreshes && typeof account.refreshToken === 'string' ? account.refreshToken : '';
    if (refreshes && !storedRefreshToken && !options.reauth && typeof account.accessToken === 'string') {
      const cause = edges.noRefreshTokenCause?.(authorization.oauth2);
      reporter.warn(
        `testAccounts.${accountName} has an access token but no refresh token (the provider returned none${cause ? `: ${cause}` : ''}): logging in again.`,
      );
    }
    if (storedRefreshToken && !options.reauth) {
      // A grant that needs nobody (a key, or a password in the account) may log in again by itself; a browser or a prompt needs a terminal.
      const fallBack = Boolean(options.interactive) || grantType === JWT_BEARER_GRANT || (grantType === 'password' && hasPassword(account));
      const refreshed = await refreshStoredToken(authorization, plan, storedRefreshToken, { ...options, interactive: fallBack }, edges, reporter);
      if (refreshed) {
        addTokenSecrets(secrets, refreshed);
        try {
          await save(config.path, accountName, refreshed, lock, reporter, false, defaults);
        } catch (error) {
          throw refreshNotSaved(error, accountName, refreshed);
        }
        return { ...base, mode: 'refresh', tokens: refreshed };
      }
    }
    if (!browser) {
      const tokens = await requestGrant(authorization, plan, account, accountName, options, edges, reporter, secrets);
      addTokenSecrets(secrets, tokens);
      await save(config.path, accountName, tokens, lock, reporter, true, defaults);
      return { ...base, mode: 'login', tokens };
    }
    const login = await logIn(authorization, plan, server, options, edges, reporter, secrets);
    ({ server, tunnel } = login);
    addTokenSecrets(secrets, login.tokens);
    try {
      await save(config.path, accountName, login.tokens, lock, reporter, true, defaults);
    } catch (error) {
      login.finish({ ok: false, reason: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    login.finish({ ok: true });
    await login.browserDone;
    return { ...base, mode: 'login', redirectUri: login.redirectUri, tokens: login.tokens };
  } finally {
    await Promise.allSettled([server?.close(), tunnel?.close()]);
    await lock.release();
  }
}

function hasPassword(account: TestAccount): boolean {
  return typeof account.username === 'string' && account.username !== '' && typeof account.password === 'string' && account.password !== '';
}

/** What a run decided before it calls anything: expanded URLs and parameters, the redirect URI, the tunnel. */
interface RunPlan {
  grantType: GrantType;
  /** Empty for a grant without a browser that sets none. */
  authorizationUrl: string;
  tokenUrl: string;
  tokenParameters: ReturnType<typeof expandRequestParameters>;
  refreshParameters: ReturnType<typeof expandRequestParameters>;
  /** Undefined: the callback server's own URL, known once it listens. */
  redirectUri: string | undefined;
  useTunnel: boolean;
  /** The provider redirects to the platform's relay, which must forward to our tunnel. */
  platformRelay: boolean;
  /** The token URL already gave an OAuth 2 answer in this run: a later bare 4xx or 5xx is not a wrong URL. */
  tokenUrlAnswered: boolean;
  /** The provider edge's hook before a grant without a browser sends its token request (the mock's). */
  prepareGrant?: ((grant: TokenGrant) => void | Promise<void>) | undefined;
}

/** Expands every template before anything opens, so a broken config fails fast and the same way under --mock. */
function expandSettings(authorization: OAuth2Authorization, where: string, account: TestAccount, accountName: string, grantType: GrantType) {
  const context = templateContext(authorization, account);
  const settings = authorization.oauth2;
  // A grant without a browser never opens authorizationUrl: it is neither needed nor checked.
  const opensBrowser = usesBrowser(grantType) && settings.authorizationUrl !== undefined;
  const authorizationUrl = opensBrowser
    ? expandTemplate(settings.authorizationUrl ?? '', context, { url: true, where: `${where}.authorizationUrl`, account: accountName })
    : '';
  const tokenUrl = expandTemplate(settings.tokenUrl, context, { url: true, where: `${where}.tokenUrl`, account: accountName });
  const tokenParameters = expandRequestParameters(settings.tokenRequestParameters, context, `${where}.tokenRequestParameters`, accountName);
  const refreshParameters = expandRequestParameters(settings.refreshRequestParameters, context, `${where}.refreshRequestParameters`, accountName);
  if (opensBrowser) requireHttpUrl(authorizationUrl, `${where}.authorizationUrl`);
  requireHttpUrl(tokenUrl, `${where}.tokenUrl`);
  return { authorizationUrl, tokenUrl, tokenParameters, refreshParameters };
}

/**
 * `url` with the query parameters of `configured` that it lacks added, in their order. The parameters the flow sets
 * itself (`client_id`, `redirect_uri`, `state`…) are overwritten later by `buildAuthorizeUrl` either way.
 */
function withQueryOf(url: string, configured: string): string {
  const target = URL.parse(url);
  const source = URL.parse(configured);
  if (target === null || source === null || source.search === '') return url;
  // Repeated parameters (`resource=a&resource=b`, RFC 8707) all go along.
  const own = new Set(target.searchParams.keys());
  for (const [key, value] of source.searchParams) if (!own.has(key)) target.searchParams.append(key, value);
  return target.toString();
}

/** The one place the redirect URI is decided: the flag, else the platform's relay behind a tunnel, else the callback server. */
function decideRedirectUri(options: FlowOptions, useTunnel: boolean): string | undefined {
  if (options.redirectUrl !== undefined) return options.redirectUrl;
  if (useTunnel) return platformRedirectUrl(options.environment ?? 'production');
  const port = options.port ?? DEFAULT_CALLBACK_PORT;
  return port === 0 ? undefined : `http://127.0.0.1:${port}/callback`;
}

function refuseEncrypted(authorization: OAuth2Authorization, where: string, account: TestAccount, accountName: string): void {
  const found =
    findEncryptedValue(authorization.oauth2, where) ??
    findEncryptedValue(authorization.variables, `authorizations[${where.match(/\d+/)?.[0]}].variables`) ??
    findEncryptedValue(account, `testAccounts.${accountName}`);
  if (found === undefined) return;
  throw new TestkitError(
    'CONFIG_INVALID',
    `${found} holds an encrypted value (unito-secret-v1://…): only the platform can decrypt it, and sent as it is the provider would refuse the login.`,
    {
      next: 'Use the plain value in a local config that is not committed, and run the flow on that file.',
      details: { reason: 'encrypted-value', where: found },
    },
  );
}

async function startServer(options: FlowOptions, reporter: FlowReporter): Promise<CallbackServer> {
  reporter.start('server', 'Starting the local callback server');
  const server = await startCallbackServer({ port: options.port ?? DEFAULT_CALLBACK_PORT, deferPage: true, onNotice: (text) => reporter.warn(text) });
  reporter.succeed('server', `Callback server listening on ${server.url}`);
  return server;
}

/**
 * A refresh whose answer could not be written: a provider that rotates refresh tokens has already invalidated the
 * stored one, so say so and what to do, keeping the write error's code.
 */
function refreshNotSaved(error: unknown, accountName: string, tokens: TokenSet): unknown {
  if (!isTestkitError(error)) return error;
  const rotated = tokens.refreshToken !== undefined;
  return new TestkitError(
    error.code,
    `${error.message} The provider answered the refresh${rotated ? ' with a new refresh token' : ''}, but testAccounts.${oneLine(accountName, 100)} was not updated. ` +
      'If the provider rotates refresh tokens, the stored one may no longer work: if the next run fails, log in again with --reauth.',
    { cause: error, details: { ...error.details, refreshed: true } },
  );
}

async function save(
  configPath: string,
  accountName: string,
  tokens: TokenSet,
  lock: ConfigLock,
  reporter: FlowReporter,
  replace: boolean,
  values: Readonly<Record<string, string | number | boolean>>,
) {
  for (const field of tokens.omitted ?? []) reporter.warn(`Not stored under oauth2ExtraParameters: ${field}.`);
  await saveTokens({ configPath, accountName, tokens, replace, lock, values });
  reporter.succeed('saved', `Saved tokens to testAccounts.${accountName} in ${configPath}`);
}

/** Returns the new token set, or undefined when the refresh token was rejected and a login should follow. */
async function refreshStoredToken(
  authorization: OAuth2Authorization,
  plan: RunPlan,
  refreshToken: string,
  options: FlowOptions,
  edges: FlowEdges,
  reporter: FlowReporter,
): Promise<TokenSet | undefined> {
  reporter.start('refresh', `Refreshing the access token at ${displayUrl(plan.tokenUrl)}`);
  try {
    const grant = { grant_type: 'refresh_token', refresh_token: refreshToken };
    const tokens = await requestTokens(authorization.oauth2, plan, grant, 'refreshRequestParameters', options, edges);
    reporter.succeed('refresh', 'Access token refreshed');
    return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
  } catch (error) {
    if (!(error instanceof TokenEndpointError) || error.oauthError !== 'invalid_grant') throw error;
    const message = `The provider rejected the stored refresh token (invalid_grant${error.errorDescription ? `: ${error.errorDescription}` : ''}).`;
    if (options.interactive) {
      reporter.warn(`${message} Starting a new login.`);
      return undefined;
    }
    throw new TestkitError('REFRESH_REJECTED', message, { next: 'Log in anew (the `reauth` option).', cause: error, details: error.details });
  }
}

interface LoginResult {
  tokens: TokenSet;
  redirectUri: string;
  server: CallbackServer;
  tunnel: Tunnel | undefined;
  /** Shows the browser how the run ended (the page is held until the tokens are saved). */
  finish: CallbackServer['finish'];
  /** The browser edge's own promise, settled once it saw the final page. */
  browserDone: Promise<void>;
}

async function logIn(
  authorization: OAuth2Authorization,
  plan: RunPlan,
  started: CallbackServer | undefined,
  options: FlowOptions,
  edges: FlowEdges,
  reporter: FlowReporter,
  secrets: SecretRedactor,
): Promise<LoginResult> {
  const settings = authorization.oauth2;
  if (plan.useTunnel && !edges.tunnel) {
    throw new TestkitError('USAGE', 'A tunnel is needed but no tunnel edge was given.', {
      next: 'Pass `tunnel: false` with a loopback `redirectUrl`, or a tunnel edge.',
      details: { reason: 'no-tunnel-edge' },
    });
  }

  await edges.tunnel?.check?.();

  const server = started ?? (await startServer(options, reporter));
  let tunnel: Tunnel | undefined;
  let browser: Promise<void> | undefined;
  try {
    let publicCallback = server.callbackUrl;
    if (plan.useTunnel && edges.tunnel) {
      reporter.start('tunnel', 'Opening the ngrok tunnel');
      tunnel = await edges.tunnel.open(server.port);
      publicCallback = `${tunnel.url.replace(/\/$/, '')}/callback`;
      reporter.succeed('tunnel', `Tunnel ${tunnel.url} → ${server.url}`);
    }
    const redirectUri = plan.redirectUri ?? server.callbackUrl;

    const { state } = createState(publicCallback);
    server.expectState(state);
    // DNS-rebinding defence: besides its own address, the server answers only the hosts a browser may come by.
    server.allowHost(new URL(publicCallback).host);
    const redirectHost = URL.parse(redirectUri);
    if (redirectHost !== null && isLoopbackHost(redirectHost.hostname)) server.allowHost(redirectHost.host);
    const pkce = options.pkce === false ? undefined : createPkce();
    secrets.add(pkce?.verifier);
    const url = buildAuthorizeUrl({
      authorizationUrl: plan.authorizationUrl,
      clientId: settings.clientId,
      redirectUri,
      scopes: (settings.scopes ?? []).map((scope) => scope.name),
      state,
      pkce,
    });

    reporter.start('browser', 'Opening the authorization page');
    const callback = waitWithContext(server, plan, redirectUri, options);
    // The wait may settle before the browser edge returns: a headless agent follows the redirect itself and
    // returns only once it read the final page, which the server holds until the tokens are saved.
    callback.catch(() => {});
    browser = edges.browser(url.toString());
    browser.catch(() => {});
    const never = new Promise<never>(() => {});
    await Promise.race([browser, callback, browser.then(() => never)]);
    reporter.succeed('browser', `Authorization page: ${displayUrl(url.toString())}`);
    reporter.start('waiting', `Waiting for the provider to redirect to ${redirectUri}`);
    const { code } = await Promise.race([callback, browser.then(() => never)]);
    // The code is a credential until it is redeemed (RFC 6749 §10.5): masked in the request log and any message.
    secrets.add(code);
    reporter.succeed('waiting', 'Authorization code received');

    reporter.start('exchange', `Exchanging the code at ${displayUrl(plan.tokenUrl)}`);
    const grant = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce?.verifier } as const;
    let tokens: TokenSet;
    try {
      tokens = await requestTokens(settings, plan, grant, 'tokenRequestParameters', options, edges);
    } catch (error) {
      server.finish({ ok: false, reason: `the token exchange failed (${isTestkitError(error) ? error.code : 'unexpected error'})` });
      throw error;
    }
    reporter.succeed('exchange', 'Tokens received');
    const browserDone = browser.then(
      () => undefined,
      () => undefined,
    );
    return { tokens, redirectUri, server, tunnel, finish: (result) => server.finish(result), browserDone };
  } catch (error) {
    await Promise.allSettled([server.close(), tunnel?.close()]);
    throw error;
  }
}

/** Waits for the callback; a timeout says which redirect URL was sent and, behind the platform relay, the fallbacks. */
async function waitWithContext(server: CallbackServer, plan: RunPlan, redirectUri: string, options: FlowOptions) {
  try {
    return await server.waitForCallback({ timeoutMs: options.timeoutMs ?? 300_000, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (!isTestkitError(error, 'CALLBACK_TIMEOUT')) throw error;
    const relay = plan.platformRelay ? ` The callback goes through the platform's relay (${redirectUri}), which may not have forwarded it to the tunnel.` : '';
    throw new TestkitError(
      'CALLBACK_TIMEOUT',
      `${error.problem} The authorization request sent redirect_uri=${redirectUri}: the provider's app must register exactly this URL ` +
        `(a provider that rejects it shows an error on its own page and never calls back).${relay}`,
      {
        next: plan.platformRelay
          ? 'Finish the login sooner or raise the timeout; if the relay does not forward, run without a tunnel with a loopback redirectUrl the provider allows, or run the relay (startRelayServer) at a public URL and pass it as redirectUrl.'
          : (error.next ?? 'Raise the timeout.'),
        cause: error,
        details: { ...error.details, redirectUri, platformRelay: plan.platformRelay },
      },
    );
  }
}

/**
 * One token endpoint call with the authorization's content types and the expanded extra parameters of `block`
 * (`tokenRequestParameters` for the grant itself, `refreshRequestParameters` for a refresh).
 */
async function requestTokens(
  settings: OAuth2Settings,
  plan: RunPlan,
  grant: TokenGrant,
  block: ParametersBlock,
  options: FlowOptions,
  edges: FlowEdges,
): Promise<TokenSet> {
  const parameters = block === 'tokenRequestParameters' ? plan.tokenParameters : plan.refreshParameters;
  warnIfCleartext(plan.tokenUrl, edges.reporter ?? silentReporter);
  try {
    const tokens = await requestTokenSet({
      tokenUrl: plan.tokenUrl,
      grant,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      contentType: settings.requestContentType,
      headers: parameters.headers,
      body: parameters.body,
      fetch: edges.fetch,
      signal: options.signal,
      responseContentType: settings.responseContentType,
      timeoutMs: options.tokenTimeoutMs,
      idleTimeoutMs: options.tokenIdleTimeoutMs,
      clientAuth: clientAuthUsed(parameters.headers, block),
      tokenUrlAnswered: plan.tokenUrlAnswered,
    });
    plan.tokenUrlAnswered = true;
    return tokens;
  } catch (error) {
    if (error instanceof TokenEndpointError) plan.tokenUrlAnswered = true;
    throw error;
  }
}

/**
 * The grants without a browser: one request to the token endpoint with the grant's own fields (RFC 6749 §4.3,
 * §4.4; RFC 7523 §2.1), the scopes joined as the authorize URL joins them, `tokenRequestParameters` merged in.
 */
async function requestGrant(
  authorization: OAuth2Authorization,
  plan: RunPlan,
  account: TestAccount,
  accountName: string,
  options: FlowOptions,
  edges: FlowEdges,
  reporter: FlowReporter,
  secrets: SecretRedactor,
): Promise<TokenSet> {
  const settings = authorization.oauth2;
  const scope = scopeParameter(settings);
  let grant: TokenGrant;
  if (plan.grantType === 'password') {
    const { username, password } = await passwordCredentials(account, accountName, edges.prompt, reporter);
    secrets.add(password);
    grant = { grant_type: 'password', username, password, scope };
  } else if (plan.grantType === JWT_BEARER_GRANT) {
    const assertion = await bearerAssertion(account, accountName, { clientId: settings.clientId, tokenUrl: plan.tokenUrl });
    secrets.add(assertion);
    grant = { grant_type: JWT_BEARER_GRANT, assertion, scope };
  } else {
    grant = { grant_type: 'client_credentials', scope };
  }
  await plan.prepareGrant?.(grant);
  reporter.start('token', `Requesting a token (grant ${grantLabel(plan.grantType)}) at ${displayUrl(plan.tokenUrl)}`);
  const tokens = await requestTokens(settings, plan, grant, 'tokenRequestParameters', options, edges);
  reporter.succeed('token', 'Tokens received');
  return tokens;
}

/** `scope` as the authorize URL sends it: the scope names joined by spaces; left out when there are none. */
function scopeParameter(settings: OAuth2Settings): string | undefined {
  const names = (settings.scopes ?? []).map((scope) => scope.name);
  return names.length > 0 ? names.join(' ') : undefined;
}

function addRunSecrets(secrets: SecretRedactor, authorization: OAuth2Authorization, account: TestAccount): void {
  const { clientId, clientSecret } = authorization.oauth2;
  secrets.add(clientSecret);
  secrets.addBasic(clientId, clientSecret);
  for (const key of ACCOUNT_SECRET_NAMES) if (Object.hasOwn(account, key)) secrets.add(account[key]);
  // Variables the platform types as passwords are secrets too.
  for (const [name, variable] of Object.entries(authorization.variables ?? {})) {
    const type = typeof variable === 'object' && variable !== null ? (variable as { type?: unknown }).type : undefined;
    if (type === 'password' && Object.hasOwn(account, name)) secrets.add(account[name]);
  }
}

function addTokenSecrets(secrets: SecretRedactor, tokens: TokenSet): void {
  secrets.add(tokens.accessToken);
  secrets.add(tokens.refreshToken);
  for (const key of ['id_token', 'access_token', 'refresh_token']) secrets.add(tokens.extra[key]);
}

/**
 * What the reporter is given: one line each (a value from the config or a provider with a newline cannot forge a
 * line of its own), masked for the run's secrets.
 */
function redacting(reporter: FlowReporter, secrets: SecretRedactor): FlowReporter {
  const clean = (text: string): string => secrets.redact(oneLine(text, 2000));
  const http = reporter.http?.bind(reporter);
  return {
    start: (step, text) => reporter.start(step, clean(text)),
    succeed: (step, text) => reporter.succeed(step, clean(text)),
    warn: (text) => reporter.warn(clean(text)),
    ...(http === undefined ? {} : { http: (event: FlowHttpEvent) => http(secrets.redactDeep(event) as FlowHttpEvent) }),
  };
}

/** The same warning twice in one run (a rejected refresh, then a login) is noise: each is shown once. */
function warningsOnce(reporter: FlowReporter): FlowReporter {
  const shown = new Set<string>();
  const http = reporter.http?.bind(reporter);
  return {
    start: (step, text) => reporter.start(step, text),
    succeed: (step, text) => reporter.succeed(step, text),
    ...(http === undefined ? {} : { http }),
    warn(text) {
      if (shown.has(text)) return;
      shown.add(text);
      reporter.warn(text);
    },
  };
}

/**
 * The token request carries the client secret (and returns tokens): over plain http to another machine, anyone on
 * the path reads them. Warn rather than refuse, since some internal or test providers only speak http.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
function warnIfCleartext(tokenUrl: string, reporter: FlowReporter): void {
  const url = URL.parse(tokenUrl);
  if (url === null || url.protocol !== 'http:') return;
  const host = url.hostname;
  if (isLoopbackHost(host)) return;
  reporter.warn(
    `The token URL ${displayUrl(tokenUrl)} uses plain http to ${host}: the client secret and the tokens cross the network unencrypted. Use an https tokenUrl if the provider supports it.`,
  );
}

/** Flags that are wrong whatever the config says fail first, as usage errors. */
function checkFlags(options: FlowOptions): void {
  if (options.environment !== undefined) platformRedirectUrl(options.environment);
  if (options.redirectUrl === undefined) return;
  const redirect = URL.parse(options.redirectUrl);
  if (redirect === null || (redirect.protocol !== 'https:' && redirect.protocol !== 'http:')) {
    throw new TestkitError('USAGE', `The redirect URL must be an absolute http(s) URL, got "${options.redirectUrl}".`, {
      next: 'Pass an absolute http(s) redirectUrl.',
      details: { reason: 'redirect-url-invalid', value: options.redirectUrl },
    });
  }
  // Without a tunnel, a loopback /callback redirect URL must reach our own callback server.
  const port = options.port ?? DEFAULT_CALLBACK_PORT;
  const loopback = isLoopbackHost(redirect.hostname);
  const redirectPort = Number(redirect.port || (redirect.protocol === 'https:' ? 443 : 80));
  if (options.tunnel === false && loopback && redirect.pathname === '/callback' && port !== 0 && redirectPort !== port) {
    throw new TestkitError('USAGE', `The redirect URL points at port ${redirectPort} but the callback server listens on ${port}.`, {
      next: `Set the port to ${redirectPort} or change the redirect URL.`,
      details: { reason: 'redirect-port', redirectPort, port },
    });
  }
}

/** A URL the flow will call or open must be absolute http(s) once its templates are expanded. */
function requireHttpUrl(value: string, where: string): void {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TestkitError(
      'CONFIG_INVALID',
      `${where} must be an absolute http(s) URL once its templates are expanded, got "${url === null ? oneLine(value, 80) : displayUrl(value)}". Fix it in the config.`,
      {
        details: { where },
      },
    );
  }
}
