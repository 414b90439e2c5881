/**
 * The provider-shape quirk dimensions: orthogonal, data-only options that make the mock answer like a given
 * provider (see /work/shared/providers.md §3 for the dimensions and the providers that need each value). Each
 * one is implemented once, in `scenario/<dimension>.ts`, as a transform around the engine call
 * (`scenario/provider-shape.ts`): request side before the engine, response side on its answer. A preset
 * (`presets/<provider>.ts`) is nothing but values for these options.
 */

/** A JSON value whose strings may hold `{variable}` placeholders (see `scenario/template.ts`). */
export type TemplateValue = string | number | boolean | null | readonly TemplateValue[] | { readonly [key: string]: TemplateValue };

/**
 * Where the provider's endpoints live. URLs may hold `{name}` variables in the host (`https://{subdomain}.zendesk.com/…`)
 * or the path (`/{tenant}/oauth2/v2.0/token`): any value matches, and `variables` gives the value used in the
 * concrete URLs the handle lists. Over HTTP each endpoint is served under the issuer at `/{host}{path}`.
 */
export interface EndpointsQuirk {
  authorization: string;
  token: string;
  revocation?: string;
  /** The calls a connector makes right after login to learn who logged in (GitHub `GET /user`, Slack `auth.test`…). */
  identity?: readonly IdentityEndpoint[];
  /** Value of each `{name}` variable in the listed URLs (matching accepts any value). */
  variables?: Readonly<Record<string, string>>;
}

export interface IdentityEndpoint {
  /** A name for `provider.endpoints` (`user`, `userinfo`, `accessibleResources`…). */
  name: string;
  url: string;
  /** Methods it answers; default `['GET']`. */
  methods?: readonly ('GET' | 'POST')[];
  /** Where the token is sent: `Authorization: Bearer` (default), or the last path segment (HubSpot's access-token info). */
  tokenIn?: 'header' | 'path';
  /** The answer for a valid token; `{user.*}` placeholders are the token's mock user. `null`: an empty body. */
  body: TemplateValue;
  /** The answer for a missing, unknown, expired or revoked token. */
  invalid: { status: number; body: TemplateValue; headers?: Readonly<Record<string, string>> };
}

/**
 * When the code exchange hands out a refresh token: `'always'`, `'never'`, only when a scope was granted
 * (`{ scope: 'offline_access' }`), or only when the authorization request carried a parameter
 * (`{ param: 'access_type', value: 'offline' }`).
 */
export type RefreshTokenWhen = 'always' | 'never' | { scope: string } | { param: string; value: string };

/** Refresh tokens only on the first consent of a user to a client, unless the authorization request carried this parameter (Google `prompt=consent`). */
export interface FirstConsentOnly {
  unlessParam: string;
  value: string;
}

/** Token request body encodings the token endpoint accepts. */
export type TokenRequestFormat = 'form' | 'json';

/**
 * Grants a token request may leave `grant_type` out for: without it, a request carrying `code` is an
 * `authorization_code` exchange (GitHub), one carrying `refresh_token` a `refresh_token` grant, when listed here.
 */
export type OptionalGrantType = 'authorization_code' | 'refresh_token';

/** Client authentication at the token endpoint: `either` (Basic or body), `body` only, `basic` required. */
export type ClientAuthQuirk = 'either' | 'body' | 'basic';

/** How the token answer is encoded: JSON, or form-encoded unless the request sent `Accept: application/json` (GitHub). */
export type TokenResponseEncoding = 'json' | 'form-unless-accept-json';

/** `scope` in the token answer: its field name and format. */
export interface ResponseScope {
  /** Default `scope`. */
  field?: string;
  format: 'space' | 'comma' | 'array' | 'empty' | 'absent';
}

/** A second, user-level token nested in the answer (Slack `authed_user`), asked for with its own scope parameter. */
export interface UserToken {
  /** The authorization parameter that carries the user scopes (`user_scope`). */
  scopeParam: string;
  /** The member of the token answer it sits under (`authed_user`). */
  at: string;
  tokenType: string;
  /** Prefix of the nested user access token (Slack `xoxp-`); default `accessTokenPrefix`. */
  accessTokenPrefix?: string;
}

export type ErrorCondition = 'badCode' | 'badRefresh' | 'badClient' | 'badRequest' | 'unsupportedFormat' | 'other';

/** What one error condition answers: its HTTP status, error code, description, and a provider number (`{code}`). */
export interface ErrorAnswer {
  status?: number;
  error?: string;
  description?: string;
  code?: string | number;
}

