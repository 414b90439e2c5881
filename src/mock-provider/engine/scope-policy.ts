import type Provider from 'oidc-provider';
import type { KoaMiddleware } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { MockClient } from '../types.js';
import { ROUTES } from '../routes.js';
import { addEngineScopes } from './scopes.js';
import { basicCredentials } from '../../shared/basic-auth.js';

/**
 * Which scopes a client may ask for, in one place:
 *
 * - **Open** (zero configuration): a client that declares no `scopes`, on a provider created without `scopes`,
 *   may ask for any syntactically valid scope (RFC 6749 §3.3) and is granted it as asked — what most providers'
 *   apps do before anyone configures them, so `getTokens({ scope: 'read:issues' })` works on `createMockProvider()`.
 * - **Strict** (configured): a client that declares `scopes` may ask only for those (and the provider's
 *   `scopes`); a provider created with `scopes` limits clients that declare none to those plus
 *   `openid offline_access profile email`. Anything else is `invalid_scope` at the redirect URI, with a
 *   description that names the scope and the option to add it to.
 *
 * The engine (oidc-provider) silently drops every scope outside its own set, so an accepted scope is added to
 * that set before the engine reads the request; the number of scopes added this way is capped, so a client
 * that asks for ever new scopes cannot grow it without bound.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export interface ScopePolicyDeps {
  engine: () => Provider;
  clients: () => readonly MockClient[];
  /** `MockProviderOptions.scopes`, or empty. */
  providerScopes: readonly string[];
  /** Scopes every strict provider accepts (the OpenID ones and `offline_access`). */
  defaultScopes: readonly string[];
  /** Our copy of the engine's set (JWT resource servers read it); accepted scopes are added to it too. */
  known: Set<string>;
}

/** Most scopes an open provider accepts beyond those it started with. */
export const MAX_ADMITTED_SCOPES = 10_000;

/**
 * What a request without `scope` is given when its client declares none: the engine refuses to end an
 * authorization with nothing granted, so an internal scope stands for "none". It never leaves the provider:
 * {@link visibleScope} removes it from every answer.
 */
export const NO_SCOPE = 'mock-provider:no-scope';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** `scope` as the client may see it: without {@link NO_SCOPE}. */
export function visibleScope(scope: string): string {
  return scope.includes(NO_SCOPE)
    ? scope
        .split(' ')
        .filter((part) => part !== NO_SCOPE)
        .join(' ')
    : scope;
}

/** The scopes of a stored token's `scope` claim as the client may see them. */
export function grantedScopes(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter((part) => part !== '' && part !== NO_SCOPE) : [];
}

export class ScopePolicy {
  #admitted = 0;

  constructor(private readonly deps: ScopePolicyDeps) {}

  /** The scopes `clientId` may ask for, or undefined when it may ask for any. */
  allowed(clientId: string): ReadonlySet<string> | undefined {
    const client = this.deps.clients().find((candidate) => candidate.clientId === clientId);
    const declared = client?.scopes ?? [];
    if (declared.length > 0) return new Set([...declared, ...this.deps.providerScopes]);
    if (this.deps.providerScopes.length > 0) return new Set([...this.deps.defaultScopes, ...this.deps.providerScopes]);
    return undefined;
  }

  /**
   * Checks the scopes an authorization request asks for: throws the engine's `InvalidScope` for one the client
   * may not ask for, or one the engine does not keep (past {@link MAX_ADMITTED_SCOPES}).
   */
  check(clientId: string, requested: readonly string[]): void {
    const allowed = this.allowed(clientId);
    const refused = requested.filter((scope) => scope !== NO_SCOPE && (allowed === undefined ? !this.deps.known.has(scope) : !allowed.has(scope)));
    if (refused.length === 0) return;
    if (allowed !== undefined) throw new errors.InvalidScope(refusal(clientId, refused, allowed, this.deps.providerScopes.length > 0), refused.join(' '));
    throw new errors.InvalidScope(
      `The mock provider has accepted ${MAX_ADMITTED_SCOPES} different scopes, its limit; declare the client's scopes (scopes: [...]) or start a new provider.`,
      refused.join(' '),
    );
  }

