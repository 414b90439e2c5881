import type Provider from 'oidc-provider';
import type { KoaMiddleware } from 'oidc-provider';
import { errors } from 'oidc-provider';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';
import { issueTokens } from 'oidc-provider/lib/helpers/grant_common.js';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { ROUTES } from '../routes.js';
import { invalidGrant, JWT_BEARER_GRANT_TYPE, verifyAssertion } from './assertions.js';
import type { MockClient, MockUser } from '../types.js';

/** Most assertion IDs remembered for replay detection (oldest forgotten first): bounded memory under any load. */
export const MAX_SEEN_ASSERTIONS = 10_000;

export interface GrantDeps {
  clients: () => readonly MockClient[];
  users: () => readonly MockUser[];
  /** The token endpoint URL: the `aud` an assertion must name (RFC 7523 §3, item 3), besides the issuer. */
  tokenUrl: string;
  issuer: string;
  /** Resource indicator of JWT access tokens, undefined for opaque ones. */
  jwtResource: string | undefined;
  /** Epoch seconds. */
  now?: () => number;
}

/** The part of the engine's token-endpoint context a grant handler reads. */
interface GrantContext {
  oidc: {
    params: Record<string, string | undefined>;
    client: { clientId: string };
    provider: Provider;
    entity(name: string, value: unknown): void;
  };
  body: unknown;
}

/**
 * Registers the grants oidc-provider does not ship — `password` (RFC 6749 §4.3) and the JWT bearer grant
 * (RFC 7523) — as custom grants of `engine` (`registerGrantType`), and gives the engine's own
 * `client_credentials` the client's declared scopes when the request names none. Both custom grants issue their
 * tokens the way the code exchange does (`issueTokens`: access token, refresh token when the client may refresh,
 * ID token for `openid`), under a fresh grant, so refresh, revocation, introspection and `expireAccessTokens()`
 * treat them alike. Reaches into oidc-provider internals (pinned major 9) for the grant helpers.
 */
