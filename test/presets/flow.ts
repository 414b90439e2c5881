/**
 * One connector-style run against a preset, with plain global `fetch` at the URLs `provider.endpoints` lists:
 * authorize, exchange, the identity call, a refresh when the preset gives a refresh token, and the identity call's
 * answer once the tokens are expired. What the transport tests (a sample in `npm test`, every preset × transport
 * in the slow suite) run.
 */
import { expect } from 'vitest';
import type { MockProvider } from '../../src/mock-provider/index.js';
import { PRESETS, type PresetName } from '../../src/mock-provider/presets/index.js';
import { authorize, exchange, read, refresh, type Auth } from './helpers.js';

/** What a connector for each provider sends to get a refresh token (the parameter or scope the preset needs). */
export const OFFLINE_PARAMS: Partial<Record<PresetName, Record<string, string>>> = {
  google: { access_type: 'offline', prompt: 'consent', scope: 'openid email' },
  dropbox: { token_access_type: 'offline' },
  atlassian: { scope: 'read:jira-work offline_access', audience: 'api.atlassian.com', prompt: 'consent' },
  microsoft: { scope: 'User.Read offline_access' },
  salesforce: { scope: 'api refresh_token' },
  slack: { scope: 'chat:write,channels:read' },
  linear: { scope: 'read,write' },
  github: { scope: 'repo gist' },
  // Airtable requires at least one scope.
  airtable: { scope: 'data.records:read' },
};

export function authFor(name: PresetName): Auth {
  return (PRESETS[name].quirks as { clientAuth?: string }).clientAuth === 'body' ? 'body' : 'basic';
}

export async function runPresetFlow(provider: MockProvider, name: PresetName): Promise<void> {
  const preset = PRESETS[name];
  const quirks = preset.quirks as {
    refreshTokenWhen?: unknown;
    endpoints: { identity?: readonly { name: string; methods?: readonly string[]; invalid: { status: number; body: unknown } }[] };
  };
  const grant = await authorize(provider, OFFLINE_PARAMS[name] ?? {});
  const answer = await exchange(provider, grant, { auth: authFor(name), accept: 'application/json' });
  expect(answer.status, answer.text).toBe(200);
  expect(typeof answer.body.access_token, answer.text).toBe('string');
  const accessToken = answer.body.access_token as string;

  for (const identity of quirks.endpoints.identity ?? []) {
    const url = (provider.endpoints[identity.name] as string).replace(/\/\{?token\}?$|\/token$/, `/${accessToken}`);
    const method = identity.methods?.[0] ?? 'GET';
    const me = await read(await fetch(url.endsWith('/token') ? url : url, { method, headers: { authorization: `Bearer ${accessToken}` } }));
    expect(me.status, `${identity.name}: ${me.text}`).toBe(200);
    expect(me.text).not.toBe('');
  }

  const refreshToken = answer.body.refresh_token;
  if (quirks.refreshTokenWhen !== 'never') {
    expect(typeof refreshToken, `${name} gives a refresh token: ${answer.text}`).toBe('string');
    const refreshed = await refresh(provider, refreshToken as string, { auth: authFor(name), accept: 'application/json' });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(typeof refreshed.body.access_token).toBe('string');
  } else {
    expect(refreshToken).toBeUndefined();
  }

  await provider.expireAccessTokens();
  for (const identity of quirks.endpoints.identity ?? []) {
    const url = (provider.endpoints[identity.name] as string).replace(/\/token$/, `/${accessToken}`);
    const me = await read(await fetch(url, { method: identity.methods?.[0] ?? 'GET', headers: { authorization: `Bearer ${accessToken}` } }));
    expect(me.status, `${identity.name} after expiry: ${me.text}`).toBe(identity.invalid.status);
    if (identity.invalid.body !== null) expect(JSON.parse(me.text)).toEqual(identity.invalid.body);
  }
}
