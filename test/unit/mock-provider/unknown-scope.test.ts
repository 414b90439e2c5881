import { describe, expect, it } from 'vitest';
import { rejectUnknownScopes } from '../../../src/mock-provider/engine/unknown-scope.js';

const get = (scope: unknown) => ({ query: { scope } });

describe('rejectUnknownScopes', () => {
  it('accepts a request whose scopes are all known, or that sends none', () => {
    const check = rejectUnknownScopes(new Set(['openid', 'read']));
    expect(() => check(get('openid read'))).not.toThrow();
    expect(() => check(get(undefined))).not.toThrow();
  });

  it('throws invalid_scope naming each unknown scope once', () => {
    const check = rejectUnknownScopes(new Set(['openid']));
    expect(() => check(get('openid admin:all write admin:all'))).toThrow(
      expect.objectContaining({
        error: 'invalid_scope',
        scope: 'admin:all write',
        error_description: 'The provider does not know the requested scopes admin:all write.',
      }),
    );
  });

  it('sees scopes added to the live set after it was built', () => {
    const known = new Set(['openid']);
    const check = rejectUnknownScopes(known);
    expect(() => check(get('read'))).toThrow();
    known.add('read');
    expect(() => check(get('read'))).not.toThrow();
  });
});
