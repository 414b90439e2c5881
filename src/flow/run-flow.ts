import { TestkitError, isTestkitError } from '../shared/errors.js';
import { SecretRedactor } from '../shared/mask.js';
import { displayUrl, oneLine } from '../shared/text.js';
import { buildAuthorizeUrl, createPkce, createState, platformRedirectUrl } from './authorize-url.js';
import { startCallbackServer } from './callback-server.js';
import type { CallbackServer } from './callback-server.js';
import { getTestAccount, loadConfig, selectAuthorization } from './config.js';
import { expandRequestParameters, expandTemplate, templateContext } from './template.js';
import { requestTokenSet } from './token-client.js';
import type { TokenGrant } from './token-client.js';
import { acquireConfigLock, saveTokens } from './token-store.js';
import type { ConfigLock } from './token-store.js';
import type { OpenTunnel, Tunnel } from './tunnel.js';
import { isLoopbackHost } from '../shared/loopback.js';
import type { OAuth2Authorization, OAuth2Settings, TestAccount, TokenSet } from './types.js';

/** The steps the flow reports, in order. */
export type FlowStep = 'config' | 'refresh' | 'server' | 'tunnel' | 'browser' | 'waiting' | 'exchange' | 'saved';

/** Receives one short line per step; the CLI renders it (spinner on a TTY), tests record it. Never given secrets. */
export interface FlowReporter {
  start(step: FlowStep, text: string): void;
  succeed(step: FlowStep, text: string): void;
  warn(text: string): void;
}

/** What the mock swaps in for the real provider: called once the redirect URI is known. */
export type ProviderOverride = (
  authorization: OAuth2Authorization,
  context: { redirectUri: string },
) => Promise<Pick<OAuth2Settings, 'authorizationUrl' | 'tokenUrl'>>;

/** The edges of the flow. Tests and `--mock` inject their own; the CLI wires the real ones. */
export interface FlowEdges {
  fetch?: typeof fetch;
  /** Shows the authorize URL to the user (opens a browser, prints it, or drives a headless user agent). */
  openBrowser(url: string): Promise<void>;
  /** Required unless `tunnel: false`. */
  openTunnel?: OpenTunnel;
  /** Called before a login opens anything (server, tunnel, browser); throws to stop early (e.g. no ngrok authtoken). */
  preflight?: () => void | Promise<void>;
  /** Redirect URL used when neither `redirectUrl` nor a tunnel decides it (the local relay of `--mock`). */
  relayRedirectUrl?: string;
  providerOverride?: ProviderOverride;
  reporter?: FlowReporter;
}

export interface FlowOptions {
  configPath: string;
  /** Test account to write; default `development`. */
  testAccount?: string;
  authorization?: string;
  /** Platform environment whose callback-cli URL is the redirect URL; default `production`. */
  environment?: string;
  reauth?: boolean;
  redirectUrl?: string;
  /** `false` for `--no-tunnel`. Default true. */
  tunnel?: boolean;
  /** `false` for `--no-pkce`. Default true. */
  pkce?: boolean;
  /** Callback server port; 0 picks a free one. Default 9002. */
  port?: number;
  /** How long to wait for the callback. Default 300 000 ms. */
  timeoutMs?: number;
  /** Limit on each token request, headers and body. Default 30 000 ms. */
  tokenTimeoutMs?: number;
  /** Limit on a token response body that stops arriving. Default 10 000 ms. */
  tokenIdleTimeoutMs?: number;
  signal?: AbortSignal;
  /** When the refresh token is rejected: true falls back to a full login, false fails with `REFRESH_REJECTED`. */
  interactive?: boolean;
}