/**
 * How token endpoint errors look. `body` is a template over `{error}`, `{description}`, `{code}`, `{uuid}`,
 * `{timestamp}`; default `{ error, error_description }`. `status` overrides every status (GitHub: 200).
 */
export interface ErrorStyle {
  status?: number;
  body?: TemplateValue;
  headers?: Readonly<Record<string, string>>;
  conditions?: Partial<Record<ErrorCondition, ErrorAnswer>>;
}

/**
 * What a refresh does to the refresh token:
 * - `static`: it keeps working; the answer repeats it (`echo`, default) or leaves it out (`echo: false`: Google, Dropbox).
 * - `rotate`: each refresh returns a new one. The previous one dies at once, or after `graceSeconds` (Atlassian),
 *   or never (`revokePrevious: false`: Entra). `revokePreviousAccessToken` kills the previous access token with
 *   it; `reuse: 'revoke-grant'` kills the whole family when a dead one is replayed; `idempotentUntilUsed` answers
 *   a replay with the same pair until the new refresh token is used (Box).
 */
export interface RefreshPolicy {
  mode: 'static' | 'rotate';
  echo?: boolean;
  graceSeconds?: number;
  revokePrevious?: boolean;
  revokePreviousAccessToken?: boolean;
  reuse?: 'reject' | 'revoke-grant';
  idempotentUntilUsed?: boolean;
}

/** The provider-shape dimensions, part of `quirks`. All unset: the mock is the plain RFC 6749 server it always was. */
export interface ProviderShapeQuirks {
  endpoints?: EndpointsQuirk;
  /** Separator of scopes in the authorization request (and of `scope` in the answer unless `responseScope` says otherwise). Default `' '`. */
  scopeSeparator?: ' ' | ',';
  userToken?: UserToken;
  /**
   * Authorization parameters the provider requires: name → the value it must have, or `true` for any value
   * (Atlassian `audience=api.atlassian.com`). A missing or different one is refused with `invalid_request`
   * naming it, delivered as `authorizeErrorDelivery` says.
   */
  requiredAuthorizeParams?: Readonly<Record<string, string | true>>;
  /** Authorization parameters the provider refuses (same answer as a missing required one). */
  forbiddenAuthorizeParams?: readonly string[];
  /**
   * How a refused authorization parameter is answered: `redirect` (default; RFC 6749 §4.1.2.1, to a registered
   * redirect URI only, with `state`) or `page` (the provider's own error page, HTTP 400).
   */
  authorizeErrorDelivery?: 'redirect' | 'page';
  refreshTokenWhen?: RefreshTokenWhen;
  refreshTokenFirstConsentOnly?: FirstConsentOnly;
  /** Default `['form']` (`['form', 'json']` with `jsonTokenRequests`). */
  tokenRequestFormats?: readonly TokenRequestFormat[];
  /** Default `either`. */
  clientAuth?: ClientAuthQuirk;
  /** Grants the token endpoint infers when `grant_type` is absent (default none: `grant_type` is required). */
  grantTypeOptional?: readonly OptionalGrantType[];
  /** Default `json` (`form-unless-accept-json` with `formTokenResponses`). */
  tokenResponseEncoding?: TokenResponseEncoding;
  /** `true`: a success answer carries `ok: true` (Slack's envelope). */
  okEnvelope?: boolean;
  /** `token_type` as the provider spells it (`bearer`, `Bearer`, `bot`). */
  tokenType?: string;
  /**
   * Prefix the answer's access token carries (GitHub `gho_`, Slack `xoxb-`, Dropbox `sl.`), so connectors that
   * check a token's shape pass; the prefixed value is accepted wherever the token is presented.
   */
  accessTokenPrefix?: string;
  /** Prefix the answer's refresh token carries (GitHub App `ghr_`). */
  refreshTokenPrefix?: string;
  /** `false`: no `expires_in` in the answer (GitHub OAuth App, Salesforce, Notion). */
  expiresIn?: boolean;
  responseScope?: ResponseScope;
  /** Fields added to every successful token answer (templates over `{now}`, `{nowMs}`, `{user.*}`, `{client_id}`, `{expires_in}`, `{issuer}`). */
  extraTokenFields?: Readonly<Record<string, TemplateValue>>;
  /** Fields added when the answer carries a refresh token (`refresh_token_expires_in`). */
  refreshTokenFields?: Readonly<Record<string, TemplateValue>>;
  /** Only these fields in a refresh answer (Dropbox: `access_token`, `token_type`, `expires_in`). */
  refreshResponseFields?: readonly string[];
  errorStyle?: ErrorStyle;
  refreshPolicy?: RefreshPolicy;
}