  /** Makes the engine keep every valid scope an open client asks for (it drops unknown ones before any check). */
  admit(clientId: string, requested: readonly string[]): void {
    if (this.allowed(clientId) !== undefined) return;
    const fresh = requested.filter((scope) => SCOPE_TOKEN.test(scope) && !this.deps.known.has(scope));
    if (fresh.length === 0 || this.#admitted + fresh.length > MAX_ADMITTED_SCOPES) return;
    this.#admitted += fresh.length;
    for (const scope of fresh) this.deps.known.add(scope);
    addEngineScopes(this.deps.engine(), fresh);
  }

  /**
   * The engine's `extraParams.scope` validator, which runs once the client, redirect URI and PKCE are valid. It
   * reads the scope as the client sent it (the engine has already dropped what it does not know, and
   * `offline_access` unless `prompt=consent`, the OpenID rule) and puts `offline_access` back: a plain OAuth
   * client that asks for it gets it, as most providers grant it.
   */
  validator(): (ctx: { query: Record<string, unknown>; oidc: { params: Record<string, unknown> } }, value: unknown, client?: { clientId: string }) => void {
    return (ctx, _value, client) => {
      const sent = ctx.query.scope;
      if (typeof sent !== 'string' || client === undefined) return;
      const requested = [...new Set(sent.split(' ').filter((scope) => scope !== ''))];
      this.check(client.clientId, requested);
      const kept = typeof ctx.oidc.params.scope === 'string' ? ctx.oidc.params.scope.split(' ') : [];
      if (requested.includes('offline_access') && !kept.includes('offline_access')) ctx.oidc.params.scope = [...kept, 'offline_access'].join(' ');
    };
  }

  /**
   * The same rules for a token request of a grant that asks for scopes itself (`client_credentials`, `password`,
   * JWT bearer; the code and refresh grants carry the scopes of their grant): admits an open client's scopes before
   * the engine filters them, and answers `invalid_scope` (RFC 6749 §5.2) for one a strict client may not ask for.
   */
  tokenRequest(form: URLSearchParams, authorization: string | undefined): { error: string; error_description: string } | undefined {
    const grantType = form.get('grant_type');
    const scope = (form.get('scope') ?? '').trim();
    if (grantType === null || grantType === 'authorization_code' || grantType === 'refresh_token' || scope === '') return undefined;
    const clientId = form.get('client_id') ?? basicCredentials(authorization)?.id ?? '';
    const requested = [...new Set(scope.split(' ').filter((part) => part !== ''))];
    this.admit(clientId, requested);
    try {
      this.check(clientId, requested);
    } catch (error) {
      if (!(error instanceof errors.InvalidScope)) throw error;
      return { error: 'invalid_scope', error_description: (error as { error_description?: string }).error_description ?? error.message };
    }
    return undefined;
  }

  /**
   * In front of the engine's authorization endpoint: fills the `scope` of a request that has none (RFC 6749 §3.3
   * lets the server pick) with the client's declared scopes, else {@link NO_SCOPE} (no `openid`: OpenID
   * artefacts come only when asked for), and admits an open client's scopes before the engine filters them.
   */
  authorizationRequests(): KoaMiddleware {
    return async (ctx, next) => {
      if (ctx.path === ROUTES.authorization && ctx.method === 'GET') {
        const params = new URLSearchParams(ctx.querystring);
        const clientId = params.get('client_id') ?? '';
        const scope = (params.get('scope') ?? '').trim();
        if (scope === '') {
          const client = this.deps.clients().find((candidate) => candidate.clientId === clientId);
          params.set('scope', client !== undefined && client.scopes.length > 0 ? client.scopes.join(' ') : NO_SCOPE);
          ctx.querystring = params.toString();
        } else {
          this.admit(clientId, scope.split(' '));
        }
      }
      return next();
    };
  }
}

function refusal(clientId: string, refused: readonly string[], allowed: ReadonlySet<string>, providerWide: boolean): string {
  const list = refused.join(' ');
  const plural = refused.length === 1 ? '' : 's';
  const accepted = [...allowed].join(' ');
  return (
    `Mock client ${clientId} may not ask for scope${plural} ${list}: it accepts ${accepted}. ` +
    `Add ${refused.length === 1 ? 'it' : 'them'} to the client's scopes: [...]${providerWide ? " or the provider's scopes" : ''} ` +
    '(mock-provider: --scope), or leave scopes unset to accept any scope.'
  );
}