export interface FlowResult {
  mode: 'login' | 'refresh';
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
 * Throws `TestkitError` with codes from config loading (`CONFIG_*`, `AUTHORIZATION_NOT_FOUND`,
 * `TEMPLATE_*`), `LOCKED`, `PORT_IN_USE`, `TUNNEL_*`, `AUTHORIZATION_DENIED`, `STATE_MISMATCH`,
 * `CALLBACK_TIMEOUT`, `INTERRUPTED`, `TOKEN_ENDPOINT_ERROR`, `TOKEN_RESPONSE_INVALID`, `REFRESH_REJECTED`,
 * `NETWORK_ERROR`, `WRITE_FAILED`.
 *
 * @example
 * const result = await runOAuth2Flow(
 *   { configPath: '.unito.json', tunnel: false, port: 0 },
 *   { openBrowser: async (url) => console.error(url) },
 * );
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 */
export async function runOAuth2Flow(options: FlowOptions, edges: FlowEdges): Promise<FlowResult> {
  // Every message of the run, reported or thrown, is masked for the run's secrets, whatever route they took.
  const secrets = new SecretRedactor();
  const reporter = warningsOnce(redacting(edges.reporter ?? silentReporter, secrets));
  try {
    return await runFlow(options, { ...edges, reporter }, reporter, secrets);
  } catch (error) {
    throw secrets.redactError(error);
  }
}

async function runFlow(options: FlowOptions, edges: FlowEdges, reporter: FlowReporter, secrets: SecretRedactor): Promise<FlowResult> {
  const accountName = options.testAccount ?? 'development';
  checkFlags(options);

  reporter.start('config', `Reading ${options.configPath}`);
  const config = await loadConfig(options.configPath);
  const authorization = selectAuthorization(config.data, options.authorization, config.path);
  const account = getTestAccount(config.data, accountName, config.path);
  addRunSecrets(secrets, authorization, account);
  // By identity, not by name: names may be missing or repeated.
  const index = (config.data.authorizations as unknown[]).indexOf(authorization);
  const where = `authorizations[${index}].oauth2`;
  const lock = await acquireConfigLock(config.path);
  reporter.succeed('config', `Authorization "${oneLine(authorization.name, 100)}", test account "${oneLine(accountName, 100)}" in ${oneLine(config.path, 300)}`);

  const base = { configPath: config.path, testAccount: accountName, authorization: authorization.name };
  try {
    const storedRefreshToken = typeof account?.refreshToken === 'string' ? account.refreshToken : '';
    if (!storedRefreshToken && !options.reauth && typeof account?.accessToken === 'string') {
      reporter.warn(`testAccounts.${accountName} has an access token but no refresh token (the provider returned none): logging in again.`);
    }
    if (storedRefreshToken && !options.reauth) {
      const refreshed = await refreshStoredToken(authorization, where, account ?? {}, storedRefreshToken, options, edges, reporter);
      if (refreshed) {
        addTokenSecrets(secrets, refreshed);
        try {
          await save(config.path, accountName, refreshed, lock, reporter);
        } catch (error) {
          throw refreshNotSaved(error, accountName, refreshed);
        }
        return { ...base, mode: 'refresh', tokens: refreshed };
      }
    }
    const { tokens, redirectUri } = await login(authorization, where, account ?? {}, options, edges, reporter);
    addTokenSecrets(secrets, tokens);
    await save(config.path, accountName, tokens, lock, reporter, true);
    return { ...base, mode: 'login', redirectUri, tokens };
  } finally {
    await lock.release();
  }
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

async function save(configPath: string, accountName: string, tokens: TokenSet, lock: ConfigLock, reporter: FlowReporter, replace = false) {
  for (const field of tokens.omitted ?? []) reporter.warn(`Not stored under oauth2ExtraParameters: ${field}.`);
  await saveTokens({ configPath, accountName, tokens, replace, lock });
  reporter.succeed('saved', `Saved tokens to testAccounts.${accountName} in ${configPath}`);
}

/** Returns the new token set, or undefined when the refresh token was rejected and a login should follow. */
async function refreshStoredToken(
  authorization: OAuth2Authorization,
  where: string,
  account: TestAccount,
  refreshToken: string,
  options: FlowOptions,
  edges: FlowEdges,
  reporter: FlowReporter,
): Promise<TokenSet | undefined> {
  const context = templateContext(authorization, account);
  const settings = authorization.oauth2;
  let tokenUrl = expandTemplate(settings.tokenUrl, context, { url: true, where: `${where}.tokenUrl` });
  requireHttpUrl(tokenUrl, `${where}.tokenUrl`);
  const parameters = expandRequestParameters(settings.refreshRequestParameters, context, `${where}.refreshRequestParameters`);
  if (edges.providerOverride) {
    ({ tokenUrl } = await edges.providerOverride(authorization, { redirectUri: options.redirectUrl ?? edges.relayRedirectUrl ?? '' }));
  }

  reporter.start('refresh', `Refreshing the access token at ${displayUrl(tokenUrl)}`);
  try {
    const tokens = await requestTokens(settings, tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken }, parameters, options, edges);
    reporter.succeed('refresh', 'Access token refreshed');
    return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
  } catch (error) {
    if (!isTestkitError(error, 'TOKEN_ENDPOINT_ERROR') || error.details.oauthError !== 'invalid_grant') throw error;
    const message = `The provider rejected the stored refresh token (invalid_grant${
      error.details.error_description ? `: ${String(error.details.error_description)}` : ''
    }).`;
    if (options.interactive) {
      reporter.warn(`${message} Starting a new login.`);
      return undefined;
    }
    throw new TestkitError('REFRESH_REJECTED', `${message} Run again with --reauth to log in anew.`, {
      cause: error,
      details: error.details,
    });
  }
}

async function login(
  authorization: OAuth2Authorization,
  where: string,
  account: TestAccount,
  options: FlowOptions,
  edges: FlowEdges,
  reporter: FlowReporter,
): Promise<{ tokens: TokenSet; redirectUri: string }> {
  const context = templateContext(authorization, account);
  const settings = authorization.oauth2;
  // Expand every template before anything opens, so a broken config fails fast and the same way under --mock.
  let authorizationUrl = expandTemplate(settings.authorizationUrl, context, { url: true, where: `${where}.authorizationUrl` });
  let tokenUrl = expandTemplate(settings.tokenUrl, context, { url: true, where: `${where}.tokenUrl` });
  const parameters = expandRequestParameters(settings.tokenRequestParameters, context, `${where}.tokenRequestParameters`);
  requireHttpUrl(authorizationUrl, `${where}.authorizationUrl`);
  requireHttpUrl(tokenUrl, `${where}.tokenUrl`);
  const useTunnel = options.tunnel !== false;
  if (useTunnel && !edges.openTunnel) {
    throw new TestkitError('USAGE', 'A tunnel is needed but none is configured. Pass --no-tunnel with a loopback --redirect-url.');
  }

  await edges.preflight?.();

  let server: CallbackServer | undefined;
  let tunnel: Tunnel | undefined;
  try {
    reporter.start('server', 'Starting the local callback server');
    server = await startCallbackServer({ port: options.port ?? 9002 });
    reporter.succeed('server', `Callback server listening on ${server.url}`);

    let publicCallback = server.callbackUrl;
    if (useTunnel && edges.openTunnel) {
      reporter.start('tunnel', 'Opening the ngrok tunnel');
      tunnel = await edges.openTunnel(server.port);
      publicCallback = `${tunnel.url.replace(/\/$/, '')}/callback`;
      reporter.succeed('tunnel', `Tunnel ${tunnel.url} → ${server.url}`);
    }

    const redirectUri =
      options.redirectUrl ??
      edges.relayRedirectUrl ??
      (useTunnel ? platformRedirectUrl(options.environment ?? 'production') : server.callbackUrl);
    if (edges.providerOverride) {
      ({ authorizationUrl, tokenUrl } = await edges.providerOverride(authorization, { redirectUri }));
    }

    const { state } = createState(publicCallback);
    server.expectState(state);
    server.allowHost(new URL(publicCallback).host);
    const redirectHost = URL.parse(redirectUri);
    if (redirectHost !== null && isLoopbackHost(redirectHost.hostname)) server.allowHost(redirectHost.host);
    const pkce = options.pkce === false ? undefined : createPkce();
    const url = buildAuthorizeUrl({
      authorizationUrl,
      clientId: settings.clientId,
      redirectUri,
      scopes: (settings.scopes ?? []).map((scope) => scope.name),
      state,
      pkce,
    });

    reporter.start('browser', 'Opening the authorization page');
    const callback = server.waitForCallback({ timeoutMs: options.timeoutMs ?? 300_000, signal: options.signal });
    // The wait may settle before the browser edge returns (a headless agent follows the redirect itself).
    callback.catch(() => {});
    await edges.openBrowser(url.toString());
    reporter.succeed('browser', `Authorization page: ${displayUrl(url.toString())}`);
    reporter.start('waiting', `Waiting for the provider to redirect to ${redirectUri}`);
    const { code } = await callback;
    reporter.succeed('waiting', 'Authorization code received');

    reporter.start('exchange', `Exchanging the code at ${displayUrl(tokenUrl)}`);
    const grant = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce?.verifier } as const;
    const tokens = await requestTokens(settings, tokenUrl, grant, parameters, options, edges);
    reporter.succeed('exchange', 'Tokens received');
    return { tokens, redirectUri };
  } finally {
    await Promise.allSettled([server?.close(), tunnel?.close()]);
  }
}

