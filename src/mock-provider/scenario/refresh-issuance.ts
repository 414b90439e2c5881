import type { ProviderShapeQuirks } from './dimensions.js';

/**
 * Whether a code exchange hands out the refresh token the engine issued (`quirks.refreshTokenWhen`,
 * `quirks.refreshTokenFirstConsentOnly`). `authorize` is the authorization request's parameters (undefined when the
 * code came from elsewhere), `granted` the scopes granted, `consentedBefore` whether this user already gave this
 * client a refresh token.
 */
export function refreshTokenIssued(
  quirks: ProviderShapeQuirks,
  context: { authorize: URLSearchParams | undefined; granted: readonly string[]; consentedBefore: boolean },
): boolean {
  const when = quirks.refreshTokenWhen ?? 'always';
  let issued: boolean;
  if (when === 'always') issued = true;
  else if (when === 'never') issued = false;
  else if ('scope' in when) issued = context.granted.includes(when.scope);
  else issued = context.authorize?.get(when.param) === when.value;
  const first = quirks.refreshTokenFirstConsentOnly;
  if (issued && first !== undefined && context.consentedBefore && context.authorize?.get(first.unlessParam) !== first.value) issued = false;
  return issued;
}
