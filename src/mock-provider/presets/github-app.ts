import { GITHUB_ERRORS, GITHUB_USER_ENDPOINT } from './github.js';
import { definePreset } from './preset.js';

// Source: providers.md §2.3; https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
export const githubApp = definePreset({
  name: 'github-app',
  title: 'GitHub App (expiring user tokens)',
  docs: 'https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens',
  // expires_in: 28800 (8 h).
  accessTokenTtl: 28800,
  // refresh_token_expires_in: 15897600 (~6 months).
  refreshTokenTtl: 15897600,
  quirks: {
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      identity: [GITHUB_USER_ENDPOINT],
    },
    refreshTokenWhen: 'always',
    tokenResponseEncoding: 'form-unless-accept-json',
    tokenType: 'bearer',
    // Prefixes ghu_ (user access token) and ghr_ (refresh token) (providers.md §1, §2.3).
    accessTokenPrefix: 'ghu_',
    refreshTokenPrefix: 'ghr_',
    // A code exchange needs no grant_type (providers.md §2.3, as for OAuth Apps); refresh is documented with
    // grant_type=refresh_token, so it stays required.
    grantTypeOptional: ['authorization_code'],
    // GitHub Apps answer an empty scope: "".
    responseScope: { format: 'empty' },
    refreshTokenFields: { refresh_token_expires_in: 15897600 },
    // "the old RT and old AT stop working immediately".
    refreshPolicy: { mode: 'rotate', revokePreviousAccessToken: true },
    errorStyle: GITHUB_ERRORS,
  },
});
