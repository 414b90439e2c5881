import type { OAuth2Settings } from '../../flow/types.js';
import type { PresetName } from '../../mock-provider/presets/index.js';
import { presetForSettings } from './mock-preset.js';

/** A known provider behaviour the config runs into, for `oauth2 check` (no secret: built from URLs and scope names). */
export interface ProviderPitfall {
  /** The preset whose URLs the config matches (the same pick as `oauth2 --mock`). */
  provider: PresetName;
  /** What goes wrong with this config, and why. */
  problem: string;
  /** The change to make in `.unito.json`. */
  fix: string;
  /** The provider's documentation (or the source that states the behaviour). */
  source: string;
  /** Set when the provider then issues no refresh token (the cause a re-run's "logging in again" names). */
  noRefreshToken?: true;
}

/** A table row; with `noRefreshToken`, `problem` reads `cause: consequence`. */
type Pitfall = Omit<ProviderPitfall, 'provider'> & { applies: (settings: OAuth2Settings) => boolean };

/** The authorizationUrl's query parameter (templates read as plain text), or undefined. */
function authorizeParam(settings: OAuth2Settings, name: string): string | undefined {
  const url = URL.parse((settings.authorizationUrl ?? '').replace(/\{[^}]*\}/g, 'x'));
  return url?.searchParams.get(name) ?? undefined;
}

function hasScope(settings: OAuth2Settings, name: string): boolean {
  return (settings.scopes ?? []).some((scope) => scope.name.split(/[\s,]+/).includes(name));
}

const MICROSOFT_OFFLINE: Pitfall = {
  applies: (settings) => !hasScope(settings, 'offline_access'),
  noRefreshToken: true,
  problem: 'no "offline_access" scope: Entra ID issues no refresh token, so every expired access token means logging in again.',
  fix: 'add { "name": "offline_access" } to oauth2.scopes',
  source: 'https://learn.microsoft.com/entra/identity-platform/refresh-tokens',
};

/** Per preset, the pitfalls `/work/shared/providers.md` states with a source. */
const PITFALLS: Partial<Record<PresetName, Pitfall[]>> = {
  google: [
    {
      applies: (settings) => authorizeParam(settings, 'access_type') !== 'offline',
      noRefreshToken: true,
      problem: 'the authorizationUrl has no access_type=offline: Google issues no refresh token, so every expired access token means logging in again.',
      fix: 'add access_type=offline to the authorizationUrl query',
      source: 'https://developers.google.com/identity/protocols/oauth2',
    },
    {
      applies: (settings) => authorizeParam(settings, 'prompt') !== 'consent',
      problem: 'the authorizationUrl has no prompt=consent: Google returns a refresh token only on the first consent, so a user who connects again gets none.',
      fix: 'add prompt=consent to the authorizationUrl query',
      source: 'https://developers.google.com/identity/protocols/oauth2',
    },
  ],
  atlassian: [
    {
      applies: (settings) => !hasScope(settings, 'offline_access'),
      noRefreshToken: true,
      problem: 'no "offline_access" scope: Atlassian issues no refresh token, so every expired access token means logging in again.',
      fix: 'add { "name": "offline_access" } to oauth2.scopes',
      source: 'https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens',
    },
  ],
  microsoft: [
    MICROSOFT_OFFLINE,
    {
      applies: (settings) => settings.requestContentType === 'application/json',
      problem: 'requestContentType is application/json: Entra ID accepts form-encoded token requests only and answers a JSON body with 400 AADSTS900144.',
      fix: 'drop "requestContentType": "application/json" from the oauth2 block',
      source: 'https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow',
    },
  ],
  dropbox: [
    {
      applies: (settings) => authorizeParam(settings, 'token_access_type') !== 'offline',
      noRefreshToken: true,
      problem: 'the authorizationUrl has no token_access_type=offline: Dropbox issues no refresh token, so every expired access token means logging in again.',
      fix: 'add token_access_type=offline to the authorizationUrl query',
      source: 'https://dropbox.tech/developers/using-oauth-2-0-with-offline-access',
    },
  ],
  salesforce: [
    {
      applies: (settings) => !hasScope(settings, 'refresh_token') && !hasScope(settings, 'offline_access'),
      noRefreshToken: true,
      problem: 'no "refresh_token" scope: Salesforce issues no refresh token, so every expired access token means logging in again.',
      fix: 'add { "name": "refresh_token" } to oauth2.scopes (the connected app must allow it too)',
      source: 'https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/api/apex_connector_oauth.htm',
    },
  ],
};

/** The pitfalls of the provider the settings' URLs point at (none when no preset matches). */
export function providerPitfalls(settings: OAuth2Settings): ProviderPitfall[] {
  const { name } = presetForSettings(settings);
  if (name === undefined) return [];
  return (PITFALLS[name] ?? []).filter((pitfall) => pitfall.applies(settings)).map(({ applies: _, ...pitfall }) => ({ provider: name, ...pitfall }));
}

/** Why the provider the settings point at returned no refresh token, with the fix (`oauth2` on a re-run), if known. */
export function refreshTokenPitfall(settings: OAuth2Settings): string | undefined {
  const pitfall = providerPitfalls(settings).find((found) => found.noRefreshToken);
  return pitfall && `${pitfall.provider}: ${pitfall.problem.slice(0, pitfall.problem.indexOf(': '))}; fix: ${pitfall.fix}`;
}
