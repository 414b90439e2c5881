// Ours over HTTP: `startMockProvider` from the built package, the same client, no refresh-token rotation.
import { CLIENT } from '../lib/common.js';

export async function start({ accessTokenFormat = 'opaque' } = {}) {
  const { startMockProvider } = await import('../../dist/mock-provider/index.js');
  const provider = await startMockProvider({
    clients: [{ ...CLIENT }],
    accessTokenFormat,
    rotateRefreshTokens: false,
    login: 'auto',
  });
  return {
    info: { name: `ours (${accessTokenFormat})`, authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl },
    close: () => provider.close(),
  };
}
