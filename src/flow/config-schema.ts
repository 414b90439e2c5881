/**
 * JSON Schemas for the parts of `.unito.json` the OAuth 2 flow reads, and the helper that turns a JSON path into
 * the `authorizations[1].oauth2.scopes[0].name` notation used in every config error message.
 *
 * Rules (see DESIGN.md, "`.unito.json`"):
 * - an authorization has a non-empty `name` and an `oauth2` block; other keys are the platform's business;
 * - `clientId`, `clientSecret`, `tokenUrl` are required non-empty strings (templates allowed), and `authorizationUrl`
 *   too unless `grantType` names a grant without a browser (`client_credentials`, `password`, JWT bearer);
 * - `grantType` is one of {@link GRANT_TYPES} (default `authorization_code`);
 * - `scopes` is an array of `{ name, help? }`; extra keys on a scope are allowed (real configs carry some);
 * - content types are one of the two the platform speaks;
 * - request parameters are `{ header?: { [name]: string }, body?: { [name]: string | number | boolean } }`,
 *   and nothing else, so a `headers` typo is reported instead of silently ignored;
 * - `testAccounts` is an object whose values are objects.
 */

import { GRANT_TYPES, GRANTS_WITHOUT_BROWSER } from './grants.js';

/** The content types a token request or response may use. */
export const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;

const nonEmptyString = { type: 'string', minLength: 1 } as const;

const requestParametersSchema = {
  type: 'object',
  properties: {
    header: { type: 'object', additionalProperties: { type: 'string' } },
    body: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
  },
  additionalProperties: false,
} as const;

/** JSON Schema of an authorization's `oauth2` block. */
export const OAUTH2_SETTINGS_SCHEMA = {
  type: 'object',
  required: ['clientId', 'clientSecret', 'tokenUrl'],
  properties: {
    clientId: nonEmptyString,
    clientSecret: nonEmptyString,
    authorizationUrl: nonEmptyString,
    tokenUrl: nonEmptyString,
    scopes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: nonEmptyString, help: { type: 'string' } },
      },
    },
    grantType: { enum: GRANT_TYPES },
    requestContentType: { enum: CONTENT_TYPES },
    responseContentType: { enum: CONTENT_TYPES },
    tokenRequestParameters: requestParametersSchema,
    refreshRequestParameters: requestParametersSchema,
  },
  // Which fields each grant needs: only the authorization code grant opens a browser at authorizationUrl.
  if: { type: 'object', required: ['grantType'], properties: { grantType: { enum: GRANTS_WITHOUT_BROWSER } } },
  else: { type: 'object', required: ['authorizationUrl'], properties: { authorizationUrl: nonEmptyString } },
} as const;

/** JSON Schema of one entry of `authorizations[]` that the flow is about to use. */
export const OAUTH2_AUTHORIZATION_SCHEMA = {
  type: 'object',
  required: ['name', 'oauth2'],
  properties: {
    name: nonEmptyString,
    method: { const: 'oauth2' },
    development: { type: 'boolean' },
    variables: { type: 'object' },
    oauth2: OAUTH2_SETTINGS_SCHEMA,
  },
} as const;

/** JSON Schema of the top-level `testAccounts` object. */
export const TEST_ACCOUNTS_SCHEMA = {
  type: 'object',
  additionalProperties: { type: 'object' },
} as const;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats path segments as `a.b[0]["odd key"]`, the notation config errors use.
 *
 * @example
 * formatJsonPath(['authorizations', 1, 'oauth2', 'scopes', 0, 'name']) // 'authorizations[1].oauth2.scopes[0].name'
 */
export function formatJsonPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/**
 * Appends one key to an already formatted path.
 *
 * @example
 * appendJsonPath('authorizations[0].oauth2.tokenRequestParameters.header', 'X-Api-Key') // '…header["X-Api-Key"]'
 */
export function appendJsonPath(base: string, key: string | number): string {
  const tail = formatJsonPath([key]);
  return tail.startsWith('[') ? `${base}${tail}` : `${base}.${tail}`;
}
