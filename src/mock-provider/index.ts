/**
 * `oauth2-testkit/mock-provider`: one OAuth 2 engine (oidc-provider) with a scenario layer, served over HTTP
 * (`startMockProvider`) or in-process (`createMockProvider` + `handle()`/`fetch`, msw, nock).
 */
export { createMockProvider } from './create-mock-provider.js';
export { MockProviderOptionsError, isMockProviderOptionsError } from './options-error.js';
export type { MockProvider, MockProviderEngine } from './types.js';
export { startMockProvider } from './transport/http-listener.js';
export { mockGrantSetup } from './grant-setup.js';
export type { MockGrantSetup, MockGrantSetupInput } from './grant-setup.js';
export { JWT_BEARER_GRANT_TYPE, publicKeyOf, signAssertion } from './engine/assertions.js';
export { GRANT_TYPES } from './engine/grant-types.js';
export { connectMockProvider } from './control/client.js';
export type { ConnectMockProviderOptions, RemoteMockProvider } from './control/client.js';
export { createUserAgent } from './user-agent/user-agent.js';
export type { NavigateOptions, NavigateResult, UserAgent } from './user-agent/user-agent.js';
export type {
  AuthorizeOptions,
  AuthorizeResult,
  GetTokensOptions,
  JwtBearerOptions,
  MockClient,
  MockClientOptions,
  MockGrantType,
  MockJwks,
  MockProviderControl,
  MockProviderOptions,
  MockUser,
  MockUserOptions,
  QuirksOptions,
  RawRequest,
  RawResponse,
  TokenResponse,
} from './types.js';
export type { Endpoint, FaultSpec } from './scenario/faults.js';
export type { Quirks, QuirkName } from './scenario/quirks.js';
export { QUIRK_HELP, QUIRK_NAMES } from './scenario/quirks.js';
export { ENDPOINTS } from './scenario/faults.js';
export type { RecordedRequest } from './scenario/recorder.js';
export type { TokenInfo } from './resource/bearer.js';
export type { BearerContext, BearerVerdict, WithBearerOptions } from './resource/bearer-context.js';
// The defaults a test composes with (the default client, its redirect URIs, users, scopes, TTLs); the rest of
// defaults.ts is internal.
export {
  DEFAULT_ACCESS_TOKEN_TTL,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_IN_PROCESS_ISSUER,
  DEFAULT_REDIRECT_URIS,
  DEFAULT_REFRESH_TOKEN_TTL,
  DEFAULT_SCOPES,
  DEFAULT_USERS,
} from './defaults.js';
export { CONTROL_PREFIX, ROUTES } from './routes.js';
// The request body cap (1 MiB, 413 beyond): what an adapter reading a stream for handleRaw() need not read past.
export { MAX_REQUEST_BODY_BYTES } from './transport/request-body.js';
export { PRESETS, PRESET_NAMES } from './presets/index.js';
export type { PresetDefinition, PresetName } from './presets/index.js';
export type {
  ClientAuthQuirk,
  EndpointsQuirk,
  ErrorAnswer,
  ErrorCondition,
  ErrorStyle,
  IdentityEndpoint,
  ProviderShapeQuirks,
  RefreshPolicy,
  RefreshTokenWhen,
  ResponseScope,
  TemplateValue,
  TokenRequestFormat,
  TokenResponseEncoding,
  UserToken,
} from './scenario/dimensions.js';
export type { RouteName } from './routes.js';
