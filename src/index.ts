/**
 * `oauth2-testkit`: the OAuth 2 flow of `integration-cli oauth2` as a library. Load a `.unito.json`, pick its
 * authorization, and run the flow with your own edges (browser, tunnel, fetch, provider, reporter).
 *
 * Imports nothing from msw, nock, vitest or the mock provider. Internals (template context, state encoding,
 * config lock, ngrok option parsing, the relay's request handler) are not part of this surface.
 *
 * @example
 * import { runOAuth2Flow } from 'oauth2-testkit';
 * const result = await runOAuth2Flow(
 *   { configPath: '.unito.json', tunnel: false, port: 0 },
 *   { browser: async (url) => console.error(`Open ${url}`) },
 * );
 */
export { TestkitError, TokenEndpointError, isTestkitError } from './shared/errors.js';
export type { TestkitErrorCode, TestkitErrorOptions, TokenEndpointErrorFields } from './shared/errors.js';
export { DEFAULT_CALLBACK_PORT } from './shared/defaults.js';
export { maskSecret } from './shared/mask.js';
export { getTestAccount, listAuthorizations, loadConfig, selectAuthorization } from './flow/config.js';
export type { SelectedAuthorization } from './flow/config.js';
export { buildAuthorizeUrl, createPkce, platformRedirectUrl, ENVIRONMENTS, RELAY_PATH } from './flow/authorize-url.js';
export type { BuildAuthorizeUrlOptions, Pkce } from './flow/authorize-url.js';
export { startCallbackServer } from './flow/callback-server.js';
export type { CallbackResult, CallbackServer, StartCallbackServerOptions } from './flow/callback-server.js';
export { processTokenResponse, tokenRequest } from './flow/token-client.js';
export type { ProcessTokenResponseOptions, TokenGrant, TokenRequestOptions } from './flow/token-client.js';
export { createNgrokTunnel } from './flow/tunnel.js';
export type { OpenTunnel, Tunnel } from './flow/tunnel.js';
export { isAllowedCallback, startRelayServer } from './flow/relay.js';
export type { RelayServer } from './flow/relay.js';
export { runOAuth2Flow } from './flow/run-flow.js';
export type { FlowEdges, FlowOptions, FlowReporter, FlowResult, FlowStep, FlowTunnel, OpenBrowser, ProviderOverride } from './flow/run-flow.js';
export type { FlowHttpEvent } from './flow/http-log.js';
export type {
  Authorization,
  LoadedConfig,
  OAuth2Authorization,
  OAuth2Scope,
  OAuth2Settings,
  RequestContentType,
  RequestParameters,
  TestAccount,
  TokenSet,
  UnitoConfig,
} from './flow/types.js';
export { RESERVED_CREDENTIAL_NAMES } from './flow/types.js';
