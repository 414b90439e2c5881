import { definePreset, NEVER_EXPIRES } from './preset.js';

// Sources: providers.md §2.3; https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps
export const GITHUB_USER_ENDPOINT = {
  name: 'user',
  // https://docs.github.com/en/rest/users/users#get-the-authenticated-user
  url: 'https://api.github.com/user',
  body: {
    login: '{user.id}',
    id: '{user.number}',
    node_id: 'U_mock{user.number}',
    avatar_url: 'https://avatars.githubusercontent.com/u/{user.number}',
    html_url: 'https://github.com/{user.id}',
    type: 'User',
    site_admin: false,
    name: '{user.name}',
    email: '{user.email}',
  },
  // https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api#failed-login-limit ("Bad credentials")
  invalid: { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } },
} as const;

/** GitHub's token endpoint errors: HTTP 200 with `error`, `error_description`, `error_uri`. */
export const GITHUB_ERRORS = {
  // https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/
  status: 200,
  body: { error: '{error}', error_description: '{description}', error_uri: '{code}' },
  conditions: {
    badCode: {
      error: 'bad_verification_code',
      description: 'The code passed is incorrect or expired.',
      code: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
    },
    badClient: {
      error: 'incorrect_client_credentials',
      description: 'The client_id and/or client_secret passed are incorrect.',
      code: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials',
    },
    // https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens
    badRefresh: {
      error: 'bad_refresh_token',
      description: 'The refresh token passed is incorrect or expired.',
      code: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors',
    },
  },
} as const;

export const github = definePreset({
  name: 'github',
  title: 'GitHub (OAuth App)',
  docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
  // No expires_in: OAuth App tokens never expire (providers.md §2.3).
  accessTokenTtl: NEVER_EXPIRES,
  quirks: {
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      identity: [GITHUB_USER_ENDPOINT],
    },
    // No refresh token for OAuth Apps (providers.md §1).
    refreshTokenWhen: 'never',
    // Form-encoded unless Accept: application/json (providers.md §2.3).
    tokenResponseEncoding: 'form-unless-accept-json',
    tokenType: 'bearer',
    // access_token=gho_… (providers.md §2.3, the documented answer).
    accessTokenPrefix: 'gho_',
    expiresIn: false,
    // Requested space-separated, answered comma-separated ("repo,gist").
    responseScope: { format: 'comma' },
    clientAuth: 'either',
    // The token request is client_id, client_secret, code, redirect_uri: no grant_type (providers.md §2.3;
    // github/docs content/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps.md).
    grantTypeOptional: ['authorization_code'],
    errorStyle: GITHUB_ERRORS,
  },
});