/** One token endpoint call with the authorization's content types and the expanded extra parameters. */
async function requestTokens(
  settings: OAuth2Settings,
  tokenUrl: string,
  grant: TokenGrant,
  parameters: ReturnType<typeof expandRequestParameters>,
  options: FlowOptions,
  edges: FlowEdges,
): Promise<TokenSet> {
  warnIfCleartext(tokenUrl, edges.reporter ?? silentReporter);
  return requestTokenSet({
    tokenUrl,
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
  });
}

/** The same warning twice in one run (a rejected refresh, then a login) is noise: each is shown once. */
/** Account values that are credentials: the reserved token names and what a grant reads from the account. */
const ACCOUNT_SECRET_KEYS = ['accessToken', 'refreshToken', 'password', 'assertion', 'privateKey', 'clientSecret', 'apiKey'];

function addRunSecrets(secrets: SecretRedactor, authorization: OAuth2Authorization, account: TestAccount | undefined): void {
  const { clientId, clientSecret } = authorization.oauth2;
  secrets.add(clientSecret);
  secrets.addBasic(clientId, clientSecret);
  for (const key of ACCOUNT_SECRET_KEYS) if (account !== undefined && Object.hasOwn(account, key)) secrets.add(account[key]);
  // Variables the platform types as passwords are secrets too.
  for (const [name, variable] of Object.entries(authorization.variables ?? {})) {
    const type = typeof variable === 'object' && variable !== null ? (variable as { type?: unknown }).type : undefined;
    if (type === 'password' && account !== undefined && Object.hasOwn(account, name)) secrets.add(account[name]);
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
  return {
    start: (step, text) => reporter.start(step, clean(text)),
    succeed: (step, text) => reporter.succeed(step, clean(text)),
    warn: (text) => reporter.warn(clean(text)),
  };
}

function warningsOnce(reporter: FlowReporter): FlowReporter {
  const shown = new Set<string>();
  return {
    start: (step, text) => reporter.start(step, text),
    succeed: (step, text) => reporter.succeed(step, text),
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
    throw new TestkitError('USAGE', `--redirect-url must be an absolute http(s) URL, got "${options.redirectUrl}".`);
  }
  // Without a tunnel, a loopback /callback redirect URL must reach our own callback server.
  const port = options.port ?? 9002;
  const loopback = isLoopbackHost(redirect.hostname);
  const redirectPort = Number(redirect.port || (redirect.protocol === 'https:' ? 443 : 80));
  if (options.tunnel === false && loopback && redirect.pathname === '/callback' && port !== 0 && redirectPort !== port) {
    throw new TestkitError(
      'USAGE',
      `--redirect-url points at port ${redirectPort} but the callback server listens on ${port}. Set OAUTH2_PORT=${redirectPort} or change --redirect-url.`,
    );
  }
}

/** A URL the flow will call or open must be absolute http(s) once its templates are expanded. */
function requireHttpUrl(value: string, where: string): void {
  const url = URL.parse(value);
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new TestkitError('CONFIG_INVALID', `${where} must be an absolute http(s) URL once its templates are expanded, got "${url === null ? oneLine(value, 80) : displayUrl(value)}". Fix it in the config.`, {
      details: { where },
    });
  }
}

