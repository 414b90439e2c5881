import type { Quirks } from '../scenario/quirks.js';

/**
 * A provider preset: data only, composed from the mock's options (`quirks` dimensions from
 * `scenario/dimensions.ts`, token lifetimes). Each value carries the source it comes from; where
 * providers.md marks a fact [unconfirmed], the preset leaves that dimension at the generic default.
 */
export interface PresetDefinition {
  /** What `preset:` and `--preset` take. */
  name: string;
  /** Human name for the README table. */
  title: string;
  /** The provider's OAuth documentation. */
  docs: string;
  /** Seconds; the provider's access token lifetime (a decade for tokens that never expire). */
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  quirks: Quirks;
}

/** Ten years: an access token the provider never expires (the mock needs a finite lifetime). */
export const NEVER_EXPIRES = 10 * 365 * 24 * 3600;

/** Identity: the JSON fields a typed preset file declares, checked by the compiler. */
export function definePreset<const P extends PresetDefinition>(preset: P): P {
  return preset;
}
