import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  model: string;
  payload: AdapterPayload;
  /** Epoch ms at which the entry disappears; undefined = never. */
  expiresAt: number | undefined;
}

/** One stored entry as written to a state file. */
export interface SerializedEntry {
  key: string;
  payload: AdapterPayload;
  expiresAt?: number;
}

/** Models that belong to a grant: revoking the grant drops them all (reuse detection, revocation). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Models that only live for one browser round trip; capped so headless flows in a loop stay bounded. */
const TRANSIENT = new Set(['Session', 'Interaction']);

/** Oldest entries of the written model checked for expiry on each write (amortised O(1), no whole-store scan). */
const SWEEP_PER_WRITE = 4;

/**
 * The state of one provider instance, behind oidc-provider's adapter interface. Entries vanish at their
 * expiry (checked on every read, and the oldest few of a model on each write of that model), transient models
 * and grants are capped (the oldest evicted in O(1), a grant with every token issued under it), and every
 * mutation is reported to `onChange` so a state file can be written.
 */
/** How many evicted code and token keys are remembered to explain a refusal. */
const MAX_EVICTED_REMEMBERED = 10_000;

export class MemoryStore {
  readonly #entries = new Map<string, Entry>();
  /** Keys of each model, in write order (an upsert moves its key to the end): the first is the oldest. */
  readonly #models = new Map<string, Set<string>>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #sessionUids = new Map<string, string>();
  readonly #userCodes = new Map<string, string>();
  readonly #maxTransient: number;
  readonly #maxGrants: number;
  /** Keys of codes and tokens that went with a grant evicted by the cap (the newest 10,000), to explain a refusal. */
  readonly #evicted = new Set<string>();
  onChange: (() => void) | undefined;

  constructor(options: { maxTransient: number; maxGrants?: number }) {
    this.#maxTransient = options.maxTransient;
    this.#maxGrants = options.maxGrants ?? Infinity;
  }

