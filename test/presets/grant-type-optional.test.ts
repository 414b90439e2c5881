/**
 * `grantTypeOptional`: token endpoints that take a code exchange without `grant_type` (GitHub: providers.md §2.3,
 * the token request is `client_id`, `client_secret`, `code`, `redirect_uri`; github/docs
 * content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md). Presets that do not say so still
 * refuse a request without it.
 */
import { describe, expect, it } from 'vitest';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { authorize, CLIENT, token } from './helpers.js';

describe('grantTypeOptional', () => {
  it('github: a code exchange without grant_type gets a token', async () => {
    const provider = await createMockProvider({ preset: 'github' });
    try {
      const grant = await authorize(provider, { scope: 'repo' }, provider.fetch);
      const answer = await token(
        provider,
        { code: grant.code, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier },
        { fetch: provider.fetch, accept: 'application/json' },
      );
      expect(answer.status, answer.text).toBe(200);
      expect(typeof answer.body.access_token, answer.text).toBe('string');
      expect(answer.body.scope).toBe('repo');
    } finally {
      await provider.close();
    }
  });

  it('github-app: a code exchange without grant_type gets a token and a refresh token; refresh still needs grant_type', async () => {
    const provider = await createMockProvider({ preset: 'github-app' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await token(
        provider,
        { code: grant.code, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier },
        { fetch: provider.fetch, accept: 'application/json' },
      );
      expect(answer.status, answer.text).toBe(200);
      expect(typeof answer.body.refresh_token, answer.text).toBe('string');
      // The docs show refresh with grant_type=refresh_token: not inferred.
      const refreshed = await token(provider, { refresh_token: answer.body.refresh_token as string }, { fetch: provider.fetch, accept: 'application/json' });
      expect(refreshed.body.access_token, refreshed.text).toBeUndefined();
      expect(typeof refreshed.body.error, refreshed.text).toBe('string');
    } finally {
      await provider.close();
    }
  });

  it('a preset that requires grant_type (gitlab) still refuses a request without it', async () => {
    const provider = await createMockProvider({ preset: 'gitlab' });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await token(
        provider,
        { code: grant.code, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier },
        { fetch: provider.fetch, accept: 'application/json' },
      );
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
      expect(String(answer.body.error_description)).toContain('grant_type');
    } finally {
      await provider.close();
    }
  });

  it('quirks.grantTypeOptional with refresh_token infers a refresh from refresh_token', async () => {
    const provider = await createMockProvider({ preset: 'gitlab', quirks: { grantTypeOptional: ['authorization_code', 'refresh_token'] } });
    try {
      const grant = await authorize(provider, {}, provider.fetch);
      const answer = await token(provider, { code: grant.code, redirect_uri: CLIENT.redirectUri, code_verifier: grant.verifier }, { fetch: provider.fetch });
      expect(answer.status, answer.text).toBe(200);
      const refreshed = await token(provider, { refresh_token: answer.body.refresh_token as string }, { fetch: provider.fetch });
      expect(refreshed.status, refreshed.text).toBe(200);
      expect(refreshed.body.refresh_token).not.toBe(answer.body.refresh_token);
    } finally {
      await provider.close();
    }
  });
});
