import { afterEach, describe, expect, it } from 'vitest';
import { createMockProvider, MAX_REQUEST_BODY_BYTES, type MockProvider, type MockProviderOptions } from '../../src/mock-provider/index.js';
import { basic } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
});

async function provider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const created = await createMockProvider(options);
  open.push(created);
  return created;
}

const FORM = 'application/x-www-form-urlencoded';

describe('handleRaw(): the in-process entry for plain request parts', () => {
  it('answers a token request given as plain parts with the same answer handle() gives', async () => {
    const served = await provider();
    const headers = { 'Content-Type': FORM, Authorization: basic('mock-client', 'mock-secret') };
    const body = 'grant_type=client_credentials&scope=openid';
    const raw = await served.handleRaw({ method: 'post', url: served.tokenUrl, headers, body });
    const viaHandle = await served.handle(new Request(served.tokenUrl, { method: 'POST', headers, body }));
    expect(raw.status).toBe(viaHandle.status);
    expect(raw.headers['content-type']).toBe(viaHandle.headers.get('content-type'));
    expect(Object.keys(JSON.parse(raw.body.toString('utf8'))).sort()).toEqual(Object.keys(await viaHandle.json()).sort());
    expect(Buffer.isBuffer(raw.body)).toBe(true);
  });

  it('joins a header given as a list and takes a Uint8Array body', async () => {
    const served = await provider();
    const raw = await served.handleRaw({
      method: 'POST',
      url: new URL(served.tokenUrl),
      headers: { 'content-type': [FORM], authorization: basic('mock-client', 'mock-secret'), 'x-absent': undefined },
      body: new TextEncoder().encode('grant_type=client_credentials'),
    });
    expect(raw.status).toBe(200);
    expect(served.requests.at(-1)?.headers['x-absent']).toBeUndefined();
  });

  it("serves a preset's real URL on its path under the issuer, as handle() does", async () => {
    const served = await provider({ preset: 'github' });
    const tokenUrl = new URL(served.tokenUrl);
    expect(tokenUrl.origin).not.toBe(new URL(served.issuer).origin);
    const raw = await served.handleRaw({
      method: 'POST',
      url: tokenUrl,
      headers: { 'content-type': FORM, accept: 'application/json' },
      body: 'grant_type=refresh_token&refresh_token=unknown&client_id=mock-client&client_secret=mock-secret',
    });
    expect(raw.status).toBeLessThan(500);
    expect(raw.status).not.toBe(404);
  });

  it('answers 413 to a body over 1 MiB without handing it to the engine', async () => {
    const served = await provider();
    const raw = await served.handleRaw({
      method: 'POST',
      url: served.tokenUrl,
      headers: { 'content-type': FORM },
      body: 'a'.repeat(MAX_REQUEST_BODY_BYTES + 1),
    });
    expect(raw.status).toBe(413);
    expect(JSON.parse(raw.body.toString('utf8'))).toMatchObject({ error: 'invalid_request' });
  });

  it('gives no body for HEAD', async () => {
    const served = await provider();
    const raw = await served.handleRaw({ method: 'HEAD', url: served.jwksUrl });
    expect(raw.status).toBe(200);
    expect(raw.body.byteLength).toBe(0);
  });

  it('rejects with MOCK_PROVIDER for a URL it does not serve, and once closed', async () => {
    const served = await provider();
    await expect(served.handleRaw({ method: 'GET', url: 'https://elsewhere.test/jwks' })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('https://elsewhere.test/jwks, which is not this provider'),
    });
    await served.close();
    await expect(served.handleRaw({ method: 'GET', url: served.jwksUrl })).rejects.toMatchObject({
      code: 'MOCK_PROVIDER',
      message: expect.stringContaining('closed'),
    });
  });
});
