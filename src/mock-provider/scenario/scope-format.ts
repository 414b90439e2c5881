import type { ProviderShapeQuirks, ResponseScope } from './dimensions.js';

/** The scopes of an authorization request, split by the provider's separator (`quirks.scopeSeparator`, `quirks.userToken`). */
export interface AuthorizeScopes {
  /** Scopes of the `scope` parameter. */
  scopes: string[];
  /** Scopes of the user-token parameter (`user_scope`), when the provider has one. */
  userScopes: string[];
}

/**
 * Reads `scope` (and the user-token scope parameter) with the provider's separator. With `,` a scope list that
 * holds a space is refused, as a comma-separated provider would see one unknown scope `"a b"`.
 * Returns the scopes, or a description of the refusal.
 */
export function readAuthorizeScopes(params: URLSearchParams, quirks: ProviderShapeQuirks): AuthorizeScopes | { refused: string } {
  const separator = quirks.scopeSeparator ?? ' ';
  const read = (name: string): string[] | { refused: string } => {
    const value = params.get(name) ?? '';
    if (separator === ',' && /\s/.test(value.trim())) {
      return { refused: `${name} must be comma-separated for this provider; got ${JSON.stringify(value)}` };
    }
    return value
      .split(separator === ',' ? ',' : /\s+/)
      .map((scope) => scope.trim())
      .filter((scope) => scope !== '');
  };
  const scopes = read('scope');
  if (!Array.isArray(scopes)) return scopes;
  const userScopes = quirks.userToken === undefined ? [] : read(quirks.userToken.scopeParam);
  if (!Array.isArray(userScopes)) return userScopes;
  return { scopes, userScopes };
}

/** `scope` of a token answer, in the provider's field and format (`quirks.responseScope`, else the separator). */
export function formatResponseScope(answer: Record<string, unknown>, scopes: readonly string[], quirks: ProviderShapeQuirks): void {
  const shape: ResponseScope = quirks.responseScope ?? { format: quirks.scopeSeparator === ',' ? 'comma' : 'space' };
  delete answer.scope;
  const field = shape.field ?? 'scope';
  switch (shape.format) {
    case 'absent':
      return;
    case 'empty':
      answer[field] = '';
      return;
    case 'array':
      answer[field] = [...scopes];
      return;
    case 'comma':
      answer[field] = scopes.join(',');
      return;
    default:
      if (scopes.length > 0) answer[field] = scopes.join(' ');
  }
}
