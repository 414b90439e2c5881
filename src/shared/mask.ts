/**
 * Masks a secret for display: keeps a short prefix so two tokens can be told apart,
 * hides the rest. Short secrets are hidden entirely.
 *
 * @example
 * maskSecret('gho_16C7e42F292c6912E7710c838347Ae178B4a') // 'gho_…(40 chars)'
 */
export function maskSecret(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '';
  if (value.length < 12) return `…(${value.length} chars)`;
  return `${value.slice(0, 4)}…(${value.length} chars)`;
}

/** Values shorter than this are not searched for in text: they would match ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * The secrets of one run (client secret, tokens, passwords, assertions) and every form in which they can reach a
 * message: as written, URL-encoded, form-encoded, base64 and base64url, JSON-escaped, and inside a Basic header
 * (`base64(id:secret)`). `redact()` masks each occurrence with {@link maskSecret}, whatever route the value took
 * (a template into a URL, a provider's `error_description` quoting it…).
 *
 * @example
 * const secrets = new SecretRedactor();
 * secrets.add('A-SECRET-104-zq9');
 * secrets.redact('got "A-SECRET-104-zq9"') // 'got "A-SE…(16 chars)"'
 */
export class SecretRedactor {
  readonly #forms = new Map<string, string>();
  #pattern: RegExp | undefined;

  /** Registers a secret (ignored when empty or shorter than 6 characters). */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.#forms.has(value)) return;
    const mask = maskSecret(value);
    const forms = [
      value,
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
      Buffer.from(value).toString('base64'),
      Buffer.from(value).toString('base64url'),
      JSON.stringify(value).slice(1, -1),
    ];
    for (const form of forms) if (form.length >= MIN_SECRET_LENGTH && !this.#forms.has(form)) this.#forms.set(form, mask);
    this.#pattern = undefined;
  }

  /** Registers the Basic credentials `base64(id:secret)` (RFC 7617), as written and form-encoded first (RFC 6749 §2.3.1). */
  addBasic(id: string, secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const form = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
    for (const pair of [`${id}:${secret}`, `${encodeURIComponent(id)}:${encodeURIComponent(secret)}`, `${form(id)}:${form(secret)}`]) {
      const encoded = Buffer.from(pair).toString('base64');
      if (!this.#forms.has(encoded)) this.#forms.set(encoded, maskSecret(encoded));
    }
    this.#pattern = undefined;
  }

  /** `text` with every registered form masked. */
  redact(text: string): string {
    if (this.#forms.size === 0 || text === '') return text;
    this.#pattern ??= new RegExp(
      [...this.#forms.keys()]
        .sort((a, b) => b.length - a.length)
        .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, (match) => this.#forms.get(match) ?? '…');
  }

  /** A copy of a JSON-like value with every string redacted (depth-bounded: deeper parts are dropped). */
  redactDeep(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (typeof value !== 'object' || value === null || depth > 20) return typeof value === 'object' && value !== null ? undefined : value;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: this.redactDeep(item, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /**
   * Masks the error in place — message, stack, every own string field (a `problem`, a `next`, a provider's
   * `errorDescription`) and `details` — and returns it.
   */
  redactError<T>(error: T): T {
    if (!(error instanceof Error) || this.#forms.size === 0) return error;
    error.message = this.redact(error.message);
    if (error.stack !== undefined) error.stack = this.redact(error.stack);
    for (const key of Object.keys(error)) {
      const value = (error as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string' || (key === 'details' && typeof value === 'object' && value !== null)) {
        Object.defineProperty(error, key, { value: this.redactDeep(value), enumerable: true, writable: true, configurable: true });
      }
    }
    return error;
  }
}

/**
 * Parameter names whose values are credentials, in bodies and query strings alike.
 * `state` and `nonce` are kept: they are CSRF/replay values, not credentials, and tests assert on them.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.3 (tokens), RFC 7636 §4.1 (code_verifier), RFC 8693 (subject/actor tokens)
 */
export const SECRET_PARAMETERS: ReadonlySet<string> = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'password',
  'assertion',
  'client_assertion',
  'token',
  'subject_token',
  'actor_token',
  'device_code',
]);

/** Headers whose value is a credential. */
const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** Words that make any header or field name a credential (`Client_Secret`, `x-client-secret`, `X-Auth-Token`…). */
const SECRET_WORDS = /secret|token|password|assertion/i;
/** Names that only say which kind of thing is meant (`token_type_hint`, `code_challenge_method`): never a credential. */
const KIND_SUFFIX = /_(?:type|hint|method)$/i;

/**
 * Whether a parameter or header name holds a credential: one of {@link SECRET_PARAMETERS} (any case), or any
 * name containing secret, token, password or assertion, except names of a kind (`…_type`, `…_hint`, `…_method`).
 */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_PARAMETERS.has(lower) || SECRET_HEADERS.has(lower)) return true;
  return SECRET_WORDS.test(lower) && !KIND_SUFFIX.test(lower);
}
