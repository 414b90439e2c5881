import { createPublicKey, verify, type JsonWebKeyInput, type KeyObject } from 'node:crypto';
import { grantedScopes } from '../engine/scope-policy.js';
import type { SigningJwk } from '../engine/keys.js';
import type { MemoryStore } from './memory-store.js';
import type { TokenInfo } from '../resource/bearer.js';

/** Seconds an expired-by-control token stays known, so the resource can say "expired" rather than "unknown". */
const EXPIRED_GRACE_SECONDS = 300;

/** The engine's models of access tokens: user tokens, and client_credentials tokens (stored apart by oidc-provider). */
const ACCESS_TOKEN_MODELS = ['AccessToken', 'ClientCredentials'] as const;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Token facts and scenario controls over one provider's own store. JWT access tokens are not stored by the
 * engine, so the IDs this instance issued are tracked here: a JWT signed by another instance (even with the
 * same keys and issuer) is unknown.
 */
export class TokenControls {
  readonly #store: MemoryStore;
  readonly #issuer: string;
  readonly #publicKeys: Map<string, KeyObject>;
  /** JWT access token ID → expiry (epoch ms), insertion order = issue order. */
  readonly jwtAccessTokens = new Map<string, number>();
  onChange: (() => void) | undefined;

  constructor(options: { store: MemoryStore; issuer: string; signingKeys: readonly SigningJwk[] }) {
    this.#store = options.store;
    this.#issuer = options.issuer;
    // JWT access tokens are ES256 (see engine-config); only those keys verify them.
    this.#publicKeys = new Map(
      options.signingKeys
        .filter((jwk) => jwk.alg === 'ES256')
        .map((jwk) => {
          const { d: _private, ...publicJwk } = jwk;
          return [jwk.kid, createPublicKey({ key: publicJwk, format: 'jwk' } as JsonWebKeyInput)];
        }),
    );
  }

  /** Called by the engine (`extraTokenClaims`) for each JWT access token it issues. */
  trackJwt(jti: string, ttlSeconds: number): void {
    const now = Date.now();
    for (const [id, expiresAt] of this.jwtAccessTokens) {
      if (expiresAt > now - EXPIRED_GRACE_SECONDS * 1000) break;
      this.jwtAccessTokens.delete(id);
    }
    this.jwtAccessTokens.set(jti, now + ttlSeconds * 1000);
    this.onChange?.();
  }

  /** Marks every access token of this provider expired now: user tokens and client_credentials tokens alike. */
  expireAccessTokens(): void {
    const now = nowSeconds();
    for (const model of ACCESS_TOKEN_MODELS) {
      for (const { key, payload } of this.#store.list(model)) {
        this.#store.set(model, key, { ...payload, exp: Math.min(payload.exp ?? now, now) }, EXPIRED_GRACE_SECONDS);
      }
    }
    for (const [id, expiresAt] of this.jwtAccessTokens) this.jwtAccessTokens.set(id, Math.min(expiresAt, now * 1000));
    this.onChange?.();
  }

  /** Deletes every refresh token of this provider: the next refresh gets `invalid_grant`. */
  revokeRefreshTokens(): void {
    for (const { key } of this.#store.list('RefreshToken')) this.#store.delete(key);
  }

  /** What this provider knows about an access token (opaque or JWT), or undefined. Never throws on garbage input. */
  async lookupAccessToken(token: string): Promise<TokenInfo | undefined> {
    if (token.split('.').length === 3) return this.#lookupJwt(token);
    const payload = this.#store.get(`AccessToken:${token}`) ?? this.#store.get(`ClientCredentials:${token}`);
    if (payload === undefined) return undefined;
    return {
      // A client_credentials token has no user: its subject is the client.
      accountId: String(payload.accountId ?? payload.clientId),
      clientId: String(payload.clientId),
      scopes: grantedScopes(payload.scope),
      expiresAt: typeof payload.exp === 'number' ? payload.exp : 0,
    };
  }

  #lookupJwt(token: string): TokenInfo | undefined {
    const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
    let header: { kid?: string; alg?: string };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    const key = header.kid === undefined ? undefined : this.#publicKeys.get(header.kid);
    if (key === undefined || header.alg !== 'ES256') return undefined;
    const valid = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signaturePart, 'base64url'));
    if (!valid || claims.iss !== this.#issuer || typeof claims.jti !== 'string') return undefined;
    const trackedExpiry = this.jwtAccessTokens.get(claims.jti);
    if (trackedExpiry === undefined) return undefined;
    const exp = typeof claims.exp === 'number' ? claims.exp : 0;
    return {
      accountId: String(claims.sub),
      clientId: String(claims.client_id),
      scopes: grantedScopes(claims.scope),
      expiresAt: Math.min(exp, Math.floor(trackedExpiry / 1000)),
    };
  }
}