  /** The factory oidc-provider's `adapter` option takes. */
  readonly factory = (model: string): Adapter => new ModelAdapter(this, model);

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): AdapterPayload | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.#remove(key, entry);
      return undefined;
    }
    return entry.payload;
  }

  set(model: string, key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) this.#remove(key, previous);
    const now = Date.now();
    const expiresAt = typeof expiresIn === 'number' ? now + expiresIn * 1000 : undefined;
    this.#entries.set(key, { model, payload, expiresAt });
    let keys = this.#models.get(model);
    if (keys === undefined) this.#models.set(model, (keys = new Set()));
    keys.add(key);
    if (GRANTABLE.has(model) && typeof payload.grantId === 'string') {
      let members = this.#grants.get(payload.grantId);
      if (members === undefined) this.#grants.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
    if (model === 'Session' && typeof payload.uid === 'string') this.#sessionUids.set(payload.uid, key);
    if (typeof payload.userCode === 'string') this.#userCodes.set(payload.userCode, key);
    if (TRANSIENT.has(model) && keys.size > this.#maxTransient) this.#evictOldest(keys);
    if (model === 'Grant' && keys.size > this.#maxGrants) this.#evictOldestGrant(keys);
    this.#sweepOldest(keys, now);
    this.#changed();
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#remove(key, entry);
    this.#changed();
  }

  keyForSessionUid(uid: string): string | undefined {
    return this.#sessionUids.get(uid);
  }

  keyForUserCode(userCode: string): string | undefined {
    return this.#userCodes.get(userCode);
  }

  revokeGrant(grantId: string): void {
    this.#dropGrantMembers(grantId);
    this.#changed();
  }

  /** Live payloads of one model (expired entries are dropped on the way). */
  list(model: string): { key: string; payload: AdapterPayload }[] {
    const out: { key: string; payload: AdapterPayload }[] = [];
    for (const key of [...(this.#models.get(model) ?? [])]) {
      const payload = this.get(key);
      if (payload !== undefined) out.push({ key, payload });
    }
    return out;
  }

  /** Drops every expired entry (O(entries): for serialisation, not for the request path). */
  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#remove(key, entry);
    }
  }

  serialize(): SerializedEntry[] {
    this.sweep();
    return [...this.#entries].map(([key, { payload, expiresAt }]) => (expiresAt === undefined ? { key, payload } : { key, payload, expiresAt }));
  }

  load(entries: readonly SerializedEntry[]): void {
    const now = Date.now();
    for (const { key, payload, expiresAt } of entries) {
      if (expiresAt !== undefined && expiresAt <= now) continue;
      const model = key.slice(0, key.indexOf(':'));
      this.set(model, key, payload, expiresAt === undefined ? undefined : (expiresAt - now) / 1000);
    }
  }

  changed(): void {
    this.#changed();
  }

  /** Forgets every entry (clients, grants, tokens, sessions), as `reset()` does. */
  clear(): void {
    this.#entries.clear();
    this.#models.clear();
    this.#grants.clear();
    this.#sessionUids.clear();
    this.#userCodes.clear();
    this.#evicted.clear();
    this.#changed();
  }

  #changed(): void {
    this.onChange?.();
  }

  #evictOldest(keys: Set<string>): void {
    const oldest = first(keys);
    const entry = oldest === undefined ? undefined : this.#entries.get(oldest);
    if (oldest !== undefined && entry !== undefined) this.#remove(oldest, entry);
  }

  /** The oldest grant goes with every token and code issued under it (they would fail its validation anyway). */
  #evictOldestGrant(keys: Set<string>): void {
    const oldest = first(keys);
    if (oldest === undefined) return;
    const entry = this.#entries.get(oldest);
    if (entry !== undefined) this.#remove(oldest, entry);
    const members = this.#grants.get(oldest.slice('Grant:'.length));
    for (const key of members ?? []) {
      this.#evicted.add(key);
      if (this.#evicted.size > MAX_EVICTED_REMEMBERED) this.#evicted.delete(first(this.#evicted) as string);
    }
    this.#dropGrantMembers(oldest.slice('Grant:'.length));
  }

  /** Whether `key` (e.g. `RefreshToken:<value>`) was dropped because its grant was evicted by the `maxGrants` cap. */
  wasEvicted(key: string): boolean {
    return this.#evicted.has(key);
  }

  /** The cap on live grants. */
  get maxGrants(): number {
    return this.#maxGrants;
  }

  /**
   * Removes the expired entries at the head of a model's write order, at most a few per write. Entries of one
   * model mostly share a TTL, so write order is close to expiry order; a live head stops the walk, and anything
   * expired behind it still vanishes when read.
   */
  #sweepOldest(keys: Set<string>, now: number): void {
    let budget = SWEEP_PER_WRITE;
    for (const key of keys) {
      if (budget-- === 0) return;
      const entry = this.#entries.get(key);
      if (entry === undefined) {
        keys.delete(key);
        continue;
      }
      if (entry.expiresAt === undefined || entry.expiresAt > now) return;
      this.#remove(key, entry);
    }
  }

  #dropGrantMembers(grantId: string): void {
    const members = this.#grants.get(grantId);
    if (members === undefined) return;
    for (const key of [...members]) {
      const entry = this.#entries.get(key);
      if (entry !== undefined) this.#remove(key, entry);
    }
    this.#grants.delete(grantId);
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#models.get(entry.model)?.delete(key);
    const { grantId, uid, userCode } = entry.payload;
    if (typeof grantId === 'string') {
      const members = this.#grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.#grants.delete(grantId);
    }
    if (typeof uid === 'string' && this.#sessionUids.get(uid) === key) this.#sessionUids.delete(uid);
    if (typeof userCode === 'string' && this.#userCodes.get(userCode) === key) this.#userCodes.delete(userCode);
  }
}

function first(keys: Set<string>): string | undefined {
  for (const key of keys) return key;
  return undefined;
}

/** oidc-provider's per-model adapter view onto a `MemoryStore`. */
class ModelAdapter implements Adapter {
  readonly #store: MemoryStore;
  readonly #model: string;

  constructor(store: MemoryStore, model: string) {
    this.#store = store;
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number | undefined): Promise<void> {
    this.#store.set(this.#model, this.#key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForSessionUid(uid);
    return key === undefined ? undefined : this.#store.get(key);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.keyForUserCode(userCode);
    return key === undefined ? undefined : this.#store.get(key);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#store.get(this.#key(id));
    if (payload === undefined) return;
    payload.consumed = Math.floor(Date.now() / 1000);
    this.#store.changed();
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    this.#store.revokeGrant(grantId);
  }
}
