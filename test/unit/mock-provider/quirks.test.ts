import { describe, expect, it } from 'vitest';
import {
  applyTokenResponseQuirks,
  InvalidRequestError,
  jsonBodyToForm,
  QUIRK_HELP,
  QUIRK_NAMES,
  type HttpAnswer,
  type Quirks,
} from '../../../src/mock-provider/scenario/quirks.js';

const TOKENS = { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-2', scope: 'read write' };

function jsonAnswer(status: number, body: object, extraHeaders: Record<string, string> = {}): HttpAnswer {
  const text = JSON.stringify(body);
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...extraHeaders },
    body: text,
  };
}

describe('jsonBodyToForm', () => {
  it.each([
    ['strings', '{"grant_type":"authorization_code","code":"a b&c"}', 'grant_type=authorization_code&code=a+b%26c'],
    ['numbers and booleans as text', '{"expires_in":60,"x":true}', 'expires_in=60&x=true'],
    ['arrays and objects as JSON', '{"scope":["a","b"],"o":{"k":1}}', `scope=${encodeURIComponent('["a","b"]')}&o=${encodeURIComponent('{"k":1}')}`],
    ['null members dropped', '{"a":null,"b":"1"}', 'b=1'],
    ['an empty object as an empty form', '{}', ''],
  ])('converts %s', (_name, json, form) => {
    expect(jsonBodyToForm(json)).toBe(form);
  });

  it.each([
    ['invalid JSON', '{"code":'],
    ['an array', '["code"]'],
    ['a string', '"code=abc"'],
    ['null', 'null'],
    ['an empty body', ''],
  ])('rejects %s with an invalid_request error that hides the body', (_name, body) => {
    let thrown: unknown;
    try {
      jsonBodyToForm(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRequestError);
    expect(thrown).toMatchObject({ code: 'MOCK_PROVIDER', oauthError: 'invalid_request', status: 400 });
    if (body !== '') expect((thrown as Error).message).not.toContain(body);
  });
});

describe('applyTokenResponseQuirks', () => {
  it('returns the answer unchanged with no quirk set', () => {
    const answer = jsonAnswer(200, TOKENS);
    expect(applyTokenResponseQuirks({}, answer, { grantType: 'authorization_code' })).toBe(answer);
  });

  it('drops refresh_token from a successful refresh and fixes Content-Length', () => {
    const result = applyTokenResponseQuirks({ omitRefreshTokenOnRefresh: true }, jsonAnswer(200, TOKENS), { grantType: 'refresh_token' });
    const body = JSON.parse(result.body) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).toMatchObject({ access_token: 'at-1' });
    expect(result.headers['Content-Length']).toBe(String(Buffer.byteLength(result.body)));
  });

  it.each([
    ['a code exchange', 'authorization_code'],
    ['an unknown grant', undefined],
  ])('keeps refresh_token on %s', (_name, grantType) => {
    const result = applyTokenResponseQuirks({ omitRefreshTokenOnRefresh: true }, jsonAnswer(200, TOKENS), { grantType });
    expect(JSON.parse(result.body)).toHaveProperty('refresh_token', 'rt-2');
  });

  it('answers an OAuth error with 200 and the same body under errorsAs200', () => {
    const answer = jsonAnswer(400, { error: 'invalid_grant', error_description: 'expired' });
    const result = applyTokenResponseQuirks({ errorsAs200: true }, answer, { grantType: 'authorization_code' });
    expect(result).toEqual({ ...answer, status: 200 });
  });

  it('leaves a 5xx without an OAuth error body alone under errorsAs200', () => {
    const answer = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' };
    expect(applyTokenResponseQuirks({ errorsAs200: true }, answer, { grantType: 'refresh_token' })).toBe(answer);
  });

  it('form-encodes a token response under formTokenResponses', () => {
    const result = applyTokenResponseQuirks({ formTokenResponses: true }, jsonAnswer(200, TOKENS), { grantType: 'authorization_code' });
    expect(result.headers).toEqual({ 'content-type': 'application/x-www-form-urlencoded', 'Content-Length': String(result.body.length) });
    expect(Object.fromEntries(new URLSearchParams(result.body))).toEqual({
      access_token: 'at-1',
      token_type: 'Bearer',
      expires_in: '3600',
      refresh_token: 'rt-2',
      scope: 'read write',
    });
  });

  it.each([
    ['application/json', false],
    ['application/json, text/plain', false],
    ['text/html, application/json;q=0.9', false],
    ['*/*', true],
    ['application/jsonx', true],
    [undefined, true],
  ])('with Accept %s form-encodes: %s', (accept, formEncoded) => {
    const result = applyTokenResponseQuirks({ formTokenResponses: true }, jsonAnswer(200, TOKENS), { grantType: 'authorization_code', accept });
    expect(result.headers['content-type'] === 'application/x-www-form-urlencoded').toBe(formEncoded);
  });

  it('combines all quirks the way GitHub and Google would', () => {
    const quirks: Quirks = { errorsAs200: true, formTokenResponses: true, omitRefreshTokenOnRefresh: true };
    const error = applyTokenResponseQuirks(quirks, jsonAnswer(400, { error: 'bad_verification_code' }), { grantType: 'authorization_code' });
    expect(error.status).toBe(200);
    expect(error.body).toBe('error=bad_verification_code');
    const refreshed = applyTokenResponseQuirks(quirks, jsonAnswer(200, TOKENS), { grantType: 'refresh_token' });
    expect(new URLSearchParams(refreshed.body).has('refresh_token')).toBe(false);
  });

  it('passes a non-JSON fault body through every quirk', () => {
    const answer = { status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>' };
    const all: Quirks = { errorsAs200: true, formTokenResponses: true, omitRefreshTokenOnRefresh: true, jsonTokenRequests: true };
    expect(applyTokenResponseQuirks(all, answer, { grantType: 'refresh_token' })).toBe(answer);
  });

  it('does not mutate the answer it was given', () => {
    const answer = jsonAnswer(200, TOKENS);
    const copy = structuredClone(answer);
    applyTokenResponseQuirks({ omitRefreshTokenOnRefresh: true, formTokenResponses: true }, answer, { grantType: 'refresh_token' });
    expect(answer).toEqual(copy);
  });
});

describe('QUIRK_NAMES', () => {
  it('lists every quirk once, each with help text', () => {
    expect(new Set(QUIRK_NAMES).size).toBe(4);
    expect(Object.keys(QUIRK_HELP).sort()).toEqual([...QUIRK_NAMES].sort());
  });
});
