import { afterEach, describe, expect, it } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { createMockProvider } from '../../src/mock-provider/index.js';
import { refresh } from './helpers.js';

const open: MockProvider[] = [];
afterEach(async () => {
  for (const provider of open.splice(0)) await provider.close();
});

describe('maxGrants (issue 10)', () => {
  it('evicts the oldest grant past the cap, and its refusal says the cap evicted it', async () => {
    const provider = await createMockProvider({ maxGrants: 2 });
    open.push(provider);
    const first = await provider.getTokens();
    await provider.getTokens();
    await provider.getTokens();
    const response = await refresh(provider.fetch, provider, first.refresh_token as string);
    expect(response.status).toBe(400);
    const body = response.json as { error: string; error_description: string };
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toContain('evicted');
    expect(body.error_description).toContain('at most 2 grants (maxGrants)');
  });

  it('keeps the refusal of a refresh token that was never issued as the engine words it', async () => {
    const provider = await createMockProvider({ maxGrants: 2 });
    open.push(provider);
    const body = (await refresh(provider.fetch, provider, 'never-issued-token')).json as { error_description: string };
    expect(body.error_description).not.toContain('evicted');
  });

  it.each([[0], [1.5], [-1]])('refuses maxGrants %s', async (value) => {
    await expect(createMockProvider({ maxGrants: value })).rejects.toThrow(/maxGrants must be a whole number >= 1/);
  });
});
