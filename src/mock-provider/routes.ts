/**
 * Every endpoint path of the mock, relative to the issuer: the one table the engine's `routes` configuration,
 * the handle's URLs, the scenario layer (faults, recorder), the login routes and the resource use.
 */
export const ROUTES = {
  /** Authorization endpoint (oidc-provider's `authorization` route). */
  authorization: '/auth',
  /** Token endpoint: every grant, refresh included. */
  token: '/token',
  /** OpenID userinfo (needs an `openid` token). */
  userinfo: '/me',
  /** The protected resource, the stand-in for a provider's API (any token). */
  resource: '/api/me',
  /** RFC 7009 revocation. */
  revocation: '/token/revocation',
  /** RFC 7662 introspection. */
  introspection: '/token/introspection',
  /** The signing keys (JWKS). */
  jwks: '/jwks',
} as const;

/** Name of an endpoint in {@link ROUTES}. */
export type RouteName = keyof typeof ROUTES;

/** Prefix of the login and consent interaction routes (`/interaction/:uid[/login|/confirm|/abort]`). */
export const INTERACTION_PREFIX = '/interaction/';

/**
 * Prefix of the control API and the inspector page (`control/`), served by the HTTP listener beside the engine
 * when `control` is on: never an engine path, never in discovery, never recorded as a provider request.
 */
export const CONTROL_PREFIX = '/_testkit';

/** oidc-provider's `routes` configuration for the engine endpoints of {@link ROUTES} (the resource is ours). */
export const ENGINE_ROUTES = {
  authorization: ROUTES.authorization,
  token: ROUTES.token,
  userinfo: ROUTES.userinfo,
  revocation: ROUTES.revocation,
  introspection: ROUTES.introspection,
  jwks: ROUTES.jwks,
} as const;
