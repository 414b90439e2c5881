import { afterEach, describe, expect, it, vi } from 'vitest';
import { REDACTED, redactRequest, RequestRecorder, SECRET_PARAMETERS } from '../../../src/mock-provider/scenario/recorder.js';

const SECRETS = ['client_secret', 'code', 'code_verifier', 'refresh_token', 'access_token', 'id_token', 'password', 'assertion', 'client_assertion', 'token'];
const FORM = 'application/x-www-form-urlencoded';

function token(body: string | undefined, contentType?: string, headers: Record<string, string | string[] | undefined> = {}) {
  return redactRequest({ method: 'post', url: '/token', headers, body, contentType, endpoint: 'token' });
}

describe('redactRequest', () => {
  it('covers every secret parameter named in the design', () => {
    for (const name of SECRETS) expect(SECRET_PARAMETERS.has(name)).toBe(true);
  });

  it.each(SECRETS)('redacts %s in a form body and keeps the other fields', (name) => {
    const recorded = token(`grant_type=x&${name}=s3cr3t-value&state=st`, FORM);
    expect(recorded.body).toEqual({ grant_type: 'x', [name]: REDACTED, state: 'st' });
    expect(JSON.stringify(recorded)).not.toContain('s3cr3t-value');
  });

  it.each(SECRETS)('redacts %s in a JSON body', (name) => {
    const recorded = token(JSON.stringify({ grant_type: 'x', [name]: 's3cr3t-value' }), 'application/json; charset=utf-8');
    expect(recorded.body).toEqual({ grant_type: 'x', [name]: REDACTED });
  });

  it.each(SECRETS)('redacts %s in the query string', (name) => {
    const recorded = redactRequest({ method: 'GET', url: `/auth?client_id=app&${name}=s3cr3t-value&state=st`, headers: {}, endpoint: 'authorization' });
    expect(recorded.query).toEqual({ client_id: 'app', [name]: REDACTED, state: 'st' });
    expect(recorded.path).toBe('/auth');
  });

  it('redacts secrets nested in a JSON body and encodes non-string members as JSON', () => {
    const recorded = token(JSON.stringify({ credentials: { client_secret: 's3cr3t-value', id: 'app' }, n: 3 }), 'application/json');
    expect(recorded.body).toEqual({ credentials: '{"client_secret":"[redacted]","id":"app"}', n: '3' });
  });

  it('reads the content type from the headers when none is passed', () => {
    const recorded = token('code=s3cr3t-value', undefined, { 'Content-Type': FORM });
    expect(recorded.body).toEqual({ code: REDACTED });
  });

  it.each([
    ['Authorization', 'Basic YXBwOnMzY3IzdA==', 'Basic [redacted]'],
    ['authorization', 'Bearer s3cr3t-value', 'Bearer [redacted]'],
    ['authorization', 's3cr3t-value', REDACTED],
    ['Proxy-Authorization', 'Basic YXBwOnMzY3IzdA==', 'Basic [redacted]'],
    ['Cookie', '_session=s3cr3t-value', REDACTED],
    ['set-cookie', ['a=s3cr3t-value', 'b=2'], REDACTED],
  ])('redacts the %s header to %s', (name, value, expected) => {
    const recorded = token(undefined, undefined, { [name]: value });
    expect(recorded.headers[name.toLowerCase()]).toBe(expected);
    expect(JSON.stringify(recorded)).not.toContain('s3cr3t');
  });

  it('keeps ordinary headers with lower-case names and joins repeated ones', () => {
    const recorded = token(undefined, undefined, { Accept: 'application/json', 'X-Trace': ['1', '2'], 'X-None': undefined });
    expect(recorded.headers).toEqual({ accept: 'application/json', 'x-trace': '1, 2' });
  });

  it.each([
    ['plain text', 'code=s3cr3t-value', 'text/plain', '[unparsed 17 bytes]'],
    ['form-looking text without a content type', 'code=s3cr3t-value', undefined, '[unparsed 17 bytes]'],
    ['broken JSON', '{"code":"s3cr3t-value"', 'application/json', '[unparsed 22 bytes]'],
    ['a JSON array', '["s3cr3t-value"]', 'application/json', '[unparsed 16 bytes]'],
    ['multi-byte text counted in bytes', 'é', 'text/plain', '[unparsed 2 bytes]'],
  ])('records %s only by its size', (_name, body, contentType, expected) => {
    expect(token(body, contentType).body).toBe(expected);
  });

  it('records no body for an empty one', () => {
    expect(token('', FORM).body).toBeUndefined();
    expect(token(undefined).body).toBeUndefined();
  });

  it('keeps an absolute URL to its path, upper-cases the method and stamps the time', () => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const recorded = redactRequest({ method: 'get', url: 'https://user:pw@idp.test/api/me?x=1&x=2', headers: {}, endpoint: 'resource' });
    expect(recorded).toEqual({
      time: 1_700_000_000_000,
      method: 'GET',
      endpoint: 'resource',
      path: '/api/me',
      query: { x: '1' },
      headers: {},
      body: undefined,
    });
  });

  afterEach(() => {
    vi.useRealTimers();
  });
});

