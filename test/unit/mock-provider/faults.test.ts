import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTestkitError } from '../../../src/shared/errors.js';
import { FaultQueue, faultResponse, normalizeFault, type Fault, type FaultSpec } from '../../../src/mock-provider/scenario/faults.js';

describe('normalizeFault', () => {
  it.each<[string, FaultSpec, Fault]>([
    ['an OAuth error defaults to 400', { error: 'invalid_grant' }, { kind: 'oauth-error', status: 400, error: 'invalid_grant' }],
    ['invalid_client defaults to 401', { error: 'invalid_client' }, { kind: 'oauth-error', status: 401, error: 'invalid_client' }],
    [
      'an OAuth error keeps its description and explicit status',
      { error: 'temporarily_unavailable', errorDescription: 'try later', status: 503 },
      { kind: 'oauth-error', status: 503, error: 'temporarily_unavailable', errorDescription: 'try later' },
    ],
    [
      'an OAuth error may be sent with 200',
      { error: 'bad_verification_code', status: 200 },
      { kind: 'oauth-error', status: 200, error: 'bad_verification_code' },
    ],
    ['a bare number is a status', 503, { kind: 'status', status: 503 }],
    ['a status keeps its body', { status: 502, body: 'upstream down' }, { kind: 'status', status: 502, body: 'upstream down' }],
    ['a 200 with a body is allowed', { status: 200, body: 'ok?' }, { kind: 'status', status: 200, body: 'ok?' }],
    ['429 with retryAfter is a rate limit', { status: 429, retryAfter: 30 }, { kind: 'rate-limit', status: 429, retryAfter: 30 }],
    ['a delay', { delayMs: 250 }, { kind: 'delay', delayMs: 250 }],
    ['a zero delay', { delayMs: 0 }, { kind: 'delay', delayMs: 0 }],
    ['malformed html', { malformed: 'html' }, { kind: 'malformed', malformed: 'html' }],
    ['malformed truncated json', { malformed: 'truncated-json' }, { kind: 'malformed', malformed: 'truncated-json' }],
    ['malformed empty', { malformed: 'empty' }, { kind: 'malformed', malformed: 'empty' }],
  ])('normalizes %s', (_name, spec, expected) => {
    expect(normalizeFault(spec)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['status 200 without a body', 200],
    ['status 204 with an empty body', { status: 204, body: '' }],
    ['a status below 200', 100],
    ['a status above 599', 600],
    ['a fractional status', 500.5],
    ['a negative delay', { delayMs: -1 }],
    ['an infinite delay', { delayMs: Infinity }],
    ['retryAfter with a status other than 429', { status: 503, retryAfter: 5 }],
    ['a negative retryAfter', { status: 429, retryAfter: -1 }],
    ['an unknown malformed kind', { malformed: 'xml' }],
    ['an empty error code', { error: '' }],
    ['an error code with a quote', { error: 'bad"code' }],
    ['a typo in a key', { status: 429, retry_after: 5 }],
    ['mixed shapes', { delayMs: 10, status: 500 }],
    ['an empty object', {}],
    ['null', null],
    ['a string', 'invalid_grant'],
  ])('rejects %s with MOCK_PROVIDER', (_name, spec) => {
    let thrown: unknown;
    try {
      normalizeFault(spec as FaultSpec);
    } catch (error) {
      thrown = error;
    }
    expect(isTestkitError(thrown, 'MOCK_PROVIDER')).toBe(true);
  });
});

describe('faultResponse', () => {
  it('answers an OAuth error with a JSON body and no-store', () => {
    const answer = faultResponse(normalizeFault({ error: 'invalid_grant', errorDescription: 'code reused' }));
    expect(answer).toEqual({
      status: 400,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', pragma: 'no-cache' },
      body: '{"error":"invalid_grant","error_description":"code reused"}',
    });
  });

  it('adds a Basic challenge to a 401 invalid_client', () => {
    const answer = faultResponse(normalizeFault({ error: 'invalid_client' }));
    expect(answer).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Basic realm="mock-provider"' } });
  });

  it('adds a Bearer challenge to any other 401 error', () => {
    const answer = faultResponse(normalizeFault({ error: 'invalid_token', status: 401 }));
    expect(answer).toMatchObject({ headers: { 'www-authenticate': 'Bearer realm="mock-provider", error="invalid_token"' } });
  });

  it('answers a rate limit with Retry-After and a rate_limited error', () => {
    const answer = faultResponse(normalizeFault({ status: 429, retryAfter: 7 }));
    expect(answer).toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
    expect(JSON.parse((answer as { body: string }).body)).toMatchObject({ error: 'rate_limited' });
  });

  it('answers a bare status with its reason phrase as text', () => {
    expect(faultResponse(normalizeFault(503))).toEqual({
      status: 503,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: '503 Service Unavailable\n',
    });
  });

  it('labels a JSON status body as JSON', () => {
    const answer = faultResponse(normalizeFault({ status: 500, body: '{"message":"boom"}' }));
    expect(answer).toMatchObject({ headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"message":"boom"}' });
  });

  it.each([
    ['html', 'text/html; charset=utf-8'],
    ['truncated-json', 'application/json; charset=utf-8'],
    ['empty', 'application/json; charset=utf-8'],
  ] as const)('answers malformed %s with a 200 that no JSON parser accepts', (malformed, contentType) => {
    const answer = faultResponse(normalizeFault({ malformed })) as { status: number; headers: Record<string, string>; body: string };
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(contentType);
    expect(() => JSON.parse(answer.body)).toThrow(SyntaxError);
  });

  it('returns a delay as an instruction to continue afterwards', () => {
    expect(faultResponse(normalizeFault({ delayMs: 1500 }))).toEqual({ delayMs: 1500 });
  });
});

describe('FaultQueue.delay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves only once fake time has advanced past the delay', async () => {
    vi.useFakeTimers();
    let done = false;
    const waiting = new FaultQueue().delay(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('ends every delay in progress on clear, leaving no timer', async () => {
    vi.useFakeTimers();
    const queue = new FaultQueue();
    const waiting = Promise.all([queue.delay(60_000), queue.delay(1000)]);
    expect(vi.getTimerCount()).toBe(2);
    queue.clear();
    await waiting;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('FaultQueue', () => {
  it('serves faults for an endpoint first in, first out', () => {
    const queue = new FaultQueue();
    queue.push('token', { error: 'invalid_grant' });
    queue.push('token', 503);
    expect(queue.take('token')).toMatchObject({ error: 'invalid_grant' });
    expect(queue.take('token')).toMatchObject({ kind: 'status', status: 503 });
    expect(queue.take('token')).toBeUndefined();
  });

  it('leaves faults for other endpoints in place', () => {
    const queue = new FaultQueue();
    queue.push('userinfo', 500);
    queue.push('token', 502);
    expect(queue.take('token')).toMatchObject({ status: 502 });
    expect(queue.take('authorization')).toBeUndefined();
    expect(queue.take('userinfo')).toMatchObject({ status: 500 });
  });

  it('serves a fault the given number of times', () => {
    const queue = new FaultQueue();
    queue.push('token', 500, { times: 3 });
    expect(queue.size).toBe(3);
    expect([queue.take('token'), queue.take('token'), queue.take('token'), queue.take('token')].map((fault) => fault?.kind)).toEqual([
      'status',
      'status',
      'status',
      undefined,
    ]);
    expect(queue.size).toBe(0);
  });

  it('serves an endless fault until cleared', () => {
    const queue = new FaultQueue();
    queue.push('resource', 503, { times: Infinity });
    for (let i = 0; i < 50; i += 1) expect(queue.take('resource')).toBeDefined();
    queue.clear();
    expect(queue.take('resource')).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('matches an any entry against every endpoint in queue order', () => {
    const queue = new FaultQueue();
    queue.push('any', { delayMs: 10 });
    queue.push('token', 500);
    expect(queue.take('jwks')).toEqual({ kind: 'delay', delayMs: 10 });
    expect(queue.take('jwks')).toBeUndefined();
    expect(queue.take('token')).toMatchObject({ status: 500 });
  });

  it('gives an older token fault precedence over a newer any fault', () => {
    const queue = new FaultQueue();
    queue.push('token', 500);
    queue.push('any', 502);
    expect(queue.take('token')).toMatchObject({ status: 500 });
    expect(queue.take('token')).toMatchObject({ status: 502 });
  });

  it.each<[string, () => void]>([
    ['an invalid spec', () => new FaultQueue().push('token', { delayMs: -5 })],
    ['zero times', () => new FaultQueue().push('token', 500, { times: 0 })],
    ['fractional times', () => new FaultQueue().push('token', 500, { times: 1.5 })],
    ['an unknown endpoint', () => new FaultQueue().push('authorize' as 'token', 500)],
    ['taking for any', () => new FaultQueue().take('any' as 'token')],
  ])('rejects %s with MOCK_PROVIDER', (_name, act) => {
    expect(act).toThrow(expect.objectContaining({ code: 'MOCK_PROVIDER' }));
  });
});
