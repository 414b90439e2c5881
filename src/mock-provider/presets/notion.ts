import { definePreset } from './preset.js';

// Source: providers.md §2.10; https://developers.notion.com/reference/create-a-token
const OWNER = {
  type: 'user',
  user: { object: 'user', id: '{user.id}', name: '{user.name}', avatar_url: null, type: 'person', person: { email: '{user.email}' } },
};

export const notion = definePreset({
  name: 'notion',
  title: 'Notion (current: refresh tokens)',
  docs: 'https://developers.notion.com/docs/authorization',
  quirks: {
    endpoints: {
      authorization: 'https://api.notion.com/v1/oauth/authorize',
      token: 'https://api.notion.com/v1/oauth/token',
      identity: [
        {
          name: 'me',
          // https://developers.notion.com/reference/get-self (not in providers.md)
          url: 'https://api.notion.com/v1/users/me',
          body: {
            object: 'user',
            id: 'bot-{user.number}',
            name: 'Mock integration',
            avatar_url: null,
            type: 'bot',
            bot: { owner: OWNER, workspace_name: 'Mock Workspace' },
          },
          // https://developers.notion.com/reference/status-codes
          invalid: { status: 401, body: { object: 'error', status: 401, code: 'unauthorized', message: 'API token is invalid.' } },
        },
      ],
    },
    // Current docs: RT returned; refresh "generating a new access token and new refresh token".
    refreshTokenWhen: 'always',
    // JSON documented; whether form is rejected is [unconfirmed]: both accepted.
    tokenRequestFormats: ['form', 'json'],
    // HTTP Basic required.
    clientAuth: 'basic',
    tokenType: 'bearer',
    // No expires_in in the schema; no scopes.
    expiresIn: false,
    responseScope: { format: 'absent' },
    extraTokenFields: {
      bot_id: 'bot-{user.number}',
      workspace_id: 'ws-00000000-0000-0000-0000-000000000001',
      workspace_name: 'Mock Workspace',
      // A URL or an emoji (create-a-token.md example: a URL).
      workspace_icon: 'https://www.notion.so/images/mock-workspace-icon.png',
      owner: OWNER,
      duplicated_template_id: null,
      request_id: '{now|string}',
    },
    // Rotation details (old RT revoked?) are [unconfirmed]: rotate, old one dies at use (the doc's "new refresh token").
    refreshPolicy: { mode: 'rotate' },
  },
});
