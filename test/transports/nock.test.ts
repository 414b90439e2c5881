import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockProvider, type MockProvider } from '../../src/mock-provider/index.js';
import { interceptMockProvider, withBearer } from '../../src/nock/index.js';
import { API, describeSharedRuns, type TransportAdapter } from './shared.js';

let provider: MockProvider | undefined;
let scope: nock.Scope | undefined;

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(async () => {
  nock.cleanAll();
  scope = undefined;
  await provider?.close();
  provider = undefined;
});

const nockAdapter: TransportAdapter = {
  name: 'nock',
  async serve(options = {}) {
    provider = await createMockProvider({ scopes: ['read:issues', 'write:issues'], ...options });
    scope = interceptMockProvider(provider);
    return provider;
  },
  guardIssues(target) {
    nock(API)
      .persist()
      .get('/issues')
      .reply(
        withBearer(target, ({ user, token }) => [200, { owner: user.id, scopes: token.scopes, name: user.claims.name }], { requiredScopes: ['read:issues'] }),
      );
  },
  observe(onRequest) {
    const listener = (request: Request): void => onRequest(request.url);
    const observed = scope;
    observed?.on('request', listener);
    return () => observed?.removeListener('request', listener);
  },
  otherOriginCause: /Disallowed net connect/,
};

describeSharedRuns(nockAdapter, 'interceptMockProvider');

describe('interceptMockProvider over nock only', () => {
  it('returns a persistent scope that keeps answering', async () => {
    const served = await nockAdapter.serve();
    for (let i = 0; i < 3; i += 1) expect((await fetch(served.jwksUrl)).status).toBe(200);
    expect(nock.activeMocks().map((key) => key.split(' ')[0])).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
  });
});
