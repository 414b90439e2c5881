import { randomBytes } from 'node:crypto';
import type { RefreshPolicy } from './dimensions.js';

/** One refresh token a client holds under a policy, as the state file keeps it. */
export interface Alias {
  /** The engine's refresh token it stands for (the engine runs without rotation under a policy). */
  engine: string;
  family: string;
  accessToken: string | undefined;
  /** Epoch seconds from which it is refused. */
  deadAt?: number;
  previous?: string;
  next?: string;
  /** The answer its first use got (replayed by `idempotentUntilUsed`). */
  answer?: Record<string, unknown>;
}

/** Most refresh tokens remembered per provider; the oldest are forgotten (a forgotten one is refused). */
const MAX_ALIASES = 10_000;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export type RefreshVerdict = { kind: 'engine'; token: string } | { kind: 'replay'; answer: Record<string, unknown> } | { kind: 'refused'; description: string };

export interface RefreshPolicyDeps {
  /** Makes an access token expire at `at` (epoch seconds). */
  expireAccessToken(token: string, at: number): void;
  /** Deletes the engine's refresh token (the whole family is dead). */
  dropRefreshToken(token: string): void;
}

/**
 * `quirks.refreshPolicy`, on top of an engine that never rotates: the refresh tokens a client sees are ours
 * (aliases of the engine's one), so rotation, a grace window, rotation without revocation and idempotent replay
 * are each a rule over this table rather than an engine mode. Time is `Date.now()`: tests time-travel, nothing waits.
 */
export class RefreshFamilies {
  readonly #aliases = new Map<string, Alias>();

  constructor(
    private readonly policy: RefreshPolicy,
    private readonly deps: RefreshPolicyDeps,
  ) {}

  /** Called after every change of the table (the state file's writer, so the tokens a client holds survive a restart). */
  onChange: (() => void) | undefined;

  /** The table, oldest first, for the state file. */
  serialize(): [string, Alias][] {
    return [...this.#aliases].map(([token, alias]) => [token, { ...alias }]);
  }

  /** Restores a table {@link serialize} gave (entries that are not aliases are skipped). */
  load(entries: readonly unknown[]): void {
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const alias = entry[1] as Partial<Alias> | null;
      if (alias === null || typeof alias !== 'object' || typeof alias.engine !== 'string' || typeof alias.family !== 'string') continue;
      this.#aliases.set(entry[0], { ...(alias as Alias) });
    }
  }

  /** Forgets every refresh token (the provider's reset()). */
  clear(): void {
    this.#aliases.clear();
  }

  get rotates(): boolean {
    return this.policy.mode === 'rotate';
  }

  /** A code exchange issued `engine` with `accessToken`: the refresh token the client gets. */
  issue(engine: string, accessToken: string | undefined): string {
    return this.#add({ engine, family: randomBytes(8).toString('hex'), accessToken });
  }

  /** A refresh request sent `token`: what the engine should see, a replayed answer, or a refusal. */
  check(token: string): RefreshVerdict {
    const alias = this.#aliases.get(token);
    if (alias === undefined) return { kind: 'engine', token };
    const now = nowSeconds();
    if (alias.deadAt !== undefined && now >= alias.deadAt) {
      if (this.policy.reuse === 'revoke-grant') {
        this.#revokeFamily(alias.family);
        this.onChange?.();
      }
      return { kind: 'refused', description: 'The refresh token was already used (rotated).' };
    }
    if (this.policy.idempotentUntilUsed === true && alias.answer !== undefined) return { kind: 'replay', answer: { ...alias.answer } };
    return { kind: 'engine', token: alias.engine };
  }

  /** A refresh with `token` succeeded with `answer`: rotates per the policy and returns the refresh token to send. */
  rotated(token: string, accessToken: string | undefined, answer: Record<string, unknown>): string | undefined {
    const alias = this.#aliases.get(token);
    if (alias === undefined) return undefined;
    const now = nowSeconds();
    const next = this.#add({ engine: alias.engine, family: alias.family, accessToken, previous: token });
    alias.next = next;
    // The new token's first use retires the one before it (Box: "valid until the new RT is used").
    const previous = alias.previous === undefined ? undefined : this.#aliases.get(alias.previous);
    if (this.policy.idempotentUntilUsed === true && previous !== undefined && previous.deadAt === undefined) this.#retire(previous, now);
    if (this.policy.idempotentUntilUsed === true) alias.answer = { ...answer, refresh_token: next };
    else if (this.policy.revokePrevious !== false) this.#retire(alias, now + (this.policy.graceSeconds ?? 0));
    this.onChange?.();
    return next;
  }

  #retire(alias: Alias, at: number): void {
    alias.deadAt = alias.deadAt === undefined ? at : Math.min(alias.deadAt, at);
    if (this.policy.revokePreviousAccessToken === true && alias.accessToken !== undefined) this.deps.expireAccessToken(alias.accessToken, at);
  }

  #revokeFamily(family: string): void {
    const now = nowSeconds();
    for (const alias of this.#aliases.values()) {
      if (alias.family !== family) continue;
      alias.deadAt = Math.min(alias.deadAt ?? now, now);
      if (alias.accessToken !== undefined) this.deps.expireAccessToken(alias.accessToken, now);
      this.deps.dropRefreshToken(alias.engine);
    }
  }

  #add(alias: Alias): string {
    const value = randomBytes(32).toString('base64url');
    this.#aliases.set(value, alias);
    if (this.#aliases.size > MAX_ALIASES) {
      const oldest = this.#aliases.keys().next().value;
      if (oldest !== undefined) this.#aliases.delete(oldest);
    }
    this.onChange?.();
    return value;
  }
}