export function registerGrants(engine: Provider, deps: GrantDeps): void {
  const helpers = Object.fromEntries(
    Object.entries(grantHelpers).map(([name, helper]) => [name, (helper as (...args: unknown[]) => unknown).bind(undefined, engine)]),
  ) as unknown as BoundHelpers;
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const clientOf = (ctx: GrantContext): MockClient | undefined => deps.clients().find((client) => client.clientId === ctx.oidc.client.clientId);
  const seen = new SeenAssertions();

  const issueUserTokens = async (ctx: GrantContext, accountId: string, gty: string): Promise<void> => {
    const { params, client } = ctx.oidc;
    if (params.scope === undefined) {
      const declared = clientOf(ctx)?.scopes ?? [];
      if (declared.length > 0) params.scope = declared.join(' ');
    }
    // Only scopes the engine knows, as its own client_credentials and code flow grant them.
    const known = instance(engine)?.configuration?.scopes;
    const scopes = [...helpers.validateClientScope(ctx)].filter((scope) => scope !== '' && (known === undefined || known.has(scope)));
    const scope = scopes.join(' ');
    const grant = new engine.Grant({ accountId, clientId: client.clientId });
    if (scope !== '') grant.addOIDCScope(scope);
    if (deps.jwtResource !== undefined) grant.addResourceScope(deps.jwtResource, scope);
    await grant.save();
    ctx.oidc.entity('Grant', grant);
    const source = {
      accountId,
      grantId: grant.jti,
      scope,
      scopes: new Set(scopes),
      resource: deps.jwtResource,
      resourceIndicators: new Set(deps.jwtResource === undefined ? [] : [deps.jwtResource]),
      expiresWithSession: false,
      authTime: now(),
    };
    await issueTokens(engine, helpers, ctx, source, grant, { gty, entityLabel: gty });
  };

  engine.registerGrantType(
    'password',
    async (ctx: GrantContext) => {
      const { username, password } = ctx.oidc.params;
      if (username === undefined || username === '') throw new errors.InvalidRequest('missing required parameter username');
      if (password === undefined) throw new errors.InvalidRequest('missing required parameter password');
      const user = deps.users().find((candidate) => candidate.id === username);
      if (user === undefined) throw invalidGrant(`unknown username ${JSON.stringify(username)}`);
      if (password === '') throw invalidGrant('the password is empty');
      if (user.password !== undefined && user.password !== password) throw invalidGrant(`wrong password for user ${JSON.stringify(username)}`);
      await issueUserTokens(ctx, user.id, 'password');
    },
    ['username', 'password', 'scope'],
  );

  engine.registerGrantType(
    JWT_BEARER_GRANT_TYPE,
    async (ctx: GrantContext) => {
      const { assertion } = ctx.oidc.params;
      if (assertion === undefined || assertion === '') throw new errors.InvalidRequest('missing required parameter assertion');
      const client = clientOf(ctx);
      if (client === undefined) throw new errors.InvalidClient('client not found');
      const claims = await verifyAssertion(assertion, client, { tokenUrl: deps.tokenUrl, issuer: deps.issuer, now: now() });
      const expected = client.jwtBearer?.issuer ?? client.clientId;
      if (!seen.add(`${expected} ${String(claims.jti)}`, Number(claims.exp))) {
        throw invalidGrant(`assertion jti ${JSON.stringify(claims.jti)} was already used (RFC 7523 §3: each assertion once)`);
      }
      const users = deps.users();
      const user = claims.sub === undefined ? users[0] : users.find((candidate) => candidate.id === claims.sub);
      if (user === undefined) {
        throw invalidGrant(
          claims.sub === undefined
            ? 'assertion has no sub and the provider has no user'
            : `assertion sub ${JSON.stringify(claims.sub)} is not a user of this provider`,
        );
      }
      await issueUserTokens(ctx, user.id, JWT_BEARER_GRANT_TYPE);
    },
    ['assertion', 'scope'],
  );

  const handlers = instance(engine)?.grantTypeHandlers;
  const clientCredentials = handlers?.get('client_credentials');
  if (handlers !== undefined && clientCredentials !== undefined) {
    handlers.set('client_credentials', async (ctx: GrantContext) => {
      if (ctx.oidc.params.scope === undefined) {
        const declared = clientOf(ctx)?.scopes ?? [];
        if (declared.length > 0) ctx.oidc.params.scope = declared.join(' ');
      }
      await clientCredentials(ctx);
    });
  }
}

interface BoundHelpers {
  validateClientScope(ctx: GrantContext): Set<string>;
  [name: string]: unknown;
}

/** Assertion IDs already used, each until its assertion expires; at most {@link MAX_SEEN_ASSERTIONS}. */
class SeenAssertions {
  readonly #expiries = new Map<string, number>();

  /** False when `key` is already known (a replay); else remembers it until `exp` (epoch seconds). */
  add(key: string, exp: number): boolean {
    const now = Date.now() / 1000;
    for (const [old, expiresAt] of this.#expiries) {
      if (expiresAt > now && this.#expiries.size < MAX_SEEN_ASSERTIONS) break;
      this.#expiries.delete(old);
    }
    const known = this.#expiries.get(key);
    if (known !== undefined && known > now) return false;
    this.#expiries.set(key, exp);
    return true;
  }
}

/**
 * oidc-provider answers a grant the client did not register with `invalid_request`; RFC 6749 §5.2 names it
 * `unauthorized_client`. Rewrites that one answer of the token endpoint, naming the grant and the fix.
 */
export function unauthorizedClientAnswers(): KoaMiddleware {
  return async (ctx, next) => {
    await next();
    if (ctx.path !== ROUTES.token || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || body.error !== 'invalid_request') return;
    if (body.error_description !== 'requested grant type is not allowed for this client') return;
    const params = (ctx.oidc as { params?: { grant_type?: unknown; client_id?: unknown } } | undefined)?.params;
    const client = (ctx.oidc as { client?: { clientId?: string } } | undefined)?.client?.clientId;
    const grant = typeof params?.grant_type === 'string' ? params.grant_type : 'requested';
    const who = client === undefined ? 'the client' : `client ${client}`;
    ctx.body = { error: 'unauthorized_client', error_description: `${who} may not use the ${grant} grant (declare it in the client's grantTypes)` };
  };
}
