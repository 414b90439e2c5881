import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { createMockProvider, publicKeyOf, signAssertion } from 'oauth2-testkit/mock-provider';

test('every grant a connector can declare', async () => {
  const privatePem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const provider = await createMockProvider({
    clients: [
      {
        clientId: 'svc',
        clientSecret: 's',
        grantTypes: ['client_credentials', 'password', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        publicKey: publicKeyOf(privatePem),
      },
    ],
    users: [{ id: 'ann', password: 'pw' }],
  });
  expect((await provider.getTokens({ grantType: 'client_credentials', scope: 'read:reports' })).scope).toBe('read:reports');
  expect((await provider.getTokens({ grantType: 'password', username: 'ann', password: 'pw' })).refresh_token).toBeTruthy();
  expect((await provider.getTokens({ grantType: 'jwt-bearer', privateKey: privatePem })).access_token).toBeTruthy(); // or { assertion }
  const assertion = await signAssertion({ privateKey: privatePem, issuer: 'svc', subject: 'ann', audience: provider.tokenUrl });
  expect((await provider.getTokens({ grantType: 'jwt-bearer', assertion })).access_token).toBeTruthy();
  await provider.close();
});