describe('RequestRecorder', () => {
  const request = (path: string) => ({
    time: 0,
    method: 'GET',
    url: path,
    headers: {},
    body: Buffer.alloc(0),
    contentType: undefined,
    endpoint: 'other' as const,
  });

  it('keeps requests in arrival order and clears them', () => {
    const recorder = new RequestRecorder();
    recorder.record(request('/a'));
    recorder.record(request('/b'));
    expect(recorder.requests.map((r) => r.path)).toEqual(['/a', '/b']);
    recorder.clear();
    expect(recorder.requests).toEqual([]);
  });

  it('drops the oldest requests beyond its limit', () => {
    const recorder = new RequestRecorder({ limit: 3 });
    for (const path of ['/1', '/2', '/3', '/4', '/5']) recorder.record(request(path));
    expect(recorder.requests.map((r) => r.path)).toEqual(['/3', '/4', '/5']);
  });

  it('holds at most 1000 requests by default', () => {
    const recorder = new RequestRecorder();
    for (let i = 0; i < 1005; i += 1) recorder.record(request(`/${i}`));
    expect(recorder.requests).toHaveLength(1000);
    expect(recorder.requests[0]?.path).toBe('/5');
  });

  it('returns the stored record so the status can be set after answering', () => {
    const recorder = new RequestRecorder();
    recorder.record(request('/a')).status = 204;
    expect(recorder.requests[0]?.status).toBe(204);
  });

  it('hands out a snapshot that callers cannot use to change the log', () => {
    const recorder = new RequestRecorder();
    recorder.record(request('/a'));
    (recorder.requests as unknown[]).length = 0;
    expect(recorder.requests).toHaveLength(1);
  });

  it.each([0, -1, 1.5])('rejects limit %s with MOCK_PROVIDER', (limit) => {
    expect(() => new RequestRecorder({ limit })).toThrow(expect.objectContaining({ code: 'MOCK_PROVIDER' }));
  });
});

describe('redactRequest: names in any case, custom names, registered secret values (issue 10)', () => {
  const form = (body: string, headers: Record<string, string> = {}, secrets?: ReadonlySet<string>) =>
    redactRequest({
      method: 'POST',
      url: '/token',
      headers,
      body,
      contentType: 'application/x-www-form-urlencoded',
      endpoint: 'token',
      ...(secrets ? { secrets } : {}),
    });

  it('redacts Client_Secret and REFRESH_TOKEN whatever their case', () => {
    expect(form('Client_Secret=s3cr3t-value&REFRESH_TOKEN=rt-value&grant_type=refresh_token').body).toEqual({
      Client_Secret: REDACTED,
      REFRESH_TOKEN: REDACTED,
      grant_type: 'refresh_token',
    });
  });

  it.each([['x-client-secret'], ['X-Auth-Token'], ['x-user-password'], ['X-Client-Assertion']])('redacts the custom header %s', (name) => {
    expect(form('', { [name]: 'value-1234567' }).headers[name.toLowerCase()]).toBe(REDACTED);
  });

  it('redacts fields whose names contain secret, token, password or assertion, but not names of a kind', () => {
    const body = form(
      'my_api_secret=a&session_token=b&user_password=c&jwt_assertion=d&token_type_hint=refresh_token&code_challenge_method=S256&code_challenge=xyz',
    ).body;
    expect(body).toEqual({
      my_api_secret: REDACTED,
      session_token: REDACTED,
      user_password: REDACTED,
      jwt_assertion: REDACTED,
      token_type_hint: 'refresh_token',
      code_challenge_method: 'S256',
      code_challenge: 'xyz',
    });
  });

  it('redacts any value equal to a registered client secret, under any name, in body, query and headers', () => {
    const secrets = new Set(['the-registered-secret']);
    const recorded = redactRequest({
      method: 'POST',
      url: '/token?q=the-registered-secret',
      headers: { 'x-whatever': 'the-registered-secret' },
      body: JSON.stringify({ nested: { innocent: 'the-registered-secret' }, other: 'fine' }),
      contentType: 'application/json',
      endpoint: 'token',
      secrets,
    });
    expect(recorded.query.q).toBe(REDACTED);
    expect(recorded.headers['x-whatever']).toBe(REDACTED);
    expect(JSON.stringify(recorded.body)).not.toContain('the-registered-secret');
    expect(recorded.body).toMatchObject({ other: 'fine' });
  });

  it('a provider redacts its registered client secrets from recorded requests', async () => {
    const { createMockProvider } = await import('../../../src/mock-provider/index.js');
    const provider = await createMockProvider({ clients: [{ clientId: 'c1', clientSecret: 'c1-secret-value', redirectUris: ['http://127.0.0.1/callback'] }] });
    await provider.fetch(provider.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-odd-name': 'c1-secret-value' },
      body: 'grant_type=client_credentials&client_id=c1&my_field=c1-secret-value',
    });
    expect(JSON.stringify(provider.requests)).not.toContain('c1-secret-value');
    await provider.close();
  });
});
