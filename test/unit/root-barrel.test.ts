import { describe, expect, it } from 'vitest';
import * as root from '../../src/index.js';

describe('the root barrel', () => {
  it('exports what a user composes the flow from', () => {
    for (const name of [
      'loadConfig',
      'selectAuthorization',
      'runOAuth2Flow',
      'startCallbackServer',
      'TestkitError',
      'TokenEndpointError',
      'isTestkitError',
      'DEFAULT_CALLBACK_PORT',
    ]) {
      expect(Object.keys(root), name).toContain(name);
    }
  });

  it('keeps internals out', () => {
    for (const name of [
      'templateContext',
      'encodeState',
      'decodeState',
      'createState',
      'acquireConfigLock',
      'saveTokens',
      'resolveNgrokOptions',
      'createRelayHandler',
      'expandTemplate',
      'expandRequestParameters',
    ]) {
      expect(Object.keys(root), name).not.toContain(name);
    }
  });
});
