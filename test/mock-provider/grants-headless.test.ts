import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockProvider, type MockProvider, mockGrantSetup, publicKeyOf, signAssertion } from '../../src/mock-provider/index.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PRIVATE_PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const open: MockProvider[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
});
async function provider(options: Parameters<typeof createMockProvider>[0] = {}): Promise<MockProvider> {
  const created = await createMockProvider(options);
  open.push(created);
  return created;
}

describe('getTokens({ grantType })', () => {
  it('runs client_credentials, password and jwt-bearer headlessly', async () => {
    const p = await provider({
      clients: [{ clientId: 'c', clientSecret: 's', grantTypes: ['client_credentials', 'password', JWT_BEARER], publicKey: publicKeyOf(PRIVATE_PEM) }],
      users: [{ id: 'ann', password: 'pw' }],
    });
    expect((await p.getTokens({ grantType: 'client_credentials' })).refresh_token).toBeUndefined();
    const password = await p.getTokens({ grantType: 'password' });
    expect(await p.lookupAccessToken(password.access_token)).toMatchObject({ accountId: 'ann' });
    expect(typeof password.refresh_token).toBe('string');
    const jwt = await p.getTokens({ grantType: 'jwt-bearer', privateKey: PRIVATE_PEM });
    expect(await p.lookupAccessToken(jwt.access_token)).toMatchObject({ accountId: 'ann', clientId: 'c' });
  });

  it('throws MOCK_PROVIDER with the error and its description when the grant is refused', async () => {
    const p = await provider({ users: [{ id: 'ann', password: 'pw' }] });
    await expect(p.getTokens({ grantType: 'password', password: 'wrong' })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('invalid_grant (wrong password for user "ann")'),
    });
    await expect(p.getTokens({ grantType: 'jwt-bearer' })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('needs an assertion'),
    });
  });

  it('answers faults queued for the token endpoint', async () => {
    const p = await provider();
    p.failNext('token', { error: 'invalid_client' });
    await expect(p.getTokens({ grantType: 'client_credentials' })).rejects.toMatchObject({ details: { error: 'invalid_client' } });
    expect((await p.getTokens({ grantType: 'client_credentials' })).access_token).toEqual(expect.any(String));
  });

  it('records password and assertion redacted', async () => {
    const p = await provider({ clients: [{ clientId: 'c', clientSecret: 's', grantTypes: ['password', JWT_BEARER], publicKey: publicKeyOf(PRIVATE_PEM) }] });
    await p.getTokens({ grantType: 'password', password: 'hunter2' });
    await p.getTokens({ grantType: 'jwt-bearer', privateKey: PRIVATE_PEM });
    const bodies = p.requests.filter((request) => request.endpoint === 'token').map((request) => request.body);
    expect(bodies).toEqual([
      expect.objectContaining({ grant_type: 'password', username: 'mock-user', password: '[redacted]' }),
      expect.objectContaining({ grant_type: JWT_BEARER, assertion: '[redacted]' }),
    ]);
    expect(JSON.stringify(p.requests)).not.toContain('hunter2');
  });
});

describe('grantTypes and keys of a client', () => {
  it('rejects an unknown grant, client_credentials for a public client, and jwt-bearer without a key', async () => {
    await expect(createMockProvider({ clients: [{ clientId: 'c', clientSecret: 's', grantTypes: ['implicit' as never] }] })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER_OPTIONS',
      option: 'clients[0].grantTypes',
    });
    await expect(createMockProvider({ clients: [{ clientId: 'c', grantTypes: ['client_credentials'] }] })).rejects.toMatchObject({
      option: 'clients[0].grantTypes',
    });
    await expect(createMockProvider({ clients: [{ clientId: 'c', clientSecret: 's', grantTypes: [JWT_BEARER] }] })).rejects.toMatchObject({
      option: 'clients[0].publicKey',
    });
    await expect(createMockProvider({ clients: [{ clientId: 'c', clientSecret: 's', publicKey: 'nope' }] })).rejects.toMatchObject({
      option: 'clients[0].publicKey',
    });
  });

  it('lists the defaults: code and refresh, plus client_credentials when confidential', async () => {
    const p = await provider({
      clients: [{ clientId: 'a', clientSecret: 's' }, { clientId: 'b' }, { clientId: 'c', clientSecret: 's', grantTypes: ['password'] }],
    });
    expect(p.clients.map((client) => client.grantTypes)).toEqual([
      ['authorization_code', 'refresh_token', 'client_credentials'],
      ['authorization_code', 'refresh_token'],
      ['refresh_token', 'password'],
    ]);
  });
});

describe('mockGrantSetup', () => {
  it('password: the test account as a user whose password is checked', async () => {
    const setup = mockGrantSetup({ grantType: 'password', clientId: 'c', clientSecret: 's', username: 'me@example.com', password: 'pw' });
    const p = await provider(setup);
    expect(setup.limitations).toEqual([]);
    expect((await p.getTokens({ grantType: 'password', username: 'me@example.com' })).access_token).toEqual(expect.any(String));
    await expect(p.getTokens({ grantType: 'password', username: 'me@example.com', password: 'x' })).rejects.toMatchObject({ code: 'MOCK_PROVIDER' });
    await expect(p.getTokens({ grantType: 'client_credentials' })).rejects.toMatchObject({ details: { error: 'unauthorized_client' } });
  });

  it('jwt-bearer with a private key: the derived public key verifies what the flow signs', async () => {
    const setup = mockGrantSetup({ grantType: 'jwt-bearer', clientId: 'svc', privateKey: PRIVATE_PEM, assertionIssuer: 'svc@x', assertionSubject: 'me' });
    const p = await provider(setup);
    const assertion = await signAssertion({ privateKey: PRIVATE_PEM, issuer: 'svc@x', subject: 'me', audience: p.tokenUrl });
    expect(await p.lookupAccessToken((await p.getTokens({ grantType: 'jwt-bearer', assertion })).access_token)).toMatchObject({ accountId: 'me' });
  });

  it('jwt-bearer with only an assertion: accepted once without its signature, limitations said', async () => {
    const assertion = await signAssertion({ privateKey: PRIVATE_PEM, issuer: 'svc@real', subject: 'someone', audience: 'https://real.example/token' });
    const setup = mockGrantSetup({ grantType: JWT_BEARER, clientId: 'svc', clientSecret: 's', assertion });
    expect(setup.limitations).toHaveLength(2);
    expect(decodeJwt(assertion).aud).toBe('https://real.example/token');
    const p = await provider(setup);
    expect(await p.lookupAccessToken((await p.getTokens({ grantType: 'jwt-bearer', assertion })).access_token)).toMatchObject({ accountId: 'someone' });
    await expect(p.getTokens({ grantType: 'jwt-bearer', assertion })).rejects.toMatchObject({ message: expect.stringContaining('already used') });
  });

  it('rejects an unknown grant type and missing credentials', () => {
    expect(() => mockGrantSetup({ grantType: 'implicit', clientId: 'c' })).toThrow(/no grant "implicit"/);
    expect(() => mockGrantSetup({ grantType: 'password', clientId: 'c' })).toThrow(/username/);
    expect(() => mockGrantSetup({ grantType: 'client_credentials', clientId: 'c' })).toThrow(/clientSecret/);
    expect(() => mockGrantSetup({ grantType: 'jwt-bearer', clientId: 'c' })).toThrow(/privateKey/);
  });
});
