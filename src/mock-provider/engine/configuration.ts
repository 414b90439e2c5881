import type { Configuration, KoaContext } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { CLOCK_TOLERANCE, DEFAULT_AUTHORIZATION_CODE_TTL, DEFAULT_SESSION_TTL } from '../defaults.js';
import { ENGINE_ROUTES, INTERACTION_PREFIX } from '../routes.js';
import type { ProviderKeys } from './keys.js';
import type { MemoryStore } from '../state/memory-store.js';
import { renderErrorPage } from '../login/pages.js';
import type { MockUser } from '../types.js';
import { NO_SCOPE } from './scope-policy.js';

/** The claims each OpenID Connect scope releases at userinfo (OIDC Core §5.4); `sub` is always released. */
export const OIDC_SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'],
  email: ['email', 'email_verified'],
};

export interface EngineSettings {
  store: MemoryStore;
  keys: ProviderKeys;
  /** Live set: scopes added at runtime (registerClient, open clients) are accepted at once. */
  scopes: Set<string>;
  /** The `scope` check of authorization requests (`ScopePolicy.validator()`). */
  scopeValidator: (ctx: never, value: unknown, client?: never) => void;
  users: () => readonly MockUser[];
  accessTokenTtl: number;
  refreshTokenTtl: number;
  rotateRefreshTokens: boolean;
  /** Resource indicator of JWT access tokens, undefined for opaque ones. */
  jwtResource: string | undefined;
  onJwtIssued: (jti: string, ttlSeconds: number) => void;
  /** `interactions.policy`; the engine's default (login, then consent) when undefined. */
  interactionPolicy?: unknown[] | undefined;
}

/** The account oidc-provider's `findAccount` resolves for a user id, or undefined for an unknown user. */
export function mockAccount(users: readonly MockUser[], sub: string): { accountId: string; claims(): Promise<Record<string, unknown>> } | undefined {
  const user = users.find((candidate) => candidate.id === sub);
  if (user === undefined) return undefined;
  return { accountId: sub, claims: async () => ({ ...user.claims, sub }) };
}

interface TokenLike {
  jti?: string;
  kind?: string;
  clientId?: string;
  format?: string;
  resourceServer?: unknown;
}

/**
 * oidc-provider configuration, set around the traps listed in DESIGN.md. Every default function the engine
 * would otherwise call (and announce with a console notice) is supplied, so a normal run prints nothing.
 */
export function engineConfiguration(settings: EngineSettings): Configuration {
  const { accessTokenTtl, refreshTokenTtl, jwtResource } = settings;
  return {
    adapter: settings.store.factory,
    clients: [],
    jwks: { keys: settings.keys.signing },
    cookies: { keys: settings.keys.cookies },
    // 15 s by default: a token a test expired by time travel would still be accepted.
    clockTolerance: CLOCK_TOLERANCE,
    scopes: settings.scopes,
    claims: Object.fromEntries(Object.entries(OIDC_SCOPE_CLAIMS).map(([scope, claims]) => [scope, [...claims]])),
    // A scope the client may not ask for is an error at the redirect URI, not silently dropped (see scope-policy.ts).
    extraParams: { scope: settings.scopeValidator as (ctx: unknown, value: unknown) => void },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      // The OpenID Connect default, which clients assume unless they register another.
      id_token_signed_response_alg: 'RS256',
    },
    async findAccount(_ctx: unknown, sub: string) {
      return mockAccount(settings.users(), sub);
    },
    // Refresh tokens whenever the client may refresh: no `offline_access`, no `prompt=consent` (the trap).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => settings.rotateRefreshTokens,
    // Tokens outlive the short login session (the default ties them to it without offline_access).
    expiresWithSession: async () => false,
    // RFC 9700 §2.1.1: PKCE for public clients; confidential clients may omit it, and it is verified when sent.
    pkce: { required: (_ctx: unknown, client: { clientAuthMethod: string }) => client.clientAuthMethod === 'none' },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      IdToken: accessTokenTtl,
      AuthorizationCode: DEFAULT_AUTHORIZATION_CODE_TTL,
      RefreshToken: refreshTokenTtl,
      Grant: refreshTokenTtl,
      Interaction: DEFAULT_SESSION_TTL,
      Session: DEFAULT_SESSION_TTL,
      DeviceCode: DEFAULT_SESSION_TTL,
      BackchannelAuthenticationRequest: DEFAULT_SESSION_TTL,
    },
    routes: { ...ENGINE_ROUTES },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PREFIX}${interaction.uid}`,
      ...(settings.interactionPolicy === undefined ? {} : { policy: settings.interactionPolicy }),
    },
    // Browser-based test clients (SPAs, Playwright pages) may call the token endpoint from any origin; a mock guards nothing.
    clientBasedCORS: () => true,
    extraTokenClaims: async (_ctx: unknown, token: TokenLike) => {
      const accessToken = token.kind === 'AccessToken' || token.kind === 'ClientCredentials';
      if (jwtResource !== undefined && accessToken && token.jti !== undefined && token.resourceServer !== undefined) {
        settings.onJwtIssued(token.jti, accessTokenTtl);
      }
      // A client_credentials token's subject is its client (RFC 9068 §2.2 does the same for JWTs): introspection says so.
      return token.kind === 'ClientCredentials' && token.clientId !== undefined ? { sub: token.clientId } : undefined;
    },
    async renderError(ctx: KoaContext, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = renderErrorPage({ title: 'Authorization failed', message: `${out.error ?? 'error'}: ${out.error_description ?? ''}` });
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf ?? jwtResource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => {
          if (jwtResource === undefined || resourceIndicator !== jwtResource) throw new errors.InvalidTarget();
          return {
            scope: [...settings.scopes].filter((scope) => scope !== NO_SCOPE).join(' '),
            audience: jwtResource,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  };
}
