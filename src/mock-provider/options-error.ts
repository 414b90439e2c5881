/**
 * A bad option to `createMockProvider`, `startMockProvider` or `registerClient`: the caller must change its code.
 * A `TypeError` (a programming mistake, not a runtime failure), with the stable code `MOCK_PROVIDER_OPTIONS` and
 * the name of the offending option; runtime failures of a well-configured provider keep `TestkitError` `MOCK_PROVIDER`.
 * The message never echoes a client secret.
 *
 * @example
 * try { await createMockProvider({ accessTokenTtl: 0 }); }
 * catch (error) { if (error instanceof MockProviderOptionsError) console.error(error.option, error.message); }
 */
export class MockProviderOptionsError extends TypeError {
  override name = 'MockProviderOptionsError';
  /** Stable code: branch on it, never on the message. */
  readonly code = 'MOCK_PROVIDER_OPTIONS' as const;
  /** The option at fault, as a path into the options (`accessTokenTtl`, `clients[0].redirectUris`). */
  readonly option: string;

  constructor(option: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.option = option;
  }
}

/** True when `error` is a {@link MockProviderOptionsError}. */
export function isMockProviderOptionsError(error: unknown): error is MockProviderOptionsError {
  return error instanceof MockProviderOptionsError;
}
