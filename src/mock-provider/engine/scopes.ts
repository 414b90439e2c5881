import type Provider from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { TestkitError } from '../../shared/errors.js';

/**
 * The engine's own live set of accepted scopes. oidc-provider copies the `scopes` option at construction and
 * silently drops any requested scope outside it, so a client registered at runtime with new scopes needs them
 * added here. This reaches into oidc-provider internals (pinned major 9); it fails loudly if they move.
 */
export function addEngineScopes(engine: Provider, scopes: readonly string[]): void {
  if (scopes.length === 0) return;
  const live = instance(engine)?.configuration?.scopes;
  if (!(live instanceof Set)) {
    throw new TestkitError('MOCK_PROVIDER', 'Cannot add scopes to this oidc-provider version at runtime; declare them in createMockProvider({ scopes }).');
  }
  for (const scope of scopes) live.add(scope);
}
