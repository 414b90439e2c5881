/**
 * `oauth2-testkit`: the OAuth 2 flow of `integration-cli oauth2` as a library. Load a `.unito.json`, pick its
 * authorization, and run the flow with your own edges (browser, tunnel, fetch, reporter).
 *
 * Imports nothing from msw, nock, vitest or the mock provider.
 *
 * @example
 * import { runOAuth2Flow } from 'oauth2-testkit';
 * const result = await runOAuth2Flow(
 *   { configPath: '.unito.json', tunnel: false, port: 0 },
 *   { openBrowser: async (url) => console.error(`Open ${url}`) },
 * );
 */
export { TestkitError, isTestkitError } from './shared/errors.js';
export type { TestkitErrorCode } from './shared/errors.js';
export { maskSecret } from './shared/mask.js';
export { getTestAccount, listAuthorizations, loadConfig, selectAuthorization } from './flow/config.js';
export { expandRequestParameters, expandTemplate, templateContext } from './flow/template.js';
export { buildAuthorizeUrl, createPkce, createState, decodeState, encodeState, platformRedirectUrl, ENVIRONMENTS, RELAY_PATH } from './flow/authorize-url.js';
export { startCallbackServer } from './flow/callback-server.js';
export type { CallbackServer } from './flow/callback-server.js';
export { processTokenResponse, tokenRequest } from './flow/token-client.js';
export { acquireConfigLock, saveTokens } from './flow/token-store.js';
export { createNgrokTunnel, resolveNgrokOptions } from './flow/tunnel.js';
export type { OpenTunnel, Tunnel } from './flow/tunnel.js';
export { createRelayHandler, isAllowedCallback, startRelayServer } from './flow/relay.js';
export { runOAuth2Flow } from './flow/run-flow.js';
export type { FlowEdges, FlowOptions, FlowReporter, FlowResult, FlowStep, ProviderOverride } from './flow/run-flow.js';
export type * from './flow/types.js';
export { RESERVED_CREDENTIAL_NAMES } from './flow/types.js';
