/** Shapes shared by the flow modules. The JSON Schema in `config-schema.ts` is the source of truth for validation. */

import type { GrantType } from './grants.js';

export type RequestContentType = 'application/x-www-form-urlencoded' | 'application/json';

export interface RequestParameters {
  /** Extra headers, values are templates. */
  header?: Record<string, string>;
  /** Extra body fields, string values are templates. */
  body?: Record<string, unknown>;
}

export interface OAuth2Scope {
  name: string;
  help?: string;
}

export interface OAuth2Settings {
  clientId: string;
  clientSecret: string;
  /** Required for the authorization code grant (the default); unused by the grants without a browser. */
  authorizationUrl?: string;
  tokenUrl: string;
  scopes?: OAuth2Scope[];
  /** Default `authorization_code`. */
  grantType?: GrantType;
  requestContentType?: RequestContentType;
  responseContentType?: RequestContentType;
  tokenRequestParameters?: RequestParameters;
  refreshRequestParameters?: RequestParameters;
}

export interface Authorization {
  name: string;
  method: 'oauth2' | 'custom' | string;
  development?: boolean;
  variables?: Record<string, unknown>;
  oauth2?: OAuth2Settings;
}

/** An authorization known to be `method: "oauth2"` with valid `oauth2` settings. */
export interface OAuth2Authorization extends Authorization {
  method: 'oauth2';
  oauth2: OAuth2Settings;
}

export type TestAccount = Record<string, unknown>;

export interface UnitoConfig {
  authorizations?: Authorization[];
  testAccounts?: Record<string, TestAccount>;
  [key: string]: unknown;
}

export interface LoadedConfig {
  /** Absolute path of the file read. */
  path: string;
  /** The file's text as read (writes re-read the file; this is for diagnostics). */
  text: string;
  data: UnitoConfig;
}

/** A token response, normalised. Field names are the credential names written to the test account. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  tokenType?: string;
  expiresIn?: number;
  scope?: string;
  /** Response fields that are not standard OAuth 2 token fields (written under `oauth2ExtraParameters`). */
  extra: Record<string, unknown>;
  /** Extra fields left out of `extra` because they were too many, too large or too deep, each named with why. */
  omitted?: string[];
}

/** Credential names the flow owns inside a test account; it touches nothing else. */
export const RESERVED_CREDENTIAL_NAMES = ['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'scope', 'oauth2ExtraParameters'] as const;

/**
 * Account values that are credentials: the reserved token names and what a grant reads from the account. Masked in
 * every message; `--mock` never copies them from another account.
 */
export const ACCOUNT_SECRET_NAMES = ['accessToken', 'refreshToken', 'password', 'assertion', 'privateKey', 'clientSecret', 'apiKey'] as const;
