/**
 * `requiredAuthorizeParams` / `forbiddenAuthorizeParams`: authorization parameters a provider insists on or refuses
 * (Atlassian: "`audience` is required", `audience=api.atlassian.com`; providers.md §2.1). Missing, wrong or
 * forbidden ones answer an error naming the parameter at the redirect URI (or on an error page), never a code.
 */
import { describe, expect, it } from 'vitest';
import { createMockProvider, createUserAgent, type MockProvider } from '../../src/mock-provider/index.js';
import { createPkce } from '../../src/shared/pkce.js';
import { authorize, CLIENT } from './helpers.js';

async function navigate(provider: MockProvider, params: Record<string, string>, redirectUri = CLIENT.redirectUri) {
  const pkce = createPkce();
  const url = new URL(provider.endpoints.authorization as string);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: CLIENT.id,
    redirect_uri: redirectUri,
    state: 'st-1',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...params,
  }))
    url.searchParams.set(name, value);
  return createUserAgent({ fetch: provider.fetch }).navigate(url.href, {
    stopAt: (next) => next.origin === 'http://127.0.0.1' && next.pathname === '/callback',
  });
}

describe('requiredAuthorizeParams (atlassian: audience=api.atlassian.com)', () => {
  it('without audience: invalid_request naming audience at the redirect URI, with state, no code', async () => {
    const provider = await createMockProvider({ preset: 'atlassian' });
    try {
      const result = await navigate(provider, { scope: 'read:jira-work', prompt: 'consent' });
      const back = result.stoppedAt;
      expect(back, `stopped at ${result.url.href} (${result.status})`).toBeDefined();
      expect(back?.searchParams.get('code')).toBeNull();
      expect(back?.searchParams.get('error')).toBe('invalid_request');
      expect(back?.searchParams.get('error_description')).toContain("'audience'");
      expect(back?.searchParams.get('state')).toBe('st-1');
    } finally {
      await provider.close();
    }
  });

  it('with the wrong audience: refused, naming audience', async () => {
    const provider = await createMockProvider({ preset: 'atlassian' });
    try {
      const result = await navigate(provider, { scope: 'read:jira-work', audience: 'example.com', prompt: 'consent' });
      expect(result.stoppedAt?.searchParams.get('error')).toBe('invalid_request');
      expect(result.stoppedAt?.searchParams.get('error_description')).toContain("'audience'");
    } finally {
      await provider.close();
    }
  });

  it('with audience=api.atlassian.com: a code', async () => {
    const provider = await createMockProvider({ preset: 'atlassian' });
    try {
      const grant = await authorize(provider, { scope: 'read:jira-work', audience: 'api.atlassian.com', prompt: 'consent' }, provider.fetch);
      expect(grant.code).not.toBe('');
    } finally {
      await provider.close();
    }
  });

  it('never redirects to an unregistered redirect URI: the engine error page stands', async () => {
    const provider = await createMockProvider({ preset: 'atlassian' });
    try {
      const result = await navigate(provider, { scope: 'read:jira-work' }, 'http://127.0.0.1/callback-evil');
      expect(result.stoppedAt).toBeUndefined();
      expect(result.status).toBe(400);
    } finally {
      await provider.close();
    }
  });

  it("authorizeErrorDelivery: 'page' answers an error page naming the parameter; forbidden parameters are refused", async () => {
    const provider = await createMockProvider({
      quirks: { requiredAuthorizeParams: { owner: 'user', tenant: true }, forbiddenAuthorizeParams: ['response_mode'], authorizeErrorDelivery: 'page' },
    });
    try {
      const missing = await navigate(provider, { owner: 'user' });
      expect(missing.stoppedAt).toBeUndefined();
      expect(missing.status).toBe(400);
      expect(missing.body).toContain('tenant');
      const forbidden = await navigate(provider, { owner: 'user', tenant: 'x', response_mode: 'query' });
      expect(forbidden.status).toBe(400);
      expect(forbidden.body).toContain('response_mode');
      const fine = await navigate(provider, { owner: 'user', tenant: 'anything' });
      expect(fine.stoppedAt?.searchParams.get('code')).toBeTruthy();
    } finally {
      await provider.close();
    }
  });

  describe('airtable: state, code_challenge and at least one scope are required (providers.md §2.15)', () => {
    for (const [name, params] of [
      ['state', { scope: 'data.records:read', state: '' }],
      ['code_challenge', { scope: 'data.records:read', code_challenge: '', code_challenge_method: '' }],
      ['scope', {}],
    ] as const) {
      it(`without ${name}: invalid_request naming it, no code`, async () => {
        const provider = await createMockProvider({ preset: 'airtable' });
        try {
          const result = await navigate(provider, params);
          expect(result.stoppedAt?.searchParams.get('code')).toBeNull();
          expect(result.stoppedAt?.searchParams.get('error'), result.stoppedAt?.href).toBe('invalid_request');
          expect(result.stoppedAt?.searchParams.get('error_description')).toContain(`'${name}'`);
        } finally {
          await provider.close();
        }
      });
    }
  });

  it('getTokens() sends the fixed values a preset requires (atlassian audience); a missing scope it cannot guess is named', async () => {
    const atlassian = await createMockProvider({ preset: 'atlassian' });
    try {
      expect(typeof (await atlassian.getTokens()).access_token).toBe('string');
      expect(atlassian.authorizationUrl).toBe('https://auth.atlassian.com/authorize');
    } finally {
      await atlassian.close();
    }
    const airtable = await createMockProvider({ preset: 'airtable' });
    try {
      await expect(airtable.getTokens()).rejects.toThrow("missing required parameter 'scope'");
      expect(typeof (await airtable.getTokens({ scope: 'data.records:read' })).access_token).toBe('string');
    } finally {
      await airtable.close();
    }
  });

  it('response_mode=form_post: the auto-submitted form carries the description naming the parameter', async () => {
    const provider = await createMockProvider({ preset: 'atlassian' });
    try {
      const url = new URL(provider.endpoints.authorization as string);
      for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: CLIENT.id,
        redirect_uri: CLIENT.redirectUri,
        state: 'st-2',
        response_mode: 'form_post',
        code_challenge: createPkce().challenge,
        code_challenge_method: 'S256',
      }))
        url.searchParams.set(name, value);
      const text = await (await provider.fetch(url.href, { redirect: 'manual' })).text();
      expect(text).toContain('name="error" value="invalid_request"');
      expect(text).toContain(`name="error_description" value="missing required parameter &#39;audience&#39;"`);
      expect(text).toContain('name="state" value="st-2"');
    } finally {
      await provider.close();
    }
  });
});
